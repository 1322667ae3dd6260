/*
 * vtopo: a virtual machine that mirrors a slice of the host
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/vtopo/model.h"
#include "accel/vtopo/mirror.h"

/*
 * A host core: its online threads, ascending, and where it is.  A core
 * is usable only whole: every online thread allowed and not excluded,
 * so that no other vCPU placement QEMU makes shares it (other tasks of
 * the host may still run on an idle sibling: core-sched=vm keeps them
 * off).
 */
typedef struct MirrorCore {
    GArray *cpus;
    int package;
    int node;
    int domain;
    bool usable;
} MirrorCore;

/*
 * A host domain: the usable cores of one package in one node that share
 * one last-level cache (or, where the last-level cache is private to a
 * core, all of them).  A virtual die or cluster mirrors one.
 */
typedef struct MirrorDomain {
    int package;
    int node;
    GArray *cores;              /* MirrorCore indexes, by first CPU */
    unsigned int free;          /* cores that can hold a virtual core */
} MirrorDomain;

/* One way to fit the request: @sockets x @per_socket domains of @cores. */
typedef struct MirrorFit {
    unsigned int sockets;
    unsigned int per_socket;
    unsigned int cores;
    unsigned int nr_nodes;
    GArray *domains;            /* MirrorDomain indexes, socket by socket */
} MirrorFit;

typedef struct MirrorPlanner {
    const VTopoHost *host;
    const VTopoMirrorRequest *req;
    unsigned int threads;
    GArray *cores;              /* MirrorCore */
    GArray *domains;            /* MirrorDomain */
    unsigned int nr_packages;
    unsigned int nr_node_slots; /* host node ids + 1 (no node) */
} MirrorPlanner;

static const char *mirror_plural(unsigned int n)
{
    return n == 1 ? "" : "s";
}

static void mirror_fit_clear(MirrorFit *fit)
{
    if (fit->domains) {
        g_array_unref(fit->domains);
        fit->domains = NULL;
    }
}

static void mirror_planner_destroy(MirrorPlanner *p)
{
    for (guint i = 0; p->cores && i < p->cores->len; i++) {
        g_array_unref(g_array_index(p->cores, MirrorCore, i).cpus);
    }
    for (guint i = 0; p->domains && i < p->domains->len; i++) {
        g_array_unref(g_array_index(p->domains, MirrorDomain, i).cores);
    }
    if (p->cores) {
        g_array_unref(p->cores);
    }
    if (p->domains) {
        g_array_unref(p->domains);
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MirrorPlanner, mirror_planner_destroy)

/*
 * The cores of the host cache @index, and in *@in_node those of them in
 * host node @node.
 */
static unsigned int mirror_cache_cores(const VTopoHost *host,
                                       unsigned int index, int node,
                                       unsigned int *in_node)
{
    const VTopoHostCache *cache = &g_array_index(host->caches,
                                                 VTopoHostCache, index);
    g_autoptr(GHashTable) cores = g_hash_table_new(NULL, NULL);

    *in_node = 0;
    for (guint i = 0; i < cache->cpus->len; i++) {
        unsigned int cpu = g_array_index(cache->cpus, unsigned int, i);
        const VTopoHostCpu *hc;

        if (cpu >= host->nr_cpus || !host->cpus[cpu].online) {
            continue;
        }
        hc = &host->cpus[cpu];
        if (g_hash_table_add(cores, GINT_TO_POINTER(hc->core_domain + 1))) {
            *in_node += hc->node == node;
        }
    }
    return g_hash_table_size(cores);
}

/* Whether the host cache @llc holds the threads of more than one core. */
static bool mirror_cache_spans_cores(const VTopoHost *host, int llc)
{
    unsigned int in_node;

    return llc >= 0 && mirror_cache_cores(host, llc, -1, &in_node) > 1;
}

/* The host cores, in the order of their first CPU. */
static void mirror_planner_cores(MirrorPlanner *p, const bool *usable_cpu)
{
    const VTopoHost *host = p->host;
    g_autofree int *core_of = g_new(int, host->nr_cores + 1);

    for (unsigned int c = 0; c <= host->nr_cores; c++) {
        core_of[c] = -1;
    }
    for (unsigned int cpu = 0; cpu < host->nr_cpus; cpu++) {
        const VTopoHostCpu *hc = &host->cpus[cpu];
        MirrorCore *core;

        if (!hc->online) {
            continue;
        }
        if (core_of[hc->core_domain] < 0) {
            MirrorCore fresh = {
                .cpus = g_array_new(false, false, sizeof(unsigned int)),
                .package = MAX(hc->package, 0),
                .node = hc->node,
                .domain = -1,
                .usable = true,
            };

            core_of[hc->core_domain] = p->cores->len;
            g_array_append_val(p->cores, fresh);
            p->nr_packages = MAX(p->nr_packages, (unsigned int)fresh.package
                                 + 1);
        }
        core = &g_array_index(p->cores, MirrorCore, core_of[hc->core_domain]);
        g_array_append_val(core->cpus, cpu);
        p->nr_node_slots = MAX(p->nr_node_slots, (unsigned int)(hc->node + 2));
        core->usable &= usable_cpu[cpu];
    }
}

/*
 * The domains of the usable cores (package, node and a last-level cache
 * shared by several cores), in the order of their first core.
 */
static void mirror_planner_domains(MirrorPlanner *p)
{
    g_autoptr(GHashTable) domain_of =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint c = 0; c < p->cores->len; c++) {
        MirrorCore *core = &g_array_index(p->cores, MirrorCore, c);
        unsigned int first = g_array_index(core->cpus, unsigned int, 0);
        int llc = p->host->cpus[first].llc;
        g_autofree char *key = NULL;
        gpointer index;

        if (!core->usable) {
            continue;
        }
        key = g_strdup_printf("%d/%d/%d", core->package, core->node,
                              mirror_cache_spans_cores(p->host, llc) ? llc
                                                                     : -1);
        if (!g_hash_table_lookup_extended(domain_of, key, NULL, &index)) {
            MirrorDomain fresh = {
                .package = core->package,
                .node = core->node,
                .cores = g_array_new(false, false, sizeof(unsigned int)),
            };

            index = GUINT_TO_POINTER(p->domains->len);
            g_array_append_val(p->domains, fresh);
            g_hash_table_insert(domain_of, g_steal_pointer(&key), index);
        }
        core->domain = GPOINTER_TO_UINT(index);
        g_array_append_val(g_array_index(p->domains, MirrorDomain,
                                         core->domain).cores, c);
    }
}

/* The host cores and domains, in the order of their first CPU. */
static void mirror_planner_init(MirrorPlanner *p, const VTopoHost *host,
                                const VTopoMirrorRequest *req)
{
    g_autofree bool *usable_cpu = g_new0(bool, host->nr_cpus);

    p->host = host;
    p->req = req;
    p->cores = g_array_new(false, true, sizeof(MirrorCore));
    p->domains = g_array_new(false, true, sizeof(MirrorDomain));
    for (guint i = 0; i < req->allowed->len; i++) {
        unsigned int cpu = g_array_index(req->allowed, unsigned int, i);

        if (cpu < host->nr_cpus) {
            usable_cpu[cpu] = true;
        }
    }
    for (guint i = 0; req->exclude && i < req->exclude->len; i++) {
        unsigned int cpu = g_array_index(req->exclude, unsigned int, i);

        if (cpu < host->nr_cpus) {
            usable_cpu[cpu] = false;
        }
    }
    mirror_planner_cores(p, usable_cpu);
    mirror_planner_domains(p);
}

/* Count the cores of each domain that can hold p->threads threads. */
static void mirror_count_free(MirrorPlanner *p)
{
    for (guint d = 0; d < p->domains->len; d++) {
        MirrorDomain *dom = &g_array_index(p->domains, MirrorDomain, d);

        dom->free = 0;
        for (guint i = 0; i < dom->cores->len; i++) {
            const MirrorCore *core =
                &g_array_index(p->cores, MirrorCore,
                               g_array_index(dom->cores, unsigned int, i));

            dom->free += core->cpus->len >= p->threads;
        }
    }
}

static int mirror_node_order(gconstpointer a, gconstpointer b, gpointer opaque)
{
    const unsigned int *count = opaque;
    int x = *(const int *)a, y = *(const int *)b;

    if (count[x] != count[y]) {
        return count[x] > count[y] ? -1 : 1;
    }
    return x < y ? -1 : x > y;
}

/*
 * Pick @want domains of package @package with @cores free cores each,
 * from as few host nodes as possible: the nodes with the most such
 * domains first, then by id.  Appends them to @out (ordered by node,
 * then first CPU) and returns the number of nodes, or 0 if the package
 * has too few.
 */
static unsigned int mirror_pick_in_package(const MirrorPlanner *p,
                                           int package, unsigned int want,
                                           unsigned int cores, GArray *out)
{
    g_autofree unsigned int *count = g_new0(unsigned int, p->nr_node_slots);
    g_autoptr(GArray) nodes = g_array_new(false, false, sizeof(int));
    unsigned int fitting = 0, taken = 0, used = 0;

    for (guint d = 0; d < p->domains->len; d++) {
        const MirrorDomain *dom = &g_array_index(p->domains, MirrorDomain, d);
        int slot = dom->node + 1;

        if (dom->package != package || dom->free < cores) {
            continue;
        }
        if (!count[slot]++) {
            g_array_append_val(nodes, slot);
        }
        fitting++;
    }
    if (fitting < want) {
        return 0;
    }
    g_array_sort_with_data(nodes, mirror_node_order, count);
    for (guint n = 0; n < nodes->len && taken < want; n++) {
        int node = g_array_index(nodes, int, n) - 1;

        used++;
        for (guint d = 0; d < p->domains->len && taken < want; d++) {
            const MirrorDomain *dom = &g_array_index(p->domains,
                                                     MirrorDomain, d);

            if (dom->package == package && dom->node == node &&
                dom->free >= cores) {
                unsigned int index = d;

                g_array_append_val(out, index);
                taken++;
            }
        }
    }
    return used;
}

/*
 * Fit @sockets x @per_socket domains of @cores cores: the packages that
 * need the fewest nodes, then by id.  False if fewer than @sockets
 * packages can.
 */
static bool mirror_fit(const MirrorPlanner *p, unsigned int sockets,
                       unsigned int per_socket, unsigned int cores,
                       MirrorFit *fit)
{
    g_autofree unsigned int *need = g_new0(unsigned int, p->nr_packages);
    g_autofree int *order = g_new(int, p->nr_packages);
    unsigned int capable = 0;

    for (unsigned int pkg = 0; pkg < p->nr_packages; pkg++) {
        g_autoptr(GArray) scratch = g_array_new(false, false,
                                                sizeof(unsigned int));

        need[pkg] = mirror_pick_in_package(p, pkg, per_socket, cores, scratch);
        if (need[pkg]) {
            order[capable++] = pkg;
        }
    }
    if (capable < sockets) {
        return false;
    }
    /* Insertion sort: packages are few. */
    for (unsigned int i = 1; i < capable; i++) {
        int pkg = order[i];
        unsigned int j = i;

        while (j > 0 && need[order[j - 1]] > need[pkg]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = pkg;
    }
    /* The chosen packages become sockets in id order. */
    for (unsigned int i = 1; i < sockets; i++) {
        int pkg = order[i];
        unsigned int j = i;

        while (j > 0 && order[j - 1] > pkg) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = pkg;
    }
    *fit = (MirrorFit) {
        .sockets = sockets,
        .per_socket = per_socket,
        .cores = cores,
        .domains = g_array_new(false, false, sizeof(unsigned int)),
    };
    for (unsigned int s = 0; s < sockets; s++) {
        fit->nr_nodes += mirror_pick_in_package(p, order[s], per_socket,
                                                cores, fit->domains);
    }
    return true;
}

/* Whether fit @a is better than @b by the request's preference. */
static bool mirror_fit_better(const MirrorPlanner *p, const MirrorFit *a,
                              const MirrorFit *b)
{
    unsigned int la = a->sockets * a->per_socket;
    unsigned int lb = b->sockets * b->per_socket;

    if (!b->domains) {
        return true;
    }
    if (p->req->llc_first && la != lb) {
        return la < lb;
    }
    if (a->nr_nodes != b->nr_nodes) {
        return a->nr_nodes < b->nr_nodes;
    }
    if (la != lb) {
        return la < lb;
    }
    return a->sockets < b->sockets;
}

/*
 * The best fit of @nr_vcores virtual cores: every split into sockets x
 * domains x cores that the machine can describe.
 */
static bool mirror_best_fit(const MirrorPlanner *p, unsigned int nr_vcores,
                            bool sub_socket, MirrorFit *best)
{
    *best = (MirrorFit) { 0 };
    for (unsigned int llcs = 1; llcs <= nr_vcores; llcs++) {
        if (nr_vcores % llcs) {
            continue;
        }
        for (unsigned int sockets = 1; sockets <= llcs; sockets++) {
            MirrorFit fit;

            if (llcs % sockets || (!sub_socket && llcs != sockets) ||
                sockets > p->nr_packages) {
                continue;
            }
            if (!mirror_fit(p, sockets, llcs / sockets, nr_vcores / llcs,
                            &fit)) {
                continue;
            }
            if ((p->req->max_nodes && fit.nr_nodes > p->req->max_nodes) ||
                !mirror_fit_better(p, &fit, best)) {
                mirror_fit_clear(&fit);
                continue;
            }
            mirror_fit_clear(best);
            *best = fit;
        }
    }
    return best->domains != NULL;
}

/* The level that groups the cores of a domain below a socket. */
static CpuTopologyLevel mirror_domain_level(const VTopoMirrorRequest *req)
{
    static const CpuTopologyLevel levels[] = {
        CPU_TOPOLOGY_LEVEL_DIE, CPU_TOPOLOGY_LEVEL_CLUSTER,
        CPU_TOPOLOGY_LEVEL_MODULE,
    };

    for (unsigned int i = 0; i < G_N_ELEMENTS(levels); i++) {
        if (req->supported[levels[i]]) {
            return levels[i];
        }
    }
    return CPU_TOPOLOGY_LEVEL_DEFAULT;
}

/* Usable whole cores with at least @threads online threads. */
static unsigned int mirror_usable_cores(const MirrorPlanner *p,
                                        unsigned int threads)
{
    unsigned int n = 0;

    for (guint c = 0; c < p->cores->len; c++) {
        const MirrorCore *core = &g_array_index(p->cores, MirrorCore, c);

        n += core->usable && core->cpus->len >= threads;
    }
    return n;
}

static char *mirror_no_fit(MirrorPlanner *p, unsigned int nr_vcores,
                           bool sub_socket)
{
    const VTopoMirrorRequest *req = p->req;
    unsigned int usable = mirror_usable_cores(p, p->threads);
    unsigned int largest = 0;
    g_autofree char *limit = req->max_nodes
        ? g_strdup_printf(" in at most %u host node%s", req->max_nodes,
                          mirror_plural(req->max_nodes))
        : g_strdup("");

    for (unsigned int n = MIN(nr_vcores - 1, usable); n > 0 && !largest;
         n--) {
        MirrorFit fit;

        if (mirror_best_fit(p, n, sub_socket, &fit)) {
            largest = n;
            mirror_fit_clear(&fit);
        }
    }
    if (usable < nr_vcores) {
        return g_strdup_printf("%u vCPUs need %u free host core%s with %u "
                               "thread%s, but QEMU may use %u whole; the "
                               "largest fit%s is %u vCPU%s",
                               req->max_vcpus, nr_vcores,
                               mirror_plural(nr_vcores), p->threads,
                               mirror_plural(p->threads), usable, limit,
                               largest * p->threads,
                               mirror_plural(largest * p->threads));
    }
    return g_strdup_printf("%u vCPUs (%u core%s of %u thread%s) do not split "
                           "evenly over the host's last-level caches%s; the "
                           "largest fit is %u vCPU%s", req->max_vcpus,
                           nr_vcores, mirror_plural(nr_vcores), p->threads,
                           mirror_plural(p->threads), limit,
                           largest * p->threads,
                           mirror_plural(largest * p->threads));
}

/* Virtual threads per core: the host's, when the request allows. */
static bool mirror_threads(MirrorPlanner *p, VTopoMirror *m, char **error)
{
    const VTopoMirrorRequest *req = p->req;
    unsigned int host_threads = MAX(p->host->threads_per_core, 1);

    p->threads = req->smt == VTOPO_MIRROR_SMT_OFF ? 1 : host_threads;
    if (req->max_vcpus % p->threads == 0) {
        return true;
    }
    if (req->smt == VTOPO_MIRROR_SMT_ON) {
        *error = g_strdup_printf("%u vCPUs are not whole host cores of %u "
                                 "threads; ask for a multiple of %u",
                                 req->max_vcpus, p->threads, p->threads);
        return false;
    }
    g_ptr_array_add(m->notes, g_strdup_printf("%u vCPUs are not whole host "
                                              "cores of %u threads: one "
                                              "vCPU per host core, without "
                                              "SMT", req->max_vcpus,
                                              p->threads));
    p->threads = 1;
    return true;
}

/* Host CPUs of the fit, vCPU by vCPU, in QEMU's enumeration order. */
static void mirror_place(const MirrorPlanner *p, const MirrorFit *fit,
                         VTopoMirror *m)
{
    unsigned int v = 0;

    m->plan = g_new(int, p->req->max_vcpus);
    for (guint d = 0; d < fit->domains->len; d++) {
        const MirrorDomain *dom = &g_array_index(p->domains, MirrorDomain,
                                                 g_array_index(fit->domains,
                                                               unsigned int,
                                                               d));
        unsigned int placed = 0;

        for (guint c = 0; c < dom->cores->len && placed < fit->cores; c++) {
            const MirrorCore *core = &g_array_index(p->cores, MirrorCore,
                                                    g_array_index(dom->cores,
                                                                  unsigned int,
                                                                  c));

            if (core->cpus->len < p->threads) {
                continue;
            }
            for (unsigned int t = 0; t < p->threads; t++) {
                m->plan[v++] = g_array_index(core->cpus, unsigned int, t);
            }
            placed++;
        }
    }
}

/* Without host nodes to mirror: whether the memory fits the host. */
static bool mirror_memory_fits(const VTopoHost *host, uint64_t mem_size,
                               char **error)
{
    uint64_t total = 0;

    for (guint n = 0; n < host->nodes->len; n++) {
        total += g_array_index(host->nodes, VTopoHostNode, n).mem_size;
    }
    if (total && mem_size > total) {
        *error = g_strdup_printf("%" PRIu64 " MiB of memory do not fit: "
                                 "the host has %" PRIu64 " MiB",
                                 mem_size >> 20, total >> 20);
        return false;
    }
    return true;
}

/* The host nodes that hold memory. */
static unsigned int mirror_memory_nodes(const VTopoHost *host)
{
    unsigned int memory_nodes = 0;

    for (guint n = 0; n < host->nodes->len; n++) {
        memory_nodes += g_array_index(host->nodes, VTopoHostNode,
                                      n).mem_size != 0;
    }
    return memory_nodes;
}

/*
 * A virtual node per host node the vCPUs run on, in vCPU order: each
 * vCPU's in @vnode, each node's host node in @m->host_node; returns how
 * many, 0 on error.
 */
static unsigned int mirror_group_vcpus(const MirrorPlanner *p,
                                       VTopoMirror *m,
                                       unsigned int memory_nodes, int *vnode,
                                       char **error)
{
    g_autofree int *vnode_of = g_new(int, VTOPO_HOST_MAX_NODES + 1);
    unsigned int nr_nodes = 0;

    for (unsigned int i = 0; i <= VTOPO_HOST_MAX_NODES; i++) {
        vnode_of[i] = -1;
    }
    m->host_node = g_new(unsigned int, p->req->max_vcpus);
    for (unsigned int v = 0; v < p->req->max_vcpus; v++) {
        int host_node = p->host->cpus[m->plan[v]].node;

        if (host_node < 0) {
            *error = g_strdup_printf("host CPU %d is in no NUMA node, on a "
                                     "host with %u memory nodes", m->plan[v],
                                     memory_nodes);
            return 0;
        }
        if (vnode_of[host_node + 1] < 0) {
            vnode_of[host_node + 1] = nr_nodes;
            m->host_node[nr_nodes++] = host_node;
        }
        vnode[v] = vnode_of[host_node + 1];
    }
    return nr_nodes;
}

/*
 * The plan's model, once its vCPUs have their host CPUs: @shape, and one
 * virtual node per host node the vCPUs run on when the host has more
 * than one node with memory (without them, the memory must fit the
 * host).  The caches and the nodes' memory come after.
 */
static bool mirror_model(const MirrorPlanner *p, VTopoMirror *m,
                         const VTopoShape *shape, char **error)
{
    unsigned int memory_nodes = mirror_memory_nodes(p->host);
    g_autofree int *vnode = g_new(int, p->req->max_vcpus);
    unsigned int nr_nodes = 0;

    if (memory_nodes <= 1) {
        if (!mirror_memory_fits(p->host, p->req->mem_size, error)) {
            return false;
        }
    } else {
        nr_nodes = mirror_group_vcpus(p, m, memory_nodes, vnode, error);
        if (!nr_nodes) {
            return false;
        }
    }
    m->topology = vtopo_new(shape, nr_nodes);
    for (unsigned int v = 0; nr_nodes && v < p->req->max_vcpus; v++) {
        m->topology->cpus[v].node = vnode[v];
    }
    return true;
}

/*
 * Virtual node @i's memory, @share units that must fit its host node,
 * and its distances: its host node's to theirs (at most 255,
 * vtopo_host_read() checks).
 */
static bool mirror_node_memory(const MirrorPlanner *p, VTopoMirror *m,
                               unsigned int i, uint64_t share, char **error)
{
    const VTopoHost *host = p->host;
    VTopo *topo = m->topology;
    VTopoNode *node = &topo->nodes[i];
    int from = vtopo_host_node_index(host, m->host_node[i]);
    const VTopoHostNode *hn = &g_array_index(host->nodes, VTopoHostNode,
                                             from);

    node->mem_size = share * VTOPO_MIRROR_MEM_UNIT;
    if (!share) {
        *error = g_strdup_printf("%" PRIu64 " MiB of memory are too "
                                 "little for %u nodes: give each at "
                                 "least %" PRIu64 " MiB",
                                 p->req->mem_size >> 20, topo->nr_nodes,
                                 VTOPO_MIRROR_MEM_UNIT >> 20);
        return false;
    }
    if (node->mem_size > hn->mem_size) {
        *error = g_strdup_printf("%" PRIu64 " MiB of memory do not fit: "
                                 "virtual node %u gets %" PRIu64 " MiB, "
                                 "but host node %u holds %" PRIu64
                                 " MiB", p->req->mem_size >> 20, i,
                                 node->mem_size >> 20, m->host_node[i],
                                 hn->mem_size >> 20);
        return false;
    }
    for (unsigned int j = 0; j < topo->nr_nodes; j++) {
        int to = vtopo_host_node_index(host, m->host_node[j]);

        node->distance[j] = g_array_index(hn->distance, unsigned int, to);
    }
    return true;
}

/* The memory of the virtual nodes, split by vCPU share. */
static bool mirror_nodes(const MirrorPlanner *p, VTopoMirror *m,
                         char **error)
{
    const VTopoMirrorRequest *req = p->req;
    const VTopo *topo = m->topology;
    unsigned int memory_nodes = mirror_memory_nodes(p->host);
    uint64_t units = req->mem_size / VTOPO_MIRROR_MEM_UNIT, given = 0;

    for (unsigned int i = 0; i < topo->nr_nodes; i++) {
        unsigned int vcpus = 0;
        uint64_t share;

        for (unsigned int v = 0; v < topo->nr_cpus; v++) {
            vcpus += topo->cpus[v].node == (int)i;
        }
        share = i == topo->nr_nodes - 1 ? units - given :
                units * vcpus / req->max_vcpus;
        given += share;
        if (!mirror_node_memory(p, m, i, share, error)) {
            return false;
        }
    }
    if (topo->nr_nodes && memory_nodes > topo->nr_nodes) {
        g_ptr_array_add(m->notes, g_strdup_printf("the host has %u nodes "
                                                  "with memory; the VM "
                                                  "mirrors the %u its vCPUs "
                                                  "run on", memory_nodes,
                                                  topo->nr_nodes));
    }
    return true;
}

/* A size in QEMU's suffixed form: "32K", "16M", "1G". */
static char *mirror_size(uint64_t size)
{
    static const char suffix[] = "KMGT";

    for (int i = 3; i >= 0; i--) {
        uint64_t unit = UINT64_C(1) << (10 * (i + 1));

        if (size >= unit && !(size % unit)) {
            return g_strdup_printf("%" PRIu64 "%c", size / unit, suffix[i]);
        }
    }
    return g_strdup_printf("%" PRIu64, size);
}

static char *mirror_cpulist(const unsigned int *cpus, unsigned int n)
{
    GString *out = g_string_new(NULL);

    vtopo_format_cpulist(out, cpus, n);
    return g_string_free(out, false);
}

/*
 * A last-level cache that spans host nodes (Sub-NUMA Clustering) is
 * split into a domain per node (mirror_planner_init()), each of which
 * caches its node's memory in its own cores' slices: the node's share
 * of the cache, in whole sets.
 */
static void mirror_llc_node_share(const VTopoHost *host, unsigned int index,
                                  int node, VTopoMirror *m, VTopoCache *c)
{
    unsigned int in_node;
    unsigned int cores = mirror_cache_cores(host, index, node, &in_node);
    uint64_t set_bytes = (uint64_t)c->ways * c->partitions * c->line_size;
    g_autofree char *whole = mirror_size(c->size);
    g_autofree char *part = NULL;

    if (in_node == cores) {
        return;
    }
    c->size = c->size / cores * in_node / set_bytes * set_bytes;
    part = mirror_size(c->size);
    g_ptr_array_add(m->notes, g_strdup_printf(
        "the host's L%u cache spans NUMA nodes (Sub-NUMA Clustering): each "
        "virtual one is its node's share, %u of its %u cores: %s of %s",
        c->level, in_node, cores, part, whole));
}

/* Whether host CPUs @a and @b have caches of the same geometry. */
static bool mirror_same_caches(const VTopoHost *host, const VTopoHostCpu *a,
                               const VTopoHostCpu *b)
{
    if (a->nr_caches != b->nr_caches) {
        return false;
    }
    for (unsigned int i = 0; i < a->nr_caches; i++) {
        const VTopoHostCache *x = &g_array_index(host->caches, VTopoHostCache,
                                                 a->caches[i]);
        const VTopoHostCache *y = &g_array_index(host->caches, VTopoHostCache,
                                                 b->caches[i]);

        if (x->level != y->level || x->type != y->type ||
            x->size != y->size || x->ways != y->ways ||
            x->line_size != y->line_size) {
            return false;
        }
    }
    return true;
}

/*
 * The guest describes one geometry per cache: say so if the host CPUs
 * of the plan differ (a hybrid host's performance and efficient cores).
 */
static void mirror_note_other_caches(const MirrorPlanner *p, VTopoMirror *m)
{
    const VTopoHost *host = p->host;
    unsigned int nr = p->req->max_vcpus;
    const VTopoHostCpu *first = &host->cpus[m->plan[0]];
    g_autofree bool *differs = g_new0(bool, host->nr_cpus);
    g_autofree unsigned int *other = g_new(unsigned int, nr);
    unsigned int nr_other = 0;
    g_autofree char *list = NULL;

    for (unsigned int v = 1; v < nr; v++) {
        differs[m->plan[v]] = !mirror_same_caches(host, first,
                                                  &host->cpus[m->plan[v]]);
    }
    for (unsigned int cpu = 0; cpu < host->nr_cpus; cpu++) {
        if (differs[cpu]) {
            other[nr_other++] = cpu;
        }
    }
    if (!nr_other) {
        return;
    }
    list = mirror_cpulist(other, nr_other);
    g_ptr_array_add(m->notes, g_strdup_printf(
        "host CPU%s %s %s caches other than host CPU %d's, which the guest "
        "describes for every vCPU", nr_other == 1 ? "" : "s", list,
        nr_other == 1 ? "has" : "have", m->plan[0]));
}

/*
 * The host caches of vCPU 0's host CPU, shared as on the host: by the
 * threads of a core, or by a last-level cache domain.
 */
static void mirror_caches(const MirrorPlanner *p, VTopoMirror *m)
{
    const VTopoHost *host = p->host;
    const VTopoHostCpu *cpu = &host->cpus[m->plan[0]];
    VTopoSharedCache caches[VTOPO_MAX_CACHES];
    unsigned int nr_caches = 0;

    if (!cpu->nr_caches) {
        /*
         * Some hosts (microVMs, some hypervisors' guests) have no
         * cache directory in sysfs: the topology, nodes and placement
         * are still known, so plan them and keep the CPU model's
         * caches.
         */
        g_ptr_array_add(m->notes, g_strdup_printf(
            "the host describes no caches of CPU %d (devices/system/cpu/"
            "cpu%d/cache): the guest keeps the CPU model's caches",
            m->plan[0], m->plan[0]));
        return;
    }
    mirror_note_other_caches(p, m);
    for (unsigned int i = 0; i < cpu->nr_caches; i++) {
        const VTopoHostCache *hc = &g_array_index(host->caches,
                                                  VTopoHostCache,
                                                  cpu->caches[i]);
        VTopoSharedCache sc = {
            .geometry = {
                .level = hc->level,
                .type = hc->type,
                .size = hc->size,
                .ways = hc->ways,
                .line_size = hc->line_size,
                .partitions = 1,
            },
        };
        g_autofree char *reason = NULL;

        if (hc->level < 1 || hc->level > 3 ||
            (hc->level == 1) == (hc->type == VTOPO_CACHE_UNIFIED)) {
            g_ptr_array_add(m->notes, g_strdup_printf(
                "the host's L%u %s cache is not mirrored: the guest's "
                "caches are split L1, unified L2 and L3", hc->level,
                vtopo_cache_type_name(hc->type)));
            continue;
        }
        if (!mirror_cache_spans_cores(host, cpu->caches[i])) {
            sc.sharing = CPU_TOPOLOGY_LEVEL_CORE;
        } else if ((int)cpu->caches[i] == cpu->llc) {
            sc.sharing = m->llc_level;
            mirror_llc_node_share(host, cpu->caches[i], cpu->node, m,
                                  &sc.geometry);
        } else {
            g_ptr_array_add(m->notes, g_strdup_printf(
                "the host's L%u cache is shared by several cores but is "
                "not the last-level cache: not mirrored", hc->level));
            continue;
        }
        if (!vtopo_cache_check(&sc.geometry, &reason) ||
            (p->req->cache_fit && !p->req->cache_fit(&sc.geometry,
                                                     &reason))) {
            g_ptr_array_add(m->notes, g_strdup_printf(
                "the host's L%u %s cache is not mirrored: %s", hc->level,
                vtopo_cache_type_name(hc->type), reason));
            continue;
        }
        if (sc.geometry.ways != hc->ways) {
            g_ptr_array_add(m->notes, g_strdup_printf(
                "the host's L%u %s cache has %u ways, which the guest's "
                "CPUID cannot list; it is described with %u ways and the "
                "same size", hc->level, vtopo_cache_type_name(hc->type),
                hc->ways, sc.geometry.ways));
        }
        if (nr_caches < VTOPO_MAX_CACHES) {
            caches[nr_caches++] = sc;
        }
    }
    vtopo_set_caches(m->topology, caches, nr_caches);
}

static const char *mirror_core_sched_name(VTopoCoreSched mode)
{
    switch (mode) {
    case VTOPO_CORE_SCHED_VM:
        return "vm";
    case VTOPO_CORE_SCHED_CORE:
        return "core";
    default:
        return "off";
    }
}

bool vtopo_mirror_core_sched(const VTopoHost *host, unsigned int threads,
                             bool topology_given, bool host_core_sched,
                             bool has_mode, VTopoCoreSched mode,
                             VTopoCoreSched *result, GPtrArray *notes,
                             char **error)
{
    *result = VTOPO_CORE_SCHED_OFF;
    if (has_mode) {
        *result = mode;
        if (host->smt && host->smt_exposure && mode == VTOPO_CORE_SCHED_OFF) {
            g_ptr_array_add(notes, g_strdup_printf(
                "the host CPUs leak between SMT siblings (vulnerabilities/"
                "%s): core-sched=off, as asked", host->smt_exposure));
        }
        return true;
    }
    if (!host->smt || !host->smt_exposure) {
        return true;
    }
    if (host_core_sched) {
        *result = VTOPO_CORE_SCHED_VM;
        return true;
    }
    if (threads < host->threads_per_core) {
        g_autofree char *advice = topology_given ? g_strdup("") :
            g_strdup_printf("; ask for a multiple of %u vCPUs",
                            host->threads_per_core);

        *error = g_strdup_printf("the host CPUs leak between SMT siblings "
                                 "(vulnerabilities/%s) and the host kernel "
                                 "has no core scheduling, so the idle "
                                 "siblings of one-thread virtual cores "
                                 "would run other threads%s",
                                 host->smt_exposure, advice);
        return false;
    }
    g_ptr_array_add(notes, g_strdup_printf("the host CPUs leak between "
                                           "SMT siblings (vulnerabilities"
                                           "/%s): a host kernel with core "
                                           "scheduling would let the VM "
                                           "use core-sched=vm",
                                           host->smt_exposure));
    return true;
}

VTopoMirror *vtopo_mirror_plan(const VTopoHost *host,
                               const VTopoMirrorRequest *req, char **error)
{
    g_auto(MirrorPlanner) p = { 0 };
    g_autoptr(VTopoMirror) m = g_new0(VTopoMirror, 1);
    CpuTopologyLevel below_socket = mirror_domain_level(req);
    VTopoShape shape = { 0 };
    MirrorFit fit;
    unsigned int nr_vcores;

    *error = NULL;
    m->notes = g_ptr_array_new_with_free_func(g_free);
    if (!req->vcpus || req->max_vcpus < req->vcpus) {
        *error = g_strdup_printf("%u vCPUs, at most %u: give at least one "
                                 "vCPU, and maxcpus no smaller",
                                 req->vcpus, req->max_vcpus);
        return NULL;
    }
    if (!req->mem_size || req->mem_size % VTOPO_MIRROR_MEM_UNIT) {
        *error = g_strdup_printf("memory must be a non-zero multiple of "
                                 "%" PRIu64 " MiB",
                                 VTOPO_MIRROR_MEM_UNIT >> 20);
        return NULL;
    }
    mirror_planner_init(&p, host, req);
    if (!mirror_threads(&p, m, error)) {
        return NULL;
    }
    mirror_count_free(&p);
    nr_vcores = req->max_vcpus / p.threads;
    if (!mirror_best_fit(&p, nr_vcores,
                         below_socket < CPU_TOPOLOGY_LEVEL_DEFAULT,
                         &fit)) {
        *error = mirror_no_fit(&p, nr_vcores,
                               below_socket < CPU_TOPOLOGY_LEVEL_DEFAULT);
        return NULL;
    }

    for (int l = 0; l < VTOPO_LEVELS; l++) {
        shape.count[l] = 1;
        shape.supported[l] = req->supported[l];
    }
    shape.supported[CPU_TOPOLOGY_LEVEL_SOCKET] = true;
    shape.supported[CPU_TOPOLOGY_LEVEL_CORE] = true;
    shape.supported[CPU_TOPOLOGY_LEVEL_THREAD] = true;
    shape.count[CPU_TOPOLOGY_LEVEL_SOCKET] = fit.sockets;
    shape.count[CPU_TOPOLOGY_LEVEL_CORE] = fit.cores;
    shape.count[CPU_TOPOLOGY_LEVEL_THREAD] = p.threads;
    shape.cpus = req->vcpus;
    m->llc_level = CPU_TOPOLOGY_LEVEL_SOCKET;
    if (fit.per_socket > 1) {
        shape.count[below_socket] = fit.per_socket;
        m->llc_level = below_socket;
    }
    m->mem_size = req->mem_size;
    mirror_place(&p, &fit, m);
    mirror_fit_clear(&fit);
    if (!mirror_model(&p, m, &shape, error)) {
        return NULL;
    }
    mirror_caches(&p, m);
    if (!mirror_nodes(&p, m, error) ||
        !vtopo_mirror_core_sched(host, p.threads, false, req->core_sched,
                                 req->has_core_sched_mode,
                                 req->core_sched_mode, &m->core_sched,
                                 m->notes, error)) {
        return NULL;
    }
    return g_steal_pointer(&m);
}

void vtopo_mirror_free(VTopoMirror *m)
{
    vtopo_free(m->topology);
    g_free(m->host_node);
    g_free(m->plan);
    g_ptr_array_unref(m->notes);
    g_free(m);
}

/* Formatting */

/* The vCPUs of node @n of @topo (unsigned int, ascending). */
static GArray *mirror_node_vcpus(const VTopo *topo, unsigned int n)
{
    GArray *vcpus = g_array_new(false, false, sizeof(unsigned int));

    for (unsigned int v = 0; v < topo->nr_cpus; v++) {
        if (topo->cpus[v].node == (int)n) {
            g_array_append_val(vcpus, v);
        }
    }
    return vcpus;
}

/* The vCPUs of node @n of @topo in Linux cpulist form. */
static char *mirror_node_cpulist(const VTopo *topo, unsigned int n)
{
    g_autoptr(GArray) vcpus = mirror_node_vcpus(topo, n);

    return mirror_cpulist((const unsigned int *)vcpus->data, vcpus->len);
}

const char *vtopo_mirror_cache_name(const VTopoCache *cache)
{
    switch (cache->level) {
    case 1:
        return cache->type == VTOPO_CACHE_INSTRUCTION ? "l1i" : "l1d";
    case 2:
        return "l2";
    default:
        return "l3";
    }
}

static void mirror_add_option(GArray *options, const char *option,
                              char *value)
{
    VTopoMirrorOption o = { option, value };

    g_array_append_val(options, o);
}

static int mirror_uint_compare(gconstpointer a, gconstpointer b,
                               gpointer opaque)
{
    unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

    return x < y ? -1 : x > y;
}

/* -smp: the counts of every level with more than one domain */
static char *mirror_smp_option(const VTopoShape *s)
{
    GString *smp = g_string_new(NULL);

    g_string_printf(smp, "cpus=%u,maxcpus=%u,sockets=%u", s->cpus,
                    vtopo_shape_max_cpus(s),
                    s->count[CPU_TOPOLOGY_LEVEL_SOCKET]);
    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_DIE;
         l > CPU_TOPOLOGY_LEVEL_CORE; l--) {
        if (s->count[l] > 1) {
            g_string_append_printf(smp, ",%ss=%u", vtopo_level_name(l),
                                   s->count[l]);
        }
    }
    g_string_append_printf(smp, ",cores=%u,threads=%u",
                           s->count[CPU_TOPOLOGY_LEVEL_CORE],
                           s->count[CPU_TOPOLOGY_LEVEL_THREAD]);
    return g_string_free(smp, false);
}

/* -machine smp-cache.N...: every cache, or NULL without caches */
static char *mirror_cache_option(const VTopoMirror *m)
{
    GString *caches = g_string_new(NULL);

    for (unsigned int i = 0; i < m->topology->nr_caches; i++) {
        const VTopoSharedCache *sc = &m->topology->caches[i];
        const VTopoCache *c = &sc->geometry;
        g_autofree char *size = mirror_size(c->size);

        g_string_append_printf(caches, "%ssmp-cache.%u.cache=%s,"
                               "smp-cache.%u.topology=%s,"
                               "smp-cache.%u.size=%s,smp-cache.%u.ways=%u,"
                               "smp-cache.%u.line-size=%u",
                               i ? "," : "", i, vtopo_mirror_cache_name(c),
                               i, vtopo_level_name(sc->sharing),
                               i, size, i, c->ways, i, c->line_size);
    }
    return g_string_free(caches, !caches->len);
}

/* Node @n: its memory backend, bound to its host node, and -numa node */
static void mirror_add_node_options(GArray *options, const VTopoMirror *m,
                                    unsigned int n)
{
    const VTopoNode *node = &m->topology->nodes[n];
    g_autoptr(GArray) vcpus = mirror_node_vcpus(m->topology, n);
    g_autofree char *size = mirror_size(node->mem_size);
    const unsigned int *v = (const unsigned int *)vcpus->data;
    GString *numa = g_string_new(NULL);
    guint i = 0;

    mirror_add_option(options, "object",
                      g_strdup_printf("memory-backend-ram,id=vtopo-node%u,"
                                      "size=%s,host-nodes=%u,policy=bind",
                                      n, size, m->host_node[n]));
    g_string_printf(numa, "node,nodeid=%u", n);
    while (i < vcpus->len) {
        guint j = i;

        while (j + 1 < vcpus->len && v[j + 1] == v[j] + 1) {
            j++;
        }
        g_string_append_printf(numa, ",cpus=%u", v[i]);
        if (j > i) {
            g_string_append_printf(numa, "-%u", v[j]);
        }
        i = j + 1;
    }
    g_string_append_printf(numa, ",memdev=vtopo-node%u", n);
    mirror_add_option(options, "numa", g_string_free(numa, false));
}

/* -machine vcpu-affinity=manual,...: each vCPU's host CPU, core scheduling */
static char *mirror_placement_option(const VTopoMirror *m)
{
    GString *placement = g_string_new("vcpu-affinity=manual");
    unsigned int nr = vtopo_shape_max_cpus(&m->topology->shape);

    for (unsigned int v = 0; v < nr; v++) {
        g_string_append_printf(placement, ",vcpu-pin.%u.vcpu=%u"
                               ",vcpu-pin.%u.host-cpu=%d", v, v, v,
                               m->plan[v]);
    }
    if (m->core_sched != VTOPO_CORE_SCHED_OFF) {
        g_string_append_printf(placement, ",core-sched=%s",
                               mirror_core_sched_name(m->core_sched));
    }
    return g_string_free(placement, false);
}

GArray *vtopo_mirror_qemu_options(const VTopoMirror *m)
{
    GArray *options = g_array_new(false, false, sizeof(VTopoMirrorOption));
    char *caches = mirror_cache_option(m);

    mirror_add_option(options, "smp", mirror_smp_option(&m->topology->shape));
    if (caches) {
        mirror_add_option(options, "machine", caches);
    }
    mirror_add_option(options, "m", mirror_size(m->mem_size));
    for (unsigned int n = 0; n < m->topology->nr_nodes; n++) {
        mirror_add_node_options(options, m, n);
    }
    for (unsigned int a = 0; a < m->topology->nr_nodes; a++) {
        const VTopoNode *from = &m->topology->nodes[a];

        for (unsigned int b = 0; b < m->topology->nr_nodes; b++) {
            if (a == b || (a > b && from->distance[b] ==
                           m->topology->nodes[b].distance[a])) {
                continue;
            }
            mirror_add_option(options, "numa",
                              g_strdup_printf("dist,src=%u,dst=%u,val=%u",
                                              a, b, from->distance[b]));
        }
    }
    mirror_add_option(options, "machine", mirror_placement_option(m));
    return options;
}

void vtopo_mirror_options_free(GArray *options)
{
    for (guint i = 0; i < options->len; i++) {
        g_free(g_array_index(options, VTopoMirrorOption, i).value);
    }
    g_array_unref(options);
}

/* libvirt's name of a topology level attribute of <topology>. */
static const char *mirror_libvirt_level(CpuTopologyLevel level)
{
    switch (level) {
    case CPU_TOPOLOGY_LEVEL_DIE:
        return "dies";
    case CPU_TOPOLOGY_LEVEL_CLUSTER:
        return "clusters";
    default:
        return NULL;
    }
}

/* <numatune>: each cell's memory on its host node. */
static void mirror_xml_numatune(GString *x, const VTopoMirror *m)
{
    g_autofree unsigned int *hosts = g_new(unsigned int, m->topology->nr_nodes);
    g_autofree char *all = NULL;

    for (unsigned int n = 0; n < m->topology->nr_nodes; n++) {
        hosts[n] = m->host_node[n];
    }
    g_qsort_with_data(hosts, m->topology->nr_nodes, sizeof(*hosts),
                      mirror_uint_compare, NULL);
    all = mirror_cpulist(hosts, m->topology->nr_nodes);
    g_string_append_printf(x, "  <numatune>\n    <memory mode='strict' "
                           "nodeset='%s'/>\n", all);
    for (unsigned int n = 0; n < m->topology->nr_nodes; n++) {
        g_string_append_printf(x, "    <memnode cellid='%u' "
                               "mode='strict' nodeset='%u'/>\n", n,
                               m->host_node[n]);
    }
    g_string_append(x, "  </numatune>\n");
}

/* <topology> of <cpu>: sockets, the levels libvirt names, cores, threads */
static void mirror_xml_topology(GString *x, const VTopoShape *s)
{
    g_string_append_printf(x, "    <topology sockets='%u'",
                           s->count[CPU_TOPOLOGY_LEVEL_SOCKET]);
    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_DIE;
         l > CPU_TOPOLOGY_LEVEL_CORE; l--) {
        const char *name = mirror_libvirt_level(l);

        if (name && s->supported[l]) {
            g_string_append_printf(x, " %s='%u'", name, s->count[l]);
        }
    }
    g_string_append_printf(x, " cores='%u' threads='%u'/>\n",
                           s->count[CPU_TOPOLOGY_LEVEL_CORE],
                           s->count[CPU_TOPOLOGY_LEVEL_THREAD]);
}

/* <numa> of <cpu>: the cells, their vCPUs, memory and distances. */
static void mirror_xml_numa(GString *x, const VTopoMirror *m)
{
    g_string_append(x, "    <numa>\n");
    for (unsigned int n = 0; n < m->topology->nr_nodes; n++) {
        const VTopoNode *node = &m->topology->nodes[n];
        g_autofree char *cpus = mirror_node_cpulist(m->topology, n);

        g_string_append_printf(x, "      <cell id='%u' cpus='%s' "
                               "memory='%" PRIu64 "' unit='MiB'>\n"
                               "        <distances>\n", n, cpus,
                               node->mem_size >> 20);
        for (unsigned int j = 0; j < m->topology->nr_nodes; j++) {
            g_string_append_printf(x, "          <sibling id='%u' "
                                   "value='%u'/>\n", j, node->distance[j]);
        }
        g_string_append(x, "        </distances>\n      </cell>\n");
    }
    g_string_append(x, "    </numa>\n");
}

/*
 * What libvirt's XML has no element for: core scheduling (a comment),
 * and the -machine option (smp-cache) as <qemu:commandline>.
 */
static void mirror_xml_extras(GString *x, const VTopoMirror *m)
{
    g_autofree char *caches = mirror_cache_option(m);

    if (m->core_sched == VTOPO_CORE_SCHED_VM) {
        g_string_append(x, "  <!-- core scheduling: sched_core = \"emulator\" "
                        "in libvirt's qemu.conf -->\n");
    } else if (m->core_sched == VTOPO_CORE_SCHED_CORE) {
        g_string_append(x, "  <!-- core scheduling per virtual core "
                        "(core-sched=core): libvirt's sched_core has no "
                        "such mode -->\n");
    }
    /* The placement is libvirt's: <vcpupin>, <numatune>. */
    if (caches) {
        g_string_append_printf(x, "  <qemu:commandline>\n"
                               "    <qemu:arg value='-machine'/>\n"
                               "    <qemu:arg value='%s'/>\n"
                               "  </qemu:commandline>\n", caches);
    }
}

/*
 * <emulatorpin>: QEMU's other threads (I/O, the main loop) on the VM's
 * own host CPUs, so that they do not run on another VM's.
 */
static void mirror_xml_emulatorpin(GString *x, const VTopoMirror *m)
{
    unsigned int max = vtopo_shape_max_cpus(&m->topology->shape);
    g_autofree bool *used = g_new0(bool, VTOPO_HOST_MAX_CPUS);
    g_autofree unsigned int *cpus = g_new(unsigned int, max);
    g_autofree char *list = NULL;
    unsigned int n = 0;

    for (unsigned int v = 0; v < max; v++) {
        used[m->plan[v]] = true;
    }
    for (unsigned int c = 0; c < VTOPO_HOST_MAX_CPUS && n < max; c++) {
        if (used[c]) {
            cpus[n++] = c;
        }
    }
    list = mirror_cpulist(cpus, n);
    g_string_append_printf(x, "    <emulatorpin cpuset='%s'/>\n", list);
}

char *vtopo_mirror_libvirt_xml(const VTopoMirror *m, const char *arch)
{
    const VTopoShape *s = &m->topology->shape;
    GString *x = g_string_new(NULL);
    unsigned int max = vtopo_shape_max_cpus(s);
    bool arm = g_str_equal(arch, "aarch64");

    g_string_append_printf(x, "<domain type='kvm' xmlns:qemu="
                           "'http://libvirt.org/schemas/domain/qemu/1.0'>\n"
                           "  <name>vtopo-mirror</name>\n"
                           "  <memory unit='MiB'>%" PRIu64 "</memory>\n"
                           "  <vcpu placement='static' current='%u'>%u"
                           "</vcpu>\n", m->mem_size >> 20, s->cpus, max);
    g_string_append(x, "  <cputune>\n");
    for (unsigned int v = 0; v < max; v++) {
        g_string_append_printf(x, "    <vcpupin vcpu='%u' cpuset='%d'/>\n",
                               v, m->plan[v]);
    }
    mirror_xml_emulatorpin(x, m);
    g_string_append(x, "  </cputune>\n");
    if (m->topology->nr_nodes) {
        mirror_xml_numatune(x, m);
    }
    g_string_append_printf(x, "  <os>\n    <type arch='%s' machine='%s'>hvm"
                           "</type>\n  </os>\n", arch, arm ? "virt" : "q35");
    if (!arm) {
        g_string_append(x, "  <features>\n    <acpi/>\n  </features>\n");
    }
    g_string_append(x, "  <cpu mode='host-passthrough'>\n");
    mirror_xml_topology(x, s);
    if (m->topology->nr_nodes) {
        mirror_xml_numa(x, m);
    }
    g_string_append(x, "  </cpu>\n");
    mirror_xml_extras(x, m);
    g_string_append(x, "</domain>\n");
    return g_string_free(x, false);
}

static void mirror_json_string(GString *out, const char *text)
{
    g_string_append_c(out, '"');
    for (const char *c = text; *c; c++) {
        if (*c == '"' || *c == '\\') {
            g_string_append_c(out, '\\');
        }
        if ((unsigned char)*c < 0x20) {
            g_string_append_printf(out, "\\u%04x", *c);
            continue;
        }
        g_string_append_c(out, *c);
    }
    g_string_append_c(out, '"');
}

char *vtopo_mirror_json(const VTopoMirror *m)
{
    const VTopoShape *s = &m->topology->shape;
    GString *j = g_string_new("{\n  \"topology\": {");
    GArray *options = vtopo_mirror_qemu_options(m);
    unsigned int max = vtopo_shape_max_cpus(s);

    g_string_append_printf(j, "\"cpus\": %u, \"maxcpus\": %u", s->cpus, max);
    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_SOCKET;
         l > CPU_TOPOLOGY_LEVEL_THREAD; l--) {
        if (s->supported[l] || l == CPU_TOPOLOGY_LEVEL_SOCKET) {
            g_string_append_printf(j, ", \"%ss\": %u", vtopo_level_name(l),
                                   s->count[l]);
        }
    }
    g_string_append_printf(j, ", \"threads\": %u, \"llc-level\": \"%s\"},\n"
                           "  \"memory\": %" PRIu64 ",\n  \"caches\": [",
                           s->count[CPU_TOPOLOGY_LEVEL_THREAD],
                           vtopo_level_name(m->llc_level), m->mem_size);
    for (unsigned int i = 0; i < m->topology->nr_caches; i++) {
        const VTopoSharedCache *sc = &m->topology->caches[i];
        const VTopoCache *c = &sc->geometry;

        g_string_append_printf(j, "%s\n    {\"cache\": \"%s\", \"size\": %"
                               PRIu64 ", \"ways\": %u, \"line-size\": %u, "
                               "\"sets\": %" PRIu64 ", \"topology\": \"%s\"}",
                               i ? "," : "", vtopo_mirror_cache_name(c),
                               c->size, c->ways, c->line_size,
                               vtopo_cache_sets(c),
                               vtopo_level_name(sc->sharing));
    }
    g_string_append(j, "],\n  \"nodes\": [");
    for (unsigned int n = 0; n < m->topology->nr_nodes; n++) {
        const VTopoNode *node = &m->topology->nodes[n];
        g_autofree char *cpus = mirror_node_cpulist(m->topology, n);

        g_string_append_printf(j, "%s\n    {\"node-id\": %u, \"host-node\": "
                               "%u, \"memory\": %" PRIu64 ", \"cpus\": \"%s\""
                               ", \"distances\": [", n ? "," : "", n,
                               m->host_node[n], node->mem_size, cpus);
        for (unsigned int k = 0; k < m->topology->nr_nodes; k++) {
            g_string_append_printf(j, "%s%u", k ? ", " : "",
                                   node->distance[k]);
        }
        g_string_append(j, "]}");
    }
    g_string_append(j, "],\n  \"host-cpus\": [");
    for (unsigned int v = 0; v < max; v++) {
        g_string_append_printf(j, "%s%d", v ? ", " : "", m->plan[v]);
    }
    g_string_append_printf(j, "],\n  \"core-sched\": \"%s\",\n  \"notes\": [",
                           mirror_core_sched_name(m->core_sched));
    for (guint i = 0; i < m->notes->len; i++) {
        g_string_append(j, i ? ", " : "");
        mirror_json_string(j, g_ptr_array_index(m->notes, i));
    }
    g_string_append(j, "],\n  \"qemu-options\": [");
    for (guint i = 0; i < options->len; i++) {
        VTopoMirrorOption *o = &g_array_index(options, VTopoMirrorOption, i);
        g_autofree char *opt = g_strdup_printf("-%s", o->option);

        g_string_append(j, i ? ", " : "");
        mirror_json_string(j, opt);
        g_string_append(j, ", ");
        mirror_json_string(j, o->value);
    }
    vtopo_mirror_options_free(options);
    g_string_append(j, "]\n}\n");
    return g_string_free(j, false);
}
