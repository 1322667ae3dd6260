/*
 * x86 CPU caches of the topology model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_VTOPO_CACHE_H
#define TARGET_I386_VTOPO_CACHE_H

#include "hw/boards.h"
#include "hw/core/vtopo/model.h"
#include "cpu.h"

/*
 * x86_cpu_vtopo_cpu_caches: SysemuCPUOps.vtopo_cpu_caches: the caches
 * of @cs's model as the guest reads them (leaf 4 on Intel, the AMD
 * leaves on AMD; none with host-cache-info=on, whose geometry cannot be
 * set, nor the L3 of l3-cache=off), and what the cache leaves can
 * describe.
 */
bool x86_cpu_vtopo_cpu_caches(CPUState *cs, VTopoCpuCaches *caches,
                              Error **errp);

/*
 * x86_cpu_apply_vtopo_caches: make @cpu's cache leaves describe the
 * caches of @ms's topology model.
 */
void x86_cpu_apply_vtopo_caches(MachineState *ms, X86CPU *cpu);

#endif
