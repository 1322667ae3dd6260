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
#include <libfdt.h>
#include "qapi/error.h"
#include "qemu/error-report.h"
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
    /*
     * For each instance, by domain of its sharing level: its phandle,
     * and the vCPU (model index + 1) whose node holds its node.
     */
    uint32_t *phandle[VTOPO_FDT_CACHES];
    unsigned int *holder[VTOPO_FDT_CACHES];
} VTopoFdt;

/* A CPU node and its vCPU (index in the model) */
typedef struct VTopoFdtCpuNode {
    int node;
    unsigned int cpu;
} VTopoFdtCpuNode;

/*
 * Properties are set on node offsets, not paths: a path lookup walks the
 * tree, and there are several properties per vCPU.  Failures are fatal,
 * as with qemu_fdt_setprop().
 */
static void vtopo_fdt_check_rc(int rc, int node, const char *name)
{
    if (rc < 0) {
        error_report("%s: cannot set %s at node %d: %s", __func__, name,
                     node, fdt_strerror(rc));
        exit(1);
    }
}

static void vtopo_fdt_set_u32(VTopoFdt *f, int node, const char *name,
                              uint32_t value)
{
    vtopo_fdt_check_rc(fdt_setprop_u32(f->fdt, node, name, value), node,
                       name);
}

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

/*
 * 3.8: the node of cache @c for @cpu, a subnode ("l2-cache", "l3-cache")
 * of the CPU node at @parent.
 */
static void vtopo_fdt_add_cache_node(VTopoFdt *f, int parent, int c,
                                     const VTopoCpu *cpu)
{
    int domain = vtopo_cpu_domain(f->topo, cpu, f->sharing[c]);
    VTopoCache geometry = vtopo_fdt_geometry(f, c);
    g_autofree char *name = g_strdup_printf("l%u-cache", geometry.level);
    uint32_t next = vtopo_fdt_next_level(f, c, cpu);
    int node = fdt_add_subnode(f->fdt, parent, name);

    vtopo_fdt_check_rc(node, parent, name);
    vtopo_fdt_check_rc(fdt_setprop_string(f->fdt, node, "compatible",
                                          "cache"), node, "compatible");
    vtopo_fdt_set_u32(f, node, "cache-level", geometry.level);
    vtopo_fdt_check_rc(fdt_setprop_empty(f->fdt, node, "cache-unified"),
                       node, "cache-unified");
    vtopo_fdt_set_u32(f, node, "cache-size", geometry.size);
    vtopo_fdt_set_u32(f, node, "cache-sets", vtopo_cache_sets(&geometry));
    vtopo_fdt_set_u32(f, node, "cache-line-size", geometry.line_size);
    if (next) {
        vtopo_fdt_set_u32(f, node, "next-level-cache", next);
    }
    vtopo_fdt_set_u32(f, node, "phandle", f->phandle[c][domain]);
}

/*
 * 3.7.3: the L1 caches of @cpu in its node at @node, its next level, and
 * the nodes of the outer caches it holds.
 */
static void vtopo_fdt_add_cpu_caches(VTopoFdt *f, int node, unsigned int i)
{
    const VTopoCpu *cpu = &f->topo->cpus[i];
    uint32_t next = 0;

    for (int c = 0; c < VTOPO_FDT_CACHES; c++) {
        const char *prefix = vtopo_fdt_caches[c].cpu_prefix;
        VTopoCache geometry;
        g_autofree char *size = NULL, *sets = NULL, *line = NULL;
        int domain;

        if (!f->props[c]) {
            continue;
        }
        if (!prefix) {
            domain = vtopo_cpu_domain(f->topo, cpu, f->sharing[c]);
            if (f->holder[c][domain] == i + 1) {
                vtopo_fdt_add_cache_node(f, node, c, cpu);
            }
            /* The innermost cache above L1 */
            next = f->phandle[c][domain];
            continue;
        }
        geometry = vtopo_fdt_geometry(f, c);
        size = g_strdup_printf("%s-size", prefix);
        sets = g_strdup_printf("%s-sets", prefix);
        line = g_strdup_printf("%s-line-size", prefix);
        vtopo_fdt_set_u32(f, node, size, geometry.size);
        vtopo_fdt_set_u32(f, node, sets, vtopo_cache_sets(&geometry));
        vtopo_fdt_set_u32(f, node, line, geometry.line_size);
    }
    if (next) {
        vtopo_fdt_set_u32(f, node, "next-level-cache", next);
    }
}

void fdt_add_vtopo_caches(void *fdt, MachineState *ms, const char *cpus_path,
                          char *(*cpu_path)(int cpu_index))
{
    g_autoptr(VTopo) topo = machine_vtopo_new(ms, &error_abort);
    g_autoptr(GHashTable) cpu_by_name = g_hash_table_new_full(g_str_hash,
                                                              g_str_equal,
                                                              g_free, NULL);
    g_autoptr(GArray) todo = g_array_new(false, false,
                                         sizeof(VTopoFdtCpuNode));
    VTopoFdt f = { .fdt = fdt, .topo = topo };
    int node;

    for (int c = 0; c < VTOPO_FDT_CACHES; c++) {
        const SmpCacheProperties *p =
            &ms->smp_cache_effective.props[vtopo_fdt_caches[c].cache];

        if (p->has_size && p->topology != CPU_TOPOLOGY_LEVEL_DEFAULT) {
            f.props[c] = p;
            f.sharing[c] = vtopo_level_from_qapi(p->topology);
        }
        /* Domains are numbered machine-wide: at most one per vCPU */
        f.phandle[c] = g_new0(uint32_t, topo->nr_cpus);
        f.holder[c] = g_new0(unsigned int, topo->nr_cpus);
    }

    /*
     * Each instance of L2 and L3 gets its phandle now, and its node in
     * the node of the first present vCPU that shares it.
     */
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        g_autofree char *path = NULL;

        if (!topo->cpus[i].present) {
            continue;
        }
        for (int c = 0; c < VTOPO_FDT_CACHES; c++) {
            int domain;

            if (!f.props[c] || vtopo_fdt_caches[c].cpu_prefix) {
                continue;
            }
            domain = vtopo_cpu_domain(topo, &topo->cpus[i], f.sharing[c]);
            if (!f.phandle[c][domain]) {
                f.phandle[c][domain] = qemu_fdt_alloc_phandle(fdt);
                f.holder[c][domain] = i + 1;
            }
        }
        path = cpu_path(topo->cpus[i].index);
        g_hash_table_insert(cpu_by_name, g_path_get_basename(path),
                            GUINT_TO_POINTER(i + 1));
    }

    /*
     * The CPU nodes, found in one walk of @cpus_path (looking each path
     * up would walk its siblings every time) and filled from the last in
     * the blob to the first, so that what is added to one leaves the
     * offsets of those still to do as they were.
     */
    fdt_for_each_subnode(node, fdt, fdt_path_offset(fdt, cpus_path)) {
        guint i = GPOINTER_TO_UINT(g_hash_table_lookup(cpu_by_name,
                                   fdt_get_name(fdt, node, NULL)));

        if (i) {
            VTopoFdtCpuNode entry = { .node = node, .cpu = i - 1 };

            g_array_append_val(todo, entry);
        }
    }
    for (int k = todo->len - 1; k >= 0; k--) {
        const VTopoFdtCpuNode *e = &g_array_index(todo, VTopoFdtCpuNode, k);

        vtopo_fdt_add_cpu_caches(&f, e->node, e->cpu);
    }

    for (int c = 0; c < VTOPO_FDT_CACHES; c++) {
        g_free(f.phandle[c]);
        g_free(f.holder[c]);
    }
}
