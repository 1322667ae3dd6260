/*
 * vtopo: check the device tree a machine built against its topology
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <libfdt.h>
#include "hw/core/vtopo-emitted.h"
#include "hw/core/vtopo-fdt-check.h"
#include "hw/core/vtopo-fdt-machine.h"
#include "hw/core/vtopo-machine.h"
#include "trace.h"

void machine_vtopo_check_fdt(MachineState *ms)
{
    g_autoptr(VTopoFdtTopology) decoded = vtopo_fdt_topology_new();
    VTopoSharedCache caches[CACHE_LEVEL_AND_TYPE__MAX];
    unsigned int nr_caches = machine_vtopo_shared_caches(ms, caches);
    VTopoEmitted *emitted = machine_vtopo_emitted(ms);
    g_autoptr(VTopo) topo = machine_vtopo_for_check(ms,
                                                    &emitted->fdt_checked);
    guint first = emitted->findings->len;
    g_autofree char *reason = NULL;

    if (!topo || !ms->fdt) {
        return;
    }
    trace_vtopo_fdt_check_begin(topo->nr_cpus, fdt_totalsize(ms->fdt));
    if (!vtopo_fdt_decode(decoded, ms->fdt, fdt_totalsize(ms->fdt),
                          &reason)) {
        vtopo_add_finding(emitted->findings, "fdt-decode",
                          VTOPO_SEVERITY_ERROR, "the device tree cannot be "
                          "decoded: %s", reason);
    } else {
        vtopo_fdt_check(topo, caches, nr_caches, decoded, emitted->findings);
    }
    trace_vtopo_fdt_check_end(emitted->findings->len - first);
    machine_vtopo_warn_findings(ms, first);
}
