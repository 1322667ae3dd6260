/*
 * vtopo: placing vCPUs on host CPUs, and checking a placement
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/vtopo/model.h"
#include "accel/vtopo/plan.h"

/*
 * The units of a placement.  A virtual core needs a host core with at
 * least as many usable threads as it has; it takes the whole host core,
 * so that no two virtual cores share one (see the pin-core-shared
 * rule).  Virtual cores are grouped by last-level cache domain, and
 * those by NUMA node.
 */
typedef struct VTopoVirtCore {
    unsigned int first_cpu;     /* index of its first thread in the plan */
    int llc_domain;
    int node;
} VTopoVirtCore;

typedef struct VTopoHostSlot {
    unsigned int first;         /* index in VTopoPlanner.host_cpus */
    unsigned int nr_threads;    /* usable (allowed) threads */
    int llc;
    int node;
    bool used;
} VTopoHostSlot;

typedef struct VTopoPlanner {
    const VTopoPinInput *in;
    unsigned int threads;       /* per virtual core */
    unsigned int nr_vcores;
    VTopoVirtCore *vcores;
    unsigned int *vcore_cpus;   /* vCPU indexes, threads of each core */
    unsigned int nr_slots;
    VTopoHostSlot *slots;       /* host cores, by their first CPU */
    unsigned int *host_cpus;    /* allowed CPUs grouped by host core */
    int *plan;
} VTopoPlanner;

static const char *vtopo_plural(unsigned int n)
{
    return n == 1 ? "" : "s";
}

static bool vtopo_planner_init(VTopoPlanner *p, const VTopoPinInput *in)
{
    const VTopo *topo = in->topo;
    const VTopoHost *host = in->host;
    const VTopoSharedCache *llc = vtopo_llc(topo);
    g_autofree int *slot_of_core = g_new(int, host->nr_cores + 1);
    g_autofree unsigned int *next = NULL;
    unsigned int nr_allowed = 0;

    p->in = in;
    p->threads = topo->shape.count[CPU_TOPOLOGY_LEVEL_THREAD];
    p->nr_vcores = topo->nr_cpus / p->threads;
    p->vcores = g_new0(VTopoVirtCore, p->nr_vcores);
    p->vcore_cpus = g_new0(unsigned int, topo->nr_cpus);
    p->plan = g_new(int, topo->nr_cpus);
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        int core = vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_CORE);
        int thread = vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_THREAD) -
                     core * (int)p->threads;
        VTopoVirtCore *vc;

        p->plan[i] = VTOPO_PIN_NONE;
        if (core < 0 || core >= (int)p->nr_vcores) {
            return false;
        }
        vc = &p->vcores[core];
        p->vcore_cpus[core * p->threads + thread] = i;
        if (thread == 0) {
            vc->llc_domain = llc ? vtopo_cache_instance(topo, llc, cpu)
                                 : core;
            vc->node = cpu->node;
        }
    }

    /* Host cores in the order of their first allowed CPU. */
    for (unsigned int c = 0; c <= host->nr_cores; c++) {
        slot_of_core[c] = -1;
    }
    p->slots = g_new0(VTopoHostSlot, host->nr_cores + 1);
    for (guint i = 0; i < in->allowed->len; i++) {
        unsigned int cpu = g_array_index(in->allowed, unsigned int, i);
        int core;

        if (cpu >= host->nr_cpus || !host->cpus[cpu].online) {
            continue;
        }
        core = host->cpus[cpu].core_domain;
        if (slot_of_core[core] < 0) {
            slot_of_core[core] = p->nr_slots;
            p->slots[p->nr_slots++] = (VTopoHostSlot) {
                .llc = host->cpus[cpu].llc,
                .node = host->cpus[cpu].node,
            };
        }
        p->slots[slot_of_core[core]].nr_threads++;
        nr_allowed++;
    }
    p->host_cpus = g_new(unsigned int, nr_allowed);
    next = g_new0(unsigned int, p->nr_slots);
    for (unsigned int s = 1; s < p->nr_slots; s++) {
        p->slots[s].first = p->slots[s - 1].first + p->slots[s - 1].nr_threads;
    }
    for (guint i = 0; i < in->allowed->len; i++) {
        unsigned int cpu = g_array_index(in->allowed, unsigned int, i);
        int s;

        if (cpu >= host->nr_cpus || !host->cpus[cpu].online) {
            continue;
        }
        s = slot_of_core[host->cpus[cpu].core_domain];
        p->host_cpus[p->slots[s].first + next[s]++] = cpu;
    }
    return true;
}

static void vtopo_planner_destroy(VTopoPlanner *p)
{
    g_free(p->vcores);
    g_free(p->vcore_cpus);
    g_free(p->slots);
    g_free(p->host_cpus);
    g_free(p->plan);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VTopoPlanner, vtopo_planner_destroy)

static bool vtopo_slot_fits(const VTopoPlanner *p, const VTopoHostSlot *s,
                            int node)
{
    return !s->used && s->nr_threads >= p->threads &&
           (node < 0 || s->node == node);
}

/* Host cores without a last-level cache count as one more cache. */
static unsigned int vtopo_llc_bucket(int llc, unsigned int nr_llcs)
{
    return llc < 0 ? nr_llcs - 1 : (unsigned int)llc;
}

/*
 * Place virtual cores @vcores (@nr of them, one virtual node's) on free
 * host cores of host node @node (-1: any), each virtual last-level cache
 * domain inside one host last-level cache: the first host cache, by its
 * first free core, with room for the whole domain.  On failure nothing
 * is placed, *@domain_size is the domain that did not fit and
 * *@widest_llc the most free cores one host cache had for it.
 */
static bool vtopo_place_cores(VTopoPlanner *p, const unsigned int *vcores,
                              unsigned int nr, int node,
                              unsigned int *domain_size,
                              unsigned int *widest_llc)
{
    unsigned int nr_llcs = p->in->host->caches->len + 1;
    g_autofree bool *taken = g_new0(bool, p->nr_slots);
    g_autofree unsigned int *free = g_new(unsigned int, nr_llcs);
    g_autofree unsigned int *choice = g_new(unsigned int, nr);
    unsigned int i = 0;

    while (i < nr) {
        int domain = p->vcores[vcores[i]].llc_domain;
        unsigned int size = 0, placed = 0;
        int llc = -2;

        while (i + size < nr &&
               p->vcores[vcores[i + size]].llc_domain == domain) {
            size++;
        }
        memset(free, 0, nr_llcs * sizeof(*free));
        for (unsigned int s = 0; s < p->nr_slots; s++) {
            if (!taken[s] && vtopo_slot_fits(p, &p->slots[s], node)) {
                free[vtopo_llc_bucket(p->slots[s].llc, nr_llcs)]++;
            }
        }
        *widest_llc = 0;
        for (unsigned int s = 0; s < p->nr_slots && llc == -2; s++) {
            unsigned int room;

            if (taken[s] || !vtopo_slot_fits(p, &p->slots[s], node)) {
                continue;
            }
            room = free[vtopo_llc_bucket(p->slots[s].llc, nr_llcs)];
            *widest_llc = MAX(*widest_llc, room);
            if (room >= size) {
                llc = p->slots[s].llc;
            }
        }
        if (llc == -2) {
            *domain_size = size;
            return false;
        }
        for (unsigned int s = 0; s < p->nr_slots && placed < size; s++) {
            if (!taken[s] && p->slots[s].llc == llc &&
                vtopo_slot_fits(p, &p->slots[s], node)) {
                taken[s] = true;
                choice[i + placed++] = s;
            }
        }
        i += size;
    }
    for (i = 0; i < nr; i++) {
        VTopoHostSlot *slot = &p->slots[choice[i]];

        slot->used = true;
        for (unsigned int t = 0; t < p->threads; t++) {
            p->plan[p->vcore_cpus[vcores[i] * p->threads + t]] =
                p->host_cpus[slot->first + t];
        }
    }
    return true;
}

static unsigned int vtopo_free_cores(const VTopoPlanner *p, int node)
{
    unsigned int free = 0;

    for (unsigned int s = 0; s < p->nr_slots; s++) {
        free += vtopo_slot_fits(p, &p->slots[s], node);
    }
    return free;
}

/*
 * Whether host node @id is tried in @pass (0, then 1): the nodes the
 * memory is bound to, in the first; else unused nodes first.
 */
static bool vtopo_node_candidate(const GArray *bound, bool used,
                                 unsigned int id, int pass)
{
    if (!bound || !bound->len) {
        return used == (pass == 1);
    }
    for (guint b = 0; pass == 0 && b < bound->len; b++) {
        if (g_array_index(bound, unsigned int, b) == id) {
            return true;
        }
    }
    return false;
}

/* Place the virtual cores of one virtual node. */
static bool vtopo_place_node(VTopoPlanner *p, int vnode,
                             const unsigned int *vcores, unsigned int nr,
                             bool *host_node_used, char **error)
{
    const VTopoHost *host = p->in->host;
    CpuTopologyLevel llc_level = vtopo_llc_level(p->in->topo);
    const char *llc_name = llc_level < CPU_TOPOLOGY_LEVEL_DEFAULT
        ? vtopo_level_name(llc_level) : "core";
    GArray *bound = vnode >= 0 && p->in->node_memory
                    ? p->in->node_memory[vnode] : NULL;
    g_autoptr(GString) free_list = g_string_new(NULL);
    unsigned int domain_size = 0, widest_llc = 0, most_free = 0;
    bool llc_limited = false;

    /* Bound memory decides; otherwise unused host nodes first. */
    for (int pass = 0; pass < 2; pass++) {
        for (guint n = 0; n < host->nodes->len; n++) {
            unsigned int id = g_array_index(host->nodes, VTopoHostNode, n).id;
            unsigned int size, widest, free;

            if (!vtopo_node_candidate(bound, host_node_used[n], id, pass)) {
                continue;
            }
            free = vtopo_free_cores(p, id);
            if (free >= nr &&
                vtopo_place_cores(p, vcores, nr, id, &size, &widest)) {
                host_node_used[n] = true;
                return true;
            }
            if (free >= nr) {
                llc_limited = true;
                domain_size = MAX(domain_size, size);
                widest_llc = MAX(widest_llc, widest);
            }
            most_free = MAX(most_free, free);
            g_string_append_printf(free_list, "%shost node %u has %u",
                                   free_list->len ? ", " : "", id, free);
        }
    }
    if (vnode < 0) {
        /* Without virtual NUMA, the VM may span host nodes. */
        if (vtopo_place_cores(p, vcores, nr, -1, &domain_size, &widest_llc)) {
            return true;
        }
        llc_limited = true;
    }
    if (llc_limited) {
        g_autofree char *advice = p->in->topology_given ? g_strdup("") :
            g_strdup_printf("; use at most %u cores per %s", widest_llc,
                            llc_name);

        *error = g_strdup_printf("a virtual %s (%u cores "
                                 "sharing a last-level cache) does not fit "
                                 "in one host last-level cache: the most "
                                 "free cores with %u thread%s in one is %u%s",
                                 llc_name, domain_size, p->threads,
                                 vtopo_plural(p->threads), widest_llc,
                                 advice);
    } else if (bound && bound->len) {
        *error = g_strdup_printf("virtual node %d has %u "
                                 "core%s of %u thread%s, but the host "
                                 "node%s its memory is bound to ha%s only "
                                 "%u free (%s)", vnode, nr, vtopo_plural(nr),
                                 p->threads, vtopo_plural(p->threads),
                                 vtopo_plural(bound->len),
                                 bound->len == 1 ? "s" : "ve", most_free,
                                 free_list->str);
    } else {
        g_autofree char *advice = p->in->topology_given ? g_strdup("") :
            g_strdup_printf("; use at most %u cores per node", most_free);

        *error = g_strdup_printf("virtual node %d has %u "
                                 "core%s of %u thread%s, but no host node "
                                 "has that many free cores (%s)%s", vnode,
                                 nr, vtopo_plural(nr), p->threads,
                                 vtopo_plural(p->threads), free_list->str,
                                 advice);
    }
    return false;
}

static int vtopo_vcore_compare(gconstpointer a, gconstpointer b,
                               gpointer opaque)
{
    const VTopoVirtCore *vcores = opaque;
    const VTopoVirtCore *x = &vcores[*(const unsigned int *)a];
    const VTopoVirtCore *y = &vcores[*(const unsigned int *)b];

    if (x->node != y->node) {
        /* Virtual nodes in id order, CPUs without a node last. */
        return (unsigned int)x->node < (unsigned int)y->node ? -1 : 1;
    }
    if (x->llc_domain != y->llc_domain) {
        return x->llc_domain < y->llc_domain ? -1 : 1;
    }
    return *(const unsigned int *)a < *(const unsigned int *)b ? -1 : 1;
}

int *vtopo_pin_plan_auto(const VTopoPinInput *in, char **error)
{
    g_auto(VTopoPlanner) p = { 0 };
    g_autofree unsigned int *order = NULL;
    g_autofree bool *host_node_used = NULL;
    unsigned int most_threads = 0, capable = 0, i = 0;

    *error = NULL;
    if (!vtopo_planner_init(&p, in)) {
        *error = g_strdup("the vCPUs' topology ids do "
                          "not fit the topology");
        return NULL;
    }
    for (unsigned int s = 0; s < p.nr_slots; s++) {
        most_threads = MAX(most_threads, p.slots[s].nr_threads);
        capable += p.slots[s].nr_threads >= p.threads;
    }
    if (most_threads < p.threads) {
        g_autofree char *advice = in->topology_given ? g_strdup("") :
            g_strdup_printf("; use -smp threads=%u", MAX(most_threads, 1));

        *error = g_strdup_printf("a virtual core has %u "
                                 "threads, but the host cores QEMU may run "
                                 "on have at most %u usable thread%s%s",
                                 p.threads, most_threads,
                                 vtopo_plural(most_threads), advice);
        return NULL;
    }
    if (capable < p.nr_vcores) {
        g_autofree char *advice = in->topology_given ? g_strdup("") :
            g_strdup_printf("; use at most %u cores", capable);

        *error = g_strdup_printf("%u virtual core%s "
                                 "(-smp maxcpus=%u) need as many host cores "
                                 "with %u usable thread%s, but QEMU may run "
                                 "on %u%s",
                                 p.nr_vcores, vtopo_plural(p.nr_vcores),
                                 in->topo->nr_cpus, p.threads,
                                 vtopo_plural(p.threads), capable, advice);
        return NULL;
    }

    order = g_new(unsigned int, p.nr_vcores);
    for (unsigned int c = 0; c < p.nr_vcores; c++) {
        order[c] = c;
    }
    g_qsort_with_data(order, p.nr_vcores, sizeof(*order), vtopo_vcore_compare,
                      p.vcores);
    host_node_used = g_new0(bool, in->host->nodes->len);
    while (i < p.nr_vcores) {
        int node = p.vcores[order[i]].node;
        unsigned int nr = 0;

        while (i + nr < p.nr_vcores && p.vcores[order[i + nr]].node == node) {
            nr++;
        }
        if (!vtopo_place_node(&p, node, order + i, nr, host_node_used,
                              error)) {
            return NULL;
        }
        i += nr;
    }
    return g_steal_pointer(&p.plan);
}

int *vtopo_pin_plan_manual(const VTopoPinInput *in,
                           const VTopoPinEntry *entries, unsigned int n,
                           char **error)
{
    unsigned int nr_cpus = in->topo->nr_cpus;
    g_autofree int *plan = g_new(int, nr_cpus);
    g_autofree int *entry_of = g_new(int, nr_cpus);

    *error = NULL;
    if (!n) {
        *error = g_strdup("vcpu-affinity=manual: no vcpu-pin entries; give "
                          "vcpu-pin.N.vcpu and vcpu-pin.N.host-cpu");
        return NULL;
    }
    for (unsigned int i = 0; i < nr_cpus; i++) {
        plan[i] = VTOPO_PIN_NONE;
        entry_of[i] = -1;
    }
    for (unsigned int e = 0; e < n; e++) {
        unsigned int vcpu = entries[e].vcpu;
        unsigned int host_cpu = entries[e].host_cpu;

        if (vcpu >= nr_cpus) {
            *error = g_strdup_printf("vcpu-pin.%u.vcpu: vCPU %u does not "
                                     "exist (the VM has vCPUs 0-%u)", e, vcpu,
                                     nr_cpus - 1);
            return NULL;
        }
        if (host_cpu >= in->host->nr_cpus) {
            *error = g_strdup_printf("vcpu-pin.%u.host-cpu: host CPU %u does "
                                     "not exist (the last is %u)", e,
                                     host_cpu, in->host->nr_cpus - 1);
            return NULL;
        }
        if (entry_of[vcpu] >= 0) {
            *error = g_strdup_printf("vcpu-pin.%u.vcpu: vCPU %u is already "
                                     "in vcpu-pin.%d", e, vcpu,
                                     entry_of[vcpu]);
            return NULL;
        }
        entry_of[vcpu] = e;
        plan[vcpu] = host_cpu;
    }
    for (unsigned int i = 0; i < nr_cpus; i++) {
        if (plan[i] == VTOPO_PIN_NONE) {
            *error = g_strdup_printf("vcpu-affinity=manual: vCPU %u is in no "
                                     "vcpu-pin entry; every possible vCPU "
                                     "(0-%u) needs one", i, nr_cpus - 1);
            return NULL;
        }
    }
    return g_steal_pointer(&plan);
}

VTopoPlacement *vtopo_placement_new(unsigned int nr_cpus)
{
    VTopoPlacement *pl = g_new0(VTopoPlacement, 1);

    pl->nr_cpus = nr_cpus;
    pl->cpus = g_new0(GArray *, nr_cpus);
    return pl;
}

VTopoPlacement *vtopo_placement_from_plan(const int *plan,
                                          unsigned int nr_cpus)
{
    VTopoPlacement *pl = vtopo_placement_new(nr_cpus);

    for (unsigned int v = 0; v < nr_cpus; v++) {
        if (plan[v] != VTOPO_PIN_NONE) {
            unsigned int cpu = plan[v];

            pl->cpus[v] = g_array_new(false, false, sizeof(unsigned int));
            g_array_append_val(pl->cpus[v], cpu);
        }
    }
    return pl;
}

void vtopo_placement_free(VTopoPlacement *pl)
{
    if (!pl) {
        return;
    }
    for (unsigned int v = 0; v < pl->nr_cpus; v++) {
        if (pl->cpus[v]) {
            g_array_unref(pl->cpus[v]);
        }
    }
    g_free(pl->cpus);
    g_free(pl);
}

/*
 * One rule's finding: the first offender's message, and how many more
 * offenders there are.
 */
typedef struct VTopoPinRule {
    const char *rule;
    VTopoSeverity severity;
    char *first;
    unsigned int more;
} VTopoPinRule;

static void G_GNUC_PRINTF(2, 3)
vtopo_pin_offender(VTopoPinRule *r, const char *fmt, ...)
{
    va_list ap;

    if (r->first) {
        r->more++;
        return;
    }
    va_start(ap, fmt);
    r->first = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static void vtopo_pin_report(GArray *findings, VTopoPinRule *r)
{
    g_autofree char *first = r->first;

    if (!first) {
        return;
    }
    if (r->more) {
        vtopo_add_finding(findings, r->rule, r->severity, "%s (and %u more)",
                          first, r->more);
    } else {
        vtopo_add_finding(findings, r->rule, r->severity, "%s", first);
    }
}

static char *vtopo_size_text(uint64_t size)
{
    if (size >= 1024 * 1024 && !(size % (1024 * 1024))) {
        return g_strdup_printf("%" PRIu64 " MiB", size >> 20);
    }
    return g_strdup_printf("%" PRIu64 " KiB", size >> 10);
}

static int vtopo_uint_compare(const unsigned int *a, const unsigned int *b)
{
    return *a < *b ? -1 : *a > *b;
}

static char *vtopo_ids_text(const GArray *ids)
{
    g_autoptr(GArray) sorted = g_array_copy((GArray *)ids);
    g_autoptr(GString) text = g_string_new(NULL);

    g_array_sort(sorted, (GCompareFunc)vtopo_uint_compare);
    vtopo_format_cpulist(text, (const unsigned int *)sorted->data,
                         sorted->len);
    return g_string_free(g_steal_pointer(&text), false);
}

/* Whether host CPU @cpu exists and is online. */
static bool vtopo_host_cpu_online(const VTopoHost *host, unsigned int cpu)
{
    return cpu < host->nr_cpus && host->cpus[cpu].online;
}

/*
 * The host core (@llc false) or last-level cache (@llc true) that all
 * the online CPUs of @cpus are in: its index, or -1 if they are in
 * several (the vCPU floats: it is not pinned at that level, like a vCPU
 * that may run anywhere) or none of them has one.
 */
static int vtopo_placed_domain(const VTopoHost *host, const GArray *cpus,
                               bool llc)
{
    int domain = -1;

    for (guint i = 0; i < cpus->len; i++) {
        unsigned int cpu = g_array_index(cpus, unsigned int, i);
        int d;

        if (!vtopo_host_cpu_online(host, cpu)) {
            continue;
        }
        d = llc ? host->cpus[cpu].llc : host->cpus[cpu].core_domain;
        if (d < 0) {
            continue;
        }
        if (domain < 0) {
            domain = d;
        } else if (domain != d) {
            return -1;
        }
    }
    return domain;
}

/* The one host CPU of @cpus, or -1 if there are several. */
static int vtopo_placed_cpu(const GArray *cpus)
{
    return cpus->len == 1 ? (int)g_array_index(cpus, unsigned int, 0) : -1;
}

/* pin-allowed for host CPU @cpu of vCPU @v in a plan. */
static void vtopo_check_allowed(const VTopoPinInput *in, const bool *allowed,
                                const char *allowed_text, unsigned int v,
                                unsigned int cpu, VTopoPinRule *rule)
{
    const VTopoHost *host = in->host;

    if (cpu >= host->nr_cpus) {
        vtopo_pin_offender(rule, "vCPU %u is pinned to host CPU %u, which the "
                           "host does not have (the last is %u)", v, cpu,
                           host->nr_cpus - 1);
    } else if (!host->cpus[cpu].online) {
        vtopo_pin_offender(rule, "vCPU %u is pinned to host CPU %u, which is "
                           "offline (QEMU may run on %s)", v, cpu,
                           allowed_text);
    } else if (!allowed[cpu]) {
        vtopo_pin_offender(rule, "vCPU %u is pinned to host CPU %u, which is "
                           "not one QEMU may run on (QEMU may run on %s)", v,
                           cpu, allowed_text);
    }
}

/*
 * pin-allowed for a placement the kernel reported: it may list CPUs
 * that are offline (a mask set before they went), which the vCPU never
 * runs on; only a vCPU with no online CPU at all is wrong.
 */
static void vtopo_check_online(const VTopoHost *host, unsigned int v,
                               const GArray *cpus, VTopoPinRule *rule)
{
    g_autofree char *text = NULL;

    for (guint i = 0; i < cpus->len; i++) {
        if (vtopo_host_cpu_online(host, g_array_index(cpus, unsigned int,
                                                      i))) {
            return;
        }
    }
    text = vtopo_ids_text(cpus);
    vtopo_pin_offender(rule, "vCPU %u may run on host CPUs %s only, which "
                       "are offline or not the host's", v, text);
}

/*
 * The VTopoTakenCpu of each host CPU of @in->host, NULL for one no
 * other process's thread is pinned to alone.
 */
static const VTopoTakenCpu **vtopo_taken_by_cpu(const VTopoPinInput *in)
{
    const VTopoTakenCpu **by_cpu = g_new0(const VTopoTakenCpu *,
                                          in->host->nr_cpus);

    for (guint i = 0; in->taken && i < in->taken->len; i++) {
        const VTopoTakenCpu *t = &g_array_index(in->taken, VTopoTakenCpu, i);

        if (t->cpu < in->host->nr_cpus) {
            by_cpu[t->cpu] = t;
        }
    }
    return by_cpu;
}

/* pin-allowed, pin-shared-cpu, pin-taken */
static void vtopo_check_host_cpus(const VTopoPinInput *in,
                                  const VTopoPlacement *pl, GArray *findings)
{
    const VTopoHost *host = in->host;
    VTopoPinRule allowed_rule = { "pin-allowed", VTOPO_SEVERITY_ERROR };
    VTopoPinRule shared = { "pin-shared-cpu", VTOPO_SEVERITY_WARNING };
    VTopoPinRule taken_rule = { "pin-taken", VTOPO_SEVERITY_WARNING };
    g_autofree bool *allowed = NULL;
    g_autofree int *vcpu_on = g_new(int, host->nr_cpus);
    g_autofree const VTopoTakenCpu **taken = vtopo_taken_by_cpu(in);
    g_autofree char *allowed_text = NULL;

    if (in->allowed) {
        allowed = g_new0(bool, host->nr_cpus);
        allowed_text = vtopo_ids_text(in->allowed);
        for (guint i = 0; i < in->allowed->len; i++) {
            unsigned int cpu = g_array_index(in->allowed, unsigned int, i);

            if (cpu < host->nr_cpus) {
                allowed[cpu] = host->cpus[cpu].online;
            }
        }
    }
    for (unsigned int c = 0; c < host->nr_cpus; c++) {
        vcpu_on[c] = -1;
    }
    for (unsigned int v = 0; v < pl->nr_cpus; v++) {
        const GArray *cpus = pl->cpus[v];
        int cpu;

        if (!cpus) {
            continue;
        }
        if (in->allowed) {
            for (guint i = 0; i < cpus->len; i++) {
                vtopo_check_allowed(in, allowed, allowed_text, v,
                                    g_array_index(cpus, unsigned int, i),
                                    &allowed_rule);
            }
        } else {
            vtopo_check_online(host, v, cpus, &allowed_rule);
        }
        cpu = vtopo_placed_cpu(cpus);
        if (cpu < 0 || cpu >= (int)host->nr_cpus) {
            continue;
        }
        if (vcpu_on[cpu] >= 0) {
            vtopo_pin_offender(&shared, "vCPUs %d and %u are both pinned to "
                               "host CPU %d", vcpu_on[cpu], v, cpu);
        } else {
            vcpu_on[cpu] = v;
        }
        if (taken[cpu]) {
            vtopo_pin_offender(&taken_rule, "vCPU %u is pinned to host CPU "
                               "%d, which thread %d of process %d (%s) is "
                               "pinned to as well", v, cpu, taken[cpu]->tid,
                               taken[cpu]->pid, taken[cpu]->comm);
        }
    }
    vtopo_pin_report(findings, &allowed_rule);
    vtopo_pin_report(findings, &shared);
    vtopo_pin_report(findings, &taken_rule);
}

/*
 * pin-smt-exposed for a used host core with a thread that runs no vCPU
 * of the VM (@runs_vcpu: per host CPU), so other threads may run there.
 */
static void vtopo_check_idle_siblings(const VTopoPinInput *in,
                                      const VTopoPlacement *pl,
                                      const bool *runs_vcpu,
                                      VTopoPinRule *exposed)
{
    const VTopoHost *host = in->host;
    g_autofree int *idle = g_new(int, host->nr_cores + 1);

    for (unsigned int c = 0; c <= host->nr_cores; c++) {
        idle[c] = -1;
    }
    for (unsigned int s = 0; s < host->nr_cpus; s++) {
        if (host->cpus[s].online && !runs_vcpu[s] &&
            idle[host->cpus[s].core_domain] < 0) {
            idle[host->cpus[s].core_domain] = s;
        }
    }
    for (unsigned int v = 0; v < pl->nr_cpus && !exposed->first; v++) {
        const GArray *cpus = pl->cpus[v];

        for (guint i = 0; cpus && i < cpus->len && !exposed->first; i++) {
            unsigned int cpu = g_array_index(cpus, unsigned int, i);

            if (vtopo_host_cpu_online(host, cpu) &&
                idle[host->cpus[cpu].core_domain] >= 0) {
                vtopo_pin_offender(exposed, "the host CPUs leak between SMT "
                                   "siblings (vulnerabilities/%s) and host "
                                   "CPU %d, a sibling of vCPU %u's host CPU "
                                   "%u, runs other threads; use "
                                   "core-sched=vm or core-sched=core",
                                   host->smt_exposure,
                                   idle[host->cpus[cpu].core_domain], v,
                                   cpu);
            }
        }
    }
}

/*
 * Virtual cores and the host cores their vCPUs run on, as
 * vtopo_check_cores() meets them: the first of each, and its vCPU.
 */
typedef struct VTopoCoreMap {
    int *vcore_host_core;
    int *vcore_first;
    int *host_core_vcore;
    int *host_core_vcpu;
} VTopoCoreMap;

/*
 * vCPU @v, of virtual core @vcore, runs on host core @hcore: its
 * virtual core's other threads must be on SMT siblings of it, and no
 * other virtual core on it.
 */
static void vtopo_check_core_of(const VTopoPinInput *in,
                                const VTopoPlacement *pl, VTopoCoreMap *map,
                                unsigned int v, int vcore, int hcore,
                                VTopoPinRule *siblings,
                                VTopoPinRule *core_shared)
{
    int first = map->vcore_first[vcore];

    if (map->vcore_host_core[vcore] == -1) {
        map->vcore_host_core[vcore] = hcore;
        map->vcore_first[vcore] = v;
    } else if (map->vcore_host_core[vcore] != hcore && in->host->smt) {
        g_autofree char *a = vtopo_ids_text(pl->cpus[first]);
        g_autofree char *b = vtopo_ids_text(pl->cpus[v]);

        vtopo_pin_offender(siblings, "vCPUs %d and %u are threads of "
                           "one virtual core, but their host CPUs %s "
                           "and %s are not SMT siblings", first, v, a, b);
    }
    if (map->host_core_vcore[hcore] < 0) {
        map->host_core_vcore[hcore] = vcore;
        map->host_core_vcpu[hcore] = v;
    } else if (map->host_core_vcore[hcore] != vcore) {
        int other = map->host_core_vcpu[hcore];
        g_autofree char *a = vtopo_ids_text(pl->cpus[other]);
        g_autofree char *b = vtopo_ids_text(pl->cpus[v]);

        vtopo_pin_offender(core_shared, "vCPUs %d and %u are in "
                           "different virtual cores but run on one "
                           "host core (host CPUs %s and %s)%s", other, v,
                           a, b, in->core_sched == VTOPO_CORE_SCHED_CORE
                           ? "; core-sched=core keeps them from running "
                             "at once" : "");
    }
}

/* pin-host-no-smt, pin-smt-siblings, pin-core-shared, pin-smt-exposed */
static void vtopo_check_cores(const VTopoPinInput *in,
                              const VTopoPlacement *pl, GArray *findings)
{
    const VTopo *topo = in->topo;
    const VTopoHost *host = in->host;
    unsigned int threads = topo->shape.count[CPU_TOPOLOGY_LEVEL_THREAD];
    VTopoPinRule no_smt = { "pin-host-no-smt", VTOPO_SEVERITY_WARNING };
    VTopoPinRule siblings = { "pin-smt-siblings", VTOPO_SEVERITY_WARNING };
    VTopoPinRule core_shared = {
        "pin-core-shared",
        in->core_sched == VTOPO_CORE_SCHED_CORE ? VTOPO_SEVERITY_ERROR
                                                : VTOPO_SEVERITY_WARNING,
    };
    VTopoPinRule exposed = { "pin-smt-exposed", VTOPO_SEVERITY_WARNING };
    g_autofree int *vcore_host_core = g_new(int, topo->nr_cpus);
    g_autofree int *vcore_first = g_new(int, topo->nr_cpus);
    g_autofree int *host_core_vcore = g_new(int, host->nr_cores + 1);
    g_autofree int *host_core_vcpu = g_new(int, host->nr_cores + 1);
    g_autofree bool *runs_vcpu = g_new0(bool, host->nr_cpus);
    VTopoCoreMap map = { vcore_host_core, vcore_first, host_core_vcore,
                         host_core_vcpu };
    bool pinned = false;

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        vcore_host_core[i] = -1;
        vcore_first[i] = -1;
    }
    for (unsigned int c = 0; c <= host->nr_cores; c++) {
        host_core_vcore[c] = -1;
    }
    for (unsigned int v = 0; v < pl->nr_cpus && v < topo->nr_cpus; v++) {
        int vcore = vtopo_cpu_domain(topo, &topo->cpus[v],
                                     CPU_TOPOLOGY_LEVEL_CORE);
        const GArray *cpus = pl->cpus[v];
        int hcore;

        if (!cpus) {
            if (host->smt && host->smt_exposure &&
                in->core_sched == VTOPO_CORE_SCHED_OFF) {
                vtopo_pin_offender(&exposed, "the host CPUs leak between SMT "
                                   "siblings (vulnerabilities/%s) and "
                                   "vCPU %u is not pinned, so it shares "
                                   "host cores with other threads; use "
                                   "core-sched=vm or core-sched=core",
                                   host->smt_exposure, v);
            }
            continue;
        }
        for (guint i = 0; i < cpus->len; i++) {
            unsigned int cpu = g_array_index(cpus, unsigned int, i);

            if (cpu < host->nr_cpus) {
                runs_vcpu[cpu] = true;
            }
        }
        hcore = vtopo_placed_domain(host, cpus, false);
        pinned |= hcore >= 0;
        if (vcore >= 0 && hcore >= 0) {
            vtopo_check_core_of(in, pl, &map, v, vcore, hcore, &siblings,
                                &core_shared);
        }
    }
    if (pinned && threads > 1 && !host->smt) {
        vtopo_pin_offender(&no_smt, "the virtual cores have %u threads, but "
                           "the host has no SMT: the guest schedules for "
                           "sibling threads that are separate host cores",
                           threads);
    }
    if (host->smt && host->smt_exposure &&
        in->core_sched == VTOPO_CORE_SCHED_OFF && !exposed.first) {
        vtopo_check_idle_siblings(in, pl, runs_vcpu, &exposed);
    }
    vtopo_pin_report(findings, &no_smt);
    vtopo_pin_report(findings, &siblings);
    vtopo_pin_report(findings, &core_shared);
    vtopo_pin_report(findings, &exposed);
}

/*
 * The host node that all the online CPUs of @cpus are in, or -1 if they
 * are in several (the vCPU is not pinned to a node) or in none.
 */
static int vtopo_placed_node(const VTopoHost *host, const GArray *cpus)
{
    int node = -1;

    for (guint i = 0; i < cpus->len; i++) {
        unsigned int cpu = g_array_index(cpus, unsigned int, i);

        if (!vtopo_host_cpu_online(host, cpu) || host->cpus[cpu].node < 0) {
            continue;
        }
        if (node < 0) {
            node = host->cpus[cpu].node;
        } else if (node != host->cpus[cpu].node) {
            return -1;
        }
    }
    return node;
}

/*
 * The host nodes (ids, in order of first use) that the vCPUs of virtual
 * node @vnode are pinned to; *@all_pinned says whether every one is
 * pinned to one host node.
 */
static GArray *vtopo_vnode_host_nodes(const VTopoPinInput *in,
                                      const VTopoPlacement *pl,
                                      unsigned int vnode, bool *all_pinned)
{
    const VTopo *topo = in->topo;
    const VTopoHost *host = in->host;
    GArray *on = g_array_new(false, false, sizeof(unsigned int));
    g_autofree bool *seen = g_new0(bool, host->nodes->len);

    *all_pinned = true;
    for (unsigned int v = 0; v < pl->nr_cpus && v < topo->nr_cpus; v++) {
        const GArray *cpus = pl->cpus[v];
        int node, n;

        if (topo->cpus[v].node != (int)vnode) {
            continue;
        }
        node = cpus ? vtopo_placed_node(host, cpus) : -1;
        if (node < 0) {
            *all_pinned = false;
            continue;
        }
        n = vtopo_host_node_index(host, node);
        if (n >= 0 && !seen[n]) {
            unsigned int id = node;

            seen[n] = true;
            g_array_append_val(on, id);
        }
    }
    return on;
}

/* The first of the host nodes @on that is not in @bound, or -1. */
static int vtopo_node_outside(const GArray *on, const GArray *bound)
{
    for (guint i = 0; i < on->len; i++) {
        unsigned int id = g_array_index(on, unsigned int, i);
        bool in_bound = false;

        for (guint b = 0; b < bound->len; b++) {
            in_bound |= g_array_index(bound, unsigned int, b) == id;
        }
        if (!in_bound) {
            return id;
        }
    }
    return -1;
}

/* pin-node-span, pin-node-memory, pin-node-unbound */
static void vtopo_check_nodes(const VTopoPinInput *in,
                              const VTopoPlacement *pl, GArray *findings)
{
    const VTopoHost *host = in->host;
    VTopoPinRule span = { "pin-node-span", VTOPO_SEVERITY_WARNING };
    VTopoPinRule memory = { "pin-node-memory", VTOPO_SEVERITY_WARNING };
    VTopoPinRule unbound = { "pin-node-unbound", VTOPO_SEVERITY_WARNING };
    unsigned int memory_nodes = 0;

    for (guint n = 0; n < host->nodes->len; n++) {
        memory_nodes += g_array_index(host->nodes, VTopoHostNode,
                                      n).mem_size != 0;
    }
    for (unsigned int vnode = 0; vnode < in->topo->nr_nodes; vnode++) {
        GArray *bound = in->node_memory ? in->node_memory[vnode] : NULL;
        g_autoptr(GArray) on = NULL;
        bool all_pinned;
        int outside;

        on = vtopo_vnode_host_nodes(in, pl, vnode, &all_pinned);
        if (!on->len) {
            continue;
        }
        if (on->len > 1) {
            g_autofree char *nodes = vtopo_ids_text(on);

            vtopo_pin_offender(&span, "virtual node %u's vCPUs run on host "
                               "nodes %s, so the guest sees one node where "
                               "the host has several", vnode, nodes);
        }
        if (bound && bound->len) {
            g_autofree char *bound_text = vtopo_ids_text(bound);

            outside = vtopo_node_outside(on, bound);
            if (outside >= 0) {
                vtopo_pin_offender(&memory, "virtual node %u's vCPUs "
                                   "run on host node %d, but its memory "
                                   "is bound to host node%s %s", vnode,
                                   outside, vtopo_plural(bound->len),
                                   bound_text);
            }
        } else if (on->len == 1 && all_pinned && memory_nodes > 1) {
            unsigned int id = g_array_index(on, unsigned int, 0);

            vtopo_pin_offender(&unbound, "virtual node %u's vCPUs are "
                               "pinned to host node %u, but its memory is "
                               "not bound; give its memory backend "
                               "host-nodes=%u,policy=bind", vnode, id, id);
        }
    }
    vtopo_pin_report(findings, &span);
    vtopo_pin_report(findings, &memory);
    vtopo_pin_report(findings, &unbound);
}

/*
 * pin-llc-span: the vCPUs of one virtual last-level cache domain must
 * run within one host last-level cache.
 */
static void vtopo_check_llc(const VTopoPinInput *in, const VTopoPlacement *pl,
                            const VTopoSharedCache *llc, VTopoPinRule *span)
{
    const VTopo *topo = in->topo;
    unsigned int domains = vtopo_cache_instance_limit(topo, llc);
    g_autofree char *sharing = vtopo_cache_sharing_name(llc);
    g_autofree int *domain_llc = g_new(int, domains);
    g_autofree int *domain_vcpu = g_new(int, domains);

    for (unsigned int d = 0; d < domains; d++) {
        domain_llc[d] = -1;
    }
    for (unsigned int v = 0; v < pl->nr_cpus && v < topo->nr_cpus; v++) {
        int d = vtopo_cache_instance(topo, llc, &topo->cpus[v]);
        int host_llc;

        if (!pl->cpus[v] || d < 0 || d >= (int)domains) {
            continue;
        }
        host_llc = vtopo_placed_domain(in->host, pl->cpus[v], true);
        if (host_llc == -1) {
            continue;
        }
        if (domain_llc[d] == -1) {
            domain_llc[d] = host_llc;
            domain_vcpu[d] = v;
        } else if (domain_llc[d] != host_llc) {
            g_autofree char *a = vtopo_ids_text(pl->cpus[domain_vcpu[d]]);
            g_autofree char *b = vtopo_ids_text(pl->cpus[v]);

            vtopo_pin_offender(span, "vCPUs %d and %u share a virtual "
                               "last-level cache (%s %d), but their host "
                               "CPUs %s and %s do not share one",
                               domain_vcpu[d], v, sharing, d, a, b);
            domain_llc[d] = host_llc;
            domain_vcpu[d] = v;
        }
    }
}

/* pin-cache-size: whether vCPU @v's host CPUs have caches as large. */
static bool vtopo_check_cache_size(const VTopoPinInput *in,
                                   const VTopoCache *cache,
                                   const GArray *cpus, unsigned int v,
                                   VTopoPinRule *size)
{
    for (guint i = 0; i < cpus->len; i++) {
        unsigned int cpu = g_array_index(cpus, unsigned int, i);
        const VTopoHostCache *hc;

        if (!vtopo_host_cpu_online(in->host, cpu)) {
            continue;
        }
        hc = vtopo_host_cpu_cache(in->host, cpu, cache->level, cache->type);
        if (hc && cache->size > hc->size) {
            g_autofree char *want = vtopo_size_text(cache->size);
            g_autofree char *have = vtopo_size_text(hc->size);

            vtopo_pin_offender(size, "the virtual L%u %s cache (%s) is "
                               "larger than the host's (%s) that vCPU %u "
                               "runs on (host CPU %u)", cache->level,
                               vtopo_cache_type_name(cache->type), want,
                               have, v, cpu);
            return false;
        }
    }
    return true;
}

/* pin-llc-span, pin-cache-size */
static void vtopo_check_caches(const VTopoPinInput *in,
                               const VTopoPlacement *pl, GArray *findings)
{
    const VTopo *topo = in->topo;
    VTopoPinRule span = { "pin-llc-span", VTOPO_SEVERITY_WARNING };
    VTopoPinRule size = { "pin-cache-size", VTOPO_SEVERITY_WARNING };
    const VTopoSharedCache *llc = vtopo_llc(topo);

    if (llc) {
        vtopo_check_llc(in, pl, llc, &span);
    }
    for (unsigned int c = 0; c < topo->nr_caches; c++) {
        const VTopoCache *cache = &topo->caches[c].geometry;

        for (unsigned int v = 0; v < pl->nr_cpus; v++) {
            if (pl->cpus[v] &&
                !vtopo_check_cache_size(in, cache, pl->cpus[v], v, &size)) {
                break;
            }
        }
    }
    vtopo_pin_report(findings, &span);
    vtopo_pin_report(findings, &size);
}

GArray *vtopo_placement_check(const VTopoPinInput *in,
                              const VTopoPlacement *placement)
{
    GArray *findings = vtopo_findings_new();

    vtopo_check_host_cpus(in, placement, findings);
    vtopo_check_cores(in, placement, findings);
    vtopo_check_nodes(in, placement, findings);
    vtopo_check_caches(in, placement, findings);
    return findings;
}

GArray *vtopo_pin_check(const VTopoPinInput *in, const int *plan)
{
    g_autoptr(VTopoPlacement) pl = vtopo_placement_from_plan(
        plan, in->topo->nr_cpus);

    return vtopo_placement_check(in, pl);
}
