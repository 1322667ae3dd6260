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
#include "hw/core/vtopo-cache.h"
#include "hw/core/vtopo-emitted.h"
#include "hw/core/vtopo-machine.h"
#include "hw/core/cpu.h"
#include "accel/vtopo-pin.h"
#include "accel/vtopo-mirror-machine.h"

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
        level->level = vtopo_level_to_qapi(l);
        level->count = topo->shape.count[l];
        QAPI_LIST_PREPEND(head, level);
    }
    return head;
}

static CpuInstanceProperties *topology_vcpu_props(const VTopoCpu *cpu)
{
    CpuInstanceProperties *p = g_new0(CpuInstanceProperties, 1);

    for (VTopoLevel l = VTOPO_LEVEL_THREAD; l < VTOPO_LEVEL__MAX; l++) {
        if (cpu->id[l] != VTOPO_ID_NONE) {
            vtopo_props_set_id(p, l, cpu->id[l]);
        }
    }
    p->has_node_id = cpu->node != VTOPO_NODE_NONE;
    p->node_id = cpu->node;
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

static TopologyCacheList *topology_caches(MachineState *ms, const VTopo *topo)
{
    TopologyCacheList *head = NULL, **tail = &head;

    for (int i = 0; i < CACHE_LEVEL_AND_TYPE__MAX; i++) {
        const SmpCacheProperties *p = &ms->smp_cache_effective.props[i];
        TopologyCache *c;
        VTopoLevel sharing;

        if (!p->has_size || !p->has_topology ||
            p->topology == CPU_TOPOLOGY_LEVEL_DEFAULT) {
            continue;
        }
        sharing = vtopo_level_from_qapi(p->topology);
        c = g_new0(TopologyCache, 1);
        c->cache = i;
        c->size = p->size;
        c->ways = p->ways;
        c->line_size = p->line_size;
        c->partitions = p->partitions;
        c->sets = vtopo_cache_sets(&(VTopoCache) {
            .size = p->size, .ways = p->ways, .line_size = p->line_size,
            .partitions = p->partitions,
        });
        c->inclusive = p->inclusive;
        c->sharing = p->topology;
        c->instances = topo->nr_cpus / vtopo_shape_cpus_per(&topo->shape,
                                                             sharing);
        QAPI_LIST_APPEND(tail, c);
    }
    return head;
}

static TopologyAcpiTableList *topology_acpi_tables(MachineState *ms)
{
    TopologyAcpiTableList *head = NULL, **tail = &head;

    for (guint i = 0; ms->vtopo_emitted && i < ms->vtopo_emitted->tables->len;
         i++) {
        const VTopoEmittedTable *e = &g_array_index(ms->vtopo_emitted->tables,
                                                    VTopoEmittedTable, i);
        TopologyAcpiTable *t = g_new0(TopologyAcpiTable, 1);

        t->signature = g_strdup(e->signature);
        t->length = e->length;
        t->sha256 = g_strdup(e->sha256);
        QAPI_LIST_APPEND(tail, t);
    }
    return head;
}

static void topology_append_findings(TopologyFindingList ***tail,
                                     GArray *findings)
{
    for (guint i = 0; i < findings->len; i++) {
        const VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);
        TopologyFinding *tf = g_new0(TopologyFinding, 1);

        tf->rule = g_strdup(f->rule);
        tf->severity = f->severity == VTOPO_SEVERITY_ERROR ?
                       TOPOLOGY_FINDING_SEVERITY_ERROR :
                       TOPOLOGY_FINDING_SEVERITY_WARNING;
        tf->message = g_strdup(f->message);
        QAPI_LIST_APPEND(*tail, tf);
    }
}

/* The model's own findings, then those of its ACPI tables. */
static TopologyFindingList *topology_findings(MachineState *ms,
                                              const VTopo *topo)
{
    TopologyFindingList *head = NULL, **tail = &head;
    GArray *findings = vtopo_validate(topo);

    topology_append_findings(&tail, findings);
    vtopo_findings_free(findings);
    if (ms->vtopo_emitted) {
        topology_append_findings(&tail, ms->vtopo_emitted->findings);
    }
    return head;
}

static intList *topology_int_list(const unsigned int *values, unsigned int n)
{
    intList *head = NULL, **tail = &head;

    for (unsigned int i = 0; i < n; i++) {
        QAPI_LIST_APPEND(tail, values[i]);
    }
    return head;
}

static TopologyHostVcpuList *topology_host_vcpus(const AccelVcpuPinning *p)
{
    TopologyHostVcpuList *head = NULL, **tail = &head;
    g_autofree CPUState **cpus = g_new0(CPUState *, p->nr_cpus);
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (cpu->cpu_index >= 0 && cpu->cpu_index < (int)p->nr_cpus) {
            cpus[cpu->cpu_index] = cpu;
        }
    }
    for (unsigned int i = 0; i < p->nr_cpus; i++) {
        TopologyHostVcpu *v = g_new0(TopologyHostVcpu, 1);

        v->cpu_index = i;
        v->has_thread_id = cpus[i] != NULL;
        v->thread_id = cpus[i] ? cpus[i]->thread_id : 0;
        if (p->plan[i] != VTOPO_PIN_NONE) {
            unsigned int host_cpu = p->plan[i];

            v->host_cpus = topology_int_list(&host_cpu, 1);
        } else {
            v->host_cpus = topology_int_list((unsigned int *)p->allowed->data,
                                             p->allowed->len);
        }
        QAPI_LIST_APPEND(tail, v);
    }
    return head;
}

static TopologyHostNodeList *topology_host_nodes(const AccelVcpuPinning *p,
                                                 const VTopo *topo)
{
    TopologyHostNodeList *head = NULL, **tail = &head;

    for (unsigned int n = 0; n < p->nr_nodes; n++) {
        TopologyHostNode *node = g_new0(TopologyHostNode, 1);
        g_autofree bool *seen = g_new0(bool, VTOPO_HOST_MAX_NODES);
        intList **cpu_nodes = &node->cpu_host_nodes;

        node->node_id = n;
        node->policy = p->node_policy[n];
        node->host_nodes =
            topology_int_list((unsigned int *)p->node_memory[n]->data,
                              p->node_memory[n]->len);
        for (unsigned int i = 0; i < topo->nr_cpus; i++) {
            int host_node;

            if (topo->cpus[i].node != (int)n || p->plan[i] == VTOPO_PIN_NONE) {
                continue;
            }
            host_node = p->host->cpus[p->plan[i]].node;
            if (host_node >= 0 && !seen[host_node]) {
                seen[host_node] = true;
                QAPI_LIST_APPEND(cpu_nodes, host_node);
            }
        }
        QAPI_LIST_APPEND(tail, node);
    }
    return head;
}

static TopologyMirror *topology_mirror(const AccelVcpuMirror *m)
{
    TopologyMirror *mirror;
    TopologyMirrorOptionList **options;
    strList **notes;

    if (!m->options) {
        return NULL;
    }
    mirror = g_new0(TopologyMirror, 1);
    options = &mirror->options;
    notes = &mirror->notes;
    for (guint i = 0; i < m->options->len; i++) {
        const VTopoMirrorOption *o = &g_array_index(m->options,
                                                    VTopoMirrorOption, i);

        TopologyMirrorOption *option = g_new(TopologyMirrorOption, 1);

        option->option = g_strdup(o->option);
        option->value = g_strdup(o->value);
        QAPI_LIST_APPEND(options, option);
    }
    for (guint i = 0; i < m->notes->len; i++) {
        QAPI_LIST_APPEND(notes, g_strdup(g_ptr_array_index(m->notes, i)));
    }
    return mirror;
}

static TopologyHost *topology_host(MachineState *ms, const VTopo *topo)
{
    const AccelVcpuPinning *p = accel_vcpu_pinning(ms->accelerator);
    TopologyHost *host;
    TopologyFindingList **tail;

    if (!p->checked) {
        return NULL;
    }
    host = g_new0(TopologyHost, 1);
    host->vcpu_affinity = p->affinity;
    host->core_sched = p->core_sched;
    host->simulated = p->simulated;
    host->smt = p->host->smt;
    host->vcpus = topology_host_vcpus(p);
    host->numa_nodes = topology_host_nodes(p, topo);
    tail = &host->findings;
    topology_append_findings(&tail, p->findings);
    host->mirror = topology_mirror(accel_vcpu_mirror(ms->accelerator));
    return host;
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
    info->caches = topology_caches(ms, topo);
    info->acpi_tables = topology_acpi_tables(ms);
    info->findings = topology_findings(ms, topo);
    info->host = topology_host(ms, topo);
    return info;
}
