/*
 * HMP info topology
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-commands-vtopo.h"
#include "monitor/hmp.h"
#include "monitor/monitor.h"

/* The id of @props at @level, or -1 where the vCPU has none. */
static int64_t topology_props_id(const CpuInstanceProperties *props,
                                 CpuTopologyLevel level)
{
    switch (level) {
    case CPU_TOPOLOGY_LEVEL_DRAWER:
        return props->has_drawer_id ? props->drawer_id : -1;
    case CPU_TOPOLOGY_LEVEL_BOOK:
        return props->has_book_id ? props->book_id : -1;
    case CPU_TOPOLOGY_LEVEL_SOCKET:
        return props->has_socket_id ? props->socket_id : -1;
    case CPU_TOPOLOGY_LEVEL_DIE:
        return props->has_die_id ? props->die_id : -1;
    case CPU_TOPOLOGY_LEVEL_CLUSTER:
        return props->has_cluster_id ? props->cluster_id : -1;
    case CPU_TOPOLOGY_LEVEL_MODULE:
        return props->has_module_id ? props->module_id : -1;
    case CPU_TOPOLOGY_LEVEL_CORE:
        return props->has_core_id ? props->core_id : -1;
    case CPU_TOPOLOGY_LEVEL_THREAD:
        return props->has_thread_id ? props->thread_id : -1;
    default:
        return -1;
    }
}

static void hmp_topology_tree(Monitor *mon, TopologyInfo *info)
{
    unsigned int depth = 0;
    int64_t *last;
    TopologyLevelList *l;
    TopologyVcpuList *v;

    for (l = info->levels; l; l = l->next) {
        depth++;
    }
    last = g_new(int64_t, depth);

    for (v = info->vcpus; v; v = v->next) {
        TopologyVcpu *cpu = v->value;
        bool changed = v == info->vcpus;
        unsigned int d = 0;

        for (l = info->levels; l; l = l->next, d++) {
            int64_t id = topology_props_id(cpu->props, l->value->level);

            changed |= id != last[d];
            last[d] = id;
            if (!l->next) {
                monitor_printf(mon, "%*s%s %" PRId64 ": cpu %" PRId64
                               " arch-id 0x%" PRIx64, 2 * d, "",
                               CpuTopologyLevel_str(l->value->level), id,
                               cpu->cpu_index, cpu->arch_id);
                if (cpu->props->has_node_id) {
                    monitor_printf(mon, " node %" PRId64,
                                   cpu->props->node_id);
                }
                monitor_printf(mon, "%s\n",
                               cpu->present ? "" : " (not present)");
            } else if (changed) {
                monitor_printf(mon, "%*s%s %" PRId64 "\n", 2 * d, "",
                               CpuTopologyLevel_str(l->value->level), id);
            }
        }
    }
    g_free(last);
}

static void hmp_topology_nodes(Monitor *mon, TopologyInfo *info)
{
    TopologyNumaNodeList *n;

    for (n = info->numa_nodes; n; n = n->next) {
        TopologyNumaNode *node = n->value;
        intList *i;

        monitor_printf(mon, "node %" PRId64 ": %" PRIu64 " MiB, cpus",
                       node->node_id, node->mem_size >> 20);
        for (i = node->cpus; i; i = i->next) {
            monitor_printf(mon, " %" PRId64, i->value);
        }
        if (node->has_distances) {
            monitor_printf(mon, ", distances");
            for (i = node->distances; i; i = i->next) {
                monitor_printf(mon, " %" PRId64, i->value);
            }
        }
        monitor_printf(mon, "\n");
    }
}

void hmp_info_topology(Monitor *mon, const QDict *qdict)
{
    Error *err = NULL;
    g_autoptr(TopologyInfo) info = qmp_query_topology(&err);
    TopologyLevelList *l;
    TopologyFindingList *f;

    if (hmp_handle_error(mon, err)) {
        return;
    }

    monitor_printf(mon, "topology:");
    for (l = info->levels; l; l = l->next) {
        monitor_printf(mon, " %" PRId64 " %s%s%s", l->value->count,
                       CpuTopologyLevel_str(l->value->level),
                       l->value->count == 1 ? "" : "s",
                       l->next ? " x" : "");
    }
    monitor_printf(mon, " (%" PRId64 " present, %" PRId64 " possible)\n",
                   info->cpus, info->max_cpus);
    hmp_topology_tree(mon, info);
    hmp_topology_nodes(mon, info);
    for (f = info->findings; f; f = f->next) {
        monitor_printf(mon, "%s: %s [%s]\n",
                       TopologyFindingSeverity_str(f->value->severity),
                       f->value->message, f->value->rule);
    }
}
