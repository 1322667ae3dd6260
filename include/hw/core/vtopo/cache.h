/*
 * vtopo: cache geometry
 *
 * A cache as the CPUID deterministic cache parameters leaves describe it
 * (Intel SDM vol. 2A, CPUID leaf 04H; AMD APM vol. 3, CPUID Fn8000_001D,
 * which has the same layout): size = ways x partitions x line size x sets.
 * Depends on glib and libc only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_CACHE_H
#define HW_CORE_VTOPO_CACHE_H

typedef enum VTopoCacheType {
    VTOPO_CACHE_DATA,
    VTOPO_CACHE_INSTRUCTION,
    VTOPO_CACHE_UNIFIED,
} VTopoCacheType;

/*
 * Encodable limits of leaf 04H / Fn8000_001D: EBX[31:22] ways - 1,
 * EBX[21:12] partitions - 1, EBX[11:0] line size - 1, ECX sets - 1.
 */
#define VTOPO_CACHE_MAX_WAYS        1024
#define VTOPO_CACHE_MAX_PARTITIONS  1024
#define VTOPO_CACHE_MAX_LINE_SIZE   4096
#define VTOPO_CACHE_MAX_SETS        (UINT64_C(1) << 32)

/*
 * VTopoCache: one cache.
 * @level: 1, 2 or 3.
 * @size: bytes.
 * @ways: associativity.
 * @line_size: bytes, a power of two.
 * @partitions: physical line partitions.
 */
typedef struct VTopoCache {
    unsigned int level;
    VTopoCacheType type;
    uint64_t size;
    uint32_t ways;
    uint32_t line_size;
    uint32_t partitions;
    bool inclusive;
} VTopoCache;

const char *vtopo_cache_type_name(VTopoCacheType type);

/* Number of sets: size / (ways x partitions x line size). */
uint64_t vtopo_cache_sets(const VTopoCache *cache);

/*
 * Check that @cache is a whole, encodable geometry: size, ways, line
 * size and partitions non-zero; line size a power of two; ways,
 * partitions, line size and sets within what leaf 04H can encode; size
 * a whole number of sets; the type fits the level.  On failure returns
 * false and sets @reason to a message naming the field.
 */
bool vtopo_cache_check(const VTopoCache *cache, char **reason);

#endif
