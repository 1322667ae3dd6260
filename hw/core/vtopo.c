/*
 * vtopo: one model of a virtual machine's CPU topology and NUMA layout
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/vtopo.h"

static const char *const vtopo_level_names[VTOPO_LEVEL__MAX] = {
    [VTOPO_LEVEL_THREAD] = "thread",
    [VTOPO_LEVEL_CORE] = "core",
    [VTOPO_LEVEL_MODULE] = "module",
    [VTOPO_LEVEL_CLUSTER] = "cluster",
    [VTOPO_LEVEL_DIE] = "die",
    [VTOPO_LEVEL_SOCKET] = "socket",
    [VTOPO_LEVEL_BOOK] = "book",
    [VTOPO_LEVEL_DRAWER] = "drawer",
};

const char *vtopo_level_name(VTopoLevel level)
{
    g_assert(level < VTOPO_LEVEL__MAX);
    return vtopo_level_names[level];
}

unsigned int vtopo_shape_cpus_per(const VTopoShape *shape, VTopoLevel level)
{
    unsigned int n = 1;

    for (VTopoLevel l = VTOPO_LEVEL_THREAD; l < level; l++) {
        n *= shape->count[l];
    }
    return n;
}

unsigned int vtopo_shape_max_cpus(const VTopoShape *shape)
{
    return vtopo_shape_cpus_per(shape, VTOPO_LEVEL__MAX);
}

void vtopo_shape_ids_from_index(const VTopoShape *shape, unsigned int index,
                                int id[VTOPO_LEVEL__MAX])
{
    for (VTopoLevel l = VTOPO_LEVEL_THREAD; l < VTOPO_LEVEL__MAX; l++) {
        if (shape->supported[l]) {
            id[l] = index % shape->count[l];
        } else {
            id[l] = VTOPO_ID_NONE;
        }
        index /= shape->count[l];
    }
}

VTopo *vtopo_new(const VTopoShape *shape, unsigned int nr_nodes)
{
    VTopo *topo = g_new0(VTopo, 1);

    topo->shape = *shape;
    topo->nr_cpus = vtopo_shape_max_cpus(shape);
    topo->cpus = g_new0(VTopoCpu, topo->nr_cpus);
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        VTopoCpu *cpu = &topo->cpus[i];

        cpu->index = i;
        vtopo_shape_ids_from_index(shape, i, cpu->id);
        cpu->node = VTOPO_NODE_NONE;
        cpu->present = i < shape->cpus;
    }
    topo->nr_nodes = nr_nodes;
    topo->nodes = g_new0(VTopoNode, nr_nodes);
    for (unsigned int n = 0; n < nr_nodes; n++) {
        topo->nodes[n].distance = g_new0(uint8_t, nr_nodes);
    }
    return topo;
}

void vtopo_free(VTopo *topo)
{
    if (!topo) {
        return;
    }
    for (unsigned int n = 0; n < topo->nr_nodes; n++) {
        g_free(topo->nodes[n].distance);
    }
    g_free(topo->nodes);
    g_free(topo->cpus);
    g_free(topo);
}

/* The id of @cpu at @level, with a level the machine lacks counting as 0. */
static int vtopo_cpu_level_id(const VTopoCpu *cpu, VTopoLevel level)
{
    return cpu->id[level] == VTOPO_ID_NONE ? 0 : cpu->id[level];
}

int vtopo_cpu_domain(const VTopo *topo, const VTopoCpu *cpu, VTopoLevel level)
{
    int domain = 0;

    for (int l = VTOPO_LEVEL__MAX - 1; l >= (int)level; l--) {
        int id = vtopo_cpu_level_id(cpu, l);

        if (id < 0 || id >= (int)topo->shape.count[l]) {
            return -1;
        }
        domain = domain * topo->shape.count[l] + id;
    }
    return domain;
}

static void G_GNUC_PRINTF(4, 5)
vtopo_add_finding(GArray *findings, const char *rule, VTopoSeverity severity,
                  const char *fmt, ...)
{
    VTopoFinding f = { .rule = rule, .severity = severity };
    va_list ap;

    va_start(ap, fmt);
    f.message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_array_append_val(findings, f);
}

static void vtopo_finding_clear(gpointer data)
{
    VTopoFinding *f = data;

    g_free(f->message);
}

GArray *vtopo_validate(const VTopo *topo)
{
    GArray *findings = g_array_new(false, true, sizeof(VTopoFinding));
    unsigned int nr_threads = topo->nr_cpus;
    g_autofree int *owner = g_new(int, nr_threads);

    g_array_set_clear_func(findings, vtopo_finding_clear);
    for (unsigned int i = 0; i < nr_threads; i++) {
        owner[i] = -1;
    }

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        bool in_range = true;
        int thread;

        for (VTopoLevel l = VTOPO_LEVEL_THREAD; l < VTOPO_LEVEL__MAX; l++) {
            int id = cpu->id[l];

            if (!topo->shape.supported[l]) {
                continue;
            }
            if (id < 0 || id >= (int)topo->shape.count[l]) {
                vtopo_add_finding(findings, "cpu-id-range",
                                  VTOPO_SEVERITY_ERROR,
                                  "CPU %u: %s-id %d is outside 0..%u",
                                  cpu->index, vtopo_level_name(l), id,
                                  topo->shape.count[l] - 1);
                in_range = false;
            }
        }
        if (cpu->node != VTOPO_NODE_NONE &&
            (cpu->node < 0 || cpu->node >= (int)topo->nr_nodes)) {
            vtopo_add_finding(findings, "cpu-node-range", VTOPO_SEVERITY_ERROR,
                              "CPU %u: node-id %d does not exist "
                              "(the machine has %u nodes)",
                              cpu->index, cpu->node, topo->nr_nodes);
        }
        if (topo->nr_nodes && cpu->node == VTOPO_NODE_NONE) {
            vtopo_add_finding(findings, "cpu-node-missing",
                              VTOPO_SEVERITY_ERROR,
                              "CPU %u belongs to no NUMA node", cpu->index);
        }
        if (!in_range) {
            continue;
        }
        thread = vtopo_cpu_domain(topo, cpu, VTOPO_LEVEL_THREAD);
        if (owner[thread] >= 0) {
            vtopo_add_finding(findings, "cpu-id-unique", VTOPO_SEVERITY_ERROR,
                              "CPUs %d and %u have the same topology ids",
                              owner[thread], cpu->index);
        } else {
            owner[thread] = cpu->index;
        }
    }
    return findings;
}

void vtopo_findings_free(GArray *findings)
{
    g_array_unref(findings);
}

void vtopo_format_cpulist(GString *out, const unsigned int *cpus,
                          unsigned int n)
{
    unsigned int i = 0;

    while (i < n) {
        unsigned int j = i;

        while (j + 1 < n && cpus[j + 1] == cpus[j] + 1) {
            j++;
        }
        g_string_append_printf(out, "%s%u", i ? "," : "", cpus[i]);
        if (j > i) {
            g_string_append_printf(out, "-%u", cpus[j]);
        }
        i = j + 1;
    }
}
