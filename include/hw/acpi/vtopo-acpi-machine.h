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
 * One topology table as the guest reads it: @sha256 is computed with
 * the checksum the firmware fills in.
 */
typedef struct VTopoEmittedTable {
    char signature[5];
    uint32_t length;
    char *sha256;
} VTopoEmittedTable;

/*
 * VTopoAcpiEmitted: what machine init built and found.
 * @tables: VTopoEmittedTable, for the MADT, SRAT, SLIT, PPTT and HMAT.
 * @findings: VTopoFinding, where the tables disagree with each other
 *            or with the topology model.
 */
typedef struct VTopoAcpiEmitted {
    GArray *tables;
    GArray *findings;
} VTopoAcpiEmitted;

/*
 * machine_vtopo_check_acpi: decode the topology tables in @table_data,
 * the blob acpi_build() just filled (tables back to back, checksums
 * left to the firmware), check them against the topology model of @ms,
 * warn about each finding and keep tables and findings in
 * ms->vtopo_acpi for query-topology.
 */
void machine_vtopo_check_acpi(MachineState *ms, GArray *table_data);

#endif
