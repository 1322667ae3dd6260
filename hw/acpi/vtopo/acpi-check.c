/*
 * vtopo: check decoded ACPI tables against the topology model
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/acpi/vtopo/acpi-check.h"

/*
 * One rule's disagreements: the first is reported, with the number of
 * others, so that a table wrong for 1024 vCPUs is one finding.
 */
typedef struct VTopoAcpiRule {
    const char *rule;
    unsigned int count;
    char *first;
} VTopoAcpiRule;

static void G_GNUC_PRINTF(2, 3)
vtopo_acpi_disagree(VTopoAcpiRule *r, const char *fmt, ...)
{
    va_list ap;

    if (!r->count++) {
        va_start(ap, fmt);
        r->first = g_strdup_vprintf(fmt, ap);
        va_end(ap);
    }
}

static void vtopo_acpi_report(VTopoAcpiRule *r, GArray *findings)
{
    if (!r->count) {
        return;
    }
    if (r->count == 1) {
        vtopo_add_finding(findings, r->rule, VTOPO_SEVERITY_ERROR, "%s",
                          r->first);
    } else {
        vtopo_add_finding(findings, r->rule, VTOPO_SEVERITY_ERROR,
                          "%s (and %u more)", r->first, r->count - 1);
    }
    g_free(r->first);
}

/* MADT processors by UID (NULL where none), checked for duplicates. */
static const VTopoAcpiProcessor **vtopo_acpi_madt_by_uid(
    const VTopo *topo, const VTopoAcpiTables *t, VTopoAcpiRule *r)
{
    const VTopoAcpiProcessor **by_uid = g_new0(const VTopoAcpiProcessor *,
                                               topo->nr_cpus);

    for (guint i = 0; i < t->processors->len; i++) {
        const VTopoAcpiProcessor *p =
            &g_array_index(t->processors, VTopoAcpiProcessor, i);

        if (p->uid >= topo->nr_cpus) {
            vtopo_acpi_disagree(r, "MADT processor UID %u is not a possible "
                                "vCPU (there are %u)", p->uid, topo->nr_cpus);
        } else if (by_uid[p->uid]) {
            vtopo_acpi_disagree(r, "MADT lists processor UID %u twice",
                                p->uid);
        } else {
            by_uid[p->uid] = p;
        }
    }
    return by_uid;
}

static void vtopo_acpi_check_madt(const VTopo *topo,
                                  const VTopoAcpiProcessor **by_uid,
                                  VTopoAcpiRule *r)
{
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        const VTopoAcpiProcessor *p = by_uid[i];

        if (!p) {
            /*
             * A machine with CPU hotplug lists every possible vCPU, the
             * absent ones disabled (5.2.12.2); one without it (Arm virt)
             * may list only the present ones (5.2.12.14).
             */
            if (cpu->present || topo->cpu_hotplug) {
                vtopo_acpi_disagree(r, "vCPU %u (arch id 0x%" PRIx64 ") has "
                                    "no MADT processor with UID %u", i,
                                    cpu->arch_id, i);
            }
        } else if (p->arch_id != cpu->arch_id) {
            vtopo_acpi_disagree(r, "MADT processor UID %u has arch id 0x%"
                                PRIx64 ", vCPU %u has 0x%" PRIx64, i,
                                p->arch_id, i, cpu->arch_id);
        } else if (p->enabled != cpu->present) {
            vtopo_acpi_disagree(r, "MADT processor UID %u is %s, vCPU %u is "
                                "%s", i, p->enabled ? "enabled" : "disabled",
                                i, cpu->present ? "present" : "not present");
        }
    }
}

static void vtopo_acpi_check_srat(const VTopo *topo,
                                  const VTopoAcpiTables *t, VTopoAcpiRule *r)
{
    g_autoptr(GHashTable) by_id = g_hash_table_new(g_int64_hash,
                                                   g_int64_equal);
    g_autoptr(GHashTable) by_uid = g_hash_table_new(g_int64_hash,
                                                    g_int64_equal);

    for (guint i = 0; i < t->cpu_affinity->len; i++) {
        VTopoAcpiCpuAffinity *a =
            &g_array_index(t->cpu_affinity, VTopoAcpiCpuAffinity, i);

        if (a->enabled) {
            g_hash_table_insert(a->by_uid ? by_uid : by_id, &a->id, a);
        }
    }
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        int64_t uid = i;
        const VTopoAcpiCpuAffinity *a;

        if (cpu->node < 0) {
            continue;
        }
        a = g_hash_table_lookup(by_id, &cpu->arch_id);
        if (!a) {
            a = g_hash_table_lookup(by_uid, &uid);
        }
        if (!a) {
            vtopo_acpi_disagree(r, "vCPU %u (arch id 0x%" PRIx64 ") of node "
                                "%d has no SRAT affinity", i, cpu->arch_id,
                                cpu->node);
        } else if (a->domain != (uint32_t)cpu->node) {
            vtopo_acpi_disagree(r, "SRAT puts vCPU %u in proximity domain "
                                "%u, it is in node %d", i, a->domain,
                                cpu->node);
        }
    }
    for (unsigned int n = 0; n < topo->nr_nodes; n++) {
        bool found = !topo->nodes[n].mem_size;

        for (guint i = 0; i < t->mem_affinity->len && !found; i++) {
            const VTopoAcpiMemAffinity *m =
                &g_array_index(t->mem_affinity, VTopoAcpiMemAffinity, i);

            found = m->domain == n && m->length &&
                    (m->flags & VTOPO_ACPI_MEM_ENABLED);
        }
        if (!found) {
            vtopo_acpi_disagree(r, "node %u has memory but no SRAT memory "
                                "affinity", n);
        }
    }
}

static void vtopo_acpi_check_slit(const VTopo *topo,
                                  const VTopoAcpiTables *t, VTopoAcpiRule *r)
{
    /* A configured distance is never 0: the local one is 10. */
    if (!topo->nr_nodes || !topo->nodes[0].distance[0]) {
        return;
    }
    if (!t->has_slit) {
        vtopo_acpi_disagree(r, "distances are configured but there is no "
                            "SLIT");
        return;
    }
    if (t->slit_localities != topo->nr_nodes) {
        vtopo_acpi_disagree(r, "SLIT has %u localities, there are %u nodes",
                            t->slit_localities, topo->nr_nodes);
        return;
    }
    for (unsigned int i = 0; i < topo->nr_nodes; i++) {
        for (unsigned int j = 0; j < topo->nr_nodes; j++) {
            uint8_t got = t->slit[i * topo->nr_nodes + j];

            if (got != topo->nodes[i].distance[j]) {
                vtopo_acpi_disagree(r, "SLIT distance from %u to %u is %u, "
                                    "configured %u", i, j, got,
                                    topo->nodes[i].distance[j]);
            }
        }
    }
}

/*
 * A partition of all the vCPUs (by PPTT structure offset) against the
 * domains of @level: true if each structure holds exactly one domain.
 */
static const VTopoCpu **vtopo_acpi_all_cpus(const VTopo *topo)
{
    const VTopoCpu **cpus = g_new(const VTopoCpu *, topo->nr_cpus);

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        cpus[i] = &topo->cpus[i];
    }
    return cpus;
}

static bool vtopo_acpi_groups_match(const VTopo *topo, const uint64_t *key,
                                    CpuTopologyLevel level)
{
    g_autofree const VTopoCpu **cpus = vtopo_acpi_all_cpus(topo);

    return vtopo_groups_match(topo, cpus, key, topo->nr_cpus, level);
}

/* The same against the instances of @cache. */
static bool vtopo_acpi_cache_groups_match(const VTopo *topo,
                                          const uint64_t *key,
                                          const VTopoSharedCache *cache)
{
    g_autofree const VTopoCpu **cpus = vtopo_acpi_all_cpus(topo);

    return vtopo_cache_groups_match(topo, cpus, key, topo->nr_cpus, cache);
}

/*
 * Mark in @seen the levels whose domains the partition @key matches
 * (several when the levels between them have one domain each); false
 * if it matches none, nor the parts of a domain that each NUMA node
 * holds, where a last-level cache follows the nodes.
 */
static bool vtopo_acpi_levels_of(const VTopo *topo, const uint64_t *key,
                                 bool seen[VTOPO_LEVELS])
{
    const VTopoSharedCache *llc = vtopo_llc(topo);
    bool any = false;

    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_THREAD; l < VTOPO_LEVELS;
         l++) {
        if (topo->shape.supported[l] &&
            vtopo_acpi_groups_match(topo, key, l)) {
            seen[l] = any = true;
        }
    }
    return any || (llc && llc->per_node &&
                   vtopo_acpi_cache_groups_match(topo, key, llc));
}

/* Whether the partition @key has one part: the whole machine. */
static bool vtopo_acpi_one_group(const VTopo *topo, const uint64_t *key)
{
    for (unsigned int i = 1; i < topo->nr_cpus; i++) {
        if (key[i] != key[0]) {
            return false;
        }
    }
    return true;
}

/*
 * The package of each vCPU as Linux finds it (drivers/acpi/pptt.c,
 * acpi_find_processor_tag()): the first node flagged physical package
 * from its leaf up, or the root; the packages must be the sockets.
 */
static void vtopo_acpi_check_packages(const VTopo *topo,
                                      const VTopoAcpiTables *t,
                                      const VTopoAcpiPpttNode **leaf,
                                      VTopoAcpiRule *r)
{
    g_autofree uint64_t *key = g_new(uint64_t, topo->nr_cpus);

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoAcpiPpttNode *n = leaf[i];

        while (!(n->flags & VTOPO_ACPI_PPTT_PHYSICAL_PACKAGE) && n->parent) {
            n = vtopo_acpi_pptt_node(t, n->parent);
        }
        key[i] = n->offset;
    }
    if (!vtopo_acpi_groups_match(topo, key, CPU_TOPOLOGY_LEVEL_SOCKET)) {
        vtopo_acpi_disagree(r, "the PPTT nodes the guest takes for packages "
                            "(the first flagged physical package above "
                            "each leaf) are not the sockets");
    }
}

/*
 * The processor hierarchy: leaves are the MADT UIDs, every vCPU's chain
 * has the same depth, every depth groups the vCPUs as a topology level
 * does (or holds them all, as the root QEMU's build_pptt() puts above
 * the sockets does), the packages are the sockets, and every level with
 * more than one domain per parent is there.  Returns the leaf of each
 * vCPU (for the caches), or NULL.
 */
static const VTopoAcpiPpttNode **vtopo_acpi_check_pptt_nodes(
    const VTopo *topo, const VTopoAcpiTables *t,
    const VTopoAcpiProcessor **madt, VTopoAcpiRule *r)
{
    g_autofree const VTopoAcpiPpttNode **leaf =
        g_new0(const VTopoAcpiPpttNode *, topo->nr_cpus);
    g_autofree uint64_t *key = g_new(uint64_t, topo->nr_cpus);
    g_autofree const VTopoAcpiPpttNode **at = NULL;
    bool level_seen[VTOPO_LEVELS] = { false };
    unsigned int depth = 0;

    for (guint i = 0; i < t->pptt_nodes->len; i++) {
        const VTopoAcpiPpttNode *n =
            &g_array_index(t->pptt_nodes, VTopoAcpiPpttNode, i);

        if (!(n->flags & VTOPO_ACPI_PPTT_LEAF)) {
            continue;
        }
        /* A vCPU the MADT may leave out (above) still has its leaf */
        if (n->id >= topo->nr_cpus ||
            (!madt[n->id] &&
             (topo->cpus[n->id].present || topo->cpu_hotplug))) {
            vtopo_acpi_disagree(r, "PPTT leaf 0x%x has ACPI Processor ID %u, "
                                "which is no MADT processor", n->offset,
                                n->id);
        } else if (leaf[n->id]) {
            vtopo_acpi_disagree(r, "PPTT has two leaves for processor %u",
                                n->id);
        } else {
            leaf[n->id] = n;
        }
    }
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        if (!leaf[i]) {
            vtopo_acpi_disagree(r, "vCPU %u has no PPTT leaf", i);
            return NULL;
        }
    }

    /* Walk all chains up together, one depth at a time. */
    at = g_memdup2(leaf, topo->nr_cpus * sizeof(*leaf));
    for (;; depth++) {
        unsigned int ended = 0;

        for (unsigned int i = 0; i < topo->nr_cpus; i++) {
            key[i] = at[i]->offset;
            ended += !at[i]->parent;
        }
        if (!vtopo_acpi_levels_of(topo, key, level_seen) &&
            !vtopo_acpi_one_group(topo, key)) {
            vtopo_acpi_disagree(r, "PPTT nodes %u levels above the leaves "
                                "group the vCPUs as no topology level does",
                                depth);
            return NULL;
        }
        if (ended) {
            if (ended != topo->nr_cpus) {
                vtopo_acpi_disagree(r, "PPTT chains of vCPUs end at "
                                    "different depths");
                return NULL;
            }
            break;
        }
        for (unsigned int i = 0; i < topo->nr_cpus; i++) {
            at[i] = vtopo_acpi_pptt_node(t, at[i]->parent);
        }
    }
    vtopo_acpi_check_packages(topo, t, leaf, r);
    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_THREAD;
         l <= CPU_TOPOLOGY_LEVEL_SOCKET; l++) {
        if (topo->shape.supported[l] && topo->shape.count[l] > 1 &&
            !level_seen[l]) {
            vtopo_acpi_disagree(r, "PPTT has no level that groups the vCPUs "
                                "by %s", vtopo_level_name(l));
        }
    }
    return g_steal_pointer(&leaf);
}

static bool vtopo_acpi_cache_type_is(const VTopoAcpiPpttCache *c,
                                     VTopoCacheType type)
{
    switch (type) {
    case VTOPO_CACHE_DATA:
        return c->cache_type == VTOPO_ACPI_PPTT_CACHE_DATA;
    case VTOPO_CACHE_INSTRUCTION:
        return c->cache_type == VTOPO_ACPI_PPTT_CACHE_INSTRUCTION;
    default:
        return c->cache_type == VTOPO_ACPI_PPTT_CACHE_UNIFIED ||
               c->cache_type == VTOPO_ACPI_PPTT_CACHE_UNIFIED_ALT;
    }
}

/*
 * The cache of @level and @type of the vCPU whose leaf is @leaf, found
 * as Linux's drivers/acpi/pptt.c does: from the leaf up, each node's
 * private caches and their Next Level of Cache chains number the levels
 * from where the nodes below stopped.  With @type < 0, finds nothing
 * and sets *@levels (if not NULL) to the number of levels counted.
 */
static const VTopoAcpiPpttCache *vtopo_acpi_find_cache(
    const VTopoAcpiTables *t, const VTopoAcpiPpttNode *leaf,
    unsigned int level, int type, unsigned int *levels)
{
    unsigned int below = 0;

    for (const VTopoAcpiPpttNode *n = leaf; n;
         n = n->parent ? vtopo_acpi_pptt_node(t, n->parent) : NULL) {
        unsigned int deepest = below;

        for (uint32_t i = 0; i < n->nr_resources; i++) {
            uint32_t r = g_array_index(t->pptt_resources, uint32_t,
                                       n->first_resource + i);
            const VTopoAcpiPpttCache *c = vtopo_acpi_pptt_cache(t, r);
            unsigned int l = below;

            for (; c; c = c->next_level ?
                          vtopo_acpi_pptt_cache(t, c->next_level) : NULL) {
                if (++l == level && type >= 0 &&
                    vtopo_acpi_cache_type_is(c, type)) {
                    return c;
                }
            }
            deepest = MAX(deepest, l);
        }
        below = deepest;
    }
    if (levels) {
        *levels = below;
    }
    return NULL;
}

static void vtopo_acpi_check_pptt_caches(const VTopo *topo,
                                         const VTopoAcpiTables *t,
                                         const VTopoAcpiPpttNode **leaf,
                                         VTopoAcpiRule *r)
{
    g_autofree uint64_t *key = g_new(uint64_t, topo->nr_cpus);
    unsigned int deepest = 0;

    for (unsigned int c = 0; c < topo->nr_caches; c++) {
        deepest = MAX(deepest, topo->caches[c].geometry.level);
    }
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        unsigned int levels;

        vtopo_acpi_find_cache(t, leaf[i], 0, -1, &levels);
        if (levels != deepest) {
            vtopo_acpi_disagree(r, "the PPTT describes %u cache levels to "
                                "vCPU %u, it has %u", levels, i, deepest);
        }
    }
    for (unsigned int c = 0; c < topo->nr_caches; c++) {
        const VTopoCache *want = &topo->caches[c].geometry;
        g_autofree char *name = g_strdup_printf("L%u %s", want->level,
                                    vtopo_cache_type_name(want->type));
        bool complete = true;

        for (unsigned int i = 0; i < topo->nr_cpus; i++) {
            const VTopoAcpiPpttCache *got =
                vtopo_acpi_find_cache(t, leaf[i], want->level, want->type,
                                      NULL);

            if (!got) {
                vtopo_acpi_disagree(r, "vCPU %u has no %s cache in the PPTT",
                                    i, name);
                complete = false;
                continue;
            }
            key[i] = got->offset;
            if (got->size != want->size ||
                got->sets != vtopo_cache_sets(want) ||
                got->line_size != want->line_size ||
                (want->ways <= UINT8_MAX && got->ways != want->ways)) {
                vtopo_acpi_disagree(r, "the PPTT %s cache of vCPU %u has "
                                    "size %u, %u sets, %u ways, %u-byte "
                                    "lines; the vCPU describes %" PRIu64
                                    ", %" PRIu64 ", %u, %u", name, i,
                                    got->size, got->sets, got->ways,
                                    got->line_size, want->size,
                                    vtopo_cache_sets(want), want->ways,
                                    want->line_size);
            }
        }
        if (complete && !vtopo_acpi_cache_groups_match(topo, key,
                                                       &topo->caches[c])) {
            g_autofree char *sharing =
                vtopo_cache_sharing_name(&topo->caches[c]);

            vtopo_acpi_disagree(r, "the PPTT does not share the %s cache per "
                                "%s", name, sharing);
        }
    }
}

static bool vtopo_acpi_domain_in(GArray *domains, uint32_t domain)
{
    for (guint i = 0; i < domains->len; i++) {
        if (g_array_index(domains, uint32_t, i) == domain) {
            return true;
        }
    }
    return false;
}

static void vtopo_acpi_check_hmat(const VTopoAcpiTables *t, VTopoAcpiRule *r)
{
    g_autoptr(GArray) initiators = g_array_copy(t->initiator_domains);
    g_autoptr(GArray) memory = g_array_new(false, false, sizeof(uint32_t));

    for (guint i = 0; i < t->cpu_affinity->len; i++) {
        const VTopoAcpiCpuAffinity *a =
            &g_array_index(t->cpu_affinity, VTopoAcpiCpuAffinity, i);

        if (a->enabled) {
            g_array_append_val(initiators, a->domain);
        }
    }
    for (guint i = 0; i < t->mem_affinity->len; i++) {
        const VTopoAcpiMemAffinity *m =
            &g_array_index(t->mem_affinity, VTopoAcpiMemAffinity, i);

        if (m->flags & VTOPO_ACPI_MEM_ENABLED) {
            g_array_append_val(memory, m->domain);
        }
    }
    for (guint i = 0; i < t->hmat_domains->len; i++) {
        const VTopoAcpiHmatDomain *d =
            &g_array_index(t->hmat_domains, VTopoAcpiHmatDomain, i);

        if (d->initiator >= 0 &&
            !vtopo_acpi_domain_in(initiators, d->initiator)) {
            vtopo_acpi_disagree(r, "HMAT attaches initiator domain %" PRId64
                                ", which has no processor or initiator in "
                                "the SRAT", d->initiator);
        }
        if (!vtopo_acpi_domain_in(memory, d->memory)) {
            vtopo_acpi_disagree(r, "HMAT describes memory domain %u, which "
                                "has no memory in the SRAT", d->memory);
        }
    }
    for (guint i = 0; i < t->hmat_initiators->len; i++) {
        uint32_t d = g_array_index(t->hmat_initiators, uint32_t, i);

        if (!vtopo_acpi_domain_in(initiators, d)) {
            vtopo_acpi_disagree(r, "HMAT locality initiator %u has no "
                                "processor or initiator in the SRAT", d);
        }
    }
    for (guint i = 0; i < t->hmat_targets->len; i++) {
        uint32_t d = g_array_index(t->hmat_targets, uint32_t, i);

        if (!vtopo_acpi_domain_in(memory, d)) {
            vtopo_acpi_disagree(r, "HMAT locality target %u has no memory "
                                "in the SRAT", d);
        }
    }
}

void vtopo_acpi_check(const VTopo *topo, const VTopoAcpiTables *t,
                      GArray *findings)
{
    VTopoAcpiRule madt = { "acpi-madt" }, srat = { "acpi-srat" };
    VTopoAcpiRule slit = { "acpi-slit" }, pptt = { "acpi-pptt" };
    VTopoAcpiRule hmat = { "acpi-hmat" };
    g_autofree const VTopoAcpiProcessor **by_uid = NULL;
    g_autofree const VTopoAcpiPpttNode **leaf = NULL;

    if (t->has_madt) {
        by_uid = vtopo_acpi_madt_by_uid(topo, t, &madt);
        vtopo_acpi_check_madt(topo, by_uid, &madt);
    } else if (t->has_pptt) {
        vtopo_acpi_disagree(&pptt, "there is a PPTT but no MADT");
    }
    if (topo->nr_nodes && !t->has_srat) {
        vtopo_acpi_disagree(&srat, "there are NUMA nodes but no SRAT");
    } else if (t->has_srat) {
        vtopo_acpi_check_srat(topo, t, &srat);
    }
    vtopo_acpi_check_slit(topo, t, &slit);
    if (t->has_pptt && by_uid) {
        leaf = vtopo_acpi_check_pptt_nodes(topo, t, by_uid, &pptt);
        if (leaf && (topo->nr_caches || t->pptt_caches->len)) {
            vtopo_acpi_check_pptt_caches(topo, t, leaf,
                                         &pptt);
        }
    }
    if (t->has_hmat) {
        vtopo_acpi_check_hmat(t, &hmat);
    }
    vtopo_acpi_report(&madt, findings);
    vtopo_acpi_report(&srat, findings);
    vtopo_acpi_report(&slit, findings);
    vtopo_acpi_report(&pptt, findings);
    vtopo_acpi_report(&hmat, findings);
}
