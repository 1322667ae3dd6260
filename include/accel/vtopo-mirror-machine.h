/*
 * vtopo: mirror-host, the accelerator option that gives the VM the
 * topology, caches and NUMA nodes of the host CPUs it is pinned to
 *
 * -accel ...,mirror-host=on takes the vCPU count from -smp and the
 * memory from -m, plans the VM on the host (accel/vtopo-mirror.c) and
 * applies the plan as the options it stands for: -smp, -machine
 * smp-cache, memory backends bound to host nodes, -numa node and dist,
 * and the accelerator's vcpu-pin map.  query-topology reports them, so
 * that a plan can be kept as explicit options.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_MIRROR_MACHINE_H
#define ACCEL_VTOPO_MIRROR_MACHINE_H

#include "qapi/qapi-types-machine.h"
#include "accel/vtopo-mirror.h"

/*
 * AccelVcpuMirror: the mirror-host state of an accelerator.
 * @enabled, @smt, @max_nodes, @exclude, @prefer: the properties
 *     mirror-host, mirror-smt, mirror-max-nodes, mirror-exclude and
 *     mirror-prefer.
 * @options: the plan as QEMU options (VTopoMirrorOption), once made.
 * @notes: what the plan could not mirror exactly (char *).
 */
typedef struct AccelVcpuMirror {
    bool enabled;
    VcpuMirrorSmt smt;
    uint32_t max_nodes;
    char *exclude;
    VcpuMirrorPrefer prefer;
    GArray *options;
    GPtrArray *notes;
} AccelVcpuMirror;

void accel_vcpu_mirror_class_init(ObjectClass *oc);
void accel_vcpu_mirror_instance_init(AccelState *accel);
void accel_vcpu_mirror_instance_finalize(AccelState *accel);

/*
 * With mirror-host=on, plan the VM of @ms's -smp cpus/maxcpus and -m
 * on the host and return the plan as QEMU options, for the caller to
 * apply before the memory backends and NUMA nodes are created; NULL
 * with mirror-host=off.  On error returns NULL and sets @errp.
 */
const GArray *accel_vcpu_mirror_plan(MachineState *ms, Error **errp);

/* The mirror-host state of @accel, for query-topology. */
const AccelVcpuMirror *accel_vcpu_mirror(AccelState *accel);

/*
 * Whether host memory bindings are only simulated: the accelerator
 * reads the host from an x-host-sysfs tree, whose node ids are not
 * this host's.
 */
bool accel_host_simulated(void);

#endif
