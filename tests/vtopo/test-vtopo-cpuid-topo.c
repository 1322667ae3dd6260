/*
 * Unit tests for the x86 CPUID topology leaf encoder
 * (target/i386/vtopo/cpuid-topo.c)
 *
 * The i7-6700K rows are what that CPU (4 cores, 8 threads, x2APIC IDs
 * with 4 package bits) returns.  The other expectations are worked out
 * by hand from the field layouts of the Intel SDM vol. 2A (leaves 01H,
 * 0BH, 1FH) and the AMD APM vol. 3 (Fn8000_0008, Fn8000_001E); each
 * table row names the topology, with QEMU's x2APIC ID layout (each level
 * takes the bits its count needs, include/hw/i386/topology.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "target/i386/vtopo/cpuid-topo.h"
#include "vtopo-check.h"

/*
 * A topology as widths: x2APIC ID bits of the thread, core, module and
 * die IDs, the counts of each, and which optional levels exist.
 */
static VTopoX86Topology topology(uint32_t threads, uint32_t cores,
                                 uint32_t modules, uint32_t dies,
                                 uint32_t smt_bits, uint32_t core_bits,
                                 uint32_t module_bits, uint32_t die_bits)
{
    VTopoX86Topology t = {
        .present = { true, true, modules > 1, dies > 1, true },
    };

    t.id_shift[VTOPO_X86_THREAD] = 0;
    t.id_shift[VTOPO_X86_CORE] = smt_bits;
    t.id_shift[VTOPO_X86_MODULE] = smt_bits + core_bits;
    t.id_shift[VTOPO_X86_DIE] = smt_bits + core_bits + module_bits;
    t.id_shift[VTOPO_X86_PACKAGE] = smt_bits + core_bits + module_bits +
                                    die_bits;
    t.logical_processors[VTOPO_X86_THREAD] = 1;
    t.logical_processors[VTOPO_X86_CORE] = threads;
    t.logical_processors[VTOPO_X86_MODULE] = threads * cores;
    t.logical_processors[VTOPO_X86_DIE] = threads * cores * modules;
    t.logical_processors[VTOPO_X86_PACKAGE] = threads * cores * modules *
                                              dies;
    return t;
}

static void assert_regs(VTopoCpuidRegs got, VTopoCpuidRegs want,
                        const char *what, uint32_t subleaf)
{
    ck_assert_msg(got.eax == want.eax && got.ebx == want.ebx &&
                  got.ecx == want.ecx && got.edx == want.edx,
                  "%s.%u: got %08x %08x %08x %08x, want %08x %08x %08x %08x",
                  what, subleaf, got.eax, got.ebx, got.ecx, got.edx,
                  want.eax, want.ebx, want.ecx, want.edx);
}

/* Leaves 0BH and 1FH of every row, subleaves 0 up to the first invalid. */
START_TEST(test_ext_topo_leaves)
{
    static const struct {
        const char *name;
        uint32_t threads, cores, modules, dies;
        uint32_t smt_bits, core_bits, module_bits, die_bits;
        uint32_t apic_id;
        VTopoCpuidRegs leaf0b[3];
        VTopoCpuidRegs leaf1f[5];
    } rows[] = {
        /* i7-6700K, logical processor 5 (core 2, thread 1) */
        { "i7-6700K", 2, 4, 1, 1, 1, 3, 0, 0, 5,
          { { 1, 2, 0x100, 5 }, { 4, 8, 0x201, 5 }, { 0, 0, 0x002, 5 } },
          { { 1, 2, 0x100, 5 }, { 4, 8, 0x201, 5 }, { 0, 0, 0x002, 5 } } },
        /* 3 cores, 1 thread: core IDs take 2 bits, the 4th is unused */
        { "cores3", 1, 3, 1, 1, 0, 2, 0, 0, 2,
          { { 0, 1, 0x100, 2 }, { 2, 3, 0x201, 2 }, { 0, 0, 0x002, 2 } },
          { { 0, 1, 0x100, 2 }, { 2, 3, 0x201, 2 }, { 0, 0, 0x002, 2 } } },
        /*
         * 4 dies x 2 modules x 3 cores x 2 threads: shifts 1, 3, 4, 6;
         * logical processor in die 3, module 1, core 2, thread 1:
         * 3 << 4 | 1 << 3 | 2 << 1 | 1 = 0x3d.
         */
        { "dies4-modules2-cores3-smt2", 2, 3, 2, 4, 1, 2, 1, 2, 0x3d,
          { { 1, 2, 0x100, 0x3d }, { 6, 48, 0x201, 0x3d },
            { 0, 0, 0x002, 0x3d } },
          { { 1, 2, 0x100, 0x3d }, { 3, 6, 0x201, 0x3d },
            { 4, 12, 0x302, 0x3d }, { 6, 48, 0x503, 0x3d },
            { 0, 0, 0x004, 0x3d } } },
        /* dies without modules: the die level follows the core level */
        { "dies2-cores2-smt2", 2, 2, 1, 2, 1, 1, 0, 1, 7,
          { { 1, 2, 0x100, 7 }, { 3, 8, 0x201, 7 }, { 0, 0, 0x002, 7 } },
          { { 1, 2, 0x100, 7 }, { 2, 4, 0x201, 7 }, { 3, 8, 0x502, 7 },
            { 0, 0, 0x003, 7 } } },
        /*
         * 150 cores x 2 threads in one package, more than 256 logical
         * processors: core 149, thread 1 is x2APIC ID 149 << 1 | 1.
         */
        { "cores150-smt2", 2, 150, 1, 1, 1, 8, 0, 0, 0x12b,
          { { 1, 2, 0x100, 0x12b }, { 9, 300, 0x201, 0x12b },
            { 0, 0, 0x002, 0x12b } },
          { { 1, 2, 0x100, 0x12b }, { 9, 300, 0x201, 0x12b },
            { 0, 0, 0x002, 0x12b } } },
        /* a logical processor count past EBX[15:0] saturates */
        { "threads70000", 70000, 1, 1, 1, 17, 0, 0, 0, 0,
          { { 17, 0xffff, 0x100, 0 }, { 17, 0xffff, 0x201, 0 },
            { 0, 0, 0x002, 0 } },
          { { 17, 0xffff, 0x100, 0 }, { 17, 0xffff, 0x201, 0 },
            { 0, 0, 0x002, 0 } } },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        VTopoX86Topology t = topology(rows[i].threads, rows[i].cores,
                                      rows[i].modules, rows[i].dies,
                                      rows[i].smt_bits, rows[i].core_bits,
                                      rows[i].module_bits,
                                      rows[i].die_bits);
        uint32_t n1f = 3 + t.present[VTOPO_X86_MODULE] +
                       t.present[VTOPO_X86_DIE];

        for (uint32_t s = 0; s < 3; s++) {
            assert_regs(vtopo_cpuid0b_encode(&t, rows[i].apic_id, s),
                        rows[i].leaf0b[s], rows[i].name, s);
        }
        for (uint32_t s = 0; s < n1f; s++) {
            assert_regs(vtopo_cpuid1f_encode(&t, rows[i].apic_id, s),
                        rows[i].leaf1f[s], rows[i].name, s);
        }
    }
}
END_TEST

/* Any subleaf past the last level is invalid, with its number in ECX. */
START_TEST(test_ext_topo_past_last_level)
{
    VTopoX86Topology t = topology(2, 3, 2, 4, 1, 2, 1, 2);
    static const uint32_t subleaves[] = { 5, 6, 64, 255, 256, 0xffffffff };

    for (size_t i = 0; i < G_N_ELEMENTS(subleaves); i++) {
        VTopoCpuidRegs want = { 0, 0, subleaves[i] & 0xff, 9 };

        assert_regs(vtopo_cpuid1f_encode(&t, 9, subleaves[i]), want,
                    "1f", subleaves[i]);
        assert_regs(vtopo_cpuid0b_encode(&t, 9, subleaves[i]), want,
                    "0b", subleaves[i]);
    }
}
END_TEST

START_TEST(test_cpuid1_ebx)
{
    static const struct {
        const char *name;
        uint32_t threads, cores, dies;
        uint32_t smt_bits, core_bits, die_bits;
        bool addressable_ids;
        uint32_t apic_id, want;
    } rows[] = {
        /* i7-6700K: 16 addressable IDs, CLFLUSH 64 bytes, APIC ID 5 */
        { "i7-6700K", 2, 4, 1, 1, 3, 0, true, 5, 0x05100800 },
        /* 3 cores: 4 addressable IDs (Intel), 3 processors (AMD) */
        { "cores3 intel", 1, 3, 1, 0, 2, 0, true, 2, 0x02040800 },
        { "cores3 amd", 1, 3, 1, 0, 2, 0, false, 2, 0x02030800 },
        /* one logical processor: EBX[23:16] is 0 (HTT clear) */
        { "uniprocessor", 1, 1, 1, 0, 0, 0, true, 0, 0x00000800 },
        /* 512 IDs, 300 processors: both saturate; APIC ID low 8 bits */
        { "cores150 intel", 2, 150, 1, 1, 8, 0, true, 0x12b, 0x2bff0800 },
        { "cores150 amd", 2, 150, 1, 1, 8, 0, false, 0x12b, 0x2bff0800 },
        /* 128 processors: 128 IDs, exactly representable */
        { "dies2-cores32-smt2", 2, 32, 2, 1, 5, 1, true, 0x7f, 0x7f800800 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        VTopoX86Topology t = topology(rows[i].threads, rows[i].cores, 1,
                                      rows[i].dies, rows[i].smt_bits,
                                      rows[i].core_bits, 0,
                                      rows[i].die_bits);
        VTopoX86Conventions conv = {
            .addressable_ids = rows[i].addressable_ids,
        };
        uint32_t ebx = vtopo_cpuid1_ebx(&t, &conv, rows[i].apic_id, 64);

        ck_assert_msg(ebx == rows[i].want, "%s: got %08x, want %08x",
                      rows[i].name, ebx, rows[i].want);
    }
}
END_TEST

START_TEST(test_cpuid80000008_ecx)
{
    static const struct {
        const char *name;
        uint32_t threads, cores, dies;
        uint32_t smt_bits, core_bits, die_bits;
        bool unbounded;
        uint32_t want;
    } rows[] = {
        /* 2 cores x 2 threads: NC 3, ApicIdSize 2 */
        { "cores2-smt2", 2, 2, 1, 1, 1, 0, false, 0x2003 },
        /* 3 cores: NC 2, ApicIdSize 2 (core IDs take 2 bits) */
        { "cores3", 1, 3, 1, 0, 2, 0, false, 0x2002 },
        /* 8 CCDs ("dies") x 8 cores x 2 threads: NC 127, ApicIdSize 7 */
        { "dies8-cores8-smt2", 2, 8, 8, 1, 3, 3, false, 0x707f },
        /* 256 processors: NC 255, the largest it holds */
        { "cores128-smt2", 2, 128, 1, 1, 7, 0, false, 0x80ff },
        /* 300 processors: NC saturates at 255 ... */
        { "cores150-smt2", 2, 150, 1, 1, 8, 0, false, 0x90ff },
        /* ... where QEMU 10.2 spilled 299 into the reserved bits */
        { "cores150-smt2 unbounded", 2, 150, 1, 1, 8, 0, true, 0x912b },
        /* one logical processor: 0 */
        { "uniprocessor", 1, 1, 1, 0, 0, 0, false, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        VTopoX86Topology t = topology(rows[i].threads, rows[i].cores, 1,
                                      rows[i].dies, rows[i].smt_bits,
                                      rows[i].core_bits, 0,
                                      rows[i].die_bits);
        VTopoX86Conventions conv = { .unbounded_counts = rows[i].unbounded };
        uint32_t ecx = vtopo_cpuid80000008_ecx(&t, &conv);

        ck_assert_msg(ecx == rows[i].want, "%s: got %08x, want %08x",
                      rows[i].name, ecx, rows[i].want);
    }
}
END_TEST

/*
 * Fn8000_001E: EAX the x2APIC ID, EBX[7:0] CoreId and [15:8]
 * ThreadsPerCore - 1, ECX[7:0] NodeId and [10:8] NodesPerProcessor - 1,
 * each row's IDs worked out from its x2APIC ID fields by hand.
 */
START_TEST(test_cpuid8000001e)
{
    static const struct {
        const char *name;
        uint32_t threads, cores, dies;
        uint32_t smt_bits, core_bits, die_bits;
        VTopoX86Conventions conv;
        uint32_t apic_id;
        VTopoCpuidRegs want;
    } rows[] = {
        /* SMT: ThreadsPerCore 1; 2Bh is thread 1 of core 5 of socket 1 */
        { "smt2", 2, 16, 1, 1, 4, 0, { .package_core_id = true }, 0x2b,
          { 0x2b, 0x105, 0x001, 0 } },
        /* no SMT: ThreadsPerCore 0 */
        { "smt1", 1, 4, 1, 0, 2, 0, { .package_core_id = true }, 3,
          { 3, 0x003, 0x000, 0 } },
        /* 2 dies: the second die's cores go on numbering (3, not 1) ... */
        { "dies2", 2, 2, 2, 1, 1, 1, { .package_core_id = true }, 7,
          { 7, 0x103, 0x000, 0 } },
        /* ... where QEMU 10.2 started again and, before 9.1, a die was a
         * node */
        { "dies2 legacy", 2, 2, 2, 1, 1, 1, { .node_per_die = true }, 7,
          { 7, 0x101, 0x101, 0 } },
        /* Naples-style 4 nodes per processor: NodesPerProcessor 3;
         * 15h is thread 1 of core 2 of die 2 */
        { "nodes4", 2, 4, 4, 1, 2, 2, { .node_per_die = true }, 0x15,
          { 0x15, 0x102, 0x302, 0 } },
        /* IDs keep their low 8 bits (core 123h, node 145h: socket 20,
         * die 5 of 9); counts saturate ... */
        { "wide", 300, 300, 9, 9, 9, 4, { .node_per_die = true },
          0x5164634, { 0x5164634, 0xff23, 0x745, 0 } },
        /* ... where QEMU 10.2 spilled them into the reserved bits */
        { "wide unbounded", 300, 300, 9, 9, 9, 4,
          { .node_per_die = true, .unbounded_counts = true },
          0x5164634, { 0x5164634, 0x12b23, 0x845, 0 } },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        VTopoX86Topology t = topology(rows[i].threads, rows[i].cores, 1,
                                      rows[i].dies, rows[i].smt_bits,
                                      rows[i].core_bits, 0,
                                      rows[i].die_bits);

        assert_regs(vtopo_cpuid8000001e_encode(&t, &rows[i].conv,
                                               rows[i].apic_id),
                    rows[i].want, rows[i].name, 0);
    }
}
END_TEST

/*
 * CoreId of real processors: an AMD EPYC 9654 pair (Zen 4, 2 threads a
 * core, 8 cores a CCD at x2APIC ID strides of 40h, the second package
 * at 100h), Fn8000_001E EBX[7:0] against the x2APIC ID in EAX, from the
 * per-PU CPUID dumps in hwloc's tests/hwloc/x86/AMD-19h-Zen4-2xEpyc-9654
 * (PUs 0, 8, 16, 95, 96, 191, 192, 383).  In QEMU's x2APIC layout for
 * that machine the core field takes the bits between: the same numbers.
 */
START_TEST(test_cpuid8000001e_core_id)
{
    static const struct {
        uint32_t apic_id, core_id;
    } zen4[] = {
        { 0x000, 0x00 }, { 0x040, 0x20 }, { 0x080, 0x40 }, { 0x09e, 0x4f },
        { 0x100, 0x00 }, { 0x19e, 0x4f }, { 0x001, 0x00 }, { 0x19f, 0x4f },
    };
    /* 1 SMT bit, 5 core bits (32 IDs a CCD), 2 die bits. */
    VTopoX86Topology t = topology(2, 32, 1, 4, 1, 5, 0, 2);
    /* QEMU's dies=2,cores=2,threads=2: dies at x2APIC bit 2. */
    VTopoX86Topology q = topology(2, 2, 1, 2, 1, 1, 0, 1);
    const VTopoX86Conventions conv = { .package_core_id = true };

    for (size_t i = 0; i < G_N_ELEMENTS(zen4); i++) {
        uint32_t got = vtopo_cpuid8000001e_core_id(&t, &conv, zen4[i].apic_id);

        ck_assert_msg(got == zen4[i].core_id, "x2APIC ID %x: CoreId %x, "
                      "want %x", zen4[i].apic_id, got, zen4[i].core_id);
    }
    /* The second die's cores are 2 and 3, not 0 and 1 again. */
    ck_assert_uint_eq(vtopo_cpuid8000001e_core_id(&q, &conv, 0x4), 2);
    ck_assert_uint_eq(vtopo_cpuid8000001e_core_id(&q, &conv, 0x7), 3);
    ck_assert_uint_eq(vtopo_cpuid8000001e_core_id(&q, &conv, 0x8), 0);
}
END_TEST

/*
 * The domain table from counts: each level's x2APIC ID field as wide as
 * include/hw/i386/topology.h makes it (apicid_bitwidth_for_count(): the
 * bits of count - 1), worked out by hand per row.
 */
START_TEST(test_topology_from_counts)
{
    static const struct {
        uint32_t threads, cores, modules, dies;
        uint32_t smt_bits, core_bits, module_bits, die_bits;
    } rows[] = {
        { 1, 1, 1, 1, 0, 0, 0, 0 },
        { 2, 3, 2, 4, 1, 2, 1, 2 },
        { 3, 5, 1, 1, 2, 3, 0, 0 },
        { 2, 32, 1, 4, 1, 5, 0, 2 },
        { 1, 6, 3, 3, 0, 3, 2, 2 },
        { 2, 150, 1, 1, 1, 8, 0, 0 },
        { 70000, 1, 1, 1, 17, 0, 0, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        uint32_t count[VTOPO_X86_PACKAGE] = {
            rows[i].threads, rows[i].cores, rows[i].modules, rows[i].dies,
        };
        VTopoX86Topology got = vtopo_x86_topology(count);
        VTopoX86Topology want = topology(rows[i].threads, rows[i].cores,
                                         rows[i].modules, rows[i].dies,
                                         rows[i].smt_bits, rows[i].core_bits,
                                         rows[i].module_bits,
                                         rows[i].die_bits);

        for (int l = 0; l < VTOPO_X86_LEVELS; l++) {
            ck_assert_msg(got.present[l] == want.present[l] &&
                          got.id_shift[l] == want.id_shift[l] &&
                          got.logical_processors[l] ==
                          want.logical_processors[l],
                          "row %zu level %d: present %d shift %u count %u, "
                          "want %d %u %u", i, l, got.present[l],
                          got.id_shift[l], got.logical_processors[l],
                          want.present[l], want.id_shift[l],
                          want.logical_processors[l]);
        }
    }
}
END_TEST

/*
 * Leaf 04H EAX[25:14] and EAX[31:26] count addressable IDs: 4 dies x 2
 * modules x 3 cores x 2 threads takes 1, 2, 1 and 2 bits, so a core
 * spans 2 IDs, a module 8, a die 16, the package 64 (32 core IDs).
 */
START_TEST(test_domain_ids)
{
    VTopoX86Topology t = topology(2, 3, 2, 4, 1, 2, 1, 2);
    static const uint32_t want[VTOPO_X86_LEVELS] = { 1, 2, 8, 16, 64 };

    for (int l = 0; l < VTOPO_X86_LEVELS; l++) {
        ck_assert_uint_eq(vtopo_x86_domain_ids(&t, l), want[l]);
    }
    ck_assert_uint_eq(vtopo_x86_package_core_ids(&t), 32);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vtopo-cpuid-topo");
    TCase *tc = tcase_create("encode");

    tcase_add_test(tc, test_ext_topo_leaves);
    tcase_add_test(tc, test_ext_topo_past_last_level);
    tcase_add_test(tc, test_cpuid1_ebx);
    tcase_add_test(tc, test_cpuid80000008_ecx);
    tcase_add_test(tc, test_cpuid8000001e);
    tcase_add_test(tc, test_cpuid8000001e_core_id);
    tcase_add_test(tc, test_topology_from_counts);
    tcase_add_test(tc, test_domain_ids);
    suite_add_tcase(s, tc);
    return vtopo_check_run(s);
}
