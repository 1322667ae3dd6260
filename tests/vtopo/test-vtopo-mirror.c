/*
 * Unit tests for the host mirror planner (accel/vtopo/mirror.c), on the
 * fixture hosts of tests/data/vtopo-host.
 *
 * The expected VMs are written by hand from the fixture hosts' public
 * facts (describe-host): Linux numbers x86 CPUs first thread of every
 * core, package by package, then the second threads; so on the 2-socket
 * Xeon Silver 4110 (8 cores, 11 MiB L3 per package, a node per package,
 * distance 21) core c of package p has CPUs 8p+c and 16+8p+c, and on
 * the EPYC 7302P in NPS4 (16 cores; a 16 MiB L3 per CCX of 2 cores; 4
 * nodes of 2 CCXs, distance 12) core c has CPUs c and 16+c.
 *
 * Every plan, whatever the host and size, must also pass vtopo's own
 * machine-init rules and every placement rule: that is what makes the
 * plan something QEMU can start with pin-check=strict.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "accel/vtopo/mirror.h"
#include "target/i386/vtopo/cpuid.h"
#include "vtopo-check.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

/* A request on @host: x86 levels, every online CPU allowed. */
typedef struct MirrorCase {
    VTopoHost *host;
    GArray *allowed;
    GArray *exclude;
    VTopoMirrorRequest req;
} MirrorCase;

static void mirror_case_init(MirrorCase *c, const char *host,
                             unsigned int vcpus, uint64_t mem_size)
{
    g_autofree char *error = NULL;

    *c = (MirrorCase) { .host = vtopo_test_host(host) };
    c->allowed = vtopo_host_allowed_cpus(c->host, true, &error);
    c->req = (VTopoMirrorRequest) {
        .vcpus = vcpus,
        .max_vcpus = vcpus,
        .mem_size = mem_size,
        .allowed = c->allowed,
        .core_sched = c->host->smt,
        .cache_fit = vtopo_x86_cache_fit,
    };
    c->req.supported[CPU_TOPOLOGY_LEVEL_DIE] = true;
    c->req.supported[CPU_TOPOLOGY_LEVEL_MODULE] = true;
}

static void mirror_case_free(MirrorCase *c)
{
    vtopo_host_free(c->host);
    g_array_unref(c->allowed);
    if (c->exclude) {
        g_array_unref(c->exclude);
    }
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MirrorCase, mirror_case_free)

/*
 * The rules a plan must pass: vtopo_validate() on its model, and
 * vtopo_pin_check() of its placement with its caches and memory
 * bindings.  Returns the rule ids that fired, "" for none.
 */
static char *mirror_findings(const MirrorCase *c, const VTopoMirror *m)
{
    const VTopo *topo = m->topology;
    g_autoptr(GString) rules = g_string_new(NULL);
    g_autofree GArray **memory = g_new0(GArray *, m->topology->nr_nodes + 1);
    GArray *findings = vtopo_test_validate(topo);
    VTopoPinInput in = {
        .topo = topo,
        .host = c->host,
        .allowed = c->allowed,
        .node_memory = m->topology->nr_nodes ? memory : NULL,
        .core_sched = m->core_sched,
    };
    GArray *pin;

    for (unsigned int n = 0; n < m->topology->nr_nodes; n++) {
        memory[n] = g_array_new(false, false, sizeof(unsigned int));
        g_array_append_val(memory[n], m->host_node[n]);
    }
    pin = vtopo_pin_check(&in, m->plan);
    g_array_append_vals(findings, pin->data, pin->len);
    g_array_set_clear_func(pin, NULL);
    g_array_unref(pin);
    for (guint i = 0; i < findings->len; i++) {
        VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);

        g_string_append_printf(rules, "%s%s: %s", rules->len ? "; " : "",
                               f->rule, f->message);
    }
    vtopo_findings_free(findings);
    for (unsigned int n = 0; n < m->topology->nr_nodes; n++) {
        g_array_unref(memory[n]);
    }
    return g_string_free(g_steal_pointer(&rules), false);
}

static VTopoMirror *assert_plan(const MirrorCase *c)
{
    g_autofree char *error = NULL;
    g_autofree char *findings = NULL;
    VTopoMirror *m = vtopo_mirror_plan(c->host, &c->req, &error);

    ck_assert_msg(m, "%s", error);
    findings = mirror_findings(c, m);
    ck_assert_msg(!*findings, "the plan breaks: %s", findings);
    return m;
}

static void assert_fails(const MirrorCase *c, const char *message)
{
    g_autofree char *error = NULL;
    g_autoptr(VTopoMirror) m = vtopo_mirror_plan(c->host, &c->req, &error);

    ck_assert_msg(!m, "planned, expected: %s", message);
    ck_assert_str_eq(error, message);
}

/* sockets x dies x cores x threads, and the level holding the LLC. */
static void assert_shape(const VTopoMirror *m, unsigned int sockets,
                         unsigned int dies, unsigned int cores,
                         unsigned int threads, CpuTopologyLevel llc)
{
    const VTopoShape *shape = &m->topology->shape;

    ck_assert_uint_eq(shape->count[CPU_TOPOLOGY_LEVEL_SOCKET], sockets);
    ck_assert_uint_eq(shape->count[CPU_TOPOLOGY_LEVEL_DIE], dies);
    ck_assert_uint_eq(shape->count[CPU_TOPOLOGY_LEVEL_MODULE], 1);
    ck_assert_uint_eq(shape->count[CPU_TOPOLOGY_LEVEL_CORE], cores);
    ck_assert_uint_eq(shape->count[CPU_TOPOLOGY_LEVEL_THREAD], threads);
    ck_assert_int_eq(m->llc_level, llc);
}

static void assert_host_cpus(const VTopoMirror *m, const int *expected,
                             unsigned int n)
{
    ck_assert_uint_eq(vtopo_shape_max_cpus(&m->topology->shape), n);
    for (unsigned int v = 0; v < n; v++) {
        ck_assert_msg(m->plan[v] == expected[v], "vCPU %u on host CPU %d, "
                      "expected %d", v, m->plan[v], expected[v]);
    }
}

/* Cache @i: smp-cache name, size, ways, line, sharing level. */
static void assert_cache(const VTopoMirror *m, unsigned int i,
                         const char *name, uint64_t size, unsigned int ways,
                         CpuTopologyLevel sharing)
{
    const VTopoCache *c = &m->topology->caches[i].geometry;

    ck_assert_uint_gt(m->topology->nr_caches, i);
    ck_assert_str_eq(vtopo_mirror_cache_name(c), name);
    ck_assert_uint_eq(c->size, size);
    ck_assert_uint_eq(c->ways, ways);
    ck_assert_uint_eq(c->line_size, 64);
    ck_assert_int_eq(m->topology->caches[i].sharing, sharing);
}

static void assert_node(const VTopoMirror *m, unsigned int n,
                        unsigned int host_node, uint64_t mem_size,
                        unsigned int first_vcpu, unsigned int nr_vcpus)
{
    const VTopo *topo = m->topology;
    unsigned int nr = 0;

    ck_assert_uint_gt(topo->nr_nodes, n);
    ck_assert_uint_eq(m->host_node[n], host_node);
    ck_assert_uint_eq(topo->nodes[n].mem_size, mem_size);
    for (unsigned int v = 0; v < topo->nr_cpus; v++) {
        if (topo->cpus[v].node == (int)n) {
            ck_assert_uint_eq(v, first_vcpu + nr);
            nr++;
        }
    }
    ck_assert_uint_eq(nr, nr_vcpus);
}

/* 8 vCPUs on the Xeon: 4 SMT pairs of package 0, its L3, node 0. */
START_TEST(test_intel_8)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    static const int expected[] = { 0, 16, 1, 17, 2, 18, 3, 19 };

    mirror_case_init(&c, "intel-2s-smt", 8, 2 * GiB);
    m = assert_plan(&c);
    assert_shape(m, 1, 1, 4, 2, CPU_TOPOLOGY_LEVEL_SOCKET);
    assert_host_cpus(m, expected, 8);
    ck_assert_uint_eq(m->topology->nr_caches, 4);
    assert_cache(m, 0, "l1d", 32 * 1024, 8, CPU_TOPOLOGY_LEVEL_CORE);
    assert_cache(m, 1, "l1i", 32 * 1024, 8, CPU_TOPOLOGY_LEVEL_CORE);
    assert_cache(m, 2, "l2", 1024 * 1024, 16, CPU_TOPOLOGY_LEVEL_CORE);
    /*
     * The 11-way L3 keeps its size with 8 ways, which AMD's L3Assoc
     * (CPUID Fn8000_0006 EDX) lists: the CPU model is not known yet.
     */
    assert_cache(m, 3, "l3", 11 * MiB, 8, CPU_TOPOLOGY_LEVEL_SOCKET);
    ck_assert_str_eq(g_ptr_array_index(m->notes, 0),
                     "the host's L3 unified cache has 11 ways, which the "
                     "guest's CPUID cannot list; it is described with 8 "
                     "ways and the same size");
    /* Two host nodes have memory: the one used is mirrored and bound. */
    ck_assert_uint_eq(m->topology->nr_nodes, 1);
    assert_node(m, 0, 0, 2 * GiB, 0, 8);
    /* SMT-vulnerable host (l1tf, mds): core scheduling for the VM. */
    ck_assert_int_eq(m->core_sched, VTOPO_CORE_SCHED_VM);
}
END_TEST

/* 32 vCPUs: both packages, a socket and a node each, distance 21. */
START_TEST(test_intel_32)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    int expected[32];

    for (unsigned int v = 0; v < 32; v++) {
        unsigned int core = v / 2;      /* 0-7 package 0, 8-15 package 1 */

        expected[v] = core + 16 * (v % 2);
    }
    mirror_case_init(&c, "intel-2s-smt", 32, 4 * GiB);
    m = assert_plan(&c);
    assert_shape(m, 2, 1, 8, 2, CPU_TOPOLOGY_LEVEL_SOCKET);
    assert_host_cpus(m, expected, 32);
    ck_assert_uint_eq(m->topology->nr_nodes, 2);
    assert_node(m, 0, 0, 2 * GiB, 0, 16);
    assert_node(m, 1, 1, 2 * GiB, 16, 16);
    ck_assert_uint_eq(m->topology->nodes[0].distance[0], 10);
    ck_assert_uint_eq(m->topology->nodes[0].distance[1], 21);
    ck_assert_uint_eq(m->topology->nodes[1].distance[0], 21);
}
END_TEST

/*
 * 16 vCPUs on the EPYC in NPS4: 8 cores are 4 CCXs, two nodes of two
 * CCXs: a virtual die per CCX with its 16 MiB L3, a node per host node.
 */
START_TEST(test_amd_16)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    int expected[16];

    for (unsigned int v = 0; v < 16; v++) {
        expected[v] = v / 2 + 16 * (v % 2);
    }
    mirror_case_init(&c, "amd-nps4-smt", 16, 1 * GiB);
    m = assert_plan(&c);
    assert_shape(m, 1, 4, 2, 2, CPU_TOPOLOGY_LEVEL_DIE);
    assert_host_cpus(m, expected, 16);
    assert_cache(m, 2, "l2", 512 * 1024, 8, CPU_TOPOLOGY_LEVEL_CORE);
    assert_cache(m, 3, "l3", 16 * MiB, 16, CPU_TOPOLOGY_LEVEL_DIE);
    ck_assert_uint_eq(m->topology->nr_nodes, 2);
    assert_node(m, 0, 0, 512 * MiB, 0, 8);
    assert_node(m, 1, 1, 512 * MiB, 8, 8);
    ck_assert_uint_eq(m->topology->nodes[0].distance[1], 12);
}
END_TEST

/*
 * The Xeon in Sub-NUMA Clustering 2: Linux shows one 48 MiB L3 for the
 * package, over two nodes.  48 vCPUs need both nodes: a die per node,
 * each with its node's half of the L3, so that no node cuts a virtual
 * L3 and the guest's L3s add up to the host's.
 */
START_TEST(test_intel_snc2)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;

    mirror_case_init(&c, "intel-snc2", 48, 4 * GiB);
    m = assert_plan(&c);
    assert_shape(m, 1, 2, 12, 2, CPU_TOPOLOGY_LEVEL_DIE);
    /* 12-way: 8 ways, as AMD's L3Assoc lists */
    assert_cache(m, 3, "l3", 24 * MiB, 8, CPU_TOPOLOGY_LEVEL_DIE);
    ck_assert_uint_eq(m->topology->nr_nodes, 2);
    assert_node(m, 0, 0, 2 * GiB, 0, 24);
    assert_node(m, 1, 1, 2 * GiB, 24, 24);
    ck_assert_uint_eq(m->topology->nodes[0].distance[1], 11);
    ck_assert_str_eq(g_ptr_array_index(m->notes, 1),
                     "the host's L3 cache spans NUMA nodes (Sub-NUMA "
                     "Clustering): each virtual one is its node's share, 16 "
                     "of its 32 cores: 24M of 48M");

    /* In one node, the virtual socket has that node's share too. */
    g_clear_pointer(&m, vtopo_mirror_free);
    c.req.vcpus = c.req.max_vcpus = 16;
    m = assert_plan(&c);
    assert_shape(m, 1, 1, 8, 2, CPU_TOPOLOGY_LEVEL_SOCKET);
    assert_cache(m, 3, "l3", 24 * MiB, 8, CPU_TOPOLOGY_LEVEL_SOCKET);
}
END_TEST

/*
 * A hybrid host, made from the Arm-like one by giving core 2 a 2 MiB L2:
 * the guest has one L2 geometry, host CPU 0's, and the plan says so.
 */
START_TEST(test_hybrid_caches)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    const VTopoHostCpu *cpu2;

    mirror_case_init(&c, "no-smt", 4, 1 * GiB);
    cpu2 = &c.host->cpus[2];
    for (unsigned int i = 0; i < cpu2->nr_caches; i++) {
        VTopoHostCache *hc = &g_array_index(c.host->caches, VTopoHostCache,
                                            cpu2->caches[i]);

        if (hc->level == 2) {
            hc->size = 2 * MiB;
        }
    }
    m = assert_plan(&c);
    assert_cache(m, 2, "l2", 1 * MiB, 8, CPU_TOPOLOGY_LEVEL_CORE);
    ck_assert_str_eq(g_ptr_array_index(m->notes, 0),
                     "host CPU 2 has caches other than host CPU 0's, which "
                     "the guest describes for every vCPU");
}
END_TEST

/* The user's core scheduling stands, even below the plan's advice. */
START_TEST(test_core_sched_asked)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;

    mirror_case_init(&c, "intel-2s-smt", 8, 2 * GiB);
    c.req.has_core_sched_mode = true;
    c.req.core_sched_mode = VTOPO_CORE_SCHED_OFF;
    m = assert_plan(&c);
    ck_assert_int_eq(m->core_sched, VTOPO_CORE_SCHED_OFF);
    ck_assert_str_eq(g_ptr_array_index(m->notes, m->notes->len - 1),
                     "the host CPUs leak between SMT siblings "
                     "(vulnerabilities/l1tf): core-sched=off, as asked");
    g_clear_pointer(&m, vtopo_mirror_free);
    c.req.core_sched_mode = VTOPO_CORE_SCHED_CORE;
    m = assert_plan(&c);
    ck_assert_int_eq(m->core_sched, VTOPO_CORE_SCHED_CORE);
}
END_TEST

/* 4 vCPUs fill one CCX: its L3 is the virtual socket's. */
START_TEST(test_amd_4)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    static const int expected[] = { 0, 16, 1, 17 };

    mirror_case_init(&c, "amd-nps4-smt", 4, 1 * GiB);
    m = assert_plan(&c);
    assert_shape(m, 1, 1, 2, 2, CPU_TOPOLOGY_LEVEL_SOCKET);
    assert_host_cpus(m, expected, 4);
    assert_cache(m, 3, "l3", 16 * MiB, 16, CPU_TOPOLOGY_LEVEL_SOCKET);
    assert_node(m, 0, 0, 1 * GiB, 0, 4);
}
END_TEST

/*
 * 3 vCPUs are not whole cores of 2 threads: one per core.  No CCX has
 * 3 cores, so 3 dies of 1 core: 2 CCXs of node 0 and 1 of node 1.
 */
START_TEST(test_amd_3)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    static const int expected[] = { 0, 2, 4 };

    mirror_case_init(&c, "amd-nps4-smt", 3, 6 * MiB);
    m = assert_plan(&c);
    assert_shape(m, 1, 3, 1, 1, CPU_TOPOLOGY_LEVEL_DIE);
    assert_host_cpus(m, expected, 3);
    /* 3 units of 2 MiB: 2 for node 0's 2 vCPUs, 1 for node 1's. */
    assert_node(m, 0, 0, 4 * MiB, 0, 2);
    assert_node(m, 1, 1, 2 * MiB, 2, 1);
    ck_assert_str_eq(g_ptr_array_index(m->notes, 0),
                     "3 vCPUs are not whole host cores of 2 threads: one "
                     "vCPU per host core, without SMT");
}
END_TEST

/* The Arm-like host: no SMT, one node (no virtual nodes), Arm levels. */
START_TEST(test_no_smt_arm)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    static const int expected[] = { 0, 1, 2, 3 };

    mirror_case_init(&c, "no-smt", 4, 1 * GiB);
    c.req.supported[CPU_TOPOLOGY_LEVEL_DIE] = false;
    c.req.supported[CPU_TOPOLOGY_LEVEL_MODULE] = false;
    c.req.supported[CPU_TOPOLOGY_LEVEL_CLUSTER] = true;
    c.req.cache_fit = NULL;
    m = assert_plan(&c);
    ck_assert_uint_eq(m->topology->shape.count[CPU_TOPOLOGY_LEVEL_CLUSTER], 1);
    ck_assert_uint_eq(m->topology->shape.count[CPU_TOPOLOGY_LEVEL_CORE], 4);
    ck_assert_uint_eq(m->topology->shape.count[CPU_TOPOLOGY_LEVEL_THREAD], 1);
    assert_host_cpus(m, expected, 4);
    assert_cache(m, 0, "l1d", 64 * 1024, 4, CPU_TOPOLOGY_LEVEL_CORE);
    assert_cache(m, 3, "l3", 8 * MiB, 16, CPU_TOPOLOGY_LEVEL_SOCKET);
    ck_assert_uint_eq(m->topology->nr_nodes, 0);
    ck_assert_int_eq(m->core_sched, VTOPO_CORE_SCHED_OFF);
}
END_TEST

/*
 * The 256-CPU host (2x EPYC 9554: 8 cores per 32 MiB L3, a node per
 * package, distance 32): 32 vCPUs are two CCDs of node 0.
 */
/*
 * A host whose sysfs describes no caches (a microVM, as the machine
 * the README's tests run on): the shape, placement and nodes are still
 * planned, the guest keeps the CPU model's caches, and a note says so.
 */
START_TEST(test_no_host_caches)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    static const int expected[] = { 0, 1 };
    bool noted = false;

    mirror_case_init(&c, "no-smt", 2, 1 * GiB);
    for (unsigned int cpu = 0; cpu < c.host->nr_cpus; cpu++) {
        c.host->cpus[cpu].nr_caches = 0;
        c.host->cpus[cpu].llc = -1;
    }
    m = assert_plan(&c);
    ck_assert_uint_eq(m->topology->shape.count[CPU_TOPOLOGY_LEVEL_CORE], 2);
    ck_assert_uint_eq(m->topology->shape.count[CPU_TOPOLOGY_LEVEL_THREAD], 1);
    assert_host_cpus(m, expected, 2);
    ck_assert_uint_eq(m->topology->nr_caches, 0);
    for (guint i = 0; i < m->notes->len; i++) {
        noted |= g_str_equal(g_ptr_array_index(m->notes, i),
                             "the host describes no caches of CPU 0 "
                             "(devices/system/cpu/cpu0/cache): the guest "
                             "keeps the CPU model's caches");
    }
    ck_assert_msg(noted, "no note says the caches are the model's");
}
END_TEST

START_TEST(test_amd_256)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    int expected[32];

    for (unsigned int v = 0; v < 32; v++) {
        expected[v] = v / 2 + 128 * (v % 2);
    }
    mirror_case_init(&c, "amd-2s-256", 32, 8 * GiB);
    m = assert_plan(&c);
    assert_shape(m, 1, 2, 8, 2, CPU_TOPOLOGY_LEVEL_DIE);
    assert_host_cpus(m, expected, 32);
    assert_cache(m, 3, "l3", 32 * MiB, 16, CPU_TOPOLOGY_LEVEL_DIE);
    assert_node(m, 0, 0, 8 * GiB, 0, 32);
}
END_TEST

/* An offline core and a memory-only node: 7 whole cores, node 0. */
START_TEST(test_offline_memonly)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    int expected[14];

    for (unsigned int v = 0; v < 14; v++) {
        expected[v] = v / 2 + 8 * (v % 2);
    }
    mirror_case_init(&c, "offline-memonly", 14, 2 * GiB);
    m = assert_plan(&c);
    assert_shape(m, 1, 1, 7, 2, CPU_TOPOLOGY_LEVEL_SOCKET);
    assert_host_cpus(m, expected, 14);
    ck_assert_uint_eq(m->topology->nr_nodes, 1);
    assert_node(m, 0, 0, 2 * GiB, 0, 14);
    ck_assert_str_eq(g_ptr_array_index(m->notes, 0),
                     "the host has 2 nodes with memory; the VM mirrors the "
                     "1 its vCPUs run on");
    mirror_case_free(&c);
    mirror_case_init(&c, "offline-memonly", 16, 2 * GiB);
    assert_fails(&c, "16 vCPUs need 8 free host cores with 2 threads, but "
                 "QEMU may use 7 whole; the largest fit is 14 vCPUs");
}
END_TEST

/* Kept-out CPUs and possible vCPUs beyond the present ones. */
START_TEST(test_exclude_maxcpus)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    g_autofree char *error = NULL;
    /* CPU 17 out: host core 1 of package 0 is no longer whole. */
    static const int expected[] = { 0, 16, 2, 18, 3, 19, 4, 20 };

    mirror_case_init(&c, "intel-2s-smt", 4, 1 * GiB);
    c.req.max_vcpus = 8;
    c.exclude = vtopo_cpulist_parse("17", 32, false, &error);
    c.req.exclude = c.exclude;
    m = assert_plan(&c);
    ck_assert_uint_eq(m->topology->shape.cpus, 4);
    assert_shape(m, 1, 1, 4, 2, CPU_TOPOLOGY_LEVEL_SOCKET);
    assert_host_cpus(m, expected, 8);
}
END_TEST

/* Allowed CPUs the host does not have are ignored, not written past. */
START_TEST(test_allowed_beyond_host)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    unsigned int beyond[] = { 4, 100, VTOPO_HOST_MAX_CPUS - 1 };
    static const int expected[] = { 0, 1 };

    mirror_case_init(&c, "no-smt", 2, 1 * GiB);
    g_array_append_vals(c.allowed, beyond, G_N_ELEMENTS(beyond));
    m = assert_plan(&c);
    assert_host_cpus(m, expected, 2);
}
END_TEST

/* Preferences: SMT off, and a limit on nodes. */
START_TEST(test_preferences)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    static const int expected[] = { 0, 1, 2, 3 };

    mirror_case_init(&c, "intel-2s-smt", 4, 1 * GiB);
    c.req.smt = VTOPO_MIRROR_SMT_OFF;
    m = assert_plan(&c);
    assert_shape(m, 1, 1, 4, 1, CPU_TOPOLOGY_LEVEL_SOCKET);
    assert_host_cpus(m, expected, 4);
    mirror_case_free(&c);

    mirror_case_init(&c, "intel-2s-smt", 3, 1 * GiB);
    c.req.smt = VTOPO_MIRROR_SMT_ON;
    assert_fails(&c, "3 vCPUs are not whole host cores of 2 threads; ask "
                 "for a multiple of 2");
    mirror_case_free(&c);

    mirror_case_init(&c, "intel-2s-smt", 32, 1 * GiB);
    c.req.max_nodes = 1;
    assert_fails(&c, "32 vCPUs (16 cores of 2 threads) do not split evenly "
                 "over the host's last-level caches in at most 1 host "
                 "node; the largest fit is 16 vCPUs");
}
END_TEST

static const struct {
    const char *host;
    unsigned int vcpus;
    uint64_t mem_size;
    bool no_core_sched;
    const char *message;
} bad[] = {
    { "intel-2s-smt", 34, GiB, false,
      "34 vCPUs need 17 free host cores with 2 threads, but QEMU may use 16 "
      "whole; the largest fit is 32 vCPUs" },
    { "no-smt", 5, GiB, false,
      "5 vCPUs need 5 free host cores with 1 thread, but QEMU may use 4 "
      "whole; the largest fit is 4 vCPUs" },
    { "intel-2s-smt", 8, 200 * GiB, false,
      "204800 MiB of memory do not fit: virtual node 0 gets 204800 MiB, "
      "but host node 0 holds 98304 MiB" },
    { "no-smt", 2, 64 * GiB, false,
      "65536 MiB of memory do not fit: the host has 16384 MiB" },
    { "intel-2s-smt", 32, 2 * MiB, false,
      "2 MiB of memory are too little for 2 nodes: give each at least 2 "
      "MiB" },
    { "intel-2s-smt", 8, GiB + 1, false,
      "memory must be a non-zero multiple of 2 MiB" },
    { "intel-2s-smt", 0, GiB, false,
      "0 vCPUs, at most 0: give at least one vCPU, and maxcpus no smaller" },
    { "intel-2s-smt", 3, GiB, true,
      "the host CPUs leak between SMT siblings (vulnerabilities/l1tf) and "
      "the host kernel has no core scheduling, so the idle siblings of "
      "one-thread virtual cores would run other threads; ask for a "
      "multiple of 2 vCPUs" },
};

START_TEST(test_bad)
{
    g_auto(MirrorCase) c;

    mirror_case_init(&c, bad[_i].host, bad[_i].vcpus, bad[_i].mem_size);
    c.req.core_sched = !bad[_i].no_core_sched;
    assert_fails(&c, bad[_i].message);
}
END_TEST

/*
 * Every host and size that fits gives a plan that passes every rule;
 * the same request gives the same plan.
 */
START_TEST(test_every_plan_is_clean)
{
    static const char *const hosts[] = {
        "intel-2s-smt", "amd-nps4-smt", "offline-memonly", "no-smt",
        "this-machine", "amd-2s-256", "intel-snc2",
    };
    static const unsigned int sizes[] = { 1, 2, 3, 4, 6, 8, 12, 16, 24, 32,
                                          64, 128, 256 };
    unsigned int planned = 0;

    for (unsigned int h = 0; h < G_N_ELEMENTS(hosts); h++) {
        for (unsigned int s = 0; s < G_N_ELEMENTS(sizes); s++) {
            g_auto(MirrorCase) c;
            g_autofree char *error = NULL;
            g_autofree char *findings = NULL;
            g_autoptr(VTopoMirror) m = NULL;
            g_autoptr(VTopoMirror) again = NULL;

            mirror_case_init(&c, hosts[h], sizes[s], sizes[s] * 64 * MiB);
            m = vtopo_mirror_plan(c.host, &c.req, &error);
            if (!m) {
                continue;
            }
            planned++;
            findings = mirror_findings(&c, m);
            ck_assert_msg(!*findings, "%s, %u vCPUs: %s", hosts[h], sizes[s],
                          findings);
            again = vtopo_mirror_plan(c.host, &c.req, &error);
            ck_assert(again);
            ck_assert_mem_eq(m->plan, again->plan, sizes[s] * sizeof(int));
        }
    }
    ck_assert_uint_ge(planned, 30);
}
END_TEST

/* The QEMU options of a plan, as the user would type them. */
START_TEST(test_qemu_options)
{
    g_auto(MirrorCase) c;
    g_autoptr(VTopoMirror) m = NULL;
    GArray *options;
    g_autoptr(GString) text = g_string_new(NULL);
    g_autoptr(GString) pins = g_string_new("-machine vcpu-affinity=manual");

    mirror_case_init(&c, "amd-nps4-smt", 16, 1 * GiB);
    m = assert_plan(&c);
    options = vtopo_mirror_qemu_options(m);
    for (guint i = 0; i < options->len; i++) {
        VTopoMirrorOption *o = &g_array_index(options, VTopoMirrorOption, i);

        g_string_append_printf(text, "-%s %s\n", o->option, o->value);
    }
    vtopo_mirror_options_free(options);
    /*
     * The fixture's SMT siblings are host CPUs N and N + 16: the threads
     * of virtual core K (vCPUs 2K and 2K + 1) on host core K.
     */
    for (unsigned int k = 0; k < 8; k++) {
        g_string_append_printf(pins, ",vcpu-pin.%u.vcpu=%u,"
                               "vcpu-pin.%u.host-cpu=%u,"
                               "vcpu-pin.%u.vcpu=%u,vcpu-pin.%u.host-cpu=%u",
                               2 * k, 2 * k, 2 * k, k,
                               2 * k + 1, 2 * k + 1, 2 * k + 1, k + 16);
    }
    g_string_append(pins, ",core-sched=vm\n");
    ck_assert(g_str_has_suffix(text->str, pins->str));
    g_string_truncate(text, text->len - pins->len);
    ck_assert_str_eq(text->str,
        "-smp cpus=16,maxcpus=16,sockets=1,dies=4,cores=2,threads=2\n"
        "-machine smp-cache.0.cache=l1d,smp-cache.0.topology=core,"
        "smp-cache.0.size=32K,smp-cache.0.ways=8,smp-cache.0.line-size=64,"
        "smp-cache.1.cache=l1i,smp-cache.1.topology=core,"
        "smp-cache.1.size=32K,smp-cache.1.ways=8,smp-cache.1.line-size=64,"
        "smp-cache.2.cache=l2,smp-cache.2.topology=core,"
        "smp-cache.2.size=512K,smp-cache.2.ways=8,smp-cache.2.line-size=64,"
        "smp-cache.3.cache=l3,smp-cache.3.topology=die,"
        "smp-cache.3.size=16M,smp-cache.3.ways=16,smp-cache.3.line-size=64\n"
        "-m 1G\n"
        "-object memory-backend-ram,id=vtopo-node0,size=512M,host-nodes=0,"
        "policy=bind\n"
        "-numa node,nodeid=0,cpus=0-7,memdev=vtopo-node0\n"
        "-object memory-backend-ram,id=vtopo-node1,size=512M,host-nodes=1,"
        "policy=bind\n"
        "-numa node,nodeid=1,cpus=8-15,memdev=vtopo-node1\n"
        "-numa dist,src=0,dst=1,val=12\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vtopo-mirror");
    TCase *plan = tcase_create("plan");
    TCase *fail = tcase_create("fail");

    tcase_add_test(plan, test_intel_8);
    tcase_add_test(plan, test_intel_32);
    tcase_add_test(plan, test_amd_16);
    tcase_add_test(plan, test_amd_4);
    tcase_add_test(plan, test_intel_snc2);
    tcase_add_test(plan, test_hybrid_caches);
    tcase_add_test(plan, test_core_sched_asked);
    tcase_add_test(plan, test_amd_3);
    tcase_add_test(plan, test_no_smt_arm);
    tcase_add_test(plan, test_no_host_caches);
    tcase_add_test(plan, test_amd_256);
    tcase_add_test(plan, test_offline_memonly);
    tcase_add_test(plan, test_exclude_maxcpus);
    tcase_add_test(plan, test_preferences);
    tcase_add_test(plan, test_allowed_beyond_host);
    tcase_add_test(plan, test_every_plan_is_clean);
    tcase_add_test(plan, test_qemu_options);
    tcase_add_loop_test(fail, test_bad, 0, G_N_ELEMENTS(bad));
    tcase_set_timeout(plan, 60);
    suite_add_tcase(s, plan);
    suite_add_tcase(s, fail);
    return vtopo_check_run(s);
}
