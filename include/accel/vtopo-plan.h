/*
 * vtopo: placing vCPUs on host CPUs, and checking a placement
 *
 * The planner maps every possible vCPU to one host CPU so that the host
 * holds the virtual topology the guest is told about: the threads of a
 * virtual core on the SMT siblings of one host core, a virtual
 * last-level cache domain inside one host last-level cache, a virtual
 * NUMA node inside one host node (the one its memory is bound to).
 * The checker reports where a placement, planned or given by the user,
 * breaks those rules.  glib and libc only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_PLAN_H
#define ACCEL_VTOPO_PLAN_H

#include "hw/core/vtopo.h"
#include "accel/vtopo-host.h"

/* A vCPU that is not pinned. */
#define VTOPO_PIN_NONE (-1)

/* Linux core scheduling (prctl(PR_SCHED_CORE)) for the vCPU threads. */
typedef enum VTopoCoreSched {
    VTOPO_CORE_SCHED_OFF,
    VTOPO_CORE_SCHED_VM,
    VTOPO_CORE_SCHED_CORE,
} VTopoCoreSched;

/*
 * VTopoPinInput: what a placement is made for and checked against.
 * @topo: the virtual topology and caches; every possible vCPU is placed.
 * @host: the host.
 * @allowed: host CPUs the process may run on (unsigned int, ascending).
 * @node_memory: per virtual node, the host node ids (unsigned int) its
 *     memory is bound to, NULL or empty when unbound; NULL without
 *     virtual NUMA nodes.
 * @core_sched: the core scheduling that will be applied.
 */
typedef struct VTopoPinInput {
    const VTopo *topo;
    const VTopoHost *host;
    const GArray *allowed;
    GArray *const *node_memory;
    VTopoCoreSched core_sched;
} VTopoPinInput;

/* One vcpu-pin entry: the vCPUs and host CPUs, as CPU lists. */
typedef struct VTopoPinEntry {
    const char *vcpus;
    const char *host_cpus;
} VTopoPinEntry;

/*
 * Place every possible vCPU (vcpu-affinity=auto).  Returns the host CPU
 * of each, indexed by cpu-index; or NULL and sets *@error to the level
 * that does not fit and what would.  The result depends on the input
 * only.
 */
int *vtopo_pin_plan_auto(const VTopoPinInput *in, char **error);

/*
 * The placement given by @entries (vcpu-affinity=manual): each entry
 * pins its vCPUs, lowest first, to its host CPUs, lowest first (the
 * lists are sets, as Linux CPU lists are).  Every possible vCPU must be
 * in exactly one entry.  On error returns NULL and sets *@error, naming
 * the entry's property.
 */
int *vtopo_pin_plan_manual(const VTopoPinInput *in,
                           const VTopoPinEntry *entries, unsigned int n,
                           char **error);

/*
 * Check placement @plan (host CPU per cpu-index, VTOPO_PIN_NONE for a
 * vCPU that floats) against the host.  Returns an array of VTopoFinding
 * (see vtopo_validate()), one per rule that fails, each naming the
 * first offender and how many more there are.
 */
GArray *vtopo_pin_check(const VTopoPinInput *in, const int *plan);

#endif
