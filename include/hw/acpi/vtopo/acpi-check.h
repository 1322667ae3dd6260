/*
 * vtopo: check decoded ACPI tables against the topology model
 *
 * Depends on glib and libc only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ACPI_VTOPO_ACPI_CHECK_H
#define HW_ACPI_VTOPO_ACPI_CHECK_H

#include "hw/core/vtopo/model.h"
#include "hw/acpi/vtopo/acpi-decode.h"

/*
 * vtopo_acpi_check: compare the tables in @t with each other and with
 * @topo and its caches, appending a VTopoFinding (severity error, rule
 * "acpi-...") to @findings for each disagreement:
 *
 *   acpi-madt      every possible vCPU has one MADT processor, with its
 *                  arch id, its index as UID, enabled exactly if present;
 *   acpi-srat      every vCPU in a node has a SRAT affinity to it, and
 *                  every node with memory a memory affinity;
 *   acpi-slit      the SLIT holds the configured distances;
 *   acpi-pptt      PPTT leaves are the MADT UIDs, one each; every level
 *                  groups the vCPUs as @topo does; each cache, found as
 *                  Linux finds it (drivers/acpi/pptt.c), has the model's
 *                  geometry and sharing, and the levels add up;
 *   acpi-hmat      HMAT initiators are SRAT domains with processors,
 *                  targets SRAT domains with memory.
 *
 * Tables that are absent are not checked (a machine without NUMA has no
 * SRAT), except that a PPTT implies a MADT.
 */
void vtopo_acpi_check(const VTopo *topo, const VTopoAcpiTables *t,
                      GArray *findings);

#endif
