/*
 * x86 CPU caches from -machine smp-cache
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/units.h"
#include "hw/core/vtopo-cache.h"
#include "vtopo-cache.h"
#include "cpu-internal.h"

static CPUCacheInfo **x86_cache_slot(CPUCaches *caches, CacheLevelAndType c)
{
    switch (c) {
    case CACHE_LEVEL_AND_TYPE_L1D:
        return &caches->l1d_cache;
    case CACHE_LEVEL_AND_TYPE_L1I:
        return &caches->l1i_cache;
    case CACHE_LEVEL_AND_TYPE_L2:
        return &caches->l2_cache;
    case CACHE_LEVEL_AND_TYPE_L3:
        return &caches->l3_cache;
    default:
        g_assert_not_reached();
    }
}

static bool smp_cache_has_geometry(const SmpCacheProperties *p)
{
    return p->has_size || p->has_ways || p->has_line_size ||
           p->has_partitions || p->has_inclusive;
}

/* The geometry of @info with the members of @p that are set. */
static VTopoCache x86_cache_to_vtopo(const CPUCacheInfo *info,
                                     const SmpCacheProperties *p)
{
    VTopoCache c = x86_cpu_cache_describe(info).geometry;

    if (p->has_size) {
        c.size = p->size;
    }
    if (p->has_ways) {
        c.ways = p->ways;
    }
    if (p->has_line_size) {
        c.line_size = p->line_size;
    }
    if (p->has_partitions) {
        c.partitions = p->partitions;
    }
    if (p->has_inclusive) {
        c.inclusive = p->inclusive;
    }
    return c;
}

/*
 * Associativities that the AMD legacy leaves can encode (AMD APM vol. 3,
 * CPUID Fn8000_0006 ECX L2Assoc and EDX L3Assoc).
 */
static bool x86_amd_assoc_encodable(uint32_t ways)
{
    static const uint32_t encodable[] = { 1, 2, 4, 8, 16, 32, 48, 64, 96, 128 };

    for (size_t i = 0; i < ARRAY_SIZE(encodable); i++) {
        if (ways == encodable[i]) {
            return true;
        }
    }
    return false;
}

/*
 * What the x86 CPUID leaves besides 04H/8000001DH need: the legacy leaves
 * 80000005H (L1: size in KiB in 8 bits, associativity in 8 bits) and
 * 80000006H (L2: size in KiB in 16 bits; L3: size in 512 KiB units in 14
 * bits; associativity from a fixed list; line size in 8 bits for both),
 * and more sets than ways (QEMU describes no fully associative cache).
 * The L3 fields of 80000006H are AMD's: reserved (0) on Intel (SDM vol.
 * 2A, CPUID leaf 80000006H), so an Intel L3 may have any associativity.
 */
static bool x86_cache_check_encodable(const VTopoCache *c, bool amd,
                                      char **reason)
{
    uint64_t unit = c->level == 3 ? 512 * KiB : KiB;
    uint64_t max_units = c->level == 1 ? 0xff : c->level == 2 ? 0xffff : 0x3fff;
    const char *leaf = c->level == 1 ? "0x80000005" : "0x80000006";

    if (c->size > UINT32_MAX) {
        *reason = g_strdup_printf("size %" PRIu64 " is more than QEMU's x86 "
                                  "CPUs support (4G)", c->size);
        return false;
    }
    if (c->line_size > 128) {
        *reason = g_strdup_printf("line-size %" PRIu32 " is more than CPUID "
                                  "%s can describe (128)", c->line_size, leaf);
        return false;
    }
    if (c->size % unit || c->size / unit > max_units) {
        *reason = g_strdup_printf("size %" PRIu64 " is not a multiple of "
                                  "%" PRIu64 "K up to %" PRIu64 "K, as CPUID "
                                  "%s needs", c->size, unit / KiB,
                                  max_units * unit / KiB, leaf);
        return false;
    }
    if (c->level == 1 ? c->ways > 0xfe :
        (c->level == 2 || amd) && !x86_amd_assoc_encodable(c->ways)) {
        *reason = g_strdup_printf("%" PRIu32 " ways cannot be described by "
                                  "CPUID %s%s", c->ways, leaf,
                                  c->level == 1 ? " (at most 254)" :
                                  " (use 1, 2, 4, 8, 16, 32, 48, 64, 96 "
                                  "or 128)");
        return false;
    }
    if (c->partitions > UINT8_MAX) {
        *reason = g_strdup_printf("partitions %" PRIu32 " is more than "
                                  "QEMU supports (255)", c->partitions);
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

bool x86_cpu_apply_smp_cache_geometry(MachineState *ms, X86CPU *cpu,
                                      Error **errp)
{
    CPUX86State *env = &cpu->env;

    for (int i = 0; i < CACHE_LEVEL_AND_TYPE__MAX; i++) {
        const SmpCacheProperties *p = &ms->smp_cache.props[i];
        CPUCacheInfo **cpuid2 = x86_cache_slot(&env->cache_info_cpuid2, i);
        CPUCacheInfo **cpuid4 = x86_cache_slot(&env->cache_info_cpuid4, i);
        CPUCacheInfo **amd = x86_cache_slot(&env->cache_info_amd, i);
        CPUCacheInfo *copy = cpu->smp_cache_info[i];
        g_autofree char *reason = NULL;
        VTopoCache geometry;

        if (!smp_cache_has_geometry(p)) {
            continue;
        }
        if (cpu->cache_info_passthrough) {
            error_setg(errp, "smp-cache %s: cache geometry cannot be set "
                       "with host-cache-info=on, which passes the host's "
                       "caches through", CacheLevelAndType_str(i));
            return false;
        }
        if (i == CACHE_LEVEL_AND_TYPE_L3 && !cpu->enable_l3_cache) {
            error_setg(errp, "smp-cache %s: the CPU has l3-cache=off",
                       CacheLevelAndType_str(i));
            return false;
        }
        geometry = x86_cache_to_vtopo(*cpuid4, p);
        if (!vtopo_cache_check(&geometry, &reason) ||
            !x86_cache_check_encodable(&geometry, IS_AMD_CPU(env), &reason)) {
            error_setg(errp, "smp-cache %s: %s", CacheLevelAndType_str(i),
                       reason);
            return false;
        }

        /* Leaf 2 and leaf 4 share one description, the AMD leaves another. */
        copy[0] = **cpuid4;
        copy[1] = **amd;
        for (int j = 0; j < 2; j++) {
            copy[j].size = geometry.size;
            copy[j].associativity = geometry.ways;
            copy[j].line_size = geometry.line_size;
            copy[j].partitions = geometry.partitions;
            copy[j].inclusive = geometry.inclusive;
            copy[j].sets = vtopo_cache_sets(&geometry);
        }
        *cpuid2 = *cpuid4 = &copy[0];
        *amd = &copy[1];
    }
    return true;
}

void x86_cpu_record_smp_caches(MachineState *ms, X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    /* What the guest reads: the AMD leaves on AMD, leaf 4 on Intel. */
    CPUCaches *caches = IS_AMD_CPU(env) ? &env->cache_info_amd
                                        : &env->cache_info_cpuid4;

    for (int i = 0; i < CACHE_LEVEL_AND_TYPE__MAX; i++) {
        const CPUCacheInfo *info = *x86_cache_slot(caches, i);
        SmpCacheProperties *p = &ms->smp_cache_effective.props[i];

        /* A cache the CPU does not describe has no topology. */
        *p = (SmpCacheProperties) {
            .cache = i, .topology = CPU_TOPOLOGY_LEVEL_DEFAULT,
        };
        /* With host-cache-info=on the guest reads the host's caches. */
        if (!info || cpu->cache_info_passthrough ||
            (i == CACHE_LEVEL_AND_TYPE_L3 && !cpu->enable_l3_cache)) {
            continue;
        }
        p->has_topology = true;
        p->topology = info->share_level;
        p->has_size = true;
        p->size = info->size;
        p->has_ways = true;
        p->ways = info->associativity;
        p->has_line_size = true;
        p->line_size = info->line_size;
        p->has_partitions = true;
        p->partitions = info->partitions;
        p->has_inclusive = true;
        p->inclusive = info->inclusive;
    }
}
