/*
 * vtopo: the caches of the topology model in a device tree
 *
 * Devicetree Specification v0.4: 3.7.3 "TLB and cache properties" of
 * CPU nodes (the L1 caches) and 3.8 "Multi-level and shared cache nodes".
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/device_tree.h"
#include "hw/core/vtopo-cache.h"
#include "hw/core/vtopo-fdt.h"
#include "hw/core/vtopo-machine.h"

/* The caches, outermost first, so that a node can name the next level */
static const struct {
    CacheLevelAndType cache;
    unsigned int level;
    VTopoCacheType type;
    /* Property prefix of an L1 cache in the CPU node (Table 3.9) */
    const char *cpu_prefix;
} vtopo_fdt_caches[] = {
    { CACHE_LEVEL_AND_TYPE_L3, 3, VTOPO_CACHE_UNIFIED, NULL },
    { CACHE_LEVEL_AND_TYPE_L2, 2, VTOPO_CACHE_UNIFIED, NULL },
    { CACHE_LEVEL_AND_TYPE_L1D, 1, VTOPO_CACHE_DATA, "d-cache" },
    { CACHE_LEVEL_AND_TYPE_L1I, 1, VTOPO_CACHE_INSTRUCTION, "i-cache" },
};
#define VTOPO_FDT_CACHES ARRAY_SIZE(vtopo_fdt_caches)

typedef struct VTopoFdt {
    void *fdt;
    const VTopo *topo;
    const SmpCacheProperties *props[VTOPO_FDT_CACHES];
    VTopoLevel sharing[VTOPO_FDT_CACHES];
    /* The phandle of each instance, by domain of its sharing level */
    uint32_t *phandle[VTOPO_FDT_CACHES];
} VTopoFdt;

static VTopoCache vtopo_fdt_geometry(const VTopoFdt *f, int c)
{
    const SmpCacheProperties *p = f->props[c];

    return (VTopoCache) {
        .level = vtopo_fdt_caches[c].level, .type = vtopo_fdt_caches[c].type,
        .size = p->size, .ways = p->ways, .line_size = p->line_size,
        .partitions = p->partitions,
    };
}

/* The phandle of the next cache out from level @c for @cpu, or 0. */
static uint32_t vtopo_fdt_next_level(const VTopoFdt *f, int c,
                                     const VTopoCpu *cpu)
{
    for (int outer = c - 1; outer >= 0; outer--) {
        if (f->props[outer] &&
            vtopo_fdt_caches[outer].level > vtopo_fdt_caches[c].level) {
            return f->phandle[outer][vtopo_cpu_domain(f->topo, cpu,
                                                      f->sharing[outer])];
        }
    }
    return 0;
}

/* 3.8: the node of the instance of cache @c that @cpu uses, once. */
static void vtopo_fdt_add_cache_node(VTopoFdt *f, const char *cpus_path,
                                     int c, const VTopoCpu *cpu)
{
    int domain = vtopo_cpu_domain(f->topo, cpu, f->sharing[c]);
    VTopoCache geometry = vtopo_fdt_geometry(f, c);
    g_autofree char *path = NULL;
    uint32_t next = vtopo_fdt_next_level(f, c, cpu);

    if (f->phandle[c][domain]) {
        return;
    }
    path = g_strdup_printf("%s/l%u-cache%d", cpus_path, geometry.level,
                           domain);
    qemu_fdt_add_subnode(f->fdt, path);
    qemu_fdt_setprop_string(f->fdt, path, "compatible", "cache");
    qemu_fdt_setprop_cell(f->fdt, path, "cache-level", geometry.level);
    qemu_fdt_setprop(f->fdt, path, "cache-unified", NULL, 0);
    qemu_fdt_setprop_cell(f->fdt, path, "cache-size", geometry.size);
    qemu_fdt_setprop_cell(f->fdt, path, "cache-sets",
                          vtopo_cache_sets(&geometry));
    qemu_fdt_setprop_cell(f->fdt, path, "cache-line-size",
                          geometry.line_size);
    if (next) {
        qemu_fdt_setprop_cell(f->fdt, path, "next-level-cache", next);
    }
    f->phandle[c][domain] = qemu_fdt_alloc_phandle(f->fdt);
    qemu_fdt_setprop_cell(f->fdt, path, "phandle", f->phandle[c][domain]);
}

/* 3.7.3: the L1 caches of @cpu in its node, and its next level. */
static void vtopo_fdt_add_cpu_caches(VTopoFdt *f, const char *path,
                                     const VTopoCpu *cpu)
{
    uint32_t next = 0;

    for (int c = 0; c < VTOPO_FDT_CACHES; c++) {
        const char *prefix = vtopo_fdt_caches[c].cpu_prefix;
        VTopoCache geometry;
        g_autofree char *size = NULL, *sets = NULL, *line = NULL;

        if (!f->props[c]) {
            continue;
        }
        if (!prefix) {
            /* The innermost cache above L1 */
            next = f->phandle[c][vtopo_cpu_domain(f->topo, cpu,
                                                  f->sharing[c])];
            continue;
        }
        geometry = vtopo_fdt_geometry(f, c);
        size = g_strdup_printf("%s-size", prefix);
        sets = g_strdup_printf("%s-sets", prefix);
        line = g_strdup_printf("%s-line-size", prefix);
        qemu_fdt_setprop_cell(f->fdt, path, size, geometry.size);
        qemu_fdt_setprop_cell(f->fdt, path, sets, vtopo_cache_sets(&geometry));
        qemu_fdt_setprop_cell(f->fdt, path, line, geometry.line_size);
    }
    if (next) {
        qemu_fdt_setprop_cell(f->fdt, path, "next-level-cache", next);
    }
}

void fdt_add_vtopo_caches(void *fdt, MachineState *ms, const char *cpus_path,
                          char *(*cpu_path)(int cpu_index))
{
    g_autoptr(VTopo) topo = machine_vtopo_new(ms, &error_abort);
    VTopoFdt f = { .fdt = fdt, .topo = topo };

    for (int c = 0; c < VTOPO_FDT_CACHES; c++) {
        const SmpCacheProperties *p =
            &ms->smp_cache_effective.props[vtopo_fdt_caches[c].cache];

        if (p->has_size && p->topology != CPU_TOPOLOGY_LEVEL_DEFAULT) {
            f.props[c] = p;
            f.sharing[c] = vtopo_level_from_qapi(p->topology);
        }
        /* Domains are numbered machine-wide: at most one per vCPU */
        f.phandle[c] = g_new0(uint32_t, topo->nr_cpus);
    }

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        g_autofree char *path = NULL;

        if (!cpu->present) {
            continue;
        }
        for (int c = 0; c < VTOPO_FDT_CACHES; c++) {
            if (f.props[c] && !vtopo_fdt_caches[c].cpu_prefix) {
                vtopo_fdt_add_cache_node(&f, cpus_path, c, cpu);
            }
        }
        path = cpu_path(cpu->index);
        vtopo_fdt_add_cpu_caches(&f, path, cpu);
    }

    for (int c = 0; c < VTOPO_FDT_CACHES; c++) {
        g_free(f.phandle[c]);
    }
}
