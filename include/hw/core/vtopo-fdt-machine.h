/*
 * vtopo: check the device tree a machine built against its topology
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_FDT_MACHINE_H
#define HW_CORE_VTOPO_FDT_MACHINE_H

#include "hw/boards.h"

/*
 * machine_vtopo_check_fdt: decode the CPU nodes, cpu-map, caches and
 * distance-map of @ms's final device tree, check them against the
 * topology model, warn about each finding and record the findings in
 * the model for query-topology.  Once per machine.
 */
void machine_vtopo_check_fdt(MachineState *ms);

#endif
