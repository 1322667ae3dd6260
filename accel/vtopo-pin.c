/*
 * vtopo: vCPU thread placement and core scheduling, for every
 * accelerator
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "qapi/qapi-visit-machine.h"
#include "qapi/visitor.h"
#include "qom/object.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"
#include "hw/core/vtopo-qmp.h"
#include "qapi/qapi-events-vtopo.h"
#include "system/hostmem.h"
#include "system/numa.h"
#include "system/system.h"
#include "accel/vtopo-mirror-machine.h"
#include "vtopo-pin-internal.h"
#include "trace.h"
#ifdef CONFIG_LINUX
#include <sched.h>
#include <sys/prctl.h>
#endif
#ifdef CONFIG_NUMA
#include <numaif.h>
/* The mode flags of include/uapi/linux/mempolicy.h that numaif.h lacks */
#ifndef MPOL_F_STATIC_NODES
#define MPOL_F_STATIC_NODES (1 << 15)
#endif
#ifndef MPOL_F_RELATIVE_NODES
#define MPOL_F_RELATIVE_NODES (1 << 14)
#endif
#ifndef MPOL_F_NUMA_BALANCING
#define MPOL_F_NUMA_BALANCING (1 << 13)
#endif
#endif

static AccelVcpuPinning *machine_pinning(Object *obj)
{
    return MACHINE(obj)->vcpu_pinning;
}

static int machine_get_vcpu_affinity(Object *obj, Error **errp)
{
    return machine_pinning(obj)->affinity;
}

static void machine_set_vcpu_affinity(Object *obj, int value, Error **errp)
{
    machine_pinning(obj)->affinity = value;
}

static int machine_get_pin_check(Object *obj, Error **errp)
{
    return machine_pinning(obj)->check;
}

static void machine_set_pin_check(Object *obj, int value, Error **errp)
{
    machine_pinning(obj)->check = value;
    machine_pinning(obj)->has_check = true;
}

static int machine_get_core_sched(Object *obj, Error **errp)
{
    return machine_pinning(obj)->core_sched;
}

static void machine_set_core_sched(Object *obj, int value, Error **errp)
{
    machine_pinning(obj)->core_sched = value;
    machine_pinning(obj)->has_core_sched = true;
}

static void machine_get_vcpu_pin(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    VcpuPinList *pins = machine_pinning(obj)->pins;

    visit_type_VcpuPinList(v, name, &pins, errp);
}

static void machine_set_vcpu_pin(Object *obj, Visitor *v, const char *name,
                                 void *opaque, Error **errp)
{
    AccelVcpuPinning *p = machine_pinning(obj);
    VcpuPinList *pins;

    if (!visit_type_VcpuPinList(v, name, &pins, errp)) {
        return;
    }
    qapi_free_VcpuPinList(p->pins);
    p->pins = pins;
}

static char *machine_get_host_sysfs(Object *obj, Error **errp)
{
    return g_strdup(machine_pinning(obj)->host_sysfs);
}

static void machine_set_host_sysfs(Object *obj, const char *value,
                                   Error **errp)
{
    AccelVcpuPinning *p = machine_pinning(obj);

    g_free(p->host_sysfs);
    p->host_sysfs = g_strdup(value);
}

void vcpu_pinning_machine_class_init(ObjectClass *oc)
{
    object_class_property_add_enum(oc, "vcpu-affinity", "VcpuAffinity",
                                   &VcpuAffinity_lookup,
                                   machine_get_vcpu_affinity,
                                   machine_set_vcpu_affinity);
    object_class_property_set_description(oc, "vcpu-affinity",
        "Pin the vCPU threads to host CPUs (off, auto, manual)");
    object_class_property_add(oc, "vcpu-pin", "VcpuPinList",
                              machine_get_vcpu_pin, machine_set_vcpu_pin,
                              NULL, NULL);
    object_class_property_set_description(oc, "vcpu-pin",
        "Host CPU of each vCPU with vcpu-affinity=manual: "
        "vcpu-pin.N.vcpu=V,vcpu-pin.N.host-cpu=H");
    object_class_property_add_enum(oc, "pin-check", "VcpuPinCheck",
                                   &VcpuPinCheck_lookup,
                                   machine_get_pin_check,
                                   machine_set_pin_check);
    object_class_property_set_description(oc, "pin-check",
        "Check the vCPU placement against the host (strict, warn, off)");
    object_class_property_add_enum(oc, "core-sched", "VcpuCoreSched",
                                   &VcpuCoreSched_lookup,
                                   machine_get_core_sched,
                                   machine_set_core_sched);
    object_class_property_set_description(oc, "core-sched",
        "Linux core scheduling for the vCPU threads (off, vm, core)");
    object_class_property_add_str(oc, "x-host-sysfs", machine_get_host_sysfs,
                                  machine_set_host_sysfs);
    object_class_property_set_description(oc, "x-host-sysfs",
        "Read the host topology from this sysfs tree and only simulate "
        "the placement (for tests)");
}

void vcpu_pinning_machine_init(MachineState *ms)
{
    ms->vcpu_pinning = g_new0(AccelVcpuPinning, 1);
    ms->vcpu_pinning->check = VCPU_PIN_CHECK_WARN;
}

void vcpu_pinning_machine_finalize(MachineState *ms)
{
    AccelVcpuPinning *p = ms->vcpu_pinning;

    qapi_free_VcpuPinList(p->pins);
    g_free(p->host_sysfs);
    if (p->excluded) {
        g_array_unref(p->excluded);
    }
    vtopo_host_free(p->host);
    if (p->allowed) {
        g_array_unref(p->allowed);
    }
    g_free(p->plan);
    g_free(p->vcore);
    for (unsigned int n = 0; n < p->nr_nodes; n++) {
        if (p->node_memory[n]) {
            g_array_unref(p->node_memory[n]);
        }
    }
    g_free(p->node_memory);
    g_free(p->node_policy);
    g_free(p->core_leader);
    if (p->findings) {
        vtopo_findings_free(p->findings);
    }
    if (p->unpinned) {
        g_array_unref(p->unpinned);
    }
    vtopo_cgroup_mounts_free(p->mounts);
    accel_placement_free(p->at_init);
    accel_placement_free(p->last);
    if (p->last_findings) {
        vtopo_findings_free(p->last_findings);
    }
    g_free(p);
}

/*
 * The memory policy QEMU was started with (numactl --membind, or
 * libvirt's <numatune> where it has no cgroups: it sets it before exec),
 * which guest memory without a policy of its own is allocated under:
 * false for the default policy.  Read in the main thread at machine
 * init, before anything changed it.
 */
static bool accel_task_mempolicy(HostMemPolicy *policy, GArray *nodes)
{
#ifdef CONFIG_NUMA
    /* Wide enough for any kernel's node count (CONFIG_NODES_SHIFT 10). */
    unsigned long mask[1024 / BITS_PER_LONG] = { 0 };
    int mode;

    if (get_mempolicy(&mode, mask, 1024, NULL, 0)) {
        return false;
    }
    switch (mode & ~(MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES |
                     MPOL_F_NUMA_BALANCING)) {
    case MPOL_BIND:
        *policy = HOST_MEM_POLICY_BIND;
        break;
    case MPOL_PREFERRED:
        *policy = HOST_MEM_POLICY_PREFERRED;
        break;
    case MPOL_INTERLEAVE:
        *policy = HOST_MEM_POLICY_INTERLEAVE;
        break;
    default:
        return false;
    }
    for (unsigned long id = find_first_bit(mask, 1024); id < 1024;
         id = find_next_bit(mask, 1024, id + 1)) {
        unsigned int node = id;

        g_array_append_val(nodes, node);
    }
    return true;
#else
    return false;
#endif
}

/*
 * The host nodes each virtual node's memory is bound to: by its memory
 * backend, else by QEMU's task memory policy.
 */
static void accel_node_memory(AccelVcpuPinning *p, MachineState *ms)
{
    g_autoptr(GArray) task_nodes = g_array_new(false, false,
                                               sizeof(unsigned int));
    HostMemPolicy task_policy = HOST_MEM_POLICY_DEFAULT;
    bool has_task = accel_task_mempolicy(&task_policy, task_nodes);

    p->task_mempolicy = has_task;
    p->nr_nodes = ms->numa_state ? ms->numa_state->num_nodes : 0;
    p->node_memory = g_new0(GArray *, p->nr_nodes);
    p->node_policy = g_new0(HostMemPolicy, p->nr_nodes);
    for (unsigned int n = 0; n < p->nr_nodes; n++) {
        HostMemoryBackend *backend = ms->numa_state->nodes[n].node_memdev;
        unsigned long id;

        p->node_memory[n] = g_array_new(false, false, sizeof(unsigned int));
        if (!backend || backend->policy == HOST_MEM_POLICY_DEFAULT) {
            if (has_task) {
                p->node_policy[n] = task_policy;
                g_array_append_vals(p->node_memory[n], task_nodes->data,
                                    task_nodes->len);
            }
            continue;
        }
        p->node_policy[n] = backend->policy;
        id = find_first_bit(backend->host_nodes, MAX_NODES);
        while (id < MAX_NODES) {
            unsigned int node = id;

            g_array_append_val(p->node_memory[n], node);
            id = find_next_bit(backend->host_nodes, MAX_NODES, id + 1);
        }
    }
}

/* Whether any two vCPUs share one thread (TCG with thread=single). */
static bool accel_vcpus_share_threads(void)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (cpu != first_cpu && cpu->thread == first_cpu->thread) {
            return true;
        }
    }
    return false;
}

/* Report @findings by the pin-check policy; false if one is fatal. */
static bool accel_report_findings(const AccelVcpuPinning *p,
                                  GArray *findings, Error **errp)
{
    for (guint i = 0; i < findings->len; i++) {
        VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);

        if (p->check == VCPU_PIN_CHECK_STRICT ||
            f->severity == VTOPO_SEVERITY_ERROR) {
            error_setg(errp, "%s", f->message);
            return false;
        }
        warn_report("%s", f->message);
    }
    return true;
}

static bool accel_plan(AccelVcpuPinning *p, const VTopoPinInput *in,
                       Error **errp)
{
    g_autofree char *error = NULL;
    g_autofree VTopoPinEntry *entries = NULL;
    unsigned int n = 0;

    if (p->affinity == VCPU_AFFINITY_OFF) {
        p->plan = g_new(int, p->nr_cpus);
        for (unsigned int i = 0; i < p->nr_cpus; i++) {
            p->plan[i] = VTOPO_PIN_NONE;
        }
        return true;
    }
    if (p->affinity == VCPU_AFFINITY_AUTO) {
        /* Other processes' pinned threads keep their host CPUs. */
        g_autoptr(GArray) untaken = vtopo_cpus_untaken(in->allowed,
                                                       in->taken);
        VTopoPinInput free_in = *in;

        free_in.allowed = untaken;
        p->plan = vtopo_pin_plan_auto(&free_in, &error);
        if (!p->plan && in->taken && in->taken->len) {
            g_autofree char *taken = vtopo_taken_text(in->taken);
            char *more = g_strdup_printf("%s; %s", error, taken);

            g_free(error);
            error = more;
        }
    } else {
        for (VcpuPinList *l = p->pins; l; l = l->next) {
            n++;
        }
        entries = g_new0(VTopoPinEntry, n);
        n = 0;
        for (VcpuPinList *l = p->pins; l; l = l->next) {
            entries[n++] = (VTopoPinEntry) {
                .vcpu = l->value->vcpu, .host_cpu = l->value->host_cpu,
            };
        }
        p->plan = vtopo_pin_plan_manual(in, entries, n, &error);
    }
    if (!p->plan && p->affinity == VCPU_AFFINITY_AUTO) {
        error_setg(errp, "%s: %s",
                   accel_vcpu_mirror_placement_only(current_machine)
                   ? "mirror-host: this host cannot hold the topology given"
                   : "vcpu-affinity=auto", error);
        return false;
    }
    if (!p->plan) {
        error_setg(errp, "%s", error);
        return false;
    }
    return true;
}

/* The planner's core-scheduling modes are core-sched's values. */
QEMU_BUILD_BUG_ON(VCPU_CORE_SCHED_OFF != (int)VTOPO_CORE_SCHED_OFF ||
                  VCPU_CORE_SCHED_VM != (int)VTOPO_CORE_SCHED_VM ||
                  VCPU_CORE_SCHED_CORE != (int)VTOPO_CORE_SCHED_CORE);

/*
 * Whether the pinning options can be met on this host and machine:
 * @topo is NULL for a machine that does not describe its vCPUs.
 */
static bool accel_pinning_supported(const AccelVcpuPinning *p,
                                    MachineState *ms, const VTopo *topo,
                                    Error **errp)
{
#ifndef CONFIG_LINUX
    if (!p->host_sysfs) {
        error_setg(errp, "vcpu-affinity, core-sched: only supported on "
                   "Linux hosts");
        return false;
    }
#endif
    if (!topo) {
        error_setg(errp, "vcpu-affinity, core-sched: machine '%s' does not "
                   "describe its vCPUs' topology",
                   MACHINE_GET_CLASS(ms)->name);
        return false;
    }
    if ((p->affinity != VCPU_AFFINITY_OFF ||
         p->core_sched == VCPU_CORE_SCHED_CORE) &&
        accel_vcpus_share_threads()) {
        error_setg(errp, "vcpu-affinity, core-sched=core: the vCPUs share "
                   "one host thread; use -accel tcg,thread=multi");
        return false;
    }
    return true;
}

/* The host, read once. */
static bool accel_host(AccelVcpuPinning *p, const char *option, Error **errp)
{
    g_autofree char *error = NULL;

    p->simulated = p->host_sysfs != NULL;
    /*
     * Read once: whoever needed the host before the machine was built
     * left it here.
     */
    if (!p->host) {
        p->host = vtopo_host_read(p->host_sysfs ?: "/sys", &error);
    }
    if (!p->host) {
        error_setg(errp, "%s: cannot read the host topology: %s",
                   p->host_sysfs ? "x-host-sysfs" : option, error);
        return false;
    }
    return true;
}

GArray *accel_taken_cpus(AccelVcpuPinning *p)
{
    g_autofree char *error = NULL;
    GArray *taken = vtopo_taken_cpus_read("/", getpid(), VTOPO_HOST_MAX_CPUS,
                                          &error);

    if (!taken && !p->taken_unreadable_reported) {
        warn_report("pin-check: the host CPUs other processes pinned their "
                    "threads to are not known: %s", error);
        p->taken_unreadable_reported = true;
    }
    return taken;
}

/* The host, and the host CPUs QEMU may run on. */
static bool accel_read_host(AccelVcpuPinning *p, Error **errp)
{
    g_autofree char *error = NULL;

    if (!accel_host(p, "vcpu-affinity", errp)) {
        return false;
    }
    p->allowed = vtopo_host_allowed_cpus(p->host, p->simulated, &error);
    if (!p->allowed) {
        error_setg(errp, "vcpu-affinity: %s", error);
        return false;
    }
    for (guint i = 0; p->excluded && i < p->excluded->len; i++) {
        unsigned int cpu = g_array_index(p->excluded, unsigned int, i);

        for (guint j = 0; j < p->allowed->len; j++) {
            if (g_array_index(p->allowed, unsigned int, j) == cpu) {
                g_array_remove_index(p->allowed, j);
                break;
            }
        }
    }
    return true;
}

/*
 * Check the placement by pin-check, with whether the host can apply
 * core-sched, and report the findings.
 */
static bool accel_check_placement(AccelVcpuPinning *p,
                                  const VTopoPinInput *in, Error **errp)
{
    const char *why = NULL;

    p->findings = p->check == VCPU_PIN_CHECK_OFF ? vtopo_findings_new()
                  : vtopo_pin_check(in, p->plan);
    p->core_sched_active = p->core_sched != VCPU_CORE_SCHED_OFF &&
                           vtopo_host_core_sched(p->host, p->simulated, &why);
    if (p->core_sched != VCPU_CORE_SCHED_OFF && !p->core_sched_active) {
        vtopo_add_finding(p->findings, "core-sched-unsupported",
                          VTOPO_SEVERITY_WARNING, "core-sched=%s: %s%s",
                          VcpuCoreSched_str(p->core_sched), why,
                          p->check == VCPU_PIN_CHECK_STRICT ? ""
                          : "; the vCPU threads run without it");
    }
    p->checked = true;
    return accel_report_findings(p, p->findings, errp);
}

#if defined(CONFIG_LINUX) && defined(PR_SCHED_CORE)
/*
 * Give thread @tid the cookie of its virtual core: a new one for the
 * first thread of the core, else that of the first thread, which the
 * main thread fetches and passes on (a cookie can only be copied
 * through the calling thread), then replaces by a cookie of its own.
 */
static int accel_core_sched_thread(AccelVcpuPinning *p, int vcore, int tid)
{
    int leader = p->core_leader[vcore];

    if (leader &&
        !prctl(PR_SCHED_CORE, PR_SCHED_CORE_SHARE_FROM, leader,
               PR_SCHED_CORE_SCOPE_THREAD, 0)) {
        if (prctl(PR_SCHED_CORE, PR_SCHED_CORE_SHARE_TO, tid,
                  PR_SCHED_CORE_SCOPE_THREAD, 0) ||
            prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE, 0,
                  PR_SCHED_CORE_SCOPE_THREAD, 0)) {
            return -errno;
        }
        return 0;
    }
    /* The first thread of the core, or its first thread is gone. */
    if (prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE, tid,
              PR_SCHED_CORE_SCOPE_THREAD, 0)) {
        return -errno;
    }
    p->core_leader[vcore] = tid;
    return 0;
}
#endif

/*
 * Pin vCPU thread @cpu as planned, with its core-scheduling cookie.  A
 * pin the kernel refuses (libvirt's -sandbox resourcecontrol=deny makes
 * sched_setaffinity() fail with EPERM) is a finding, and an error under
 * pin-check=strict where @errp can take it.
 */
static bool accel_vcpu_apply_plan(AccelVcpuPinning *p, CPUState *cpu,
                                  Error **errp)
{
    int index = cpu->cpu_index;

#ifdef CONFIG_LINUX
    if (p->plan[index] != VTOPO_PIN_NONE) {
        size_t size = CPU_ALLOC_SIZE(p->plan[index] + 1);
        g_autofree cpu_set_t *set = g_malloc0(size);

        CPU_SET_S(p->plan[index], size, set);
        if (sched_setaffinity(cpu->thread_id, size, set)) {
            Error *local_err = NULL;

            error_setg_errno(&local_err, errno, "vCPU %d: cannot pin thread "
                             "%d to host CPU %d", index, cpu->thread_id,
                             p->plan[index]);
            vtopo_add_finding(p->findings, "pin-not-applied",
                              VTOPO_SEVERITY_WARNING, "%s",
                              error_get_pretty(local_err));
            error_append_hint(&local_err, "Where QEMU may not set its "
                              "threads' affinity (libvirt's -sandbox "
                              "resourcecontrol=deny), pin them in the "
                              "manager (libvirt: <vcpupin>) and leave "
                              "vcpu-affinity off.\n");
            if (errp && p->check == VCPU_PIN_CHECK_STRICT) {
                error_propagate(errp, local_err);
                return false;
            }
            warn_report_err(local_err);
        }
    }
#endif
#if defined(CONFIG_LINUX) && defined(PR_SCHED_CORE)
    if (p->core_sched_active && p->core_sched == VCPU_CORE_SCHED_CORE &&
        p->vcore[index] >= 0) {
        int ret = accel_core_sched_thread(p, p->vcore[index],
                                          cpu->thread_id);

        if (ret) {
            warn_report("vCPU %d: cannot give thread %d the core-scheduling "
                        "cookie of its virtual core: %s", index,
                        cpu->thread_id, strerror(-ret));
        }
    }
#endif
    return true;
}

/* Give the VM its core-scheduling cookie, and pin the vCPU threads. */
static bool accel_apply_placement(AccelVcpuPinning *p, const VTopo *topo,
                                  Error **errp)
{
    CPUState *cpu;

#if defined(CONFIG_LINUX) && defined(PR_SCHED_CORE)
    if (p->core_sched_active && !p->simulated &&
        p->core_sched == VCPU_CORE_SCHED_VM &&
        prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE, 0,
              PR_SCHED_CORE_SCOPE_THREAD_GROUP, 0)) {
        error_setg_errno(errp, errno, "core-sched=vm: cannot create a "
                         "core-scheduling cookie");
        return false;
    }
#endif
    p->core_leader = g_new0(int, topo->nr_cpus);
    if (p->simulated) {
        return true;
    }
    CPU_FOREACH(cpu) {
        if (cpu->cpu_index >= 0 && cpu->cpu_index < (int)p->nr_cpus &&
            !accel_vcpu_apply_plan(p, cpu, errp)) {
            return false;
        }
    }
    return true;
}

void accel_placement_free(AccelPlacement *ap)
{
    if (!ap) {
        return;
    }
    for (unsigned int v = 0; v < ap->nr_cpus; v++) {
        vtopo_thread_placement_free(ap->threads[v]);
    }
    g_free(ap->threads);
    vtopo_placement_free(ap->placement);
    g_free(ap);
}

#ifdef CONFIG_LINUX
/*
 * Whether thread @tid may run on every CPU of a thread nobody pinned:
 * one system call, so that a query of an unpinned VM reads no file.
 * @set: room for @size bytes of affinity mask.
 */
static bool accel_thread_unpinned(const AccelVcpuPinning *p, int tid,
                                  cpu_set_t *set, size_t size)
{
    if (sched_getaffinity(tid, size, set)) {
        return false;       /* the reader says why */
    }
    for (guint i = 0; i < p->unpinned->len; i++) {
        if (!CPU_ISSET_S(g_array_index(p->unpinned, unsigned int, i), size,
                         set)) {
            return false;
        }
    }
    return true;
}
#endif

AccelPlacement *accel_placement_read(AccelVcpuPinning *p)
{
    AccelPlacement *ap = g_new0(AccelPlacement, 1);
#ifdef CONFIG_LINUX
    size_t size = CPU_ALLOC_SIZE(VTOPO_HOST_MAX_CPUS);
    g_autofree cpu_set_t *set = g_malloc0(size);
#endif
    CPUState *cpu;

    ap->nr_cpus = p->nr_cpus;
    ap->threads = g_new0(VTopoThreadPlacement *, p->nr_cpus);
    ap->placement = vtopo_placement_new(p->nr_cpus);
    if (!p->mounts) {
        return ap;
    }
    CPU_FOREACH(cpu) {
        int v = cpu->cpu_index;
        g_autofree char *error = NULL;
        VTopoThreadPlacement *tp;

        if (v < 0 || v >= (int)p->nr_cpus || !cpu->thread_id) {
            continue;
        }
#ifdef CONFIG_LINUX
        if ((!p->plan || p->plan[v] == VTOPO_PIN_NONE) &&
            accel_thread_unpinned(p, cpu->thread_id, set, size)) {
            continue;
        }
#endif
        tp = vtopo_thread_placement_read("/", getpid(), cpu->thread_id,
                                         p->mounts, VTOPO_HOST_MAX_CPUS,
                                         &error);
        if (!tp) {
            if (!p->thread_unreadable_reported) {
                warn_report("pin-check: vCPU %d counts as not pinned: %s",
                            v, error);
                p->thread_unreadable_reported = true;
            }
            continue;
        }
        ap->threads[v] = tp;
        if (vtopo_cpus_pinned(tp->cpus, p->unpinned)) {
            ap->placement->cpus[v] = g_array_copy(tp->cpus);
        }
    }
    return ap;
}

static bool accel_placement_equal(const AccelPlacement *a,
                                  const AccelPlacement *b)
{
    for (unsigned int v = 0; v < a->nr_cpus; v++) {
        const GArray *x = a->placement->cpus[v];
        const GArray *y = b->placement->cpus[v];
        const VTopoThreadPlacement *s = a->threads[v];
        const VTopoThreadPlacement *t = b->threads[v];

        if (!x != !y || (x && !vtopo_cpus_equal(x, y)) ||
            !s != !t || (s && !vtopo_cpus_equal(s->mems, t->mems))) {
            return false;
        }
    }
    return true;
}

/*
 * The host nodes each virtual node's memory is bound to: its memory
 * backend's host-nodes, else the nodes its vCPU threads may allocate
 * from (Mems_allowed: a cpuset's mems, as libvirt's <numatune>
 * restrictive mode sets) where they are not all the host's.
 */
static GArray **accel_placement_memory(const AccelVcpuPinning *p,
                                       const AccelPlacement *ap)
{
    GArray **memory = g_new0(GArray *, p->nr_nodes);

    for (unsigned int n = 0; n < p->nr_nodes; n++) {
        g_autofree bool *mems = g_new0(bool, VTOPO_HOST_MAX_NODES);
        bool narrowed = false;

        memory[n] = g_array_copy(p->node_memory[n]);
        if (memory[n]->len) {
            continue;
        }
        for (unsigned int v = 0; v < ap->nr_cpus; v++) {
            const VTopoThreadPlacement *tp = ap->threads[v];

            if (!tp || p->topo->cpus[v].node != (int)n) {
                continue;
            }
            for (guint i = 0; i < tp->mems->len; i++) {
                unsigned int id = g_array_index(tp->mems, unsigned int, i);

                if (id < VTOPO_HOST_MAX_NODES) {
                    mems[id] = true;
                }
            }
        }
        for (guint i = 0; i < p->host->nodes->len; i++) {
            const VTopoHostNode *hn = &g_array_index(p->host->nodes,
                                                     VTopoHostNode, i);

            narrowed |= hn->mem_size && hn->id < VTOPO_HOST_MAX_NODES &&
                        !mems[hn->id];
        }
        for (unsigned int id = 0; narrowed && id < VTOPO_HOST_MAX_NODES;
             id++) {
            if (mems[id]) {
                g_array_append_val(memory[n], id);
            }
        }
    }
    return memory;
}

GArray *accel_placement_check(AccelVcpuPinning *p, const AccelPlacement *ap,
                              const GArray *taken)
{
    Error *err = NULL;
    bool pinned = false;
    GArray **memory;
    GArray *findings;
    VTopoPinInput in;

    for (unsigned int v = 0; v < ap->nr_cpus; v++) {
        pinned |= ap->placement->cpus[v] != NULL;
    }
    if (!pinned) {
        return vtopo_findings_new();
    }
    if (!accel_host(p, "pin-check", &err)) {
        if (!p->host_unreadable_reported) {
            warn_report_err(err);
            p->host_unreadable_reported = true;
        } else {
            error_free(err);
        }
        return vtopo_findings_new();
    }
    memory = accel_placement_memory(p, ap);
    in = (VTopoPinInput) {
        .topo = p->topo,
        .host = p->host,
        .node_memory = p->nr_nodes ? memory : NULL,
        .core_sched = p->core_sched_active ? p->core_sched
                                           : VCPU_CORE_SCHED_OFF,
        .taken = taken,
    };
    findings = vtopo_placement_check(&in, ap->placement);
    for (unsigned int n = 0; n < p->nr_nodes; n++) {
        g_array_unref(memory[n]);
    }
    g_free(memory);
    return findings;
}

/*
 * Read and check the placement in place at @moment.  What the last
 * check reported is not reported again; under pin-check=strict a
 * finding fails (@errp NULL: where nothing can be refused, a warning).
 * vCPU @leave_out (or -1) is left out while its thread has the mask of
 * the main thread: a vCPU just plugged inherits it, and the manager
 * places it next.
 */
static bool accel_placement_judge(AccelVcpuPinning *p,
                                  TopologyPlacementMoment moment,
                                  int leave_out, Error **errp)
{
    g_autoptr(AccelPlacement) ap = accel_placement_read(p);
    GArray *findings;

    if (leave_out >= 0 && leave_out < (int)ap->nr_cpus &&
        ap->placement->cpus[leave_out]) {
        g_autofree char *error = NULL;
        g_autoptr(VTopoThreadPlacement) main_thread =
            vtopo_thread_placement_read("/", getpid(), getpid(), p->mounts,
                                        VTOPO_HOST_MAX_CPUS, &error);

        if (main_thread &&
            vtopo_cpus_equal(main_thread->cpus,
                             ap->placement->cpus[leave_out])) {
            g_array_unref(ap->placement->cpus[leave_out]);
            ap->placement->cpus[leave_out] = NULL;
        }
    }

    if (p->last && accel_placement_equal(p->last, ap)) {
        findings = p->last_findings;
    } else {
        GArray *taken = accel_taken_cpus(p);

        findings = accel_placement_check(p, ap, taken);
        vtopo_taken_cpus_free(taken);
        accel_placement_free(p->last);
        p->last = g_steal_pointer(&ap);
        if (p->last_findings) {
            vtopo_findings_free(p->last_findings);
        }
        p->last_findings = findings;
        p->last_moment = moment;
        trace_vtopo_placement_check(TopologyPlacementMoment_str(moment),
                                    findings->len);
        if (findings->len && p->check != VCPU_PIN_CHECK_STRICT) {
            TopologyFindingList *list = vtopo_findings_to_qapi(findings);

            for (guint i = 0; i < findings->len; i++) {
                warn_report("vCPU placement (%s): %s",
                            TopologyPlacementMoment_str(moment),
                            g_array_index(findings, VTopoFinding,
                                          i).message);
            }
            qapi_event_send_topology_placement(moment, list);
            qapi_free_TopologyFindingList(list);
        }
    }
    if (findings->len && p->check == VCPU_PIN_CHECK_STRICT) {
        VTopoFinding *f = &g_array_index(findings, VTopoFinding, 0);
        Error *err = NULL;

        error_setg(&err, "pin-check=strict: the vCPU placement breaks %s: %s",
                   f->rule, f->message);
        if (!errp) {
            warn_report_err(err);
            return true;
        }
        error_propagate(errp, err);
        return false;
    }
    return true;
}

bool accel_vcpu_placement_check_start(Error **errp)
{
    AccelVcpuPinning *p = current_machine ? current_machine->vcpu_pinning
                                          : NULL;

    if (!p || !p->watch || !p->at_init) {
        return true;
    }
    return accel_placement_judge(p, TOPOLOGY_PLACEMENT_MOMENT_START, -1,
                                 errp);
}

/* Plan, check and apply QEMU's own placement (vcpu-affinity). */
static bool accel_vcpu_plan_setup(AccelVcpuPinning *p, MachineState *ms,
                                  const VTopo *topo, const GArray *taken,
                                  Error **errp)
{
    VTopoPinInput in;
    bool ok;

    if (!accel_pinning_supported(p, ms, topo, errp)) {
        return false;
    }
    trace_vtopo_pin_setup_begin(topo->nr_cpus);
    if (!accel_read_host(p, errp)) {
        return false;
    }
    in = (VTopoPinInput) {
        .topo = topo,
        .host = p->host,
        .allowed = p->allowed,
        .node_memory = p->nr_nodes ? p->node_memory : NULL,
        .core_sched = p->core_sched,
        .taken = taken,
        .topology_given = accel_vcpu_mirror_placement_only(ms),
    };
    ok = accel_plan(p, &in, errp);
    if (ok && accel_vcpu_mirror_placement_only(ms)) {
        /* Where the placement went, the memory follows. */
        ok = accel_vcpu_mirror_bind_memory(ms, topo, errp);
    }
    if (ok) {
        ok = accel_check_placement(p, &in, errp);
        trace_vtopo_pin_setup_end(p->findings->len);
    }
    return ok && accel_apply_placement(p, topo, errp);
}

/*
 * Whether the placement in place is checked: on Linux, for a machine
 * with a model, unless pin-check=off; on machine types before
 * topology_check_strict only when a placement option was given, so
 * that they start as before.
 */
static bool accel_placement_watched(const AccelVcpuPinning *p,
                                    MachineState *ms, const VTopo *topo)
{
#ifdef CONFIG_LINUX
    return topo && p->check != VCPU_PIN_CHECK_OFF &&
           (MACHINE_GET_CLASS(ms)->topology_check_strict || p->has_check ||
            p->affinity != VCPU_AFFINITY_OFF ||
            p->core_sched != VCPU_CORE_SCHED_OFF || p->host_sysfs);
#else
    return false;
#endif
}

/*
 * What reading the placement in place needs: the CPUs of an unpinned
 * thread and the cgroup mounts.  False and *@error if they cannot be
 * read.
 */
static bool accel_placement_init(AccelVcpuPinning *p, const VTopo *topo,
                                 char **error)
{
#ifdef CONFIG_LINUX
    p->topo = topo;
    p->unpinned = vtopo_unpinned_cpus_read("/", VTOPO_HOST_MAX_CPUS, error);
    if (p->unpinned) {
        p->mounts = vtopo_cgroup_mounts_read("/", getpid(), error);
    }
    return p->mounts;
#else
    *error = g_strdup("only Linux hosts are supported");
    return false;
#endif
}

/*
 * Start checking the placement in place, and check it a first time;
 * @taken as read for QEMU's own plan.
 */
static bool accel_placement_setup(AccelVcpuPinning *p, const char *error,
                                  const GArray *taken, Error **errp)
{
    if (!p->mounts) {
        warn_report("pin-check: the vCPU placement is not checked: %s",
                    error);
        return true;
    }
    if (accel_vcpus_share_threads()) {
        /*
         * One thread runs every vCPU: there is no placement per vCPU to
         * check.  Say so where it matters, when that thread is pinned.
         */
        g_autoptr(AccelPlacement) ap = accel_placement_read(p);

        if (ap->nr_cpus && ap->placement->cpus[0]) {
            warn_report("pin-check: the vCPUs share one host thread (TCG "
                        "without thread=multi): their placement is not "
                        "checked");
        }
        return true;
    }
    p->watch = true;
    p->at_init = accel_placement_read(p);
    if (p->checked && !p->simulated && p->affinity != VCPU_AFFINITY_OFF) {
        /*
         * QEMU's own plan was checked above and is now in place: it is
         * the placement the next checks compare with.
         */
        p->last = accel_placement_read(p);
        p->last_findings = accel_placement_check(p, p->last, taken);
        p->last_moment = TOPOLOGY_PLACEMENT_MOMENT_MACHINE_INIT;
        return true;
    }
    if (!autostart) {
        /*
         * -S: the manager places the vCPU threads before its 'cont'
         * (libvirt gives them <emulatorpin>'s CPUs until then), which
         * checks them.
         */
        return true;
    }
    return accel_placement_judge(p, TOPOLOGY_PLACEMENT_MOMENT_MACHINE_INIT,
                                 -1, errp);
}

bool accel_vcpu_pinning_setup(MachineState *ms, const VTopo *topo,
                              Error **errp)
{
    AccelVcpuPinning *p = ms->vcpu_pinning;
    g_autofree char *error = NULL;
    GArray *taken = NULL;
    bool ok = true;

    if (p->pins && p->affinity != VCPU_AFFINITY_MANUAL) {
        error_setg(errp, "vcpu-pin: only used with vcpu-affinity=manual");
        return false;
    }
    if (topo) {
        p->nr_cpus = topo->nr_cpus;
        p->vcore = g_new(int, topo->nr_cpus);
        for (unsigned int i = 0; i < topo->nr_cpus; i++) {
            p->vcore[i] = vtopo_cpu_domain(topo, &topo->cpus[i],
                                           CPU_TOPOLOGY_LEVEL_CORE);
        }
        accel_node_memory(p, ms);
    }
    if (p->affinity != VCPU_AFFINITY_OFF ||
        p->core_sched != VCPU_CORE_SCHED_OFF || p->host_sysfs) {
        /* Read once: the plan and its first check in place use it. */
        taken = accel_taken_cpus(p);
        ok = accel_vcpu_plan_setup(p, ms, topo, taken, errp);
    }
    if (!ok || !accel_placement_watched(p, ms, topo)) {
        /* query-topology still shows QEMU's own plan as it is in place. */
        if (ok && p->checked) {
            accel_placement_init(p, topo, &error);
        }
    } else {
        accel_placement_init(p, topo, &error);
        ok = accel_placement_setup(p, error, taken, errp);
    }
    vtopo_taken_cpus_free(taken);
    return ok;
}

void accel_vcpu_pin_thread(CPUState *cpu)
{
    AccelVcpuPinning *p = current_machine->vcpu_pinning;
    int index = cpu->cpu_index;

    if (index < 0 || index >= (int)p->nr_cpus) {
        return;
    }
    if (p->checked && !p->simulated) {
        accel_vcpu_apply_plan(p, cpu, NULL);
    }
    /* A vCPU plugged after machine init. */
    if (p->watch && p->at_init) {
        accel_placement_judge(p, TOPOLOGY_PLACEMENT_MOMENT_HOTPLUG, index,
                              NULL);
    }
}
