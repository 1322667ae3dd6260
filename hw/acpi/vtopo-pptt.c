/*
 * ACPI PPTT, built from the topology model
 *
 * ACPI 6.5, 5.2.30 "Processor Properties Topology Table (PPTT)":
 * 5.2.30.1 Processor Hierarchy Node Structure (Type 0) and 5.2.30.2
 * Cache Type Structure (Type 1).
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/acpi/aml-build.h"
#include "hw/acpi/vtopo-pptt.h"
#include "hw/boards.h"
#include "hw/core/vtopo-machine.h"
#include "hw/registerfields.h"

/* Table 5.160: Processor Structure Flags */
FIELD(PPTT_PROCESSOR_FLAGS, PHYSICAL_PACKAGE, 0, 1)
FIELD(PPTT_PROCESSOR_FLAGS, ACPI_PROCESSOR_ID_VALID, 1, 1)
FIELD(PPTT_PROCESSOR_FLAGS, PROCESSOR_IS_A_THREAD, 2, 1)
FIELD(PPTT_PROCESSOR_FLAGS, NODE_IS_A_LEAF, 3, 1)
FIELD(PPTT_PROCESSOR_FLAGS, IDENTICAL_IMPLEMENTATION, 4, 1)

/* Table 5.162: Cache Structure Flags */
FIELD(PPTT_CACHE_FLAGS, SIZE_VALID, 0, 1)
FIELD(PPTT_CACHE_FLAGS, NUMBER_OF_SETS_VALID, 1, 1)
FIELD(PPTT_CACHE_FLAGS, ASSOCIATIVITY_VALID, 2, 1)
FIELD(PPTT_CACHE_FLAGS, ALLOCATION_TYPE_VALID, 3, 1)
FIELD(PPTT_CACHE_FLAGS, CACHE_TYPE_VALID, 4, 1)
FIELD(PPTT_CACHE_FLAGS, WRITE_POLICY_VALID, 5, 1)
FIELD(PPTT_CACHE_FLAGS, LINE_SIZE_VALID, 6, 1)
FIELD(PPTT_CACHE_FLAGS, CACHE_ID_VALID, 7, 1)

/* Table 5.161: Cache Type Structure, Attributes */
FIELD(PPTT_CACHE_ATTRIBUTES, ALLOCATION_TYPE, 0, 2)
FIELD(PPTT_CACHE_ATTRIBUTES, CACHE_TYPE, 2, 2)
FIELD(PPTT_CACHE_ATTRIBUTES, WRITE_POLICY, 4, 1)

#define PPTT_ALLOCATION_READ_WRITE      2
#define PPTT_CACHE_TYPE_DATA            0
#define PPTT_CACHE_TYPE_INSTRUCTION     1
#define PPTT_CACHE_TYPE_UNIFIED         2
#define PPTT_WRITE_POLICY_WRITE_BACK    0

#define PPTT_TYPE_PROCESSOR             0
#define PPTT_TYPE_CACHE                 1
#define PPTT_PROCESSOR_LENGTH           20
#define PPTT_CACHE_LENGTH               28

/*
 * The position of a node that no topology level has: the part of a
 * domain that one NUMA node holds, when a last-level cache follows the
 * nodes (VTopoSharedCache.per_node).  It sits just below the node of
 * the cache's level and holds the cache.
 */
#define VTOPO_PPTT_NODE_GROUP           VTOPO_LEVELS

typedef struct VTopoPptt {
    GArray *table;
    uint32_t start;
    /* Levels with a hierarchy node */
    bool node_level[VTOPO_LEVELS];
    /*
     * The cache that follows the NUMA nodes, if any, and the level of the
     * node its groups hang from
     */
    const VTopoSharedCache *per_node;
    CpuTopologyLevel per_node_parent;
    /*
     * The caches, outermost first (the order their structures are built
     * in), and the position (level, or VTOPO_PPTT_NODE_GROUP) of the node
     * each is attached to.
     */
    unsigned int nr_caches;
    const VTopoCache *cache[VTOPO_MAX_CACHES];
    unsigned int cache_level[VTOPO_MAX_CACHES];
    /*
     * The open node of each position (its domain, or cache instance) and
     * the latest instance of each cache
     */
    int open_domain[VTOPO_PPTT_NODE_GROUP + 1];
    uint32_t open_offset[VTOPO_PPTT_NODE_GROUP + 1];
    uint32_t cache_offset[VTOPO_MAX_CACHES];
    uint32_t next_cache_id;
} VTopoPptt;

/*
 * The levels that get a node in @layout: the package and the core, and
 * (VTOPO_PPTT_TOPOLOGY) every level in between or below with more than
 * one domain per parent, or (VTOPO_PPTT_SOCKETS) the clusters where
 * -smp has them and the threads where there are more than one.
 */
static bool vtopo_pptt_has_node(MachineState *ms, VTopoPpttLayout layout,
                                CpuTopologyLevel level)
{
    MachineClass *mc = MACHINE_GET_CLASS(ms);
    const VTopoShape *shape = &ms->topology->shape;

    if (level == CPU_TOPOLOGY_LEVEL_SOCKET ||
        level == CPU_TOPOLOGY_LEVEL_CORE) {
        return true;
    }
    if (layout == VTOPO_PPTT_SOCKETS) {
        switch (level) {
        case CPU_TOPOLOGY_LEVEL_CLUSTER:
            return mc->smp_props.clusters_supported &&
                   mc->smp_props.has_clusters;
        case CPU_TOPOLOGY_LEVEL_THREAD:
            return shape->count[level] > 1;
        default:
            return false;
        }
    }
    return level < CPU_TOPOLOGY_LEVEL_SOCKET && shape->supported[level] &&
           shape->count[level] > 1;
}

/* The innermost level with a node that holds a whole domain of @level. */
static CpuTopologyLevel vtopo_pptt_node_level_for(const VTopoPptt *p,
                                                  CpuTopologyLevel level)
{
    CpuTopologyLevel l = level;

    while (l < CPU_TOPOLOGY_LEVEL_SOCKET && !p->node_level[l]) {
        l++;
    }
    return l;
}

static uint32_t vtopo_pptt_offset(const VTopoPptt *p)
{
    return p->table->len - p->start;
}

/* 5.2.30.2: one instance of cache @c, chained to the next level's. */
static uint32_t vtopo_pptt_cache_type(VTopoCacheType type)
{
    switch (type) {
    case VTOPO_CACHE_DATA:
        return PPTT_CACHE_TYPE_DATA;
    case VTOPO_CACHE_INSTRUCTION:
        return PPTT_CACHE_TYPE_INSTRUCTION;
    case VTOPO_CACHE_UNIFIED:
        return PPTT_CACHE_TYPE_UNIFIED;
    }
    g_assert_not_reached();
}

static uint32_t vtopo_pptt_build_cache(VTopoPptt *p, int c)
{
    const VTopoCache *geometry = p->cache[c];
    uint32_t offset = vtopo_pptt_offset(p);
    uint32_t next = 0, flags = 0, attributes = 0;

    /*
     * The next level: the nearest outer cache private to the same node
     * (built just before this one), else none.  A cache shared by a
     * larger node is that node's resource: chaining to it as well would
     * count its level twice (Linux's acpi_count_levels() walks the
     * chains of every node from the leaf up).
     */
    for (int outer = c - 1; outer >= 0 && !next; outer--) {
        if (p->cache_level[outer] == p->cache_level[c] &&
            p->cache[outer]->level > geometry->level) {
            next = p->cache_offset[outer];
        }
    }

    flags = FIELD_DP32(flags, PPTT_CACHE_FLAGS, SIZE_VALID, 1);
    flags = FIELD_DP32(flags, PPTT_CACHE_FLAGS, NUMBER_OF_SETS_VALID, 1);
    /* Associativity has one byte: leave it out when it does not fit */
    flags = FIELD_DP32(flags, PPTT_CACHE_FLAGS, ASSOCIATIVITY_VALID,
                       geometry->ways <= UINT8_MAX);
    flags = FIELD_DP32(flags, PPTT_CACHE_FLAGS, ALLOCATION_TYPE_VALID, 1);
    flags = FIELD_DP32(flags, PPTT_CACHE_FLAGS, CACHE_TYPE_VALID, 1);
    flags = FIELD_DP32(flags, PPTT_CACHE_FLAGS, WRITE_POLICY_VALID, 1);
    flags = FIELD_DP32(flags, PPTT_CACHE_FLAGS, LINE_SIZE_VALID, 1);
    flags = FIELD_DP32(flags, PPTT_CACHE_FLAGS, CACHE_ID_VALID, 1);

    attributes = FIELD_DP32(attributes, PPTT_CACHE_ATTRIBUTES,
                            ALLOCATION_TYPE, PPTT_ALLOCATION_READ_WRITE);
    attributes = FIELD_DP32(attributes, PPTT_CACHE_ATTRIBUTES, CACHE_TYPE,
                            vtopo_pptt_cache_type(geometry->type));
    attributes = FIELD_DP32(attributes, PPTT_CACHE_ATTRIBUTES, WRITE_POLICY,
                            PPTT_WRITE_POLICY_WRITE_BACK);

    build_append_int_noprefix(p->table, PPTT_TYPE_CACHE, 1);  /* Type */
    build_append_int_noprefix(p->table, PPTT_CACHE_LENGTH, 1); /* Length */
    build_append_int_noprefix(p->table, 0, 2);              /* Reserved */
    build_append_int_noprefix(p->table, flags, 4);          /* Flags */
    build_append_int_noprefix(p->table, next, 4);   /* Next Level of Cache */
    build_append_int_noprefix(p->table, geometry->size, 4);  /* Size */
    /* Number of sets */
    build_append_int_noprefix(p->table, vtopo_cache_sets(geometry), 4);
    /* Associativity */
    build_append_int_noprefix(p->table,
                              geometry->ways <= UINT8_MAX ? geometry->ways : 0,
                              1);
    build_append_int_noprefix(p->table, attributes, 1);     /* Attributes */
    build_append_int_noprefix(p->table, geometry->line_size, 2); /* Line size */
    build_append_int_noprefix(p->table, p->next_cache_id++, 4); /* Cache ID */

    p->cache_offset[c] = offset;
    return offset;
}

/*
 * Whether cache @c is in the middle of a chain of caches private to one
 * node: an inner one chains to it and it chains to an outer one.  Linux
 * (acpi_find_cache_level()) counts levels along the chain of every
 * private resource from 1, so listing it as well would give the outer
 * cache a second level ("Found duplicate cache level/type").
 */
static bool vtopo_pptt_cache_in_chain(const VTopoPptt *p, int c)
{
    bool inner = false, outer = false;

    for (unsigned int o = 0; o < p->nr_caches; o++) {
        if (p->cache_level[o] != p->cache_level[c]) {
            continue;
        }
        inner |= p->cache[o]->level < p->cache[c]->level;
        outer |= p->cache[o]->level > p->cache[c]->level;
    }
    return inner && outer;
}

/* 5.2.30.1: one processor hierarchy node; returns its offset. */
static uint32_t vtopo_pptt_append_node(VTopoPptt *p, uint32_t flags,
                                       uint32_t parent, uint32_t id,
                                       const uint32_t *resources,
                                       uint32_t nr_resources)
{
    uint32_t offset = vtopo_pptt_offset(p);

    build_append_int_noprefix(p->table, PPTT_TYPE_PROCESSOR, 1); /* Type */
    build_append_int_noprefix(p->table,
                              PPTT_PROCESSOR_LENGTH + nr_resources * 4,
                              1);                            /* Length */
    build_append_int_noprefix(p->table, 0, 2);              /* Reserved */
    build_append_int_noprefix(p->table, flags, 4);          /* Flags */
    build_append_int_noprefix(p->table, parent, 4);         /* Parent */
    build_append_int_noprefix(p->table, id, 4);   /* ACPI Processor ID */
    /* Number of Private Resources */
    build_append_int_noprefix(p->table, nr_resources, 4);
    for (uint32_t i = 0; i < nr_resources; i++) {
        build_append_int_noprefix(p->table, resources[i], 4);
    }
    return offset;
}

/*
 * 5.2.30.1: the node at @level (a level, or VTOPO_PPTT_NODE_GROUP) for
 * @cpu, possible CPU @uid, after the caches it holds; @parent is the
 * offset of its parent node, 0 for none.
 */
static void vtopo_pptt_build_node(VTopoPptt *p, uint32_t uid,
                                  const VTopoCpu *cpu, unsigned int level,
                                  uint32_t parent)
{
    bool leaf = level == CPU_TOPOLOGY_LEVEL_THREAD ||
                (level == CPU_TOPOLOGY_LEVEL_CORE &&
                 !p->node_level[CPU_TOPOLOGY_LEVEL_THREAD]);
    uint32_t id;
    uint32_t resources[VTOPO_MAX_CACHES];
    uint32_t nr_resources = 0, flags = 0;

    for (unsigned int c = 0; c < p->nr_caches; c++) {
        if (p->cache_level[c] == level) {
            uint32_t offset = vtopo_pptt_build_cache(p, c);

            if (!vtopo_pptt_cache_in_chain(p, c)) {
                resources[nr_resources++] = offset;
            }
        }
    }

    flags = FIELD_DP32(flags, PPTT_PROCESSOR_FLAGS, PHYSICAL_PACKAGE,
                       level == CPU_TOPOLOGY_LEVEL_SOCKET);
    flags = FIELD_DP32(flags, PPTT_PROCESSOR_FLAGS, ACPI_PROCESSOR_ID_VALID,
                       leaf);
    flags = FIELD_DP32(flags, PPTT_PROCESSOR_FLAGS, PROCESSOR_IS_A_THREAD,
                       level == CPU_TOPOLOGY_LEVEL_THREAD);
    flags = FIELD_DP32(flags, PPTT_PROCESSOR_FLAGS, NODE_IS_A_LEAF, leaf);
    /* Every vCPU has the same CPU model */
    flags = FIELD_DP32(flags, PPTT_PROCESSOR_FLAGS, IDENTICAL_IMPLEMENTATION,
                       !leaf);

    /*
     * ACPI Processor ID: the MADT/DSDT UID of leaves, the level id above,
     * the NUMA node for the part of a domain in one node
     */
    if (leaf) {
        id = uid;
    } else if (level == VTOPO_PPTT_NODE_GROUP) {
        id = MAX(cpu->node, 0);
    } else {
        id = MAX(cpu->id[level], 0);
    }

    p->open_offset[level] = vtopo_pptt_append_node(p, flags, parent, id,
                                                   resources, nr_resources);
}

void build_pptt(GArray *table_data, BIOSLinker *linker, MachineState *ms,
                VTopoPpttLayout layout, const char *oem_id,
                const char *oem_table_id)
{
    const VTopo *topo = ms->topology;
    unsigned int order[VTOPO_MAX_CACHES];
    AcpiTable table = { .sig = "PPTT",
                        .rev = layout == VTOPO_PPTT_SOCKETS ? 2 : 3,
                        .oem_id = oem_id, .oem_table_id = oem_table_id };
    VTopoPptt p = { .table = table_data, .next_cache_id = 1 };
    uint32_t root = 0;

    /* Every machine with a PPTT has a topology model */
    assert(topo);
    for (CpuTopologyLevel l = CPU_TOPOLOGY_LEVEL_THREAD; l < VTOPO_LEVELS;
         l++) {
        p.node_level[l] = vtopo_pptt_has_node(ms, layout, l);
        p.open_domain[l] = -1;
    }
    p.open_domain[VTOPO_PPTT_NODE_GROUP] = -1;
    p.nr_caches = layout == VTOPO_PPTT_TOPOLOGY
                  ? vtopo_caches_outermost_first(topo, order) : 0;
    for (unsigned int c = 0; c < p.nr_caches; c++) {
        const VTopoSharedCache *cache = &topo->caches[order[c]];

        p.cache[c] = &cache->geometry;
        if (cache->per_node) {
            p.per_node = cache;
            p.per_node_parent = vtopo_pptt_node_level_for(&p, cache->sharing);
            p.cache_level[c] = VTOPO_PPTT_NODE_GROUP;
        } else {
            p.cache_level[c] = vtopo_pptt_node_level_for(&p, cache->sharing);
        }
    }

    acpi_table_begin(&table, table_data);
    p.start = table.table_offset;

    if (layout == VTOPO_PPTT_SOCKETS) {
        uint32_t flags = 0;

        /* One node above the sockets: the system is homogeneous */
        flags = FIELD_DP32(flags, PPTT_PROCESSOR_FLAGS, PHYSICAL_PACKAGE, 1);
        flags = FIELD_DP32(flags, PPTT_PROCESSOR_FLAGS,
                           IDENTICAL_IMPLEMENTATION, 1);
        root = vtopo_pptt_append_node(&p, flags, 0, 0, NULL, 0);
    }

    /*
     * Possible CPUs come sorted from the outermost level in, so a node
     * opens when a CPU's domain at its level (numbered across the whole
     * machine) differs from the last one.
     */
    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        const VTopoCpu *cpu = &topo->cpus[i];
        uint32_t parent = root;

        for (int l = CPU_TOPOLOGY_LEVEL_SOCKET; l >= CPU_TOPOLOGY_LEVEL_THREAD;
             l--) {
            int domain;

            if (!p.node_level[l]) {
                continue;
            }
            domain = vtopo_cpu_domain(topo, cpu, l);
            if (domain != p.open_domain[l]) {
                p.open_domain[l] = domain;
                vtopo_pptt_build_node(&p, i, cpu, l, parent);
            }
            parent = p.open_offset[l];
            /* The part of the domain in @cpu's node, under the domain */
            if (p.per_node && l == p.per_node_parent) {
                domain = vtopo_cache_instance(topo, p.per_node, cpu);
                if (domain != p.open_domain[VTOPO_PPTT_NODE_GROUP]) {
                    p.open_domain[VTOPO_PPTT_NODE_GROUP] = domain;
                    vtopo_pptt_build_node(&p, i, cpu, VTOPO_PPTT_NODE_GROUP,
                                          parent);
                    /* The levels inside open anew in the group */
                    for (int inner = l - 1; inner >= CPU_TOPOLOGY_LEVEL_THREAD;
                         inner--) {
                        p.open_domain[inner] = -1;
                    }
                }
                parent = p.open_offset[VTOPO_PPTT_NODE_GROUP];
            }
        }
    }

    acpi_table_end(linker, &table);
}
