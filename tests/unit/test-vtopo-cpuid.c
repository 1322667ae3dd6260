/*
 * Unit tests of the x86 cache leaves vtopo encodes
 *
 * The expected registers are written out field by field from the
 * specifications (Intel SDM vol. 2A, CPUID leaf 04H and 80000006H; AMD
 * APM vol. 3, Fn8000_0005 and Fn8000_0006), and agree with what
 * processors of these geometries return (leaf 04H of the L1 and L2 of
 * a Skylake-SP core, Fn8000_0005/6 of an EPYC 7601 core).
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "target/i386/vtopo/cpuid.h"

static VTopoX86Cache x86_cache(unsigned int level, VTopoCacheType type,
                               uint64_t size, uint32_t ways, bool inclusive)
{
    return (VTopoX86Cache) {
        .geometry = {
            .level = level, .type = type, .size = size, .ways = ways,
            .line_size = 64, .partitions = 1, .inclusive = inclusive,
        },
        .self_init = true,
        .lines_per_tag = 1,
    };
}

/*
 * Leaf 04H, EAX: type[4:0], level[7:5], self-initializing[8], logical
 * processor IDs sharing the cache - 1 [25:14], core IDs in the package
 * - 1 [31:26]; EBX: ways - 1 [31:22], partitions - 1 [21:12], line size
 * - 1 [11:0]; ECX: sets - 1; EDX: inclusive[1], complex indexing[2].
 */
static void test_leaf4(void)
{
    const struct {
        VTopoX86Cache cache;
        uint32_t sharing_ids, core_ids;
        VTopoCpuidRegs want;
    } cases[] = {
        /* L1d 32 KiB 8-way, 2 threads, 8 cores: type 1, level 1 */
        { x86_cache(1, VTOPO_CACHE_DATA, 32 * KiB, 8, false), 2, 8,
          { 0x1c004121, 0x01c0003f, 0x0000003f, 0x00000000 } },
        /* L1i 32 KiB 8-way: type 2 */
        { x86_cache(1, VTOPO_CACHE_INSTRUCTION, 32 * KiB, 8, false), 2, 8,
          { 0x1c004122, 0x01c0003f, 0x0000003f, 0x00000000 } },
        /* L2 1 MiB 16-way: type 3, level 2, 1024 sets */
        { x86_cache(2, VTOPO_CACHE_UNIFIED, 1 * MiB, 16, false), 2, 8,
          { 0x1c004143, 0x03c0003f, 0x000003ff, 0x00000000 } },
        /* an inclusive L3 of 11 MiB, 11-way: 32 IDs, 16 cores, EDX[1] */
        { x86_cache(3, VTOPO_CACHE_UNIFIED, 11 * MiB, 11, true), 32, 16,
          { 0x3c07c163, 0x0280003f, 0x00003fff, 0x00000002 } },
        /* Fn8000_001D has no core-ID field: EAX[31:26] 0 */
        { x86_cache(3, VTOPO_CACHE_UNIFIED, 8 * MiB, 16, false), 16, 0,
          { 0x0003c163, 0x03c0003f, 0x00001fff, 0x00000000 } },
        /* 8192 sharing IDs saturate the 12-bit field, 128 cores the 6 */
        { x86_cache(3, VTOPO_CACHE_UNIFIED, 8 * MiB, 16, false), 8192, 128,
          { 0xffffc163, 0x03c0003f, 0x00001fff, 0x00000000 } },
    };

    for (unsigned int i = 0; i < G_N_ELEMENTS(cases); i++) {
        VTopoCpuidRegs r = vtopo_cpuid4_encode(&cases[i].cache,
                                               cases[i].sharing_ids,
                                               cases[i].core_ids);

        g_assert_cmphex(r.eax, ==, cases[i].want.eax);
        g_assert_cmphex(r.ebx, ==, cases[i].want.ebx);
        g_assert_cmphex(r.ecx, ==, cases[i].want.ecx);
        g_assert_cmphex(r.edx, ==, cases[i].want.edx);
    }
}

/*
 * Fn8000_0005 ECX/EDX: size in KiB [31:24], associativity [23:16]
 * (the count itself, 0FFh fully associative), lines per tag [15:8],
 * line size [7:0].
 */
static void test_leaf_80000005(void)
{
    VTopoX86Cache l1d = x86_cache(1, VTOPO_CACHE_DATA, 32 * KiB, 8, false);
    VTopoX86Cache l1i = x86_cache(1, VTOPO_CACHE_INSTRUCTION, 64 * KiB, 4,
                                  false);

    g_assert_cmphex(vtopo_cpuid80000005_encode(&l1d), ==, 0x20080140);
    g_assert_cmphex(vtopo_cpuid80000005_encode(&l1i), ==, 0x40040140);
}

/*
 * Fn8000_0006 ECX (L2): size in KiB [31:16], associativity code
 * [15:12], lines per tag [11:8], line size [7:0]; EDX (L3): size in
 * 512 KiB units [31:18], the same code and fields below.
 */
static void test_leaf_80000006(void)
{
    VTopoX86Cache l2 = x86_cache(2, VTOPO_CACHE_UNIFIED, 512 * KiB, 8, false);
    VTopoX86Cache l3 = x86_cache(3, VTOPO_CACHE_UNIFIED, 8 * MiB, 16, false);
    VTopoCpuidRegs r = vtopo_cpuid80000006_encode(&l2, &l3);

    g_assert_cmphex(r.eax, ==, 0);
    g_assert_cmphex(r.ebx, ==, 0);
    g_assert_cmphex(r.ecx, ==, 0x02006140);     /* 512 KiB, code 6h: 8 */
    g_assert_cmphex(r.edx, ==, 0x00408140);     /* 16 x 512 KiB, 8h: 16 */
    r = vtopo_cpuid80000006_encode(&l2, NULL);
    g_assert_cmphex(r.ecx, ==, 0x02006140);
    g_assert_cmphex(r.edx, ==, 0);
}

/*
 * The associativity codes of Fn8000_0006 as vtopo_cpuid80000006_assoc()
 * documents them: the APM's table of exact counts, with 3h for 3 and 5h
 * for 6 ways (which the SDM reserves); counts it does not list are 0.
 */
static void test_assoc_codes(void)
{
    static const uint32_t codes[][2] = {
        { 1, 0x1 }, { 2, 0x2 }, { 3, 0x3 }, { 4, 0x4 }, { 6, 0x5 },
        { 8, 0x6 }, { 16, 0x8 }, { 32, 0xa }, { 48, 0xb }, { 64, 0xc },
        { 96, 0xd }, { 128, 0xe },
        /* counts the table does not list: disabled */
        { 5, 0 }, { 7, 0 }, { 12, 0 }, { 24, 0 }, { 256, 0 },
    };

    for (unsigned int i = 0; i < G_N_ELEMENTS(codes); i++) {
        g_assert_cmphex(vtopo_cpuid80000006_assoc(codes[i][0]), ==,
                        codes[i][1]);
    }
}

/*
 * What the legacy leaves cannot describe: Intel reserves codes 3h and 5h
 * of 80000006H ECX[15:12]; 11 ways have no code at all; and fitting
 * lowers the ways to one the leaves list, keeping size and line size.
 */
static void test_legacy_limits(void)
{
    VTopoCache l2_6way = {
        2, VTOPO_CACHE_UNIFIED, 768 * KiB, 6, 64, 1, false
    };
    VTopoCache l3_11way = {
        3, VTOPO_CACHE_UNIFIED, 11 * MiB, 11, 64, 1, false
    };
    g_autofree char *reason = NULL;

    g_assert_true(vtopo_x86_cache_encodable(&l2_6way, VTOPO_X86_LEGACY_AMD,
                                            &reason));
    g_assert_false(vtopo_x86_cache_encodable(&l2_6way,
                                             VTOPO_X86_LEGACY_INTEL,
                                             &reason));
    g_assert_nonnull(reason);
    g_clear_pointer(&reason, g_free);
    g_assert_false(vtopo_x86_cache_encodable(&l3_11way,
                                             VTOPO_X86_LEGACY_AMD, &reason));
    g_assert_nonnull(reason);
    g_clear_pointer(&reason, g_free);

    /* 10 and 9 ways give no whole sets of 11 MiB; 8 give 22528. */
    g_assert_true(vtopo_x86_cache_fit(&l3_11way, &reason));
    g_assert_cmpuint(l3_11way.size, ==, 11 * MiB);
    g_assert_cmpuint(l3_11way.line_size, ==, 64);
    g_assert_cmpuint(l3_11way.ways, ==, 8);
    g_assert_cmpuint(vtopo_cache_sets(&l3_11way), ==, 22528);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    g_test_add_func("/vtopo/cpuid/leaf-4", test_leaf4);
    g_test_add_func("/vtopo/cpuid/leaf-80000005", test_leaf_80000005);
    g_test_add_func("/vtopo/cpuid/leaf-80000006", test_leaf_80000006);
    g_test_add_func("/vtopo/cpuid/assoc-codes", test_assoc_codes);
    g_test_add_func("/vtopo/cpuid/legacy-limits", test_legacy_limits);

    return g_test_run();
}
