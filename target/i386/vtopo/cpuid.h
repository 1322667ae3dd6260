/*
 * vtopo: x86 CPUID cache leaves, encoded through named fields
 *
 * Intel SDM vol. 2A, CPUID leaf 04H "Deterministic Cache Parameters";
 * AMD APM vol. 3, CPUID Fn8000_001D "Cache Topology Information" (the
 * same layout, without EAX[31:26]), Fn8000_0005 "L1 Cache and TLB
 * Identifiers" and Fn8000_0006 "L2 Cache and TLB and L3 Cache
 * Identifiers".  Depends on glib and libc only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_VTOPO_CPUID_H
#define TARGET_I386_VTOPO_CPUID_H

#include "hw/registerfields.h"
#include "hw/core/vtopo/cache.h"

/*
 * The largest value @field of @reg holds (hw/registerfields.h has no
 * such macro).
 */
#define VTOPO_FIELD_MAX(reg, field)                                     \
    ((uint32_t)MAKE_64BIT_MASK(0, R_ ## reg ## _ ## field ## _LENGTH))

/* Leaf 04H and Fn8000_001D */
FIELD(CPUID4_EAX, CACHE_TYPE, 0, 5)
FIELD(CPUID4_EAX, CACHE_LEVEL, 5, 3)
FIELD(CPUID4_EAX, SELF_INITIALIZING, 8, 1)
FIELD(CPUID4_EAX, FULLY_ASSOCIATIVE, 9, 1)
/* Maximum number of addressable IDs for logical processors sharing it - 1 */
FIELD(CPUID4_EAX, MAX_SHARING_IDS, 14, 12)
/* Maximum number of addressable IDs for processor cores in the package - 1 */
FIELD(CPUID4_EAX, MAX_CORE_IDS, 26, 6)
FIELD(CPUID4_EBX, LINE_SIZE, 0, 12)           /* L - 1 */
FIELD(CPUID4_EBX, PARTITIONS, 12, 10)         /* P - 1 */
FIELD(CPUID4_EBX, WAYS, 22, 10)               /* W - 1 */
FIELD(CPUID4_ECX, SETS, 0, 32)                /* S - 1 */
FIELD(CPUID4_EDX, WBINVD_NOT_SHARED, 0, 1)
FIELD(CPUID4_EDX, INCLUSIVE, 1, 1)
FIELD(CPUID4_EDX, COMPLEX_INDEXING, 2, 1)

/* Cache Type field of leaf 04H */
#define CPUID4_CACHE_TYPE_NULL          0
#define CPUID4_CACHE_TYPE_DATA          1
#define CPUID4_CACHE_TYPE_INSTRUCTION   2
#define CPUID4_CACHE_TYPE_UNIFIED       3

/* Fn8000_0005 ECX (L1 data) and EDX (L1 instruction) */
FIELD(CPUID80000005_CACHE, LINE_SIZE, 0, 8)
FIELD(CPUID80000005_CACHE, LINES_PER_TAG, 8, 8)
FIELD(CPUID80000005_CACHE, ASSOC, 16, 8)
FIELD(CPUID80000005_CACHE, SIZE_KB, 24, 8)

/* Fn8000_0006 ECX (L2) */
FIELD(CPUID80000006_ECX, LINE_SIZE, 0, 8)
FIELD(CPUID80000006_ECX, LINES_PER_TAG, 8, 4)
FIELD(CPUID80000006_ECX, ASSOC, 12, 4)
FIELD(CPUID80000006_ECX, SIZE_KB, 16, 16)
/* Fn8000_0006 EDX (L3) */
FIELD(CPUID80000006_EDX, LINE_SIZE, 0, 8)
FIELD(CPUID80000006_EDX, LINES_PER_TAG, 8, 4)
FIELD(CPUID80000006_EDX, ASSOC, 12, 4)
FIELD(CPUID80000006_EDX, SIZE_512KB, 18, 14)

/*
 * VTopoX86Cache: a cache with what x86 CPUID says beyond its geometry.
 * @lines_per_tag: for Fn8000_0005/Fn8000_0006.
 */
typedef struct VTopoX86Cache {
    VTopoCache geometry;
    bool self_init;
    bool no_invd_sharing;
    bool complex_indexing;
    uint32_t lines_per_tag;
} VTopoX86Cache;

/* CPUID registers, in the order CPUID returns them. */
typedef struct VTopoCpuidRegs {
    uint32_t eax, ebx, ecx, edx;
} VTopoCpuidRegs;

/*
 * Leaf 04H / Fn8000_001D for @cache, shared by @sharing_ids addressable
 * logical processor IDs, in a package of @core_ids addressable core IDs
 * (0 for Fn8000_001D, which has no such field).  Counts beyond a field's
 * width saturate at its maximum.
 */
VTopoCpuidRegs vtopo_cpuid4_encode(const VTopoX86Cache *cache,
                                   uint32_t sharing_ids, uint32_t core_ids);

/* One register (ECX: L1 data, EDX: L1 instruction) of Fn8000_0005. */
uint32_t vtopo_cpuid80000005_encode(const VTopoX86Cache *l1);

/*
 * Fn8000_0006 ECX for @l2 and EDX for @l3 (NULL: no L3, EDX 0).  Only
 * ECX and EDX are set.
 */
VTopoCpuidRegs vtopo_cpuid80000006_encode(const VTopoX86Cache *l2,
                                          const VTopoX86Cache *l3);

/*
 * The L2/L3 associativity code of Fn8000_0006 for @ways, as AMD APM
 * vol. 3 lists them, 0 (disabled) for counts it cannot express.  Intel
 * SDM vol. 2A (leaf 80000006H ECX[15:12]) reserves two of them, 3h
 * (3 ways) and 5h (6 ways).
 */
uint32_t vtopo_cpuid80000006_assoc(uint32_t ways);

/* Whose definition of the legacy cache leaves a check follows. */
typedef enum VTopoX86LegacyLeaves {
    /* Intel SDM: no L3 in 80000006H EDX, L2 codes 3h and 5h reserved */
    VTOPO_X86_LEGACY_INTEL,
    /* AMD APM: L2 and L3 in Fn8000_0006, every code listed */
    VTOPO_X86_LEGACY_AMD,
    /* What both describe alike: the L3 listed, no code 3h or 5h */
    VTOPO_X86_LEGACY_BOTH,
} VTopoX86LegacyLeaves;

/*
 * Check that the x86 legacy cache leaves, as @leaves defines them, can
 * describe @cache, beyond what vtopo_cache_check() checks for leaf 04H:
 * Fn8000_0005 (L1) and Fn8000_0006 (L2; the L3 too, but on Intel, which
 * reserves its fields), whose size, associativity and line size fields
 * are narrower, and more sets than ways (QEMU describes no fully
 * associative cache).  On failure returns false and sets @reason to a
 * message naming the field and the leaf.
 */
bool vtopo_x86_cache_encodable(const VTopoCache *cache,
                               VTopoX86LegacyLeaves leaves, char **reason);

/*
 * Make @cache, which vtopo_cache_check() accepts, describable by the
 * cache leaves of both x86 vendors: keep its size and line size, and
 * lower its ways to the largest count Fn8000_0006 (or Fn8000_0005) can
 * list that still gives whole sets.  Returns false with @reason, and
 * @cache unchanged, when no count fits.
 */
bool vtopo_x86_cache_fit(VTopoCache *cache, char **reason);

#endif
