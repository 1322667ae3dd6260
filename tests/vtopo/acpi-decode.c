/*
 * acpi-decode: MADT, SRAT, SLIT and PPTT bytes to text records
 *
 * Field offsets are those of the ACPI 6.5 specification, named after its
 * tables.  Usage of the tool: acpi-decode TABLE-FILE...
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "acpi-decode.h"

/* A field of an ACPI structure: its byte offset and size. */
#define ACPI_FIELD(s, f, offset, size) \
    enum { A_ ## s ## _ ## f = (offset), L_ ## s ## _ ## f = (size) };
/* Field @f of structure @s that starts at @p (little endian). */
#define ACPI_GET(p, s, f) \
    vtopo_acpi_le((p) + A_ ## s ## _ ## f, L_ ## s ## _ ## f)
/* The bytes a structure @s needs to hold field @f. */
#define ACPI_END(s, f) (A_ ## s ## _ ## f + L_ ## s ## _ ## f)

/* Table 5.4: System Description Table Header */
ACPI_FIELD(HEADER, SIGNATURE, 0, 4)
ACPI_FIELD(HEADER, LENGTH, 4, 4)
ACPI_FIELD(HEADER, REVISION, 8, 1)
ACPI_FIELD(HEADER, CREATOR_REVISION, 32, 4)

/* Subtables of the MADT, SRAT and PPTT: type and length first */
ACPI_FIELD(SUBTABLE, TYPE, 0, 1)
ACPI_FIELD(SUBTABLE, LENGTH, 1, 1)

/* Table 5.19: MADT, and its processor structures (5.22, 5.44, 5.47) */
ACPI_FIELD(MADT, FLAGS, 40, 4)
ACPI_FIELD(MADT_LAPIC, UID, 2, 1)
ACPI_FIELD(MADT_LAPIC, APIC_ID, 3, 1)
ACPI_FIELD(MADT_LAPIC, FLAGS, 4, 4)
ACPI_FIELD(MADT_X2APIC, X2APIC_ID, 4, 4)
ACPI_FIELD(MADT_X2APIC, FLAGS, 8, 4)
ACPI_FIELD(MADT_X2APIC, UID, 12, 4)
ACPI_FIELD(MADT_GICC, UID, 8, 4)
ACPI_FIELD(MADT_GICC, FLAGS, 12, 4)
ACPI_FIELD(MADT_GICC, MPIDR, 68, 8)
#define MADT_TYPE_LAPIC     0
#define MADT_TYPE_X2APIC    9
#define MADT_TYPE_GICC      0xb
#define MADT_CPU_ENABLED    1

/* Table 5.79: SRAT, and its structures (5.81, 5.82, 5.84, 5.85) */
ACPI_FIELD(SRAT, RESERVED, 40, 8)
ACPI_FIELD(SRAT_APIC, DOMAIN_LOW, 2, 1)
ACPI_FIELD(SRAT_APIC, APIC_ID, 3, 1)
ACPI_FIELD(SRAT_APIC, FLAGS, 4, 4)
ACPI_FIELD(SRAT_APIC, DOMAIN_HIGH, 9, 3)
ACPI_FIELD(SRAT_MEMORY, DOMAIN, 2, 4)
ACPI_FIELD(SRAT_MEMORY, BASE, 8, 8)
ACPI_FIELD(SRAT_MEMORY, LENGTH, 16, 8)
ACPI_FIELD(SRAT_MEMORY, FLAGS, 28, 4)
ACPI_FIELD(SRAT_X2APIC, DOMAIN, 4, 4)
ACPI_FIELD(SRAT_X2APIC, X2APIC_ID, 8, 4)
ACPI_FIELD(SRAT_X2APIC, FLAGS, 12, 4)
ACPI_FIELD(SRAT_GICC, DOMAIN, 2, 4)
ACPI_FIELD(SRAT_GICC, UID, 6, 4)
ACPI_FIELD(SRAT_GICC, FLAGS, 10, 4)
#define SRAT_TYPE_APIC      0
#define SRAT_TYPE_MEMORY    1
#define SRAT_TYPE_X2APIC    2
#define SRAT_TYPE_GICC      3
#define SRAT_ENABLED        1

/* Table 5.93: SLIT */
ACPI_FIELD(SLIT, LOCALITIES, 36, 8)

/* Tables 5.158 and 5.161: PPTT processor hierarchy node and cache type */
ACPI_FIELD(PPTT_NODE, FLAGS, 4, 4)
ACPI_FIELD(PPTT_NODE, PARENT, 8, 4)
ACPI_FIELD(PPTT_NODE, ID, 12, 4)
ACPI_FIELD(PPTT_NODE, RESOURCES, 16, 4)
ACPI_FIELD(PPTT_CACHE, FLAGS, 4, 4)
ACPI_FIELD(PPTT_CACHE, NEXT_LEVEL, 8, 4)
ACPI_FIELD(PPTT_CACHE, SIZE, 12, 4)
ACPI_FIELD(PPTT_CACHE, SETS, 16, 4)
ACPI_FIELD(PPTT_CACHE, WAYS, 20, 1)
ACPI_FIELD(PPTT_CACHE, ATTRIBUTES, 21, 1)
ACPI_FIELD(PPTT_CACHE, LINE_SIZE, 22, 2)
ACPI_FIELD(PPTT_CACHE, CACHE_ID, 24, 4)
#define PPTT_TYPE_NODE      0
#define PPTT_TYPE_CACHE     1
#define PPTT_HEADER_LENGTH  36

static uint64_t vtopo_acpi_le(const uint8_t *p, unsigned int size)
{
    uint64_t v = 0;

    for (unsigned int i = size; i > 0; i--) {
        v = v << 8 | p[i - 1];
    }
    return v;
}

typedef struct VTopoAcpiTable {
    const uint8_t *buf;
    uint32_t len;
    GString *out;
    char **err;
} VTopoAcpiTable;

static bool G_GNUC_PRINTF(2, 3)
vtopo_acpi_fail(VTopoAcpiTable *t, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    *t->err = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return false;
}

/*
 * The subtable at @offset: false (with the error set) unless its length
 * is at least 2 and at most what is left of the table.
 */
static bool vtopo_acpi_subtable(VTopoAcpiTable *t, uint32_t offset,
                                uint32_t *type, uint32_t *len)
{
    if (t->len - offset < ACPI_END(SUBTABLE, LENGTH)) {
        return vtopo_acpi_fail(t, "subtable at 0x%x is truncated", offset);
    }
    *type = ACPI_GET(t->buf + offset, SUBTABLE, TYPE);
    *len = ACPI_GET(t->buf + offset, SUBTABLE, LENGTH);
    if (*len < ACPI_END(SUBTABLE, LENGTH) || *len > t->len - offset) {
        return vtopo_acpi_fail(t, "subtable at 0x%x has length %u", offset,
                               *len);
    }
    return true;
}

/* A subtable of @type at @offset must have @need bytes. */
static bool vtopo_acpi_need(VTopoAcpiTable *t, uint32_t offset,
                            uint32_t type, uint32_t len, uint32_t need)
{
    if (len < need) {
        return vtopo_acpi_fail(t, "subtable type %u at 0x%x has length %u, "
                               "needs %u", type, offset, len, need);
    }
    return true;
}

/*
 * A value a record prints: field (@offset, @size) of the subtable, with
 * @high_size bytes at @high_offset above it (the SRAT's split proximity
 * domain), masked with @mask if set.
 */
typedef struct VTopoAcpiValue {
    const char *name;
    uint32_t offset, size;
    uint32_t high_offset, high_size;
    uint64_t mask;
    bool hex;
} VTopoAcpiValue;

#define VALUE(n, s, f) \
    { .name = (n), .offset = A_ ## s ## _ ## f, .size = L_ ## s ## _ ## f }
#define VALUE_HEX(n, s, f) \
    { .name = (n), .offset = A_ ## s ## _ ## f, .size = L_ ## s ## _ ## f, \
      .hex = true }
#define VALUE_BIT(n, s, f, bit) \
    { .name = (n), .offset = A_ ## s ## _ ## f, .size = L_ ## s ## _ ## f, \
      .mask = (bit) }

/* The record of subtables of type @type, which need @need bytes. */
typedef struct VTopoAcpiRecord {
    uint32_t type;
    const char *kind;
    uint32_t need;
    VTopoAcpiValue values[4];
} VTopoAcpiRecord;

static const VTopoAcpiRecord vtopo_acpi_madt_records[] = {
    { MADT_TYPE_LAPIC, "madt-cpu", ACPI_END(MADT_LAPIC, FLAGS), {
        VALUE("uid", MADT_LAPIC, UID), VALUE("id", MADT_LAPIC, APIC_ID),
        VALUE_BIT("enabled", MADT_LAPIC, FLAGS, MADT_CPU_ENABLED) } },
    { MADT_TYPE_X2APIC, "madt-cpu", ACPI_END(MADT_X2APIC, UID), {
        VALUE("uid", MADT_X2APIC, UID), VALUE("id", MADT_X2APIC, X2APIC_ID),
        VALUE_BIT("enabled", MADT_X2APIC, FLAGS, MADT_CPU_ENABLED) } },
    { MADT_TYPE_GICC, "madt-cpu", ACPI_END(MADT_GICC, MPIDR), {
        VALUE("uid", MADT_GICC, UID), VALUE_HEX("id", MADT_GICC, MPIDR),
        VALUE_BIT("enabled", MADT_GICC, FLAGS, MADT_CPU_ENABLED) } },
};

static const VTopoAcpiRecord vtopo_acpi_srat_records[] = {
    { SRAT_TYPE_APIC, "srat-cpu", ACPI_END(SRAT_APIC, DOMAIN_HIGH), {
        VALUE("id", SRAT_APIC, APIC_ID),
        { .name = "node", .offset = A_SRAT_APIC_DOMAIN_LOW,
          .size = L_SRAT_APIC_DOMAIN_LOW,
          .high_offset = A_SRAT_APIC_DOMAIN_HIGH,
          .high_size = L_SRAT_APIC_DOMAIN_HIGH },
        VALUE_BIT("enabled", SRAT_APIC, FLAGS, SRAT_ENABLED) } },
    { SRAT_TYPE_MEMORY, "srat-mem", ACPI_END(SRAT_MEMORY, FLAGS), {
        VALUE("node", SRAT_MEMORY, DOMAIN),
        VALUE_HEX("base", SRAT_MEMORY, BASE),
        VALUE_HEX("length", SRAT_MEMORY, LENGTH),
        VALUE_HEX("flags", SRAT_MEMORY, FLAGS) } },
    { SRAT_TYPE_X2APIC, "srat-cpu", ACPI_END(SRAT_X2APIC, FLAGS), {
        VALUE("id", SRAT_X2APIC, X2APIC_ID),
        VALUE("node", SRAT_X2APIC, DOMAIN),
        VALUE_BIT("enabled", SRAT_X2APIC, FLAGS, SRAT_ENABLED) } },
    { SRAT_TYPE_GICC, "srat-gicc", ACPI_END(SRAT_GICC, FLAGS), {
        VALUE("uid", SRAT_GICC, UID), VALUE("node", SRAT_GICC, DOMAIN),
        VALUE_BIT("enabled", SRAT_GICC, FLAGS, SRAT_ENABLED) } },
};

static void vtopo_acpi_print(VTopoAcpiTable *t, const uint8_t *s,
                             const VTopoAcpiRecord *r)
{
    g_string_append(t->out, r->kind);
    for (size_t i = 0; i < G_N_ELEMENTS(r->values) && r->values[i].name; i++) {
        const VTopoAcpiValue *v = &r->values[i];
        uint64_t x = vtopo_acpi_le(s + v->offset, v->size);

        if (v->high_size) {
            x |= vtopo_acpi_le(s + v->high_offset, v->high_size) <<
                 (8 * v->size);
        }
        if (v->mask) {
            x = !!(x & v->mask);
        }
        g_string_append_printf(t->out, v->hex ? " %s=0x%" PRIx64
                                              : " %s=%" PRIu64, v->name, x);
    }
    g_string_append_c(t->out, '\n');
}

/*
 * The subtables from @offset to the end: a record for each of a type in
 * @records (@n of them), others skipped.
 */
static bool vtopo_acpi_decode_subtables(VTopoAcpiTable *t, uint32_t offset,
                                        const VTopoAcpiRecord *records,
                                        size_t n)
{
    uint32_t type, len;

    for (; offset < t->len; offset += len) {
        if (!vtopo_acpi_subtable(t, offset, &type, &len)) {
            return false;
        }
        for (size_t i = 0; i < n; i++) {
            if (records[i].type != type) {
                continue;
            }
            if (!vtopo_acpi_need(t, offset, type, len, records[i].need)) {
                return false;
            }
            vtopo_acpi_print(t, t->buf + offset, &records[i]);
        }
    }
    return true;
}

static bool vtopo_acpi_decode_slit(VTopoAcpiTable *t)
{
    uint64_t n;

    if (t->len < ACPI_END(SLIT, LOCALITIES)) {
        return vtopo_acpi_fail(t, "SLIT is truncated");
    }
    n = ACPI_GET(t->buf, SLIT, LOCALITIES);
    /* n * n must fit in what follows, without overflowing */
    if (n > t->len || n * n > t->len - ACPI_END(SLIT, LOCALITIES)) {
        return vtopo_acpi_fail(t, "SLIT has %" PRIu64 " localities but %u "
                               "bytes", n, t->len);
    }
    for (uint64_t i = 0; i < n; i++) {
        for (uint64_t j = 0; j < n; j++) {
            g_string_append_printf(t->out,
                "slit from=%" PRIu64 " to=%" PRIu64 " distance=%u\n", i, j,
                t->buf[ACPI_END(SLIT, LOCALITIES) + i * n + j]);
        }
    }
    return true;
}

/*
 * Following @field (PARENT of nodes, NEXT_LEVEL of caches) from the
 * structure at @offset must reach 0 through structures of @type within
 * as many steps as the table has structures.
 */
static bool vtopo_acpi_pptt_chain(VTopoAcpiTable *t, GHashTable *types,
                                  uint32_t offset, uint32_t type,
                                  uint32_t field, const char *what)
{
    guint limit = g_hash_table_size(types);

    for (guint step = 0; offset; step++) {
        gpointer got;

        if (step > limit) {
            return vtopo_acpi_fail(t, "PPTT %s chain from 0x%x loops", what,
                                   offset);
        }
        offset = vtopo_acpi_le(t->buf + offset + field, 4);
        if (offset &&
            (!g_hash_table_lookup_extended(types, GUINT_TO_POINTER(offset),
                                           NULL, &got) ||
             GPOINTER_TO_UINT(got) != type)) {
            return vtopo_acpi_fail(t, "PPTT %s 0x%x is not a structure of "
                                   "type %u", what, offset, type);
        }
    }
    return true;
}

static bool vtopo_acpi_decode_pptt(VTopoAcpiTable *t)
{
    g_autoptr(GHashTable) types = g_hash_table_new(NULL, NULL);
    uint32_t offset, type, len;

    /* First pass: the structures, so that references can be checked */
    for (offset = PPTT_HEADER_LENGTH; offset < t->len; offset += len) {
        if (!vtopo_acpi_subtable(t, offset, &type, &len)) {
            return false;
        }
        if ((type == PPTT_TYPE_NODE &&
             !vtopo_acpi_need(t, offset, type, len,
                              ACPI_END(PPTT_NODE, RESOURCES))) ||
            (type == PPTT_TYPE_CACHE &&
             !vtopo_acpi_need(t, offset, type, len,
                              ACPI_END(PPTT_CACHE, LINE_SIZE)))) {
            return false;
        }
        g_hash_table_insert(types, GUINT_TO_POINTER(offset),
                            GUINT_TO_POINTER(type));
    }
    for (offset = PPTT_HEADER_LENGTH; offset < t->len; offset += len) {
        const uint8_t *s = t->buf + offset;
        uint64_t nr;

        vtopo_acpi_subtable(t, offset, &type, &len);
        if (type == PPTT_TYPE_NODE) {
            nr = ACPI_GET(s, PPTT_NODE, RESOURCES);
            if (nr > (len - ACPI_END(PPTT_NODE, RESOURCES)) / 4) {
                return vtopo_acpi_fail(t, "PPTT node at 0x%x lists %" PRIu64
                                       " resources in %u bytes", offset, nr,
                                       len);
            }
            if (!vtopo_acpi_pptt_chain(t, types, offset, PPTT_TYPE_NODE,
                                       A_PPTT_NODE_PARENT, "parent")) {
                return false;
            }
            g_string_append_printf(t->out,
                "pptt-node offset=0x%x flags=0x%" PRIx64 " parent=0x%" PRIx64
                " id=%" PRIu64 " resources=", offset,
                ACPI_GET(s, PPTT_NODE, FLAGS), ACPI_GET(s, PPTT_NODE, PARENT),
                ACPI_GET(s, PPTT_NODE, ID));
            for (uint64_t i = 0; i < nr; i++) {
                uint32_t r = vtopo_acpi_le(s + ACPI_END(PPTT_NODE, RESOURCES) +
                                           4 * i, 4);

                if (!g_hash_table_contains(types, GUINT_TO_POINTER(r))) {
                    return vtopo_acpi_fail(t, "PPTT node at 0x%x: resource "
                                           "0x%x is not a structure", offset,
                                           r);
                }
                g_string_append_printf(t->out, "%s0x%x", i ? "," : "", r);
            }
            g_string_append_c(t->out, '\n');
        } else if (type == PPTT_TYPE_CACHE) {
            if (!vtopo_acpi_pptt_chain(t, types, offset, PPTT_TYPE_CACHE,
                                       A_PPTT_CACHE_NEXT_LEVEL,
                                       "next level of cache")) {
                return false;
            }
            g_string_append_printf(t->out,
                "pptt-cache offset=0x%x flags=0x%" PRIx64 " next=0x%" PRIx64
                " size=%" PRIu64 " sets=%" PRIu64 " ways=%" PRIu64
                " attributes=0x%" PRIx64 " line=%" PRIu64 " id=", offset,
                ACPI_GET(s, PPTT_CACHE, FLAGS),
                ACPI_GET(s, PPTT_CACHE, NEXT_LEVEL),
                ACPI_GET(s, PPTT_CACHE, SIZE), ACPI_GET(s, PPTT_CACHE, SETS),
                ACPI_GET(s, PPTT_CACHE, WAYS),
                ACPI_GET(s, PPTT_CACHE, ATTRIBUTES),
                ACPI_GET(s, PPTT_CACHE, LINE_SIZE));
            /* The Cache ID exists from revision 3 (ACPI 6.4) */
            if (len >= ACPI_END(PPTT_CACHE, CACHE_ID)) {
                g_string_append_printf(t->out, "%" PRIu64 "\n",
                                       ACPI_GET(s, PPTT_CACHE, CACHE_ID));
            } else {
                g_string_append(t->out, "-\n");
            }
        }
    }
    return true;
}

bool vtopo_acpi_decode(const uint8_t *buf, size_t len, GString *out,
                       char **err)
{
    g_autoptr(GString) records = g_string_new("");
    VTopoAcpiTable t = { .buf = buf, .out = records, .err = err };
    uint8_t sum = 0;
    uint64_t length;
    bool ok;

    if (len < ACPI_END(HEADER, CREATOR_REVISION)) {
        return vtopo_acpi_fail(&t, "%zu bytes: no table header", len);
    }
    length = ACPI_GET(buf, HEADER, LENGTH);
    if (length < ACPI_END(HEADER, CREATOR_REVISION) || length > len) {
        return vtopo_acpi_fail(&t, "header length %" PRIu64 " with %zu "
                               "bytes", length, len);
    }
    t.len = length;
    for (uint32_t i = 0; i < t.len; i++) {
        sum += buf[i];
    }
    if (sum) {
        return vtopo_acpi_fail(&t, "bad checksum");
    }
    if (!memcmp(buf, "APIC", 4)) {
        ok = t.len >= ACPI_END(MADT, FLAGS) &&
             vtopo_acpi_decode_subtables(&t, ACPI_END(MADT, FLAGS),
                                         vtopo_acpi_madt_records,
                                         G_N_ELEMENTS(vtopo_acpi_madt_records));
    } else if (!memcmp(buf, "SRAT", 4)) {
        ok = t.len >= ACPI_END(SRAT, RESERVED) &&
             vtopo_acpi_decode_subtables(&t, ACPI_END(SRAT, RESERVED),
                                         vtopo_acpi_srat_records,
                                         G_N_ELEMENTS(vtopo_acpi_srat_records));
    } else if (!memcmp(buf, "SLIT", 4)) {
        ok = vtopo_acpi_decode_slit(&t);
    } else if (!memcmp(buf, "PPTT", 4)) {
        ok = vtopo_acpi_decode_pptt(&t);
    } else {
        return vtopo_acpi_fail(&t, "unknown signature %.4s", buf);
    }
    if (!ok && !*err) {
        vtopo_acpi_fail(&t, "%.4s is truncated", buf);
    }
    if (ok) {
        g_string_append_len(out, records->str, records->len);
    }
    return ok;
}

#ifndef VTOPO_ACPI_DECODE_NO_MAIN
int main(int argc, char **argv)
{
    g_autoptr(GString) out = g_string_new("");

    for (int i = 1; i < argc; i++) {
        g_autofree char *data = NULL;
        g_autofree char *err = NULL;
        gsize len;

        if (!g_file_get_contents(argv[i], &data, &len, NULL)) {
            fprintf(stderr, "acpi-decode: %s: cannot read\n", argv[i]);
            return 1;
        }
        if (!vtopo_acpi_decode((const uint8_t *)data, len, out, &err)) {
            fprintf(stderr, "acpi-decode: %s: %s\n", argv[i], err);
            return 1;
        }
    }
    fputs(out->str, stdout);
    return 0;
}
#endif
