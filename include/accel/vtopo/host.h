/*
 * vtopo: the host's CPU topology, caches and NUMA nodes, as Linux
 * describes them in sysfs
 *
 * Read from a sysfs root (/sys, or a fixture tree for tests); glib and
 * libc only, so that it can be unit tested without QEMU.  The files are
 * those of Documentation/ABI/stable/sysfs-devices-system-cpu,
 * Documentation/ABI/testing/sysfs-devices-system-cpu (cache/index*,
 * smt, vulnerabilities) and Documentation/ABI/stable/sysfs-devices-node.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_HOST_H
#define ACCEL_VTOPO_HOST_H

#include "hw/core/vtopo/model.h"

/* Most CPUs and nodes a host may have (Linux's NR_CPUS upper bound). */
#define VTOPO_HOST_MAX_CPUS  8192
#define VTOPO_HOST_MAX_NODES 1024
/* Most cache/indexN directories of one CPU. */
#define VTOPO_HOST_MAX_CPU_CACHES 16

/*
 * VTopoHostCpu: one possible host CPU.
 * @online: whether it is online; an offline CPU has no topology.
 * @package, @die, @cluster, @core: topology/physical_package_id,
 *     die_id, cluster_id, core_id; -1 where sysfs has none.
 * @core_domain: index of its core (the CPUs of its thread_siblings_list)
 *     among the host's cores, -1 if offline.
 * @llc: index in VTopoHost.caches of its last-level cache, -1 if none.
 * @node: host NUMA node, -1 if none.
 * @caches: indexes in VTopoHost.caches of its caches, @nr_caches of them.
 */
typedef struct VTopoHostCpu {
    bool online;
    int package;
    int die;
    int cluster;
    int core;
    int core_domain;
    int llc;
    int node;
    unsigned int nr_caches;
    unsigned int caches[VTOPO_HOST_MAX_CPU_CACHES];
} VTopoHostCpu;

/*
 * VTopoHostCache: one cache instance (cache/indexN of its CPUs).
 * @sets: number_of_sets, or size / (ways x line size) without it.
 * @cpus: shared_cpu_list, as an array of unsigned int.
 */
typedef struct VTopoHostCache {
    unsigned int level;
    VTopoCacheType type;
    uint64_t size;
    unsigned int ways;
    unsigned int line_size;
    unsigned int sets;
    GArray *cpus;
} VTopoHostCache;

/*
 * VTopoHostNode: one online host NUMA node.
 * @cpus: its cpulist (empty for a memory-only node).
 * @distance: its distance row, indexed by position in VTopoHost.nodes.
 */
typedef struct VTopoHostNode {
    unsigned int id;
    uint64_t mem_size;
    GArray *cpus;
    GArray *distance;
} VTopoHostNode;

/*
 * VTopoHost: the host.
 * @nr_cpus: possible CPUs (the last one's number + 1).
 * @nr_cores: number of core domains.
 * @threads_per_core: the most online threads of one core.
 * @smt: whether SMT is active (smt/active, or threads_per_core > 1 on
 *     kernels without it).
 * @smt_exposure: name of a vulnerabilities/ file saying the CPUs leak
 *     between SMT siblings ("SMT vulnerable", or "Vulnerable" for one
 *     of the cross-thread issues), NULL if none does.
 */
typedef struct VTopoHost {
    unsigned int nr_cpus;
    VTopoHostCpu *cpus;
    unsigned int nr_cores;
    unsigned int threads_per_core;
    GArray *caches;
    GArray *nodes;
    bool smt;
    char *smt_exposure;
} VTopoHost;

/*
 * Parse a Linux CPU list ("0-3,8,10-11") into an array of unsigned int,
 * ascending.  Every number must be below @limit; a CPU listed twice, a
 * reversed or open range, or anything else is an error.  An empty list
 * is accepted only with @allow_empty.  On error returns NULL and sets
 * *@error to why, for the caller to prefix with what it was parsing.
 */
GArray *vtopo_cpulist_parse(const char *text, unsigned int limit,
                            bool allow_empty, char **error);

/*
 * Read the host from the sysfs tree at @sysfs ("/sys").  On error
 * returns NULL and sets *@error to "PATH: reason".
 */
VTopoHost *vtopo_host_read(const char *sysfs, char **error);
void vtopo_host_free(VTopoHost *host);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VTopoHost, vtopo_host_free)

/*
 * Index in @host->nodes of node @id, -1 if the host has no such online
 * node.
 */
int vtopo_host_node_index(const VTopoHost *host, unsigned int id);

/* The cache of @level and @type of host CPU @cpu, NULL if it has none. */
const VTopoHostCache *vtopo_host_cpu_cache(const VTopoHost *host,
                                           unsigned int cpu,
                                           unsigned int level,
                                           VTopoCacheType type);

/*
 * The online host CPUs this process may run on (sched_getaffinity(),
 * which a cgroup cpuset narrows too), ascending; every online CPU when
 * the host is a fixture tree (@simulated).  On error returns NULL and
 * sets *@error.
 */
GArray *vtopo_host_allowed_cpus(const VTopoHost *host, bool simulated,
                                char **error);

/*
 * Whether the host kernel can give threads core-scheduling cookies
 * (prctl(PR_SCHED_CORE)); for a fixture tree, whether it has SMT.  If
 * not, *@why says why.
 */
bool vtopo_host_core_sched(const VTopoHost *host, bool simulated,
                           const char **why);

#endif
