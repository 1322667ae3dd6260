/*
 * QMP query-topology
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-vtopo.h"
#include "hw/boards.h"
#include "hw/core/vtopo-machine.h"

/* QAPI's CpuTopologyLevel has the same levels as VTopoLevel. */
static const CpuTopologyLevel vtopo_level_qapi[VTOPO_LEVEL__MAX] = {
    [VTOPO_LEVEL_THREAD] = CPU_TOPOLOGY_LEVEL_THREAD,
    [VTOPO_LEVEL_CORE] = CPU_TOPOLOGY_LEVEL_CORE,
    [VTOPO_LEVEL_MODULE] = CPU_TOPOLOGY_LEVEL_MODULE,
    [VTOPO_LEVEL_CLUSTER] = CPU_TOPOLOGY_LEVEL_CLUSTER,
    [VTOPO_LEVEL_DIE] = CPU_TOPOLOGY_LEVEL_DIE,
    [VTOPO_LEVEL_SOCKET] = CPU_TOPOLOGY_LEVEL_SOCKET,
    [VTOPO_LEVEL_BOOK] = CPU_TOPOLOGY_LEVEL_BOOK,
    [VTOPO_LEVEL_DRAWER] = CPU_TOPOLOGY_LEVEL_DRAWER,
};

static TopologyLevelList *topology_levels(const VTopo *topo)
{
    TopologyLevelList *head = NULL;

    /* QAPI_LIST_PREPEND from the innermost up lists outermost first. */
    for (VTopoLevel l = VTOPO_LEVEL_THREAD; l < VTOPO_LEVEL__MAX; l++) {
        TopologyLevel *level;

        if (!topo->shape.supported[l]) {
            continue;
        }
        level = g_new0(TopologyLevel, 1);
        level->level = vtopo_level_qapi[l];
        level->count = topo->shape.count[l];
        QAPI_LIST_PREPEND(head, level);
    }
    return head;
}

static CpuInstanceProperties *topology_vcpu_props(const VTopoCpu *cpu)
{
    CpuInstanceProperties *p = g_new0(CpuInstanceProperties, 1);
    const int *id = cpu->id;

    p->has_node_id = cpu->node != VTOPO_NODE_NONE;
    p->node_id = cpu->node;
    p->has_drawer_id = id[VTOPO_LEVEL_DRAWER] != VTOPO_ID_NONE;
    p->drawer_id = id[VTOPO_LEVEL_DRAWER];
    p->has_book_id = id[VTOPO_LEVEL_BOOK] != VTOPO_ID_NONE;
    p->book_id = id[VTOPO_LEVEL_BOOK];
    p->has_socket_id = id[VTOPO_LEVEL_SOCKET] != VTOPO_ID_NONE;
    p->socket_id = id[VTOPO_LEVEL_SOCKET];
    p->has_die_id = id[VTOPO_LEVEL_DIE] != VTOPO_ID_NONE;
    p->die_id = id[VTOPO_LEVEL_DIE];
    p->has_cluster_id = id[VTOPO_LEVEL_CLUSTER] != VTOPO_ID_NONE;
    p->cluster_id = id[VTOPO_LEVEL_CLUSTER];
    p->has_module_id = id[VTOPO_LEVEL_MODULE] != VTOPO_ID_NONE;
    p->module_id = id[VTOPO_LEVEL_MODULE];
    p->has_core_id = id[VTOPO_LEVEL_CORE] != VTOPO_ID_NONE;
    p->core_id = id[VTOPO_LEVEL_CORE];
    p->has_thread_id = id[VTOPO_LEVEL_THREAD] != VTOPO_ID_NONE;
    p->thread_id = id[VTOPO_LEVEL_THREAD];
    return p;
}

static TopologyVcpuList *topology_vcpus(const VTopo *topo)
{
    TopologyVcpuList *head = NULL, **tail = &head;

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        TopologyVcpu *v = g_new0(TopologyVcpu, 1);

        v->cpu_index = cpu->index;
        v->arch_id = cpu->arch_id;
        v->present = cpu->present;
        v->props = topology_vcpu_props(cpu);
        QAPI_LIST_APPEND(tail, v);
    }
    return head;
}

static TopologyNumaNodeList *topology_numa_nodes(const VTopo *topo)
{
    TopologyNumaNodeList *head = NULL, **tail = &head;

    for (unsigned int n = 0; n < topo->nr_nodes; n++) {
        TopologyNumaNode *node = g_new0(TopologyNumaNode, 1);
        intList **cpus = &node->cpus;

        node->node_id = n;
        node->mem_size = topo->nodes[n].mem_size;
        for (unsigned int i = 0; i < topo->nr_cpus; i++) {
            if (topo->cpus[i].node == (int)n) {
                QAPI_LIST_APPEND(cpus, topo->cpus[i].index);
            }
        }
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

static TopologyFindingList *topology_findings(const VTopo *topo)
{
    TopologyFindingList *head = NULL, **tail = &head;
    GArray *findings = vtopo_validate(topo);

    for (guint i = 0; i < findings->len; i++) {
        const VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);
        TopologyFinding *tf = g_new0(TopologyFinding, 1);

        tf->rule = g_strdup(f->rule);
        tf->severity = f->severity == VTOPO_SEVERITY_ERROR ?
                       TOPOLOGY_FINDING_SEVERITY_ERROR :
                       TOPOLOGY_FINDING_SEVERITY_WARNING;
        tf->message = g_strdup(f->message);
        QAPI_LIST_APPEND(tail, tf);
    }
    vtopo_findings_free(findings);
    return head;
}

TopologyInfo *qmp_query_topology(Error **errp)
{
    MachineState *ms = MACHINE(qdev_get_machine());
    g_autoptr(VTopo) topo = machine_vtopo_new(ms, errp);
    TopologyInfo *info;

    if (!topo) {
        return NULL;
    }
    info = g_new0(TopologyInfo, 1);
    info->levels = topology_levels(topo);
    info->cpus = topo->shape.cpus;
    info->max_cpus = topo->nr_cpus;
    info->vcpus = topology_vcpus(topo);
    info->numa_nodes = topology_numa_nodes(topo);
    info->findings = topology_findings(topo);
    return info;
}
