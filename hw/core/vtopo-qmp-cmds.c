/*
 * QMP query-topology and query-topology-checks
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-vtopo.h"
#include "hw/boards.h"
#include "hw/core/vtopo/facts.h"
#include "hw/core/vtopo-machine.h"
#include "hw/core/vtopo-migration.h"
#include "hw/core/vtopo-qmp.h"
#include "accel/vtopo-qmp.h"

static TopologyNumaNodeList *topology_numa_nodes(const VTopo *topo)
{
    TopologyNumaNodeList *head = NULL, **tail = &head;

    for (unsigned int n = 0; n < topo->nr_nodes; n++) {
        TopologyNumaNode *node = g_new0(TopologyNumaNode, 1);

        node->node_id = n;
        node->mem_size = topo->nodes[n].mem_size;
        /* A configured distance is never 0: the local one is 10. */
        if (topo->nodes[n].distance[n]) {
            intList **dist = &node->distances;

            node->has_distances = true;
            for (unsigned int m = 0; m < topo->nr_nodes; m++) {
                QAPI_LIST_APPEND(dist, topo->nodes[n].distance[m]);
            }
        }
        QAPI_LIST_APPEND(tail, node);
    }
    return head;
}

static TopologyCacheList *topology_caches(const VTopo *topo)
{
    TopologyCacheList *head = NULL, **tail = &head;

    for (unsigned int i = 0; i < topo->nr_caches; i++) {
        const VTopoCache *g = &topo->caches[i].geometry;
        CpuTopologyLevel sharing = topo->caches[i].sharing;
        TopologyCache *c = g_new0(TopologyCache, 1);

        c->cache = vtopo_cache_to_qapi(g);
        c->size = g->size;
        c->ways = g->ways;
        c->line_size = g->line_size;
        c->partitions = g->partitions;
        c->sets = vtopo_cache_sets(g);
        c->inclusive = g->inclusive;
        c->topology = sharing;
        c->per_node = topo->caches[i].per_node;
        c->instances = vtopo_cache_instances(topo, &topo->caches[i]);
        QAPI_LIST_APPEND(tail, c);
    }
    return head;
}

static TopologyAcpiTableList *topology_acpi_tables(MachineState *ms)
{
    TopologyAcpiTableList *head = NULL, **tail = &head;

    for (guint i = 0; ms->topology && i < ms->topology->tables->len; i++) {
        const VTopoTable *e = &g_array_index(ms->topology->tables,
                                             VTopoTable, i);
        TopologyAcpiTable *t = g_new0(TopologyAcpiTable, 1);

        t->signature = g_strdup(e->signature);
        t->length = e->length;
        t->sha256 = g_strdup(e->sha256);
        QAPI_LIST_APPEND(tail, t);
    }
    return head;
}

TopologyFindingList *vtopo_findings_to_qapi(const GArray *findings)
{
    TopologyFindingList *head = NULL, **tail = &head;

    for (guint i = 0; i < findings->len; i++) {
        const VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);
        TopologyFinding *tf = g_new0(TopologyFinding, 1);

        /* Every rule is in the schema: a missing one is a bug. */
        tf->rule = qapi_enum_parse(&TopologyRule_lookup, f->rule, -1,
                                   &error_abort);
        tf->severity = f->severity == VTOPO_SEVERITY_ERROR ?
                       TOPOLOGY_FINDING_SEVERITY_ERROR :
                       TOPOLOGY_FINDING_SEVERITY_WARNING;
        tf->message = g_strdup(f->message);
        QAPI_LIST_APPEND(tail, tf);
    }
    return head;
}

/* The model of the machine, or an error for a machine without one. */
static const VTopo *topology_of(MachineState *ms, Error **errp)
{
    if (!ms->topology) {
        error_setg(errp, "machine type '%s' does not describe its CPU "
                   "topology", MACHINE_GET_CLASS(ms)->name);
    }
    return ms->topology;
}

TopologyInfo *qmp_query_topology(Error **errp)
{
    MachineState *ms = MACHINE(qdev_get_machine());
    const VTopo *topo = topology_of(ms, errp);
    g_autofree char *facts = NULL;
    TopologyInfo *info;

    if (!topo) {
        return NULL;
    }
    info = g_new0(TopologyInfo, 1);
    info->numa_nodes = topology_numa_nodes(topo);
    info->caches = topology_caches(topo);
    facts = vtopo_facts(topo);
    info->digest = vtopo_facts_digest(facts);
    info->source_digest = g_strdup(machine_vtopo_source_digest(ms));
    return info;
}

TopologyChecks *qmp_query_topology_checks(Error **errp)
{
    MachineState *ms = MACHINE(qdev_get_machine());
    const VTopo *topo = topology_of(ms, errp);
    TopologyChecks *checks;

    if (!topo) {
        return NULL;
    }
    checks = g_new0(TopologyChecks, 1);
    checks->findings = vtopo_findings_to_qapi(topo->findings);
    checks->acpi_tables = topology_acpi_tables(ms);
    checks->host = accel_query_topology_host(ms, topo);
    return checks;
}
