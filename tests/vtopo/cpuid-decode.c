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
 * Field positions come from target/i386/vtopo-cpuid.h and
 * vtopo-cpuid-topo.h (SDM/APM names).
 * Input is untrusted: a malformed line is an error with its number.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "vtopo-cpuid-topo.h"
#include "cpuid-decode.h"

static const char *const cpuidb_level_names[] = {
    [CPUID_EXT_TOPO_LEVEL_SMT] = "smt",
    [CPUID_EXT_TOPO_LEVEL_CORE] = "core",
    [CPUID_EXT_TOPO_LEVEL_MODULE] = "module",
    [CPUID_EXT_TOPO_LEVEL_TILE] = "tile",
    [CPUID_EXT_TOPO_LEVEL_DIE] = "die",
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
                    VTOPO_FIELD_EX32(vtopo_cpuid_dump_get(d, cpu, 0x1f, 0)->ecx,
                                     CPUID_EXT_TOPO_ECX, LEVEL_TYPE) ? 0x1f : 0xb;
    const VTopoCpuidRegs *r = vtopo_cpuid_dump_get(d, cpu, leaf, 0);

    g_string_append_printf(out, "topo cpu=%u vendor=%s", cpu,
                           vtopo_cpuid_is_amd(d, cpu) ? "amd" : "intel");
    if (!r || !VTOPO_FIELD_EX32(r->ecx, CPUID_EXT_TOPO_ECX, LEVEL_TYPE)) {
        g_string_append(out, " x2apic=- leaf=- levels=-\n");
        return;
    }
    g_string_append_printf(out, " x2apic=%u leaf=0x%x levels=", r->edx, leaf);
    for (uint32_t sub = 0; r && sub < 64; r = vtopo_cpuid_dump_get(d, cpu,
                                                                   leaf, ++sub)) {
        uint32_t type = VTOPO_FIELD_EX32(r->ecx, CPUID_EXT_TOPO_ECX, LEVEL_TYPE);

        if (!type) {
            break;
        }
        g_string_append_printf(out, "%s%s:%u", sub ? "," : "",
                               type < G_N_ELEMENTS(cpuidb_level_names) &&
                               cpuidb_level_names[type] ?
                               cpuidb_level_names[type] : "unknown",
                               VTOPO_FIELD_EX32(r->eax, CPUID_EXT_TOPO_EAX, X2APIC_ID_SHIFT));
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
                           VTOPO_FIELD_EX32(l1->ebx, CPUID1_EBX,
                                            LOGICAL_PROCESSORS),
                           VTOPO_FIELD_EX32(size->ecx, CPUID80000008_ECX, NC),
                           VTOPO_FIELD_EX32(size->ecx, CPUID80000008_ECX,
                                            APIC_ID_SIZE));
    if (topo && max->eax >= 0x8000001e) {
        g_string_append_printf(out, " threads_per_core=%u",
                               VTOPO_FIELD_EX32(topo->ebx, CPUID8000001E_EBX,
                                                THREADS_PER_CORE) + 1);
    } else {
        g_string_append(out, " threads_per_core=-");
    }
    g_string_append_c(out, '\n');
}

static const char *vtopo_cpuid4_type_name(uint32_t type)
{
    switch (type) {
    case CPUID4_CACHE_TYPE_DATA:
        return "data";
    case CPUID4_CACHE_TYPE_INSTRUCTION:
        return "instruction";
    case CPUID4_CACHE_TYPE_UNIFIED:
        return "unified";
    default:
        return "unknown";
    }
}

/* Leaf 04H or Fn8000_001D: returns false at the null subleaf. */
static bool vtopo_cpuid4_decode(const VTopoCpuidRegs *r, unsigned int cpu,
                                GString *out)
{
    uint32_t type = VTOPO_FIELD_EX32(r->eax, CPUID4_EAX, CACHE_TYPE);
    uint64_t ways = VTOPO_FIELD_EX32(r->ebx, CPUID4_EBX, WAYS) + 1;
    uint64_t partitions = VTOPO_FIELD_EX32(r->ebx, CPUID4_EBX, PARTITIONS) + 1;
    uint64_t line = VTOPO_FIELD_EX32(r->ebx, CPUID4_EBX, LINE_SIZE) + 1;
    uint64_t sets = (uint64_t)VTOPO_FIELD_EX32(r->ecx, CPUID4_ECX, SETS) + 1;

    if (type == CPUID4_CACHE_TYPE_NULL) {
        return false;
    }
    g_string_append_printf(out, "cache cpu=%u level=%u type=%s size=%" PRIu64
                           " ways=%" PRIu64 " line=%" PRIu64 " partitions=%"
                           PRIu64 " sets=%" PRIu64 " sharing_ids=%u\n", cpu,
                           VTOPO_FIELD_EX32(r->eax, CPUID4_EAX, CACHE_LEVEL),
                           vtopo_cpuid4_type_name(type),
                           ways * partitions * line * sets, ways, line,
                           partitions, sets,
                           VTOPO_FIELD_EX32(r->eax, CPUID4_EAX,
                                            MAX_SHARING_IDS) + 1);
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
