/*
 * vtopo: decode the ACPI tables that describe the topology
 *
 * Field offsets are those of the ACPI 6.5 specification, named after its
 * tables: 5.2.6 (header), 5.2.12 (MADT), 5.2.16 (SRAT), 5.2.17 (SLIT),
 * 5.2.28 (HMAT) and 5.2.30 (PPTT).
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/registerfields.h"
#include "hw/acpi/vtopo/acpi-decode.h"

/*
 * A field of an ACPI structure: its byte offset and length, as the
 * specification's tables give them (fields of 3 and 36 bytes included,
 * which hw/registerfields.h's REGn() cannot describe).  The bits within
 * a field are FIELD()s.
 */
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
FIELD(MADT_CPU_FLAGS, ENABLED, 0, 1)
#define MADT_TYPE_LAPIC     0
#define MADT_TYPE_X2APIC    9
#define MADT_TYPE_GICC      0xb

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
ACPI_FIELD(SRAT_GENERIC_INITIATOR, DOMAIN, 4, 4)
ACPI_FIELD(SRAT_GENERIC_INITIATOR, FLAGS, 24, 4)
FIELD(SRAT_FLAGS, ENABLED, 0, 1)
#define SRAT_TYPE_APIC      0
#define SRAT_TYPE_MEMORY    1
#define SRAT_TYPE_X2APIC    2
#define SRAT_TYPE_GICC      3
#define SRAT_TYPE_GENERIC_INITIATOR 5

/* Table 5.93: SLIT */
ACPI_FIELD(SLIT, LOCALITIES, 36, 8)

/*
 * Table 5.33: HMAT; its structures have a 2-byte type and a 4-byte
 * length (Tables 5.34 and 5.36).
 */
ACPI_FIELD(HMAT, RESERVED, 36, 4)
ACPI_FIELD(HMAT_STRUCTURE, TYPE, 0, 2)
ACPI_FIELD(HMAT_STRUCTURE, LENGTH, 4, 4)
ACPI_FIELD(HMAT_DOMAIN, FLAGS, 8, 2)
ACPI_FIELD(HMAT_DOMAIN, INITIATOR, 12, 4)
ACPI_FIELD(HMAT_DOMAIN, MEMORY, 16, 4)
ACPI_FIELD(HMAT_LOCALITY, INITIATORS, 12, 4)
ACPI_FIELD(HMAT_LOCALITY, TARGETS, 16, 4)
ACPI_FIELD(HMAT_LOCALITY, ENTRY_BASE_UNIT, 24, 8)
FIELD(HMAT_DOMAIN_FLAGS, INITIATOR_VALID, 0, 1)
#define HMAT_TYPE_DOMAIN    0
#define HMAT_TYPE_LOCALITY  1

/* Tables 5.158 and 5.161: PPTT processor hierarchy node and cache type */
ACPI_FIELD(PPTT, HEADER, 0, 36)
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
FIELD(PPTT_CACHE_ATTRIBUTES, CACHE_TYPE, 2, 2)
#define PPTT_TYPE_NODE      0
#define PPTT_TYPE_CACHE     1

static uint64_t vtopo_acpi_le(const uint8_t *p, unsigned int size)
{
    uint64_t v = 0;

    for (unsigned int i = size; i > 0; i--) {
        v = v << 8 | p[i - 1];
    }
    return v;
}

/* One table being decoded into @out, which is merged on success. */
typedef struct VTopoAcpiTable {
    const uint8_t *buf;
    uint32_t len;
    VTopoAcpiTables *out;
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

static bool vtopo_acpi_decode_madt(VTopoAcpiTable *t)
{
    uint32_t offset, type, len;

    if (t->len < ACPI_END(MADT, FLAGS)) {
        return vtopo_acpi_fail(t, "MADT is truncated");
    }
    for (offset = ACPI_END(MADT, FLAGS); offset < t->len; offset += len) {
        const uint8_t *s = t->buf + offset;
        VTopoAcpiProcessor p;
        uint64_t flags;

        if (!vtopo_acpi_subtable(t, offset, &type, &len)) {
            return false;
        }
        switch (type) {
        case MADT_TYPE_LAPIC:
            if (!vtopo_acpi_need(t, offset, type, len,
                                 ACPI_END(MADT_LAPIC, FLAGS))) {
                return false;
            }
            p = (VTopoAcpiProcessor) {
                .type = VTOPO_ACPI_LOCAL_APIC,
                .uid = ACPI_GET(s, MADT_LAPIC, UID),
                .arch_id = ACPI_GET(s, MADT_LAPIC, APIC_ID),
            };
            flags = ACPI_GET(s, MADT_LAPIC, FLAGS);
            break;
        case MADT_TYPE_X2APIC:
            if (!vtopo_acpi_need(t, offset, type, len,
                                 ACPI_END(MADT_X2APIC, UID))) {
                return false;
            }
            p = (VTopoAcpiProcessor) {
                .type = VTOPO_ACPI_LOCAL_X2APIC,
                .uid = ACPI_GET(s, MADT_X2APIC, UID),
                .arch_id = ACPI_GET(s, MADT_X2APIC, X2APIC_ID),
            };
            flags = ACPI_GET(s, MADT_X2APIC, FLAGS);
            break;
        case MADT_TYPE_GICC:
            if (!vtopo_acpi_need(t, offset, type, len,
                                 ACPI_END(MADT_GICC, MPIDR))) {
                return false;
            }
            p = (VTopoAcpiProcessor) {
                .type = VTOPO_ACPI_GICC,
                .uid = ACPI_GET(s, MADT_GICC, UID),
                .arch_id = ACPI_GET(s, MADT_GICC, MPIDR),
            };
            flags = ACPI_GET(s, MADT_GICC, FLAGS);
            break;
        default:
            continue;
        }
        p.enabled = FIELD_EX32(flags, MADT_CPU_FLAGS, ENABLED);
        g_array_append_val(t->out->processors, p);
    }
    return true;
}

/* SRAT Processor (x2)APIC or GICC Affinity structure @type at @offset */
static bool vtopo_acpi_srat_cpu(VTopoAcpiTable *t, uint32_t offset,
                                uint32_t type, uint32_t len)
{
    const uint8_t *s = t->buf + offset;
    VTopoAcpiCpuAffinity cpu;
    uint64_t flags;

    switch (type) {
    case SRAT_TYPE_APIC:
        if (!vtopo_acpi_need(t, offset, type, len,
                             ACPI_END(SRAT_APIC, DOMAIN_HIGH))) {
            return false;
        }
        /* The proximity domain is split: bits 7:0, then 31:8 */
        cpu = (VTopoAcpiCpuAffinity) {
            .id = ACPI_GET(s, SRAT_APIC, APIC_ID),
            .domain = ACPI_GET(s, SRAT_APIC, DOMAIN_LOW) |
                      ACPI_GET(s, SRAT_APIC, DOMAIN_HIGH) <<
                      (8 * L_SRAT_APIC_DOMAIN_LOW),
        };
        flags = ACPI_GET(s, SRAT_APIC, FLAGS);
        break;
    case SRAT_TYPE_X2APIC:
        if (!vtopo_acpi_need(t, offset, type, len,
                             ACPI_END(SRAT_X2APIC, FLAGS))) {
            return false;
        }
        cpu = (VTopoAcpiCpuAffinity) {
            .id = ACPI_GET(s, SRAT_X2APIC, X2APIC_ID),
            .domain = ACPI_GET(s, SRAT_X2APIC, DOMAIN),
        };
        flags = ACPI_GET(s, SRAT_X2APIC, FLAGS);
        break;
    default:
        g_assert(type == SRAT_TYPE_GICC);
        if (!vtopo_acpi_need(t, offset, type, len,
                             ACPI_END(SRAT_GICC, FLAGS))) {
            return false;
        }
        cpu = (VTopoAcpiCpuAffinity) {
            .by_uid = true,
            .id = ACPI_GET(s, SRAT_GICC, UID),
            .domain = ACPI_GET(s, SRAT_GICC, DOMAIN),
        };
        flags = ACPI_GET(s, SRAT_GICC, FLAGS);
        break;
    }
    cpu.enabled = FIELD_EX32(flags, SRAT_FLAGS, ENABLED);
    g_array_append_val(t->out->cpu_affinity, cpu);
    return true;
}

/* SRAT Memory Affinity structure at @offset */
static bool vtopo_acpi_srat_memory(VTopoAcpiTable *t, uint32_t offset,
                                   uint32_t len)
{
    const uint8_t *s = t->buf + offset;
    VTopoAcpiMemAffinity mem;

    if (!vtopo_acpi_need(t, offset, SRAT_TYPE_MEMORY, len,
                         ACPI_END(SRAT_MEMORY, FLAGS))) {
        return false;
    }
    mem = (VTopoAcpiMemAffinity) {
        .domain = ACPI_GET(s, SRAT_MEMORY, DOMAIN),
        .base = ACPI_GET(s, SRAT_MEMORY, BASE),
        .length = ACPI_GET(s, SRAT_MEMORY, LENGTH),
        .flags = ACPI_GET(s, SRAT_MEMORY, FLAGS),
    };
    g_array_append_val(t->out->mem_affinity, mem);
    return true;
}

/* SRAT Generic Initiator Affinity structure at @offset */
static bool vtopo_acpi_srat_initiator(VTopoAcpiTable *t, uint32_t offset,
                                      uint32_t len)
{
    const uint8_t *s = t->buf + offset;

    if (!vtopo_acpi_need(t, offset, SRAT_TYPE_GENERIC_INITIATOR, len,
                         ACPI_END(SRAT_GENERIC_INITIATOR, FLAGS))) {
        return false;
    }
    if (FIELD_EX32(ACPI_GET(s, SRAT_GENERIC_INITIATOR, FLAGS),
                   SRAT_FLAGS, ENABLED)) {
        uint32_t domain = ACPI_GET(s, SRAT_GENERIC_INITIATOR, DOMAIN);

        g_array_append_val(t->out->initiator_domains, domain);
    }
    return true;
}

static bool vtopo_acpi_decode_srat(VTopoAcpiTable *t)
{
    uint32_t offset, type, len;

    if (t->len < ACPI_END(SRAT, RESERVED)) {
        return vtopo_acpi_fail(t, "SRAT is truncated");
    }
    for (offset = ACPI_END(SRAT, RESERVED); offset < t->len; offset += len) {
        bool ok = true;

        if (!vtopo_acpi_subtable(t, offset, &type, &len)) {
            return false;
        }
        switch (type) {
        case SRAT_TYPE_APIC:
        case SRAT_TYPE_X2APIC:
        case SRAT_TYPE_GICC:
            ok = vtopo_acpi_srat_cpu(t, offset, type, len);
            break;
        case SRAT_TYPE_MEMORY:
            ok = vtopo_acpi_srat_memory(t, offset, len);
            break;
        case SRAT_TYPE_GENERIC_INITIATOR:
            ok = vtopo_acpi_srat_initiator(t, offset, len);
            break;
        }
        if (!ok) {
            return false;
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
    t->out->slit_localities = n;
    t->out->slit = g_memdup2(t->buf + ACPI_END(SLIT, LOCALITIES), n * n);
    return true;
}

/* Append @n 4-byte proximity domains at @p to @list. */
static void vtopo_acpi_hmat_domains(GArray *list, const uint8_t *p,
                                    uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint32_t domain = vtopo_acpi_le(p + 4 * i, 4);

        g_array_append_val(list, domain);
    }
}

static bool vtopo_acpi_decode_hmat(VTopoAcpiTable *t)
{
    uint32_t offset, len;

    if (t->len < ACPI_END(HMAT, RESERVED)) {
        return vtopo_acpi_fail(t, "HMAT is truncated");
    }
    for (offset = ACPI_END(HMAT, RESERVED); offset < t->len; offset += len) {
        const uint8_t *s = t->buf + offset;
        uint32_t type;

        if (t->len - offset < ACPI_END(HMAT_STRUCTURE, LENGTH)) {
            return vtopo_acpi_fail(t, "HMAT structure at 0x%x is truncated",
                                   offset);
        }
        type = ACPI_GET(s, HMAT_STRUCTURE, TYPE);
        len = ACPI_GET(s, HMAT_STRUCTURE, LENGTH);
        if (len < ACPI_END(HMAT_STRUCTURE, LENGTH) || len > t->len - offset) {
            return vtopo_acpi_fail(t, "HMAT structure at 0x%x has length %u",
                                   offset, len);
        }
        if (type == HMAT_TYPE_DOMAIN) {
            VTopoAcpiHmatDomain d;

            if (!vtopo_acpi_need(t, offset, type, len,
                                 ACPI_END(HMAT_DOMAIN, MEMORY))) {
                return false;
            }
            d.initiator = FIELD_EX32(ACPI_GET(s, HMAT_DOMAIN, FLAGS),
                                     HMAT_DOMAIN_FLAGS, INITIATOR_VALID) ?
                          (int64_t)ACPI_GET(s, HMAT_DOMAIN, INITIATOR) : -1;
            d.memory = ACPI_GET(s, HMAT_DOMAIN, MEMORY);
            g_array_append_val(t->out->hmat_domains, d);
        } else if (type == HMAT_TYPE_LOCALITY) {
            uint64_t initiators, targets;

            if (!vtopo_acpi_need(t, offset, type, len,
                                 ACPI_END(HMAT_LOCALITY, ENTRY_BASE_UNIT))) {
                return false;
            }
            initiators = ACPI_GET(s, HMAT_LOCALITY, INITIATORS);
            targets = ACPI_GET(s, HMAT_LOCALITY, TARGETS);
            /* Both lists, then a 2-byte entry per pair (Table 5.37) */
            if (initiators + targets > len ||
                4 * (initiators + targets) + 2 * initiators * targets >
                len - ACPI_END(HMAT_LOCALITY, ENTRY_BASE_UNIT)) {
                return vtopo_acpi_fail(t, "HMAT locality at 0x%x lists %"
                                       PRIu64 " initiators and %" PRIu64
                                       " targets in %u bytes", offset,
                                       initiators, targets, len);
            }
            s += ACPI_END(HMAT_LOCALITY, ENTRY_BASE_UNIT);
            vtopo_acpi_hmat_domains(t->out->hmat_initiators, s, initiators);
            vtopo_acpi_hmat_domains(t->out->hmat_targets, s + 4 * initiators,
                                    targets);
        }
    }
    return true;
}

/* Binary search of the @offset member of @array's elements of @size. */
static const void *vtopo_acpi_find(GArray *array, size_t size,
                                   uint32_t offset)
{
    guint lo = 0, hi = array->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const void *e = array->data + mid * size;
        uint32_t at = *(const uint32_t *)e;

        if (at == offset) {
            return e;
        } else if (at < offset) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

const VTopoAcpiPpttNode *vtopo_acpi_pptt_node(const VTopoAcpiTables *t,
                                              uint32_t offset)
{
    G_STATIC_ASSERT(offsetof(VTopoAcpiPpttNode, offset) == 0);
    return vtopo_acpi_find(t->pptt_nodes, sizeof(VTopoAcpiPpttNode), offset);
}

const VTopoAcpiPpttCache *vtopo_acpi_pptt_cache(const VTopoAcpiTables *t,
                                                uint32_t offset)
{
    G_STATIC_ASSERT(offsetof(VTopoAcpiPpttCache, offset) == 0);
    return vtopo_acpi_find(t->pptt_caches, sizeof(VTopoAcpiPpttCache),
                           offset);
}

/*
 * Following Parent (of nodes) or Next Level of Cache (of caches) from
 * every structure must reach 0 through structures of the same type
 * within as many steps as there are structures.
 */
static bool vtopo_acpi_pptt_chains(VTopoAcpiTable *t)
{
    VTopoAcpiTables *o = t->out;

    for (guint i = 0; i < o->pptt_nodes->len; i++) {
        const VTopoAcpiPpttNode *n =
            &g_array_index(o->pptt_nodes, VTopoAcpiPpttNode, i);
        uint32_t start = n->offset;

        for (guint step = 0; n->parent; step++) {
            const VTopoAcpiPpttNode *parent = vtopo_acpi_pptt_node(o,
                                                                   n->parent);

            if (!parent) {
                return vtopo_acpi_fail(t, "PPTT parent 0x%x is not a "
                                       "structure of type %u", n->parent,
                                       PPTT_TYPE_NODE);
            }
            if (step >= o->pptt_nodes->len) {
                return vtopo_acpi_fail(t, "PPTT parent chain from 0x%x "
                                       "loops", start);
            }
            n = parent;
        }
    }
    for (guint i = 0; i < o->pptt_caches->len; i++) {
        const VTopoAcpiPpttCache *c =
            &g_array_index(o->pptt_caches, VTopoAcpiPpttCache, i);
        uint32_t start = c->offset;

        for (guint step = 0; c->next_level; step++) {
            const VTopoAcpiPpttCache *next =
                vtopo_acpi_pptt_cache(o, c->next_level);

            if (!next) {
                return vtopo_acpi_fail(t, "PPTT next level of cache 0x%x is "
                                       "not a structure of type %u",
                                       c->next_level, PPTT_TYPE_CACHE);
            }
            if (step >= o->pptt_caches->len) {
                return vtopo_acpi_fail(t, "PPTT next level of cache chain "
                                       "from 0x%x loops", start);
            }
            c = next;
        }
    }
    for (guint i = 0; i < o->pptt_resources->len; i++) {
        uint32_t r = g_array_index(o->pptt_resources, uint32_t, i);

        if (!vtopo_acpi_pptt_cache(o, r) && !vtopo_acpi_pptt_node(o, r)) {
            return vtopo_acpi_fail(t, "PPTT resource 0x%x is not a "
                                   "structure", r);
        }
    }
    return true;
}

static bool vtopo_acpi_decode_pptt(VTopoAcpiTable *t)
{
    uint32_t offset, type, len;

    for (offset = ACPI_END(PPTT, HEADER); offset < t->len; offset += len) {
        const uint8_t *s = t->buf + offset;

        if (!vtopo_acpi_subtable(t, offset, &type, &len)) {
            return false;
        }
        if (type == PPTT_TYPE_NODE) {
            VTopoAcpiPpttNode n;
            uint64_t nr;

            if (!vtopo_acpi_need(t, offset, type, len,
                                 ACPI_END(PPTT_NODE, RESOURCES))) {
                return false;
            }
            nr = ACPI_GET(s, PPTT_NODE, RESOURCES);
            if (nr > (len - ACPI_END(PPTT_NODE, RESOURCES)) / 4) {
                return vtopo_acpi_fail(t, "PPTT node at 0x%x lists %" PRIu64
                                       " resources in %u bytes", offset, nr,
                                       len);
            }
            n = (VTopoAcpiPpttNode) {
                .offset = offset,
                .flags = ACPI_GET(s, PPTT_NODE, FLAGS),
                .parent = ACPI_GET(s, PPTT_NODE, PARENT),
                .id = ACPI_GET(s, PPTT_NODE, ID),
                .first_resource = t->out->pptt_resources->len,
                .nr_resources = nr,
            };
            for (uint64_t i = 0; i < nr; i++) {
                uint32_t r = vtopo_acpi_le(s + ACPI_END(PPTT_NODE, RESOURCES) +
                                           4 * i, 4);

                g_array_append_val(t->out->pptt_resources, r);
            }
            g_array_append_val(t->out->pptt_nodes, n);
        } else if (type == PPTT_TYPE_CACHE) {
            VTopoAcpiPpttCache c;

            if (!vtopo_acpi_need(t, offset, type, len,
                                 ACPI_END(PPTT_CACHE, LINE_SIZE))) {
                return false;
            }
            c = (VTopoAcpiPpttCache) {
                .offset = offset,
                .flags = ACPI_GET(s, PPTT_CACHE, FLAGS),
                .next_level = ACPI_GET(s, PPTT_CACHE, NEXT_LEVEL),
                .size = ACPI_GET(s, PPTT_CACHE, SIZE),
                .sets = ACPI_GET(s, PPTT_CACHE, SETS),
                .ways = ACPI_GET(s, PPTT_CACHE, WAYS),
                .attributes = ACPI_GET(s, PPTT_CACHE, ATTRIBUTES),
                .line_size = ACPI_GET(s, PPTT_CACHE, LINE_SIZE),
                /* The Cache ID exists from revision 3 (ACPI 6.4) */
                .cache_id = len >= ACPI_END(PPTT_CACHE, CACHE_ID) ?
                            (int64_t)ACPI_GET(s, PPTT_CACHE, CACHE_ID) : -1,
            };
            c.cache_type = FIELD_EX32(c.attributes, PPTT_CACHE_ATTRIBUTES,
                                      CACHE_TYPE);
            g_array_append_val(t->out->pptt_caches, c);
        }
    }
    return vtopo_acpi_pptt_chains(t);
}

VTopoAcpiTables *vtopo_acpi_tables_new(void)
{
    VTopoAcpiTables *t = g_new0(VTopoAcpiTables, 1);

    t->processors = g_array_new(false, false, sizeof(VTopoAcpiProcessor));
    t->cpu_affinity = g_array_new(false, false, sizeof(VTopoAcpiCpuAffinity));
    t->mem_affinity = g_array_new(false, false, sizeof(VTopoAcpiMemAffinity));
    t->initiator_domains = g_array_new(false, false, sizeof(uint32_t));
    t->pptt_nodes = g_array_new(false, false, sizeof(VTopoAcpiPpttNode));
    t->pptt_caches = g_array_new(false, false, sizeof(VTopoAcpiPpttCache));
    t->pptt_resources = g_array_new(false, false, sizeof(uint32_t));
    t->hmat_domains = g_array_new(false, false, sizeof(VTopoAcpiHmatDomain));
    t->hmat_initiators = g_array_new(false, false, sizeof(uint32_t));
    t->hmat_targets = g_array_new(false, false, sizeof(uint32_t));
    return t;
}

void vtopo_acpi_tables_free(VTopoAcpiTables *t)
{
    if (!t) {
        return;
    }
    g_array_free(t->processors, true);
    g_array_free(t->cpu_affinity, true);
    g_array_free(t->mem_affinity, true);
    g_array_free(t->initiator_domains, true);
    g_free(t->slit);
    g_array_free(t->pptt_nodes, true);
    g_array_free(t->pptt_caches, true);
    g_array_free(t->pptt_resources, true);
    g_array_free(t->hmat_domains, true);
    g_array_free(t->hmat_initiators, true);
    g_array_free(t->hmat_targets, true);
    g_free(t);
}

/* Which table a signature is, and how it is decoded. */
static const struct {
    char signature[5];
    size_t has;
    bool (*decode)(VTopoAcpiTable *t);
} vtopo_acpi_decoders[] = {
    { "APIC", offsetof(VTopoAcpiTables, has_madt), vtopo_acpi_decode_madt },
    { "SRAT", offsetof(VTopoAcpiTables, has_srat), vtopo_acpi_decode_srat },
    { "SLIT", offsetof(VTopoAcpiTables, has_slit), vtopo_acpi_decode_slit },
    { "PPTT", offsetof(VTopoAcpiTables, has_pptt), vtopo_acpi_decode_pptt },
    { "HMAT", offsetof(VTopoAcpiTables, has_hmat), vtopo_acpi_decode_hmat },
};

/* Move what @from decoded to the end of @to. */
static void vtopo_acpi_tables_merge(VTopoAcpiTables *to,
                                    VTopoAcpiTables *from)
{
    GArray **arrays[][2] = {
        { &to->processors, &from->processors },
        { &to->cpu_affinity, &from->cpu_affinity },
        { &to->mem_affinity, &from->mem_affinity },
        { &to->initiator_domains, &from->initiator_domains },
        { &to->pptt_nodes, &from->pptt_nodes },
        { &to->pptt_caches, &from->pptt_caches },
        { &to->pptt_resources, &from->pptt_resources },
        { &to->hmat_domains, &from->hmat_domains },
        { &to->hmat_initiators, &from->hmat_initiators },
        { &to->hmat_targets, &from->hmat_targets },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(arrays); i++) {
        GArray *src = *arrays[i][1];

        g_array_append_vals(*arrays[i][0], src->data, src->len);
    }
    if (from->slit) {
        to->slit = g_steal_pointer(&from->slit);
        to->slit_localities = from->slit_localities;
    }
}

bool vtopo_acpi_decode_table(VTopoAcpiTables *t, const uint8_t *buf,
                             size_t len, char **err)
{
    g_autoptr(VTopoAcpiTables) decoded = vtopo_acpi_tables_new();
    VTopoAcpiTable table = { .buf = buf, .out = decoded, .err = err };
    uint8_t sum = 0;
    uint64_t length;

    if (len < ACPI_END(HEADER, CREATOR_REVISION)) {
        return vtopo_acpi_fail(&table, "%zu bytes: no table header", len);
    }
    length = ACPI_GET(buf, HEADER, LENGTH);
    if (length < ACPI_END(HEADER, CREATOR_REVISION) || length > len) {
        return vtopo_acpi_fail(&table, "header length %" PRIu64 " with %zu "
                               "bytes", length, len);
    }
    table.len = length;
    for (uint32_t i = 0; i < table.len; i++) {
        sum += buf[i];
    }
    if (sum) {
        return vtopo_acpi_fail(&table, "bad checksum");
    }
    for (size_t i = 0; i < G_N_ELEMENTS(vtopo_acpi_decoders); i++) {
        bool *has;

        if (memcmp(buf, vtopo_acpi_decoders[i].signature,
                   L_HEADER_SIGNATURE)) {
            continue;
        }
        has = (bool *)((char *)t + vtopo_acpi_decoders[i].has);
        if (*has) {
            return vtopo_acpi_fail(&table, "a second %.4s", buf);
        }
        if (!vtopo_acpi_decoders[i].decode(&table)) {
            return false;
        }
        *has = true;
        vtopo_acpi_tables_merge(t, decoded);
        return true;
    }
    return vtopo_acpi_fail(&table, "unknown signature %.4s", buf);
}
