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

#include "hw/core/vtopo/model.h"
#include "accel/vtopo/host.h"

/* A vCPU that is not pinned. */
#define VTOPO_PIN_NONE (-1)

/* Linux core scheduling (prctl(PR_SCHED_CORE)) for the vCPU threads. */
typedef enum VTopoCoreSched {
    VTOPO_CORE_SCHED_OFF,
    VTOPO_CORE_SCHED_VM,
    VTOPO_CORE_SCHED_CORE,
} VTopoCoreSched;

/*
 * VTopoTakenCpu: a host CPU that a thread of another process is pinned
 * to alone, as a manager pins the vCPU threads of another VM.
 * @cpu: the host CPU.
 * @pid, @tid: the process and the (lowest such) thread.
 * @comm: the process's name (/proc/PID/comm).
 */
typedef struct VTopoTakenCpu {
    unsigned int cpu;
    int pid;
    int tid;
    char *comm;
} VTopoTakenCpu;

/*
 * VTopoPinInput: what a placement is made for and checked against.
 * @topo: the virtual topology and caches; every possible vCPU is placed.
 * @host: the host.
 * @allowed: host CPUs the process may run on (unsigned int, ascending);
 *     NULL when checking a placement the kernel reported.
 * @node_memory: per virtual node, the host node ids (unsigned int) its
 *     memory is bound to, NULL or empty when unbound; NULL without
 *     virtual NUMA nodes.
 * @core_sched: the core scheduling that will be applied.
 * @taken: host CPUs that threads of other processes are pinned to
 *     alone (VTopoTakenCpu, ascending), NULL when not read.
 * @topology_given: the topology may not change (a migration
 *     destination's): a plan that fails gives no advice to change it.
 */
typedef struct VTopoPinInput {
    const VTopo *topo;
    const VTopoHost *host;
    const GArray *allowed;
    GArray *const *node_memory;
    VTopoCoreSched core_sched;
    const GArray *taken;
    bool topology_given;
} VTopoPinInput;

/* One vcpu-pin entry: a vCPU (cpu-index) and the host CPU it runs on. */
typedef struct VTopoPinEntry {
    unsigned int vcpu;
    unsigned int host_cpu;
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
 * pins one vCPU to one host CPU.  Every possible vCPU must be in
 * exactly one entry.  On error returns NULL and sets *@error, naming
 * the entry's property.
 */
int *vtopo_pin_plan_manual(const VTopoPinInput *in,
                           const VTopoPinEntry *entries, unsigned int n,
                           char **error);

/*
 * VTopoPlacement: where each possible vCPU may run, as QEMU planned it
 * or as the kernel has it (accel/vtopo/placement.h).
 * @cpus: per cpu-index, the host CPUs its thread may run on (unsigned
 *     int, ascending); NULL for a vCPU that is not pinned, or whose
 *     thread is not known.
 */
typedef struct VTopoPlacement {
    unsigned int nr_cpus;
    GArray **cpus;
} VTopoPlacement;

/* A placement of @nr_cpus vCPUs, none of them pinned. */
VTopoPlacement *vtopo_placement_new(unsigned int nr_cpus);

/* Placement @plan: one host CPU per cpu-index, or VTOPO_PIN_NONE. */
VTopoPlacement *vtopo_placement_from_plan(const int *plan,
                                          unsigned int nr_cpus);
void vtopo_placement_free(VTopoPlacement *pl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VTopoPlacement, vtopo_placement_free)

/*
 * Check @placement against the host.  Each rule compares the vCPUs
 * pinned at its level: two vCPUs share a host CPU when each has that
 * one only; a vCPU is on a host core (last-level cache) when all its
 * host CPUs are, and one whose host CPUs span several breaks the rule
 * for the virtual core (cache) it shares with others; a virtual node
 * runs on every host node of its vCPUs' host CPUs.  A vCPU that is
 * not pinned breaks none but pin-smt-exposed.  @in->allowed may be
 * NULL for a placement the kernel reported (it only has CPUs QEMU may
 * use).  Returns an array of VTopoFinding (see vtopo_validate()), one
 * per rule that fails, each naming the first offender and how many
 * more there are.
 */
GArray *vtopo_placement_check(const VTopoPinInput *in,
                              const VTopoPlacement *placement);

/*
 * vtopo_placement_check() of @plan (host CPU per cpu-index,
 * VTOPO_PIN_NONE for a vCPU that floats).
 */
GArray *vtopo_pin_check(const VTopoPinInput *in, const int *plan);

#endif
