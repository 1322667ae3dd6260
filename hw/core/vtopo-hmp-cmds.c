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
#include "hw/boards.h"
#include "hw/core/vtopo-machine.h"

/* The levels of @topo into @levels, outermost first; returns how many. */
static unsigned int hmp_topology_levels(const VTopo *topo,
                                        CpuTopologyLevel levels[VTOPO_LEVELS])
{
    unsigned int depth = 0;

    for (int l = VTOPO_LEVELS - 1; l >= CPU_TOPOLOGY_LEVEL_THREAD; l--) {
        if (topo->shape.supported[l]) {
            levels[depth++] = l;
        }
    }
    return depth;
}

static void hmp_topology_tree(Monitor *mon, const VTopo *topo)
{
    CpuTopologyLevel levels[VTOPO_LEVELS];
    unsigned int depth = hmp_topology_levels(topo, levels);
    int last[VTOPO_LEVELS] = { 0 };

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        bool changed = i == 0;

        for (unsigned int d = 0; d < depth; d++) {
            const char *name = CpuTopologyLevel_str(levels[d]);
            int id = cpu->id[levels[d]];

            changed |= id != last[d];
            last[d] = id;
            if (d + 1 == depth) {
                monitor_printf(mon, "%*s%s %d: cpu %u arch-id 0x%" PRIx64,
                               2 * d, "", name, id, cpu->index, cpu->arch_id);
                if (cpu->node != VTOPO_NODE_NONE) {
                    monitor_printf(mon, " node %d", cpu->node);
                }
                monitor_printf(mon, "%s\n",
                               cpu->present ? "" : " (not present)");
            } else if (changed) {
                monitor_printf(mon, "%*s%s %d\n", 2 * d, "", name, id);
            }
        }
    }
}

static void hmp_topology_nodes(Monitor *mon, const VTopo *topo,
                               TopologyInfo *info)
{
    TopologyNumaNodeList *n;

    for (n = info->numa_nodes; n; n = n->next) {
        TopologyNumaNode *node = n->value;
        g_autoptr(GArray) cpus = g_array_new(false, false, sizeof(unsigned));
        g_autoptr(GString) cpulist = g_string_new("");
        intList *d;

        for (unsigned int i = 0; i < topo->nr_cpus; i++) {
            if (topo->cpus[i].node == node->node_id) {
                g_array_append_val(cpus, topo->cpus[i].index);
            }
        }
        vtopo_format_cpulist(cpulist, (unsigned int *)cpus->data, cpus->len);
        monitor_printf(mon, "node %" PRId64 ": %" PRIu64 " MiB, cpus %s",
                       node->node_id, node->mem_size >> 20,
                       cpus->len ? cpulist->str : "none");
        if (node->has_distances) {
            monitor_printf(mon, ", distances");
            for (d = node->distances; d; d = d->next) {
                monitor_printf(mon, " %" PRId64, d->value);
            }
        }
        monitor_printf(mon, "\n");
    }
}

static void hmp_topology_caches(Monitor *mon, TopologyInfo *info)
{
    TopologyCacheList *c;

    for (c = info->caches; c; c = c->next) {
        TopologyCache *cache = c->value;

        monitor_printf(mon, "cache %s: %" PRIu64 " KiB, %" PRIu32 " ways, "
                       "%" PRIu32 "-byte lines, %" PRIu32 " sets, %s, "
                       "shared per %s%s (%" PRId64 " instance%s)\n",
                       CacheLevelAndType_str(cache->cache),
                       cache->size >> 10, cache->ways, cache->line_size,
                       cache->sets,
                       cache->inclusive ? "inclusive" : "non-inclusive",
                       CpuTopologyLevel_str(cache->topology),
                       cache->per_node ? " and NUMA node" : "",
                       cache->instances,
                       cache->instances == 1 ? "" : "s");
    }
}

static void hmp_topology_findings(Monitor *mon, TopologyFindingList *f)
{
    for (; f; f = f->next) {
        monitor_printf(mon, "%s: %s [%s]\n",
                       TopologyFindingSeverity_str(f->value->severity),
                       f->value->message,
                       TopologyRule_str(f->value->rule));
    }
}

/* Where the vCPUs run: one line per vCPU, then the placement findings. */
static void hmp_topology_host(Monitor *mon, TopologyHost *host)
{
    TopologyHostVcpuList *v;

    monitor_printf(mon, "host: vcpu-affinity=%s core-sched=%s%s\n",
                   VcpuAffinity_str(host->vcpu_affinity),
                   VcpuCoreSched_str(host->core_sched),
                   host->simulated ? " (simulated)" : "");
    for (v = host->vcpus; v; v = v->next) {
        g_autoptr(GArray) cpus = g_array_new(false, false, sizeof(unsigned));
        g_autoptr(GString) cpulist = g_string_new("");
        intList *i;

        for (i = v->value->host_cpus; i; i = i->next) {
            unsigned int cpu = i->value;

            g_array_append_val(cpus, cpu);
        }
        vtopo_format_cpulist(cpulist, (unsigned int *)cpus->data, cpus->len);
        monitor_printf(mon, "  cpu %" PRId64 ": host cpus %s",
                       v->value->cpu_index, cpulist->str);
        if (v->value->has_source) {
            monitor_printf(mon, " (%s)",
                           TopologyPlacementSource_str(v->value->source));
        }
        if (v->value->has_planned) {
            monitor_printf(mon, ", planned %" PRId64, v->value->planned);
        }
        if (v->value->cpuset) {
            monitor_printf(mon, ", cpuset %s", v->value->cpuset);
        }
        if (v->value->has_thread_id) {
            monitor_printf(mon, ", thread %" PRId64, v->value->thread_id);
        }
        monitor_printf(mon, "\n");
    }
    hmp_topology_findings(mon, host->findings);
    monitor_printf(mon, "placement now:%s\n",
                   host->placement ? "" : " no findings");
    hmp_topology_findings(mon, host->placement);
    if (host->last_check) {
        monitor_printf(mon, "placement at %s:%s\n",
                       TopologyPlacementMoment_str(host->last_check->moment),
                       host->last_check->findings ? "" : " no findings");
        hmp_topology_findings(mon, host->last_check->findings);
    }
    if (host->mirror) {
        strList *n;

        monitor_printf(mon, "mirror-host: %s\n",
                       host->mirror->placement_only
                       ? "the topology given, placed on the host"
                       : "planned from the host");
        for (n = host->mirror->notes; n; n = n->next) {
            monitor_printf(mon, "  note: %s\n", n->value);
        }
    }
}

void hmp_info_topology(Monitor *mon, const QDict *qdict)
{
    MachineState *ms = MACHINE(qdev_get_machine());
    Error *err = NULL;
    g_autoptr(TopologyInfo) info = qmp_query_topology(&err);
    g_autoptr(TopologyChecks) checks = NULL;
    CpuTopologyLevel levels[VTOPO_LEVELS];
    unsigned int depth, present = 0;

    if (hmp_handle_error(mon, err)) {
        return;
    }
    checks = qmp_query_topology_checks(&err);
    if (hmp_handle_error(mon, err)) {
        return;
    }

    depth = hmp_topology_levels(ms->topology, levels);
    monitor_printf(mon, "topology:");
    for (unsigned int d = 0; d < depth; d++) {
        unsigned int count = ms->topology->shape.count[levels[d]];

        monitor_printf(mon, " %u %s%s%s", count,
                       CpuTopologyLevel_str(levels[d]),
                       count == 1 ? "" : "s", d + 1 < depth ? " x" : "");
    }
    for (unsigned int i = 0; i < ms->topology->nr_cpus; i++) {
        present += ms->topology->cpus[i].present;
    }
    monitor_printf(mon, " (%u present, %u possible)\n", present,
                   ms->topology->nr_cpus);
    hmp_topology_tree(mon, ms->topology);
    hmp_topology_nodes(mon, ms->topology, info);
    hmp_topology_caches(mon, info);
    hmp_topology_findings(mon, checks->findings);
    if (checks->host) {
        hmp_topology_host(mon, checks->host);
    }
}
