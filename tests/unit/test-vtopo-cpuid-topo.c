/*
 * Unit tests of the x86 topology leaves vtopo encodes
 *
 * The x2APIC ID layout is checked against include/hw/i386/topology.h,
 * which gives the PC machines their APIC IDs; the leaves field by field
 * against the Intel SDM (vol. 2A, CPUID leaves 01H, 0BH and 1FH) and
 * the AMD APM (vol. 3, Fn8000_0008 and Fn8000_001E).
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/i386/topology.h"
#include "target/i386/vtopo/cpuid-topo.h"

static const uint32_t shapes[][VTOPO_X86_PACKAGE] = {
    /* threads, cores, modules, dies */
    { 1, 1, 1, 1 },
    { 2, 4, 1, 1 },
    { 2, 3, 1, 2 },
    { 1, 6, 2, 1 },
    { 2, 2, 2, 2 },
    { 4, 5, 3, 3 },
};

static X86CPUTopoInfo topo_info(const uint32_t *count)
{
    return (X86CPUTopoInfo) {
        .threads_per_core = count[VTOPO_X86_THREAD],
        .cores_per_module = count[VTOPO_X86_CORE],
        .modules_per_die = count[VTOPO_X86_MODULE],
        .dies_per_pkg = count[VTOPO_X86_DIE],
    };
}

/* The domain table places each level's ID where topology.h does. */
static void test_id_layout(void)
{
    for (unsigned int i = 0; i < G_N_ELEMENTS(shapes); i++) {
        X86CPUTopoInfo info = topo_info(shapes[i]);
        VTopoX86Topology t = vtopo_x86_topology(shapes[i]);
        uint32_t threads = shapes[i][0] * shapes[i][1] * shapes[i][2] *
                           shapes[i][3];

        g_assert_cmpuint(t.id_shift[VTOPO_X86_THREAD], ==, 0);
        g_assert_cmpuint(t.id_shift[VTOPO_X86_CORE], ==,
                         apicid_core_offset(&info));
        g_assert_cmpuint(t.id_shift[VTOPO_X86_PACKAGE], ==,
                         apicid_pkg_offset(&info));
        if (t.present[VTOPO_X86_MODULE]) {
            g_assert_cmpuint(t.id_shift[VTOPO_X86_MODULE], ==,
                             apicid_module_offset(&info));
        }
        if (t.present[VTOPO_X86_DIE]) {
            g_assert_cmpuint(t.id_shift[VTOPO_X86_DIE], ==,
                             apicid_die_offset(&info));
        }
        g_assert_cmpuint(t.logical_processors[VTOPO_X86_PACKAGE], ==,
                         threads);
        g_assert_cmpuint(t.logical_processors[VTOPO_X86_CORE], ==,
                         shapes[i][0]);
        /* Module and die levels exist where a parent has several. */
        g_assert_cmpint(t.present[VTOPO_X86_MODULE], ==,
                        shapes[i][VTOPO_X86_MODULE] > 1);
        g_assert_cmpint(t.present[VTOPO_X86_DIE], ==,
                        shapes[i][VTOPO_X86_DIE] > 1);
    }
}

/*
 * Leaves 0BH and 1FH, subleaf n: EAX[4:0] the shift of the next level's
 * ID, EBX[15:0] the logical processors at this level, ECX[15:8] the
 * level type and ECX[7:0] n, EDX the x2APIC ID.  Past the last level:
 * type 0 (invalid), EAX and EBX 0.
 */
static void assert_level(VTopoCpuidRegs r, uint32_t shift,
                         uint32_t processors, uint32_t type,
                         uint32_t subleaf, uint32_t apic_id)
{
    g_assert_cmphex(r.eax, ==, shift);
    g_assert_cmphex(r.ebx, ==, processors);
    g_assert_cmphex(r.ecx, ==, type << 8 | subleaf);
    g_assert_cmphex(r.edx, ==, apic_id);
}

static void test_leaf_0b_1f(void)
{
    /* 2 dies of 3 cores of 2 threads: the last vCPU of the package */
    const uint32_t count[VTOPO_X86_PACKAGE] = { 2, 3, 1, 2 };
    X86CPUTopoInfo info = topo_info(count);
    VTopoX86Topology t = vtopo_x86_topology(count);
    uint32_t apic_id = x86_apicid_from_cpu_idx(&info, 11);
    uint32_t core = apicid_core_offset(&info);
    uint32_t die = apicid_die_offset(&info);
    uint32_t pkg = apicid_pkg_offset(&info);

    /* Leaf 0BH: SMT (type 1), then cores (2) up to the package. */
    assert_level(vtopo_cpuid0b_encode(&t, apic_id, 0), core, 2, 1, 0,
                 apic_id);
    assert_level(vtopo_cpuid0b_encode(&t, apic_id, 1), pkg, 12, 2, 1,
                 apic_id);
    assert_level(vtopo_cpuid0b_encode(&t, apic_id, 2), 0, 0, 0, 2, apic_id);

    /* Leaf 1FH: SMT, cores up to the die, dies (type 5) to the package. */
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 0), core, 2, 1, 0,
                 apic_id);
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 1), die, 6, 2, 1,
                 apic_id);
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 2), pkg, 12, 5, 2,
                 apic_id);
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 3), 0, 0, 0, 3, apic_id);
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 200), 0, 0, 0, 200,
                 apic_id);
}

/* Leaf 1FH with modules (type 3) and dies: 2 x 2 x 2 x 2 threads. */
static void test_leaf_1f_modules(void)
{
    const uint32_t count[VTOPO_X86_PACKAGE] = { 2, 2, 2, 2 };
    X86CPUTopoInfo info = topo_info(count);
    VTopoX86Topology t = vtopo_x86_topology(count);
    uint32_t apic_id = x86_apicid_from_cpu_idx(&info, 15);

    g_assert_cmphex(apic_id, ==, 0xf);
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 0), 1, 2, 1, 0, apic_id);
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 1), 2, 4, 2, 1, apic_id);
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 2), 3, 8, 3, 2, apic_id);
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 3), 4, 16, 5, 3,
                 apic_id);
    assert_level(vtopo_cpuid1f_encode(&t, apic_id, 4), 0, 0, 0, 4, apic_id);
}

/*
 * Leaf 01H EBX: [31:24] the initial APIC ID, [23:16] addressable IDs of
 * the package (Intel) or its logical processors (AMD), [15:8] the
 * CLFLUSH line in 8-byte units.
 */
static void test_leaf_01(void)
{
    const uint32_t count[VTOPO_X86_PACKAGE] = { 2, 3, 1, 1 };
    X86CPUTopoInfo info = topo_info(count);
    VTopoX86Topology t = vtopo_x86_topology(count);
    uint32_t apic_id = x86_apicid_from_cpu_idx(&info, 5);
    const uint32_t one[VTOPO_X86_PACKAGE] = { 1, 1, 1, 1 };
    VTopoX86Topology alone = vtopo_x86_topology(one);

    const VTopoX86Conventions intel = { .addressable_ids = true };
    const VTopoX86Conventions amd = { 0 };

    g_assert_cmphex(apic_id, ==, 0x5);
    g_assert_cmphex(vtopo_cpuid1_ebx(&t, &intel, apic_id, 64), ==,
                    apic_id << 24 | (1u << apicid_pkg_offset(&info)) << 16 |
                    8 << 8);
    g_assert_cmphex(vtopo_cpuid1_ebx(&t, &amd, apic_id, 64), ==,
                    apic_id << 24 | 6 << 16 | 8 << 8);
    /* One logical processor: EBX[23:16] 0 (EDX.HTT clear). */
    g_assert_cmphex(vtopo_cpuid1_ebx(&alone, &intel, 0, 64), ==, 8 << 8);
}

/*
 * Fn8000_0008 ECX: [15:12] ApicIdSize, the bits of the package's part of
 * the APIC ID; [7:0] NC, logical processors - 1.  Fn8000_001E EBX[7:0]
 * CoreId: the x2APIC ID bits between the thread and the package bits.
 */
static void test_amd_leaves(void)
{
    const uint32_t count[VTOPO_X86_PACKAGE] = { 2, 3, 1, 2 };
    X86CPUTopoInfo info = topo_info(count);
    VTopoX86Topology t = vtopo_x86_topology(count);
    uint32_t pkg = apicid_pkg_offset(&info);
    const VTopoX86Conventions conv = { .package_core_id = true };

    /*
     * The core field is 2 bits wide (3 cores), so die 1's cores start at
     * 4; the second package starts again at 0.
     */
    static const uint32_t core_id[24] = {
        0, 0, 1, 1, 2, 2, 4, 4, 5, 5, 6, 6,
        0, 0, 1, 1, 2, 2, 4, 4, 5, 5, 6, 6,
    };

    g_assert_cmphex(pkg, ==, 4);
    g_assert_cmphex(vtopo_cpuid80000008_ecx(&t, &conv), ==, 0x400b);
    for (unsigned int index = 0; index < 24; index++) {
        uint32_t apic_id = x86_apicid_from_cpu_idx(&info, index);

        g_assert_cmphex(vtopo_cpuid8000001e_core_id(&t, &conv, apic_id), ==,
                        core_id[index]);
    }
}

/*
 * Fn8000_001E of the machine types before 11.0 numbered a core within
 * its module and a node as a die (before 9.1) or a package, from
 * topology.h's x86_topo_ids_from_apicid() and offsets: the domain table
 * gives the same IDs for every vCPU of every shape.
 */
static void test_amd_legacy_ids(void)
{
    for (unsigned int i = 0; i < G_N_ELEMENTS(shapes); i++) {
        X86CPUTopoInfo info = topo_info(shapes[i]);
        VTopoX86Topology t = vtopo_x86_topology(shapes[i]);
        uint32_t threads = t.logical_processors[VTOPO_X86_PACKAGE] * 2;
        const VTopoX86Conventions per_die = { .node_per_die = true };
        const VTopoX86Conventions per_package = { 0 };

        for (uint32_t index = 0; index < threads; index++) {
            uint32_t apic_id = x86_apicid_from_cpu_idx(&info, index);
            VTopoCpuidRegs die = vtopo_cpuid8000001e_encode(&t, &per_die,
                                                            apic_id);
            VTopoCpuidRegs pkg = vtopo_cpuid8000001e_encode(&t, &per_package,
                                                            apic_id);
            X86CPUTopoIDs ids;

            x86_topo_ids_from_apicid(apic_id, &info, &ids);
            g_assert_cmphex(die.ebx & 0xff, ==, ids.core_id);
            g_assert_cmphex(pkg.ebx & 0xff, ==, ids.core_id);
            g_assert_cmphex(die.ecx, ==,
                            (info.dies_per_pkg - 1) << 8 |
                            (apic_id >> apicid_die_offset(&info)));
            g_assert_cmphex(pkg.ecx, ==, apic_id >> apicid_pkg_offset(&info));
        }
    }
}

static void assert_same_topology(const VTopoX86Topology *got,
                                 const VTopoX86Topology *want)
{
    for (VTopoX86Level l = 0; l < VTOPO_X86_LEVELS; l++) {
        g_assert_cmpint(got->present[l], ==, want->present[l]);
        g_assert_cmpuint(got->id_shift[l], ==, want->id_shift[l]);
        g_assert_cmpuint(got->logical_processors[l], ==,
                         want->logical_processors[l]);
    }
}

/*
 * The machine's domain table comes from its model's shape, whose levels
 * x86 lacks count 1; a vCPU of no machine has one logical processor.
 */
static void test_from_shape(void)
{
    const uint32_t one[VTOPO_X86_PACKAGE] = { 1, 1, 1, 1 };
    VTopoX86Topology alone = vtopo_x86_topology(one);

    for (unsigned int i = 0; i < G_N_ELEMENTS(shapes); i++) {
        VTopoShape shape = { .cpus = 1 };
        VTopoX86Topology want = vtopo_x86_topology(shapes[i]);
        VTopoX86Topology got;

        for (int l = 0; l < VTOPO_LEVELS; l++) {
            shape.count[l] = 1;
        }
        shape.count[CPU_TOPOLOGY_LEVEL_THREAD] = shapes[i][VTOPO_X86_THREAD];
        shape.count[CPU_TOPOLOGY_LEVEL_CORE] = shapes[i][VTOPO_X86_CORE];
        shape.count[CPU_TOPOLOGY_LEVEL_MODULE] = shapes[i][VTOPO_X86_MODULE];
        shape.count[CPU_TOPOLOGY_LEVEL_DIE] = shapes[i][VTOPO_X86_DIE];
        shape.count[CPU_TOPOLOGY_LEVEL_SOCKET] = 2;
        got = vtopo_x86_topology_of(&shape);
        assert_same_topology(&got, &want);
    }
    assert_same_topology(&vtopo_x86_uniprocessor, &alone);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/vtopo/cpuid-topo/id-layout", test_id_layout);
    g_test_add_func("/vtopo/cpuid-topo/leaf-0b-1f", test_leaf_0b_1f);
    g_test_add_func("/vtopo/cpuid-topo/leaf-1f-modules", test_leaf_1f_modules);
    g_test_add_func("/vtopo/cpuid-topo/leaf-01", test_leaf_01);
    g_test_add_func("/vtopo/cpuid-topo/amd-leaves", test_amd_leaves);
    g_test_add_func("/vtopo/cpuid-topo/amd-legacy-ids", test_amd_legacy_ids);
    g_test_add_func("/vtopo/cpuid-topo/from-shape", test_from_shape);

    return g_test_run();
}
