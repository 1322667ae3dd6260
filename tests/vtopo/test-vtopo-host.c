/*
 * Unit tests for the host topology reader (accel/vtopo/host.c)
 *
 * The fixture trees are the sysfs captures in tests/data/vtopo-host
 * (this machine as read here, and hosts described from public facts by
 * tests/data/vtopo-host/describe-host), expanded by meson into
 * $VTOPO_HOST_FIXTURES.  The expected values below are the facts those
 * captures were written from, not what the reader returned.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <unistd.h>
#include "accel/vtopo/host.h"
#include "vtopo-check.h"

#define KiB 1024ULL
#define MiB (1024 * KiB)

static char *fixture(const char *name)
{
    const char *dir = g_getenv("VTOPO_HOST_FIXTURES");

    ck_assert_msg(dir, "VTOPO_HOST_FIXTURES is not set");
    return g_build_filename(dir, name, NULL);
}

static VTopoHost *read_fixture(const char *name)
{
    g_autofree char *root = fixture(name);
    g_autofree char *error = NULL;
    VTopoHost *host = vtopo_host_read(root, &error);

    ck_assert_msg(host, "%s: %s", name, error);
    ck_assert_ptr_null(error);
    return host;
}

static char *cpus_text(const GArray *cpus)
{
    GString *text = g_string_new(NULL);

    vtopo_format_cpulist(text, (const unsigned int *)cpus->data, cpus->len);
    return g_string_free(text, false);
}

static const VTopoHostCache *llc_of(const VTopoHost *host, unsigned int cpu)
{
    ck_assert_int_ge(host->cpus[cpu].llc, 0);
    return &g_array_index(host->caches, VTopoHostCache, host->cpus[cpu].llc);
}

static const VTopoHostNode *node_at(const VTopoHost *host, unsigned int i)
{
    return &g_array_index(host->nodes, VTopoHostNode, i);
}

START_TEST(test_this_machine)
{
    g_autoptr(VTopoHost) host = read_fixture("this-machine");
    const VTopoHostCache *l1d;
    g_autofree char *llc_cpus = NULL;

    ck_assert_uint_eq(host->nr_cpus, 2);
    ck_assert(host->cpus[0].online && host->cpus[1].online);
    ck_assert_int_eq(host->cpus[0].package, 0);
    ck_assert_int_eq(host->cpus[1].core, 1);
    ck_assert_uint_eq(host->nr_cores, 2);
    ck_assert_uint_eq(host->threads_per_core, 1);
    ck_assert(!host->smt);
    /* retbleed and spec_store_bypass say Vulnerable, not across SMT. */
    ck_assert_ptr_null(host->smt_exposure);
    /* Private L1d, L1i, L2 for each CPU, and one L3. */
    ck_assert_uint_eq(host->caches->len, 7);
    llc_cpus = cpus_text(llc_of(host, 1)->cpus);
    ck_assert_str_eq(llc_cpus, "0-1");
    ck_assert_uint_eq(llc_of(host, 0)->level, 3);
    ck_assert_uint_eq(llc_of(host, 0)->size, 491520 * KiB);
    l1d = vtopo_host_cpu_cache(host, 1, 1, VTOPO_CACHE_DATA);
    ck_assert_ptr_nonnull(l1d);
    ck_assert_uint_eq(l1d->size, 48 * KiB);
    ck_assert_uint_eq(l1d->ways, 12);
    ck_assert_uint_eq(l1d->sets, 64);
    ck_assert_uint_eq(vtopo_host_cpu_cache(host, 0, 1,
                                           VTOPO_CACHE_INSTRUCTION)->size,
                      64 * KiB);
    ck_assert_uint_eq(host->nodes->len, 1);
    ck_assert_uint_eq(node_at(host, 0)->mem_size, 24683656 * KiB);
    ck_assert_uint_eq(g_array_index(node_at(host, 0)->distance,
                                    unsigned int, 0), 10);
}
END_TEST

START_TEST(test_intel_2s_smt)
{
    g_autoptr(VTopoHost) host = read_fixture("intel-2s-smt");
    g_autofree char *llc0 = NULL, *llc1 = NULL, *node1 = NULL;

    ck_assert_uint_eq(host->nr_cpus, 32);
    ck_assert_uint_eq(host->nr_cores, 16);
    ck_assert_uint_eq(host->threads_per_core, 2);
    ck_assert(host->smt);
    /* l1tf and mds both say "SMT vulnerable"; the first by name. */
    ck_assert_str_eq(host->smt_exposure, "l1tf");
    /* Linux numbers the second threads after all first threads. */
    ck_assert_int_eq(host->cpus[0].core_domain, host->cpus[16].core_domain);
    ck_assert_int_ne(host->cpus[0].core_domain, host->cpus[1].core_domain);
    ck_assert_int_eq(host->cpus[8].package, 1);
    ck_assert_int_eq(host->cpus[24].package, 1);
    /* 16 x (L1d, L1i, L2) + 2 L3 */
    ck_assert_uint_eq(host->caches->len, 50);
    llc0 = cpus_text(llc_of(host, 17)->cpus);
    llc1 = cpus_text(llc_of(host, 9)->cpus);
    ck_assert_str_eq(llc0, "0-7,16-23");
    ck_assert_str_eq(llc1, "8-15,24-31");
    ck_assert_uint_eq(llc_of(host, 0)->size, 11 * MiB);
    ck_assert_uint_eq(llc_of(host, 0)->ways, 11);
    ck_assert_uint_eq(host->nodes->len, 2);
    node1 = cpus_text(node_at(host, 1)->cpus);
    ck_assert_str_eq(node1, "8-15,24-31");
    ck_assert_int_eq(host->cpus[31].node, 1);
    ck_assert_uint_eq(g_array_index(node_at(host, 0)->distance,
                                    unsigned int, 1), 21);
}
END_TEST

START_TEST(test_amd_nps4_smt)
{
    g_autoptr(VTopoHost) host = read_fixture("amd-nps4-smt");
    g_autofree char *ccx0 = NULL, *ccx7 = NULL;
    unsigned int l3 = 0;

    ck_assert_uint_eq(host->nr_cpus, 32);
    ck_assert_uint_eq(host->nr_cores, 16);
    ck_assert(host->smt);
    ck_assert_str_eq(host->smt_exposure, "spec_rstack_overflow");
    for (guint i = 0; i < host->caches->len; i++) {
        const VTopoHostCache *c = &g_array_index(host->caches,
                                                 VTopoHostCache, i);

        if (c->level == 3) {
            l3++;
            ck_assert_uint_eq(c->size, 16 * MiB);
            ck_assert_uint_eq(c->cpus->len, 4);
        }
    }
    /* Eight CCXs of two cores. */
    ck_assert_uint_eq(l3, 8);
    ccx0 = cpus_text(llc_of(host, 16)->cpus);
    ccx7 = cpus_text(llc_of(host, 15)->cpus);
    ck_assert_str_eq(ccx0, "0-1,16-17");
    ck_assert_str_eq(ccx7, "14-15,30-31");
    ck_assert_uint_eq(vtopo_host_cpu_cache(host, 3, 2,
                                           VTOPO_CACHE_UNIFIED)->size,
                      512 * KiB);
    /* NPS4: four nodes of two CCXs. */
    ck_assert_uint_eq(host->nodes->len, 4);
    ck_assert_int_eq(host->cpus[4].node, 1);
    ck_assert_int_eq(host->cpus[20].node, 1);
    ck_assert_int_eq(host->cpus[31].node, 3);
    ck_assert_uint_eq(g_array_index(node_at(host, 1)->distance,
                                    unsigned int, 0), 12);
    ck_assert_uint_eq(g_array_index(node_at(host, 1)->distance,
                                    unsigned int, 1), 10);
    ck_assert_int_eq(vtopo_host_node_index(host, 3), 3);
    ck_assert_int_eq(vtopo_host_node_index(host, 4), -1);
}
END_TEST

START_TEST(test_offline_memonly)
{
    g_autoptr(VTopoHost) host = read_fixture("offline-memonly");
    g_autofree char *node0 = NULL;

    ck_assert_uint_eq(host->nr_cpus, 16);
    ck_assert(!host->cpus[7].online && !host->cpus[15].online);
    ck_assert(host->cpus[6].online && host->cpus[14].online);
    ck_assert_int_eq(host->cpus[7].core_domain, -1);
    ck_assert_int_eq(host->cpus[7].node, -1);
    /* Core 7 is offline: seven cores left. */
    ck_assert_uint_eq(host->nr_cores, 7);
    ck_assert_int_eq(host->cpus[6].core_domain, host->cpus[14].core_domain);
    ck_assert_uint_eq(llc_of(host, 0)->cpus->len, 14);
    ck_assert_uint_eq(host->nodes->len, 2);
    node0 = cpus_text(node_at(host, 0)->cpus);
    ck_assert_str_eq(node0, "0-6,8-14");
    /* Node 1: memory only. */
    ck_assert_uint_eq(node_at(host, 1)->cpus->len, 0);
    ck_assert_uint_eq(node_at(host, 1)->mem_size, 32768 * MiB);
    ck_assert_uint_eq(g_array_index(node_at(host, 1)->distance,
                                    unsigned int, 0), 20);
    ck_assert_ptr_null(host->smt_exposure);
}
END_TEST

START_TEST(test_no_smt)
{
    g_autoptr(VTopoHost) host = read_fixture("no-smt");

    ck_assert_uint_eq(host->nr_cpus, 4);
    ck_assert_uint_eq(host->nr_cores, 4);
    ck_assert_uint_eq(host->threads_per_core, 1);
    ck_assert(!host->smt);
    ck_assert_uint_eq(llc_of(host, 2)->size, 8 * MiB);
    ck_assert_uint_eq(vtopo_host_cpu_cache(host, 2, 1,
                                           VTOPO_CACHE_INSTRUCTION)->size,
                      64 * KiB);
}
END_TEST

/* CPU lists: what sysfs and the vcpu-pin properties hold. */
static const struct {
    const char *text;
    const char *cpus;    /* NULL: rejected */
    const char *error;
} cpulists[] = {
    { "0-3,8,10-11", "0-3,8,10-11" },
    { "5,1,3", "1,3,5" },
    { "31", "31" },
    { "3-1", NULL, "the range '3-1' ends before it starts" },
    { "0-", NULL, "the range '0-' has no end" },
    { "-1", NULL, "'-1' is not a CPU number" },
    { "a", NULL, "'a' is not a CPU number" },
    { "1,1", NULL, "CPU 1 is listed twice" },
    { "0-3,2", NULL, "CPU 2 is listed twice" },
    { "32", NULL, "CPU 32 does not exist (the last is 31)" },
    { "0-40", NULL, "CPU 40 does not exist (the last is 31)" },
    { "", NULL, "the CPU list is empty" },
    { "1-2-3", NULL, "'1-2-3' is not a CPU or a range of CPUs" },
    { "1,,2", NULL, "the list has an empty entry" },
    { ",1", NULL, "the list has an empty entry" },
    { "1,", NULL, "the list has an empty entry" },
    { "1:2", NULL, "'1:2' is not a CPU number" },
    { " 1", NULL, "' 1' is not a CPU number" },
    { "0x1", NULL, "'0x1' is not a CPU number" },
    { "4294967296", NULL, "'4294967296' is not a CPU number" },
    { "+1", NULL, "'+1' is not a CPU number" },
};

START_TEST(test_cpulist)
{
    g_autofree char *error = NULL;
    g_autoptr(GArray) cpus = vtopo_cpulist_parse(cpulists[_i].text, 32,
                                                 false, &error);

    if (cpulists[_i].cpus) {
        g_autofree char *text = NULL;

        ck_assert_msg(cpus, "'%s': %s", cpulists[_i].text, error);
        text = cpus_text(cpus);
        ck_assert_str_eq(text, cpulists[_i].cpus);
    } else {
        ck_assert_msg(!cpus, "'%s' accepted", cpulists[_i].text);
        ck_assert_str_eq(error, cpulists[_i].error);
    }
}
END_TEST

START_TEST(test_cpulist_empty_allowed)
{
    g_autofree char *error = NULL;
    g_autoptr(GArray) cpus = vtopo_cpulist_parse("", 4, true, &error);

    ck_assert_ptr_nonnull(cpus);
    ck_assert_uint_eq(cpus->len, 0);
}
END_TEST

/*
 * Broken fixture trees: one copy of intel-2s-smt, made once for all
 * cases, with one file replaced (NULL: removed) and put back after each.
 * The reader must refuse each with the file and the reason.
 */
static const struct {
    const char *file;
    const char *text;
    const char *error;
    size_t len;         /* of text, when it holds a NUL byte */
} broken[] = {
    { "devices/system/cpu/cpu3/topology/core_id", NULL,
      "cpu3/topology/core_id: No such file or directory" },
    { "devices/system/cpu/cpu3/topology/core_id", "abc\n",
      "cpu3/topology/core_id: 'abc' is not a number" },
    { "devices/system/cpu/cpu3/topology/core_id", "-3\n",
      "cpu3/topology/core_id: '-3' is not a number" },
    { "devices/system/cpu/cpu0/topology/physical_package_id", "",
      "physical_package_id: '' is not a number" },
    { "devices/system/cpu/cpu2/topology/thread_siblings_list", "3-1\n",
      "thread_siblings_list: the range '3-1' ends before it starts" },
    { "devices/system/cpu/cpu2/topology/thread_siblings_list", "5,21\n",
      "thread_siblings_list: does not list its own CPU" },
    { "devices/system/cpu/possible", "0-\n",
      "cpu/possible: the range '0-' has no end" },
    { "devices/system/cpu/possible", "0-9000\n",
      "cpu/possible: CPU 9000 does not exist (the last is 8191)" },
    { "devices/system/cpu/online", "0-40\n",
      "cpu/online: CPU 40 does not exist (the last is 31)" },
    { "devices/system/cpu/cpu1/cache/index2/size", "12Q\n",
      "index2/size: '12Q' is not a cache size" },
    { "devices/system/cpu/cpu1/cache/index2/type", "Victim\n",
      "index2/type: unknown cache type 'Victim'" },
    { "devices/system/cpu/cpu1/cache/index2/ways_of_associativity", "0\n",
      "index2: a cache with level, ways or line size 0" },
    { "devices/system/cpu/cpu1/cache/index3/shared_cpu_list", NULL,
      "index3/shared_cpu_list: No such file or directory" },
    { "devices/system/cpu/cpu1/cache/index3/shared_cpu_list", "0\n",
      "index3/shared_cpu_list: does not list its own CPU" },
    { "devices/system/node/node1/distance", "21\n",
      "node1/distance: not one distance per node" },
    { "devices/system/node/node1/distance", "21 ten\n",
      "node1/distance: 'ten' is not a distance" },
    { "devices/system/node/node1/cpulist", "7-15\n",
      "node1/cpulist: CPU 7 is offline or in another node" },
    { "devices/system/node/node1/meminfo", "Node 1 MemTotal: lots\n",
      "node1/meminfo: MemTotal is not a number" },
    { "devices/system/node/online", "x\n",
      "node/online: 'x' is not a CPU number" },
    { "devices/system/cpu/smt/active", "yes\n",
      "smt/active: 'yes' is not a number" },
    { "devices/system/cpu/cpu5/topology/core_id", "1\0002\n",
      "cpu5/topology/core_id: not a sysfs attribute", 4 },
};

static void copy_tree(const char *from, const char *to)
{
    const char *argv[] = { "cp", "-a", from, to, NULL };
    int status;

    ck_assert(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
                           NULL, NULL, NULL, NULL, &status, NULL));
    ck_assert(g_spawn_check_wait_status(status, NULL));
}

static void remove_tree(const char *dir)
{
    const char *argv[] = { "rm", "-rf", dir, NULL };

    ck_assert(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
                           NULL, NULL, NULL, NULL, NULL, NULL));
}

static char *broken_tmp;

static void broken_tree_setup(void)
{
    g_autofree char *from = fixture("intel-2s-smt");
    g_autofree char *root = NULL;

    broken_tmp = g_dir_make_tmp("vtopo-host-XXXXXX", NULL);
    root = g_build_filename(broken_tmp, "sys", NULL);
    copy_tree(from, root);
}

static void broken_tree_teardown(void)
{
    remove_tree(broken_tmp);
    g_free(broken_tmp);
}

START_TEST(test_broken_tree)
{
    g_autofree char *root = g_build_filename(broken_tmp, "sys", NULL);
    g_autofree char *file = g_build_filename(root, broken[_i].file, NULL);
    g_autofree char *saved = NULL;
    g_autofree char *error = NULL;
    g_autoptr(VTopoHost) host = NULL;
    gsize saved_len;

    ck_assert(g_file_get_contents(file, &saved, &saved_len, NULL));
    if (broken[_i].text) {
        size_t len = broken[_i].len ? broken[_i].len
                                    : strlen(broken[_i].text);

        ck_assert(g_file_set_contents(file, broken[_i].text, len, NULL));
    } else {
        ck_assert_int_eq(unlink(file), 0);
    }
    host = vtopo_host_read(root, &error);
    ck_assert(g_file_set_contents(file, saved, saved_len, NULL));
    ck_assert_msg(!host, "%s: accepted", broken[_i].file);
    ck_assert_msg(g_str_has_prefix(error, root), "%s", error);
    ck_assert_msg(strstr(error, broken[_i].error), "%s: '%s' lacks '%s'",
                  broken[_i].file, error, broken[_i].error);
}
END_TEST

START_TEST(test_missing_root)
{
    g_autofree char *error = NULL;
    g_autoptr(VTopoHost) host = vtopo_host_read("/nonexistent/vtopo",
                                                &error);

    ck_assert_ptr_null(host);
    ck_assert_str_eq(error, "/nonexistent/vtopo/devices/system/cpu/possible: "
                     "No such file or directory");
}
END_TEST

/* Optional files: a kernel without die_id, cluster_id, smt or NUMA. */
START_TEST(test_optional_files)
{
    g_autofree char *from = fixture("no-smt");
    g_autofree char *tmp = g_dir_make_tmp("vtopo-host-XXXXXX", NULL);
    g_autofree char *root = g_build_filename(tmp, "sys", NULL);
    g_autofree char *smt = g_build_filename(root, "devices/system/cpu/smt",
                                            NULL);
    g_autofree char *node = g_build_filename(root, "devices/system/node",
                                             NULL);
    g_autofree char *die = g_build_filename(root, "devices/system/cpu/cpu1/"
                                            "topology/die_id", NULL);
    g_autofree char *error = NULL;
    g_autoptr(VTopoHost) host = NULL;

    copy_tree(from, root);
    remove_tree(smt);
    remove_tree(node);
    ck_assert_int_eq(unlink(die), 0);
    host = vtopo_host_read(root, &error);
    remove_tree(tmp);
    ck_assert_msg(host, "%s", error);
    ck_assert_int_eq(host->cpus[1].die, -1);
    ck_assert_int_eq(host->cpus[0].die, 0);
    ck_assert(!host->smt);
    ck_assert_uint_eq(host->nodes->len, 1);
    ck_assert_uint_eq(node_at(host, 0)->cpus->len, 4);
    ck_assert_int_eq(host->cpus[3].node, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vtopo-host");
    TCase *tc = tcase_create("host");

    tcase_add_test(tc, test_this_machine);
    tcase_add_test(tc, test_intel_2s_smt);
    tcase_add_test(tc, test_amd_nps4_smt);
    tcase_add_test(tc, test_offline_memonly);
    tcase_add_test(tc, test_no_smt);
    tcase_add_loop_test(tc, test_cpulist, 0, G_N_ELEMENTS(cpulists));
    tcase_add_test(tc, test_cpulist_empty_allowed);
    tcase_add_test(tc, test_missing_root);
    tcase_add_test(tc, test_optional_files);
    suite_add_tcase(s, tc);
    tc = tcase_create("broken");
    tcase_add_unchecked_fixture(tc, broken_tree_setup, broken_tree_teardown);
    tcase_add_loop_test(tc, test_broken_tree, 0, G_N_ELEMENTS(broken));
    suite_add_tcase(s, tc);
    return vtopo_check_run(s);
}
