/*
 * vtopo: check the ACPI tables a machine built against its topology
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ACPI_VTOPO_ACPI_MACHINE_H
#define HW_ACPI_VTOPO_ACPI_MACHINE_H

#include "hw/boards.h"

/*
 * machine_vtopo_check_acpi: decode the topology tables in @table_data,
 * the blob acpi_build() just filled (tables back to back, checksums
 * left to the firmware), check them against the topology model of @ms,
 * warn about each finding and record tables and findings in the model
 * for query-topology.  Once per machine.
 */
void machine_vtopo_check_acpi(MachineState *ms, GArray *table_data);

#endif
