/*
 * vtopo: vCPU thread placement and core scheduling, for every
 * accelerator
 *
 * The accelerator properties vcpu-affinity, vcpu-pin, pin-check,
 * core-sched and x-host-sysfs; the placement is planned and checked
 * against the host once the machine is built, and applied to each vCPU
 * thread.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_PIN_H
#define ACCEL_VTOPO_PIN_H

#include "qapi/qapi-types-machine.h"
#include "accel/vtopo-plan.h"

/*
 * AccelVcpuPinning: the pinning state of an accelerator.
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
    unsigned int nr_cpus;
    int *plan;
    int *vcore;
    unsigned int nr_nodes;
    GArray **node_memory;
    HostMemPolicy *node_policy;
    bool core_sched_active;
    int *core_leader;
    GArray *findings;
} AccelVcpuPinning;

/* The properties, on TYPE_ACCEL, and their state in each instance. */
void accel_vcpu_pinning_class_init(ObjectClass *oc);
void accel_vcpu_pinning_instance_init(AccelState *accel);
void accel_vcpu_pinning_instance_finalize(AccelState *accel);

/*
 * Once the machine is built, before any vCPU runs: read the host, plan
 * the placement of the vCPUs of @topo (NULL for a machine without a
 * topology model), check it by the pin-check policy, set up core
 * scheduling, and pin the vCPU threads that exist.
 */
bool accel_vcpu_pinning_setup(MachineState *ms, const VTopo *topo,
                              Error **errp);

/* Pin a vCPU thread just created (after setup: hotplugged vCPUs). */
void accel_vcpu_pin_thread(CPUState *cpu);

/* The pinning state of @accel, for query-topology. */
const AccelVcpuPinning *accel_vcpu_pinning(AccelState *accel);

#endif
