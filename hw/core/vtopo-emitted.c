/*
 * vtopo: what a machine told its guest about the topology, and the
 * findings of checking it against the model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
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
        e->findings = vtopo_findings_new();
        ms->vtopo_emitted = e;
    }
    return ms->vtopo_emitted;
}

VTopo *machine_vtopo_for_check(MachineState *ms, bool *checked)
{
    Error *err = NULL;
    VTopo *topo;

    if (*checked || !MACHINE_GET_CLASS(ms)->possible_cpu_arch_ids) {
        return NULL;
    }
    *checked = true;
    topo = machine_vtopo_new(ms, &err);
    if (!topo) {
        warn_report_err(err);
    }
    return topo;
}

unsigned int machine_vtopo_shared_caches(MachineState *ms,
                                         VTopoSharedCache *caches)
{
    static const struct {
        CacheLevelAndType cache;
        unsigned int level;
        VTopoCacheType type;
    } kinds[] = {
        { CACHE_LEVEL_AND_TYPE_L1D, 1, VTOPO_CACHE_DATA },
        { CACHE_LEVEL_AND_TYPE_L1I, 1, VTOPO_CACHE_INSTRUCTION },
        { CACHE_LEVEL_AND_TYPE_L2, 2, VTOPO_CACHE_UNIFIED },
        { CACHE_LEVEL_AND_TYPE_L3, 3, VTOPO_CACHE_UNIFIED },
    };
    unsigned int n = 0;

    for (int i = 0; i < ARRAY_SIZE(kinds); i++) {
        const SmpCacheProperties *p =
            &ms->smp_cache_effective.props[kinds[i].cache];

        if (!p->has_size || p->topology == CPU_TOPOLOGY_LEVEL_DEFAULT) {
            continue;
        }
        caches[n++] = (VTopoSharedCache) {
            .geometry = {
                .level = kinds[i].level, .type = kinds[i].type,
                .size = p->size, .ways = p->ways, .line_size = p->line_size,
                .partitions = p->partitions,
            },
            .sharing = vtopo_level_from_qapi(p->topology),
        };
    }
    return n;
}

void machine_vtopo_warn_findings(MachineState *ms, guint first)
{
    GArray *findings = machine_vtopo_emitted(ms)->findings;

    for (guint i = first; i < findings->len; i++) {
        warn_report("%s", g_array_index(findings, VTopoFinding, i).message);
    }
}
