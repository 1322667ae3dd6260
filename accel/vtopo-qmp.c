/*
 * QMP query-topology-checks: where the vCPUs and guest memory are placed on
 * the host
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/boards.h"
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

static TopologyPlacementSource
topology_placement_source(VTopoPlacementSource source)
{
    switch (source) {
    case VTOPO_SOURCE_QEMU:
        return TOPOLOGY_PLACEMENT_SOURCE_QEMU;
    case VTOPO_SOURCE_INHERITED:
        return TOPOLOGY_PLACEMENT_SOURCE_INHERITED;
    default:
        return TOPOLOGY_PLACEMENT_SOURCE_EXTERNAL;
    }
}

/*
 * The vCPUs that are pinned now (@ap) or that QEMU plans to pin: a
 * vCPU that may run on every host CPU is left out, so that the reply
 * is bounded by what is pinned.
 */
static TopologyHostVcpuList *topology_host_vcpus(const AccelVcpuPinning *p,
                                                 const AccelPlacement *ap)
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
        const VTopoThreadPlacement *tp = ap->threads[i];
        int planned = p->plan ? p->plan[i] : VTOPO_PIN_NONE;
        TopologyHostVcpu *v;

        if (!ap->placement->cpus[i] && planned == VTOPO_PIN_NONE) {
            continue;
        }
        v = g_new0(TopologyHostVcpu, 1);
        v->cpu_index = i;
        v->has_thread_id = cpus[i] != NULL;
        v->thread_id = cpus[i] ? cpus[i]->thread_id : 0;
        if (tp) {
            const VTopoThreadPlacement *init = p->at_init
                                               ? p->at_init->threads[i] : NULL;
            const GArray *at_init = init ? init->cpus : NULL;
            VTopoPlacementSource source = vtopo_placement_source(
                tp->cpus, p->unpinned, p->simulated ? VTOPO_PIN_NONE : planned,
                at_init);

            v->host_cpus = topology_int_list((unsigned int *)tp->cpus->data,
                                             tp->cpus->len);

            v->has_source = source != VTOPO_SOURCE_UNPINNED;
            v->source = topology_placement_source(source);
            v->cpuset = g_strdup(tp->cpuset);
            if (tp->cpuset_cpus) {
                v->has_cpuset_cpus = true;
                v->cpuset_cpus = topology_int_list(
                    (unsigned int *)tp->cpuset_cpus->data,
                    tp->cpuset_cpus->len);
            }
        }
        v->has_planned = planned != VTOPO_PIN_NONE;
        v->planned = planned;
        QAPI_LIST_APPEND(tail, v);
    }
    return head;
}

/* The host nodes that the vCPUs of virtual node @n may run on now. */
static intList *topology_cpu_host_nodes(const AccelVcpuPinning *p,
                                        const AccelPlacement *ap,
                                        unsigned int n)
{
    intList *head = NULL, **tail = &head;
    g_autofree bool *seen = g_new0(bool, VTOPO_HOST_MAX_NODES);

    for (unsigned int v = 0; v < ap->nr_cpus; v++) {
        const GArray *cpus = ap->placement->cpus[v];

        if (!cpus || p->topo->cpus[v].node != (int)n) {
            continue;
        }
        for (guint i = 0; i < cpus->len; i++) {
            unsigned int cpu = g_array_index(cpus, unsigned int, i);
            int host_node;

            if (cpu >= p->host->nr_cpus) {
                continue;
            }
            host_node = p->host->cpus[cpu].node;
            if (host_node >= 0 && host_node < VTOPO_HOST_MAX_NODES &&
                !seen[host_node]) {
                seen[host_node] = true;
                QAPI_LIST_APPEND(tail, host_node);
            }
        }
    }
    return head;
}

static TopologyHostNodeList *topology_host_nodes(const AccelVcpuPinning *p,
                                                 const AccelPlacement *ap)
{
    TopologyHostNodeList *head = NULL, **tail = &head;

    for (unsigned int n = 0; n < p->nr_nodes; n++) {
        TopologyHostNode *node = g_new0(TopologyHostNode, 1);

        node->node_id = n;
        node->policy = p->node_policy[n];
        node->host_nodes =
            topology_int_list((unsigned int *)p->node_memory[n]->data,
                              p->node_memory[n]->len);
        node->cpu_host_nodes = p->host ? topology_cpu_host_nodes(p, ap, n)
                                       : NULL;
        QAPI_LIST_APPEND(tail, node);
    }
    return head;
}

static TopologyMirror *topology_mirror(const AccelVcpuMirror *m)
{
    TopologyMirror *mirror;
    strList **notes;

    if (!m || !m->options) {
        return NULL;
    }
    mirror = g_new0(TopologyMirror, 1);
    mirror->placement_only = m->placement_only;
    notes = &mirror->notes;
    for (guint i = 0; i < m->notes->len; i++) {
        QAPI_LIST_APPEND(notes, g_strdup(g_ptr_array_index(m->notes, i)));
    }
    return mirror;
}

TopologyHost *accel_query_topology_host(MachineState *ms, const VTopo *topo)
{
    AccelVcpuPinning *p = ms->vcpu_pinning;
    g_autoptr(AccelPlacement) ap = NULL;
    GArray *now;
    TopologyHost *host;

    if (!p || (!p->checked && !p->watch)) {
        return NULL;
    }
    /* The placement may have changed under QEMU: read it again. */
    ap = accel_placement_read(p);
    now = p->watch ? accel_placement_check(p, ap, NULL) : vtopo_findings_new();
    host = g_new0(TopologyHost, 1);
    host->vcpu_affinity = p->affinity;
    host->core_sched = p->core_sched;
    host->simulated = p->simulated;
    /* The host is read once something is pinned. */
    host->has_smt = p->host != NULL;
    host->smt = p->host && p->host->smt;
    host->vcpus = topology_host_vcpus(p, ap);
    host->numa_nodes = topology_host_nodes(p, ap);
    host->findings = p->findings ? vtopo_findings_to_qapi(p->findings) : NULL;
    host->placement = vtopo_findings_to_qapi(now);
    vtopo_findings_free(now);
    if (p->last_findings) {
        host->last_check = g_new0(TopologyPlacementCheck, 1);
        host->last_check->moment = p->last_moment;
        host->last_check->findings = vtopo_findings_to_qapi(p->last_findings);
    }
    host->mirror = topology_mirror(ms->vcpu_mirror);
    return host;
}
