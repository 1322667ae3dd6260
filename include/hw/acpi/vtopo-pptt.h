/*
 * ACPI PPTT, built from the topology model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_ACPI_VTOPO_PPTT_H
#define HW_ACPI_VTOPO_PPTT_H

#include "hw/acpi/bios-linker-loader.h"
#include "hw/core/vtopo/model.h"

/* What build_pptt() describes */
typedef enum VTopoPpttLayout {
    /*
     * The PPTT of QEMU 10.2's build_pptt(), which Arm virt before 11.0
     * and LoongArch virt keep, revision 2 (ACPI 6.3): a root node above
     * the sockets, a node for each socket, for each cluster where -smp
     * has clusters, for each core where cores have threads, and the
     * leaves; no caches.
     */
    VTOPO_PPTT_SOCKETS,
    /*
     * Revision 3 (ACPI 6.5): a node for the package, the core and every
     * level in between or below that has more than one domain per
     * parent, and one cache type structure per instance of each cache
     * of the topology model, a private resource of the node of the level
     * that shares it, chained L1 -> L2 -> L3 within each node; a
     * last-level cache that follows the NUMA nodes hangs from a group
     * node per node.
     */
    VTOPO_PPTT_TOPOLOGY,
} VTopoPpttLayout;

/*
 * build_pptt: the Processor Properties Topology Table (ACPI 6.5, 5.2.30)
 * of @ms's topology model, in @layout.  The leaves' ACPI Processor ID is
 * the index of the possible CPU (the MADT and DSDT processor UID).
 */
void build_pptt(GArray *table_data, BIOSLinker *linker, MachineState *ms,
                VTopoPpttLayout layout, const char *oem_id,
                const char *oem_table_id);

#endif
