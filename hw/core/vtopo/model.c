/*
 * vtopo: one model of a virtual machine's CPU topology and NUMA layout
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/vtopo/model.h"

/* The model relies on CpuTopologyLevel's order (see VTOPO_LEVELS). */
G_STATIC_ASSERT(CPU_TOPOLOGY_LEVEL_THREAD == 0 &&
                CPU_TOPOLOGY_LEVEL_CORE == CPU_TOPOLOGY_LEVEL_THREAD + 1 &&
                CPU_TOPOLOGY_LEVEL_MODULE == CPU_TOPOLOGY_LEVEL_CORE + 1 &&
                CPU_TOPOLOGY_LEVEL_CLUSTER == CPU_TOPOLOGY_LEVEL_MODULE + 1 &&
                CPU_TOPOLOGY_LEVEL_DIE == CPU_TOPOLOGY_LEVEL_CLUSTER + 1 &&
                CPU_TOPOLOGY_LEVEL_SOCKET == CPU_TOPOLOGY_LEVEL_DIE + 1 &&
                CPU_TOPOLOGY_LEVEL_BOOK == CPU_TOPOLOGY_LEVEL_SOCKET + 1 &&
                CPU_TOPOLOGY_LEVEL_DRAWER == CPU_TOPOLOGY_LEVEL_BOOK + 1 &&
                CPU_TOPOLOGY_LEVEL_DEFAULT == CPU_TOPOLOGY_LEVEL_DRAWER + 1);

static const char *const vtopo_level_names[VTOPO_LEVELS] = {
    [CPU_TOPOLOGY_LEVEL_THREAD] = "thread",
    [CPU_TOPOLOGY_LEVEL_CORE] = "core",
    [CPU_TOPOLOGY_LEVEL_MODULE] = "module",
    [CPU_TOPOLOGY_LEVEL_CLUSTER] = "cluster",
    [CPU_TOPOLOGY_LEVEL_DIE] = "die",
    [CPU_TOPOLOGY_LEVEL_SOCKET] = "socket",
    [CPU_TOPOLOGY_LEVEL_BOOK] = "book",
    [CPU_TOPOLOGY_LEVEL_DRAWER] = "drawer",
};

const char *vtopo_level_name(CpuTopologyLevel level)
{
    g_assert(level < VTOPO_LEVELS);
    return vtopo_level_names[level];
}

unsigned int vtopo_shape_cpus_per(const VTopoShape *shape,
                                  CpuTopologyLevel level)
{
    unsigned int n = 1;

    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_THREAD; l < level; l++) {
        n *= shape->count[l];
    }
    return n;
}

unsigned int vtopo_shape_max_cpus(const VTopoShape *shape)
{
    return vtopo_shape_cpus_per(shape, CPU_TOPOLOGY_LEVEL_DEFAULT);
}

void vtopo_shape_ids_from_index(const VTopoShape *shape, unsigned int index,
                                int id[VTOPO_LEVELS])
{
    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_THREAD; l < VTOPO_LEVELS;
         l++) {
        if (shape->supported[l]) {
            id[l] = index % shape->count[l];
        } else {
            id[l] = VTOPO_ID_NONE;
        }
        index /= shape->count[l];
    }
}

static void vtopo_table_clear(gpointer data)
{
    VTopoTable *t = data;

    g_free(t->sha256);
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
    topo->findings = vtopo_findings_new();
    topo->tables = g_array_new(false, true, sizeof(VTopoTable));
    g_array_set_clear_func(topo->tables, vtopo_table_clear);
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
    vtopo_findings_free(topo->findings);
    g_array_unref(topo->tables);
    g_free(topo);
}

bool vtopo_start_check(VTopo *topo, VTopoCheck check)
{
    g_assert(check < VTOPO_CHECK__MAX);
    if (topo->checked[check]) {
        return false;
    }
    topo->checked[check] = true;
    return true;
}

void vtopo_add_table(VTopo *topo, const char *signature, uint32_t length,
                     char *sha256)
{
    VTopoTable t = { .length = length, .sha256 = sha256 };

    g_strlcpy(t.signature, signature, sizeof(t.signature));
    g_array_append_val(topo->tables, t);
}

void vtopo_set_caches(VTopo *topo, const VTopoSharedCache *caches,
                      unsigned int n)
{
    g_assert(n <= VTOPO_MAX_CACHES);
    for (unsigned int i = 0; i < n; i++) {
        topo->caches[i] = caches[i];
    }
    topo->nr_caches = n;
}

/* "L3 unified cache (16777216 bytes, ..., per die)", for messages */
static char *vtopo_describe_cache(const VTopoSharedCache *c)
{
    return g_strdup_printf("L%u %s cache (%" PRIu64 " bytes, %u ways, "
                           "%u-byte lines, %u partitions, %sinclusive, "
                           "per %s)", c->geometry.level,
                           vtopo_cache_type_name(c->geometry.type),
                           c->geometry.size, c->geometry.ways,
                           c->geometry.line_size, c->geometry.partitions,
                           c->geometry.inclusive ? "" : "non-",
                           vtopo_level_name(c->sharing));
}

static bool vtopo_same_cache(const VTopoSharedCache *a,
                             const VTopoSharedCache *b)
{
    return a->geometry.level == b->geometry.level &&
           a->geometry.type == b->geometry.type &&
           a->geometry.size == b->geometry.size &&
           a->geometry.ways == b->geometry.ways &&
           a->geometry.line_size == b->geometry.line_size &&
           a->geometry.partitions == b->geometry.partitions &&
           a->geometry.inclusive == b->geometry.inclusive &&
           a->sharing == b->sharing;
}

bool vtopo_same_caches(const VTopo *topo, const VTopoSharedCache *caches,
                       unsigned int n, char **what)
{
    for (unsigned int i = 0; i < MAX(n, topo->nr_caches); i++) {
        const VTopoSharedCache *got = i < n ? &caches[i] : NULL;
        const VTopoSharedCache *want = i < topo->nr_caches ? &topo->caches[i]
                                                           : NULL;
        g_autofree char *got_text = NULL, *want_text = NULL;

        if (got && want && vtopo_same_cache(got, want)) {
            continue;
        }
        if (what) {
            got_text = got ? vtopo_describe_cache(got) : NULL;
            want_text = want ? vtopo_describe_cache(want) : NULL;
            *what = g_strdup_printf("%s%s, where the machine's vCPUs have "
                                    "%s%s", got ? "an " : "",
                                    got ? got_text : "no more caches",
                                    want ? "an " : "",
                                    want ? want_text : "none");
        }
        return false;
    }
    return true;
}

/* The geometry of @req over @c: each member @req gives. */
static void vtopo_cache_apply_request(VTopoSharedCache *c,
                                      const VTopoCacheRequest *req)
{
    const VTopoCache *g = &req->geometry;

    c->geometry.level = g->level;
    c->geometry.type = g->type;
    if (req->given & VTOPO_CACHE_FIELD_SIZE) {
        c->geometry.size = g->size;
    }
    if (req->given & VTOPO_CACHE_FIELD_WAYS) {
        c->geometry.ways = g->ways;
    }
    if (req->given & VTOPO_CACHE_FIELD_LINE_SIZE) {
        c->geometry.line_size = g->line_size;
    }
    if (req->given & VTOPO_CACHE_FIELD_PARTITIONS) {
        c->geometry.partitions = g->partitions;
    }
    if (req->given & VTOPO_CACHE_FIELD_INCLUSIVE) {
        c->geometry.inclusive = g->inclusive;
    }
    c->given = req->given;
    if (req->sharing != CPU_TOPOLOGY_LEVEL_DEFAULT) {
        c->sharing = req->sharing;
        c->given |= VTOPO_CACHE_FIELD_SHARING;
    }
}

int vtopo_cache_resolve(const VTopoCpuCaches *cpu, unsigned int kind,
                        const VTopoCacheRequest *req, VTopoSharedCache *out,
                        char **reason)
{
    const unsigned int whole = VTOPO_CACHE_FIELD_SIZE |
                               VTOPO_CACHE_FIELD_WAYS |
                               VTOPO_CACHE_FIELD_LINE_SIZE;
    VTopoSharedCache c = {
        .geometry = { .partitions = 1 },
    };

    g_assert(kind < VTOPO_MAX_CACHES);
    c.sharing = cpu->cache[kind].sharing;
    if (req->given && cpu->fixed[kind]) {
        *reason = g_strdup(cpu->fixed[kind]);
        return -1;
    }
    if ((req->given & VTOPO_CACHE_FIELD_INCLUSIVE) && cpu->inclusive_fixed) {
        *reason = g_strdup(cpu->inclusive_fixed);
        return -1;
    }
    if (cpu->present[kind]) {
        c = cpu->cache[kind];
    } else if (!req->given && (req->sharing == CPU_TOPOLOGY_LEVEL_DEFAULT ||
                               !cpu->sharing_needs_cache)) {
        return 0;
    } else if (!req->given && cpu->fixed[kind]) {
        *reason = g_strdup("the CPU describes no such cache");
        return -1;
    } else if ((req->given & whole) != whole) {
        *reason = g_strdup("the CPU has no such cache; give its size, ways "
                           "and line-size");
        return -1;
    }
    vtopo_cache_apply_request(&c, req);
    if (req->given &&
        (!vtopo_cache_check(&c.geometry, reason) ||
         !cpu->encodable(&c.geometry, cpu->opaque, reason))) {
        return -1;
    }
    *out = c;
    return 1;
}

unsigned int vtopo_caches_outermost_first(const VTopo *topo,
                                          unsigned int *order)
{
    unsigned int n = 0;

    for (unsigned int level = 3; level >= 1; level--) {
        for (unsigned int i = 0; i < topo->nr_caches; i++) {
            if (topo->caches[i].geometry.level == level) {
                order[n++] = i;
            }
        }
    }
    return n;
}

const VTopoSharedCache *vtopo_llc(const VTopo *topo)
{
    const VTopoSharedCache *llc = NULL;

    for (unsigned int i = 0; i < topo->nr_caches; i++) {
        if (!llc || topo->caches[i].geometry.level > llc->geometry.level) {
            llc = &topo->caches[i];
        }
    }
    return llc;
}

CpuTopologyLevel vtopo_llc_level(const VTopo *topo)
{
    const VTopoSharedCache *llc = vtopo_llc(topo);

    return llc ? llc->sharing : CPU_TOPOLOGY_LEVEL_DEFAULT;
}

/* The id of @cpu at @level, with a level the machine lacks counting as 0. */
static int vtopo_cpu_level_id(const VTopoCpu *cpu, CpuTopologyLevel level)
{
    return cpu->id[level] == VTOPO_ID_NONE ? 0 : cpu->id[level];
}

int vtopo_cpu_domain(const VTopo *topo, const VTopoCpu *cpu,
                     CpuTopologyLevel level)
{
    int domain = 0;

    for (int l = VTOPO_LEVELS - 1; l >= (int)level; l--) {
        int id = vtopo_cpu_level_id(cpu, l);

        if (id < 0 || id >= (int)topo->shape.count[l]) {
            return -1;
        }
        domain = domain * topo->shape.count[l] + id;
    }
    return domain;
}

/*
 * Whether @key groups @n vCPUs as @group does (vCPUs with equal keys in
 * one group, and the other way round); a negative group matches nothing.
 */
static bool vtopo_partitions_equal(const int *group, const uint64_t *key,
                                   unsigned int n)
{
    g_autoptr(GHashTable) group_of = g_hash_table_new(g_int64_hash,
                                                      g_int64_equal);
    g_autoptr(GHashTable) key_of = g_hash_table_new(NULL, NULL);

    for (unsigned int i = 0; i < n; i++) {
        gpointer g = GINT_TO_POINTER(group[i] + 1);
        gpointer seen;

        if (group[i] < 0) {
            return false;
        }
        seen = g_hash_table_lookup(group_of, &key[i]);
        if (seen && seen != g) {
            return false;
        }
        g_hash_table_insert(group_of, (gpointer)&key[i], g);
        seen = g_hash_table_lookup(key_of, g);
        if (seen && *(const uint64_t *)seen != key[i]) {
            return false;
        }
        g_hash_table_insert(key_of, g, (gpointer)&key[i]);
    }
    return true;
}

bool vtopo_groups_match(const VTopo *topo, const VTopoCpu **cpus,
                        const uint64_t *key, unsigned int n,
                        CpuTopologyLevel level)
{
    g_autofree int *group = g_new(int, n);

    for (unsigned int i = 0; i < n; i++) {
        group[i] = vtopo_cpu_domain(topo, cpus[i], level);
    }
    return vtopo_partitions_equal(group, key, n);
}

bool vtopo_cache_groups_match(const VTopo *topo, const VTopoCpu **cpus,
                              const uint64_t *key, unsigned int n,
                              const VTopoSharedCache *cache)
{
    g_autofree int *group = g_new(int, n);

    for (unsigned int i = 0; i < n; i++) {
        group[i] = vtopo_cache_instance(topo, cache, cpus[i]);
    }
    return vtopo_partitions_equal(group, key, n);
}

void vtopo_add_finding(GArray *findings, const char *rule,
                       VTopoSeverity severity, const char *fmt, ...)
{
    VTopoFinding f = { .rule = rule, .severity = severity };
    va_list ap;

    va_start(ap, fmt);
    f.message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_array_append_val(findings, f);
}

bool vtopo_has_finding(const GArray *findings, const char *rule,
                       const char *message)
{
    for (guint i = 0; i < findings->len; i++) {
        const VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);

        if (!strcmp(f->rule, rule) && !strcmp(f->message, message)) {
            return true;
        }
    }
    return false;
}

static void vtopo_finding_clear(gpointer data)
{
    VTopoFinding *f = data;

    g_free(f->message);
}

GArray *vtopo_findings_new(void)
{
    GArray *findings = g_array_new(false, true, sizeof(VTopoFinding));

    g_array_set_clear_func(findings, vtopo_finding_clear);
    return findings;
}

/* Whether @cpu has a valid node and ids that fit the shape. */
static bool vtopo_cpu_in_numa(const VTopo *topo, const VTopoCpu *cpu)
{
    return cpu->node >= 0 && cpu->node < (int)topo->nr_nodes &&
           vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_THREAD) >= 0;
}

/*
 * The CPUs of domain @domain of @level, as a cpulist, and their nodes.
 * Returns the highest of those nodes.
 */
static int vtopo_describe_domain(const VTopo *topo, CpuTopologyLevel level,
                                 int domain, GString *cpus, GString *nodes)
{
    g_autofree unsigned int *list = g_new(unsigned int, topo->nr_cpus);
    g_autofree bool *seen = g_new0(bool, topo->nr_nodes);
    unsigned int n = 0;
    int last = VTOPO_NODE_NONE;

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];

        if (vtopo_cpu_in_numa(topo, cpu) &&
            vtopo_cpu_domain(topo, cpu, level) == domain) {
            list[n++] = cpu->index;
            seen[cpu->node] = true;
        }
    }
    vtopo_format_cpulist(cpus, list, n);
    for (unsigned int i = 0; i < topo->nr_nodes; i++) {
        if (seen[i]) {
            g_string_append_printf(nodes, "%s%u", nodes->len ? ", " : "", i);
            last = i;
        }
    }
    return last;
}

static unsigned int vtopo_nr_domains(const VTopo *topo, CpuTopologyLevel level)
{
    return vtopo_shape_max_cpus(&topo->shape) /
           vtopo_shape_cpus_per(&topo->shape, level);
}

/*
 * For each domain of @level, whether its CPUs are in more than one node
 * (vtopo_nr_domains() entries).
 */
static bool *vtopo_domains_across_nodes(const VTopo *topo,
                                        CpuTopologyLevel level)
{
    unsigned int nr_domains = vtopo_nr_domains(topo, level);
    g_autofree int *node_of = g_new(int, nr_domains);
    bool *split = g_new0(bool, nr_domains);

    for (unsigned int d = 0; d < nr_domains; d++) {
        node_of[d] = VTOPO_NODE_NONE;
    }
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        int d;

        if (!vtopo_cpu_in_numa(topo, cpu)) {
            continue;
        }
        d = vtopo_cpu_domain(topo, cpu, level);
        if (node_of[d] == VTOPO_NODE_NONE) {
            node_of[d] = cpu->node;
        } else if (node_of[d] != cpu->node) {
            split[d] = true;
        }
    }
    return split;
}

/*
 * What to change so that nodes hold whole domains of @level, in QEMU's
 * options and in libvirt's domain XML, which most users write instead.
 */
static char *vtopo_whole_domains_advice(CpuTopologyLevel level)
{
    const char *name = vtopo_level_name(level);

    switch (level) {
    case CPU_TOPOLOGY_LEVEL_CORE:
        return g_strdup("give each node whole cores (-numa node,cpus=, "
                        "libvirt <cell cpus=...>)");
    case CPU_TOPOLOGY_LEVEL_SOCKET:
    case CPU_TOPOLOGY_LEVEL_DIE:
    case CPU_TOPOLOGY_LEVEL_CLUSTER:
        return g_strdup_printf("give each node whole %ss: more of them "
                               "(-smp %ss=, libvirt <topology %ss=...>) or "
                               "node CPUs that hold whole ones (-numa "
                               "node,cpus=, libvirt <cell cpus=...>)",
                               name, name, name);
    default:
        return g_strdup_printf("give each node whole %ss: more of them "
                               "(-smp %ss=) or node CPUs that hold whole ones "
                               "(-numa node,cpus=, libvirt <cell cpus=...>)",
                               name, name);
    }
}

bool vtopo_nodes_split(const VTopo *topo, CpuTopologyLevel level)
{
    g_autofree bool *split = vtopo_domains_across_nodes(topo, level);

    for (unsigned int d = 0; d < vtopo_nr_domains(topo, level); d++) {
        if (split[d]) {
            return true;
        }
    }
    return false;
}

int vtopo_cache_instance(const VTopo *topo, const VTopoSharedCache *cache,
                         const VTopoCpu *cpu)
{
    int domain = vtopo_cpu_domain(topo, cpu, cache->sharing);

    if (domain < 0 || !cache->per_node) {
        return domain;
    }
    return domain * MAX(topo->nr_nodes, 1) + MAX(cpu->node, 0);
}

char *vtopo_cache_sharing_name(const VTopoSharedCache *cache)
{
    return g_strdup_printf("%s%s", vtopo_level_name(cache->sharing),
                           cache->per_node ? " and NUMA node" : "");
}

unsigned int vtopo_cache_instance_limit(const VTopo *topo,
                                        const VTopoSharedCache *cache)
{
    return vtopo_nr_domains(topo, cache->sharing) *
           (cache->per_node ? MAX(topo->nr_nodes, 1) : 1);
}

unsigned int vtopo_cache_instances(const VTopo *topo,
                                   const VTopoSharedCache *cache)
{
    g_autofree bool *used = g_new0(bool,
                                   vtopo_cache_instance_limit(topo, cache));
    unsigned int n = 0;

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        int instance = vtopo_cache_instance(topo, cache, &topo->cpus[i]);

        if (instance >= 0 && !used[instance]) {
            used[instance] = true;
            n++;
        }
    }
    return n;
}

/* The bits below which the arch ids @lo and @hi differ. */
static int vtopo_arch_id_span_order(uint64_t lo, uint64_t hi)
{
    int order = 0;

    while (order < 64 && (lo >> order) != (hi >> order)) {
        order++;
    }
    return order;
}

int vtopo_node_group_order(const VTopo *topo, CpuTopologyLevel level)
{
    VTopoSharedCache per_node = { .sharing = level, .per_node = true };
    g_autofree int *group = g_new(int, topo->nr_cpus);
    g_autoptr(GHashTable) lo = g_hash_table_new_full(NULL, NULL, NULL,
                                                     g_free);
    g_autoptr(GHashTable) hi = g_hash_table_new_full(NULL, NULL, NULL,
                                                     g_free);
    g_autoptr(GHashTable) block = g_hash_table_new_full(g_int64_hash,
                                                        g_int64_equal,
                                                        g_free, NULL);
    GHashTableIter iter;
    gpointer key, value;
    int order = -1;

    /* Each group's lowest and highest arch id */
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        uint64_t a = topo->cpus[i].arch_id;
        uint64_t *l, *h;

        group[i] = vtopo_cache_instance(topo, &per_node, &topo->cpus[i]);
        key = GINT_TO_POINTER(group[i] + 1);
        l = g_hash_table_lookup(lo, key);
        h = g_hash_table_lookup(hi, key);
        if (!l) {
            g_hash_table_insert(lo, key, l = g_memdup2(&a, sizeof(a)));
            g_hash_table_insert(hi, key, h = g_memdup2(&a, sizeof(a)));
        }
        *l = MIN(*l, a);
        *h = MAX(*h, a);
    }
    /* ... which span blocks of one order */
    g_hash_table_iter_init(&iter, lo);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        int k = vtopo_arch_id_span_order(*(uint64_t *)value,
                                         *(uint64_t *)g_hash_table_lookup(
                                             hi, key));

        if ((order >= 0 && k != order) || k >= 64) {
            return -1;
        }
        order = k;
    }
    /* ... that hold no vCPU of another group */
    for (unsigned int i = 0; order >= 0 && i < topo->nr_cpus; i++) {
        uint64_t id = topo->cpus[i].arch_id >> order;
        gpointer seen = g_hash_table_lookup(block, &id);

        if (seen && seen != GINT_TO_POINTER(group[i] + 1)) {
            return -1;
        }
        g_hash_table_insert(block, g_memdup2(&id, sizeof(id)),
                            GINT_TO_POINTER(group[i] + 1));
    }
    return order;
}

bool vtopo_llc_follow_nodes(VTopo *topo)
{
    VTopoSharedCache *llc = (VTopoSharedCache *)vtopo_llc(topo);
    int order;

    if (!llc || llc->sharing <= CPU_TOPOLOGY_LEVEL_CORE ||
        !vtopo_nodes_split(topo, llc->sharing)) {
        return false;
    }
    /* Each node's part must hold whole domains of the levels inside */
    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_CORE + 1; l < llc->sharing;
         l++) {
        if (topo->shape.supported[l] && topo->shape.count[l] > 1 &&
            vtopo_nodes_split(topo, l)) {
            return false;
        }
    }
    order = vtopo_node_group_order(topo, llc->sharing);
    if (order < 0) {
        return false;
    }
    llc->per_node = true;
    llc->node_block_order = order;
    return true;
}

/*
 * Each domain of @level whose CPUs are in several nodes: rule @rule,
 * saying that @what (a domain of @level) must not be split.
 */
static void vtopo_check_domains_in_one_node(const VTopo *topo,
                                            CpuTopologyLevel level,
                                            const char *rule,
                                            const char *what,
                                            GArray *findings)
{
    g_autofree char *advice = vtopo_whole_domains_advice(level);

    g_autofree bool *split = vtopo_domains_across_nodes(topo, level);

    for (unsigned int d = 0; d < vtopo_nr_domains(topo, level); d++) {
        g_autoptr(GString) cpus = g_string_new("");
        g_autoptr(GString) nodes = g_string_new("");
        int node;

        if (!split[d]) {
            continue;
        }
        node = vtopo_describe_domain(topo, level, d, cpus, nodes);
        vtopo_add_finding(findings, rule, VTOPO_SEVERITY_ERROR,
                          "-numa node,nodeid=%d: splits %s (CPUs %s) "
                          "across nodes %s; %s", node, what, cpus->str,
                          nodes->str, advice);
    }
}

/*
 * A last-level cache that follows the nodes (vtopo_llc_follow_nodes())
 * is not what a domain of @level shares: say so once, with the first
 * domain the nodes divide.
 */
static void vtopo_report_llc_per_node(const VTopo *topo, CpuTopologyLevel level,
                                      GArray *findings)
{
    g_autofree bool *split = vtopo_domains_across_nodes(topo, level);
    g_autofree char *advice = vtopo_whole_domains_advice(level);
    const char *name = vtopo_level_name(level);

    for (unsigned int d = 0; d < vtopo_nr_domains(topo, level); d++) {
        g_autoptr(GString) cpus = g_string_new("");
        g_autoptr(GString) nodes = g_string_new("");

        if (!split[d]) {
            continue;
        }
        vtopo_describe_domain(topo, level, d, cpus, nodes);
        vtopo_add_finding(findings, "numa-llc-per-node",
                          VTOPO_SEVERITY_WARNING,
                          "-numa node: the last-level cache is shared per "
                          "%s and NUMA node, not per %s, since nodes %s "
                          "divide %s %u (CPUs %s); to share one per %s, %s",
                          name, name, nodes->str, name, d, cpus->str, name,
                          advice);
        return;
    }
}

/*
 * A node that holds CPUs of more than one socket must hold each of
 * those sockets whole (Linux: "BUG: arch topology borken" otherwise).
 */
static void vtopo_check_nodes_hold_whole_sockets(const VTopo *topo,
                                                 GArray *findings)
{
    unsigned int nr_sockets = vtopo_nr_domains(topo, CPU_TOPOLOGY_LEVEL_SOCKET);
    g_autofree bool *socket_split =
        vtopo_domains_across_nodes(topo, CPU_TOPOLOGY_LEVEL_SOCKET);

    for (unsigned int n = 0; n < topo->nr_nodes; n++) {
        g_autofree bool *held = g_new0(bool, nr_sockets);
        unsigned int sockets = 0;

        for (unsigned int i = 0; i < topo->nr_cpus; i++) {
            const VTopoCpu *cpu = &topo->cpus[i];
            int s;

            if (!vtopo_cpu_in_numa(topo, cpu) || cpu->node != (int)n) {
                continue;
            }
            s = vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_SOCKET);
            if (!held[s]) {
                held[s] = true;
                sockets++;
            }
        }
        for (unsigned int s = 0; sockets > 1 && s < nr_sockets; s++) {
            g_autoptr(GString) cpus = g_string_new("");
            g_autoptr(GString) nodes = g_string_new("");

            if (!held[s] || !socket_split[s]) {
                continue;
            }
            vtopo_describe_domain(topo, CPU_TOPOLOGY_LEVEL_SOCKET, s, cpus,
                                  nodes);
            vtopo_add_finding(findings, "numa-socket-partial",
                              VTOPO_SEVERITY_ERROR,
                              "-numa node,nodeid=%u: holds CPUs of %u "
                              "sockets but only part of socket %u "
                              "(CPUs %s, nodes %s); a node that spans "
                              "sockets must hold them whole",
                              n, sockets, s, cpus->str, nodes->str);
        }
    }
}

/*
 * SLIT rules (ACPI 6.5, 5.2.17): a node is at distance 10 from itself
 * and further from any other node; Linux ignores a SLIT that breaks them.
 * Asymmetric distances are allowed.
 */
static void vtopo_check_distances(const VTopo *topo, GArray *findings)
{
    for (unsigned int i = 0; i < topo->nr_nodes; i++) {
        for (unsigned int j = 0; j < topo->nr_nodes; j++) {
            unsigned int d = topo->nodes[i].distance[j];

            if (!d) {
                continue;   /* not configured */
            }
            if (i == j ? d != 10 : d <= 10) {
                vtopo_add_finding(findings, "numa-distance",
                                  VTOPO_SEVERITY_ERROR,
                                  "-numa dist,src=%u,dst=%u,val=%u: %s",
                                  i, j, d, i == j ?
                                  "the local distance must be 10" :
                                  "a remote distance must be more than 10");
            }
        }
    }
}

static void vtopo_validate_numa(const VTopo *topo, GArray *findings)
{
    CpuTopologyLevel llc_level = vtopo_llc_level(topo);
    g_autofree char *llc = NULL;

    if (!topo->nr_nodes) {
        return;
    }
    vtopo_check_domains_in_one_node(topo, CPU_TOPOLOGY_LEVEL_CORE,
                                    "numa-core-split", "the threads of a core",
                                    findings);
    if (llc_level < CPU_TOPOLOGY_LEVEL_DEFAULT && vtopo_llc(topo)->per_node) {
        vtopo_report_llc_per_node(topo, llc_level, findings);
    } else if (llc_level < CPU_TOPOLOGY_LEVEL_DEFAULT &&
               llc_level > CPU_TOPOLOGY_LEVEL_CORE) {
        llc = g_strdup_printf("the last-level cache shared per %s",
                              vtopo_level_name(llc_level));
        vtopo_check_domains_in_one_node(topo, llc_level,
                                        "numa-llc-split", llc, findings);
    }
    vtopo_check_nodes_hold_whole_sockets(topo, findings);
    vtopo_check_distances(topo, findings);
}

void vtopo_validate(const VTopo *topo, GArray *findings)
{
    unsigned int nr_threads = topo->nr_cpus;
    g_autofree int *owner = g_new(int, nr_threads);

    for (unsigned int i = 0; i < nr_threads; i++) {
        owner[i] = -1;
    }

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        bool in_range = true;
        int thread;

        for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_THREAD; l < VTOPO_LEVELS;
             l++) {
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
        thread = vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_THREAD);
        if (owner[thread] >= 0) {
            vtopo_add_finding(findings, "cpu-id-unique", VTOPO_SEVERITY_ERROR,
                              "CPUs %d and %u have the same topology ids",
                              owner[thread], cpu->index);
        } else {
            owner[thread] = cpu->index;
        }
    }
    vtopo_validate_numa(topo, findings);
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
