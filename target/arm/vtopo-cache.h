/*
 * Arm CPU caches of the topology model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_ARM_VTOPO_CACHE_H
#define TARGET_ARM_VTOPO_CACHE_H

#include "hw/boards.h"
#include "hw/core/vtopo/model.h"
#include "cpu.h"

/*
 * arm_cpu_vtopo_cpu_caches: SysemuCPUOps.vtopo_cpu_caches: the caches
 * that @cs's CLIDR_EL1 and CCSIDR_EL1 describe, each shared per core (L3
 * per socket), and what those registers can describe; their geometry
 * can be set with TCG only (under KVM the guest reads the host's
 * registers).
 */
bool arm_cpu_vtopo_cpu_caches(CPUState *cs, VTopoCpuCaches *caches,
                              Error **errp);

/*
 * arm_cpu_apply_vtopo_caches: give @cpu, before it is realized, the
 * geometry of the caches of @ms's topology model whose geometry
 * -machine smp-cache sets, in its CLIDR_EL1 and CCSIDR_EL1.
 */
void arm_cpu_apply_vtopo_caches(MachineState *ms, ARMCPU *cpu);

#endif
