/*
 * Unit tests for the vCPU placement planner and checker
 * (accel/vtopo/plan.c), on the fixture hosts of tests/data/vtopo-host.
 *
 * Expected placements are written by hand from the fixture hosts'
 * facts (Linux numbers x86 CPUs first thread of every core, package by
 * package, then the second threads; see describe-host) and the
 * planner's documented order: virtual nodes in id order on the first
 * free host node, each virtual last-level cache domain in the first
 * host cache with room, host cores by their first CPU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "accel/vtopo/plan.h"
#include "vtopo-check.h"

#define MiB (1024ULL * 1024)

/*
 * A topology of @sockets x @dies x @cores x @threads with @nodes nodes,
 * each holding an equal run of vCPUs, and one last-level cache per
 * @llc domain.
 */
static VTopo *topo_new(unsigned int sockets, unsigned int dies,
                       unsigned int cores, unsigned int threads,
                       unsigned int nodes, CpuTopologyLevel llc)
{
    VTopoShape shape = x86_shape(sockets, dies, 1, cores, threads);
    VTopo *topo = vtopo_new(&shape, nodes);

    for (unsigned int i = 0; nodes && i < topo->nr_cpus; i++) {
        topo->cpus[i].node = i / (topo->nr_cpus / nodes);
    }
    vtopo_test_set_llc(topo, llc);
    return topo;
}

static GArray *cpus_of(const char *list)
{
    g_autofree char *error = NULL;
    GArray *cpus = vtopo_cpulist_parse(list, VTOPO_HOST_MAX_CPUS, false,
                                       &error);

    ck_assert_msg(cpus, "%s", error);
    return cpus;
}

static GArray *online_cpus(const VTopoHost *host)
{
    GArray *cpus = g_array_new(false, false, sizeof(unsigned int));

    for (unsigned int c = 0; c < host->nr_cpus; c++) {
        if (host->cpus[c].online) {
            g_array_append_val(cpus, c);
        }
    }
    return cpus;
}

/* A planning problem; frees what it made in pin_case_free(). */
typedef struct PinCase {
    VTopoPinInput in;
    VTopo *topo;
    VTopoHost *host;
    GArray *allowed;
    GArray *memory[8];
} PinCase;

static void pin_case_init(PinCase *c, const char *host, VTopo *topo,
                          const char *allowed)
{
    *c = (PinCase) { .topo = topo, .host = vtopo_test_host(host) };
    c->allowed = allowed ? cpus_of(allowed) : online_cpus(c->host);
    c->in = (VTopoPinInput) {
        .topo = c->topo, .host = c->host, .allowed = c->allowed,
    };
}

static void pin_case_bind(PinCase *c, unsigned int vnode, const char *nodes)
{
    c->memory[vnode] = cpus_of(nodes);
    c->in.node_memory = c->memory;
}

static void pin_case_free(PinCase *c)
{
    vtopo_free(c->topo);
    vtopo_host_free(c->host);
    g_array_unref(c->allowed);
    for (unsigned int i = 0; i < G_N_ELEMENTS(c->memory); i++) {
        if (c->memory[i]) {
            g_array_unref(c->memory[i]);
        }
    }
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(PinCase, pin_case_free)

static void assert_plan(const PinCase *c, const int *plan,
                        const int *expected)
{
    for (unsigned int v = 0; v < c->topo->nr_cpus; v++) {
        ck_assert_msg(plan[v] == expected[v], "vCPU %u on host CPU %d, "
                      "expected %d", v, plan[v], expected[v]);
    }
}

static void assert_auto(const PinCase *c, const int *expected)
{
    g_autofree char *error = NULL;
    g_autofree int *plan = vtopo_pin_plan_auto(&c->in, &error);
    g_autofree int *again = NULL;

    ck_assert_msg(plan, "%s", error);
    assert_plan(c, plan, expected);
    /* The same input gives the same placement. */
    again = vtopo_pin_plan_auto(&c->in, &error);
    assert_plan(c, again, expected);
}

static void assert_auto_fails(const PinCase *c, const char *message)
{
    g_autofree char *error = NULL;
    g_autofree int *plan = vtopo_pin_plan_auto(&c->in, &error);

    ck_assert_msg(!plan, "planned, expected: %s", message);
    ck_assert_str_eq(error, message);
}

/*
 * The rules that @plan breaks must be exactly @rules ("a,b", "" for
 * none); @error_rule, if set, is the one with error severity.
 */
static void assert_findings(const PinCase *c, const int *plan,
                            const char *rules, const char *error_rule)
{
    g_autoptr(GString) got = g_string_new(NULL);
    GArray *findings = vtopo_pin_check(&c->in, plan);

    for (guint i = 0; i < findings->len; i++) {
        VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);

        g_string_append_printf(got, "%s%s", i ? "," : "", f->rule);
        ck_assert_msg(!strchr(f->message, '\n'), "%s", f->message);
        ck_assert_int_eq(f->severity,
                         error_rule && g_str_equal(f->rule, error_rule)
                         ? VTOPO_SEVERITY_ERROR : VTOPO_SEVERITY_WARNING);
    }
    vtopo_findings_free(findings);
    ck_assert_str_eq(got->str, rules);
}

static const char *first_message(const PinCase *c, const int *plan)
{
    static char message[512];
    GArray *findings = vtopo_pin_check(&c->in, plan);

    ck_assert_uint_ge(findings->len, 1);
    g_strlcpy(message, g_array_index(findings, VTopoFinding, 0).message,
              sizeof(message));
    vtopo_findings_free(findings);
    return message;
}

START_TEST(test_auto_this_machine)
{
    g_auto(PinCase) c;
    static const int expected[] = { 0, 1 };
    g_autofree char *error = NULL;
    g_autofree int *plan = NULL;

    pin_case_init(&c, "this-machine",
                  topo_new(1, 1, 2, 1, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    assert_auto(&c, expected);
    plan = vtopo_pin_plan_auto(&c.in, &error);
    assert_findings(&c, plan, "", NULL);
}
END_TEST

/* Two virtual sockets, each a node, on the two Intel packages. */
START_TEST(test_auto_intel_two_nodes)
{
    g_auto(PinCase) c;
    static const int expected[] = {
        0, 16, 1, 17, 2, 18, 3, 19,
        8, 24, 9, 25, 10, 26, 11, 27,
    };
    g_autofree char *error = NULL;
    g_autofree int *plan = NULL;

    pin_case_init(&c, "intel-2s-smt",
                  topo_new(2, 1, 4, 2, 2, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    assert_auto(&c, expected);
    plan = vtopo_pin_plan_auto(&c.in, &error);
    /* Each virtual node on one host node, but memory unbound. */
    assert_findings(&c, plan, "pin-node-unbound", NULL);
    ck_assert_str_eq(first_message(&c, plan),
                     "virtual node 0's vCPUs are pinned to host node 0, but "
                     "its memory is not bound; give its memory backend "
                     "host-nodes=0,policy=bind (and 1 more)");
    pin_case_bind(&c, 0, "0");
    pin_case_bind(&c, 1, "1");
    assert_findings(&c, plan, "", NULL);
}
END_TEST

/* Memory decides: virtual node 0 bound to host node 1. */
START_TEST(test_auto_follows_memory)
{
    g_auto(PinCase) c;
    static const int expected[] = {
        8, 24, 9, 25, 10, 26, 11, 27,
        0, 16, 1, 17, 2, 18, 3, 19,
    };

    pin_case_init(&c, "intel-2s-smt",
                  topo_new(2, 1, 4, 2, 2, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    pin_case_bind(&c, 0, "1");
    assert_auto(&c, expected);
}
END_TEST

/* AMD NPS4: a virtual L3 per die of two cores fits a CCX. */
START_TEST(test_auto_amd_ccx)
{
    g_auto(PinCase) c;
    static const int expected[] = { 0, 16, 1, 17, 2, 18, 3, 19 };

    pin_case_init(&c, "amd-nps4-smt",
                  topo_new(1, 2, 2, 2, 0, CPU_TOPOLOGY_LEVEL_DIE), NULL);
    assert_auto(&c, expected);
}
END_TEST

START_TEST(test_auto_amd_four_nodes)
{
    g_auto(PinCase) c;
    static const int expected[] = {
        0, 16, 1, 17, 4, 20, 5, 21, 8, 24, 9, 25, 12, 28, 13, 29,
    };

    pin_case_init(&c, "amd-nps4-smt",
                  topo_new(4, 1, 2, 2, 4, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    assert_auto(&c, expected);
}
END_TEST

START_TEST(test_auto_amd_llc_too_big)
{
    g_auto(PinCase) c;

    pin_case_init(&c, "amd-nps4-smt",
                  topo_new(1, 1, 4, 2, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    assert_auto_fails(&c, "a virtual socket (4 cores "
                      "sharing a last-level cache) does not fit in one host "
                      "last-level cache: the most free cores with 2 threads "
                      "in one is 2; use at most 2 cores per socket");
}
END_TEST

START_TEST(test_auto_no_smt)
{
    g_auto(PinCase) c, wide, smt;
    static const int expected[] = { 0, 1, 2, 3 };

    pin_case_init(&c, "no-smt", topo_new(1, 1, 4, 1, 0,
                                         CPU_TOPOLOGY_LEVEL_SOCKET),
                  NULL);
    assert_auto(&c, expected);
    pin_case_init(&wide, "no-smt",
                  topo_new(1, 1, 5, 1, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    assert_auto_fails(&wide, "5 virtual cores (-smp "
                      "maxcpus=5) need as many host cores with 1 usable "
                      "thread, but QEMU may run on 4; use at most 4 cores");
    pin_case_init(&smt, "no-smt",
                  topo_new(1, 1, 2, 2, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    assert_auto_fails(&smt, "a virtual core has 2 "
                      "threads, but the host cores QEMU may run on have at "
                      "most 1 usable thread; use -smp threads=1");
}
END_TEST

/* Offline CPUs and a restricted allowed set are left out. */
START_TEST(test_auto_offline_and_allowed)
{
    g_auto(PinCase) c, cgroup, halves, memonly;
    static const int expected[] = {
        0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14,
    };
    static const int expected_cgroup[] = { 1, 9, 3, 11 };

    pin_case_init(&c, "offline-memonly",
                  topo_new(1, 1, 7, 2, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    assert_auto(&c, expected);
    pin_case_init(&cgroup, "offline-memonly",
                  topo_new(1, 1, 2, 2, 0, CPU_TOPOLOGY_LEVEL_SOCKET),
                  "1,3,9,11");
    assert_auto(&cgroup, expected_cgroup);
    pin_case_init(&halves, "offline-memonly",
                  topo_new(1, 1, 2, 2, 0, CPU_TOPOLOGY_LEVEL_SOCKET), "0-3");
    assert_auto_fails(&halves, "a virtual core has 2 "
                      "threads, but the host cores QEMU may run on have at "
                      "most 1 usable thread; use -smp threads=1");
    pin_case_init(&memonly, "offline-memonly",
                  topo_new(1, 1, 2, 2, 1, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    pin_case_bind(&memonly, 0, "1");
    assert_auto_fails(&memonly, "virtual node 0 has 2 "
                      "cores of 2 threads, but the host node its memory is "
                      "bound to has only 0 free (host node 1 has 0)");
}
END_TEST

START_TEST(test_auto_node_too_big)
{
    g_auto(PinCase) c;

    /*
     * Two virtual nodes of 5 cores; QEMU may use 8 cores of host node 0
     * and 4 of host node 1.
     */
    pin_case_init(&c, "intel-2s-smt",
                  topo_new(2, 1, 5, 1, 2, CPU_TOPOLOGY_LEVEL_DEFAULT), "0-11");
    assert_auto_fails(&c, "virtual node 1 has 5 cores "
                      "of 1 thread, but no host node has that many free "
                      "cores (host node 1 has 4, host node 0 has 3); use at "
                      "most 4 cores per node");
}
END_TEST

/*
 * The rules, each on a manual placement that breaks it, written as
 * pairs of CPU lists: the lowest vCPU on the lowest host CPU, and so on.
 */
typedef struct PinLists {
    const char *vcpus;
    const char *host_cpus;
} PinLists;

static int *manual(PinCase *c, const PinLists *lists, unsigned int n)
{
    g_autoptr(GArray) entries = g_array_new(false, false,
                                            sizeof(VTopoPinEntry));
    g_autofree char *error = NULL;
    int *plan;

    for (unsigned int e = 0; e < n; e++) {
        g_autoptr(GArray) vcpus = vtopo_cpulist_parse(lists[e].vcpus,
                                                      VTOPO_HOST_MAX_CPUS,
                                                      false, &error);
        g_autoptr(GArray) host_cpus = vtopo_cpulist_parse(lists[e].host_cpus,
                                                          VTOPO_HOST_MAX_CPUS,
                                                          false, &error);

        ck_assert(vcpus && host_cpus && vcpus->len == host_cpus->len);
        for (guint i = 0; i < vcpus->len; i++) {
            VTopoPinEntry pin = {
                .vcpu = g_array_index(vcpus, unsigned int, i),
                .host_cpu = g_array_index(host_cpus, unsigned int, i),
            };

            g_array_append_val(entries, pin);
        }
    }
    plan = vtopo_pin_plan_manual(&c->in, (VTopoPinEntry *)entries->data,
                                 entries->len, &error);
    ck_assert_msg(plan, "%s", error);
    return plan;
}

START_TEST(test_rule_allowed_and_shared)
{
    g_auto(PinCase) c;
    static const PinLists entries[] = {
        { "0-1", "4,20" }, { "2", "20" }, { "3", "5" },
    };
    g_autofree int *plan = NULL;

    pin_case_init(&c, "intel-2s-smt",
                  topo_new(1, 1, 4, 1, 0, CPU_TOPOLOGY_LEVEL_SOCKET), "0-15");
    plan = manual(&c, entries, G_N_ELEMENTS(entries));
    assert_findings(&c, plan, "pin-allowed,pin-shared-cpu,pin-core-shared,"
                    "pin-smt-exposed", "pin-allowed");
    ck_assert_str_eq(first_message(&c, plan),
                     "vCPU 1 is pinned to host CPU 20, which is not one QEMU "
                     "may run on (QEMU may run on 0-15) (and 1 more)");
}
END_TEST

START_TEST(test_rule_siblings)
{
    g_auto(PinCase) c, no_smt;
    static const PinLists split[] = { { "0-3", "0,1,16,17" } };
    static const PinLists on_no_smt[] = { { "0-3", "0-3" } };
    g_autofree int *plan = NULL, *plan2 = NULL;

    pin_case_init(&c, "intel-2s-smt",
                  topo_new(1, 1, 2, 2, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    plan = manual(&c, split, 1);
    assert_findings(&c, plan, "pin-smt-siblings,pin-core-shared", NULL);
    ck_assert_str_eq(first_message(&c, plan),
                     "vCPUs 0 and 1 are threads of one virtual core, but "
                     "their host CPUs 0 and 1 are not SMT siblings (and 1 "
                     "more)");
    pin_case_init(&no_smt, "no-smt",
                  topo_new(1, 1, 2, 2, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    plan2 = manual(&no_smt, on_no_smt, 1);
    assert_findings(&no_smt, plan2, "pin-host-no-smt", NULL);
}
END_TEST

START_TEST(test_rule_core_shared)
{
    g_auto(PinCase) c;
    static const PinLists entries[] = { { "0-1", "0,16" } };
    g_autofree int *plan = NULL;

    pin_case_init(&c, "intel-2s-smt",
                  topo_new(1, 1, 2, 1, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    plan = manual(&c, entries, 1);
    assert_findings(&c, plan, "pin-core-shared", NULL);
    c.in.core_sched = VTOPO_CORE_SCHED_CORE;
    assert_findings(&c, plan, "pin-core-shared", "pin-core-shared");
    ck_assert_str_eq(first_message(&c, plan),
                     "vCPUs 0 and 1 are in different virtual cores but run "
                     "on one host core (host CPUs 0 and 16); core-sched=core "
                     "keeps them from running at once");
}
END_TEST

START_TEST(test_rule_nodes)
{
    g_auto(PinCase) c;
    static const PinLists span[] = { { "0-1", "0,16" },
                                          { "2-3", "8,24" } };
    static const PinLists wrong[] = { { "0-1", "0,16" },
                                           { "2-3", "1,17" } };
    g_autofree int *plan = NULL, *plan2 = NULL;

    pin_case_init(&c, "intel-2s-smt",
                  topo_new(1, 1, 2, 2, 1, CPU_TOPOLOGY_LEVEL_DEFAULT), NULL);
    pin_case_bind(&c, 0, "1");
    plan = manual(&c, span, G_N_ELEMENTS(span));
    assert_findings(&c, plan, "pin-node-span,pin-node-memory", NULL);
    ck_assert_str_eq(first_message(&c, plan),
                     "virtual node 0's vCPUs run on host nodes 0-1, so the "
                     "guest sees one node where the host has several");
    plan2 = manual(&c, wrong, G_N_ELEMENTS(wrong));
    assert_findings(&c, plan2, "pin-node-memory", NULL);
    ck_assert_str_eq(first_message(&c, plan2),
                     "virtual node 0's vCPUs run on host node 0, but its "
                     "memory is bound to host node 1");
}
END_TEST

START_TEST(test_rule_caches)
{
    g_auto(PinCase) c;
    static const PinLists entries[] = { { "0-1", "0,16" },
                                             { "2-3", "2,18" } };
    static const VTopoSharedCache l3 = {
        .geometry = { .level = 3, .type = VTOPO_CACHE_UNIFIED,
                      .size = 32 * MiB, .ways = 16, .line_size = 64,
                      .partitions = 1 },
        .sharing = CPU_TOPOLOGY_LEVEL_SOCKET,
    };
    g_autofree int *plan = NULL;

    pin_case_init(&c, "amd-nps4-smt",
                  topo_new(1, 1, 2, 2, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    vtopo_set_caches(c.topo, &l3, 1);
    plan = manual(&c, entries, G_N_ELEMENTS(entries));
    assert_findings(&c, plan, "pin-llc-span,pin-cache-size", NULL);
    ck_assert_str_eq(first_message(&c, plan),
                     "vCPUs 0 and 2 share a virtual last-level cache "
                     "(socket 0), but their host CPUs 0 and 2 do not share "
                     "one");
}
END_TEST

START_TEST(test_rule_smt_exposed)
{
    g_auto(PinCase) c;
    static const PinLists entries[] = { { "0-1", "0-1" } };
    g_autofree int *plan = NULL;
    int floating[2] = { VTOPO_PIN_NONE, VTOPO_PIN_NONE };

    pin_case_init(&c, "intel-2s-smt",
                  topo_new(1, 1, 2, 1, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    plan = manual(&c, entries, 1);
    assert_findings(&c, plan, "pin-smt-exposed", NULL);
    ck_assert_str_eq(first_message(&c, plan),
                     "the host CPUs leak between SMT siblings "
                     "(vulnerabilities/l1tf) and host CPU 16, a sibling of "
                     "vCPU 0's host CPU 0, runs other threads; use "
                     "core-sched=vm or core-sched=core");
    assert_findings(&c, floating, "pin-smt-exposed", NULL);
    c.in.core_sched = VTOPO_CORE_SCHED_VM;
    assert_findings(&c, plan, "", NULL);
    assert_findings(&c, floating, "", NULL);
}
END_TEST

/* vcpu-pin entries that must be refused, and why. */
static const struct {
    VTopoPinEntry entries[3];
    unsigned int n;
    const char *error;
} bad_manual[] = {
    { {}, 0, "vcpu-affinity=manual: no vcpu-pin entries; give "
      "vcpu-pin.N.vcpu and vcpu-pin.N.host-cpu" },
    { { { 4, 0 } }, 1, "vcpu-pin.0.vcpu: vCPU 4 does not exist (the VM has "
      "vCPUs 0-3)" },
    { { { 0, 32 } }, 1, "vcpu-pin.0.host-cpu: host CPU 32 does not exist "
      "(the last is 31)" },
    { { { 1, 1 }, { 1, 2 } }, 2, "vcpu-pin.1.vcpu: vCPU 1 is already in "
      "vcpu-pin.0" },
    { { { 0, 0 }, { 1, 1 }, { 3, 3 } }, 3, "vcpu-affinity=manual: vCPU 2 is "
      "in no vcpu-pin entry; every possible vCPU (0-3) needs one" },
};

START_TEST(test_bad_manual)
{
    g_auto(PinCase) c;
    g_autofree char *error = NULL;
    g_autofree int *plan = NULL;

    pin_case_init(&c, "intel-2s-smt",
                  topo_new(1, 1, 4, 1, 0, CPU_TOPOLOGY_LEVEL_SOCKET), NULL);
    plan = vtopo_pin_plan_manual(&c.in, bad_manual[_i].entries,
                                 bad_manual[_i].n, &error);
    ck_assert_msg(!plan, "accepted: %s", bad_manual[_i].error);
    ck_assert_str_eq(error, bad_manual[_i].error);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vtopo-plan");
    TCase *plan = tcase_create("plan");
    TCase *rules = tcase_create("rules");

    tcase_add_test(plan, test_auto_this_machine);
    tcase_add_test(plan, test_auto_intel_two_nodes);
    tcase_add_test(plan, test_auto_follows_memory);
    tcase_add_test(plan, test_auto_amd_ccx);
    tcase_add_test(plan, test_auto_amd_four_nodes);
    tcase_add_test(plan, test_auto_amd_llc_too_big);
    tcase_add_test(plan, test_auto_no_smt);
    tcase_add_test(plan, test_auto_offline_and_allowed);
    tcase_add_test(plan, test_auto_node_too_big);
    tcase_add_loop_test(plan, test_bad_manual, 0, G_N_ELEMENTS(bad_manual));
    tcase_add_test(rules, test_rule_allowed_and_shared);
    tcase_add_test(rules, test_rule_siblings);
    tcase_add_test(rules, test_rule_core_shared);
    tcase_add_test(rules, test_rule_nodes);
    tcase_add_test(rules, test_rule_caches);
    tcase_add_test(rules, test_rule_smt_exposed);
    suite_add_tcase(s, plan);
    suite_add_tcase(s, rules);
    return vtopo_check_run(s);
}
