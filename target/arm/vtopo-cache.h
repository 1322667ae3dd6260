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
#include "hw/core/vtopo.h"
#include "cpu.h"

/*
 * arm_cpu_vtopo_caches: SysemuCPUOps.vtopo_caches: the caches that
 * @cs's CLIDR_EL1 and CCSIDR_EL1 describe, each shared per core (L3 per
 * socket) unless @requests say otherwise, with the geometry @requests
 * set (TCG only: under KVM the guest reads the host's registers).
 */
int arm_cpu_vtopo_caches(CPUState *cs, const VTopoCacheRequest *requests,
                         VTopoSharedCache *caches, Error **errp);

/*
 * arm_cpu_apply_vtopo_caches: give @cpu, before it is realized, the
 * geometry of the caches of @ms's topology model whose geometry
 * -machine smp-cache sets, in its CLIDR_EL1 and CCSIDR_EL1.
 */
void arm_cpu_apply_vtopo_caches(MachineState *ms, ARMCPU *cpu);

#endif
