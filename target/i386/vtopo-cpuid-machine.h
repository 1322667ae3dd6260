/*
 * vtopo: check the CPUID leaves of a machine's x86 vCPUs
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_VTOPO_CPUID_MACHINE_H
#define TARGET_I386_VTOPO_CPUID_MACHINE_H

#include "hw/boards.h"

/*
 * Once, at machine init: read the topology and cache leaves of every
 * present vCPU as the guest will (cpu_x86_cpuid()), check them against
 * the topology model with vtopo_cpuid_check(), record the findings for
 * query-topology and warn about each.
 */
void machine_vtopo_check_cpuid(MachineState *ms);

/*
 * After machine init, when @cpu was plugged: the same check, of every
 * present vCPU, each compared with @cpu; warns about what it finds that
 * was not found before.
 */
void machine_vtopo_check_cpuid_plugged(MachineState *ms, CPUState *cpu);

#endif
