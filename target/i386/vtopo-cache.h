/*
 * x86 CPU caches from -machine smp-cache
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_VTOPO_CACHE_H
#define TARGET_I386_VTOPO_CACHE_H

#include "hw/boards.h"
#include "cpu.h"

/*
 * x86_cpu_apply_smp_cache_geometry: give @cpu the cache geometry that
 * -machine smp-cache sets (size, ways, line-size, partitions,
 * inclusive), checked against what the CPUID leaves can describe.
 */
bool x86_cpu_apply_smp_cache_geometry(MachineState *ms, X86CPU *cpu,
                                      Error **errp);

/*
 * x86_cpu_record_smp_caches: record in @ms's topology model the caches
 * @cpu describes to the guest.
 */
void x86_cpu_record_smp_caches(MachineState *ms, X86CPU *cpu);

#endif
