/*
 * vtopo: the pinning state of a machine, for the files of accel/ that
 * apply, plan and report it
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_PIN_INTERNAL_H
#define ACCEL_VTOPO_PIN_INTERNAL_H

#include "qapi/qapi-types-machine.h"
#include "qapi/qapi-types-vtopo.h"
#include "accel/vtopo-pin.h"
#include "accel/vtopo/plan.h"
#include "accel/vtopo/placement.h"

/*
 * AccelPlacement: the placement in place, as last read.
 * @threads: per possible vCPU, what its thread's placement is, NULL for
 *     a vCPU not plugged or whose thread could not be read.
 * @placement: the same as a placement to check (NULL for unpinned).
 */
typedef struct AccelPlacement {
    unsigned int nr_cpus;
    VTopoThreadPlacement **threads;
    VTopoPlacement *placement;
} AccelPlacement;

/*
 * AccelVcpuPinning: the pinning state of a machine.
 * @affinity, @check, @core_sched, @pins, @host_sysfs: the properties.
 * @checked: whether the host was read and the placement checked (only
 *     when one of affinity, core_sched or host_sysfs asks for it).
 * @simulated: the host is the x-host-sysfs tree: nothing is applied.
 * @host: the host; @allowed: the host CPUs QEMU may run on.
 * @plan: host CPU of each possible vCPU (VTOPO_PIN_NONE: not pinned),
 *     @nr_cpus of them.
 * @vcore: virtual core of each possible vCPU.
 * @node_memory: per virtual NUMA node, the host nodes its memory is
 *     bound to; @node_policy its policy; @nr_nodes of them.
 * @has_core_sched: whether core-sched was set (mirror-host plans it
 *     otherwise).
 * @core_sched_active: whether core-scheduling cookies are applied.
 * @core_leader: per virtual core, a thread holding its cookie, or 0.
 * @findings: the problems found (VTopoFinding).
 * @has_check: whether pin-check was set.
 * @watch: whether the placement in place is read and checked.
 * @topo: the model the placement is checked against.
 * @unpinned: the host CPUs of a thread nobody pinned.
 * @mounts: the cgroup hierarchies.
 * @at_init: the placement in place at machine init.
 * @last: the placement in place at the last check that reported, and
 *     @last_findings, @last_moment of it.
 * @thread_unreadable_reported, @host_unreadable_reported,
 * @taken_unreadable_reported: whether a vCPU thread's placement, the
 *     host, or the threads other processes pinned could not be read and
 *     that was reported (once each).
 */
typedef struct AccelVcpuPinning {
    VcpuAffinity affinity;
    VcpuPinCheck check;
    VcpuCoreSched core_sched;
    bool has_core_sched;
    VcpuPinList *pins;
    char *host_sysfs;

    bool checked;
    bool simulated;
    VTopoHost *host;
    GArray *allowed;
    GArray *excluded;
    unsigned int nr_cpus;
    int *plan;
    int *vcore;
    unsigned int nr_nodes;
    bool task_mempolicy;
    GArray **node_memory;
    HostMemPolicy *node_policy;
    bool core_sched_active;
    int *core_leader;
    GArray *findings;

    bool has_check;
    bool watch;
    const VTopo *topo;
    GArray *unpinned;
    VTopoCgroupMounts *mounts;
    AccelPlacement *at_init;
    AccelPlacement *last;
    GArray *last_findings;
    TopologyPlacementMoment last_moment;
    bool thread_unreadable_reported;
    bool host_unreadable_reported;
    bool taken_unreadable_reported;
} AccelVcpuPinning;

/*
 * Read the placement in place of every vCPU thread; a thread that
 * cannot be read counts as not pinned, with one warning.
 */
AccelPlacement *accel_placement_read(AccelVcpuPinning *p);
void accel_placement_free(AccelPlacement *ap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AccelPlacement, accel_placement_free)

/*
 * The host CPUs that other processes' threads are pinned to alone
 * (VTopoTakenCpu), read now; NULL, with one warning, if /proc cannot be
 * read.
 */
GArray *accel_taken_cpus(AccelVcpuPinning *p);

/*
 * The findings of placement @ap, checked with the rules of QEMU's own
 * placement, pin-taken with the CPUs of @taken (NULL: not judged);
 * empty when no vCPU is pinned.
 */
GArray *accel_placement_check(AccelVcpuPinning *p, const AccelPlacement *ap,
                              const GArray *taken);

#endif
