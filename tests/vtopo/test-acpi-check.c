/*
 * Unit tests for the ACPI table checker (hw/acpi/vtopo/acpi-check.c):
 * tables laid out here from the ACPI 6.5 structure tables for a model
 * of 1 socket x 2 cores x 2 threads in 2 NUMA nodes (a core each),
 * L1d and L2 per core and L3 per socket, or, as when the last-level
 * cache follows the nodes, one L3 per socket and node.  The consistent
 * sets have no finding; each fault (one wrong field, as a buggy builder
 * would write it) gives one finding of its rule.  Runs under ASan and
 * UBSan.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtopo-check.h"
#include "hw/acpi/vtopo/acpi-check.h"

/* Faults a table builder can make */
enum {
    FAULT_NONE,
    FAULT_MADT_APIC_ID,     /* CPU 3 has APIC ID 7 in the MADT */
    FAULT_MADT_MISSING,     /* CPU 3 is not in the MADT */
    FAULT_SRAT_DOMAIN,      /* CPU 2 is in domain 0 */
    FAULT_SLIT_DISTANCE,    /* 0 -> 1 is 31 */
    FAULT_PPTT_GROUPING,    /* leaves 1 and 2 swapped across cores */
    FAULT_PPTT_UID,         /* leaf of CPU 3 has processor ID 9 */
    FAULT_PPTT_CHAIN,       /* each L2 chains to the socket's L3 */
    FAULT_PPTT_SIZE,        /* the L3 says 4 MiB */
    FAULT_PPTT_SHARING,     /* one L2 for both cores, in core 0 */
    FAULT_HMAT_TARGET,      /* HMAT target domain 5 */
    /* With an L3 that follows the nodes (one per core here): */
    PER_NODE,               /* consistent: a group node per node holds it */
    FAULT_PER_NODE_SOCKET,  /* one L3 in the socket node, as before */
    FAULT_PER_NODE_GROUP,   /* both cores in the group of node 0 */
};

static void put(GByteArray *t, uint64_t v, unsigned int size)
{
    for (unsigned int i = 0; i < size; i++) {
        uint8_t byte = i < sizeof(v) ? v >> (8 * i) : 0;

        g_byte_array_append(t, &byte, 1);
    }
}

/* Table 5.4: the header, with length and checksum filled by finish(). */
static GByteArray *begin(const char *sig, uint8_t revision)
{
    GByteArray *t = g_byte_array_new();

    g_byte_array_append(t, (const uint8_t *)sig, 4);
    put(t, 0, 4);               /* Length */
    put(t, revision, 1);
    put(t, 0, 27);              /* Checksum .. Creator Revision */
    return t;
}

static void finish(VTopoAcpiTables *tables, GByteArray *t)
{
    g_autofree char *err = NULL;
    uint8_t sum = 0;

    for (int i = 0; i < 4; i++) {
        t->data[4 + i] = t->len >> (8 * i);
    }
    for (guint i = 0; i < t->len; i++) {
        sum += t->data[i];
    }
    t->data[9] = -sum;
    ck_assert_msg(vtopo_acpi_decode_table(tables, t->data, t->len, &err),
                  "%s", err);
    g_byte_array_unref(t);
}

static void build_madt(VTopoAcpiTables *tables, int fault)
{
    GByteArray *t = begin("APIC", 5);

    put(t, 0xfee00000, 4);      /* Local Interrupt Controller Address */
    put(t, 1, 4);               /* Flags: PCAT_COMPAT */
    for (unsigned int i = 0; i < 4; i++) {
        if (fault == FAULT_MADT_MISSING && i == 3) {
            continue;
        }
        /* 5.2.12.2 Processor Local APIC: UID, APIC ID, Enabled */
        put(t, 0, 1);
        put(t, 8, 1);
        put(t, i, 1);
        put(t, fault == FAULT_MADT_APIC_ID && i == 3 ? 7 : i, 1);
        put(t, 1, 4);
    }
    finish(tables, t);
}

static void build_srat(VTopoAcpiTables *tables, int fault)
{
    GByteArray *t = begin("SRAT", 3);

    put(t, 1, 4);               /* Reserved (1 for compatibility) */
    put(t, 0, 8);
    for (unsigned int i = 0; i < 4; i++) {
        /* 5.2.16.1 Processor Local APIC Affinity */
        put(t, 0, 1);
        put(t, 16, 1);
        put(t, fault == FAULT_SRAT_DOMAIN && i == 2 ? 0 : i / 2, 1);
        put(t, i, 1);           /* APIC ID */
        put(t, 1, 4);           /* Enabled */
        put(t, 0, 8);
    }
    for (unsigned int n = 0; n < 2; n++) {
        /* 5.2.16.2 Memory Affinity: 256 MiB per node, enabled */
        put(t, 1, 1);
        put(t, 40, 1);
        put(t, n, 4);
        put(t, 0, 2);
        put(t, n * 0x10000000ull, 8);
        put(t, 0x10000000, 8);
        put(t, 0, 4);
        put(t, 1, 4);
        put(t, 0, 8);
    }
    finish(tables, t);
}

static void build_slit(VTopoAcpiTables *tables, int fault)
{
    GByteArray *t = begin("SLIT", 1);
    static const uint8_t d[] = { 10, 21, 21, 10 };

    put(t, 2, 8);
    for (int i = 0; i < 4; i++) {
        put(t, fault == FAULT_SLIT_DISTANCE && i == 1 ? 31 : d[i], 1);
    }
    finish(tables, t);
}

/* 5.2.30.2 Cache Type Structure, all flags valid, write-back; @type: 0 D, 2 U */
static uint32_t put_cache(GByteArray *t, uint32_t next, uint32_t size,
                          uint32_t sets, uint8_t ways, unsigned int type,
                          uint32_t id)
{
    uint32_t offset = t->len;

    put(t, 1, 1);
    put(t, 28, 1);
    put(t, 0, 2);
    put(t, 0xff, 4);
    put(t, next, 4);
    put(t, size, 4);
    put(t, sets, 4);
    put(t, ways, 1);
    put(t, 2 | type << 2, 1);   /* read/write allocation, cache type */
    put(t, 64, 2);
    put(t, id, 4);
    return offset;
}

/* 5.2.30.1 Processor Hierarchy Node Structure */
static uint32_t put_node(GByteArray *t, uint32_t flags, uint32_t parent,
                         uint32_t id, const uint32_t *resources,
                         unsigned int n)
{
    uint32_t offset = t->len;

    put(t, 0, 1);
    put(t, 20 + 4 * n, 1);
    put(t, 0, 2);
    put(t, flags, 4);
    put(t, parent, 4);
    put(t, id, 4);
    put(t, n, 4);
    for (unsigned int i = 0; i < n; i++) {
        put(t, resources[i], 4);
    }
    return offset;
}

static void build_pptt(VTopoAcpiTables *tables, int fault)
{
    GByteArray *t = begin("PPTT", 3);
    uint32_t l3 = 0, socket, l2 = 0, l1d, core, parent;
    static const unsigned int uid[2][2] = { { 0, 1 }, { 2, 3 } };
    static const unsigned int swapped[2][2] = { { 0, 2 }, { 1, 3 } };
    /* ACPI 6.5 5.2.30.1: a group of processors, under the package */
    bool group = fault == PER_NODE || fault == FAULT_PER_NODE_GROUP;

    if (!group) {
        l3 = put_cache(t, 0, fault == FAULT_PPTT_SIZE ? 4 << 20 : 8 << 20,
                       fault == FAULT_PPTT_SIZE ? 4096 : 8192, 16, 2, 1);
    }
    socket = put_node(t, VTOPO_ACPI_PPTT_PHYSICAL_PACKAGE, 0, 0, &l3, !group);
    for (unsigned int c = 0; c < 2; c++) {
        uint32_t res[2];
        unsigned int n = 0;

        if (group) {
            uint32_t node_group;

            l3 = put_cache(t, 0, 8 << 20, 8192, 16, 2, 6 + c);
            node_group = put_node(t, 0, socket, c, &l3, 1);
            if (c == 0 || fault != FAULT_PER_NODE_GROUP) {
                parent = node_group;
            }
        } else {
            parent = socket;
        }

        if (c == 0 || fault != FAULT_PPTT_SHARING) {
            l2 = put_cache(t, fault == FAULT_PPTT_CHAIN ? l3 : 0, 1 << 20,
                           1024, 16, 2, 2 + 2 * c);
            res[n++] = l2;
        }
        l1d = put_cache(t, l2, 32 << 10, 64, 8, 0, 3 + 2 * c);
        res[n++] = l1d;
        core = put_node(t, 0, parent, c, res, n);
        for (unsigned int th = 0; th < 2; th++) {
            unsigned int id = fault == FAULT_PPTT_GROUPING ? swapped[c][th]
                                                           : uid[c][th];

            if (fault == FAULT_PPTT_UID && id == 3) {
                id = 9;
            }
            put_node(t, VTOPO_ACPI_PPTT_ID_VALID | VTOPO_ACPI_PPTT_THREAD |
                     VTOPO_ACPI_PPTT_LEAF, core, id, NULL, 0);
        }
    }
    finish(tables, t);
}

static void build_hmat(VTopoAcpiTables *tables, int fault)
{
    GByteArray *t = begin("HMAT", 2);

    put(t, 0, 4);               /* Reserved */
    for (unsigned int n = 0; n < 2; n++) {
        /* 5.2.28.4 Memory Proximity Domain Attributes */
        put(t, 0, 2);
        put(t, 0, 2);
        put(t, 40, 4);
        put(t, 1, 2);           /* Initiator Proximity Domain Valid */
        put(t, 0, 2);
        put(t, n, 4);
        put(t, fault == FAULT_HMAT_TARGET && n == 1 ? 5 : n, 4);
        put(t, 0, 20);
    }
    finish(tables, t);
}

static VTopo *model(void)
{
    VTopoShape shape = vtopo_test_shape(4,
                                        VTOPO_TEST_LEVEL(THREAD) |
                                        VTOPO_TEST_LEVEL(CORE) |
                                        VTOPO_TEST_LEVEL(DIE) |
                                        VTOPO_TEST_LEVEL(SOCKET));
    VTopo *topo;

    shape.count[CPU_TOPOLOGY_LEVEL_THREAD] = 2;
    shape.count[CPU_TOPOLOGY_LEVEL_CORE] = 2;
    topo = vtopo_new(&shape, 2);
    for (unsigned int i = 0; i < 4; i++) {
        topo->cpus[i].arch_id = i;
        topo->cpus[i].node = i / 2;
    }
    for (unsigned int n = 0; n < 2; n++) {
        topo->nodes[n].mem_size = 0x10000000;
        topo->nodes[n].distance[n] = 10;
        topo->nodes[n].distance[!n] = 21;
    }
    return topo;
}

static const VTopoSharedCache caches[] = {
    { { .level = 1, .type = VTOPO_CACHE_DATA, .size = 32 << 10, .ways = 8,
        .line_size = 64, .partitions = 1 }, CPU_TOPOLOGY_LEVEL_CORE },
    { { .level = 2, .type = VTOPO_CACHE_UNIFIED, .size = 1 << 20,
        .ways = 16, .line_size = 64, .partitions = 1 },
      CPU_TOPOLOGY_LEVEL_CORE },
    { { .level = 3, .type = VTOPO_CACHE_UNIFIED, .size = 8 << 20,
        .ways = 16, .line_size = 64, .partitions = 1 },
      CPU_TOPOLOGY_LEVEL_SOCKET },
};

/*
 * The findings for tables built with @fault, as "rule: message" lines,
 * for a model whose vCPU 3 is plugged or not, on a machine with CPU
 * hotplug or not.
 */
static char *check_plugged(int fault, bool cpu3_plugged, bool cpu_hotplug)
{
    g_autoptr(VTopo) topo = model();
    g_autoptr(VTopoAcpiTables) tables = vtopo_acpi_tables_new();
    GArray *findings = vtopo_findings_new();
    GString *out = g_string_new("");

    topo->cpus[3].present = cpu3_plugged;
    topo->cpu_hotplug = cpu_hotplug;
    build_madt(tables, fault);
    build_srat(tables, fault);
    build_slit(tables, fault);
    build_pptt(tables, fault);
    build_hmat(tables, fault);
    vtopo_set_caches(topo, caches, G_N_ELEMENTS(caches));
    if (fault >= PER_NODE) {
        ck_assert(vtopo_llc_follow_nodes(topo));
    }
    vtopo_acpi_check(topo, tables, findings);
    for (guint i = 0; i < findings->len; i++) {
        const VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);

        ck_assert_int_eq(f->severity, VTOPO_SEVERITY_ERROR);
        g_string_append_printf(out, "%s: %s\n", f->rule, f->message);
    }
    vtopo_findings_free(findings);
    return g_string_free(out, false);
}

static char *check(int fault)
{
    return check_plugged(fault, true, false);
}

START_TEST(test_consistent)
{
    g_autofree char *got = check(FAULT_NONE);
    g_autofree char *per_node = check(PER_NODE);

    ck_assert_str_eq(got, "");
    ck_assert_str_eq(per_node, "");
}
END_TEST

/*
 * Arm virt (no CPU hotplug) lists only the present vCPUs in the MADT,
 * and the PPTT has a leaf for each possible one: a vCPU not plugged and
 * not in the MADT is no finding there (-smp 2,maxcpus=4 on virt).  A
 * machine with CPU hotplug must list it, disabled (5.2.12.2); one that
 * lists an absent vCPU enabled is wrong either way.
 */
START_TEST(test_unplugged_unlisted)
{
    g_autofree char *no_hotplug = check_plugged(FAULT_MADT_MISSING, false,
                                                false);
    g_autofree char *hotplug = check_plugged(FAULT_MADT_MISSING, false, true);
    g_autofree char *enabled = check_plugged(FAULT_NONE, false, false);

    ck_assert_str_eq(no_hotplug, "");
    ck_assert_str_eq(hotplug,
                     "acpi-madt: vCPU 3 (arch id 0x3) has no MADT processor "
                     "with UID 3\n"
                     "acpi-pptt: PPTT leaf 0x13c has ACPI Processor ID 3, "
                     "which is no MADT processor (and 1 more)\n");
    ck_assert_str_eq(enabled, "acpi-madt: MADT processor UID 3 is enabled, "
                     "vCPU 3 is not present\n");
}
END_TEST

/* How the PPTT of two sockets of two cores flags physical packages */
enum {
    PACKAGES_UPSTREAM,      /* a flagged root above flagged sockets */
    PACKAGES_ROOT_ONLY,     /* only the root flagged */
    PACKAGES_LEAVES_TOO,    /* the leaves (cores) flagged as well */
};

/*
 * Two sockets of two single-threaded cores, and a PPTT as QEMU's
 * build_pptt() makes it for them (hw/acpi/aml-build.c: a root node,
 * one node per socket, a leaf per core), its packages flagged as
 * @packages says; the findings as check() gives them.
 */
static char *check_packages(int packages)
{
    VTopoShape shape = vtopo_test_shape(4,
                                        VTOPO_TEST_LEVEL(THREAD) |
                                        VTOPO_TEST_LEVEL(CORE) |
                                        VTOPO_TEST_LEVEL(SOCKET));
    g_autoptr(VTopo) topo = NULL;
    g_autoptr(VTopoAcpiTables) tables = vtopo_acpi_tables_new();
    GArray *findings = vtopo_findings_new();
    GString *out = g_string_new("");
    GByteArray *t;
    uint32_t root;

    shape.count[CPU_TOPOLOGY_LEVEL_CORE] = 2;
    shape.count[CPU_TOPOLOGY_LEVEL_SOCKET] = 2;
    topo = vtopo_new(&shape, 0);
    for (unsigned int i = 0; i < 4; i++) {
        topo->cpus[i].arch_id = i;
    }

    build_madt(tables, FAULT_NONE);
    t = begin("PPTT", 2);
    root = put_node(t, VTOPO_ACPI_PPTT_PHYSICAL_PACKAGE, 0, 0, NULL, 0);
    for (unsigned int s = 0; s < 2; s++) {
        uint32_t socket = put_node(t, packages == PACKAGES_ROOT_ONLY ? 0 :
                                   VTOPO_ACPI_PPTT_PHYSICAL_PACKAGE,
                                   root, s, NULL, 0);

        for (unsigned int c = 0; c < 2; c++) {
            put_node(t, VTOPO_ACPI_PPTT_ID_VALID | VTOPO_ACPI_PPTT_LEAF |
                     (packages == PACKAGES_LEAVES_TOO ?
                      VTOPO_ACPI_PPTT_PHYSICAL_PACKAGE : 0),
                     socket, 2 * s + c, NULL, 0);
        }
    }
    finish(tables, t);

    vtopo_acpi_check(topo, tables, findings);
    for (guint i = 0; i < findings->len; i++) {
        const VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);

        g_string_append_printf(out, "%s: %s\n", f->rule, f->message);
    }
    vtopo_findings_free(findings);
    return g_string_free(out, false);
}

/*
 * The root QEMU puts above the sockets holds the whole machine, and the
 * guest takes the first flagged node above a leaf for its package
 * (drivers/acpi/pptt.c): the sockets must be flagged, the cores not.
 */
START_TEST(test_packages)
{
    g_autofree char *upstream = check_packages(PACKAGES_UPSTREAM);
    g_autofree char *root_only = check_packages(PACKAGES_ROOT_ONLY);
    g_autofree char *leaves_too = check_packages(PACKAGES_LEAVES_TOO);
    const char *wrong = "acpi-pptt: the PPTT nodes the guest takes for "
        "packages (the first flagged physical package above each leaf) are "
        "not the sockets\n";

    ck_assert_str_eq(upstream, "");
    ck_assert_str_eq(root_only, wrong);
    ck_assert_str_eq(leaves_too, wrong);
}
END_TEST

static const struct {
    int fault;
    const char *want;
} faults[] = {
    { FAULT_MADT_APIC_ID,
      "acpi-madt: MADT processor UID 3 has arch id 0x7, vCPU 3 has 0x3\n" },
    /* Without its MADT processor the PPTT leaf of CPU 3 names no one */
    { FAULT_MADT_MISSING,
      "acpi-madt: vCPU 3 (arch id 0x3) has no MADT processor with UID 3\n"
      "acpi-pptt: PPTT leaf 0x13c has ACPI Processor ID 3, which is no "
      "MADT processor (and 1 more)\n" },
    { FAULT_SRAT_DOMAIN,
      "acpi-srat: SRAT puts vCPU 2 in proximity domain 0, it is in node 1\n" },
    { FAULT_SLIT_DISTANCE,
      "acpi-slit: SLIT distance from 0 to 1 is 31, configured 21\n" },
    { FAULT_PPTT_GROUPING,
      "acpi-pptt: PPTT nodes 1 levels above the leaves group the vCPUs as "
      "no topology level does\n" },
    { FAULT_PPTT_UID,
      "acpi-pptt: PPTT leaf 0x13c has ACPI Processor ID 9, which is no "
      "MADT processor (and 1 more)\n" },
    /*
     * Linux then also takes the L3 for the L2 (the second cache on the
     * L2's chain): 4 level counts, 4 geometries and the sharing.
     */
    { FAULT_PPTT_CHAIN,
      "acpi-pptt: the PPTT describes 4 cache levels to vCPU 0, it has 3 "
      "(and 8 more)\n" },
    { FAULT_PPTT_SIZE,
      "acpi-pptt: the PPTT L3 unified cache of vCPU 0 has size 4194304, "
      "4096 sets, 16 ways, 64-byte lines; the vCPU describes 8388608, "
      "8192, 16, 64 (and 3 more)\n" },
    { FAULT_PPTT_SHARING,
      "acpi-pptt: the PPTT does not share the L2 unified cache per core\n" },
    { FAULT_HMAT_TARGET,
      "acpi-hmat: HMAT describes memory domain 5, which has no memory in "
      "the SRAT\n" },
    { FAULT_PER_NODE_SOCKET,
      "acpi-pptt: the PPTT does not share the L3 unified cache per socket "
      "and NUMA node\n" },
    { FAULT_PER_NODE_GROUP,
      "acpi-pptt: the PPTT does not share the L3 unified cache per socket "
      "and NUMA node\n" },
};

START_TEST(test_fault)
{
    g_autofree char *got = check(faults[_i].fault);

    ck_assert_str_eq(got, faults[_i].want);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("acpi-check");
    TCase *tc = tcase_create("check");

    tcase_add_test(tc, test_consistent);
    tcase_add_test(tc, test_unplugged_unlisted);
    tcase_add_test(tc, test_packages);
    tcase_add_loop_test(tc, test_fault, 0, G_N_ELEMENTS(faults));
    suite_add_tcase(s, tc);
    return vtopo_check_run(s);
}
