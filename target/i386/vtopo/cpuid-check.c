/*
 * vtopo: check the CPUID topology and cache leaves against the model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "target/i386/vtopo/cpuid-check.h"
#include "target/i386/vtopo/cpuid-topo.h"

static const char *const vtopo_ext_topo_leaf[] = { "0xB", "0x1F" };

/*
 * VTopoCpuidCheck: one check of the present vCPUs of @topo.
 * @views: what every vCPU of @topo tells the guest, in its order.
 * @cpus, @index: the @n present vCPUs and their indexes in @topo.
 * @key: scratch, a grouping key per present vCPU.
 * @findings: where the findings go.
 */
typedef struct VTopoCpuidCheck {
    const VTopo *topo;
    const VTopoCpuidView *views;
    const VTopoCpu **cpus;
    unsigned int *index;
    unsigned int n;
    uint64_t *key;
    GArray *findings;
} VTopoCpuidCheck;

/* What the @i-th present vCPU tells the guest. */
static const VTopoCpuidView *vtopo_cpuid_view_of(const VTopoCpuidCheck *chk,
                                                 unsigned int i)
{
    return &chk->views[chk->index[i]];
}

/* Logical processors in one domain of @level. */
static unsigned int vtopo_cpuid_cpus_per(const VTopoCpuidCheck *chk,
                                         CpuTopologyLevel level)
{
    return vtopo_shape_cpus_per(&chk->topo->shape, level);
}

/* Whether @chk's keys group the present vCPUs by the domains of @level. */
static bool vtopo_cpuid_keys_group_by(const VTopoCpuidCheck *chk,
                                      CpuTopologyLevel level)
{
    return vtopo_groups_match(chk->topo, chk->cpus, chk->key, chk->n, level);
}

/*
 * The model level whose domains the x2APIC ID shifted right by the
 * shift of a subleaf identifies: that of the next subleaf's level type,
 * the package after the last (SDM vol. 2A, CPUID leaf 1FH: "the number
 * of bits to shift right on x2APIC ID to get a unique topology ID of the
 * next level type").  CPU_TOPOLOGY_LEVEL_DEFAULT for a type the model lacks.
 */
static CpuTopologyLevel vtopo_cpuid_next_level(const VTopoCpuidLeaf *leaf,
                                               unsigned int sub)
{
    if (sub + 1 >= leaf->nr) {
        return CPU_TOPOLOGY_LEVEL_SOCKET;
    }
    switch (FIELD_EX32(leaf->sub[sub + 1].ecx, CPUID_EXT_TOPO_ECX,
                       LEVEL_TYPE)) {
    case CPUID_EXT_TOPO_LEVEL_CORE:
        return CPU_TOPOLOGY_LEVEL_CORE;
    case CPUID_EXT_TOPO_LEVEL_MODULE:
        return CPU_TOPOLOGY_LEVEL_MODULE;
    case CPUID_EXT_TOPO_LEVEL_DIE:
        return CPU_TOPOLOGY_LEVEL_DIE;
    default:
        return CPU_TOPOLOGY_LEVEL_DEFAULT;
    }
}

/*
 * The present vCPUs of @topo, and how many: vCPU @lead first (if it is
 * present), then the others in order.
 */
static unsigned int vtopo_cpuid_present(const VTopo *topo, int lead,
                                        const VTopoCpu **cpus,
                                        unsigned int *index)
{
    unsigned int first = lead >= 0 ? (unsigned int)lead : topo->nr_cpus;
    unsigned int n = 0;

    if (first < topo->nr_cpus && topo->cpus[first].present) {
        index[n] = first;
        cpus[n++] = &topo->cpus[first];
    }
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        if (topo->cpus[i].present && i != first) {
            index[n] = i;
            cpus[n++] = &topo->cpus[i];
        }
    }
    return n;
}

/*
 * Every present vCPU has the leaves the first has, and no other: the
 * rules below read the first's to know which leaves there are.
 */
static bool vtopo_cpuid_check_leaves(const VTopoCpuidCheck *chk)
{
    const VTopoCpuidView *first = vtopo_cpuid_view_of(chk, 0);

    for (unsigned int i = 1; i < chk->n; i++) {
        const VTopoCpuidView *v = vtopo_cpuid_view_of(chk, i);
        const char *leaf = NULL;

        if (v->has_leaf1 != first->has_leaf1) {
            leaf = "0x1";
        } else if (v->has_size_ids != first->has_size_ids) {
            leaf = "0x80000008 ECX";
        } else if (v->has_amd_topo != first->has_amd_topo) {
            leaf = "0x8000001E";
        } else if (!v->caches.nr != !first->caches.nr) {
            leaf = "4 or 0x8000001D";
        } else if (v->has_legacy != first->has_legacy) {
            leaf = "0x80000005 and 0x80000006";
        }
        if (leaf) {
            vtopo_add_finding(chk->findings, "cpuid-topology",
                              VTOPO_SEVERITY_ERROR, "CPUID %s is in vCPU "
                              "%u's leaves or in vCPU %u's, not in both",
                              leaf, chk->cpus[0]->index,
                              chk->cpus[i]->index);
            return false;
        }
    }
    return true;
}

/* Leaf 0BH or 1FH (@which) of every present vCPU. */
static void vtopo_cpuid_check_ext_topo(const VTopoCpuidCheck *chk, int which)
{
    const char *name = vtopo_ext_topo_leaf[which];
    const VTopoCpuidLeaf *first =
        &vtopo_cpuid_view_of(chk, 0)->ext_topo[which];

    for (unsigned int i = 0; i < chk->n; i++) {
        const VTopoCpuidLeaf *leaf =
            &vtopo_cpuid_view_of(chk, i)->ext_topo[which];

        if (leaf->nr != first->nr) {
            vtopo_add_finding(chk->findings, "cpuid-topology",
                              VTOPO_SEVERITY_ERROR, "CPUID %s of vCPU %u "
                              "has %u levels, vCPU %u's %u", name,
                              chk->cpus[i]->index, leaf->nr,
                              chk->cpus[0]->index, first->nr);
            return;
        }
        for (unsigned int s = 0; s < leaf->nr; s++) {
            uint32_t id = FIELD_EX32(leaf->sub[s].edx,
                                     CPUID_EXT_TOPO_EDX, X2APIC_ID);

            if (id != chk->cpus[i]->arch_id) {
                vtopo_add_finding(chk->findings, "cpuid-x2apic-id",
                                  VTOPO_SEVERITY_ERROR, "CPUID %s subleaf "
                                  "%u of vCPU %u gives x2APIC ID 0x%x, its "
                                  "APIC ID is 0x%" PRIx64, name, s,
                                  chk->cpus[i]->index, id,
                                  chk->cpus[i]->arch_id);
                return;
            }
        }
    }
    for (unsigned int s = 0; s < first->nr; s++) {
        CpuTopologyLevel level = vtopo_cpuid_next_level(first, s);
        uint32_t type = FIELD_EX32(first->sub[s].ecx,
                                   CPUID_EXT_TOPO_ECX, LEVEL_TYPE);

        for (unsigned int i = 0; i < chk->n; i++) {
            const VTopoCpuidLeaf *leaf =
            &vtopo_cpuid_view_of(chk, i)->ext_topo[which];
            uint32_t shift = FIELD_EX32(leaf->sub[s].eax,
                                        CPUID_EXT_TOPO_EAX,
                                        X2APIC_ID_SHIFT);

            chk->key[i] = chk->cpus[i]->arch_id >> shift;
        }
        if (level == CPU_TOPOLOGY_LEVEL_DEFAULT ||
            !vtopo_cpuid_keys_group_by(chk, level)) {
            vtopo_add_finding(chk->findings, "cpuid-topology",
                              VTOPO_SEVERITY_ERROR, "CPUID %s subleaf %u "
                              "(level type %u): its x2APIC ID shift does not "
                              "group the vCPUs by %s", name, s, type,
                              level == CPU_TOPOLOGY_LEVEL_DEFAULT
                              ? "a level of the topology"
                              : vtopo_level_name(level));
        }
    }
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

/*
 * Whether a count field that holds at most @max says @count: a count
 * beyond the field is not checked (it cannot be said; the encoders
 * saturate, machine types of QEMU 10.2 and older spill into the bits
 * above).
 */
static bool vtopo_cpuid_count_ok(uint64_t got, uint64_t count, uint64_t max)
{
    return count > max || got == count;
}

/*
 * Leaf 01H EBX[31:24] and Fn8000_001E EAX of every present vCPU: its
 * APIC ID (the low 8 bits in leaf 01H; SDM vol. 2A, CPUID leaf 01H
 * "Initial APIC ID"; APM vol. 3, Fn8000_001E "ExtendedApicId").
 */
static bool vtopo_cpuid_check_apic_id(const VTopoCpuidCheck *chk)
{
    for (unsigned int i = 0; i < chk->n; i++) {
        const VTopoCpuidView *v = vtopo_cpuid_view_of(chk, i);
        uint32_t initial = FIELD_EX32(v->leaf1.ebx, CPUID1_EBX,
                                      INITIAL_APIC_ID);
        uint32_t extended = FIELD_EX32(v->amd_topo.eax,
                                       CPUID8000001E_EAX,
                                       EXTENDED_APIC_ID);
        const char *leaf = NULL;
        uint32_t id = 0;

        if (v->has_leaf1 && initial != (chk->cpus[i]->arch_id & 0xff)) {
            leaf = "0x1 (EBX[31:24], the low 8 bits)";
            id = initial;
        } else if (v->has_amd_topo && extended != chk->cpus[i]->arch_id) {
            leaf = "0x8000001E";
            id = extended;
        }
        if (leaf) {
            vtopo_add_finding(chk->findings, "cpuid-apic-id",
                              VTOPO_SEVERITY_ERROR, "CPUID %s of vCPU %u "
                              "gives APIC ID 0x%x, its APIC ID is 0x%"
                              PRIx64, leaf, chk->cpus[i]->index, id,
                              chk->cpus[i]->arch_id);
            return false;
        }
    }
    return true;
}

/*
 * The package in leaf 01H, leaf 04H and Fn8000_0008 of every present
 * vCPU: with more than one logical processor in it, HTT is set and
 * EBX[23:16] counts them (AMD) or the addressable IDs, whose bits the
 * x2APIC ID of each package's vCPUs share above (SDM vol. 2A, CPUID
 * leaf 01H); leaf 04H EAX[31:26] + 1 addressable core IDs are at least
 * the package's cores; Fn8000_0008 ECX NC + 1 is the number of logical
 * processors and the package ID lies above the ApicIdSize bits of the
 * APIC ID (log2(NC + 1) when 0: APM vol. 3, Fn8000_0008 ECX).
 */
static void vtopo_cpuid_check_package(const VTopoCpuidCheck *chk)
{
    unsigned int threads = vtopo_cpuid_cpus_per(chk, CPU_TOPOLOGY_LEVEL_SOCKET);
    unsigned int cores = threads /
                         vtopo_cpuid_cpus_per(chk, CPU_TOPOLOGY_LEVEL_CORE);
    const VTopoCpuidView *first = vtopo_cpuid_view_of(chk, 0);
    uint32_t count = FIELD_EX32(first->leaf1.ebx, CPUID1_EBX,
                                LOGICAL_PROCESSORS);
    uint32_t max = VTOPO_FIELD_MAX(CPUID1_EBX, LOGICAL_PROCESSORS);

    for (unsigned int i = 0; first->has_leaf1 && threads > 1 && i < chk->n;
         i++) {
        const VTopoCpuidView *v = vtopo_cpuid_view_of(chk, i);
        uint32_t c = FIELD_EX32(v->leaf1.ebx, CPUID1_EBX,
                                LOGICAL_PROCESSORS);
        bool ok = FIELD_EX32(v->leaf1.edx, CPUID1_EDX, HTT) &&
                  c == count;

        if (ok && !v->addressable_ids) {
            ok = vtopo_cpuid_count_ok(c, threads, max);
        } else if (ok) {
            ok = c >= MIN(threads, max);
        }
        if (!ok) {
            vtopo_add_finding(chk->findings, "cpuid-package",
                              VTOPO_SEVERITY_ERROR, "CPUID 0x1 of vCPU %u "
                              "gives HTT %u and %u logical processors (%s) "
                              "per package, the model %u logical "
                              "processors", chk->cpus[i]->index,
                              FIELD_EX32(v->leaf1.edx, CPUID1_EDX,
                                         HTT), c,
                              v->addressable_ids ? "addressable IDs"
                                                 : "a count", threads);
            return;
        }
        chk->key[i] = chk->cpus[i]->arch_id >> vtopo_cpuid_id_bits(c);
    }
    if (first->has_leaf1 && threads > 1 && first->addressable_ids &&
        count < max &&
        !vtopo_cpuid_keys_group_by(chk, CPU_TOPOLOGY_LEVEL_SOCKET)) {
        vtopo_add_finding(chk->findings, "cpuid-package",
                          VTOPO_SEVERITY_ERROR, "CPUID 0x1 EBX[23:16] (%u "
                          "addressable IDs) does not group the vCPUs by "
                          "socket", count);
    }
    for (unsigned int i = 0; first->caches_leaf4 && i < chk->n; i++) {
        const VTopoCpuidLeaf *leaf = &vtopo_cpuid_view_of(chk, i)->caches;

        for (unsigned int s = 0; s < leaf->nr; s++) {
            uint32_t ids = FIELD_EX32(leaf->sub[s].eax, CPUID4_EAX,
                                      MAX_CORE_IDS) + 1;

            if (ids < MIN(cores, VTOPO_FIELD_MAX(CPUID4_EAX,
                                                 MAX_CORE_IDS) + 1)) {
                vtopo_add_finding(chk->findings, "cpuid-package",
                                  VTOPO_SEVERITY_ERROR, "CPUID 0x4 "
                                  "subleaf %u of vCPU %u gives %u "
                                  "addressable core IDs per package, the "
                                  "model has %u cores", s, chk->cpus[i]->index,
                                  ids, cores);
                return;
            }
        }
    }
    if (!first->has_size_ids) {
        return;
    }
    for (unsigned int i = 0; i < chk->n; i++) {
        uint32_t ecx = vtopo_cpuid_view_of(chk, i)->size_ids;
        uint32_t nc = FIELD_EX32(ecx, CPUID80000008_ECX, NC) + 1;
        uint32_t size = FIELD_EX32(ecx, CPUID80000008_ECX,
                                   APIC_ID_SIZE);

        if (!vtopo_cpuid_count_ok(nc, threads,
                                  VTOPO_FIELD_MAX(CPUID80000008_ECX, NC) +
                                  1)) {
            vtopo_add_finding(chk->findings, "cpuid-package",
                              VTOPO_SEVERITY_ERROR, "CPUID 0x80000008 of "
                              "vCPU %u gives %u logical processors per "
                              "package, the model %u", chk->cpus[i]->index,
                              nc, threads);
            return;
        }
        if (!size) {
            size = vtopo_cpuid_id_bits(nc);
        }
        chk->key[i] = chk->cpus[i]->arch_id >> size;
    }
    if (!vtopo_cpuid_keys_group_by(chk, CPU_TOPOLOGY_LEVEL_SOCKET)) {
        vtopo_add_finding(chk->findings, "cpuid-package",
                          VTOPO_SEVERITY_ERROR, "CPUID 0x80000008 ECX "
                          "ApicIdSize does not group the vCPUs by socket");
    }
}

/*
 * Fn8000_001E of every present vCPU (APM vol. 3): ThreadsPerCore + 1
 * threads per core; the vCPUs of a core share a CoreId, and the cores
 * of a die have different ones (machine types of QEMU 11.0 number the
 * cores of the whole processor, older ones those of each module); the
 * NodeId groups the vCPUs by socket with one node per processor
 * (NodesPerProcessor 0), by die with a node per die (machine types
 * before 9.1, and AMD models before family 17h on 11.0;
 * NodesPerProcessor spills past its 3 bits with more than 8 dies: the
 * wider field tells the node level).  8-bit IDs that more than 256
 * domains would wrap are not checked.
 */
static void vtopo_cpuid_check_amd_topo(const VTopoCpuidCheck *chk)
{
    unsigned int threads = vtopo_cpuid_cpus_per(chk, CPU_TOPOLOGY_LEVEL_CORE);
    unsigned int dies = vtopo_cpuid_cpus_per(chk, CPU_TOPOLOGY_LEVEL_SOCKET) /
                        vtopo_cpuid_cpus_per(chk, CPU_TOPOLOGY_LEVEL_DIE);
    uint32_t ecx = vtopo_cpuid_view_of(chk, 0)->amd_topo.ecx;
    uint32_t nodes = FIELD_EX32(ecx, CPUID8000001E_ECX,
                                NODES_PER_PROCESSOR) + 1;
    CpuTopologyLevel node_level =
        FIELD_EX32(ecx, CPUID8000001E_ECX,
                   NODES_PER_PROCESSOR_UNBOUNDED) == 0
        ? CPU_TOPOLOGY_LEVEL_SOCKET : CPU_TOPOLOGY_LEVEL_DIE;
    uint32_t id_max = VTOPO_FIELD_MAX(CPUID8000001E_EBX, CORE_ID) + 1;

    for (unsigned int i = 0; i < chk->n; i++) {
        const VTopoCpuidRegs *r = &vtopo_cpuid_view_of(chk, i)->amd_topo;
        const int *id = chk->cpus[i]->id;
        uint32_t t = FIELD_EX32(r->ebx, CPUID8000001E_EBX,
                                THREADS_PER_CORE) + 1;

        if (!vtopo_cpuid_count_ok(t, threads,
                                  VTOPO_FIELD_MAX(CPUID8000001E_EBX,
                                                  THREADS_PER_CORE) + 1)) {
            vtopo_add_finding(chk->findings, "cpuid-amd-topology",
                              VTOPO_SEVERITY_ERROR, "CPUID 0x8000001E of "
                              "vCPU %u gives %u threads per core, the "
                              "model %u", chk->cpus[i]->index, t, threads);
            return;
        }
        chk->key[i] = (uint64_t)id[CPU_TOPOLOGY_LEVEL_SOCKET] << 40 |
                      (uint64_t)id[CPU_TOPOLOGY_LEVEL_DIE] << 20 |
                      FIELD_EX32(r->ebx, CPUID8000001E_EBX, CORE_ID);
    }
    if (vtopo_cpuid_cpus_per(chk, CPU_TOPOLOGY_LEVEL_SOCKET) /
        threads <= id_max &&
        !vtopo_cpuid_keys_group_by(chk, CPU_TOPOLOGY_LEVEL_CORE)) {
        vtopo_add_finding(chk->findings, "cpuid-amd-topology",
                          VTOPO_SEVERITY_ERROR, "CPUID 0x8000001E CoreId "
                          "does not tell the cores of a die apart");
    }
    if (nodes != 1 &&
        !vtopo_cpuid_count_ok(nodes, dies,
                              VTOPO_FIELD_MAX(CPUID8000001E_ECX,
                                              NODES_PER_PROCESSOR) + 1)) {
        vtopo_add_finding(chk->findings, "cpuid-amd-topology",
                          VTOPO_SEVERITY_ERROR, "CPUID 0x8000001E gives %u "
                          "nodes per processor, neither one nor its %u dies",
                          nodes, dies);
        return;
    }
    for (unsigned int i = 0; i < chk->n; i++) {
        const VTopoCpuidRegs *r = &vtopo_cpuid_view_of(chk, i)->amd_topo;

        chk->key[i] = FIELD_EX32(r->ecx, CPUID8000001E_ECX, NODE_ID);
    }
    if (vtopo_cpuid_cpus_per(chk, CPU_TOPOLOGY_LEVEL_DEFAULT) /
        vtopo_cpuid_cpus_per(chk, node_level) <= id_max &&
        !vtopo_cpuid_keys_group_by(chk, node_level)) {
        vtopo_add_finding(chk->findings, "cpuid-amd-topology",
                          VTOPO_SEVERITY_ERROR, "CPUID 0x8000001E NodeId "
                          "does not group the vCPUs by %s",
                          vtopo_level_name(node_level));
    }
}

static VTopoCacheType vtopo_cpuid_cache_type(uint32_t eax)
{
    switch (FIELD_EX32(eax, CPUID4_EAX, CACHE_TYPE)) {
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

        if (FIELD_EX32(r->eax, CPUID4_EAX, CACHE_LEVEL) ==
            want->level && vtopo_cpuid_cache_type(r->eax) == want->type) {
            return r;
        }
    }
    return NULL;
}

/* Cache @cache in leaf 04H or Fn8000_001D of every present vCPU. */
static void vtopo_cpuid_check_cache(const VTopoCpuidCheck *chk,
                                    const VTopoSharedCache *cache)
{
    const VTopoCache *want = &cache->geometry;
    const char *type = vtopo_cache_type_name(want->type);

    for (unsigned int i = 0; i < chk->n; i++) {
        const VTopoCpuidRegs *r =
            vtopo_cpuid_find_cache(&vtopo_cpuid_view_of(chk, i)->caches, want);
        uint64_t ways, partitions, line, sets, sharing;

        if (!r) {
            vtopo_add_finding(chk->findings, "cpuid-cache",
                              VTOPO_SEVERITY_ERROR, "the CPUID cache leaf of "
                              "vCPU %u has no L%u %s cache",
                              chk->cpus[i]->index, want->level, type);
            return;
        }
        ways = FIELD_EX32(r->ebx, CPUID4_EBX, WAYS) + UINT64_C(1);
        partitions = FIELD_EX32(r->ebx, CPUID4_EBX, PARTITIONS) + 1;
        line = FIELD_EX32(r->ebx, CPUID4_EBX, LINE_SIZE) + 1;
        sets = FIELD_EX32(r->ecx, CPUID4_ECX, SETS) + UINT64_C(1);
        if (ways != want->ways || partitions != want->partitions ||
            line != want->line_size || sets != vtopo_cache_sets(want)) {
            vtopo_add_finding(chk->findings, "cpuid-cache",
                              VTOPO_SEVERITY_ERROR, "the CPUID L%u %s cache "
                              "of vCPU %u has %" PRIu64 " ways, %" PRIu64
                              " partitions, %" PRIu64 "-byte lines, %" PRIu64
                              " sets; the model %u, %u, %u, %" PRIu64,
                              want->level, type, chk->cpus[i]->index, ways,
                              partitions, line, sets, want->ways,
                              want->partitions, want->line_size,
                              vtopo_cache_sets(want));
            return;
        }
        sharing = FIELD_EX32(r->eax, CPUID4_EAX, MAX_SHARING_IDS) + 1;
        chk->key[i] = chk->cpus[i]->arch_id >> vtopo_cpuid_id_bits(sharing);
    }
    if (!vtopo_cache_groups_match(chk->topo, chk->cpus, chk->key, chk->n,
                                  cache)) {
        g_autofree char *sharing = vtopo_cache_sharing_name(cache);

        vtopo_add_finding(chk->findings, "cpuid-cache",
                          VTOPO_SEVERITY_ERROR, "CPUID does not share the "
                          "L%u %s cache per %s", want->level, type, sharing);
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
            FIELD_EX32(r, CPUID80000005_CACHE, SIZE_KB) * KiB,
            FIELD_EX32(r, CPUID80000005_CACHE, ASSOC),
            FIELD_EX32(r, CPUID80000005_CACHE, LINE_SIZE),
        };
    }
    if (kind->level == 2) {
        r = legacy[1].ecx;
        return (VTopoCpuidLegacyCache) {
            FIELD_EX32(r, CPUID80000006_ECX, SIZE_KB) * KiB,
            FIELD_EX32(r, CPUID80000006_ECX, ASSOC),
            FIELD_EX32(r, CPUID80000006_ECX, LINE_SIZE),
        };
    }
    r = legacy[1].edx;
    return (VTopoCpuidLegacyCache) {
        FIELD_EX32(r, CPUID80000006_EDX, SIZE_512KB) * 512 * KiB,
        FIELD_EX32(r, CPUID80000006_EDX, ASSOC),
        FIELD_EX32(r, CPUID80000006_EDX, LINE_SIZE),
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
 * L2 and L3 as the model has it (or absent), except where the vendor
 * reserves the registers, which are 0.
 */
static void vtopo_cpuid_check_legacy(const VTopoCpuidCheck *chk)
{
    static const VTopoCache kinds[] = {
        { .level = 1, .type = VTOPO_CACHE_DATA },
        { .level = 1, .type = VTOPO_CACHE_INSTRUCTION },
        { .level = 2, .type = VTOPO_CACHE_UNIFIED },
        { .level = 3, .type = VTOPO_CACHE_UNIFIED },
    };

    for (unsigned int i = 0; i < chk->n; i++) {
        const VTopoCpuidView *v = vtopo_cpuid_view_of(chk, i);
        const VTopoCpuidRegs *l = v->legacy;

        if ((v->l1_reserved &&
             (l[0].eax || l[0].ebx || l[0].ecx || l[0].edx)) ||
            (v->l3_reserved && (l[1].eax || l[1].ebx || l[1].edx))) {
            vtopo_add_finding(chk->findings, "cpuid-legacy-cache",
                              VTOPO_SEVERITY_ERROR, "the CPUID leaves "
                              "0x80000005 and 0x80000006 of vCPU %u use "
                              "registers that the vendor reserves",
                              chk->cpus[i]->index);
            return;
        }
        for (unsigned int k = 0; k < G_N_ELEMENTS(kinds); k++) {
            const VTopoCache *model = NULL;
            VTopoCpuidLegacyCache got, want;

            if ((v->l1_reserved && kinds[k].level == 1) ||
                (v->l3_reserved && kinds[k].level == 3)) {
                continue;
            }
            for (unsigned int c = 0; c < chk->topo->nr_caches; c++) {
                const VTopoCache *g = &chk->topo->caches[c].geometry;

                if (g->level == kinds[k].level && g->type == kinds[k].type) {
                    model = g;
                }
            }
            got = vtopo_cpuid_legacy_decode(l, &kinds[k]);
            want = vtopo_cpuid_legacy_want(model);
            if (got.size != want.size || got.assoc != want.assoc ||
                got.line_size != want.line_size) {
                vtopo_add_finding(chk->findings, "cpuid-legacy-cache",
                                  VTOPO_SEVERITY_ERROR, "CPUID %s of vCPU "
                                  "%u describes an L%u %s cache of %" PRIu64
                                  " bytes, associativity %u, %u-byte lines; "
                                  "the model %" PRIu64 ", %u, %u",
                                  kinds[k].level == 1 ? "0x80000005"
                                                      : "0x80000006",
                                  chk->cpus[i]->index, kinds[k].level,
                                  vtopo_cache_type_name(kinds[k].type),
                                  got.size, got.assoc, got.line_size,
                                  want.size, want.assoc, want.line_size);
                return;
            }
        }
    }
}

void vtopo_cpuid_check(const VTopo *topo, const VTopoCpuidView *views,
                       int lead, GArray *findings)
{
    g_autofree const VTopoCpu **cpus = g_new(const VTopoCpu *, topo->nr_cpus);
    g_autofree unsigned int *index = g_new(unsigned int, topo->nr_cpus);
    g_autofree uint64_t *key = g_new(uint64_t, topo->nr_cpus);
    VTopoCpuidCheck chk = {
        .topo = topo, .views = views, .cpus = cpus, .index = index,
        .n = vtopo_cpuid_present(topo, lead, cpus, index), .key = key,
        .findings = findings,
    };
    const VTopoCpuidView *first;

    if (!chk.n) {
        return;
    }
    first = vtopo_cpuid_view_of(&chk, 0);
    for (int which = 0; which < (int)G_N_ELEMENTS(vtopo_ext_topo_leaf);
         which++) {
        /* Any vCPU's: the first may be a plugged one that lacks it */
        for (unsigned int i = 0; i < chk.n; i++) {
            if (vtopo_cpuid_view_of(&chk, i)->ext_topo[which].nr) {
                vtopo_cpuid_check_ext_topo(&chk, which);
                break;
            }
        }
    }
    if (vtopo_cpuid_check_leaves(&chk) && vtopo_cpuid_check_apic_id(&chk)) {
        vtopo_cpuid_check_package(&chk);
        if (first->has_amd_topo) {
            vtopo_cpuid_check_amd_topo(&chk);
        }
    }
    if (first->has_legacy) {
        vtopo_cpuid_check_legacy(&chk);
    }
    if (!first->caches.nr) {
        return;
    }
    for (unsigned int k = 0; k < topo->nr_caches; k++) {
        vtopo_cpuid_check_cache(&chk, &topo->caches[k]);
    }
}
