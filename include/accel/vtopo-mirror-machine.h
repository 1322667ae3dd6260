/*
 * vtopo: mirror-host, the machine option that gives the VM the
 * topology, caches and NUMA nodes of the host CPUs it is pinned to
 *
 * -machine mirror-host=on takes the vCPU count from -smp and the
 * memory from -m, plans the VM on the host (accel/vtopo/mirror.c) and
 * applies the plan as the options it stands for: -smp, -machine
 * smp-cache, memory backends bound to host nodes, -numa node and dist,
 * and the machine's vcpu-pin map.  query-topology reports them, so
 * that a plan can be kept as explicit options.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_MIRROR_MACHINE_H
#define ACCEL_VTOPO_MIRROR_MACHINE_H

#include "accel/vtopo/mirror.h"

/* The properties, on TYPE_MACHINE, and their state in each machine. */
void vcpu_mirror_machine_class_init(ObjectClass *oc);
void vcpu_mirror_machine_init(MachineState *ms);
void vcpu_mirror_machine_finalize(MachineState *ms);

/*
 * With mirror-host=on, plan the VM of @ms's -smp cpus/maxcpus and -m
 * on the host and return the plan as QEMU options, for the caller to
 * apply before the memory backends and NUMA nodes are created; NULL
 * with mirror-host=off.  With @keep_topology (a migration destination
 * given the source's topology), plan only where it runs: the options
 * place the vCPUs at machine init (vcpu-affinity=auto) with the core
 * scheduling the host needs, and the memory of each virtual node
 * without a binding is bound there to the host node of its vCPUs.
 * On error returns NULL and sets @errp.
 */
const GArray *accel_vcpu_mirror_plan(MachineState *ms, bool keep_topology,
                                     Error **errp);

/*
 * With the topology kept, bind the memory of each virtual node of @topo
 * (of the VM, without nodes) that has no binding of its own to the host
 * node its vCPUs were placed on (@ms's vcpu_pinning plan), where it
 * fits with what is bound there already.  Memory that is shared,
 * preallocated or in huge pages is left as it is, with a note.  False
 * and @errp only if binding fails.
 */
bool accel_vcpu_mirror_bind_memory(MachineState *ms, const VTopo *topo,
                                   Error **errp);

/* Whether @ms is planned with mirror-host=on. */
bool accel_vcpu_mirror_enabled(MachineState *ms);

/* Whether mirror-host planned the topology of @ms (not only its placement). */
bool accel_vcpu_mirror_planned_topology(MachineState *ms);

/* Whether mirror-host planned only the placement of @ms's given topology. */
bool accel_vcpu_mirror_placement_only(MachineState *ms);

/*
 * Whether host memory bindings are only simulated: the host is read
 * from an x-host-sysfs tree, whose node ids are not this host's.
 */
bool accel_host_simulated(void);

#endif
