/*
 * vtopo: what a machine told its guest about the topology, and the
 * findings of checking it against the model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_EMITTED_H
#define HW_CORE_VTOPO_EMITTED_H

#include "hw/boards.h"
#include "hw/core/vtopo.h"

/*
 * One firmware table as the guest reads it: @sha256 is computed over
 * its bytes as the guest sees them (ACPI: with the checksum the
 * firmware fills in).
 */
typedef struct VTopoEmittedTable {
    char signature[5];
    uint32_t length;
    char *sha256;
} VTopoEmittedTable;

/*
 * VTopoEmitted: what machine init built.  Checking it adds findings to
 * the topology model (MachineState.topology).
 * @acpi_checked, @fdt_checked, @cpuid_checked: whether each description
 *     was checked.
 * @tables: VTopoEmittedTable, the ACPI topology tables.
 */
typedef struct VTopoEmitted {
    bool acpi_checked;
    bool fdt_checked;
    bool cpuid_checked;
    GArray *tables;
} VTopoEmitted;

/* @ms's record, created empty on first use. */
VTopoEmitted *machine_vtopo_emitted(MachineState *ms);

/*
 * The topology model to check @ms's firmware description against, once:
 * NULL if *@checked is already set or @ms has no model; sets *@checked
 * otherwise.  @checked is a flag of machine_vtopo_emitted(@ms).  The
 * check adds its findings to the model's.
 */
const VTopo *machine_vtopo_for_check(MachineState *ms, bool *checked);

/* Warn about the findings from @first on, as a guest-visible bug. */
void machine_vtopo_warn_findings(MachineState *ms, guint first);

#endif
