/*
 * vtopo: ACPI PPTT with every topology level and the caches
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ACPI_VTOPO_PPTT_H
#define HW_ACPI_VTOPO_PPTT_H

#include "hw/acpi/bios-linker-loader.h"
#include "hw/core/vtopo.h"

/*
 * build_vtopo_pptt: the Processor Properties Topology Table, revision 3
 * (ACPI 6.5, 5.2.30), of the topology model @topo: a processor
 * hierarchy node for the package and for every level below it that has
 * more than one domain per parent, leaves whose ACPI Processor ID is the
 * index of the possible CPU (the MADT and DSDT processor UID), and one
 * cache type structure per instance of each cache of @topo, a private
 * resource of the node of the level that shares it, chained L1 -> L2 ->
 * L3 within each node.
 */
void build_vtopo_pptt(GArray *table_data, BIOSLinker *linker,
                      const VTopo *topo, const char *oem_id,
                      const char *oem_table_id);

#endif
