/*
 * Arm CPU caches from -machine smp-cache
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_ARM_VTOPO_CACHE_H
#define TARGET_ARM_VTOPO_CACHE_H

#include "hw/boards.h"
#include "cpu.h"

/*
 * arm_cpu_apply_smp_cache_geometry: give @cpu, before it is realized,
 * the cache geometry that -machine smp-cache sets (size, ways,
 * line-size), in its CLIDR_EL1 and CCSIDR_EL1.  TCG only: under KVM
 * the guest reads the host's registers.
 */
bool arm_cpu_apply_smp_cache_geometry(MachineState *ms, ARMCPU *cpu,
                                      Error **errp);

/*
 * arm_cpu_record_smp_caches: record in @ms the caches @cpu describes to
 * the guest, each shared at the level smp-cache sets or by default (L1
 * and L2 per core, L3 per socket), for the firmware tables and
 * query-topology.
 */
bool arm_cpu_record_smp_caches(MachineState *ms, ARMCPU *cpu, Error **errp);

#endif
