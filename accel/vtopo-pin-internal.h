/*
 * vtopo: the pinning state of an accelerator, for the files of accel/
 * that apply, plan and report it
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_PIN_INTERNAL_H
#define ACCEL_VTOPO_PIN_INTERNAL_H

#include "qapi/qapi-types-machine.h"
#include "accel/vtopo-pin.h"
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

#endif
