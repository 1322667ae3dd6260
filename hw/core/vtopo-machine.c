/*
 * vtopo: the topology model of a running machine
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"
#include "hw/core/sysemu-cpu-ops.h"
#include "hw/core/vtopo-machine.h"
#include "system/numa.h"

static VTopoShape machine_vtopo_shape(MachineState *ms)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    const CpuTopology *smp = &ms->smp;
    VTopoShape shape = {
        .count = {
            [CPU_TOPOLOGY_LEVEL_THREAD] = smp->threads,
            [CPU_TOPOLOGY_LEVEL_CORE] = smp->cores,
            [CPU_TOPOLOGY_LEVEL_MODULE] = smp->modules,
            [CPU_TOPOLOGY_LEVEL_CLUSTER] = smp->clusters,
            [CPU_TOPOLOGY_LEVEL_DIE] = smp->dies,
            [CPU_TOPOLOGY_LEVEL_SOCKET] = smp->sockets,
            [CPU_TOPOLOGY_LEVEL_BOOK] = smp->books,
            [CPU_TOPOLOGY_LEVEL_DRAWER] = smp->drawers,
        },
        .supported = {
            [CPU_TOPOLOGY_LEVEL_THREAD] = true,
            [CPU_TOPOLOGY_LEVEL_CORE] = true,
            [CPU_TOPOLOGY_LEVEL_MODULE] = mc->smp_props.modules_supported,
            [CPU_TOPOLOGY_LEVEL_CLUSTER] = mc->smp_props.clusters_supported,
            [CPU_TOPOLOGY_LEVEL_DIE] = mc->smp_props.dies_supported,
            [CPU_TOPOLOGY_LEVEL_SOCKET] = true,
            [CPU_TOPOLOGY_LEVEL_BOOK] = mc->smp_props.books_supported,
            [CPU_TOPOLOGY_LEVEL_DRAWER] = mc->smp_props.drawers_supported,
        },
        .cpus = smp->cpus,
    };

    return shape;
}

/*
 * Each level's id in CpuInstanceProperties, the form in which machines
 * describe their possible CPUs.
 */
#define VTOPO_LEVEL_PROPS(field) {                                  \
    .has_id = offsetof(CpuInstanceProperties, has_##field),         \
    .id = offsetof(CpuInstanceProperties, field),                   \
}

static const struct {
    size_t has_id;
    size_t id;
} vtopo_level_props[VTOPO_LEVELS] = {
    [CPU_TOPOLOGY_LEVEL_THREAD] = VTOPO_LEVEL_PROPS(thread_id),
    [CPU_TOPOLOGY_LEVEL_CORE] = VTOPO_LEVEL_PROPS(core_id),
    [CPU_TOPOLOGY_LEVEL_MODULE] = VTOPO_LEVEL_PROPS(module_id),
    [CPU_TOPOLOGY_LEVEL_CLUSTER] = VTOPO_LEVEL_PROPS(cluster_id),
    [CPU_TOPOLOGY_LEVEL_DIE] = VTOPO_LEVEL_PROPS(die_id),
    [CPU_TOPOLOGY_LEVEL_SOCKET] = VTOPO_LEVEL_PROPS(socket_id),
    [CPU_TOPOLOGY_LEVEL_BOOK] = VTOPO_LEVEL_PROPS(book_id),
    [CPU_TOPOLOGY_LEVEL_DRAWER] = VTOPO_LEVEL_PROPS(drawer_id),
};

/* The id of @props at @level: returns false if @props has none. */
static bool vtopo_props_get_id(const CpuInstanceProperties *props,
                               CpuTopologyLevel level, int64_t *id)
{
    const char *base = (const char *)props;

    if (!*(const bool *)(base + vtopo_level_props[level].has_id)) {
        return false;
    }
    *id = *(const int64_t *)(base + vtopo_level_props[level].id);
    return true;
}

/*
 * @vcpu from @arch, before any vCPU exists: it is present once it is
 * created (machine_vtopo_set_present()), whether by the board or by
 * device_add.
 */
static void machine_vtopo_cpu(VTopo *topo, VTopoCpu *vcpu,
                              const CPUArchId *arch)
{
    const VTopoShape *s = &topo->shape;

    vcpu->arch_id = arch->arch_id;
    vcpu->present = false;
    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_THREAD; l < VTOPO_LEVELS;
         l++) {
        int64_t id;

        if (!s->supported[l]) {
            vcpu->id[l] = VTOPO_ID_NONE;
        } else if (vtopo_props_get_id(&arch->props, l, &id)) {
            vcpu->id[l] = id;
        } else {
            /*
             * Machines leave out the ids of levels with a count of 1
             * (x86 omits die-id with dies=1): those are 0.
             */
            vcpu->id[l] = s->count[l] == 1 ? 0 : VTOPO_ID_NONE;
        }
    }
    vcpu->node = arch->props.has_node_id ? arch->props.node_id
                                          : VTOPO_NODE_NONE;
}

/*
 * The cache of each QAPI CacheLevelAndType, innermost first: the order
 * of VTopo.caches.
 */
static const struct {
    unsigned int level;
    VTopoCacheType type;
} vtopo_cache_kinds[CACHE_LEVEL_AND_TYPE__MAX] = {
    [CACHE_LEVEL_AND_TYPE_L1D] = { 1, VTOPO_CACHE_DATA },
    [CACHE_LEVEL_AND_TYPE_L1I] = { 1, VTOPO_CACHE_INSTRUCTION },
    [CACHE_LEVEL_AND_TYPE_L2] = { 2, VTOPO_CACHE_UNIFIED },
    [CACHE_LEVEL_AND_TYPE_L3] = { 3, VTOPO_CACHE_UNIFIED },
};

CacheLevelAndType vtopo_cache_to_qapi(const VTopoCache *cache)
{
    for (int i = 0; i < CACHE_LEVEL_AND_TYPE__MAX; i++) {
        if (vtopo_cache_kinds[i].level == cache->level &&
            vtopo_cache_kinds[i].type == cache->type) {
            return i;
        }
    }
    g_assert_not_reached();
}

VTopoCache vtopo_cache_from_qapi(CacheLevelAndType cache)
{
    return (VTopoCache) {
        .level = vtopo_cache_kinds[cache].level,
        .type = vtopo_cache_kinds[cache].type,
    };
}

/* What -machine smp-cache asks of @cache. */
static VTopoCacheRequest vtopo_cache_request(CacheLevelAndType cache,
                                             const SmpCacheProperties *p)
{
    VTopoCacheRequest req = {
        .geometry = vtopo_cache_from_qapi(cache),
        .sharing = p->topology,
    };

    req.geometry.size = p->size;
    req.geometry.ways = p->ways;
    req.geometry.line_size = p->line_size;
    req.geometry.partitions = p->partitions;
    req.geometry.inclusive = p->inclusive;
    req.given = (p->has_size ? VTOPO_CACHE_FIELD_SIZE : 0) |
                (p->has_ways ? VTOPO_CACHE_FIELD_WAYS : 0) |
                (p->has_line_size ? VTOPO_CACHE_FIELD_LINE_SIZE : 0) |
                (p->has_partitions ? VTOPO_CACHE_FIELD_PARTITIONS : 0) |
                (p->has_inclusive ? VTOPO_CACHE_FIELD_INCLUSIVE : 0);
    return req;
}

/*
 * The caches that @cpu, a vCPU of @ms not realized, describes with what
 * -machine smp-cache asks, innermost first, into @caches; returns how
 * many, or -1 with @errp set when smp-cache asks what @cpu cannot
 * describe.  With @check_nesting, the levels that share them, and those
 * smp-cache gives for caches @cpu lacks, must also nest as QEMU requires
 * (machine_check_cache_topo_levels()).
 */
static int machine_vtopo_cpu_caches(MachineState *ms, CPUState *cpu,
                                    bool check_nesting,
                                    VTopoSharedCache *caches, Error **errp)
{
    const SysemuCPUOps *ops = CPU_GET_CLASS(cpu)->sysemu_ops;
    CpuTopologyLevel sharing[CACHE_LEVEL_AND_TYPE__MAX];
    VTopoCpuCaches desc = { 0 };
    int n = 0;

    QEMU_BUILD_BUG_ON(CACHE_LEVEL_AND_TYPE__MAX != VTOPO_MAX_CACHES);
    if (!ops->vtopo_cpu_caches(cpu, &desc, errp)) {
        return -1;
    }
    /* What the guest would not see is refused on new machine types */
    desc.sharing_needs_cache = MACHINE_GET_CLASS(ms)->topology_check_strict;
    for (int i = 0; i < CACHE_LEVEL_AND_TYPE__MAX; i++) {
        VTopoCacheRequest req = vtopo_cache_request(i,
                                                    &ms->smp_cache.props[i]);
        g_autofree char *reason = NULL;

        switch (vtopo_cache_resolve(&desc, i, &req, &caches[n], &reason)) {
        case -1:
            error_setg(errp, "smp-cache %s: %s", CacheLevelAndType_str(i),
                       reason);
            return -1;
        case 1:
            sharing[i] = caches[n++].sharing;
            break;
        default:
            /* A cache the vCPUs lack: only a level smp-cache gives */
            sharing[i] = req.sharing;
            break;
        }
    }
    if (check_nesting && !machine_check_cache_topo_levels(sharing, errp)) {
        return -1;
    }
    return n;
}

bool machine_vtopo_resolve_caches(MachineState *ms, bool llc_follows_nodes,
                                  Error **errp)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    CPUClass *cc = CPU_CLASS(object_class_by_name(ms->cpu_type));
    VTopoSharedCache caches[VTOPO_MAX_CACHES];
    const VTopoSharedCache *llc;
    g_autoptr(Object) probe = NULL;
    int n;

    if (!ms->topology || !cc->sysemu_ops->vtopo_cpu_caches) {
        return true;
    }
    /* A vCPU of the machine's model, with its -cpu and -global options */
    probe = object_new(ms->cpu_type);
    n = machine_vtopo_cpu_caches(ms, CPU(probe), mc->smp_props.has_caches,
                                 caches, errp);
    if (n < 0) {
        return false;
    }
    vtopo_set_caches(ms->topology, caches, n);
    llc = vtopo_llc(ms->topology);
    /* Only where the user did not place it */
    if (llc_follows_nodes && llc &&
        !(llc->given & VTOPO_CACHE_FIELD_SHARING)) {
        vtopo_llc_follow_nodes(ms->topology);
    }
    return true;
}

bool machine_vtopo_check_cpu_caches(MachineState *ms, CPUState *cpu,
                                    bool strict, Error **errp)
{
    VTopoSharedCache caches[VTOPO_MAX_CACHES];
    g_autofree char *what = NULL;
    int n;

    if (!ms->topology || !CPU_GET_CLASS(cpu)->sysemu_ops->vtopo_cpu_caches) {
        return true;
    }
    n = machine_vtopo_cpu_caches(ms, cpu, false, caches, errp);
    if (n < 0) {
        return false;
    }
    if (vtopo_same_caches(ms->topology, caches, n, &what)) {
        return true;
    }
    /* Older machine types keep plugging it (and migrating such VMs) */
    return machine_vtopo_cpu_finding(ms, "cpu-caches", strict,
                                     "give it the options of -cpu", errp,
                                     "CPU %s %s %s",
                                     object_get_typename(OBJECT(cpu)),
                                     strict ? "would describe" : "describes",
                                     what);
}

bool machine_vtopo_cpu_finding(MachineState *ms, const char *rule,
                               bool refuse, const char *advice, Error **errp,
                               const char *fmt, ...)
{
    VTopo *topo = ms->topology;
    g_autofree char *message = NULL;
    bool known;
    va_list ap;

    va_start(ap, fmt);
    message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* The same finding of another vCPU: recorded and warned about */
    known = topo && vtopo_has_finding(topo->findings, rule, message);
    if (topo && !known) {
        vtopo_add_finding(topo->findings, rule,
                          refuse ? VTOPO_SEVERITY_ERROR
                                 : VTOPO_SEVERITY_WARNING,
                          "%s", message);
    }
    if (refuse) {
        error_setg(errp, "%s%s%s", message, advice ? "; " : "",
                   advice ?: "");
        return false;
    }
    if (!known) {
        warn_report("%s", message);
    }
    return true;
}

VTopo *machine_vtopo_new(MachineState *ms)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    VTopoShape shape = machine_vtopo_shape(ms);
    unsigned int nr_nodes = ms->numa_state ? ms->numa_state->num_nodes : 0;
    const CPUArchIdList *possible;
    VTopo *topo;

    assert(mc->has_topology_model && mc->possible_cpu_arch_ids);
    possible = mc->possible_cpu_arch_ids(ms);

    topo = vtopo_new(&shape, nr_nodes);
    topo->cpu_hotplug = mc->has_hotpluggable_cpus;
    /* has_topology_model: the possible CPUs are -smp's vCPUs */
    assert(possible->len == topo->nr_cpus);
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

void machine_vtopo_set_present(MachineState *ms, CPUState *cpu, bool present)
{
    VTopo *topo = ms->topology;

    if (!topo) {
        return;
    }
    /*
     * The model lists the possible vCPUs by cpu-index (vtopo_new()).
     * (Not by arch id: under KVM on Arm the MPIDR is the kernel's.)
     */
    assert(cpu->cpu_index >= 0 && cpu->cpu_index < topo->nr_cpus);
    topo->cpus[cpu->cpu_index].present = present;
}

void machine_vtopo_warn_findings(MachineState *ms, guint first)
{
    GArray *findings = ms->topology->findings;

    for (guint i = first; i < findings->len; i++) {
        warn_report("%s", g_array_index(findings, VTopoFinding, i).message);
    }
}
