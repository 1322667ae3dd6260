/*
 * vtopo: vCPU thread placement and core scheduling, for every
 * accelerator
 *
 * The machine properties vcpu-affinity, vcpu-pin, pin-check,
 * core-sched and x-host-sysfs (-machine, so that a management layer
 * that writes -accel itself can still set them); the placement is
 * planned and checked against the host once the machine is built, and
 * applied to each vCPU thread.  The placement in place, whoever made
 * it, is checked by the same rules at machine init, at each 'cont', on
 * hotplug and for each query-topology.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_PIN_H
#define ACCEL_VTOPO_PIN_H

#include "hw/core/vtopo/model.h"

/* The properties, on TYPE_MACHINE, and their state in each machine. */
void vcpu_pinning_machine_class_init(ObjectClass *oc);
void vcpu_pinning_machine_init(MachineState *ms);
void vcpu_pinning_machine_finalize(MachineState *ms);

/*
 * Once the machine is built, before any vCPU runs: read the host, plan
 * the placement of the vCPUs of @topo (NULL for a machine without a
 * topology model), check it by the pin-check policy, set up core
 * scheduling, and pin the vCPU threads that exist.
 */
bool accel_vcpu_pinning_setup(MachineState *ms, const VTopo *topo,
                              Error **errp);

/*
 * Pin a vCPU thread just created (after setup: hotplugged vCPUs), and
 * check the placement in place with it.
 */
void accel_vcpu_pin_thread(CPUState *cpu);

/*
 * Before the vCPUs run ('cont'): check the placement in place, which
 * the management layer may have set since machine init.  False under
 * pin-check=strict when it breaks a rule.
 */
bool accel_vcpu_placement_check_start(Error **errp);

#endif
