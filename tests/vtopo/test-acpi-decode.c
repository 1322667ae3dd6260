/*
 * Unit tests for the ACPI table decoder (hw/acpi/vtopo/acpi-decode.c,
 * through the records of tests/vtopo/acpi-decode.c):
 * tables laid out by hand from the ACPI 6.5 structure tables, and
 * malformed ones, which must be refused with a reason and no crash
 * (this test runs under AddressSanitizer and UBSan).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "acpi-decode.h"
#include "vtopo-check.h"

/* A table: the 36-byte header with @sig, then @body; checksum fixed. */
static GByteArray *table(const char *sig, uint8_t revision,
                         const uint8_t *body, size_t len)
{
    GByteArray *t = g_byte_array_new();
    uint8_t header[36] = { 0 };
    uint32_t total = sizeof(header) + len;
    uint8_t sum = 0;

    memcpy(header, sig, 4);
    for (int i = 0; i < 4; i++) {
        header[4 + i] = total >> (8 * i);
    }
    header[8] = revision;
    g_byte_array_append(t, header, sizeof(header));
    g_byte_array_append(t, body, len);
    for (guint i = 0; i < t->len; i++) {
        sum += t->data[i];
    }
    t->data[9] = -sum;
    return t;
}

static void assert_decodes(GByteArray *t, const char *want)
{
    g_autoptr(GString) out = g_string_new("");
    g_autofree char *err = NULL;

    ck_assert_msg(acpi_decode_records(t->data, t->len, out, &err), "%s", err);
    ck_assert_str_eq(out->str, want);
    g_byte_array_unref(t);
}

static void assert_refused(GByteArray *t, const char *reason)
{
    g_autoptr(GString) out = g_string_new("");
    g_autofree char *err = NULL;

    ck_assert(!acpi_decode_records(t->data, t->len, out, &err));
    ck_assert_msg(err && strstr(err, reason), "error '%s', want '%s'", err,
                  reason);
    ck_assert_str_eq(out->str, "");
    g_byte_array_unref(t);
}

/* MADT: a Local APIC (5.22) and a Local x2APIC (5.44) structure. */
START_TEST(test_madt)
{
    static const uint8_t body[] = {
        0x00, 0x00, 0xe0, 0xfe, 0x01, 0x00, 0x00, 0x00, /* LAPIC addr, flags */
        0x00, 0x08, 0x03, 0x05, 0x01, 0x00, 0x00, 0x00, /* uid 3, APIC 5 */
        0x09, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, /* x2APIC 0x100 */
        0x00, 0x00, 0x00, 0x00, 0x07, 0x01, 0x00, 0x00, /* disabled, 0x107 */
    };

    assert_decodes(table("APIC", 5, body, sizeof(body)),
                   "madt-cpu uid=3 id=5 enabled=1\n"
                   "madt-cpu uid=263 id=256 enabled=0\n");
}
END_TEST

/* SRAT: x2APIC affinity (5.84) and memory affinity (5.82). */
START_TEST(test_srat)
{
    static const uint8_t body[] = {
        0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,          /* reserved */
        0x02, 0x18, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* domain 2 */
        0x05, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* 0x105, enabled */
        0, 0, 0, 0, 0, 0, 0, 0,
        0x01, 0x28, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, /* domain 1 */
        0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, /* base 1G */
        0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, /* 512M */
        0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, /* hot-pluggable */
        0, 0, 0, 0, 0, 0, 0, 0,
    };

    assert_decodes(table("SRAT", 3, body, sizeof(body)),
                   "srat-cpu id=261 node=2 enabled=1\n"
                   "srat-mem node=1 base=0x40000000 length=0x20000000 "
                   "flags=0x3\n");
}
END_TEST

START_TEST(test_slit)
{
    static const uint8_t body[] = {
        2, 0, 0, 0, 0, 0, 0, 0, 10, 21, 31, 10,
    };

    assert_decodes(table("SLIT", 1, body, sizeof(body)),
                   "slit from=0 to=0 distance=10\n"
                   "slit from=0 to=1 distance=21\n"
                   "slit from=1 to=0 distance=31\n"
                   "slit from=1 to=1 distance=10\n");
}
END_TEST

/* PPTT: a package with an L2 (5.161), and a leaf core under it. */
static const uint8_t pptt_body[] = {
    /* 0x24: cache, all flags valid, no next level, 1M, 1024 sets, 16 ways */
    0x01, 0x1c, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
    0x00, 0x04, 0x00, 0x00, 0x10, 0x0a, 0x40, 0x00,
    0x07, 0x00, 0x00, 0x00,
    /* 0x40: package, physical package, one resource (the L2) */
    0x00, 0x18, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x24, 0x00, 0x00, 0x00,
    /* 0x58: leaf, ACPI processor ID valid, parent 0x40, UID 4 */
    0x00, 0x14, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00,
    0x40, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
};

START_TEST(test_pptt)
{
    assert_decodes(table("PPTT", 3, pptt_body, sizeof(pptt_body)),
                   "pptt-cache offset=0x24 flags=0xff next=0x0 size=1048576 "
                   "sets=1024 ways=16 attributes=0xa line=64 id=7\n"
                   "pptt-node offset=0x40 flags=0x1 parent=0x0 id=0 "
                   "resources=0x24\n"
                   "pptt-node offset=0x58 flags=0xa parent=0x40 id=4 "
                   "resources=\n");
}
END_TEST

/*
 * HMAT (5.2.28): a Memory Proximity Domain Attributes structure (5.2.28.4)
 * and a System Locality Latency and Bandwidth Information structure
 * (5.2.28.5) with 2 initiators and 1 target.
 */
static const uint8_t hmat_body[] = {
    0, 0, 0, 0,                                     /* reserved */
    /* 0x28: domain attributes, initiator 1 valid, memory 2 */
    0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x50: locality, access latency, initiators 0 and 1, target 2 */
    0x01, 0x00, 0x00, 0x00, 0x30, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* base unit 1000 */
    0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, /* initiators */
    0x02, 0x00, 0x00, 0x00,                         /* target */
    0x0a, 0x00, 0x14, 0x00,                         /* entries 10, 20 */
};

START_TEST(test_hmat)
{
    assert_decodes(table("HMAT", 2, hmat_body, sizeof(hmat_body)),
                   "hmat-domain initiator=1 memory=2\n"
                   "hmat-initiator node=0\n"
                   "hmat-initiator node=1\n"
                   "hmat-target node=2\n");
}
END_TEST

/* @body of HMAT with byte @at set to @value. */
static GByteArray *hmat_with(size_t at, uint8_t value)
{
    uint8_t body[sizeof(hmat_body)];

    memcpy(body, hmat_body, sizeof(body));
    body[at - 36] = value;
    return table("HMAT", 2, body, sizeof(body));
}

/* @body of PPTT with byte @at set to @value. */
static GByteArray *pptt_with(size_t at, uint8_t value)
{
    uint8_t body[sizeof(pptt_body)];

    memcpy(body, pptt_body, sizeof(body));
    body[at - 36] = value;
    return table("PPTT", 3, body, sizeof(body));
}

START_TEST(test_malformed)
{
    static const uint8_t slit_huge[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 10,
    };
    static const uint8_t slit_short[] = { 3, 0, 0, 0, 0, 0, 0, 0, 10, 20 };
    static const uint8_t madt_zero_length[] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0x09, 0x00, 0, 0,
    };
    static const uint8_t madt_short_x2apic[] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0x09, 0x08, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t srat_overrun[] = {
        1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x28, 0, 0,
    };
    GByteArray *t;

    t = table("SLIT", 1, slit_huge, sizeof(slit_huge));
    assert_refused(t, "localities");
    t = table("SLIT", 1, slit_short, sizeof(slit_short));
    assert_refused(t, "localities");
    t = table("APIC", 5, madt_zero_length, sizeof(madt_zero_length));
    assert_refused(t, "has length 0");
    t = table("APIC", 5, madt_short_x2apic, sizeof(madt_short_x2apic));
    assert_refused(t, "needs 16");
    t = table("SRAT", 3, srat_overrun, sizeof(srat_overrun));
    assert_refused(t, "has length 40");
    /* PPTT: a parent loop, a parent that is a cache, a bad resource */
    assert_refused(pptt_with(0x40 + 8, 0x40), "loops");
    assert_refused(pptt_with(0x58 + 8, 0x24), "is not a structure of type 0");
    assert_refused(pptt_with(0x40 + 20, 0x25), "is not a structure");
    /* ... a next level of cache that points to itself */
    assert_refused(pptt_with(0x24 + 8, 0x24), "loops");
    /* ... more resources than bytes */
    assert_refused(pptt_with(0x40 + 16, 0x09), "resources in 24 bytes");
    /* HMAT: a length past the end, counts the structure cannot hold */
    assert_refused(hmat_with(0x50 + 4, 0x40), "has length 64");
    assert_refused(hmat_with(0x50 + 12, 0x03), "lists 3 initiators");
    assert_refused(hmat_with(0x50 + 19, 0x80), "lists 2 initiators and "
                   "2147483649 targets");
    /* Headers: truncated, length beyond the buffer, checksum, signature */
    t = table("SLIT", 1, slit_short, sizeof(slit_short));
    g_byte_array_set_size(t, 20);
    assert_refused(t, "no table header");
    t = table("SLIT", 1, slit_short, sizeof(slit_short));
    g_byte_array_set_size(t, t->len - 1);
    assert_refused(t, "header length 46");
    t = table("SLIT", 1, slit_short, sizeof(slit_short));
    t->data[40]++;
    assert_refused(t, "bad checksum");
    t = table("FACP", 1, slit_short, sizeof(slit_short));
    assert_refused(t, "unknown signature FACP");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("acpi-decode");
    TCase *tc = tcase_create("decode");

    tcase_add_test(tc, test_madt);
    tcase_add_test(tc, test_srat);
    tcase_add_test(tc, test_slit);
    tcase_add_test(tc, test_pptt);
    tcase_add_test(tc, test_hmat);
    tcase_add_test(tc, test_malformed);
    suite_add_tcase(s, tc);
    return vtopo_check_run(s);
}
