/*
 * Unit tests for the CPUID dump decoder (tests/vtopo/cpuid-decode.c), on
 * the leaves of a real i7-6700K (4 cores, 2 threads each) and on
 * malformed input.  Built with ASan/UBSan.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "cpuid-decode.h"
#include "vtopo-check.h"

static const char *const skylake_cpu3[] = {
    /* GenuineIntel, max leaf 0x16 */
    "cpuid cpu=3 leaf=0x0 sub=0x0 eax=0x00000016 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69",
    "cpuid cpu=3 leaf=0x4 sub=0x0 eax=0x1c004121 ebx=0x01c0003f ecx=0x0000003f edx=0x00000000",
    "cpuid cpu=3 leaf=0x4 sub=0x1 eax=0x1c004122 ebx=0x01c0003f ecx=0x0000003f edx=0x00000000",
    "cpuid cpu=3 leaf=0x4 sub=0x2 eax=0x1c004143 ebx=0x00c0003f ecx=0x000003ff edx=0x00000000",
    "cpuid cpu=3 leaf=0x4 sub=0x3 eax=0x1c03c163 ebx=0x03c0003f ecx=0x00001fff edx=0x00000006",
    "cpuid cpu=3 leaf=0x4 sub=0x4 eax=0x00000000 ebx=0x00000000 ecx=0x00000000 edx=0x00000000",
    "cpuid cpu=3 leaf=0xb sub=0x0 eax=0x00000001 ebx=0x00000002 ecx=0x00000100 edx=0x00000003",
    "cpuid cpu=3 leaf=0xb sub=0x1 eax=0x00000004 ebx=0x00000008 ecx=0x00000201 edx=0x00000003",
    "cpuid cpu=3 leaf=0xb sub=0x2 eax=0x00000000 ebx=0x00000000 ecx=0x00000002 edx=0x00000003",
};

START_TEST(test_decode_skylake)
{
    g_autoptr(GString) out = g_string_new("");
    VTopoCpuidDump *d = vtopo_cpuid_dump_new();

    for (size_t i = 0; i < G_N_ELEMENTS(skylake_cpu3); i++) {
        VTopoCpuidRecord rec;

        ck_assert_msg(vtopo_cpuid_parse_line(skylake_cpu3[i], &rec), "%zu", i);
        vtopo_cpuid_dump_add(d, &rec);
    }
    vtopo_cpuid_decode_topology(d, 3, out);
    vtopo_cpuid_decode_caches(d, 3, out);
    ck_assert_str_eq(out->str,
        "topo cpu=3 vendor=intel x2apic=3 leaf=0xb levels=smt:1,core:4\n"
        "cache cpu=3 level=1 type=data size=32768 ways=8 line=64 partitions=1 sets=64 sharing_ids=2\n"
        "cache cpu=3 level=1 type=instruction size=32768 ways=8 line=64 partitions=1 sets=64 sharing_ids=2\n"
        "cache cpu=3 level=2 type=unified size=262144 ways=4 line=64 partitions=1 sets=1024 sharing_ids=2\n"
        "cache cpu=3 level=3 type=unified size=8388608 ways=16 line=64 partitions=1 sets=8192 sharing_ids=16\n");
    vtopo_cpuid_dump_free(d);
}
END_TEST

static const char *const malformed[] = {
    "",
    "cpuid",
    "cpuid cpu=0",
    "cpuid cpu=0 leaf=0x4 sub=0x0 eax=0x1 ebx=0x2 ecx=0x3",
    "cpuid cpu=x leaf=0x4 sub=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4",
    "cpuid cpu=0 leaf=4 sub=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4",
    "cpuid cpu=0 leaf=0x4 sub=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4 junk",
    "cpuid cpu=0 leaf=0x4 sub=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0xzz",
    "cpuid cpu=65536 leaf=0x4 sub=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4",
    "cpuid cpu=99999999999999999999 leaf=0x4 sub=0x0 eax=0x1 ebx=0x2 ecx=0x3 edx=0x4",
    "cpuid cpu=0 leaf=0x4 sub=0x0 eax=0x1 ebx=0x2 edx=0x4 ecx=0x3",
    "cache cpu=0 level=1",
};

START_TEST(test_malformed)
{
    VTopoCpuidRecord rec;

    ck_assert_msg(!vtopo_cpuid_parse_line(malformed[_i], &rec), "accepted: %s",
                  malformed[_i]);
}
END_TEST

/* A dump that stops mid-enumeration, or has no leaf 0: no crash. */
START_TEST(test_truncated_dump)
{
    g_autoptr(GString) out = g_string_new("");
    VTopoCpuidDump *d = vtopo_cpuid_dump_new();
    VTopoCpuidRecord rec;

    ck_assert(vtopo_cpuid_parse_line(skylake_cpu3[6], &rec));
    vtopo_cpuid_dump_add(d, &rec);
    ck_assert(vtopo_cpuid_parse_line(skylake_cpu3[1], &rec));
    vtopo_cpuid_dump_add(d, &rec);
    vtopo_cpuid_decode_topology(d, 3, out);
    vtopo_cpuid_decode_caches(d, 3, out);
    ck_assert_str_eq(out->str,
        "topo cpu=3 vendor=intel x2apic=3 leaf=0xb levels=smt:1\n"
        "cache cpu=3 level=1 type=data size=32768 ways=8 line=64 partitions=1 sets=64 sharing_ids=2\n");
    g_string_truncate(out, 0);
    vtopo_cpuid_decode_topology(d, 7, out);
    vtopo_cpuid_decode_caches(d, 7, out);
    ck_assert_str_eq(out->str, "topo cpu=7 vendor=intel x2apic=- leaf=- levels=-\n");
    vtopo_cpuid_dump_free(d);
}
END_TEST

/*
 * An AMD package of 2 cores x 2 threads, logical processor 3, its fields
 * laid out by hand from the APM: Fn0000_0001 EBX LogicalProcessorCount 4,
 * Fn8000_0008 ECX ApicIdSize 2 and NC 3, Fn8000_001E EBX
 * ThreadsPerComputeUnit 1 (2 threads) and CoreId 1.
 */
static const char *const amd_cpu3[] = {
    "cpuid cpu=3 leaf=0x0 sub=0x0 eax=0x0000000d ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65",
    "cpuid cpu=3 leaf=0x1 sub=0x0 eax=0x00000663 ebx=0x03040800 ecx=0x80002001 edx=0x178bfbfd",
    "cpuid cpu=3 leaf=0x80000000 sub=0x0 eax=0x8000001e ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65",
    "cpuid cpu=3 leaf=0x80000008 sub=0x0 eax=0x00003028 ebx=0x00000000 ecx=0x00002003 edx=0x00000000",
    "cpuid cpu=3 leaf=0x8000001e sub=0x0 eax=0x00000003 ebx=0x00000101 ecx=0x00000000 edx=0x00000000",
};

START_TEST(test_decode_amd)
{
    g_autoptr(GString) out = g_string_new("");
    VTopoCpuidDump *d = vtopo_cpuid_dump_new();

    /* Without Fn8000_001E (no TopologyExtensions): threads unknown */
    for (size_t i = 0; i < G_N_ELEMENTS(amd_cpu3); i++) {
        VTopoCpuidRecord rec;

        ck_assert_msg(vtopo_cpuid_parse_line(amd_cpu3[i], &rec), "%zu", i);
        if (rec.leaf == 0x8000001e) {
            vtopo_cpuid_decode_amd(d, 3, out);
            ck_assert_str_eq(out->str, "amd cpu=3 logical=4 nc=3 "
                             "apic_id_size=2 threads_per_core=-\n");
            g_string_truncate(out, 0);
        }
        vtopo_cpuid_dump_add(d, &rec);
    }
    vtopo_cpuid_decode_amd(d, 3, out);
    ck_assert_str_eq(out->str, "amd cpu=3 logical=4 nc=3 apic_id_size=2 "
                     "threads_per_core=2\n");

    /* Not an AMD processor: no record */
    g_string_truncate(out, 0);
    vtopo_cpuid_decode_amd(d, 2, out);
    ck_assert_str_eq(out->str, "");
    vtopo_cpuid_dump_free(d);
}
END_TEST

static Suite *decode_suite(void)
{
    Suite *s = suite_create("cpuid-decode");
    TCase *tc = tcase_create("decode");

    tcase_add_test(tc, test_decode_skylake);
    tcase_add_test(tc, test_decode_amd);
    tcase_add_loop_test(tc, test_malformed, 0, G_N_ELEMENTS(malformed));
    tcase_add_test(tc, test_truncated_dump);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return vtopo_check_run(decode_suite());
}
