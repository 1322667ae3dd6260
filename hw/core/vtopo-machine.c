/*
 * vtopo: the topology model of a running machine
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"
#include "hw/core/vtopo-machine.h"
#include "system/numa.h"

static VTopoShape machine_vtopo_shape(MachineState *ms)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    const CpuTopology *smp = &ms->smp;
    VTopoShape shape = {
        .count = {
            [VTOPO_LEVEL_THREAD] = smp->threads,
            [VTOPO_LEVEL_CORE] = smp->cores,
            [VTOPO_LEVEL_MODULE] = smp->modules,
            [VTOPO_LEVEL_CLUSTER] = smp->clusters,
            [VTOPO_LEVEL_DIE] = smp->dies,
            [VTOPO_LEVEL_SOCKET] = smp->sockets,
            [VTOPO_LEVEL_BOOK] = smp->books,
            [VTOPO_LEVEL_DRAWER] = smp->drawers,
        },
        .supported = {
            [VTOPO_LEVEL_THREAD] = true,
            [VTOPO_LEVEL_CORE] = true,
            [VTOPO_LEVEL_MODULE] = mc->smp_props.modules_supported,
            [VTOPO_LEVEL_CLUSTER] = mc->smp_props.clusters_supported,
            [VTOPO_LEVEL_DIE] = mc->smp_props.dies_supported,
            [VTOPO_LEVEL_SOCKET] = true,
            [VTOPO_LEVEL_BOOK] = mc->smp_props.books_supported,
            [VTOPO_LEVEL_DRAWER] = mc->smp_props.drawers_supported,
        },
        .cpus = smp->cpus,
    };

    return shape;
}

/*
 * The machine's own id for @level, as it reports it in
 * query-hotpluggable-cpus.  Machines leave out ids of levels with a
 * count of 1 (x86 omits die-id with dies=1); those are 0.
 */
static int machine_vtopo_id(const VTopoShape *shape, VTopoLevel level,
                            bool has_id, int64_t id)
{
    if (!shape->supported[level]) {
        return VTOPO_ID_NONE;
    }
    if (has_id) {
        return id;
    }
    return shape->count[level] == 1 ? 0 : VTOPO_ID_NONE;
}

static void machine_vtopo_cpu(VTopo *topo, VTopoCpu *vcpu,
                              const CPUArchId *arch)
{
    const CpuInstanceProperties *p = &arch->props;
    const VTopoShape *s = &topo->shape;

    vcpu->arch_id = arch->arch_id;
    vcpu->present = arch->cpu != NULL;
    if (arch->cpu) {
        vcpu->index = arch->cpu->cpu_index;
    }
    vcpu->id[VTOPO_LEVEL_THREAD] =
        machine_vtopo_id(s, VTOPO_LEVEL_THREAD, p->has_thread_id, p->thread_id);
    vcpu->id[VTOPO_LEVEL_CORE] =
        machine_vtopo_id(s, VTOPO_LEVEL_CORE, p->has_core_id, p->core_id);
    vcpu->id[VTOPO_LEVEL_MODULE] =
        machine_vtopo_id(s, VTOPO_LEVEL_MODULE, p->has_module_id, p->module_id);
    vcpu->id[VTOPO_LEVEL_CLUSTER] =
        machine_vtopo_id(s, VTOPO_LEVEL_CLUSTER, p->has_cluster_id,
                         p->cluster_id);
    vcpu->id[VTOPO_LEVEL_DIE] =
        machine_vtopo_id(s, VTOPO_LEVEL_DIE, p->has_die_id, p->die_id);
    vcpu->id[VTOPO_LEVEL_SOCKET] =
        machine_vtopo_id(s, VTOPO_LEVEL_SOCKET, p->has_socket_id, p->socket_id);
    vcpu->id[VTOPO_LEVEL_BOOK] =
        machine_vtopo_id(s, VTOPO_LEVEL_BOOK, p->has_book_id, p->book_id);
    vcpu->id[VTOPO_LEVEL_DRAWER] =
        machine_vtopo_id(s, VTOPO_LEVEL_DRAWER, p->has_drawer_id, p->drawer_id);
    vcpu->node = p->has_node_id ? p->node_id : VTOPO_NODE_NONE;
}

VTopo *machine_vtopo_new(MachineState *ms, Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    VTopoShape shape = machine_vtopo_shape(ms);
    unsigned int nr_nodes = ms->numa_state ? ms->numa_state->num_nodes : 0;
    const CPUArchIdList *possible;
    VTopo *topo;

    if (!mc->possible_cpu_arch_ids) {
        error_setg(errp, "machine type '%s' does not describe its CPU topology",
                   mc->name);
        return NULL;
    }
    possible = mc->possible_cpu_arch_ids(ms);

    topo = vtopo_new(&shape, nr_nodes);
    if (possible->len != topo->nr_cpus) {
        error_setg(errp, "machine has %d possible CPUs but its topology "
                   "describes %u", possible->len, topo->nr_cpus);
        vtopo_free(topo);
        return NULL;
    }
    for (int i = 0; i < possible->len; i++) {
        machine_vtopo_cpu(topo, &topo->cpus[i], &possible->cpus[i]);
    }

    for (unsigned int n = 0; n < nr_nodes; n++) {
        const NodeInfo *node = &ms->numa_state->nodes[n];

        topo->nodes[n].mem_size = node->node_mem;
        if (ms->numa_state->have_numa_distance) {
            memcpy(topo->nodes[n].distance, node->distance, nr_nodes);
        }
    }
    return topo;
}
