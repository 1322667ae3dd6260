/*
 * vtopo: decode the topology a device tree describes, and check it
 * against the topology model
 *
 * A flattened device tree back to its CPU nodes (reg, numa-node-id),
 * /cpus/cpu-map, the caches (L1 properties of the CPU nodes, cache nodes
 * reached through next-level-cache) and /distance-map.  The blob is
 * untrusted: libfdt's fdt_check_full() first, then every property
 * length, phandle and chain checked; a malformed tree is an error with
 * the reason.  Depends on glib, libc and libfdt only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_FDT_CHECK_H
#define HW_CORE_VTOPO_FDT_CHECK_H

#include "hw/core/vtopo/model.h"

/* A cache: an L1 of a CPU node (@node_offset is the CPU's), or a node */
typedef struct VTopoFdtCache {
    int node_offset;
    unsigned int level;
    uint32_t size;
    uint32_t sets;
    uint32_t line_size;
} VTopoFdtCache;

/*
 * A CPU node.  @map: its socket, cluster, core and thread in cpu-map, -1
 * where it has none; @node: numa-node-id, or -1; @l1d, @l1i: size 0 when
 * the node does not describe them; @caches: the cache nodes reached
 * through next-level-cache, innermost first (indexes into
 * VTopoFdtTopology.caches).
 */
typedef struct VTopoFdtCpu {
    int node_offset;
    uint64_t reg;
    int64_t node;
    int map[VTOPO_LEVELS];
    VTopoFdtCache l1d, l1i;
    unsigned int nr_caches;
    unsigned int caches[8];
} VTopoFdtCpu;

typedef struct VTopoFdtTopology {
    GArray *cpus;           /* VTopoFdtCpu, in tree order */
    GArray *caches;         /* VTopoFdtCache, the cache nodes */
    GArray *distances;      /* uint32_t triples: from, to, distance */
} VTopoFdtTopology;

VTopoFdtTopology *vtopo_fdt_topology_new(void);
void vtopo_fdt_topology_free(VTopoFdtTopology *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VTopoFdtTopology, vtopo_fdt_topology_free)

/*
 * vtopo_fdt_decode: fill @t from the device tree blob @fdt of @size
 * bytes.  Returns false and sets *@err for a malformed blob.
 */
bool vtopo_fdt_decode(VTopoFdtTopology *t, const void *fdt, size_t size,
                      char **err);

/*
 * vtopo_fdt_check: compare @t with the present vCPUs of @topo and its
 * caches, appending a VTopoFinding (severity error, rule
 * "fdt-...") to @findings for each disagreement:
 *
 *   fdt-cpus     a CPU node per present vCPU, reg = its arch id;
 *   fdt-cpu-map  cpu-map groups the vCPUs by socket, cluster, core and
 *                thread as @topo does;
 *   fdt-numa     numa-node-id is the vCPU's node; /distance-map holds
 *                the configured distances;
 *   fdt-caches   L1 properties and the cache nodes reached through
 *                next-level-cache have the geometry the vCPUs describe,
 *                and each L2/L3 node is shared by one domain of its
 *                sharing level.  (A device tree cannot share an L1
 *                between CPU nodes, so L1 sharing is not checked.)
 */
void vtopo_fdt_check(const VTopo *topo, const VTopoFdtTopology *t,
                     GArray *findings);

#endif
