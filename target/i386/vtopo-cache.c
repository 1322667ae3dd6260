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
#include "hw/core/vtopo-machine.h"
#include "vtopo-cache.h"
#include "vtopo-cpuid.h"
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
        if (geometry.size > UINT32_MAX) {
            error_setg(errp, "smp-cache %s: size %" PRIu64 " is more than "
                       "QEMU's x86 CPUs support (4G)",
                       CacheLevelAndType_str(i), geometry.size);
            return false;
        }
        if (!vtopo_cache_check(&geometry, &reason) ||
            !vtopo_x86_cache_encodable(&geometry, IS_AMD_CPU(env), &reason)) {
            error_setg(errp, "smp-cache %s: %s", CacheLevelAndType_str(i),
                       reason);
            return false;
        }
        if (geometry.partitions > UINT8_MAX) {
            error_setg(errp, "smp-cache %s: partitions %" PRIu32 " is more "
                       "than QEMU supports (255)", CacheLevelAndType_str(i),
                       geometry.partitions);
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
    CPUCaches *described = IS_AMD_CPU(env) ? &env->cache_info_amd
                                           : &env->cache_info_cpuid4;
    VTopoSharedCache caches[VTOPO_MAX_CACHES];
    unsigned int n = 0;

    for (int i = 0; i < CACHE_LEVEL_AND_TYPE__MAX; i++) {
        const CPUCacheInfo *info = *x86_cache_slot(described, i);
        VTopoCache *c = &caches[n].geometry;

        /* With host-cache-info=on the guest reads the host's caches. */
        if (!info || cpu->cache_info_passthrough ||
            (i == CACHE_LEVEL_AND_TYPE_L3 && !cpu->enable_l3_cache) ||
            info->share_level == CPU_TOPOLOGY_LEVEL_DEFAULT) {
            continue;
        }
        *c = vtopo_cache_from_qapi(i);
        c->size = info->size;
        c->ways = info->associativity;
        c->line_size = info->line_size;
        c->partitions = info->partitions;
        c->inclusive = info->inclusive;
        caches[n++].sharing = vtopo_level_from_qapi(info->share_level);
    }
    machine_vtopo_set_caches(ms, caches, n);
}
