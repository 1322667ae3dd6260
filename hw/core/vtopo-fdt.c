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
#include "qemu/error-report.h"
#include "system/device_tree.h"
#include "hw/core/vtopo-fdt.h"

typedef struct VTopoFdt {
    void *fdt;
    const VTopo *topo;
    /* The caches, outermost first, so that a node can name the next level */
    unsigned int nr_caches;
    const VTopoSharedCache *cache[VTOPO_MAX_CACHES];
    /*
     * For each instance (vtopo_cache_instance()): its phandle,
     * and the vCPU (model index + 1) whose node holds its node.
     */
    uint32_t *phandle[VTOPO_MAX_CACHES];
    unsigned int *holder[VTOPO_MAX_CACHES];
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

/* Property prefix of an L1 cache in the CPU node (Table 3.9), or NULL */
static const char *vtopo_fdt_cpu_prefix(const VTopoCache *cache)
{
    if (cache->level != 1) {
        return NULL;
    }
    return cache->type == VTOPO_CACHE_INSTRUCTION ? "i-cache" : "d-cache";
}

/* The phandle of the next cache out from level @c for @cpu, or 0. */
static uint32_t vtopo_fdt_next_level(const VTopoFdt *f, int c,
                                     const VTopoCpu *cpu)
{
    for (int outer = c - 1; outer >= 0; outer--) {
        const VTopoSharedCache *next = f->cache[outer];

        if (next->geometry.level > f->cache[c]->geometry.level) {
            return f->phandle[outer][vtopo_cache_instance(f->topo, next,
                                                          cpu)];
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
    int instance = vtopo_cache_instance(f->topo, f->cache[c], cpu);
    const VTopoCache *geometry = &f->cache[c]->geometry;
    g_autofree char *name = g_strdup_printf("l%u-cache", geometry->level);
    uint32_t next = vtopo_fdt_next_level(f, c, cpu);
    int node = fdt_add_subnode(f->fdt, parent, name);

    vtopo_fdt_check_rc(node, parent, name);
    vtopo_fdt_check_rc(fdt_setprop_string(f->fdt, node, "compatible",
                                          "cache"), node, "compatible");
    vtopo_fdt_set_u32(f, node, "cache-level", geometry->level);
    vtopo_fdt_check_rc(fdt_setprop_empty(f->fdt, node, "cache-unified"),
                       node, "cache-unified");
    vtopo_fdt_set_u32(f, node, "cache-size", geometry->size);
    vtopo_fdt_set_u32(f, node, "cache-sets", vtopo_cache_sets(geometry));
    vtopo_fdt_set_u32(f, node, "cache-line-size", geometry->line_size);
    if (next) {
        vtopo_fdt_set_u32(f, node, "next-level-cache", next);
    }
    vtopo_fdt_set_u32(f, node, "phandle", f->phandle[c][instance]);
}

/*
 * 3.7.3: the L1 caches of @cpu in its node at @node, its next level, and
 * the nodes of the outer caches it holds.
 */
static void vtopo_fdt_add_cpu_caches(VTopoFdt *f, int node, unsigned int i)
{
    const VTopoCpu *cpu = &f->topo->cpus[i];
    uint32_t next = 0;

    for (unsigned int c = 0; c < f->nr_caches; c++) {
        const VTopoCache *geometry = &f->cache[c]->geometry;
        const char *prefix = vtopo_fdt_cpu_prefix(geometry);
        g_autofree char *size = NULL, *sets = NULL, *line = NULL;
        int instance;

        if (!prefix) {
            instance = vtopo_cache_instance(f->topo, f->cache[c], cpu);
            if (f->holder[c][instance] == i + 1) {
                vtopo_fdt_add_cache_node(f, node, c, cpu);
            }
            /* The innermost cache above L1 */
            next = f->phandle[c][instance];
            continue;
        }
        size = g_strdup_printf("%s-size", prefix);
        sets = g_strdup_printf("%s-sets", prefix);
        line = g_strdup_printf("%s-line-size", prefix);
        vtopo_fdt_set_u32(f, node, size, geometry->size);
        vtopo_fdt_set_u32(f, node, sets, vtopo_cache_sets(geometry));
        vtopo_fdt_set_u32(f, node, line, geometry->line_size);
    }
    if (next) {
        vtopo_fdt_set_u32(f, node, "next-level-cache", next);
    }
}

void fdt_add_vtopo_caches(void *fdt, const VTopo *topo, const char *cpus_path,
                          char *(*cpu_path)(int cpu_index))
{
    unsigned int order[VTOPO_MAX_CACHES];
    g_autoptr(GHashTable) cpu_by_name = g_hash_table_new_full(g_str_hash,
                                                              g_str_equal,
                                                              g_free, NULL);
    g_autoptr(GArray) todo = g_array_new(false, false,
                                         sizeof(VTopoFdtCpuNode));
    VTopoFdt f = { .fdt = fdt, .topo = topo };
    int node;

    f.nr_caches = vtopo_caches_outermost_first(topo, order);
    for (unsigned int c = 0; c < f.nr_caches; c++) {
        unsigned int limit;

        f.cache[c] = &topo->caches[order[c]];
        /* Instances are numbered machine-wide */
        limit = vtopo_cache_instance_limit(topo, f.cache[c]);
        f.phandle[c] = g_new0(uint32_t, limit);
        f.holder[c] = g_new0(unsigned int, limit);
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
        for (unsigned int c = 0; c < f.nr_caches; c++) {
            int instance;

            if (vtopo_fdt_cpu_prefix(&f.cache[c]->geometry)) {
                continue;
            }
            instance = vtopo_cache_instance(topo, f.cache[c], &topo->cpus[i]);
            if (!f.phandle[c][instance]) {
                f.phandle[c][instance] = qemu_fdt_alloc_phandle(fdt);
                f.holder[c][instance] = i + 1;
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

    for (unsigned int c = 0; c < f.nr_caches; c++) {
        g_free(f.phandle[c]);
        g_free(f.holder[c]);
    }
}
