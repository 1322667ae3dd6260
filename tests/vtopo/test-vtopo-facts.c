/*
 * Unit tests for the facts a migration stream carries
 * (hw/core/vtopo/facts.c)
 *
 * The expected texts are written by hand from the format the header
 * documents; the malformed inputs are what a stream cut short or
 * corrupted on the way gives a destination (run under ASan/UBSan).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "hw/core/vtopo/facts.h"
#include "vtopo-check.h"

/* A cache of 64-byte lines in one partition. */
static VTopoSharedCache shared_cache(unsigned int level, VTopoCacheType type,
                                     uint64_t size, uint32_t ways,
                                     bool inclusive, CpuTopologyLevel sharing)
{
    return (VTopoSharedCache) {
        .geometry = { .level = level, .type = type, .size = size,
                      .ways = ways, .line_size = 64, .partitions = 1,
                      .inclusive = inclusive },
        .sharing = sharing,
    };
}

/*
 * 2 sockets x 1 die x 3 cores x 2 threads, the APIC IDs of x86 (2 bits
 * for 3 cores, 1 for 2 threads: socket 1 starts at 8), two nodes of one
 * socket each, distances 10/21, an L2 per core and an L3 per socket.
 */
static VTopo *two_node_topo(void)
{
    static const unsigned int apic_ids[] = {
        0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13,
    };
    VTopoShape s = x86_shape(2, 1, 1, 3, 2);
    VTopo *topo = vtopo_new(&s, 2);
    VTopoSharedCache caches[2] = {
        shared_cache(2, VTOPO_CACHE_UNIFIED, 2 * MiB, 16, false,
                     CPU_TOPOLOGY_LEVEL_CORE),
        shared_cache(3, VTOPO_CACHE_UNIFIED, 16 * MiB, 16, true,
                     CPU_TOPOLOGY_LEVEL_SOCKET),
    };

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        topo->cpus[i].arch_id = apic_ids[i];
        topo->cpus[i].node = i / 6;
    }
    for (unsigned int n = 0; n < 2; n++) {
        topo->nodes[n].mem_size = 256 * MiB;
        topo->nodes[n].distance[n] = 10;
        topo->nodes[n].distance[!n] = 21;
    }
    vtopo_set_caches(topo, caches, 2);
    return topo;
}

static const char two_node_facts[] =
    "vtopo-facts 1\n"
    "smp.sockets 2\n"
    "smp.dies 1\n"
    "smp.modules 1\n"
    "smp.cores 3\n"
    "smp.threads 2\n"
    "smp.maxcpus 12\n"
    "cpus.arch-ids 0-5,8-13\n"
    "caches l2,l3\n"
    "cache.l2.size 2097152\n"
    "cache.l2.ways 16\n"
    "cache.l2.line-size 64\n"
    "cache.l2.partitions 1\n"
    "cache.l2.inclusive no\n"
    "cache.l2.topology core\n"
    "cache.l2.per-node no\n"
    "cache.l3.size 16777216\n"
    "cache.l3.ways 16\n"
    "cache.l3.line-size 64\n"
    "cache.l3.partitions 1\n"
    "cache.l3.inclusive yes\n"
    "cache.l3.topology socket\n"
    "cache.l3.per-node no\n"
    "numa.nodes 2\n"
    "node.0.cpus 0-5\n"
    "node.0.memory 268435456\n"
    "node.0.distances 10,21\n"
    "node.1.cpus 6-11\n"
    "node.1.memory 268435456\n"
    "node.1.distances 21,10\n";

START_TEST(test_facts_text)
{
    g_autoptr(VTopo) topo = two_node_topo();
    g_autofree char *facts = vtopo_facts(topo);

    ck_assert_str_eq(facts, two_node_facts);
}
END_TEST

/* No NUMA, no caches, no distances: each says so. */
START_TEST(test_facts_text_plain)
{
    VTopoShape s = x86_shape(1, 1, 1, 2, 1);
    g_autoptr(VTopo) topo = NULL;
    g_autofree char *facts = NULL;

    s.supported[CPU_TOPOLOGY_LEVEL_DIE] = false;
    s.supported[CPU_TOPOLOGY_LEVEL_MODULE] = false;
    topo = vtopo_new(&s, 1);
    topo->cpus[0].arch_id = 0;
    topo->cpus[1].arch_id = 2;
    topo->nodes[0].mem_size = 1024;
    facts = vtopo_facts(topo);
    ck_assert_str_eq(facts, "vtopo-facts 1\n"
                     "smp.sockets 1\n"
                     "smp.cores 2\n"
                     "smp.threads 1\n"
                     "smp.maxcpus 2\n"
                     "cpus.arch-ids 0,2\n"
                     "caches none\n"
                     "numa.nodes 1\n"
                     "node.0.cpus none\n"
                     "node.0.memory 1024\n"
                     "node.0.distances none\n");
}
END_TEST

/*
 * 1024 vCPUs (4 sockets x 128 cores x 2 threads, contiguous APIC IDs),
 * a node of 64 GiB per socket with distances, four caches (L1d, L1i,
 * L2 per core, L3 per socket): what a migration stream carries stays
 * about a kilobyte.
 */
START_TEST(test_facts_size)
{
    VTopoShape s = x86_shape(4, 1, 1, 128, 2);
    g_autoptr(VTopo) topo = vtopo_new(&s, 4);
    g_autofree char *facts = NULL;
    VTopoSharedCache caches[4] = {
        shared_cache(1, VTOPO_CACHE_DATA, 48 * KiB, 12, false,
                     CPU_TOPOLOGY_LEVEL_CORE),
        shared_cache(1, VTOPO_CACHE_INSTRUCTION, 32 * KiB, 8, false,
                     CPU_TOPOLOGY_LEVEL_CORE),
        shared_cache(2, VTOPO_CACHE_UNIFIED, 2 * MiB, 16, false,
                     CPU_TOPOLOGY_LEVEL_CORE),
        shared_cache(3, VTOPO_CACHE_UNIFIED, 320 * MiB, 20, false,
                     CPU_TOPOLOGY_LEVEL_SOCKET),
    };

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        topo->cpus[i].arch_id = i;
        topo->cpus[i].node = i / 256;
    }
    for (unsigned int n = 0; n < 4; n++) {
        topo->nodes[n].mem_size = 64 * GiB;
        for (unsigned int m = 0; m < 4; m++) {
            topo->nodes[n].distance[m] = n == m ? 10 : 21;
        }
    }
    vtopo_set_caches(topo, caches, 4);
    facts = vtopo_facts(topo);
    ck_assert_msg(strlen(facts) < 1280, "%zu bytes", strlen(facts));
    ck_assert_ptr_nonnull(strstr(facts, "\ncpus.arch-ids 0-1023\n"));
    ck_assert_ptr_nonnull(strstr(facts, "\nnode.3.cpus 768-1023\n"));
}
END_TEST

/* The SHA-256 of the text, as sha256sum prints it. */
START_TEST(test_facts_digest)
{
    g_autofree char *digest = vtopo_facts_digest("vtopo-facts 1\n");

    /* printf 'vtopo-facts 1\n' | sha256sum */
    ck_assert_str_eq(digest, "7fec02ced81ec96cd9689ed3b0894a10"
                     "336c3591f58e2d5a1869e9834ee9e191");
}
END_TEST

/* How the message about a fact that differs starts. */
#define DIFFER "the topology differs from the migration source's: "

/* @theirs compared with two_node_facts: the message, or NULL if same. */
static char *compare(const char *theirs, size_t len)
{
    char *difference = NULL;
    bool same = vtopo_facts_compare(two_node_facts, (const uint8_t *)theirs,
                                    len, &difference);

    ck_assert(same == !difference);
    return difference;
}

/* two_node_facts with line @old replaced by @new ("" removes it). */
static char *with_line(const char *old, const char *new)
{
    g_autofree char *from = g_strconcat(old, "\n", NULL);
    g_autofree char *to = *new ? g_strconcat(new, "\n", NULL) : g_strdup("");
    g_autoptr(GString) s = g_string_new(two_node_facts);

    ck_assert_ptr_nonnull(strstr(s->str, from));
    g_string_replace(s, from, to, 1);
    return g_string_free(g_steal_pointer(&s), false);
}

START_TEST(test_compare_same)
{
    ck_assert_ptr_null(compare(two_node_facts, strlen(two_node_facts)));
}
END_TEST

/* Each kind of difference names the fact, both values and the option. */
START_TEST(test_compare_differences)
{
    static const struct {
        const char *old, *new, *message;
    } cases[] = {
        { "smp.cores 3", "smp.cores 6",
          DIFFER "smp.cores: the source has 6, this QEMU 3 (-smp cores=)" },
        { "cpus.arch-ids 0-5,8-13", "cpus.arch-ids 0-11",
          DIFFER
          "cpus.arch-ids: the source has 0-11, this QEMU 0-5,8-13 (-cpu)" },
        { "cache.l2.ways 16", "cache.l2.ways 8",
          DIFFER "cache.l2.ways: the source has 8, this QEMU 16 "
          "(-cpu, -machine smp-cache.N.ways=)" },
        { "cache.l3.topology socket", "cache.l3.topology die",
          DIFFER "cache.l3.topology: the source has die, this QEMU socket "
          "(-machine smp-cache.N.topology=)" },
        { "node.1.cpus 6-11", "node.1.cpus 5-11",
          DIFFER "node.1.cpus: the source has 5-11, this QEMU 6-11 "
          "(-numa node,nodeid=1,cpus=, -numa cpu)" },
        { "node.0.distances 10,21", "node.0.distances 10,31",
          DIFFER "node.0.distances: the source has 10,31, this QEMU 10,21 "
          "(-numa dist,src=0)" },
        { "node.1.memory 268435456", "node.1.memory 536870912",
          DIFFER
          "node.1.memory: the source has 536870912, this QEMU 268435456 "
          "(-numa node,nodeid=1,memdev=)" },
        /* A level only one side has. */
        { "smp.dies 1", "",
          DIFFER "smp.dies: the source has none, this QEMU 1 (-smp dies=)" },
        /* Keys this QEMU does not know name no option. */
        { "node.1.memory 268435456", "node.1.bogus 1\nnode.1.memory 268435456",
          DIFFER
          "node.1.bogus: the source has 1, this QEMU none (the machine's "
          "options)" },
        { "smp.sockets 2", "smp.bogus 1\nsmp.sockets 2",
          DIFFER
          "smp.bogus: the source has 1, this QEMU none (the machine's "
          "options)" },
        { "smp.sockets 2", "smp.drawers 1\nsmp.sockets 2",
          DIFFER
          "smp.drawers: the source has 1, this QEMU none (-smp drawers=)" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *theirs = with_line(cases[i].old, cases[i].new);
        g_autofree char *message = compare(theirs, strlen(theirs));

        ck_assert_str_eq(message, cases[i].message);
    }
}
END_TEST

/*
 * A source with a cache fewer: the list of caches; a stream that ends
 * early, or goes on: the first fact one side lacks.
 */
START_TEST(test_compare_caches)
{
    g_autofree char *fewer = NULL, *message = NULL;
    g_autoptr(GString) more = g_string_new(two_node_facts);
    g_autoptr(GString) no_l3 = g_string_new(two_node_facts);
    const char *l3 = strstr(two_node_facts, "cache.l3.size");

    g_string_replace(no_l3, "caches l2,l3\n", "caches l2\n", 1);
    g_string_erase(no_l3, l3 - two_node_facts - strlen(",l3"),
                   strstr(l3, "numa.nodes") - l3);
    message = compare(no_l3->str, no_l3->len);
    ck_assert_str_eq(message, DIFFER
        "caches: the source has l2, this QEMU l2,l3 "
                     "(-cpu, -machine smp-cache)");
    g_free(message);
    fewer = g_strndup(two_node_facts,
                      strstr(two_node_facts, "numa.nodes") - two_node_facts);
    message = compare(fewer, strlen(fewer));
    ck_assert_str_eq(message, DIFFER
        "numa.nodes: the source has none, this QEMU 2 "
                     "(-numa node)");
    g_free(message);
    g_string_append(more, "node.2.cpus 12-13\n");
    message = compare(more->str, more->len);
    ck_assert_str_eq(message, DIFFER
        "node.2.cpus: the source has 12-13, this QEMU "
                     "none (-numa node,nodeid=2,cpus=, -numa cpu)");
}
END_TEST

/* A string literal as bytes and their number, NULs included. */
#define BYTES(s) s, sizeof(s) - 1

/* Cut short or corrupted: refused with what is wrong, never read past. */
START_TEST(test_compare_malformed)
{
    g_autofree char *big = g_malloc0(VTOPO_FACTS_MAX_SIZE + 1);
    g_autofree char *message = NULL;
    g_autofree char *long_value = NULL;
    static const struct {
        const char *bytes;
        size_t len;
        const char *message;
    } cases[] = {
        { BYTES(""), "the source's topology is malformed: it does not end "
                 "with a whole line" },
        { BYTES("vtopo-facts 1\nsmp.sockets 2"),
          "the source's topology is malformed: it does not end with a "
          "whole line" },
        { BYTES("vtopo-facts 1\nsmp.sockets\0 2\n"),
          "the source's topology is malformed: byte 0x00 at offset 25" },
        { BYTES("vtopo-facts 1\nsmp.sockets\xff\n"),
          "the source's topology is malformed: byte 0xff at offset 25" },
        { BYTES("vtopo-facts 1\nsmp.sockets\n"),
          "the source's topology is malformed: line 2 is not a key and a "
          "value" },
        { BYTES("vtopo-facts 1\n\n"),
          "the source's topology is malformed: line 2 is not a key and a "
          "value" },
        { BYTES("vtopo-facts 1\n value\n"),
          "the source's topology is malformed: line 2 is not a key and a "
          "value" },
        { BYTES("\n"),
          "the source's topology is malformed: it does not start with its "
          "version" },
        { BYTES("smp.sockets 2\n"),
          "the source's topology is malformed: it does not start with its "
          "version" },
        /* Another version is named as such, whatever its lines. */
        { BYTES("vtopo-facts 2\nsmp.sockets\n"),
          "the source's topology is version 2, this QEMU reads version 1" },
        { BYTES("vtopo-facts 2\nsmp.sockets 2\n"),
          "the source's topology is version 2, this QEMU reads version 1" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        /* Exactly @len bytes, so that ASan sees a read past them. */
        g_autofree char *bytes = g_memdup2(cases[i].bytes, cases[i].len);
        g_autofree char *got = compare(bytes, cases[i].len);

        ck_assert_str_eq(got, cases[i].message);
    }
    message = compare(big, VTOPO_FACTS_MAX_SIZE + 1);
    ck_assert_str_eq(message, "the source's topology is 1048577 bytes, more "
                     "than the 1048576 a topology takes");
    g_free(message);
    /* A long value is quoted short. */
    long_value = with_line("cpus.arch-ids 0-5,8-13",
                           "cpus.arch-ids 0,2,4,6,8,10,12,14,16,18,20,22,24,"
                           "26,28,30,32,34,36");
    message = compare(long_value, strlen(long_value));
    ck_assert_str_eq(message, DIFFER "cpus.arch-ids: the source has "
                     "0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34..., "
                     "this QEMU 0-5,8-13 (-cpu)");
}
END_TEST

static Suite *facts_suite(void)
{
    Suite *s = suite_create("vtopo-facts");
    TCase *tc = tcase_create("facts");

    tcase_add_test(tc, test_facts_text);
    tcase_add_test(tc, test_facts_text_plain);
    tcase_add_test(tc, test_facts_size);
    tcase_add_test(tc, test_facts_digest);
    tcase_add_test(tc, test_compare_same);
    tcase_add_test(tc, test_compare_differences);
    tcase_add_test(tc, test_compare_caches);
    tcase_add_test(tc, test_compare_malformed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return vtopo_check_run(facts_suite());
}
