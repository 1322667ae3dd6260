/*
 * vtopo: vCPU thread placement and core scheduling, for every
 * accelerator
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/accel.h"
#include "accel/accel-ops.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "qapi/qapi-visit-machine.h"
#include "qapi/visitor.h"
#include "qom/object.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"
#include "system/hostmem.h"
#include "system/numa.h"
#include "vtopo-pin-internal.h"
#include "trace.h"
#ifdef CONFIG_LINUX
#include <sched.h>
#include <sys/prctl.h>
#endif

static AccelVcpuPinning *accel_pinning(Object *obj)
{
    return ACCEL(obj)->pinning;
}

static int accel_get_vcpu_affinity(Object *obj, Error **errp)
{
    return accel_pinning(obj)->affinity;
}

static void accel_set_vcpu_affinity(Object *obj, int value, Error **errp)
{
    accel_pinning(obj)->affinity = value;
}

static int accel_get_pin_check(Object *obj, Error **errp)
{
    return accel_pinning(obj)->check;
}

static void accel_set_pin_check(Object *obj, int value, Error **errp)
{
    accel_pinning(obj)->check = value;
}

static int accel_get_core_sched(Object *obj, Error **errp)
{
    return accel_pinning(obj)->core_sched;
}

static void accel_set_core_sched(Object *obj, int value, Error **errp)
{
    accel_pinning(obj)->core_sched = value;
    accel_pinning(obj)->has_core_sched = true;
}

static void accel_get_vcpu_pin(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    VcpuPinList *pins = accel_pinning(obj)->pins;

    visit_type_VcpuPinList(v, name, &pins, errp);
}

static void accel_set_vcpu_pin(Object *obj, Visitor *v, const char *name,
                               void *opaque, Error **errp)
{
    AccelVcpuPinning *p = accel_pinning(obj);
    VcpuPinList *pins;

    if (!visit_type_VcpuPinList(v, name, &pins, errp)) {
        return;
    }
    qapi_free_VcpuPinList(p->pins);
    p->pins = pins;
}

static char *accel_get_host_sysfs(Object *obj, Error **errp)
{
    return g_strdup(accel_pinning(obj)->host_sysfs);
}

static void accel_set_host_sysfs(Object *obj, const char *value,
                                 Error **errp)
{
    AccelVcpuPinning *p = accel_pinning(obj);

    g_free(p->host_sysfs);
    p->host_sysfs = g_strdup(value);
}

void accel_vcpu_pinning_class_init(ObjectClass *oc)
{
    object_class_property_add_enum(oc, "vcpu-affinity", "VcpuAffinity",
                                   &VcpuAffinity_lookup,
                                   accel_get_vcpu_affinity,
                                   accel_set_vcpu_affinity);
    object_class_property_set_description(oc, "vcpu-affinity",
        "Pin the vCPU threads to host CPUs (off, auto, manual)");
    object_class_property_add(oc, "vcpu-pin", "VcpuPinWrapper",
                              accel_get_vcpu_pin, accel_set_vcpu_pin,
                              NULL, NULL);
    object_class_property_set_description(oc, "vcpu-pin",
        "Host CPUs of vCPUs with vcpu-affinity=manual: "
        "vcpu-pin.N.vcpus=LIST,vcpu-pin.N.host-cpus=LIST");
    object_class_property_add_enum(oc, "pin-check", "VcpuPinCheck",
                                   &VcpuPinCheck_lookup,
                                   accel_get_pin_check, accel_set_pin_check);
    object_class_property_set_description(oc, "pin-check",
        "Check the vCPU placement against the host (strict, warn, off)");
    object_class_property_add_enum(oc, "core-sched", "VcpuCoreSched",
                                   &VcpuCoreSched_lookup,
                                   accel_get_core_sched,
                                   accel_set_core_sched);
    object_class_property_set_description(oc, "core-sched",
        "Linux core scheduling for the vCPU threads (off, vm, core)");
    object_class_property_add_str(oc, "x-host-sysfs", accel_get_host_sysfs,
                                  accel_set_host_sysfs);
    object_class_property_set_description(oc, "x-host-sysfs",
        "Read the host topology from this sysfs tree and only simulate "
        "the placement (for tests)");
}

void accel_vcpu_pinning_instance_init(AccelState *accel)
{
    accel->pinning = g_new0(AccelVcpuPinning, 1);
    accel->pinning->check = VCPU_PIN_CHECK_WARN;
}

void accel_vcpu_pinning_instance_finalize(AccelState *accel)
{
    AccelVcpuPinning *p = accel->pinning;

    qapi_free_VcpuPinList(p->pins);
    g_free(p->host_sysfs);
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
    g_free(p);
}

/* The host nodes each virtual node's memory backend is bound to. */
static void accel_node_memory(AccelVcpuPinning *p, MachineState *ms)
{
    p->nr_nodes = ms->numa_state ? ms->numa_state->num_nodes : 0;
    p->node_memory = g_new0(GArray *, p->nr_nodes);
    p->node_policy = g_new0(HostMemPolicy, p->nr_nodes);
    for (unsigned int n = 0; n < p->nr_nodes; n++) {
        HostMemoryBackend *backend = ms->numa_state->nodes[n].node_memdev;
        unsigned long id;

        p->node_memory[n] = g_array_new(false, false, sizeof(unsigned int));
        if (!backend) {
            continue;
        }
        p->node_policy[n] = backend->policy;
        if (backend->policy == HOST_MEM_POLICY_DEFAULT) {
            continue;
        }
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
        p->plan = vtopo_pin_plan_auto(in, &error);
    } else {
        for (VcpuPinList *l = p->pins; l; l = l->next) {
            n++;
        }
        entries = g_new0(VTopoPinEntry, n);
        n = 0;
        for (VcpuPinList *l = p->pins; l; l = l->next) {
            entries[n++] = (VTopoPinEntry) {
                .vcpus = l->value->vcpus, .host_cpus = l->value->host_cpus,
            };
        }
        p->plan = vtopo_pin_plan_manual(in, entries, n, &error);
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

/* The host, and the host CPUs QEMU may run on. */
static bool accel_read_host(AccelVcpuPinning *p, Error **errp)
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
                   p->host_sysfs ? "x-host-sysfs" : "vcpu-affinity", error);
        return false;
    }
    p->allowed = vtopo_host_allowed_cpus(p->host, p->simulated, &error);
    if (!p->allowed) {
        error_setg(errp, "vcpu-affinity: %s", error);
        return false;
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
    CPU_FOREACH(cpu) {
        accel_vcpu_pin_thread(cpu);
    }
    return true;
}

bool accel_vcpu_pinning_setup(MachineState *ms, const VTopo *topo,
                              Error **errp)
{
    AccelVcpuPinning *p = ms->accelerator->pinning;
    VTopoPinInput in;
    bool ok;

    if (p->pins && p->affinity != VCPU_AFFINITY_MANUAL) {
        error_setg(errp, "vcpu-pin: only used with vcpu-affinity=manual");
        return false;
    }
    if (p->affinity == VCPU_AFFINITY_OFF &&
        p->core_sched == VCPU_CORE_SCHED_OFF && !p->host_sysfs) {
        return true;
    }
    if (!accel_pinning_supported(p, ms, topo, errp)) {
        return false;
    }
    trace_vtopo_pin_setup_begin(topo->nr_cpus);
    if (!accel_read_host(p, errp)) {
        return false;
    }
    p->nr_cpus = topo->nr_cpus;
    p->vcore = g_new(int, topo->nr_cpus);
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        p->vcore[i] = vtopo_cpu_domain(topo, &topo->cpus[i],
                                       VTOPO_LEVEL_CORE);
    }
    accel_node_memory(p, ms);
    in = (VTopoPinInput) {
        .topo = topo,
        .host = p->host,
        .allowed = p->allowed,
        .node_memory = p->nr_nodes ? p->node_memory : NULL,
        .core_sched = p->core_sched,
    };
    if (!accel_plan(p, &in, errp)) {
        return false;
    }
    ok = accel_check_placement(p, &in, errp);
    trace_vtopo_pin_setup_end(p->findings->len);
    return ok && accel_apply_placement(p, topo, errp);
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

void accel_vcpu_pin_thread(CPUState *cpu)
{
    AccelVcpuPinning *p = current_accel()->pinning;
    int index = cpu->cpu_index;

    if (!p->checked || p->simulated || index < 0 ||
        index >= (int)p->nr_cpus) {
        return;
    }
#ifdef CONFIG_LINUX
    if (p->plan[index] != VTOPO_PIN_NONE) {
        cpu_set_t set;

        CPU_ZERO(&set);
        CPU_SET(p->plan[index], &set);
        if (sched_setaffinity(cpu->thread_id, sizeof(set), &set)) {
            warn_report("vCPU %d: cannot pin thread %d to host CPU %d: %s",
                        index, cpu->thread_id, p->plan[index],
                        strerror(errno));
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
}
