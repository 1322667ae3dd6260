/*
 * vtopo: x86 CPUID cache leaves, encoded through named fields
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "target/i386/vtopo/cpuid.h"

/* @count - 1 in a field that holds at most @max, saturating. */
static uint32_t vtopo_cpuid_minus_one(uint64_t count, uint32_t max)
{
    return count ? MIN(count - 1, max) : 0;
}

static uint32_t vtopo_cpuid4_cache_type(VTopoCacheType type)
{
    switch (type) {
    case VTOPO_CACHE_DATA:
        return CPUID4_CACHE_TYPE_DATA;
    case VTOPO_CACHE_INSTRUCTION:
        return CPUID4_CACHE_TYPE_INSTRUCTION;
    case VTOPO_CACHE_UNIFIED:
        return CPUID4_CACHE_TYPE_UNIFIED;
    }
    g_assert_not_reached();
}

VTopoCpuidRegs vtopo_cpuid4_encode(const VTopoX86Cache *cache,
                                   uint32_t sharing_ids, uint32_t core_ids)
{
    const VTopoCache *c = &cache->geometry;
    VTopoCpuidRegs r = { 0 };

    r.eax = FIELD_DP32(r.eax, CPUID4_EAX, CACHE_TYPE,
                       vtopo_cpuid4_cache_type(c->type));
    r.eax = FIELD_DP32(r.eax, CPUID4_EAX, CACHE_LEVEL, c->level);
    r.eax = FIELD_DP32(r.eax, CPUID4_EAX, SELF_INITIALIZING,
                       cache->self_init);
    r.eax = FIELD_DP32(r.eax, CPUID4_EAX, MAX_SHARING_IDS,
                       vtopo_cpuid_minus_one(sharing_ids,
                                             VTOPO_FIELD_MAX(CPUID4_EAX,
                                                             MAX_SHARING_IDS)));
    r.eax = FIELD_DP32(r.eax, CPUID4_EAX, MAX_CORE_IDS,
                       vtopo_cpuid_minus_one(core_ids,
                                             VTOPO_FIELD_MAX(CPUID4_EAX,
                                                             MAX_CORE_IDS)));

    r.ebx = FIELD_DP32(r.ebx, CPUID4_EBX, LINE_SIZE, c->line_size - 1);
    r.ebx = FIELD_DP32(r.ebx, CPUID4_EBX, PARTITIONS, c->partitions - 1);
    r.ebx = FIELD_DP32(r.ebx, CPUID4_EBX, WAYS, c->ways - 1);

    r.ecx = FIELD_DP32(r.ecx, CPUID4_ECX, SETS,
                       vtopo_cache_sets(c) - 1);

    r.edx = FIELD_DP32(r.edx, CPUID4_EDX, WBINVD_NOT_SHARED,
                       cache->no_invd_sharing);
    r.edx = FIELD_DP32(r.edx, CPUID4_EDX, INCLUSIVE, c->inclusive);
    r.edx = FIELD_DP32(r.edx, CPUID4_EDX, COMPLEX_INDEXING,
                       cache->complex_indexing);
    return r;
}

uint32_t vtopo_cpuid80000005_encode(const VTopoX86Cache *l1)
{
    const VTopoCache *c = &l1->geometry;
    uint32_t reg = 0;

    reg = FIELD_DP32(reg, CPUID80000005_CACHE, SIZE_KB, c->size / KiB);
    reg = FIELD_DP32(reg, CPUID80000005_CACHE, ASSOC, c->ways);
    reg = FIELD_DP32(reg, CPUID80000005_CACHE, LINES_PER_TAG,
                     l1->lines_per_tag);
    reg = FIELD_DP32(reg, CPUID80000005_CACHE, LINE_SIZE, c->line_size);
    return reg;
}

/* AMD APM vol. 3, Fn8000_0006 L2Assoc / L3Assoc */
static const struct {
    uint32_t ways, code;
    bool intel_reserved;        /* Intel SDM vol. 2A, 80000006H ECX */
} vtopo_cpuid80000006_codes[] = {
    { 1, 0x1 }, { 2, 0x2 }, { 3, 0x3, true }, { 4, 0x4 }, { 6, 0x5, true },
    { 8, 0x6 }, { 16, 0x8 }, { 32, 0xa }, { 48, 0xb }, { 64, 0xc },
    { 96, 0xd }, { 128, 0xe },
};

uint32_t vtopo_cpuid80000006_assoc(uint32_t ways)
{
    for (size_t i = 0; i < G_N_ELEMENTS(vtopo_cpuid80000006_codes); i++) {
        if (vtopo_cpuid80000006_codes[i].ways == ways) {
            return vtopo_cpuid80000006_codes[i].code;
        }
    }
    return 0;
}

/*
 * Whether Fn8000_0006, as @leaves defines it, has a code for @ways; else
 * the counts it has, in @counts.
 */
static bool vtopo_cpuid80000006_ways_listed(uint32_t ways,
                                            VTopoX86LegacyLeaves leaves,
                                            GString *counts)
{
    uint32_t listed[G_N_ELEMENTS(vtopo_cpuid80000006_codes)];
    size_t n = 0;

    for (size_t i = 0; i < G_N_ELEMENTS(vtopo_cpuid80000006_codes); i++) {
        if (leaves == VTOPO_X86_LEGACY_AMD ||
            !vtopo_cpuid80000006_codes[i].intel_reserved) {
            listed[n++] = vtopo_cpuid80000006_codes[i].ways;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (listed[i] == ways) {
            return true;
        }
    }
    for (size_t i = 0; i < n; i++) {
        g_string_append_printf(counts, "%s%" PRIu32,
                               !i ? "" : i == n - 1 ? " or " : ", ",
                               listed[i]);
    }
    return false;
}

VTopoCpuidRegs vtopo_cpuid80000006_encode(const VTopoX86Cache *l2,
                                          const VTopoX86Cache *l3)
{
    VTopoCpuidRegs r = { 0 };

    r.ecx = FIELD_DP32(r.ecx, CPUID80000006_ECX, SIZE_KB,
                       l2->geometry.size / KiB);
    r.ecx = FIELD_DP32(r.ecx, CPUID80000006_ECX, ASSOC,
                       vtopo_cpuid80000006_assoc(l2->geometry.ways));
    r.ecx = FIELD_DP32(r.ecx, CPUID80000006_ECX, LINES_PER_TAG,
                       l2->lines_per_tag);
    r.ecx = FIELD_DP32(r.ecx, CPUID80000006_ECX, LINE_SIZE,
                       l2->geometry.line_size);
    if (l3) {
        r.edx = FIELD_DP32(r.edx, CPUID80000006_EDX, SIZE_512KB,
                           l3->geometry.size / (512 * KiB));
        r.edx = FIELD_DP32(r.edx, CPUID80000006_EDX, ASSOC,
                           vtopo_cpuid80000006_assoc(l3->geometry.ways));
        r.edx = FIELD_DP32(r.edx, CPUID80000006_EDX, LINES_PER_TAG,
                           l3->lines_per_tag);
        r.edx = FIELD_DP32(r.edx, CPUID80000006_EDX, LINE_SIZE,
                           l3->geometry.line_size);
    }
    return r;
}

/* The unit of the size field of the legacy leaf for @level, in bytes. */
static uint64_t vtopo_x86_legacy_size_unit(unsigned int level)
{
    return level == 3 ? 512 * KiB : KiB;
}

/* The largest value of the size field of the legacy leaf for @level. */
static uint64_t vtopo_x86_legacy_size_max(unsigned int level)
{
    switch (level) {
    case 1:
        return VTOPO_FIELD_MAX(CPUID80000005_CACHE, SIZE_KB);
    case 2:
        return VTOPO_FIELD_MAX(CPUID80000006_ECX, SIZE_KB);
    default:
        return VTOPO_FIELD_MAX(CPUID80000006_EDX, SIZE_512KB);
    }
}

/*
 * Whether the legacy leaf for @level, as @leaves defines it, can list
 * @ways; else the counts it can, in @counts.  Fn8000_0005 holds the
 * count itself, 0FFh meaning fully associative; Fn8000_0006 holds a code
 * from a fixed list.
 */
static bool vtopo_x86_legacy_ways_encodable(unsigned int level,
                                            uint32_t ways,
                                            VTopoX86LegacyLeaves leaves,
                                            GString *counts)
{
    if (level == 1) {
        g_string_append_printf(counts, "at most %" PRIu32,
                               VTOPO_FIELD_MAX(CPUID80000005_CACHE, ASSOC) - 1);
        return ways < VTOPO_FIELD_MAX(CPUID80000005_CACHE, ASSOC);
    }
    if (level == 3 && leaves == VTOPO_X86_LEGACY_INTEL) {
        return true;
    }
    return vtopo_cpuid80000006_ways_listed(ways, leaves, counts);
}

bool vtopo_x86_cache_encodable(const VTopoCache *c,
                               VTopoX86LegacyLeaves leaves, char **reason)
{
    g_autoptr(GString) counts = g_string_new("");
    uint64_t unit = vtopo_x86_legacy_size_unit(c->level);
    uint64_t max_units = vtopo_x86_legacy_size_max(c->level);
    /* A power of two that fits the 8-bit line size fields */
    uint32_t max_line_size = 128;
    const char *leaf = c->level == 1 ? "0x80000005" : "0x80000006";

    if (c->line_size > max_line_size) {
        *reason = g_strdup_printf("line-size %" PRIu32 " is more than CPUID "
                                  "%s can describe (%" PRIu32 ")",
                                  c->line_size, leaf, max_line_size);
        return false;
    }
    if (c->size % unit || c->size / unit > max_units) {
        *reason = g_strdup_printf("size %" PRIu64 " is not a multiple of "
                                  "%" PRIu64 "K up to %" PRIu64 "K, as CPUID "
                                  "%s needs", c->size, unit / KiB,
                                  max_units * unit / KiB, leaf);
        return false;
    }
    if (!vtopo_x86_legacy_ways_encodable(c->level, c->ways, leaves,
                                         counts)) {
        *reason = g_strdup_printf("%" PRIu32 " ways cannot be described by "
                                  "CPUID %s (%s%s)", c->ways, leaf,
                                  c->level == 1 ? "" : "use ", counts->str);
        return false;
    }
    if (vtopo_cache_sets(c) <= c->ways) {
        *reason = g_strdup_printf("%" PRIu64 " sets of %" PRIu32 " ways: "
                                  "fully associative caches are not "
                                  "supported", vtopo_cache_sets(c), c->ways);
        return false;
    }
    return true;
}

bool vtopo_x86_cache_fit(VTopoCache *cache, char **reason)
{
    g_autofree char *first = NULL;

    if (vtopo_x86_cache_encodable(cache, VTOPO_X86_LEGACY_BOTH, &first)) {
        return true;
    }
    for (uint32_t ways = cache->ways - 1; ways; ways--) {
        VTopoCache fewer = *cache;
        g_autofree char *ignored = NULL;

        fewer.ways = ways;
        if (vtopo_cache_check(&fewer, &ignored) &&
            vtopo_x86_cache_encodable(&fewer, VTOPO_X86_LEGACY_BOTH,
                                      &ignored)) {
            *cache = fewer;
            return true;
        }
    }
    *reason = g_steal_pointer(&first);
    return false;
}
