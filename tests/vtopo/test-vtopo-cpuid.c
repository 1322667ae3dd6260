/*
 * Unit tests for the x86 CPUID cache leaf encoder (target/i386/vtopo/cpuid.c)
 *
 * Leaf 4 expectations are what an Intel Core i7-6700K (Skylake, 4 cores,
 * 8 threads) returns; the AMD legacy leaf expectations are computed by
 * hand from the field layout of the AMD APM vol. 3 (Fn8000_0005,
 * Fn8000_0006), shown next to each value.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "target/i386/vtopo/cpuid.h"
#include "vtopo-check.h"

static VTopoX86Cache cache(unsigned int level, VTopoCacheType type,
                           uint64_t size, uint32_t ways, bool inclusive,
                           bool complex)
{
    return (VTopoX86Cache) {
        .geometry = {
            .level = level, .type = type, .size = size, .ways = ways,
            .line_size = 64, .partitions = 1, .inclusive = inclusive,
        },
        .self_init = true,
        .complex_indexing = complex,
        .lines_per_tag = 1,
    };
}

/* i7-6700K leaf 4, subleaves 0-3: 2 threads share L1/L2, 16 IDs the L3. */
START_TEST(test_cpuid4_skylake)
{
    static const struct {
        unsigned int level;
        VTopoCacheType type;
        uint64_t size;
        uint32_t ways, sharing;
        bool inclusive, complex;
        VTopoCpuidRegs want;
    } leaf4[] = {
        { 1, VTOPO_CACHE_DATA, 32 * KiB, 8, 2, false, false,
          { 0x1c004121, 0x01c0003f, 0x0000003f, 0x00000000 } },
        { 1, VTOPO_CACHE_INSTRUCTION, 32 * KiB, 8, 2, false, false,
          { 0x1c004122, 0x01c0003f, 0x0000003f, 0x00000000 } },
        { 2, VTOPO_CACHE_UNIFIED, 256 * KiB, 4, 2, false, false,
          { 0x1c004143, 0x00c0003f, 0x000003ff, 0x00000000 } },
        { 3, VTOPO_CACHE_UNIFIED, 8 * MiB, 16, 16, true, true,
          { 0x1c03c163, 0x03c0003f, 0x00001fff, 0x00000006 } },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(leaf4); i++) {
        VTopoX86Cache c = cache(leaf4[i].level, leaf4[i].type, leaf4[i].size,
                                leaf4[i].ways, leaf4[i].inclusive,
                                leaf4[i].complex);
        VTopoCpuidRegs r = vtopo_cpuid4_encode(&c, leaf4[i].sharing, 8);

        ck_assert_uint_eq(r.eax, leaf4[i].want.eax);
        ck_assert_uint_eq(r.ebx, leaf4[i].want.ebx);
        ck_assert_uint_eq(r.ecx, leaf4[i].want.ecx);
        ck_assert_uint_eq(r.edx, leaf4[i].want.edx);
    }
}
END_TEST

/* Counts beyond a field saturate at its maximum; they never wrap. */
START_TEST(test_cpuid4_saturation)
{
    VTopoX86Cache c = cache(3, VTOPO_CACHE_UNIFIED, 32 * MiB, 16, false, false);
    VTopoCpuidRegs r;

    r = vtopo_cpuid4_encode(&c, 4096, 64);
    ck_assert_uint_eq(FIELD_EX32(r.eax, CPUID4_EAX, MAX_SHARING_IDS), 4095);
    ck_assert_uint_eq(FIELD_EX32(r.eax, CPUID4_EAX, MAX_CORE_IDS), 63);
    r = vtopo_cpuid4_encode(&c, 1 << 20, 1024);
    ck_assert_uint_eq(FIELD_EX32(r.eax, CPUID4_EAX, MAX_SHARING_IDS), 4095);
    ck_assert_uint_eq(FIELD_EX32(r.eax, CPUID4_EAX, MAX_CORE_IDS), 63);
    /* the saturated fields do not spill into their neighbours */
    ck_assert_uint_eq(FIELD_EX32(r.eax, CPUID4_EAX, CACHE_LEVEL), 3);
    ck_assert_uint_eq(FIELD_EX32(r.eax, CPUID4_EAX, FULLY_ASSOCIATIVE), 0);
    /* Fn8000_001D has no core ID field: 0 leaves it clear */
    r = vtopo_cpuid4_encode(&c, 8, 0);
    ck_assert_uint_eq(FIELD_EX32(r.eax, CPUID4_EAX, MAX_CORE_IDS), 0);
    ck_assert_uint_eq(r.eax, 0x0001c163);
}
END_TEST

/* The largest geometry leaf 4 can describe fills each field exactly. */
START_TEST(test_cpuid4_maximum_fields)
{
    VTopoX86Cache c = {
        .geometry = {
            .level = 3, .type = VTOPO_CACHE_UNIFIED,
            .size = UINT64_C(1024) * 1024 * 4096 * 4,
            .ways = 1024, .partitions = 1024, .line_size = 4096,
        },
    };
    VTopoCpuidRegs r = vtopo_cpuid4_encode(&c, 1, 1);

    ck_assert_uint_eq(r.ebx, 0xffffffff);
    ck_assert_uint_eq(r.ecx, 3);
}
END_TEST

START_TEST(test_cpuid80000005)
{
    /* 32K: size 0x20 [31:24], 8-way 0x08 [23:16], 1 line/tag [15:8], 64 B */
    VTopoX86Cache l1 = cache(1, VTOPO_CACHE_DATA, 32 * KiB, 8, false, false);

    ck_assert_uint_eq(vtopo_cpuid80000005_encode(&l1), 0x20080140);
    /* 64K 2-way (QEMU's legacy L1) */
    l1 = cache(1, VTOPO_CACHE_DATA, 64 * KiB, 2, false, false);
    ck_assert_uint_eq(vtopo_cpuid80000005_encode(&l1), 0x40020140);
}
END_TEST

START_TEST(test_cpuid80000006)
{
    /* L2 512K: 0x0200 [31:16], 8-way -> 6h [15:12], 1 [11:8], 64 [7:0] */
    VTopoX86Cache l2 = cache(2, VTOPO_CACHE_UNIFIED, 512 * KiB, 8, false, false);
    /* L3 16M: 32 x 512K [31:18], 16-way -> 8h [15:12], 1, 64 */
    VTopoX86Cache l3 = cache(3, VTOPO_CACHE_UNIFIED, 16 * MiB, 16, false, false);
    VTopoCpuidRegs r = vtopo_cpuid80000006_encode(&l2, &l3);

    ck_assert_uint_eq(r.ecx, 0x02006140);
    ck_assert_uint_eq(r.edx, 0x00808140);
    ck_assert_uint_eq(r.eax, 0);
    ck_assert_uint_eq(r.ebx, 0);
    r = vtopo_cpuid80000006_encode(&l2, NULL);
    ck_assert_uint_eq(r.edx, 0);
}
END_TEST

START_TEST(test_cpuid80000006_assoc)
{
    /* AMD APM vol. 3, Fn8000_0006 ECX[15:12] L2Assoc */
    static const uint32_t ways[] = {
        1, 2, 3, 4, 6, 8, 16, 32, 48, 64, 96, 128
    };
    static const uint32_t code[] = {
        1, 2, 3, 4, 5, 6, 8, 0xa, 0xb, 0xc, 0xd, 0xe
    };

    for (size_t i = 0; i < G_N_ELEMENTS(ways); i++) {
        ck_assert_uint_eq(vtopo_cpuid80000006_assoc(ways[i]), code[i]);
    }
    /* not expressible: "disabled" (0), never a neighbouring code */
    ck_assert_uint_eq(vtopo_cpuid80000006_assoc(0), 0);
    ck_assert_uint_eq(vtopo_cpuid80000006_assoc(5), 0);
    ck_assert_uint_eq(vtopo_cpuid80000006_assoc(12), 0);
    ck_assert_uint_eq(vtopo_cpuid80000006_assoc(24), 0);
    ck_assert_uint_eq(vtopo_cpuid80000006_assoc(256), 0);
}
END_TEST

/* Whether @c is encodable; *reason freed, and checked to be set if not. */
static bool encodable(VTopoX86Cache c, bool amd)
{
    g_autofree char *reason = NULL;
    bool ok = vtopo_x86_cache_encodable(&c.geometry,
                                        amd ? VTOPO_X86_LEGACY_AMD
                                        : VTOPO_X86_LEGACY_INTEL, &reason);

    ck_assert(ok == !reason);
    return ok;
}

/*
 * Host caches that real CPUs report (sysfs cache/index*) against the
 * limits of the legacy leaves' fields.
 */
START_TEST(test_x86_cache_encodable)
{
    /* Golden Cove L1d: 48K 12-way, L1 associativity is the count */
    ck_assert(encodable(cache(1, VTOPO_CACHE_DATA, 48 * KiB, 12, 0, 0), true));
    /* Alder Lake P-core L2: 1.25M 10-way, not in the L2Assoc list */
    ck_assert(!encodable(cache(2, VTOPO_CACHE_UNIFIED, 1280 * KiB, 10, 0, 0),
                         false));
    /* Ice Lake-SP L3: 60M 12-way: Intel has no L3 in Fn8000_0006 */
    ck_assert(encodable(cache(3, VTOPO_CACHE_UNIFIED, 60 * MiB, 12, 0, 0),
                        false));
    ck_assert(!encodable(cache(3, VTOPO_CACHE_UNIFIED, 60 * MiB, 12, 0, 0),
                         true));
    /*
     * A 6-way L2 (AMD K8's 512K, among others): code 5h on AMD, which
     * Intel's SDM reserves; so is 3h.
     */
    ck_assert(encodable(cache(2, VTOPO_CACHE_UNIFIED, 384 * KiB, 6, 0, 0),
                        true));
    ck_assert(!encodable(cache(2, VTOPO_CACHE_UNIFIED, 384 * KiB, 6, 0, 0),
                         false));
    ck_assert(encodable(cache(2, VTOPO_CACHE_UNIFIED, 192 * KiB, 3, 0, 0),
                        true));
    ck_assert(!encodable(cache(2, VTOPO_CACHE_UNIFIED, 192 * KiB, 3, 0, 0),
                         false));
    /* Zen 4 L3: 32M 16-way */
    ck_assert(encodable(cache(3, VTOPO_CACHE_UNIFIED, 32 * MiB, 16, 0, 0),
                        true));
    /* L2SizeKB is 16 bits: 64M is 65536K */
    ck_assert(!encodable(cache(2, VTOPO_CACHE_UNIFIED, 64 * MiB, 16, 0, 0),
                         true));
    /* L3Size counts 512K units: one 1.375M Skylake-SP slice is not whole */
    ck_assert(!encodable(cache(3, VTOPO_CACHE_UNIFIED, 1408 * KiB, 11, 0, 0),
                         false));
    /* L1 associativity 0FFh means fully associative */
    ck_assert(!encodable(cache(1, VTOPO_CACHE_DATA, 1 * MiB, 255, 0, 0),
                         true));
    /* 4K of 64-byte lines in 64 ways is one set: fully associative */
    ck_assert(!encodable(cache(1, VTOPO_CACHE_DATA, 4 * KiB, 64, 0, 0), true));
}
END_TEST

/* The refusal lists the counts the vendor's Fn8000_0006 has. */
START_TEST(test_x86_cache_encodable_reason)
{
    VTopoX86Cache l2 = cache(2, VTOPO_CACHE_UNIFIED, 1280 * KiB, 10, 0, 0);
    g_autofree char *intel = NULL, *amd = NULL;

    ck_assert(!vtopo_x86_cache_encodable(&l2.geometry, VTOPO_X86_LEGACY_INTEL,
                                         &intel));
    ck_assert_str_eq(intel, "10 ways cannot be described by CPUID 0x80000006 "
                     "(use 1, 2, 4, 8, 16, 32, 48, 64, 96 or 128)");
    ck_assert(!vtopo_x86_cache_encodable(&l2.geometry, VTOPO_X86_LEGACY_AMD,
                                         &amd));
    ck_assert_str_eq(amd, "10 ways cannot be described by CPUID 0x80000006 "
                     "(use 1, 2, 3, 4, 6, 8, 16, 32, 48, 64, 96 or 128)");
}
END_TEST

START_TEST(test_x86_cache_fit)
{
    VTopoX86Cache l3 = cache(3, VTOPO_CACHE_UNIFIED, 300 * MiB, 20, 0, 0);
    VTopoX86Cache l2 = cache(2, VTOPO_CACHE_UNIFIED, 1280 * KiB, 10, 0, 0);
    VTopoX86Cache slice = cache(3, VTOPO_CACHE_UNIFIED, 1408 * KiB, 11, 0, 0);
    VTopoX86Cache zen4 = cache(3, VTOPO_CACHE_UNIFIED, 32 * MiB, 16, 0, 0);
    VTopoX86Cache k8 = cache(2, VTOPO_CACHE_UNIFIED, 384 * KiB, 6, 0, 0);
    g_autofree char *reason = NULL;

    /* A 300M 20-way L3 (Xeon 6): 16 ways, 307200 sets, same size */
    ck_assert(vtopo_x86_cache_fit(&l3.geometry, &reason));
    ck_assert_uint_eq(l3.geometry.ways, 16);
    ck_assert_uint_eq(l3.geometry.size, 300 * MiB);
    ck_assert_uint_eq(vtopo_cache_sets(&l3.geometry), 307200);
    /* ... which both vendors' Fn8000_0006 EDX now encode: L3Assoc 8h */
    ck_assert_uint_eq(FIELD_EX32(vtopo_cpuid80000006_encode(&l2, &l3).edx,
                                 CPUID80000006_EDX, ASSOC), 0x8);
    ck_assert(vtopo_x86_cache_fit(&l2.geometry, &reason));
    ck_assert_uint_eq(l2.geometry.ways, 8);
    ck_assert_uint_eq(vtopo_cache_sets(&l2.geometry), 2560);
    ck_assert(!reason);
    /* 6 ways, which Intel's SDM does not list: 4 */
    ck_assert(vtopo_x86_cache_fit(&k8.geometry, &reason));
    ck_assert_uint_eq(k8.geometry.ways, 4);
    /* Encodable already: unchanged */
    ck_assert(vtopo_x86_cache_fit(&zen4.geometry, &reason));
    ck_assert_uint_eq(zen4.geometry.ways, 16);
    /* No count of ways fixes the size: refused, unchanged, with why */
    ck_assert(!vtopo_x86_cache_fit(&slice.geometry, &reason));
    ck_assert_uint_eq(slice.geometry.ways, 11);
    ck_assert_str_eq(reason, "size 1441792 is not a multiple of 512K up to "
                     "8388096K, as CPUID 0x80000006 needs");
}
END_TEST

static Suite *cpuid_suite(void)
{
    Suite *s = suite_create("vtopo-cpuid");
    TCase *tc = tcase_create("cache-leaves");

    tcase_add_test(tc, test_cpuid4_skylake);
    tcase_add_test(tc, test_cpuid4_saturation);
    tcase_add_test(tc, test_cpuid4_maximum_fields);
    tcase_add_test(tc, test_cpuid80000005);
    tcase_add_test(tc, test_cpuid80000006);
    tcase_add_test(tc, test_cpuid80000006_assoc);
    tcase_add_test(tc, test_x86_cache_encodable);
    tcase_add_test(tc, test_x86_cache_encodable_reason);
    tcase_add_test(tc, test_x86_cache_fit);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return vtopo_check_run(cpuid_suite());
}
