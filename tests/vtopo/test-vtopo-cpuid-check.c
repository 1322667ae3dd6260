/*
 * Unit tests for the CPUID check (target/i386/vtopo/cpuid-check.c)
 *
 * The leaves are what an Intel Core i7-6700K (Skylake: 1 package of 4
 * cores of 2 threads, x2APIC ID = core << 1 | thread) returns for leaf
 * 01H, leaf 0BH and leaf 04H, as published CPUID dumps of it show; the
 * model is that machine.  (Its Fn8000_0005/6 are worked out from the
 * AMD APM, and so are the AMD leaves of the same shape: Fn0000_0001,
 * Fn8000_0008 and Fn8000_001E.)  A check that stays silent on the real
 * processor and names the field each single corruption breaks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "target/i386/vtopo/cpuid-check.h"
#include "vtopo-check.h"

#define NR_CPUS 8

/* Leaf 04H subleaves 0-3: L1d, L1i, L2 per core, L3 per package */
static const VTopoCpuidRegs skylake_leaf4[] = {
    { 0x1c004121, 0x01c0003f, 0x0000003f, 0x00000000 },
    { 0x1c004122, 0x01c0003f, 0x0000003f, 0x00000000 },
    { 0x1c004143, 0x00c0003f, 0x000003ff, 0x00000000 },
    { 0x1c03c163, 0x03c0003f, 0x00001fff, 0x00000006 },
};

static const VTopoSharedCache skylake_caches[] = {
    { { .level = 1, .type = VTOPO_CACHE_DATA, .size = 32 * KiB, .ways = 8,
        .line_size = 64, .partitions = 1 }, CPU_TOPOLOGY_LEVEL_CORE },
    { { .level = 1, .type = VTOPO_CACHE_INSTRUCTION, .size = 32 * KiB,
        .ways = 8, .line_size = 64, .partitions = 1 },
      CPU_TOPOLOGY_LEVEL_CORE },
    { { .level = 2, .type = VTOPO_CACHE_UNIFIED, .size = 256 * KiB,
        .ways = 4, .line_size = 64, .partitions = 1 },
      CPU_TOPOLOGY_LEVEL_CORE },
    { { .level = 3, .type = VTOPO_CACHE_UNIFIED, .size = 8 * MiB,
        .ways = 16, .line_size = 64, .partitions = 1 },
      CPU_TOPOLOGY_LEVEL_SOCKET },
};

static VTopo *skylake_model(void)
{
    VTopoShape shape = vtopo_test_shape(NR_CPUS,
                                        VTOPO_TEST_LEVEL(THREAD) |
                                        VTOPO_TEST_LEVEL(CORE) |
                                        VTOPO_TEST_LEVEL(MODULE) |
                                        VTOPO_TEST_LEVEL(DIE) |
                                        VTOPO_TEST_LEVEL(SOCKET));
    VTopo *topo;

    shape.count[CPU_TOPOLOGY_LEVEL_THREAD] = 2;
    shape.count[CPU_TOPOLOGY_LEVEL_CORE] = 4;
    topo = vtopo_new(&shape, 0);
    for (unsigned int i = 0; i < NR_CPUS; i++) {
        /* vtopo_new() numbers threads first: index = core * 2 + thread */
        topo->cpus[i].arch_id = i;
    }
    return topo;
}

static void skylake_views(VTopoCpuidView *views)
{
    for (unsigned int i = 0; i < NR_CPUS; i++) {
        VTopoCpuidLeaf *b = &views[i].ext_topo[0];

        views[i] = (VTopoCpuidView) { 0 };
        /*
         * 01H: initial APIC ID i, 16 addressable IDs (EBX[23:16]),
         * CLFLUSH 64 bytes; EDX 0xbfebfbff, HTT (bit 28) set.
         */
        views[i].has_leaf1 = true;
        views[i].leaf1 = (VTopoCpuidRegs) { 0x000506e3, i << 24 | 0x00100800,
                                            0x7ffafbbf, 0xbfebfbff };
        views[i].addressable_ids = true;
        *b = (VTopoCpuidLeaf) { .nr = 2 };
        /* 0BH: SMT level, shift 1, 2 threads; core level, shift 4, 8 */
        b->sub[0] = (VTopoCpuidRegs) { 0x00000001, 0x00000002, 0x00000100,
                                       i };
        b->sub[1] = (VTopoCpuidRegs) { 0x00000004, 0x00000008, 0x00000201,
                                       i };
        views[i].ext_topo[1] = (VTopoCpuidLeaf) { .nr = 0 };
        views[i].caches = (VTopoCpuidLeaf) { .nr = 4 };
        views[i].caches_leaf4 = true;
        memcpy(views[i].caches.sub, skylake_leaf4, sizeof(skylake_leaf4));
    }
}

/*
 * The same machine as an AMD processor with TopologyExtensions would
 * describe it, laid out by hand from the AMD APM vol. 3 field
 * definitions: Fn0000_0001 EBX LogicalProcessorCount 8 (a count, not
 * addressable IDs); Fn8000_0008 ECX NC 7 (8 threads), ApicIdSize 3;
 * Fn8000_001E EAX ExtendedApicId i, EBX ThreadsPerCore 1 (2 threads)
 * and CoreId i >> 1, ECX NodesPerProcessor 0 (one node) and NodeId 0.
 */
static void amd_views(VTopoCpuidView *views)
{
    for (unsigned int i = 0; i < NR_CPUS; i++) {
        views[i].leaf1.ebx = i << 24 | 0x00080800;
        views[i].addressable_ids = false;
        views[i].caches_leaf4 = false;
        views[i].has_size_ids = true;
        views[i].size_ids = 0x00003007;
        views[i].has_amd_topo = true;
        views[i].amd_topo = (VTopoCpuidRegs) { i, 0x100 | i >> 1, 0, 0 };
    }
}

/*
 * The rules of the findings of one check, each vCPU compared with vCPU
 * @lead (-1: the first), "" for none; @message gets the first message.
 */
static char *check_rules_lead(VTopo *topo, const VTopoSharedCache *caches,
                              const VTopoCpuidView *views, int lead,
                              char **message)
{
    g_autoptr(GArray) findings = vtopo_findings_new();
    GString *rules = g_string_new("");

    vtopo_set_caches(topo, caches, G_N_ELEMENTS(skylake_caches));
    vtopo_cpuid_check(topo, views, lead, findings);
    for (guint i = 0; i < findings->len; i++) {
        g_string_append_printf(rules, "%s%s", i ? " " : "",
                               g_array_index(findings, VTopoFinding, i).rule);
    }
    if (message) {
        *message = g_strdup(findings->len ?
                            g_array_index(findings, VTopoFinding, 0).message :
                            "");
    }
    return g_string_free(rules, false);
}

static char *check_rules(VTopo *topo, const VTopoSharedCache *caches,
                         const VTopoCpuidView *views)
{
    return check_rules_lead(topo, caches, views, -1, NULL);
}

START_TEST(test_skylake_clean)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;

    skylake_views(views);
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "");
}
END_TEST

/* One corrupted field each, and the rule that must name it. */
START_TEST(test_skylake_broken)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoSharedCache caches[G_N_ELEMENTS(skylake_caches)];
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;
    const char *want = NULL;

    skylake_views(views);
    memcpy(caches, skylake_caches, sizeof(caches));
    switch (_i) {
    case 0:     /* vCPU 5's core-level x2APIC ID is vCPU 4's */
        views[5].ext_topo[0].sub[1].edx = 4;
        want = "cpuid-x2apic-id";
        break;
    case 1:     /* SMT shift 0: every thread its own core */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            views[i].ext_topo[0].sub[0].eax = 0;
        }
        want = "cpuid-topology";
        break;
    case 2:     /* core shift 2: two packages of 2 cores */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            views[i].ext_topo[0].sub[1].eax = 2;
        }
        want = "cpuid-topology";
        break;
    case 3:     /* L2 shared by 16 IDs: one L2 for the package */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            views[i].caches.sub[2].eax = 0x1c03c143;
        }
        want = "cpuid-cache";
        break;
    case 4:     /* the model's L3 is 12-way */
        caches[3].geometry.ways = 12;
        caches[3].geometry.size = 6 * MiB;
        want = "cpuid-cache";
        break;
    case 5:     /* the model's L3 is per core */
        caches[3].sharing = CPU_TOPOLOGY_LEVEL_CORE;
        want = "cpuid-cache";
        break;
    case 6:     /* vCPU 3 describes no L3 */
        views[3].caches.nr = 3;
        want = "cpuid-cache";
        break;
    }
    rules = check_rules(topo, caches, views);
    ck_assert_str_eq(rules, want);
}
END_TEST

/*
 * Fn8000_0005 ECX/EDX and Fn8000_0006 ECX/EDX for the same caches, laid
 * out by hand from the AMD APM vol. 3 field definitions: size (KiB;
 * 512 KiB units for the L3), associativity (L1: the count; L2/L3: 4h for
 * 4 ways, 8h for 16), lines per tag 1, line size.
 */
static void legacy_views(VTopoCpuidView *views, bool intel)
{
    for (unsigned int i = 0; i < NR_CPUS; i++) {
        views[i].has_legacy = true;
        views[i].l1_reserved = intel;
        views[i].l3_reserved = intel;
        views[i].legacy[0] = (VTopoCpuidRegs) { 0xff40ff18, 0xff40ff30,
                                                0x20080140, 0x20080140 };
        views[i].legacy[1] = (VTopoCpuidRegs) { 0, 0x42004200, 0x01004140,
                                                0x00408140 };
        if (intel) {
            /* The SDM reserves all but 80000006H ECX, the L2 */
            views[i].legacy[0] = (VTopoCpuidRegs) { 0 };
            views[i].legacy[1] = (VTopoCpuidRegs) { 0, 0, 0x01004140, 0 };
        }
    }
}

START_TEST(test_legacy_clean)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;

    skylake_views(views);
    legacy_views(views, _i);
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "");
}
END_TEST

/*
 * QEMU's Zhaoxin models from 10.1: Fn8000_0005 as AMD lays it out,
 * Fn8000_0006 with the L2 only, as Intel.  Silent; an L3 in EDX named.
 */
START_TEST(test_legacy_zhaoxin)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;

    skylake_views(views);
    legacy_views(views, false);
    for (unsigned int i = 0; i < NR_CPUS; i++) {
        views[i].l3_reserved = true;
        views[i].legacy[1] = (VTopoCpuidRegs) { 0, 0, 0x01004140, 0 };
    }
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "");
    g_free(rules);
    views[4].legacy[1].edx = 0x00408140;
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "cpuid-legacy-cache");
}
END_TEST

/* One corrupted field of the legacy leaves each. */
START_TEST(test_legacy_broken)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;

    skylake_views(views);
    legacy_views(views, _i >= 4);
    switch (_i) {
    case 0:     /* vCPU 6's L1d is 64 KiB */
        views[6].legacy[0].ecx = 0x40080140;
        break;
    case 1:     /* the L2 says 16 ways (8h) */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            views[i].legacy[1].ecx = 0x01008140;
        }
        break;
    case 2:     /* no L3 */
        views[0].legacy[1].edx = 0;
        break;
    case 3:     /* 128-byte L1i lines */
        views[2].legacy[0].edx = 0x20080180;
        break;
    case 4:     /* Intel: an L2 of 512 KiB */
        views[1].legacy[1].ecx = 0x02004140;
        break;
    case 5:     /* Intel: an L3 in the reserved EDX */
        views[7].legacy[1].edx = 0x00408140;
        break;
    }
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "cpuid-legacy-cache");
}
END_TEST

/* Leaf 01H, leaf 04H EAX[31:26]: one corrupted field each. */
START_TEST(test_package_broken)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;
    const char *want = "cpuid-package";

    skylake_views(views);
    switch (_i) {
    case 0:     /* vCPU 3's initial APIC ID is vCPU 2's */
        views[3].leaf1.ebx = 2 << 24 | 0x00100800;
        want = "cpuid-apic-id";
        break;
    case 1:     /* HTT clear on vCPU 6 */
        views[6].leaf1.edx &= ~(1u << 28);
        break;
    case 2:     /* 4 addressable IDs: two packages of 2 cores */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            views[i].leaf1.ebx = i << 24 | 0x00040800;
        }
        break;
    case 3:     /* vCPU 1 says 32 addressable IDs, the others 16 */
        views[1].leaf1.ebx = 1 << 24 | 0x00200800;
        break;
    case 4:     /* leaf 04H EAX[31:26] 1: 2 core IDs for 4 cores */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            for (unsigned int s = 0; s < 4; s++) {
                views[i].caches.sub[s].eax &= 0x03ffffff;
                views[i].caches.sub[s].eax |= 1u << 26;
            }
        }
        break;
    }
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, want);
}
END_TEST

/* The AMD leaves of the same machine: silent as laid out... */
START_TEST(test_amd_clean)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;

    skylake_views(views);
    amd_views(views);
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "");
}
END_TEST

/* ...and naming each corrupted field. */
START_TEST(test_amd_broken)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;
    const char *want = "cpuid-amd-topology";

    skylake_views(views);
    amd_views(views);
    switch (_i) {
    case 0:     /* LogicalProcessorCount 4 */
        views[5].leaf1.ebx = 5 << 24 | 0x00040800;
        want = "cpuid-package";
        break;
    case 1:     /* NC 3: 4 threads per processor */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            views[i].size_ids = 0x00003003;
        }
        want = "cpuid-package";
        break;
    case 2:     /* ApicIdSize 2: two processors of 4 IDs */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            views[i].size_ids = 0x00002007;
        }
        want = "cpuid-package";
        break;
    case 3:     /* vCPU 4's ExtendedApicId is 0 */
        views[4].amd_topo.eax = 0;
        want = "cpuid-apic-id";
        break;
    case 4:     /* ThreadsPerCore 0: one thread per core */
        views[2].amd_topo.ebx = 1;
        break;
    case 5:     /* CoreId of the thread: every thread its own core */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            views[i].amd_topo.ebx = 0x100 | i;
        }
        break;
    case 6:     /* two cores with CoreId 0 */
        views[2].amd_topo.ebx = 0x100;
        views[3].amd_topo.ebx = 0x100;
        break;
    case 7:     /* NodeId of vCPU 7 is 1: two nodes in one processor */
        views[7].amd_topo.ecx = 1;
        break;
    case 8:     /* NodesPerProcessor 1 (two nodes) with one die */
        for (unsigned int i = 0; i < NR_CPUS; i++) {
            views[i].amd_topo.ecx = 0x100;
        }
        break;
    }
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, want);
}
END_TEST

/*
 * A vCPU whose maximum basic leaf is 0 (-cpu ...,level=0) has no leaf
 * 01H: CPUID returns leaf 0's registers for it ("Genu" in EBX), which
 * are not read as leaf 01H's.
 */
START_TEST(test_no_leaf1)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;

    skylake_views(views);
    for (unsigned int i = 0; i < NR_CPUS; i++) {
        views[i].has_leaf1 = false;
        views[i].leaf1 = (VTopoCpuidRegs) { 0, 0x756e6547, 0x6c65746e,
                                            0x49656e69 };
    }
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "");
}
END_TEST

/*
 * vCPUs 5 and 6 lack leaf 0BH: compared with vCPU 0, the finding names
 * vCPU 5; compared with vCPU 6 (just plugged), it names vCPU 6, so that
 * a second faulty vCPU is not hidden behind the first one's finding.
 */
START_TEST(test_lead)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL, *rules6 = NULL;
    g_autofree char *message = NULL, *message6 = NULL;

    skylake_views(views);
    views[5].ext_topo[0].nr = 0;
    views[6].ext_topo[0].nr = 0;
    rules = check_rules_lead(topo, skylake_caches, views, -1, &message);
    rules6 = check_rules_lead(topo, skylake_caches, views, 6, &message6);
    ck_assert_str_eq(rules, "cpuid-topology");
    ck_assert_str_eq(message, "CPUID 0xB of vCPU 5 has 0 levels, vCPU 0's 2");
    ck_assert_str_eq(rules6, "cpuid-topology");
    ck_assert_str_eq(message6, "CPUID 0xB of vCPU 0 has 2 levels, vCPU 6's 0");
}
END_TEST

/* A vCPU without a leaf the others have (device_add ...,level=0). */
START_TEST(test_leaf_missing)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL, *message = NULL;

    skylake_views(views);
    amd_views(views);
    views[3].has_amd_topo = false;
    rules = check_rules_lead(topo, skylake_caches, views, 3, &message);
    ck_assert_str_eq(rules, "cpuid-topology");
    ck_assert_str_eq(message, "CPUID 0x8000001E is in vCPU 3's leaves or in "
                     "vCPU 0's, not in both");
}
END_TEST

/*
 * An AMD processor of 9 dies of 2 cores of 2 threads (x2APIC ID = die
 * << 2 | core << 1 | thread) on a machine type before 9.1, laid out by
 * hand from the APM: a node per die, NodeId the die, CoreId the core in
 * its die, and NodesPerProcessor 8 (9 nodes), which spills past its 3
 * bits as QEMU 10.2 and older write it; LogicalProcessorCount 36, NC 35,
 * ApicIdSize 6.  Silent; and the NodeId of the socket instead of the
 * die is named.
 */
START_TEST(test_amd_legacy_dies)
{
    VTopoShape shape = vtopo_test_shape(36,
                                        VTOPO_TEST_LEVEL(THREAD) |
                                        VTOPO_TEST_LEVEL(CORE) |
                                        VTOPO_TEST_LEVEL(MODULE) |
                                        VTOPO_TEST_LEVEL(DIE) |
                                        VTOPO_TEST_LEVEL(SOCKET));
    g_autoptr(VTopo) topo = NULL;
    g_autofree VTopoCpuidView *views = g_new0(VTopoCpuidView, 36);
    g_autofree char *rules = NULL;

    shape.count[CPU_TOPOLOGY_LEVEL_THREAD] = 2;
    shape.count[CPU_TOPOLOGY_LEVEL_CORE] = 2;
    shape.count[CPU_TOPOLOGY_LEVEL_DIE] = 9;
    topo = vtopo_new(&shape, 0);
    for (unsigned int i = 0; i < 36; i++) {
        topo->cpus[i].arch_id = i;
        views[i].has_leaf1 = true;
        views[i].leaf1 = (VTopoCpuidRegs) { 0x00800f12, i << 24 | 0x00240800,
                                            0, 1u << 28 };
        views[i].has_size_ids = true;
        views[i].size_ids = 0x00006023;
        views[i].has_amd_topo = true;
        views[i].amd_topo = (VTopoCpuidRegs) { i, 0x100 | (i >> 1 & 1),
                                               0x800 | i >> 2, 0 };
    }
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "");
    g_free(rules);
    for (unsigned int i = 0; i < 36; i++) {
        views[i].amd_topo.ecx = 0x800;
    }
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "cpuid-amd-topology");
}
END_TEST

/* Absent vCPUs are not read. */
START_TEST(test_absent_not_read)
{
    g_autoptr(VTopo) topo = skylake_model();
    VTopoCpuidView views[NR_CPUS];
    g_autofree char *rules = NULL;

    skylake_views(views);
    topo->cpus[7].present = false;
    memset(&views[7], 0xff, sizeof(views[7]));
    rules = check_rules(topo, skylake_caches, views);
    ck_assert_str_eq(rules, "");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vtopo-cpuid-check");
    TCase *tc = tcase_create("cpuid-check");

    tcase_add_test(tc, test_skylake_clean);
    tcase_add_loop_test(tc, test_skylake_broken, 0, 7);
    tcase_add_loop_test(tc, test_package_broken, 0, 5);
    tcase_add_test(tc, test_amd_clean);
    tcase_add_loop_test(tc, test_amd_broken, 0, 9);
    tcase_add_test(tc, test_no_leaf1);
    tcase_add_test(tc, test_lead);
    tcase_add_test(tc, test_leaf_missing);
    tcase_add_test(tc, test_amd_legacy_dies);
    tcase_add_test(tc, test_absent_not_read);
    tcase_add_loop_test(tc, test_legacy_clean, 0, 2);
    tcase_add_loop_test(tc, test_legacy_broken, 0, 6);
    tcase_add_test(tc, test_legacy_zhaoxin);
    suite_add_tcase(s, tc);
    return vtopo_check_run(s);
}
