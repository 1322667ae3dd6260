/*
 * vtopo: the caches of the topology model in a device tree
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_FDT_H
#define HW_CORE_VTOPO_FDT_H

#include "hw/core/vtopo/model.h"

/*
 * fdt_add_vtopo_caches: describe the caches of the topology model @topo
 * in @fdt, whose present CPUs have
 * nodes at cpu_path(cpu-index) under @cpus_path, as the Devicetree
 * Specification (v0.4, 3.7.3 and 3.8) and Linux's cacheinfo read them:
 * the L1 caches as i-cache-* and d-cache-* properties of every CPU
 * node, each instance of a higher level as an "l2-cache" or "l3-cache"
 * node in the node of the first CPU that shares it (compatible "cache",
 * cache-level, cache-unified, cache-size, cache-sets, cache-line-size),
 * which the CPUs sharing it reach through next-level-cache, from their
 * own node and from the level below.
 *
 * The L1 caches of a CPU node are that CPU's own: L1 caches shared by
 * the threads of a core cannot be told apart in a device tree.
 */
void fdt_add_vtopo_caches(void *fdt, const VTopo *topo, const char *cpus_path,
                          char *(*cpu_path)(int cpu_index));

#endif
