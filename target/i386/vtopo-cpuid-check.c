/*
 * vtopo: check the CPUID topology and cache leaves against the model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "vtopo-cpuid-check.h"
#include "vtopo-cpuid-topo.h"

static const char *const vtopo_ext_topo_leaf[] = { "0xB", "0x1F" };

/*
 * The model level whose domains the x2APIC ID shifted right by the
 * shift of a subleaf identifies: that of the next subleaf's level type,
 * the package after the last (SDM vol. 2A, CPUID leaf 1FH: "the number
 * of bits to shift right on x2APIC ID to get a unique topology ID of the
 * next level type").  VTOPO_LEVEL__MAX for a type the model lacks.
 */
static VTopoLevel vtopo_cpuid_next_level(const VTopoCpuidLeaf *leaf,
                                         unsigned int sub)
{
    if (sub + 1 >= leaf->nr) {
        return VTOPO_LEVEL_SOCKET;
    }
    switch (VTOPO_FIELD_EX32(leaf->sub[sub + 1].ecx, CPUID_EXT_TOPO_ECX,
                             LEVEL_TYPE)) {
    case CPUID_EXT_TOPO_LEVEL_CORE:
        return VTOPO_LEVEL_CORE;
    case CPUID_EXT_TOPO_LEVEL_MODULE:
        return VTOPO_LEVEL_MODULE;
    case CPUID_EXT_TOPO_LEVEL_DIE:
        return VTOPO_LEVEL_DIE;
    default:
        return VTOPO_LEVEL__MAX;
    }
}

/* The present vCPUs of @topo, and how many. */
static unsigned int vtopo_cpuid_present(const VTopo *topo,
                                        const VTopoCpu **cpus,
                                        unsigned int *index)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        if (topo->cpus[i].present) {
            index[n] = i;
            cpus[n++] = &topo->cpus[i];
        }
    }
    return n;
}

/* Leaf 0BH or 1FH (@which) of every present vCPU. */
static void vtopo_cpuid_check_ext_topo(const VTopo *topo,
                                       const VTopoCpuidView *views,
                                       const VTopoCpu **cpus,
                                       const unsigned int *index,
                                       unsigned int n, int which,
                                       uint64_t *key, GArray *findings)
{
    const char *name = vtopo_ext_topo_leaf[which];
    const VTopoCpuidLeaf *first = &views[index[0]].ext_topo[which];

    for (unsigned int i = 0; i < n; i++) {
        const VTopoCpuidLeaf *leaf = &views[index[i]].ext_topo[which];

        if (leaf->nr != first->nr) {
            vtopo_add_finding(findings, "cpuid-topology",
                              VTOPO_SEVERITY_ERROR, "CPUID %s of vCPU %u "
                              "has %u levels, vCPU %u's %u", name,
                              cpus[i]->index, leaf->nr, cpus[0]->index,
                              first->nr);
            return;
        }
        for (unsigned int s = 0; s < leaf->nr; s++) {
            uint32_t id = VTOPO_FIELD_EX32(leaf->sub[s].edx,
                                           CPUID_EXT_TOPO_EDX, X2APIC_ID);

            if (id != cpus[i]->arch_id) {
                vtopo_add_finding(findings, "cpuid-x2apic-id",
                                  VTOPO_SEVERITY_ERROR, "CPUID %s subleaf "
                                  "%u of vCPU %u gives x2APIC ID 0x%x, its "
                                  "APIC ID is 0x%" PRIx64, name, s,
                                  cpus[i]->index, id, cpus[i]->arch_id);
                return;
            }
        }
    }
    for (unsigned int s = 0; s < first->nr; s++) {
        VTopoLevel level = vtopo_cpuid_next_level(first, s);
        uint32_t type = VTOPO_FIELD_EX32(first->sub[s].ecx,
                                         CPUID_EXT_TOPO_ECX, LEVEL_TYPE);

        for (unsigned int i = 0; i < n; i++) {
            const VTopoCpuidLeaf *leaf = &views[index[i]].ext_topo[which];
            uint32_t shift = VTOPO_FIELD_EX32(leaf->sub[s].eax,
                                              CPUID_EXT_TOPO_EAX,
                                              X2APIC_ID_SHIFT);

            key[i] = cpus[i]->arch_id >> shift;
        }
        if (level == VTOPO_LEVEL__MAX ||
            !vtopo_groups_match(topo, cpus, key, n, level)) {
            vtopo_add_finding(findings, "cpuid-topology",
                              VTOPO_SEVERITY_ERROR, "CPUID %s subleaf %u "
                              "(level type %u): its x2APIC ID shift does not "
                              "group the vCPUs by %s", name, s, type,
                              level == VTOPO_LEVEL__MAX
                              ? "a level of the topology"
                              : vtopo_level_name(level));
        }
    }
}

static VTopoCacheType vtopo_cpuid_cache_type(uint32_t eax)
{
    switch (VTOPO_FIELD_EX32(eax, CPUID4_EAX, CACHE_TYPE)) {
    case CPUID4_CACHE_TYPE_DATA:
        return VTOPO_CACHE_DATA;
    case CPUID4_CACHE_TYPE_INSTRUCTION:
        return VTOPO_CACHE_INSTRUCTION;
    default:
        return VTOPO_CACHE_UNIFIED;
    }
}

/* The subleaf of @leaf that describes @want's level and type, or NULL. */
static const VTopoCpuidRegs *vtopo_cpuid_find_cache(const VTopoCpuidLeaf *leaf,
                                                    const VTopoCache *want)
{
    for (unsigned int s = 0; s < leaf->nr; s++) {
        const VTopoCpuidRegs *r = &leaf->sub[s];

        if (VTOPO_FIELD_EX32(r->eax, CPUID4_EAX, CACHE_LEVEL) ==
            want->level && vtopo_cpuid_cache_type(r->eax) == want->type) {
            return r;
        }
    }
    return NULL;
}

/* The number of bits that @count addressable IDs take. */
static unsigned int vtopo_cpuid_id_bits(uint64_t count)
{
    unsigned int bits = 0;

    while ((UINT64_C(1) << bits) < count) {
        bits++;
    }
    return bits;
}

/* Cache @cache in leaf 04H or Fn8000_001D of every present vCPU. */
static void vtopo_cpuid_check_cache(const VTopo *topo,
                                    const VTopoSharedCache *cache,
                                    const VTopoCpuidView *views,
                                    const VTopoCpu **cpus,
                                    const unsigned int *index,
                                    unsigned int n, uint64_t *key,
                                    GArray *findings)
{
    const VTopoCache *want = &cache->geometry;
    const char *type = vtopo_cache_type_name(want->type);

    for (unsigned int i = 0; i < n; i++) {
        const VTopoCpuidRegs *r =
            vtopo_cpuid_find_cache(&views[index[i]].caches, want);
        uint64_t ways, partitions, line, sets, sharing;

        if (!r) {
            vtopo_add_finding(findings, "cpuid-cache", VTOPO_SEVERITY_ERROR,
                              "the CPUID cache leaf of vCPU %u has no L%u %s "
                              "cache", cpus[i]->index, want->level, type);
            return;
        }
        ways = VTOPO_FIELD_EX32(r->ebx, CPUID4_EBX, WAYS) + UINT64_C(1);
        partitions = VTOPO_FIELD_EX32(r->ebx, CPUID4_EBX, PARTITIONS) + 1;
        line = VTOPO_FIELD_EX32(r->ebx, CPUID4_EBX, LINE_SIZE) + 1;
        sets = VTOPO_FIELD_EX32(r->ecx, CPUID4_ECX, SETS) + UINT64_C(1);
        if (ways != want->ways || partitions != want->partitions ||
            line != want->line_size || sets != vtopo_cache_sets(want)) {
            vtopo_add_finding(findings, "cpuid-cache", VTOPO_SEVERITY_ERROR,
                              "the CPUID L%u %s cache of vCPU %u has %"
                              PRIu64 " ways, %" PRIu64 " partitions, %"
                              PRIu64 "-byte lines, %" PRIu64 " sets; the "
                              "model %u, %u, %u, %" PRIu64, want->level,
                              type, cpus[i]->index, ways, partitions, line,
                              sets, want->ways, want->partitions,
                              want->line_size, vtopo_cache_sets(want));
            return;
        }
        sharing = VTOPO_FIELD_EX32(r->eax, CPUID4_EAX, MAX_SHARING_IDS) + 1;
        key[i] = cpus[i]->arch_id >> vtopo_cpuid_id_bits(sharing);
    }
    if (!vtopo_cache_groups_match(topo, cpus, key, n, cache)) {
        g_autofree char *sharing = vtopo_cache_sharing_name(cache);

        vtopo_add_finding(findings, "cpuid-cache", VTOPO_SEVERITY_ERROR,
                          "CPUID does not share the L%u %s cache per %s",
                          want->level, type, sharing);
    }
}

/*
 * The fields of one cache in Fn8000_0005 (L1: associativity as a count)
 * or Fn8000_0006 (L2, L3: associativity as a code): size, associativity
 * and line size; all 0 for a register that describes none.
 */
typedef struct VTopoCpuidLegacyCache {
    uint64_t size;
    uint32_t assoc;
    uint32_t line_size;
} VTopoCpuidLegacyCache;

static VTopoCpuidLegacyCache vtopo_cpuid_legacy_decode(
    const VTopoCpuidRegs *legacy, const VTopoCache *kind)
{
    uint32_t r;

    if (kind->level == 1) {
        r = kind->type == VTOPO_CACHE_DATA ? legacy[0].ecx : legacy[0].edx;
        return (VTopoCpuidLegacyCache) {
            VTOPO_FIELD_EX32(r, CPUID80000005_CACHE, SIZE_KB) * KiB,
            VTOPO_FIELD_EX32(r, CPUID80000005_CACHE, ASSOC),
            VTOPO_FIELD_EX32(r, CPUID80000005_CACHE, LINE_SIZE),
        };
    }
    if (kind->level == 2) {
        r = legacy[1].ecx;
        return (VTopoCpuidLegacyCache) {
            VTOPO_FIELD_EX32(r, CPUID80000006_ECX, SIZE_KB) * KiB,
            VTOPO_FIELD_EX32(r, CPUID80000006_ECX, ASSOC),
            VTOPO_FIELD_EX32(r, CPUID80000006_ECX, LINE_SIZE),
        };
    }
    r = legacy[1].edx;
    return (VTopoCpuidLegacyCache) {
        VTOPO_FIELD_EX32(r, CPUID80000006_EDX, SIZE_512KB) * 512 * KiB,
        VTOPO_FIELD_EX32(r, CPUID80000006_EDX, ASSOC),
        VTOPO_FIELD_EX32(r, CPUID80000006_EDX, LINE_SIZE),
    };
}

/* What the legacy leaves say of @cache, given by the model (NULL: none). */
static VTopoCpuidLegacyCache vtopo_cpuid_legacy_want(const VTopoCache *cache)
{
    if (!cache) {
        return (VTopoCpuidLegacyCache) { 0 };
    }
    return (VTopoCpuidLegacyCache) {
        cache->size,
        cache->level == 1 ? cache->ways
                          : vtopo_cpuid80000006_assoc(cache->ways),
        cache->line_size,
    };
}

/*
 * Fn8000_0005 and Fn8000_0006 of the present vCPUs: each of L1d, L1i,
 * L2 and L3 as the model has it (or absent), except where Intel
 * reserves the registers, which are 0.
 */
static void vtopo_cpuid_check_legacy(const VTopo *topo,
                                     const VTopoCpuidView *views,
                                     const VTopoCpu **cpus,
                                     const unsigned int *index,
                                     unsigned int n, GArray *findings)
{
    static const VTopoCache kinds[] = {
        { .level = 1, .type = VTOPO_CACHE_DATA },
        { .level = 1, .type = VTOPO_CACHE_INSTRUCTION },
        { .level = 2, .type = VTOPO_CACHE_UNIFIED },
        { .level = 3, .type = VTOPO_CACHE_UNIFIED },
    };

    for (unsigned int i = 0; i < n; i++) {
        const VTopoCpuidView *v = &views[index[i]];
        const VTopoCpuidRegs *l = v->legacy;

        if (v->intel && (l[0].eax || l[0].ebx || l[0].ecx || l[0].edx ||
                         l[1].eax || l[1].ebx || l[1].edx)) {
            vtopo_add_finding(findings, "cpuid-legacy-cache",
                              VTOPO_SEVERITY_ERROR, "the CPUID leaves "
                              "0x80000005 and 0x80000006 of vCPU %u use "
                              "registers that Intel reserves",
                              cpus[i]->index);
            return;
        }
        for (unsigned int k = 0; k < G_N_ELEMENTS(kinds); k++) {
            const VTopoCache *model = NULL;
            VTopoCpuidLegacyCache got, want;

            if (v->intel && kinds[k].level != 2) {
                continue;
            }
            for (unsigned int c = 0; c < topo->nr_caches; c++) {
                const VTopoCache *g = &topo->caches[c].geometry;

                if (g->level == kinds[k].level && g->type == kinds[k].type) {
                    model = g;
                }
            }
            got = vtopo_cpuid_legacy_decode(l, &kinds[k]);
            want = vtopo_cpuid_legacy_want(model);
            if (got.size != want.size || got.assoc != want.assoc ||
                got.line_size != want.line_size) {
                vtopo_add_finding(findings, "cpuid-legacy-cache",
                                  VTOPO_SEVERITY_ERROR, "CPUID %s of vCPU "
                                  "%u describes an L%u %s cache of %" PRIu64
                                  " bytes, associativity %u, %u-byte lines; "
                                  "the model %" PRIu64 ", %u, %u",
                                  kinds[k].level == 1 ? "0x80000005"
                                                      : "0x80000006",
                                  cpus[i]->index, kinds[k].level,
                                  vtopo_cache_type_name(kinds[k].type),
                                  got.size, got.assoc, got.line_size,
                                  want.size, want.assoc, want.line_size);
                return;
            }
        }
    }
}

void vtopo_cpuid_check(const VTopo *topo, const VTopoCpuidView *views,
                       GArray *findings)
{
    g_autofree const VTopoCpu **cpus = g_new(const VTopoCpu *, topo->nr_cpus);
    g_autofree unsigned int *index = g_new(unsigned int, topo->nr_cpus);
    g_autofree uint64_t *key = g_new(uint64_t, topo->nr_cpus);
    unsigned int n = vtopo_cpuid_present(topo, cpus, index);

    if (!n) {
        return;
    }
    for (int which = 0; which < (int)G_N_ELEMENTS(vtopo_ext_topo_leaf);
         which++) {
        if (views[index[0]].ext_topo[which].nr) {
            vtopo_cpuid_check_ext_topo(topo, views, cpus, index, n, which,
                                       key, findings);
        }
    }
    if (views[index[0]].has_legacy) {
        vtopo_cpuid_check_legacy(topo, views, cpus, index, n, findings);
    }
    if (!views[index[0]].caches.nr) {
        return;
    }
    for (unsigned int k = 0; k < topo->nr_caches; k++) {
        vtopo_cpuid_check_cache(topo, &topo->caches[k], views, cpus, index,
                                n, key, findings);
    }
}
