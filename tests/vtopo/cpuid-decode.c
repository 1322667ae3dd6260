/*
 * cpuid-decode: read the CPUID dump of tests/vtopo/guest/cpuid-dump.c
 * (lines "cpuid cpu=N leaf=0x.. sub=0x.. eax=0x.. ebx=0x.. ecx=0x..
 * edx=0x..", other lines ignored) and print, per CPU, the topology and
 * caches the leaves describe:
 *
 *   topo cpu=N vendor=intel x2apic=ID leaf=0x1f levels=smt:1,core:3,die:4
 *   amd cpu=N logical=8 nc=7 apic_id_size=3 threads_per_core=2
 *   cache cpu=N level=1 type=data size=32768 ways=8 line=64 partitions=1
 *         sets=64 sharing_ids=2
 *
 * Field positions are this file's own, written from the manuals (Intel
 * SDM vol. 2A, CPUID; AMD APM vol. 3, appendix E), not taken from the
 * encoder's headers: a field the encoder puts one bit off shows here.
 * Input is untrusted: a malformed line is an error with its number.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "cpuid-decode.h"

/* A field of a CPUID register: bits [lo + width - 1:lo]. */
typedef struct CpuidField {
    unsigned int lo, width;
} CpuidField;

/* SDM: leaf 01H EBX[23:16], maximum addressable logical processor IDs. */
static const CpuidField leaf1_ebx_logical = { 16, 8 };
/* SDM: leaves 0BH and 1FH, EAX[4:0] x2APIC ID shift, ECX[15:8] type. */
static const CpuidField topo_eax_shift = { 0, 5 };
static const CpuidField topo_ecx_type = { 8, 8 };
/*
 * SDM leaf 04H, APM Fn8000_001D (the same layout): EAX[4:0] type,
 * EAX[7:5] level, EAX[25:14] logical processors sharing it minus 1;
 * EBX[11:0] line size, EBX[21:12] partitions, EBX[31:22] ways, each
 * minus 1; ECX[31:0] sets minus 1.
 */
static const CpuidField cache_eax_type = { 0, 5 };
static const CpuidField cache_eax_level = { 5, 3 };
static const CpuidField cache_eax_sharing = { 14, 12 };
static const CpuidField cache_ebx_line = { 0, 12 };
static const CpuidField cache_ebx_partitions = { 12, 10 };
static const CpuidField cache_ebx_ways = { 22, 10 };
static const CpuidField cache_ecx_sets = { 0, 32 };
/* APM: Fn8000_0008 ECX[7:0] NC, ECX[15:12] ApicIdSize. */
static const CpuidField amd_ecx_nc = { 0, 8 };
static const CpuidField amd_ecx_apic_id_size = { 12, 4 };
/* APM: Fn8000_001E EBX[15:8] ThreadsPerComputeUnit (minus 1). */
static const CpuidField amd_ebx_threads_per_core = { 8, 8 };

static uint32_t cpuid_field(uint32_t reg, CpuidField f)
{
    return f.width == 32 ? reg : (reg >> f.lo) & ((1u << f.width) - 1);
}

/* SDM leaf 1FH level types (0BH has the first two). */
static const char *const cpuid_level_names[] = {
    [1] = "smt", [2] = "core", [3] = "module", [4] = "tile", [5] = "die",
};

bool vtopo_cpuid_parse_line(const char *line, VTopoCpuidRecord *rec)
{
    unsigned int cpu;
    unsigned int leaf, sub, eax, ebx, ecx, edx;
    int end = -1;

    if (sscanf(line, "cpuid cpu=%u leaf=0x%x sub=0x%x eax=0x%x ebx=0x%x "
               "ecx=0x%x edx=0x%x%n", &cpu, &leaf, &sub, &eax, &ebx, &ecx,
               &edx, &end) != 7 || end < 0 ||
        (line[end] != '\0' && line[end] != '\n' && line[end] != '\r') ||
        cpu >= VTOPO_CPUID_MAX_CPUS) {
        return false;
    }
    *rec = (VTopoCpuidRecord) {
        .cpu = cpu, .leaf = leaf, .sub = sub,
        .regs = { eax, ebx, ecx, edx },
    };
    return true;
}

VTopoCpuidDump *vtopo_cpuid_dump_new(void)
{
    VTopoCpuidDump *d = g_new0(VTopoCpuidDump, 1);

    d->regs = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                    g_free);
    return d;
}

void vtopo_cpuid_dump_free(VTopoCpuidDump *d)
{
    if (d) {
        g_hash_table_destroy(d->regs);
        g_free(d);
    }
}

static gint64 *vtopo_cpuid_key(unsigned int cpu, uint32_t leaf, uint32_t sub)
{
    gint64 *key = g_new(gint64, 1);

    /* cpu < 2^16, sub < 2^16 in dumps; leaf is 32 bits */
    *key = ((gint64)cpu << 48) | ((gint64)(sub & 0xffff) << 32) | leaf;
    return key;
}

void vtopo_cpuid_dump_add(VTopoCpuidDump *d, const VTopoCpuidRecord *rec)
{
    g_hash_table_replace(d->regs, vtopo_cpuid_key(rec->cpu, rec->leaf,
                                                  rec->sub),
                         g_memdup2(&rec->regs, sizeof(rec->regs)));
    d->nr_cpus = MAX(d->nr_cpus, rec->cpu + 1);
}

const VTopoCpuidRegs *vtopo_cpuid_dump_get(const VTopoCpuidDump *d,
                                           unsigned int cpu, uint32_t leaf,
                                           uint32_t sub)
{
    g_autofree gint64 *key = vtopo_cpuid_key(cpu, leaf, sub);

    return g_hash_table_lookup(d->regs, key);
}

static bool vtopo_cpuid_is_amd(const VTopoCpuidDump *d, unsigned int cpu)
{
    const VTopoCpuidRegs *r = vtopo_cpuid_dump_get(d, cpu, 0, 0);

    /* "AuthenticAMD" in EBX, EDX, ECX */
    return r && r->ebx == 0x68747541 && r->edx == 0x69746e65 &&
           r->ecx == 0x444d4163;
}

void vtopo_cpuid_decode_topology(const VTopoCpuidDump *d, unsigned int cpu,
                                 GString *out)
{
    const VTopoCpuidRegs *max = vtopo_cpuid_dump_get(d, cpu, 0, 0);
    uint32_t leaf = max && max->eax >= 0x1f &&
                    vtopo_cpuid_dump_get(d, cpu, 0x1f, 0) &&
                    cpuid_field(vtopo_cpuid_dump_get(d, cpu, 0x1f, 0)->ecx,
                                topo_ecx_type) ? 0x1f : 0xb;
    const VTopoCpuidRegs *r = vtopo_cpuid_dump_get(d, cpu, leaf, 0);

    g_string_append_printf(out, "topo cpu=%u vendor=%s", cpu,
                           vtopo_cpuid_is_amd(d, cpu) ? "amd" : "intel");
    if (!r || !cpuid_field(r->ecx, topo_ecx_type)) {
        g_string_append(out, " x2apic=- leaf=- levels=-\n");
        return;
    }
    g_string_append_printf(out, " x2apic=%u leaf=0x%x levels=", r->edx, leaf);
    for (uint32_t sub = 0; r && sub < 64; r = vtopo_cpuid_dump_get(d, cpu,
                                                                   leaf, ++sub)) {
        uint32_t type = cpuid_field(r->ecx, topo_ecx_type);

        if (!type) {
            break;
        }
        g_string_append_printf(out, "%s%s:%u", sub ? "," : "",
                               type < G_N_ELEMENTS(cpuid_level_names) &&
                               cpuid_level_names[type] ?
                               cpuid_level_names[type] : "unknown",
                               cpuid_field(r->eax, topo_eax_shift));
    }
    g_string_append_c(out, '\n');
}

void vtopo_cpuid_decode_amd(const VTopoCpuidDump *d, unsigned int cpu,
                            GString *out)
{
    const VTopoCpuidRegs *max = vtopo_cpuid_dump_get(d, cpu, 0x80000000, 0);
    const VTopoCpuidRegs *l1 = vtopo_cpuid_dump_get(d, cpu, 1, 0);
    const VTopoCpuidRegs *size = vtopo_cpuid_dump_get(d, cpu, 0x80000008, 0);
    const VTopoCpuidRegs *topo = vtopo_cpuid_dump_get(d, cpu, 0x8000001e, 0);

    if (!vtopo_cpuid_is_amd(d, cpu) || !max || !l1 || !size ||
        max->eax < 0x80000008) {
        return;
    }
    g_string_append_printf(out, "amd cpu=%u logical=%u nc=%u apic_id_size=%u",
                           cpu,
                           cpuid_field(l1->ebx, leaf1_ebx_logical),
                           cpuid_field(size->ecx, amd_ecx_nc),
                           cpuid_field(size->ecx, amd_ecx_apic_id_size));
    if (topo && max->eax >= 0x8000001e) {
        g_string_append_printf(out, " threads_per_core=%u",
                               cpuid_field(topo->ebx,
                                           amd_ebx_threads_per_core) + 1);
    } else {
        g_string_append(out, " threads_per_core=-");
    }
    g_string_append_c(out, '\n');
}

/*
 * SDM leaf 04H EAX[4:0]: 0 null (no more caches), 1 data,
 * 2 instruction, 3 unified.
 */
static const char *vtopo_cpuid4_type_name(uint32_t type)
{
    switch (type) {
    case 1:
        return "data";
    case 2:
        return "instruction";
    case 3:
        return "unified";
    default:
        return "unknown";
    }
}

/* Leaf 04H or Fn8000_001D: returns false at the null subleaf. */
static bool vtopo_cpuid4_decode(const VTopoCpuidRegs *r, unsigned int cpu,
                                GString *out)
{
    uint32_t type = cpuid_field(r->eax, cache_eax_type);
    uint64_t ways = cpuid_field(r->ebx, cache_ebx_ways) + 1;
    uint64_t partitions = cpuid_field(r->ebx, cache_ebx_partitions) + 1;
    uint64_t line = cpuid_field(r->ebx, cache_ebx_line) + 1;
    uint64_t sets = (uint64_t)cpuid_field(r->ecx, cache_ecx_sets) + 1;

    if (type == 0) {
        return false;
    }
    g_string_append_printf(out, "cache cpu=%u level=%u type=%s size=%" PRIu64
                           " ways=%" PRIu64 " line=%" PRIu64 " partitions=%"
                           PRIu64 " sets=%" PRIu64 " sharing_ids=%u\n", cpu,
                           cpuid_field(r->eax, cache_eax_level),
                           vtopo_cpuid4_type_name(type),
                           ways * partitions * line * sets, ways, line,
                           partitions, sets,
                           cpuid_field(r->eax, cache_eax_sharing) + 1);
    return true;
}

void vtopo_cpuid_decode_caches(const VTopoCpuidDump *d, unsigned int cpu,
                               GString *out)
{
    /* Fn8000_001D on AMD (when the dump has it), leaf 04H otherwise. */
    uint32_t leaf = vtopo_cpuid_is_amd(d, cpu) &&
                    vtopo_cpuid_dump_get(d, cpu, 0x8000001d, 0) ?
                    0x8000001d : 0x4;

    for (uint32_t sub = 0; sub < 64; sub++) {
        const VTopoCpuidRegs *r = vtopo_cpuid_dump_get(d, cpu, leaf, sub);

        if (!r || !vtopo_cpuid4_decode(r, cpu, out)) {
            break;
        }
    }
}

#ifndef VTOPO_CPUID_DECODE_NO_MAIN
int main(void)
{
    g_autoptr(GString) out = g_string_new("");
    VTopoCpuidDump *d = vtopo_cpuid_dump_new();
    char line[512];
    unsigned int lineno = 0;

    while (fgets(line, sizeof(line), stdin)) {
        VTopoCpuidRecord rec;

        lineno++;
        if (strncmp(line, "cpuid ", 6)) {
            continue;
        }
        if (!vtopo_cpuid_parse_line(line, &rec)) {
            fprintf(stderr, "cpuid-decode: line %u: malformed record\n",
                    lineno);
            vtopo_cpuid_dump_free(d);
            return 1;
        }
        vtopo_cpuid_dump_add(d, &rec);
    }
    for (unsigned int cpu = 0; cpu < d->nr_cpus; cpu++) {
        if (!vtopo_cpuid_dump_get(d, cpu, 0, 0)) {
            continue;
        }
        vtopo_cpuid_decode_topology(d, cpu, out);
        vtopo_cpuid_decode_amd(d, cpu, out);
        vtopo_cpuid_decode_caches(d, cpu, out);
    }
    fputs(out->str, stdout);
    vtopo_cpuid_dump_free(d);
    return 0;
}
#endif
