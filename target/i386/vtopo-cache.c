/*
 * x86 CPU caches of the topology model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/core/vtopo-machine.h"
#include "vtopo-cache.h"
#include "target/i386/vtopo/cpuid.h"
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

/*
 * The caches the guest reads: with legacy-cache=on, QEMU's legacy ones of
 * the guest's vendor (x86_cpu_init_cache_info()).
 */
static CPUCaches *x86_cpu_described_caches(X86CPU *cpu)
{
    return &cpu->env.cache_info;
}

/*
 * Whether the cache leaves of @opaque, an X86CPU, and QEMU's description
 * of them (CPUCacheInfo) can hold @cache.
 */
static bool x86_cache_encodable(const VTopoCache *cache, const void *opaque,
                                char **reason)
{
    const X86CPU *cpu = opaque;

    if (cache->size > UINT32_MAX) {
        *reason = g_strdup_printf("size %" PRIu64 " is more than QEMU's x86 "
                                  "CPUs support (4G)", cache->size);
        return false;
    }
    if (!vtopo_x86_cache_encodable(cache, IS_INTEL_CPU(&cpu->env) ?
                                   VTOPO_X86_LEGACY_INTEL :
                                   VTOPO_X86_LEGACY_AMD, reason)) {
        return false;
    }
    if (cache->partitions > UINT8_MAX) {
        *reason = g_strdup_printf("partitions %" PRIu32 " is more than QEMU "
                                  "supports (255)", cache->partitions);
        return false;
    }
    return true;
}

bool x86_cpu_vtopo_cpu_caches(CPUState *cs, VTopoCpuCaches *caches,
                              Error **errp)
{
    X86CPU *cpu = X86_CPU(cs);

    if (!x86_cpu_init_cache_info(cpu, errp)) {
        return false;
    }
    for (int i = 0; i < CACHE_LEVEL_AND_TYPE__MAX; i++) {
        const CPUCacheInfo *info =
            *x86_cache_slot(x86_cpu_described_caches(cpu), i);
        bool l3 = i == CACHE_LEVEL_AND_TYPE_L3;

        /* x86 CPUs share their L1 and L2 per core and their L3 per die */
        caches->cache[i].sharing = l3 ? CPU_TOPOLOGY_LEVEL_DIE
                                      : CPU_TOPOLOGY_LEVEL_CORE;
        if (cpu->cache_info_passthrough) {
            /* With host-cache-info=on the guest reads the host's caches */
            caches->fixed[i] = "cache geometry cannot be set with "
                               "host-cache-info=on, which passes the "
                               "host's caches through";
        } else if (l3 && !cpu->enable_l3_cache) {
            caches->fixed[i] = "the CPU has l3-cache=off";
        } else if (info && info->share_level != CPU_TOPOLOGY_LEVEL_DEFAULT) {
            caches->present[i] = true;
            caches->cache[i].geometry = x86_cpu_cache_describe(info).geometry;
            caches->cache[i].sharing = info->share_level;
        }
    }
    caches->encodable = x86_cache_encodable;
    caches->opaque = cpu;
    return true;
}

void x86_cpu_apply_vtopo_caches(MachineState *ms, X86CPU *cpu)
{
    CPUX86State *env = &cpu->env;
    const VTopo *topo = ms->topology;

    for (unsigned int k = 0; topo && k < topo->nr_caches; k++) {
        const VTopoSharedCache *c = &topo->caches[k];
        CacheLevelAndType i = vtopo_cache_to_qapi(&c->geometry);
        CPUCacheInfo **slot = x86_cache_slot(&env->cache_info, i);
        CPUCacheInfo *copy = &cpu->vtopo_cache_info[i];

        *copy = **slot;
        copy->share_level = c->sharing;
        copy->share_ids = c->per_node && c->node_block_order < 32
                          ? 1u << c->node_block_order : 0;
        if (c->given & VTOPO_CACHE_FIELDS_GEOMETRY) {
            copy->size = c->geometry.size;
            copy->associativity = c->geometry.ways;
            copy->line_size = c->geometry.line_size;
            copy->partitions = c->geometry.partitions;
            copy->inclusive = c->geometry.inclusive;
            copy->sets = vtopo_cache_sets(&c->geometry);
            /*
             * Machine types before 10.1 describe QEMU's legacy caches of
             * each vendor in that vendor's leaves (x-vendor-cpuid-only-v2,
             * x-consistent-cache off); a geometry the user gives is the
             * one every leaf describes.
             */
            env->enable_legacy_vendor_cache = false;
            env->enable_legacy_cpuid2_cache = false;
        }
        *slot = copy;
    }
}
