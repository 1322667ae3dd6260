/*
 * QMP query-topology: where the accelerator placed the vCPUs and guest
 * memory on the host
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/accel.h"
#include "accel/accel-ops.h"
#include "hw/core/cpu.h"
#include "hw/core/vtopo-qmp.h"
#include "accel/vtopo-qmp.h"
#include "vtopo-mirror-internal.h"
#include "vtopo-pin-internal.h"

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

    if (!m || !m->options) {
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

TopologyHost *accel_query_topology_host(AccelState *accel, const VTopo *topo)
{
    const AccelVcpuPinning *p = accel->pinning;
    TopologyHost *host;

    if (!p || !p->checked) {
        return NULL;
    }
    host = g_new0(TopologyHost, 1);
    host->vcpu_affinity = p->affinity;
    host->core_sched = p->core_sched;
    host->simulated = p->simulated;
    host->smt = p->host->smt;
    host->vcpus = topology_host_vcpus(p);
    host->numa_nodes = topology_host_nodes(p, topo);
    host->findings = vtopo_findings_to_qapi(p->findings);
    host->mirror = topology_mirror(accel->mirror);
    return host;
}
