/*
 * QTest for the topology model: query-topology, info topology, and the
 * one-line refusals of topologies the guest cannot see
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "qemu/units.h"

/*
 * Two sockets of two cores of two threads, a NUMA node per socket, an
 * L2 geometry from smp-cache, the other caches from the CPU model.
 */
#define X86_TOPOLOGY \
    "-machine pc-q35-11.0," \
    "smp-cache.0.cache=l2,smp-cache.0.size=2M,smp-cache.0.ways=16," \
    "smp-cache.0.line-size=64 " \
    "-cpu Skylake-Server -smp 8,sockets=2,cores=2,threads=2 -m 256M " \
    "-object memory-backend-ram,id=m0,size=128M " \
    "-object memory-backend-ram,id=m1,size=128M " \
    "-numa node,nodeid=0,cpus=0-3,memdev=m0 " \
    "-numa node,nodeid=1,cpus=4-7,memdev=m1 " \
    "-numa dist,src=0,dst=1,val=21"

typedef struct CacheWant {
    const char *cache;
    int64_t size, ways, line_size, sets, instances;
    const char *topology;
    bool inclusive;
} CacheWant;

/*
 * The caches of X86_TOPOLOGY: L2 as smp-cache gives it; L1 and L3 as
 * target/i386/cpu.c's legacy caches (Skylake-Server has no cache_info)
 * describe them.  Sets are size / (ways * line size) (SDM vol. 2A,
 * CPUID leaf 4); instances are the vCPUs over the vCPUs sharing one.
 */
static const CacheWant x86_caches[] = {
    { "l1d", 32 * KiB, 8, 64, 64, 4, "core", false },
    { "l1i", 32 * KiB, 8, 64, 64, 4, "core", false },
    { "l2", 2 * MiB, 16, 64, 2048, 4, "core", false },
    { "l3", 16 * MiB, 16, 64, 16384, 2, "die", true },
};

static void check_cache(QDict *c, const CacheWant *want)
{
    g_assert_cmpstr(qdict_get_str(c, "cache"), ==, want->cache);
    g_assert_cmpint(qdict_get_int(c, "size"), ==, want->size);
    g_assert_cmpint(qdict_get_int(c, "ways"), ==, want->ways);
    g_assert_cmpint(qdict_get_int(c, "line-size"), ==, want->line_size);
    g_assert_cmpint(qdict_get_int(c, "sets"), ==, want->sets);
    g_assert_cmpint(qdict_get_int(c, "partitions"), ==, 1);
    g_assert_cmpint(qdict_get_int(c, "instances"), ==, want->instances);
    g_assert_cmpstr(qdict_get_str(c, "topology"), ==, want->topology);
    g_assert(qdict_get_bool(c, "inclusive") == want->inclusive);
    g_assert(!qdict_get_bool(c, "per-node"));
}

static void test_query_topology(void)
{
    QTestState *qts = qtest_init(X86_TOPOLOGY);
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-topology' }");
    QDict *ret = qdict_get_qdict(resp, "return");
    QList *nodes = qdict_get_qlist(ret, "numa-nodes");
    QList *caches = qdict_get_qlist(ret, "caches");
    const char *digest = qdict_get_str(ret, "digest");
    QListEntry *e;
    int i = 0;

    g_assert_cmpint(qlist_size(nodes), ==, 2);
    QLIST_FOREACH_ENTRY(nodes, e) {
        QDict *node = qobject_to(QDict, qlist_entry_obj(e));
        QList *dist = qdict_get_qlist(node, "distances");

        g_assert_cmpint(qdict_get_int(node, "node-id"), ==, i);
        g_assert_cmpint(qdict_get_int(node, "mem-size"), ==, 128 * MiB);
        g_assert_cmpint(qlist_size(dist), ==, 2);
        g_assert_cmpint(qnum_get_int(qobject_to(QNum, qlist_peek(dist))),
                        ==, i == 0 ? 10 : 21);
        i++;
    }

    i = 0;
    g_assert_cmpint(qlist_size(caches), ==, G_N_ELEMENTS(x86_caches));
    QLIST_FOREACH_ENTRY(caches, e) {
        check_cache(qobject_to(QDict, qlist_entry_obj(e)), &x86_caches[i++]);
    }

    /* A SHA-256, in hex; no migration brought this machine */
    g_assert_cmpint(strlen(digest), ==, 64);
    g_assert_cmpint(strspn(digest, "0123456789abcdef"), ==, 64);
    g_assert(!qdict_haskey(ret, "source-digest"));
    qobject_unref(resp);
    qtest_quit(qts);
}

static void test_info_topology(void)
{
    QTestState *qts = qtest_init(X86_TOPOLOGY " -smp maxcpus=8");
    g_autofree char *s = qtest_hmp(qts, "info topology");

    g_assert(strstr(s, "topology: 2 sockets x 1 die x 1 module x 2 cores x "
                    "2 threads (8 present, 8 possible)\r\n"));
    /* x2APIC ID layout: SMT in bit 0, core in bit 1, package above */
    g_assert(strstr(s, "\r\nsocket 1\r\n  die 0\r\n    module 0\r\n"
                    "      core 0\r\n"
                    "        thread 0: cpu 4 arch-id 0x4 node 1\r\n"
                    "        thread 1: cpu 5 arch-id 0x5 node 1\r\n"));
    g_assert(strstr(s, "node 1: 128 MiB, cpus 4-7, distances 21 10\r\n"));
    g_assert(strstr(s, "cache l2: 2048 KiB, 16 ways, 64-byte lines, "
                    "2048 sets, non-inclusive, shared per core "
                    "(4 instances)\r\n"));
    qtest_quit(qts);
}

/* A vCPU absent at start is listed as possible; device_add plugs it */
static void test_info_topology_hotplug(void)
{
    QTestState *qts = qtest_init("-machine pc-q35-11.0 "
                                 "-smp 1,maxcpus=2,cores=2");
    g_autofree char *before = qtest_hmp(qts, "info topology");
    g_autofree char *after = NULL;

    g_assert(strstr(before, "(1 present, 2 possible)"));
    g_assert(strstr(before, "cpu 1 arch-id 0x1 (not present)"));
    qtest_qmp_device_add(qts, "qemu64-x86_64-cpu", "c1",
                         "{ 'socket-id': 0, 'core-id': 1, 'thread-id': 0 }");
    after = qtest_hmp(qts, "info topology");
    g_assert(strstr(after, "(2 present, 2 possible)"));
    g_assert(strstr(after, "thread 0: cpu 1 arch-id 0x1\r\n"));
    qtest_quit(qts);
}

/*
 * Arm virt without CPU hotplug: the vCPUs past -smp cpus are possible,
 * not present, and the MADT lists only the present ones (the machine
 * init checks, which the test's runner traces, find nothing).
 */
static void test_virt_possible(void)
{
    QTestState *qts = qtest_init("-machine virt-11.0 -cpu max "
                                 "-smp 2,maxcpus=4,sockets=2,cores=2");
    g_autofree char *s = qtest_hmp(qts, "info topology");

    g_assert(strstr(s, "topology: 2 sockets x 1 cluster x 2 cores x "
                    "1 thread (2 present, 4 possible)\r\n"));
    /* MPIDR Aff0 numbers 8 or 16 vCPUs (virt_cpu_mp_affinity()) */
    g_assert(strstr(s, "thread 0: cpu 1 arch-id 0x1\r\n"));
    g_assert(strstr(s, "thread 0: cpu 2 arch-id 0x2 (not present)\r\n"));
    qtest_quit(qts);
}

/*
 * The PPTT of virt-10.2 has QEMU's root node above the sockets: the
 * machine, not a level the checks refuse.
 */
static void test_virt_old_pptt(void)
{
    QTestState *qts = qtest_init("-machine virt-10.2 -cpu max "
                                 "-smp 4,sockets=2,cores=2");
    g_autofree char *s = qtest_hmp(qts, "info topology");

    g_assert(strstr(s, "(4 present, 4 possible)"));
    qtest_quit(qts);
}

static void test_no_model(void)
{
    QTestState *qts = qtest_init("-machine none");
    QDict *resp = qtest_qmp(qts, "{ 'execute': 'query-topology' }");

    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(resp, "error"), "desc"),
                    ==, "machine type 'none' does not describe its CPU "
                    "topology");
    qobject_unref(resp);
    qtest_quit(qts);
}

typedef struct Refusal {
    const char *name;
    const char *args;
    const char *error;
} Refusal;

/* Two NUMA nodes of 128 MiB, with the CPUs @cpus0 and @cpus1 */
#define NODES(cpus0, cpus1) \
    "-m 256M -object memory-backend-ram,id=m0,size=128M " \
    "-object memory-backend-ram,id=m1,size=128M " \
    "-numa node,nodeid=0,cpus=" cpus0 ",memdev=m0 " \
    "-numa node,nodeid=1,cpus=" cpus1 ",memdev=m1 "
#define NODE_ADVICE \
    "; give each node whole cores (-numa node,cpus=, libvirt <cell cpus=...>)"
#define DIE_ADVICE \
    "; give each node whole dies: more of them (-smp dies=, libvirt " \
    "<topology dies=...>) or node CPUs that hold whole ones (-numa " \
    "node,cpus=, libvirt <cell cpus=...>)"

/* No guest runs: machine init refuses these, whatever the host has */
#define Q35 "-accel qtest -machine q35"

/*
 * What the guest could not see as given: QEMU says why on one line,
 * naming the option, and exits with 1.
 */
static const Refusal x86_refusals[] = {
    { "numa-core-split",
      Q35 " -smp 4,sockets=1,cores=2,threads=2 " NODES("0", "1-3"),
      "-numa node,nodeid=1: splits the threads of a core (CPUs 0-1) across "
      "nodes 0, 1" NODE_ADVICE },
    { "numa-llc-split",
      Q35 " -cpu Skylake-Server -smp 4,sockets=1,cores=4 "
      NODES("0", "1-3"),
      "-numa node,nodeid=1: splits the last-level cache shared per die "
      "(CPUs 0-3) across nodes 0, 1" DIE_ADVICE },
    { "numa-socket-partial",
      Q35 " -cpu qemu64,l3-cache=off -smp 8,sockets=2,cores=4 "
      NODES("0-5", "6-7"),
      "-numa node,nodeid=0: holds CPUs of 2 sockets but only part of "
      "socket 1 (CPUs 4-7, nodes 0, 1); a node that spans sockets must "
      "hold them whole" },
    { "numa-distance",
      Q35 " -smp 2,sockets=2 " NODES("0", "1")
      "-numa dist,src=0,dst=1,val=10",
      "-numa dist,src=0,dst=1,val=10: a remote distance must be more than "
      "10" },
    { "cache-size-sets",
      Q35 ",smp-cache.0.cache=l2,smp-cache.0.size=1000000",
      "smp-cache l2: size 1000000 is not a whole number of sets" },
    { "cache-size-zero",
      Q35 ",smp-cache.0.cache=l2,smp-cache.0.size=0",
      "smp-cache l2: size must not be 0" },
    { "cache-line-size",
      Q35 ",smp-cache.0.cache=l1d,smp-cache.0.line-size=96",
      "smp-cache l1d: line-size 96 is not a power of two" },
    { "cache-ways",
      Q35 ",smp-cache.0.cache=l2,smp-cache.0.ways=2048",
      "smp-cache l2: ways 2048 is outside 1..1024" },
    { "cache-assoc-0x80000006",
      Q35 ",smp-cache.0.cache=l2,smp-cache.0.size=3M,smp-cache.0.ways=12",
      "12 ways cannot be described by CPUID 0x80000006" },
    { "cache-line-0x80000005",
      Q35 ",smp-cache.0.cache=l1d,smp-cache.0.line-size=256",
      "line-size 256 is more than CPUID 0x80000005 can describe" },
    { "cache-fully-associative",
      Q35 ",smp-cache.0.cache=l1d,smp-cache.0.size=4K,smp-cache.0.ways=64",
      "fully associative caches are not supported" },
    { "cache-partitions",
      Q35 ",smp-cache.0.cache=l2,smp-cache.0.partitions=300,"
      "smp-cache.0.size=61440000",
      "partitions 300 is more than QEMU supports" },
    /* Linux takes the L3 of AMD families 0Fh-16h (qemu64) per node */
    { "amd-l3-per-core",
      Q35 ",smp-cache.0.cache=l3,smp-cache.0.topology=core -smp 4",
      "smp-cache l3: an AMD processor of family 0Fh has an L3 per node "
      "(socket) for Linux, not per core; use a model of family 17h or "
      "later, such as EPYC, or share it per socket" },
    { "amd-levels-topoext-off",
      Q35 " -smp 8,dies=2,threads=2 -cpu qemu64,topoext=off",
      "-smp dies=2,threads=2 needs topoext on AMD CPU models, which -cpu "
      "turns off; use dies=1, threads=1, or a CPU model and accelerator "
      "with topoext" },
    { "amd-dies-topoext-off",
      Q35 " -smp 8,dies=2 -cpu qemu64,topoext=off",
      "-smp dies=2 needs topoext on AMD CPU models, which -cpu turns off; "
      "use dies=1, or a CPU model and accelerator with topoext" },
    { "amd-node-id",
      Q35 " -smp 516,sockets=129,dies=2,cores=2 -cpu qemu64,x2apic=on",
      "-smp: the last die needs NodeId 257 in CPUID 0x8000001E, which "
      "holds 0-255 on AMD models; use fewer sockets or dies, or a model of "
      "family 17h or later, such as EPYC" },
    { "amd-0fh-smt-x2apic",
      Q35 " -smp 4,cores=2,threads=2 -cpu qemu64,x2apic=off",
      "-smp threads=2 on an AMD CPU model of family 0Fh needs x2apic, which "
      "-cpu turns off: software such as hwloc reads the threads as cores "
      "otherwise; use threads=1, or a model of family 17h or later, such "
      "as EPYC" },
    { "numa-acpi-off",
      Q35 ",acpi=off -smp 4,sockets=2 " NODES("0-1", "2-3"),
      "-machine acpi=off: only ACPI (SRAT, SLIT) describes NUMA nodes and "
      "distances to an x86 guest, which would see one node; leave ACPI on "
      "(libvirt: <features><acpi/></features>)" },
    { "cache-l3-off",
      Q35 " -cpu qemu64,l3-cache=off "
      "-machine smp-cache.0.cache=l3,smp-cache.0.size=16M",
      "smp-cache l3: the CPU has l3-cache=off" },
    /* A sharing for a cache the vCPUs do not describe */
    { "cache-sharing-missing",
      Q35 ",smp-cache.0.cache=l3,smp-cache.0.topology=socket "
      "-cpu qemu64,l3-cache=off",
      "smp-cache l3: the CPU describes no such cache" },
    /* QEMU's nesting rule, against the level the CPU model shares L3 at */
    { "cache-nesting",
      Q35 ",smp-cache.0.cache=l2,smp-cache.0.topology=socket "
      "-cpu Skylake-Server",
      "Invalid smp cache topology. L3 cache topology level shouldn't be "
      "lower than L2 cache" },
    { "amd-smt-topoext",
      Q35 " -smp 4,cores=2,threads=2 -cpu qemu64,-topoext",
      "threads=2 needs topoext" },
    /* The placement options (the host's CPUs are not named) */
    { "pin-vcpu",
      Q35 ",vcpu-affinity=manual,vcpu-pin.0.vcpu=9,vcpu-pin.0.host-cpu=0 "
      "-smp 2",
      "vcpu-pin.0.vcpu: vCPU 9 does not exist (the VM has vCPUs 0-1)" },
    { "pin-host-cpu",
      Q35 ",vcpu-affinity=manual,vcpu-pin.0.vcpu=0,"
      "vcpu-pin.0.host-cpu=4096",
      "vcpu-pin.0.host-cpu: host CPU 4096 does not exist" },
    { "pin-manual-empty",
      Q35 ",vcpu-affinity=manual",
      "vcpu-affinity=manual: no vcpu-pin entries; give vcpu-pin.N.vcpu and "
      "vcpu-pin.N.host-cpu" },
    { "mirror-host-affinity",
      Q35 ",vcpu-affinity=auto,mirror-host=on",
      "mirror-host: places the vCPUs itself; leave out vcpu-affinity and "
      "vcpu-pin" },
    /* apic_common_set_id()'s error, which aborted before */
    { "x2apic",
      Q35 " -smp 256",
      "APIC ID 255 requires x2APIC feature in CPU; use x2apic=on in -cpu" },
};

/*
 * Arm virt: what CCSIDR_EL1 and CLIDR_EL1 cannot describe (only TCG
 * sets a cache geometry, so other accelerators refuse with other words)
 */
#define VIRT "-accel tcg -machine virt"

static const Refusal arm_refusals[] = {
    { "cache-missing",
      VIRT ",smp-cache.0.cache=l3,smp-cache.0.topology=socket "
      "-cpu max",
      "smp-cache l3: the CPU has no such cache; give its size, ways and "
      "line-size" },
    { "cache-line-size",
      VIRT ",smp-cache.0.cache=l2,smp-cache.0.line-size=4096 "
      "-cpu max",
      "smp-cache l2: line-size 4096 is outside CCSIDR_EL1's 16-2048" },
    { "cache-inclusive",
      VIRT ",smp-cache.0.cache=l2,smp-cache.0.inclusive=on -cpu max",
      "smp-cache l2: Arm CPUs do not describe whether a cache is "
      "inclusive" },
};

static void test_refusal(const void *data)
{
    const Refusal *r = data;
    g_autofree char *cmd = g_strdup_printf("%s -display none -nodefaults %s",
                                           qtest_qemu_binary(NULL), r->args);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_auto(GStrv) lines = NULL;
    const char *line = NULL;
    GError *error = NULL;
    int status;

    g_spawn_command_line_sync(cmd, &out, &err, &status, &error);
    g_assert_no_error(error);
    g_assert(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 1);
    /* One line */
    lines = g_strsplit(err, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (!*lines[i]) {
            continue;
        }
        g_assert_null(line);
        line = lines[i];
    }
    g_assert_nonnull(line);
    g_test_message("QEMU said: %s", line);
    g_assert_nonnull(strstr(line, r->error));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    if (!strcmp(qtest_get_arch(), "x86_64") &&
        qtest_has_machine("pc-q35-11.0")) {
        qtest_add_func("/vtopo/query-topology", test_query_topology);
        qtest_add_func("/vtopo/info-topology", test_info_topology);
        qtest_add_func("/vtopo/info-topology/hotplug",
                       test_info_topology_hotplug);
        for (size_t i = 0; i < G_N_ELEMENTS(x86_refusals); i++) {
            g_autofree char *path =
                g_strdup_printf("/vtopo/refusal/%s", x86_refusals[i].name);

            qtest_add_data_func(path, &x86_refusals[i], test_refusal);
        }
    }
    if (!strcmp(qtest_get_arch(), "aarch64") &&
        qtest_has_machine("virt-11.0")) {
        qtest_add_func("/vtopo/virt/possible", test_virt_possible);
        if (qtest_has_machine("virt-10.2")) {
            qtest_add_func("/vtopo/virt/old-pptt", test_virt_old_pptt);
        }
        for (size_t i = 0; qtest_has_accel("tcg") &&
                           i < G_N_ELEMENTS(arm_refusals); i++) {
            g_autofree char *path =
                g_strdup_printf("/vtopo/refusal/%s", arm_refusals[i].name);

            qtest_add_data_func(path, &arm_refusals[i], test_refusal);
        }
    }
    qtest_add_func("/vtopo/no-model", test_no_model);
    return g_test_run();
}
