/*
 * Unit tests for the vtopo topology model (hw/core/vtopo/model.c)
 *
 * Expected ids are written by hand from the enumeration order QEMU's
 * machines use for possible CPUs (x86_topo_ids_from_idx() for pc/q35,
 * virt_possible_cpu_arch_ids() for Arm virt): threads vary fastest.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/vtopo/model.h"
#include "vtopo-check.h"

START_TEST(test_level_names)
{
    ck_assert_str_eq(vtopo_level_name(CPU_TOPOLOGY_LEVEL_THREAD), "thread");
    ck_assert_str_eq(vtopo_level_name(CPU_TOPOLOGY_LEVEL_MODULE), "module");
    ck_assert_str_eq(vtopo_level_name(CPU_TOPOLOGY_LEVEL_CLUSTER), "cluster");
    ck_assert_str_eq(vtopo_level_name(CPU_TOPOLOGY_LEVEL_DRAWER), "drawer");
}
END_TEST

START_TEST(test_cpus_per_level)
{
    VTopoShape s = x86_shape(2, 2, 1, 3, 2);

    ck_assert_uint_eq(vtopo_shape_max_cpus(&s), 24);
    ck_assert_uint_eq(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_THREAD), 1);
    ck_assert_uint_eq(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_CORE), 2);
    ck_assert_uint_eq(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_MODULE), 6);
    ck_assert_uint_eq(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_DIE), 6);
    ck_assert_uint_eq(vtopo_shape_cpus_per(&s, CPU_TOPOLOGY_LEVEL_SOCKET), 12);
}
END_TEST

/* 2 sockets x 2 dies x 3 cores x 2 threads, non-power-of-two cores. */
START_TEST(test_ids_from_index_x86)
{
    static const struct {
        unsigned int index;
        int socket, die, module, core, thread;
    } expect[] = {
        { 0,  0, 0, 0, 0, 0 },
        { 1,  0, 0, 0, 0, 1 },
        { 2,  0, 0, 0, 1, 0 },
        { 5,  0, 0, 0, 2, 1 },
        { 6,  0, 1, 0, 0, 0 },
        { 11, 0, 1, 0, 2, 1 },
        { 12, 1, 0, 0, 0, 0 },
        { 13, 1, 0, 0, 0, 1 },
        { 23, 1, 1, 0, 2, 1 },
    };
    VTopoShape s = x86_shape(2, 2, 1, 3, 2);

    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        int id[VTOPO_LEVELS];

        vtopo_shape_ids_from_index(&s, expect[i].index, id);
        ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_SOCKET], expect[i].socket);
        ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_DIE], expect[i].die);
        ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_MODULE], expect[i].module);
        ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_CORE], expect[i].core);
        ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_THREAD], expect[i].thread);
        ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_CLUSTER], VTOPO_ID_NONE);
        ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_BOOK], VTOPO_ID_NONE);
    }
}
END_TEST

/* Arm virt: sockets, clusters, cores, threads; no dies or modules. */
START_TEST(test_ids_from_index_arm)
{
    VTopoShape s = vtopo_test_shape(8, VTOPO_TEST_LEVEL(SOCKET) |
                                    VTOPO_TEST_LEVEL(CLUSTER) |
                                    VTOPO_TEST_LEVEL(CORE) |
                                    VTOPO_TEST_LEVEL(THREAD));
    int id[VTOPO_LEVELS];

    s.count[CPU_TOPOLOGY_LEVEL_SOCKET] = 2;
    s.count[CPU_TOPOLOGY_LEVEL_CLUSTER] = 2;
    s.count[CPU_TOPOLOGY_LEVEL_CORE] = 2;

    vtopo_shape_ids_from_index(&s, 7, id);
    ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_SOCKET], 1);
    ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_CLUSTER], 1);
    ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_CORE], 1);
    ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_THREAD], 0);
    ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_DIE], VTOPO_ID_NONE);
    ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_MODULE], VTOPO_ID_NONE);

    vtopo_shape_ids_from_index(&s, 5, id);
    ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_SOCKET], 1);
    ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_CLUSTER], 0);
    ck_assert_int_eq(id[CPU_TOPOLOGY_LEVEL_CORE], 1);
}
END_TEST

START_TEST(test_new_present_and_nodes)
{
    VTopoShape s = x86_shape(1, 1, 1, 4, 2);
    g_autoptr(VTopo) topo = NULL;

    s.cpus = 3;
    topo = vtopo_new(&s, 2);
    ck_assert_uint_eq(topo->nr_cpus, 8);
    ck_assert(topo->cpus[2].present);
    ck_assert(!topo->cpus[3].present);
    ck_assert(!topo->cpus[7].present);
    ck_assert_int_eq(topo->cpus[7].node, VTOPO_NODE_NONE);
    ck_assert_uint_eq(topo->nr_nodes, 2);
    ck_assert_uint_eq(topo->nodes[1].distance[0], 0);
}
END_TEST

START_TEST(test_cpu_domain)
{
    VTopoShape s = x86_shape(2, 2, 1, 3, 2);
    g_autoptr(VTopo) topo = vtopo_new(&s, 0);
    const VTopoCpu *cpu = &topo->cpus[13];   /* socket 1 die 0 core 0 t 1 */

    ck_assert_int_eq(vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_THREAD),
                     13);
    ck_assert_int_eq(vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_CORE), 6);
    ck_assert_int_eq(vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_DIE), 2);
    ck_assert_int_eq(vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_SOCKET), 1);
    ck_assert_int_eq(vtopo_cpu_domain(topo, cpu, CPU_TOPOLOGY_LEVEL_DRAWER), 0);

    topo->cpus[0].id[CPU_TOPOLOGY_LEVEL_CORE] = 3;
    ck_assert_int_eq(vtopo_cpu_domain(topo, &topo->cpus[0],
                                      CPU_TOPOLOGY_LEVEL_CORE), -1);
}
END_TEST

static bool has_rule(GArray *findings, const char *rule, const char *text)
{
    for (guint i = 0; i < findings->len; i++) {
        VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);

        if (!strcmp(f->rule, rule) && strstr(f->message, text)) {
            return true;
        }
    }
    return false;
}

/* A target that can describe no more ways than *@opaque. */
static bool ways_at_most(const VTopoCache *c, const void *opaque,
                         char **reason)
{
    if (c->ways > *(const uint32_t *)opaque) {
        *reason = g_strdup_printf("%u ways", c->ways);
        return false;
    }
    return true;
}

static int resolve(const VTopoSharedCache *dflt, bool present,
                   const VTopoCacheRequest *req, VTopoSharedCache *out,
                   char **reason)
{
    static const uint32_t max_ways = 16;
    unsigned int kind = req->geometry.level == 3 ? 3 : 2;
    VTopoCpuCaches cpu = {
        .encodable = ways_at_most,
        .opaque = &max_ways,
    };

    cpu.present[kind] = present;
    cpu.cache[kind] = *dflt;
    return vtopo_cache_resolve(&cpu, kind, req, out, reason);
}

/* Caches from the CPU model's defaults and what smp-cache asks. */
START_TEST(test_cache_resolve)
{
    const VTopoSharedCache l2 = {
        .geometry = { .level = 2, .type = VTOPO_CACHE_UNIFIED,
                      .size = 1 << 20, .ways = 16, .line_size = 64,
                      .partitions = 1 },
        .sharing = CPU_TOPOLOGY_LEVEL_CORE,
    };
    VTopoCacheRequest req = {
        .geometry = { .level = 2, .type = VTOPO_CACHE_UNIFIED },
        .sharing = CPU_TOPOLOGY_LEVEL_DEFAULT,
    };
    VTopoSharedCache out;
    g_autofree char *why = NULL;

    /* Nothing asked: the model's cache. */
    ck_assert_int_eq(resolve(&l2, true, &req, &out, &why), 1);
    ck_assert_mem_eq(&out, &l2, sizeof(out));

    /* A size and a sharing level: the rest is the model's. */
    req.given = VTOPO_CACHE_FIELD_SIZE;
    req.geometry.size = 2 << 20;
    req.sharing = CPU_TOPOLOGY_LEVEL_DIE;
    ck_assert_int_eq(resolve(&l2, true, &req, &out, &why), 1);
    ck_assert_uint_eq(out.geometry.size, 2 << 20);
    ck_assert_uint_eq(out.geometry.ways, 16);
    ck_assert_uint_eq(out.geometry.line_size, 64);
    ck_assert_int_eq(out.sharing, CPU_TOPOLOGY_LEVEL_DIE);
    ck_assert_uint_eq(out.given,
                      VTOPO_CACHE_FIELD_SIZE | VTOPO_CACHE_FIELD_SHARING);

    /* Not whole, or beyond the target: refused with the reason. */
    req.geometry.size = 1000000;
    ck_assert_int_eq(resolve(&l2, true, &req, &out, &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "whole number of sets"));
    g_clear_pointer(&why, g_free);
    req.geometry.size = 2 << 20;
    req.given |= VTOPO_CACHE_FIELD_WAYS;
    req.geometry.ways = 32;
    ck_assert_int_eq(resolve(&l2, true, &req, &out, &why), -1);
    ck_assert_str_eq(why, "32 ways");
    g_clear_pointer(&why, g_free);

    /* A cache the model lacks: none, or one given whole. */
    req = (VTopoCacheRequest) {
        .geometry = { .level = 3, .type = VTOPO_CACHE_UNIFIED },
        .sharing = CPU_TOPOLOGY_LEVEL_DEFAULT,
    };
    ck_assert_int_eq(resolve(&l2, false, &req, &out, &why), 0);
    req.given = VTOPO_CACHE_FIELD_SIZE | VTOPO_CACHE_FIELD_WAYS;
    req.geometry.size = 8 << 20;
    req.geometry.ways = 16;
    ck_assert_int_eq(resolve(&l2, false, &req, &out, &why), -1);
    ck_assert_ptr_nonnull(strstr(why, "give its size, ways and line-size"));
    g_clear_pointer(&why, g_free);
    req.given |= VTOPO_CACHE_FIELD_LINE_SIZE;
    req.geometry.line_size = 64;
    ck_assert_int_eq(resolve(&l2, false, &req, &out, &why), 1);
    ck_assert_uint_eq(out.geometry.level, 3);
    ck_assert_uint_eq(out.geometry.partitions, 1);
    ck_assert_uint_eq(out.geometry.size, 8 << 20);
    /* ... shared as the model shares that level by default */
    ck_assert_int_eq(out.sharing, CPU_TOPOLOGY_LEVEL_CORE);
}
END_TEST

/*
 * The caches of an i7-6700K (Intel SDM leaf 04H as the part reports it):
 * the last-level cache is the outermost one, and the PPTT and device
 * tree build them from the outermost in, L1d before L1i.
 */
START_TEST(test_caches_llc)
{
    VTopoShape s = x86_shape(1, 1, 1, 4, 2);
    g_autoptr(VTopo) topo = vtopo_new(&s, 0);
    static const VTopoSharedCache skylake[] = {
        { { 1, VTOPO_CACHE_DATA, 32 * 1024, 8, 64, 1 },
          CPU_TOPOLOGY_LEVEL_CORE },
        { { 1, VTOPO_CACHE_INSTRUCTION, 32 * 1024, 8, 64, 1 },
          CPU_TOPOLOGY_LEVEL_CORE },
        { { 2, VTOPO_CACHE_UNIFIED, 256 * 1024, 4, 64, 1 },
          CPU_TOPOLOGY_LEVEL_CORE },
        { { 3, VTOPO_CACHE_UNIFIED, 8 << 20, 16, 64, 1 },
          CPU_TOPOLOGY_LEVEL_SOCKET },
    };
    unsigned int order[VTOPO_MAX_CACHES];

    ck_assert_uint_eq(topo->nr_caches, 0);
    ck_assert_uint_eq(topo->findings->len, 0);
    ck_assert_int_eq(vtopo_llc_level(topo), CPU_TOPOLOGY_LEVEL_DEFAULT);
    ck_assert_uint_eq(vtopo_caches_outermost_first(topo, order), 0);

    vtopo_set_caches(topo, skylake, G_N_ELEMENTS(skylake));
    ck_assert_int_eq(vtopo_llc_level(topo), CPU_TOPOLOGY_LEVEL_SOCKET);
    ck_assert_uint_eq(vtopo_caches_outermost_first(topo, order), 4);
    ck_assert_uint_eq(order[0], 3);
    ck_assert_uint_eq(order[1], 2);
    ck_assert_uint_eq(order[2], 0);
    ck_assert_uint_eq(order[3], 1);

    /* Without its L3 (l3-cache=off), the L2 is the last level */
    vtopo_set_caches(topo, skylake, 3);
    ck_assert_int_eq(vtopo_llc_level(topo), CPU_TOPOLOGY_LEVEL_CORE);
    ck_assert_uint_eq(vtopo_caches_outermost_first(topo, order), 3);
    ck_assert_uint_eq(order[0], 2);
}
END_TEST

START_TEST(test_validate_sound)
{
    VTopoShape s = x86_shape(2, 1, 1, 3, 2);
    g_autoptr(VTopo) topo = vtopo_new(&s, 2);
    GArray *findings;

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        topo->cpus[i].node = i / 6;
    }
    findings = vtopo_test_validate(topo);
    ck_assert_uint_eq(findings->len, 0);
    vtopo_findings_free(findings);
}
END_TEST

START_TEST(test_validate_findings)
{
    VTopoShape s = x86_shape(1, 1, 1, 2, 2);
    g_autoptr(VTopo) topo = vtopo_new(&s, 1);
    GArray *findings;

    topo->cpus[0].node = 0;
    topo->cpus[1].node = 0;
    topo->cpus[2].node = 3;                      /* no such node */
    /* CPU 3: no node */
    topo->cpus[1].id[CPU_TOPOLOGY_LEVEL_CORE] = 2;      /* out of range */
    topo->cpus[2].id[CPU_TOPOLOGY_LEVEL_THREAD] = 1;    /* same as CPU 3 */

    findings = vtopo_test_validate(topo);
    ck_assert(has_rule(findings, "cpu-id-range",
                       "CPU 1: core-id 2 is outside 0..1"));
    ck_assert(has_rule(findings, "cpu-node-range", "CPU 2: node-id 3"));
    ck_assert(has_rule(findings, "cpu-node-missing", "CPU 3 belongs"));
    ck_assert(has_rule(findings, "cpu-id-unique", "CPUs 2 and 3"));
    ck_assert_uint_eq(findings->len, 4);
    vtopo_findings_free(findings);
}
END_TEST

/*
 * NUMA layouts against the topology: each row gives every CPU's node,
 * the last-level cache level, and the findings expected (rule and the
 * start of the message), at most two.
 */
START_TEST(test_validate_numa)
{
    static const struct {
        const char *name;
        unsigned int sockets, dies, cores, threads, nodes;
        int node[8];
        CpuTopologyLevel llc;
        const char *rule[2], *message[2];
    } rows[] = {
        { "threads of a core in two nodes", 1, 1, 2, 2, 2,
          { 0, 1, 0, 0 }, CPU_TOPOLOGY_LEVEL_DEFAULT,
          { "numa-core-split" },
          { "-numa node,nodeid=1: splits the threads of a core (CPUs 0-1) "
            "across nodes 0, 1; give each node whole cores (-numa "
            "node,cpus=, libvirt <cell cpus=...>)" } },
        { "sub-NUMA clusters cut the socket's L3", 2, 1, 4, 1, 4,
          { 0, 0, 1, 1, 2, 2, 3, 3 }, CPU_TOPOLOGY_LEVEL_SOCKET,
          { "numa-llc-split", "numa-llc-split" },
          { "-numa node,nodeid=1: splits the last-level cache shared per "
            "socket (CPUs 0-3) across nodes 0, 1; give each node whole "
            "sockets: more of them (-smp sockets=, libvirt <topology "
            "sockets=...>) or node CPUs that hold whole ones (-numa "
            "node,cpus=, libvirt <cell cpus=...>)",
            "-numa node,nodeid=3: splits the last-level cache shared per "
            "socket (CPUs 4-7) across nodes 2, 3; give each node whole "
            "sockets: more of them (-smp sockets=, libvirt <topology "
            "sockets=...>) or node CPUs that hold whole ones (-numa "
            "node,cpus=, libvirt <cell cpus=...>)" } },
        { "sub-NUMA clusters, an L3 per die", 2, 2, 2, 1, 4,
          { 0, 0, 1, 1, 2, 2, 3, 3 }, CPU_TOPOLOGY_LEVEL_DIE },
        { "sub-NUMA clusters, L3 unknown", 2, 1, 4, 1, 4,
          { 0, 0, 1, 1, 2, 2, 3, 3 }, CPU_TOPOLOGY_LEVEL_DEFAULT },
        { "a node with one socket and half of another", 2, 1, 4, 1, 2,
          { 0, 0, 0, 0, 0, 0, 1, 1 }, CPU_TOPOLOGY_LEVEL_DEFAULT,
          { "numa-socket-partial" },
          { "-numa node,nodeid=0: holds CPUs of 2 sockets but only part of "
            "socket 1 (CPUs 4-7, nodes 0, 1)" } },
        { "a node with two whole sockets", 4, 1, 2, 1, 2,
          { 0, 0, 0, 0, 1, 1, 1, 1 }, CPU_TOPOLOGY_LEVEL_SOCKET },
        { "a node with memory only", 2, 1, 2, 1, 3,
          { 0, 0, 1, 1 }, CPU_TOPOLOGY_LEVEL_SOCKET },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        VTopoShape s = x86_shape(rows[i].sockets, rows[i].dies, 1,
                                 rows[i].cores, rows[i].threads);
        g_autoptr(VTopo) topo = vtopo_new(&s, rows[i].nodes);
        GArray *findings;
        unsigned int want = 0;

        for (unsigned int c = 0; c < topo->nr_cpus; c++) {
            topo->cpus[c].node = rows[i].node[c];
        }
        vtopo_test_set_llc(topo, rows[i].llc);
        findings = vtopo_test_validate(topo);
        for (; want < 2 && rows[i].rule[want]; want++) {
            ck_assert_msg(has_rule(findings, rows[i].rule[want],
                                   rows[i].message[want]),
                          "%s: no %s finding \"%s\"", rows[i].name,
                          rows[i].rule[want], rows[i].message[want]);
        }
        ck_assert_msg(findings->len == want, "%s: %u findings, want %u%s%s",
                      rows[i].name, findings->len, want,
                      findings->len ? ": " : "",
                      findings->len ?
                      g_array_index(findings, VTopoFinding, 0).message : "");
        vtopo_findings_free(findings);
    }
}
END_TEST

/*
 * The groups a node holds of a last-level-cache domain, as blocks of
 * x86 APIC IDs (arch id = index here: each level's ids take the bits
 * their count needs only for power-of-two counts, as in these rows).
 */
START_TEST(test_node_groups)
{
    static const struct {
        const char *name;
        unsigned int sockets, cores, threads, nodes;
        int node[8];
        bool split;
        int order;
    } rows[] = {
        /* libvirt: one socket of 4 cores in two cells of 2 */
        { "socket in halves", 1, 4, 1, 2, { 0, 0, 1, 1 }, true, 1 },
        { "socket in quarters", 1, 4, 2, 4,
          { 0, 0, 1, 1, 2, 2, 3, 3 }, true, 1 },
        { "sockets in halves", 2, 4, 1, 4,
          { 0, 0, 1, 1, 2, 2, 3, 3 }, true, 1 },
        /* 1 + 3 cores: no block of one size */
        { "socket split 1 + 3", 1, 4, 1, 2, { 0, 1, 1, 1 }, true, -1 },
        /* nodes interleave: a node's block holds the other's CPUs */
        { "interleaved nodes", 1, 4, 1, 2, { 0, 1, 0, 1 }, true, -1 },
        { "a node per socket", 2, 2, 1, 2, { 0, 0, 1, 1 }, false, 1 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        VTopoShape s = x86_shape(rows[i].sockets, 1, 1, rows[i].cores,
                                 rows[i].threads);
        g_autoptr(VTopo) topo = vtopo_new(&s, rows[i].nodes);
        VTopoSharedCache llc = { .sharing = CPU_TOPOLOGY_LEVEL_SOCKET,
                                 .per_node = true };

        for (unsigned int c = 0; c < topo->nr_cpus; c++) {
            topo->cpus[c].node = rows[i].node[c];
            topo->cpus[c].arch_id = c;
        }
        ck_assert_msg(vtopo_nodes_split(topo, CPU_TOPOLOGY_LEVEL_SOCKET) ==
                      rows[i].split, "%s: split", rows[i].name);
        ck_assert_msg(vtopo_node_group_order(topo, CPU_TOPOLOGY_LEVEL_SOCKET) ==
                      rows[i].order, "%s: order %d, want %d", rows[i].name,
                      vtopo_node_group_order(topo, CPU_TOPOLOGY_LEVEL_SOCKET),
                      rows[i].order);
        /* Instances: one per socket and node */
        for (unsigned int a = 0; a < topo->nr_cpus; a++) {
            for (unsigned int b = 0; b < topo->nr_cpus; b++) {
                bool same = topo->cpus[a].node == topo->cpus[b].node &&
                            a / (rows[i].cores * rows[i].threads) ==
                            b / (rows[i].cores * rows[i].threads);

                ck_assert(same ==
                          (vtopo_cache_instance(topo, &llc, &topo->cpus[a]) ==
                           vtopo_cache_instance(topo, &llc, &topo->cpus[b])));
            }
        }
    }
}
END_TEST

/*
 * The last-level cache follows the nodes where they cut its domains into
 * blocks of arch ids, and is then reported, not refused; elsewhere it
 * stays as it is and a cut is refused.
 */
START_TEST(test_llc_follow_nodes)
{
    static const struct {
        const char *name;
        unsigned int cores, nodes;
        int node[4];
        bool follows;
        const char *rule, *message;
    } rows[] = {
        { "socket in halves (libvirt: two cells of one socket)", 4, 2,
          { 0, 0, 1, 1 }, true, "numa-llc-per-node",
          "-numa node: the last-level cache is shared per socket and NUMA "
          "node, not per socket, since nodes 0, 1 divide socket 0 (CPUs "
          "0-3); to share one per socket, give each node whole sockets" },
        { "socket split 1 + 3", 4, 2, { 0, 1, 1, 1 }, false,
          "numa-llc-split", "-numa node,nodeid=1: splits the last-level "
          "cache shared per socket (CPUs 0-3) across nodes 0, 1" },
        { "one node", 4, 1, { 0, 0, 0, 0 }, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        VTopoShape s = x86_shape(1, 1, 1, rows[i].cores, 1);
        g_autoptr(VTopo) topo = vtopo_new(&s, rows[i].nodes);
        g_autofree const VTopoCpu **cpus = g_new(const VTopoCpu *,
                                                 topo->nr_cpus);
        g_autofree uint64_t *key = g_new(uint64_t, topo->nr_cpus);
        const VTopoSharedCache *llc;
        GArray *findings;

        for (unsigned int c = 0; c < topo->nr_cpus; c++) {
            topo->cpus[c].node = rows[i].node[c];
            topo->cpus[c].arch_id = c;
            cpus[c] = &topo->cpus[c];
        }
        vtopo_test_set_llc(topo, CPU_TOPOLOGY_LEVEL_SOCKET);
        ck_assert_msg(vtopo_llc_follow_nodes(topo) == rows[i].follows,
                      "%s", rows[i].name);
        llc = vtopo_llc(topo);
        ck_assert(llc->per_node == rows[i].follows);
        ck_assert_uint_eq(vtopo_cache_instance_limit(topo, llc),
                          rows[i].follows ? rows[i].nodes : 1);
        /* x86: leaf 4 names the instance by APIC ID >> order */
        for (unsigned int c = 0; c < topo->nr_cpus; c++) {
            key[c] = topo->cpus[c].arch_id >> llc->node_block_order;
        }
        ck_assert(vtopo_cache_groups_match(topo, cpus, key, topo->nr_cpus,
                                           llc) == rows[i].follows);
        findings = vtopo_test_validate(topo);
        if (rows[i].rule) {
            ck_assert_msg(has_rule(findings, rows[i].rule, rows[i].message),
                          "%s: no %s finding", rows[i].name, rows[i].rule);
            ck_assert_int_eq(g_array_index(findings, VTopoFinding,
                                           0).severity,
                             rows[i].follows ? VTOPO_SEVERITY_WARNING
                                             : VTOPO_SEVERITY_ERROR);
        }
        ck_assert_uint_eq(findings->len, rows[i].rule ? 1 : 0);
        vtopo_findings_free(findings);
    }
}
END_TEST

/*
 * Nodes that cut a module inside the L3's socket: no PPTT group node per
 * node could hold whole modules, so the L3 does not follow them.
 */
START_TEST(test_llc_follow_nodes_split_module)
{
    VTopoShape s = x86_shape(1, 1, 2, 2, 1);
    g_autoptr(VTopo) topo = vtopo_new(&s, 4);
    GArray *findings;

    for (unsigned int c = 0; c < topo->nr_cpus; c++) {
        topo->cpus[c].node = c;
        topo->cpus[c].arch_id = c;
    }
    vtopo_test_set_llc(topo, CPU_TOPOLOGY_LEVEL_SOCKET);
    ck_assert(!vtopo_llc_follow_nodes(topo));
    ck_assert(!vtopo_llc(topo)->per_node);
    findings = vtopo_test_validate(topo);
    ck_assert(has_rule(findings, "numa-llc-split", "-numa node,nodeid="));
    vtopo_findings_free(findings);
}
END_TEST

/* A plugged vCPU's caches against the machine's (vtopo_same_caches()). */
START_TEST(test_same_caches)
{
    VTopoShape s = x86_shape(1, 1, 1, 2, 1);
    g_autoptr(VTopo) topo = vtopo_new(&s, 0);
    VTopoSharedCache other;
    g_autofree char *ways = NULL, *missing = NULL;

    vtopo_test_set_llc(topo, CPU_TOPOLOGY_LEVEL_SOCKET);
    other = topo->caches[0];
    ck_assert(vtopo_same_caches(topo, &other, 1, NULL));
    other.geometry.ways = 8;
    ck_assert(!vtopo_same_caches(topo, &other, 1, &ways));
    ck_assert_str_eq(ways, "an L3 unified cache (2097152 bytes, 8 ways, "
                     "64-byte lines, 1 partitions, non-inclusive, per "
                     "socket), where the machine's vCPUs have an L3 unified "
                     "cache (2097152 bytes, 16 ways, 64-byte lines, 1 "
                     "partitions, non-inclusive, per socket)");
    ck_assert(!vtopo_same_caches(topo, NULL, 0, &missing));
    ck_assert_str_eq(missing, "no more caches, where the machine's vCPUs "
                     "have an L3 unified cache (2097152 bytes, 16 ways, "
                     "64-byte lines, 1 partitions, non-inclusive, per "
                     "socket)");
    other = topo->caches[0];
    other.sharing = CPU_TOPOLOGY_LEVEL_CORE;
    ck_assert(!vtopo_same_caches(topo, &other, 1, NULL));
}
END_TEST

/* SLIT: local distance 10, remote more than 10, asymmetric allowed. */
START_TEST(test_validate_distances)
{
    VTopoShape s = x86_shape(2, 1, 1, 1, 1);
    g_autoptr(VTopo) topo = vtopo_new(&s, 3);
    GArray *findings;

    topo->cpus[0].node = 0;
    topo->cpus[1].node = 1;
    for (unsigned int i = 0; i < 3; i++) {
        for (unsigned int j = 0; j < 3; j++) {
            topo->nodes[i].distance[j] = i == j ? 10 : 20 + i + 2 * j;
        }
    }
    findings = vtopo_test_validate(topo);
    ck_assert_uint_eq(findings->len, 0);
    vtopo_findings_free(findings);

    topo->nodes[0].distance[1] = 10;
    topo->nodes[2].distance[2] = 11;
    findings = vtopo_test_validate(topo);
    ck_assert(has_rule(findings, "numa-distance",
                       "-numa dist,src=0,dst=1,val=10: a remote distance "
                       "must be more than 10"));
    ck_assert(has_rule(findings, "numa-distance",
                       "-numa dist,src=2,dst=2,val=11: the local distance "
                       "must be 10"));
    ck_assert_uint_eq(findings->len, 2);
    vtopo_findings_free(findings);
}
END_TEST

START_TEST(test_format_cpulist)
{
    static const unsigned int a[] = { 0, 1, 2, 3, 8 };
    static const unsigned int b[] = { 0, 2, 4 };
    static const unsigned int c[] = { 5 };
    static const unsigned int d[] = { 0, 1, 3, 4, 5, 7 };
    g_autoptr(GString) s = g_string_new("");

    vtopo_format_cpulist(s, a, G_N_ELEMENTS(a));
    ck_assert_str_eq(s->str, "0-3,8");
    g_string_truncate(s, 0);
    vtopo_format_cpulist(s, b, G_N_ELEMENTS(b));
    ck_assert_str_eq(s->str, "0,2,4");
    g_string_truncate(s, 0);
    vtopo_format_cpulist(s, c, G_N_ELEMENTS(c));
    ck_assert_str_eq(s->str, "5");
    g_string_truncate(s, 0);
    vtopo_format_cpulist(s, d, G_N_ELEMENTS(d));
    ck_assert_str_eq(s->str, "0-1,3-5,7");
    g_string_truncate(s, 0);
    vtopo_format_cpulist(s, NULL, 0);
    ck_assert_str_eq(s->str, "");
}
END_TEST

/* The model records each check of what machine init built, and tables. */
START_TEST(test_checks_and_tables)
{
    VTopoShape shape = { .count = { 1, 2, 1, 1, 1, 1, 1, 1 }, .cpus = 2 };
    g_autoptr(VTopo) topo = vtopo_new(&shape, 0);
    const VTopoTable *t;

    ck_assert(vtopo_start_check(topo, VTOPO_CHECK_ACPI));
    ck_assert(!vtopo_start_check(topo, VTOPO_CHECK_ACPI));
    ck_assert(topo->checked[VTOPO_CHECK_ACPI]);
    ck_assert(!topo->checked[VTOPO_CHECK_FDT]);
    ck_assert(vtopo_start_check(topo, VTOPO_CHECK_CPUID));

    ck_assert_uint_eq(topo->tables->len, 0);
    vtopo_add_table(topo, "PPTT", 232, g_strdup("ab12"));
    ck_assert_uint_eq(topo->tables->len, 1);
    t = &g_array_index(topo->tables, VTopoTable, 0);
    ck_assert_str_eq(t->signature, "PPTT");
    ck_assert_uint_eq(t->length, 232);
    ck_assert_str_eq(t->sha256, "ab12");
    /* vtopo_free() frees the tables (ASan's leak check) */
}
END_TEST

/* A finding is known by its rule and its whole message. */
START_TEST(test_has_finding)
{
    g_autoptr(GArray) findings = vtopo_findings_new();

    ck_assert(!vtopo_has_finding(findings, "cpu-caches", "CPU a"));
    vtopo_add_finding(findings, "cpu-caches", VTOPO_SEVERITY_ERROR,
                      "CPU %s", "a");
    ck_assert(vtopo_has_finding(findings, "cpu-caches", "CPU a"));
    ck_assert(!vtopo_has_finding(findings, "cpu-caches", "CPU ab"));
    ck_assert(!vtopo_has_finding(findings, "cpu-caches", "CPU"));
    ck_assert(!vtopo_has_finding(findings, "cpuid-amd-levels", "CPU a"));
}
END_TEST

static Suite *vtopo_suite(void)
{
    Suite *s = suite_create("vtopo");
    TCase *tc = tcase_create("model");

    tcase_add_test(tc, test_level_names);
    tcase_add_test(tc, test_cpus_per_level);
    tcase_add_test(tc, test_ids_from_index_x86);
    tcase_add_test(tc, test_ids_from_index_arm);
    tcase_add_test(tc, test_new_present_and_nodes);
    tcase_add_test(tc, test_cpu_domain);
    tcase_add_test(tc, test_cache_resolve);
    tcase_add_test(tc, test_caches_llc);
    tcase_add_test(tc, test_validate_sound);
    tcase_add_test(tc, test_validate_findings);
    tcase_add_test(tc, test_validate_numa);
    tcase_add_test(tc, test_node_groups);
    tcase_add_test(tc, test_llc_follow_nodes);
    tcase_add_test(tc, test_same_caches);
    tcase_add_test(tc, test_llc_follow_nodes_split_module);
    tcase_add_test(tc, test_validate_distances);
    tcase_add_test(tc, test_format_cpulist);
    tcase_add_test(tc, test_checks_and_tables);
    tcase_add_test(tc, test_has_finding);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return vtopo_check_run(vtopo_suite());
}
