/*
 * vtopo: mirror-host, the machine option that gives the VM the
 * topology, caches and NUMA nodes of the host CPUs it is pinned to
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-builtin-visit.h"
#include "qapi/visitor.h"
#include "qom/object.h"
#include "hw/boards.h"
#include "system/hostmem.h"
#include "system/numa.h"
#include "vtopo-mirror-internal.h"
#include "vtopo-pin-internal.h"

static AccelVcpuMirror *machine_mirror(Object *obj)
{
    return MACHINE(obj)->vcpu_mirror;
}

static bool machine_get_mirror_host(Object *obj, Error **errp)
{
    return machine_mirror(obj)->enabled;
}

static void machine_set_mirror_host(Object *obj, bool value, Error **errp)
{
    machine_mirror(obj)->enabled = value;
}

static int machine_get_mirror_smt(Object *obj, Error **errp)
{
    return machine_mirror(obj)->smt;
}

static void machine_set_mirror_smt(Object *obj, int value, Error **errp)
{
    machine_mirror(obj)->smt = value;
}

static int machine_get_mirror_prefer(Object *obj, Error **errp)
{
    return machine_mirror(obj)->prefer;
}

static void machine_set_mirror_prefer(Object *obj, int value, Error **errp)
{
    machine_mirror(obj)->prefer = value;
}

static void machine_get_mirror_exclude(Object *obj, Visitor *v,
                                       const char *name, void *opaque,
                                       Error **errp)
{
    uint32List *exclude = machine_mirror(obj)->exclude;

    visit_type_uint32List(v, name, &exclude, errp);
}

static void machine_set_mirror_exclude(Object *obj, Visitor *v,
                                       const char *name, void *opaque,
                                       Error **errp)
{
    AccelVcpuMirror *m = machine_mirror(obj);
    uint32List *exclude;

    if (!visit_type_uint32List(v, name, &exclude, errp)) {
        return;
    }
    qapi_free_uint32List(m->exclude);
    m->exclude = exclude;
}

static void machine_get_mirror_max_nodes(Object *obj, Visitor *v,
                                         const char *name, void *opaque,
                                         Error **errp)
{
    uint32_t value = machine_mirror(obj)->max_nodes;

    visit_type_uint32(v, name, &value, errp);
}

static void machine_set_mirror_max_nodes(Object *obj, Visitor *v,
                                         const char *name, void *opaque,
                                         Error **errp)
{
    uint32_t value;

    if (!visit_type_uint32(v, name, &value, errp)) {
        return;
    }
    if (!value) {
        error_setg(errp, "mirror-max-nodes: must be at least 1");
        return;
    }
    machine_mirror(obj)->max_nodes = value;
}

void vcpu_mirror_machine_class_init(ObjectClass *oc)
{
    object_class_property_add_bool(oc, "mirror-host", machine_get_mirror_host,
                                   machine_set_mirror_host);
    object_class_property_set_description(oc, "mirror-host",
        "Give the VM the topology, caches and NUMA nodes of the host CPUs "
        "it is pinned to (vCPUs from -smp, memory from -m)");
    object_class_property_add_enum(oc, "mirror-smt", "OnOffAuto",
                                   &OnOffAuto_lookup,
                                   machine_get_mirror_smt,
                                   machine_set_mirror_smt);
    object_class_property_set_description(oc, "mirror-smt",
        "With mirror-host: SMT threads as on the host (on), none (off), or "
        "when the vCPUs are whole host cores (auto)");
    object_class_property_add(oc, "mirror-max-nodes", "uint32",
                              machine_get_mirror_max_nodes,
                              machine_set_mirror_max_nodes, NULL, NULL);
    object_class_property_set_description(oc, "mirror-max-nodes",
        "With mirror-host: the most host NUMA nodes to use");
    object_class_property_add(oc, "mirror-exclude", "uint32List",
                              machine_get_mirror_exclude,
                              machine_set_mirror_exclude, NULL, NULL);
    object_class_property_set_description(oc, "mirror-exclude",
        "With mirror-host: host CPUs to keep out of the VM "
        "(mirror-exclude.N=CPU)");
    object_class_property_add_enum(oc, "mirror-prefer", "VcpuMirrorPrefer",
                                   &VcpuMirrorPrefer_lookup,
                                   machine_get_mirror_prefer,
                                   machine_set_mirror_prefer);
    object_class_property_set_description(oc, "mirror-prefer",
        "With mirror-host: the fewest host nodes first (nodes) or the "
        "fewest last-level caches first (llc)");
}

void vcpu_mirror_machine_init(MachineState *ms)
{
    ms->vcpu_mirror = g_new0(AccelVcpuMirror, 1);
}

void vcpu_mirror_machine_finalize(MachineState *ms)
{
    AccelVcpuMirror *m = ms->vcpu_mirror;

    qapi_free_uint32List(m->exclude);
    if (m->options) {
        vtopo_mirror_options_free(m->options);
    }
    if (m->notes) {
        g_ptr_array_unref(m->notes);
    }
    g_free(m);
}

bool accel_vcpu_mirror_enabled(MachineState *ms)
{
    return ms->vcpu_mirror && ms->vcpu_mirror->enabled;
}

bool accel_vcpu_mirror_planned_topology(MachineState *ms)
{
    return accel_vcpu_mirror_enabled(ms) && !ms->vcpu_mirror->placement_only;
}

bool accel_vcpu_mirror_placement_only(MachineState *ms)
{
    return accel_vcpu_mirror_enabled(ms) && ms->vcpu_mirror->placement_only;
}

bool accel_host_simulated(void)
{
    return current_machine && current_machine->vcpu_pinning &&
           current_machine->vcpu_pinning->host_sysfs;
}

/*
 * The host CPUs of mirror-exclude, checked against @host; NULL for
 * none.
 */
static GArray *mirror_exclude_cpus(const AccelVcpuMirror *m,
                                   const VTopoHost *host, Error **errp)
{
    GArray *exclude;

    if (!m->exclude) {
        return NULL;
    }
    exclude = g_array_new(false, false, sizeof(unsigned int));
    for (uint32List *l = m->exclude; l; l = l->next) {
        unsigned int cpu = l->value;

        if (cpu >= host->nr_cpus) {
            error_setg(errp, "mirror-exclude: host CPU %u does not exist "
                       "(the last is %u)", cpu, host->nr_cpus - 1);
            g_array_unref(exclude);
            return NULL;
        }
        g_array_append_val(exclude, cpu);
    }
    return exclude;
}

/* The planner's SMT choices are mirror-smt's values. */
QEMU_BUILD_BUG_ON(ON_OFF_AUTO_AUTO != (int)VTOPO_MIRROR_SMT_AUTO ||
                  ON_OFF_AUTO_ON != (int)VTOPO_MIRROR_SMT_ON ||
                  ON_OFF_AUTO_OFF != (int)VTOPO_MIRROR_SMT_OFF);

/*
 * On a migration destination given the source's topology: the options
 * of a placement on @host for the topology of the command line, and
 * the core scheduling it needs.
 */
static GArray *mirror_placement_options(MachineState *ms,
                                        const VTopoHost *host,
                                        GArray *exclude, Error **errp)
{
    AccelVcpuMirror *m = ms->vcpu_mirror;
    AccelVcpuPinning *p = ms->vcpu_pinning;
    bool simulated = p->host_sysfs != NULL;
    g_autofree char *error = NULL;
    VTopoMirrorOption o = { "machine" };
    VTopoCoreSched core_sched;
    const char *why;
    GArray *options;

    if (m->smt != ON_OFF_AUTO_AUTO || m->max_nodes ||
        m->prefer != VCPU_MIRROR_PREFER_NODES) {
        error_setg(errp, "mirror-host: with the topology given (-incoming), "
                   "it plans the placement only; leave out %s",
                   m->smt != ON_OFF_AUTO_AUTO ? "mirror-smt" :
                   m->max_nodes ? "mirror-max-nodes" : "mirror-prefer");
        return NULL;
    }
    m->notes = g_ptr_array_new_with_free_func(g_free);
    if (!vtopo_mirror_core_sched(host, ms->smp.threads, true,
                                 vtopo_host_core_sched(host, simulated, &why),
                                 p->has_core_sched,
                                 (VTopoCoreSched)p->core_sched, &core_sched,
                                 m->notes, &error)) {
        error_setg(errp, "mirror-host: %s", error);
        return NULL;
    }
    p->excluded = exclude ? g_array_ref(exclude) : NULL;
    m->placement_only = true;
    o.value = g_strdup_printf("vcpu-affinity=auto,core-sched=%s",
                              VcpuCoreSched_str((VcpuCoreSched)core_sched));
    options = g_array_new(false, false, sizeof(VTopoMirrorOption));
    g_array_append_val(options, o);
    return options;
}

const GArray *accel_vcpu_mirror_plan(MachineState *ms, bool keep_topology,
                                     Error **errp)
{
    AccelVcpuMirror *m = ms->vcpu_mirror;
    AccelVcpuPinning *p = ms->vcpu_pinning;
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    bool simulated = p->host_sysfs != NULL;
    VTopoHost *host;
    g_autoptr(GArray) allowed = NULL;
    g_autoptr(GArray) untaken = NULL;
    g_autoptr(GArray) exclude = NULL;
    g_autoptr(VTopoMirror) plan = NULL;
    g_autofree char *error = NULL;
    g_autofree char *taken_text = NULL;
    GArray *taken;
    const char *why;
    VTopoMirrorRequest req;

    if (!m->enabled) {
        return NULL;
    }
    if (!mc->has_topology_model) {
        error_setg(errp, "mirror-host: machine type '%s' does not describe "
                   "its CPU topology", mc->name);
        return NULL;
    }
    if (p->affinity != VCPU_AFFINITY_OFF || p->pins) {
        error_setg(errp, "mirror-host: places the vCPUs itself; leave out "
                   "vcpu-affinity and vcpu-pin");
        return NULL;
    }
    /* The pinning set up at machine init uses the same reading. */
    host = p->host = vtopo_host_read(p->host_sysfs ?: "/sys", &error);
    if (!host) {
        error_setg(errp, "%s: cannot read the host topology: %s",
                   simulated ? "x-host-sysfs" : "mirror-host", error);
        return NULL;
    }
    if (m->exclude) {
        exclude = mirror_exclude_cpus(m, host, errp);
        if (!exclude) {
            return NULL;
        }
    }
    if (keep_topology) {
        m->options = mirror_placement_options(ms, host, exclude, errp);
        return m->options;
    }
    allowed = vtopo_host_allowed_cpus(host, simulated, &error);
    if (!allowed) {
        error_setg(errp, "mirror-host: %s", error);
        return NULL;
    }
    /* Other processes' pinned threads (another VM's vCPUs) keep theirs. */
    taken = accel_taken_cpus(p);
    untaken = vtopo_cpus_untaken(allowed, taken);
    taken_text = vtopo_taken_text(taken);
    vtopo_taken_cpus_free(taken);
    req = (VTopoMirrorRequest) {
        .vcpus = ms->smp.cpus,
        .max_vcpus = ms->smp.max_cpus,
        .mem_size = ms->ram_size,
        .allowed = untaken,
        .exclude = exclude,
        .smt = (VTopoMirrorSmt)m->smt,
        .max_nodes = m->max_nodes,
        .llc_first = m->prefer == VCPU_MIRROR_PREFER_LLC,
        .core_sched = vtopo_host_core_sched(host, simulated, &why),
        .has_core_sched_mode = p->has_core_sched,
        .core_sched_mode = (VTopoCoreSched)p->core_sched,
        .cache_fit = mc->vtopo_cache_fit,
    };
    req.supported[CPU_TOPOLOGY_LEVEL_DIE] = mc->smp_props.dies_supported;
    req.supported[CPU_TOPOLOGY_LEVEL_CLUSTER] =
        mc->smp_props.clusters_supported;
    req.supported[CPU_TOPOLOGY_LEVEL_MODULE] = mc->smp_props.modules_supported;
    plan = vtopo_mirror_plan(host, &req, &error);
    if (!plan) {
        error_setg(errp, "mirror-host: %s%s%s", error, taken_text ? "; " : "",
                   taken_text ?: "");
        return NULL;
    }
    if (taken_text) {
        g_ptr_array_add(plan->notes, g_strdup_printf("%s: left out",
                                                     taken_text));
    }
    m->options = vtopo_mirror_qemu_options(plan);
    m->notes = g_ptr_array_ref(plan->notes);
    return m->options;
}

/*
 * The host node all vCPUs of virtual node @node (-1: every vCPU) were
 * placed on, or -1 if none were or they span several.
 */
static int mirror_placed_node(const VTopo *topo, const int *plan,
                              const VTopoHost *host, int node)
{
    int placed = -1;

    for (unsigned int v = 0; v < topo->nr_cpus; v++) {
        int host_node;

        if ((node >= 0 && topo->cpus[v].node != node) ||
            plan[v] == VTOPO_PIN_NONE) {
            continue;
        }
        host_node = host->cpus[plan[v]].node;
        if (host_node < 0 || (placed >= 0 && placed != host_node)) {
            return -1;
        }
        placed = host_node;
    }
    return placed;
}

/*
 * Why mirror-host leaves @backend unbound, or NULL: memory already
 * allocated or shared (with a migration source that maps it too) is
 * not moved after the fact, and huge pages may have none free on the
 * node.  Those the user binds (host-nodes=, policy=bind).
 */
static const char *mirror_unbindable(HostMemoryBackend *backend)
{
    if (backend->share) {
        return "shared";
    }
    if (backend->prealloc) {
        return "preallocated";
    }
    if (host_memory_backend_pagesize(backend) > qemu_real_host_page_size()) {
        return "in huge pages";
    }
    return NULL;
}

/*
 * Bind @backend, the memory of virtual node @node (-1: of a VM without
 * NUMA nodes), to host node @host_node, if it is a backend mirror-host
 * binds and @bound_size more bytes fit there.  False only if binding
 * fails; where it does not bind, it says why in a note.
 */
static bool mirror_bind_backend(MachineState *ms, HostMemoryBackend *backend,
                                int node, unsigned int host_node,
                                uint64_t *bound_size, Error **errp)
{
    AccelVcpuMirror *m = ms->vcpu_mirror;
    const VTopoHost *host = ms->vcpu_pinning->host;
    int index = vtopo_host_node_index(host, host_node);
    uint64_t host_size = index >= 0
        ? g_array_index(host->nodes, VTopoHostNode, index).mem_size : 0;
    uint64_t size = memory_region_size(host_memory_backend_get_memory(
                                           backend));
    g_autofree char *name = host_memory_backend_get_name(backend);
    g_autofree char *what = node >= 0
        ? g_strdup_printf("virtual node %d", node) : g_strdup("the VM");
    const char *why = mirror_unbindable(backend);

    if (why) {
        g_ptr_array_add(m->notes, g_strdup_printf(
            "the memory of %s (memory backend '%s') is %s: not bound; give "
            "it host-nodes=%u,policy=bind", what, name, why, host_node));
        return true;
    }
    if (host_size && *bound_size + size > host_size) {
        g_ptr_array_add(m->notes, g_strdup_printf(
            "the memory of %s (%" PRIu64 " MiB) does not fit in host node "
            "%u (%" PRIu64 " MiB, %" PRIu64 " MiB bound there already), "
            "where its vCPUs run: not bound", what, size >> 20, host_node,
            host_size >> 20, *bound_size >> 20));
        return true;
    }
    if (!host_memory_backend_bind(backend, host_node, errp)) {
        error_prepend(errp, "mirror-host: %s: ", what);
        return false;
    }
    *bound_size += size;
    return true;
}

bool accel_vcpu_mirror_bind_memory(MachineState *ms, const VTopo *topo,
                                   Error **errp)
{
    AccelVcpuMirror *m = ms->vcpu_mirror;
    AccelVcpuPinning *p = ms->vcpu_pinning;
    g_autofree uint64_t *bound = g_new0(uint64_t, VTOPO_HOST_MAX_NODES);
    unsigned int nr_nodes = ms->numa_state ? ms->numa_state->num_nodes : 0;

#ifndef CONFIG_NUMA
    g_ptr_array_add(m->notes, g_strdup("this QEMU cannot bind memory to "
                                       "host nodes (built without NUMA "
                                       "support): the memory is not bound"));
    return true;
#endif
    if (!nr_nodes) {
        int placed = mirror_placed_node(topo, p->plan, p->host, -1);

        if (!ms->memdev || ms->memdev->policy != HOST_MEM_POLICY_DEFAULT ||
            p->task_mempolicy) {
            /* Bound as the user asked (-numa memdev, numactl). */
            return true;
        }
        if (placed < 0) {
            g_ptr_array_add(m->notes, g_strdup(
                "the vCPUs run on several host nodes: the VM's memory is "
                "not bound"));
            return true;
        }
        return mirror_bind_backend(ms, ms->memdev, -1, placed,
                                   &bound[placed], errp);
    }
    for (unsigned int n = 0; n < nr_nodes; n++) {
        HostMemoryBackend *backend = ms->numa_state->nodes[n].node_memdev;
        int placed = mirror_placed_node(topo, p->plan, p->host, n);

        if (!backend || p->node_memory[n]->len) {
            /* No memory of its own, or bound as the user asked. */
            continue;
        }
        if (placed < 0) {
            g_ptr_array_add(m->notes, g_strdup_printf(
                "virtual node %u has no vCPUs, or vCPUs on several host "
                "nodes: its memory is not bound", n));
            continue;
        }
        if (!mirror_bind_backend(ms, backend, n, placed, &bound[placed],
                                 errp)) {
            return false;
        }
        if (backend->policy == HOST_MEM_POLICY_BIND) {
            unsigned int id = placed;

            g_array_append_val(p->node_memory[n], id);
            p->node_policy[n] = HOST_MEM_POLICY_BIND;
        }
    }
    return true;
}
