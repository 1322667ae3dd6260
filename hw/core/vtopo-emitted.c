/*
 * vtopo: what a machine told its guest about the topology, and the
 * findings of checking it against the model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "hw/core/vtopo-emitted.h"
#include "hw/core/vtopo-machine.h"

static void vtopo_emitted_table_clear(gpointer data)
{
    VTopoEmittedTable *e = data;

    g_free(e->sha256);
}

VTopoEmitted *machine_vtopo_emitted(MachineState *ms)
{
    if (!ms->vtopo_emitted) {
        VTopoEmitted *e = g_new0(VTopoEmitted, 1);

        e->tables = g_array_new(false, true, sizeof(VTopoEmittedTable));
        g_array_set_clear_func(e->tables, vtopo_emitted_table_clear);
        ms->vtopo_emitted = e;
    }
    return ms->vtopo_emitted;
}

const VTopo *machine_vtopo_for_check(MachineState *ms, bool *checked)
{
    if (*checked || !ms->topology) {
        return NULL;
    }
    *checked = true;
    return ms->topology;
}

void machine_vtopo_warn_findings(MachineState *ms, guint first)
{
    GArray *findings = ms->topology->findings;

    for (guint i = first; i < findings->len; i++) {
        warn_report("%s", g_array_index(findings, VTopoFinding, i).message);
    }
}
