/*
 * vtopo: check the device tree a machine built against its topology
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <libfdt.h>
#include "hw/core/vtopo/fdt-check.h"
#include "hw/core/vtopo-fdt-machine.h"
#include "hw/core/vtopo-machine.h"
#include "trace.h"

void machine_vtopo_check_fdt(MachineState *ms)
{
    g_autoptr(VTopoFdtTopology) decoded = vtopo_fdt_topology_new();
    VTopo *topo = ms->topology;
    g_autofree char *reason = NULL;
    guint first;

    if (!topo || !ms->fdt || !vtopo_start_check(topo, VTOPO_CHECK_FDT)) {
        return;
    }
    first = topo->findings->len;
    trace_vtopo_fdt_check_begin(topo->nr_cpus, fdt_totalsize(ms->fdt));
    if (!vtopo_fdt_decode(decoded, ms->fdt, fdt_totalsize(ms->fdt),
                          &reason)) {
        vtopo_add_finding(topo->findings, "fdt-decode",
                          VTOPO_SEVERITY_ERROR, "the device tree cannot be "
                          "decoded: %s", reason);
    } else {
        vtopo_fdt_check(topo, decoded, topo->findings);
    }
    trace_vtopo_fdt_check_end(topo->findings->len - first);
    machine_vtopo_warn_findings(ms, first);
}
