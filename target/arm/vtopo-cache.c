/*
 * Arm CPU caches of the topology model
 *
 * The caches an Arm CPU describes are its CLIDR_EL1 (a Ctype field per
 * level) and one CCSIDR_EL1 per level and type (Arm ARM D23.2.28 and
 * D23.2.29).  The topology model takes them, with what -machine
 * smp-cache asks, before the vCPUs are created; the firmware tables
 * (PPTT, device tree) and the vCPUs' registers then describe the
 * model's caches.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "system/tcg.h"
#include "hw/core/vtopo-machine.h"
#include "cpu.h"
#include "cpu-features.h"
#include "vtopo-cache.h"

/* CLIDR_EL1.Ctype<n> */
#define CLIDR_CTYPE_NONE            0
#define CLIDR_CTYPE_INSTRUCTION     1
#define CLIDR_CTYPE_DATA            2
#define CLIDR_CTYPE_SEPARATE        3
#define CLIDR_CTYPE_UNIFIED         4
#define CLIDR_CTYPE_BITS            3

/* CCSIDR_EL1.LineSize: log2(bytes) - 4 */
#define CCSIDR_LINESIZE_MIN         16
#define CCSIDR_LINESIZE_MAX         2048

static const struct {
    CacheLevelAndType cache;
    /* The CSSELR_EL1 (Level, InD) selecting its CCSIDR_EL1 */
    unsigned int csselr_index;
    /* Default sharing when smp-cache does not set one */
    CpuTopologyLevel sharing;
} arm_vtopo_caches[] = {
    { CACHE_LEVEL_AND_TYPE_L1D, 0, CPU_TOPOLOGY_LEVEL_CORE },
    { CACHE_LEVEL_AND_TYPE_L1I, 1, CPU_TOPOLOGY_LEVEL_CORE },
    { CACHE_LEVEL_AND_TYPE_L2, 2, CPU_TOPOLOGY_LEVEL_CORE },
    { CACHE_LEVEL_AND_TYPE_L3, 4, CPU_TOPOLOGY_LEVEL_SOCKET },
};

static unsigned int arm_clidr_ctype(uint64_t clidr, unsigned int level)
{
    return extract64(clidr, (level - 1) * CLIDR_CTYPE_BITS, CLIDR_CTYPE_BITS);
}

static uint64_t arm_clidr_set_ctype(uint64_t clidr, unsigned int level,
                                    unsigned int ctype)
{
    return deposit64(clidr, (level - 1) * CLIDR_CTYPE_BITS, CLIDR_CTYPE_BITS,
                     ctype);
}

/* Whether CLIDR_EL1 lists a cache of @type at @level. */
static bool arm_clidr_has(uint64_t clidr, unsigned int level,
                          VTopoCacheType type)
{
    switch (arm_clidr_ctype(clidr, level)) {
    case CLIDR_CTYPE_INSTRUCTION:
        return type == VTOPO_CACHE_INSTRUCTION;
    case CLIDR_CTYPE_DATA:
        return type == VTOPO_CACHE_DATA;
    case CLIDR_CTYPE_SEPARATE:
        return type != VTOPO_CACHE_UNIFIED;
    case CLIDR_CTYPE_UNIFIED:
        return type == VTOPO_CACHE_UNIFIED;
    default:
        return false;
    }
}

/* The geometry that @ccsidr encodes, in the format the CPU implements. */
static VTopoCache arm_ccsidr_decode(ARMCPU *cpu, uint64_t ccsidr)
{
    VTopoCache c = { .partitions = 1 };
    uint64_t sets;

    if (cpu_isar_feature(any_ccidx, cpu)) {
        c.line_size = 16 << FIELD_EX64(ccsidr, CCSIDR_EL1, CCIDX_LINESIZE);
        c.ways = FIELD_EX64(ccsidr, CCSIDR_EL1, CCIDX_ASSOCIATIVITY) + 1;
        sets = FIELD_EX64(ccsidr, CCSIDR_EL1, CCIDX_NUMSETS) + 1;
    } else {
        c.line_size = 16 << FIELD_EX64(ccsidr, CCSIDR_EL1, LINESIZE);
        c.ways = FIELD_EX64(ccsidr, CCSIDR_EL1, ASSOCIATIVITY) + 1;
        sets = FIELD_EX64(ccsidr, CCSIDR_EL1, NUMSETS) + 1;
    }
    c.size = sets * c.ways * c.line_size;
    return c;
}

/*
 * Check that CCSIDR_EL1 of @opaque, an ARMCPU, can hold @c; @reason names
 * the field if not.
 */
static bool arm_ccsidr_encodable(const VTopoCache *c, const void *opaque,
                                 char **reason)
{
    const ARMCPU *cpu = opaque;
    bool ccidx = isar_feature_any_ccidx(&cpu->isar);
    uint64_t max_ways = ccidx ? R_CCSIDR_EL1_CCIDX_ASSOCIATIVITY_MASK >>
                                R_CCSIDR_EL1_CCIDX_ASSOCIATIVITY_SHIFT
                              : R_CCSIDR_EL1_ASSOCIATIVITY_MASK >>
                                R_CCSIDR_EL1_ASSOCIATIVITY_SHIFT;
    uint64_t max_sets = ccidx ? R_CCSIDR_EL1_CCIDX_NUMSETS_MASK >>
                                R_CCSIDR_EL1_CCIDX_NUMSETS_SHIFT
                              : R_CCSIDR_EL1_NUMSETS_MASK >>
                                R_CCSIDR_EL1_NUMSETS_SHIFT;

    if (c->partitions != 1) {
        *reason = g_strdup("partitions must be 1: CCSIDR_EL1 has no "
                           "such field");
    } else if (c->line_size < CCSIDR_LINESIZE_MIN ||
               c->line_size > CCSIDR_LINESIZE_MAX) {
        *reason = g_strdup_printf("line-size %u is outside CCSIDR_EL1's "
                                  "%u-%u", c->line_size, CCSIDR_LINESIZE_MIN,
                                  CCSIDR_LINESIZE_MAX);
    } else if (c->ways - 1 > max_ways) {
        *reason = g_strdup_printf("ways %u is more than CCSIDR_EL1 holds "
                                  "(%" PRIu64 ")", c->ways, max_ways + 1);
    } else if (vtopo_cache_sets(c) - 1 > max_sets) {
        *reason = g_strdup_printf("%" PRIu64 " sets are more than "
                                  "CCSIDR_EL1 holds (%" PRIu64 ")",
                                  vtopo_cache_sets(c), max_sets + 1);
    } else {
        return true;
    }
    return false;
}

static uint64_t arm_ccsidr_encode(ARMCPU *cpu, const VTopoCache *c)
{
    uint64_t ccsidr = 0;
    unsigned int linesize = ctz32(c->line_size) - 4;

    if (cpu_isar_feature(any_ccidx, cpu)) {
        ccsidr = FIELD_DP64(ccsidr, CCSIDR_EL1, CCIDX_LINESIZE, linesize);
        ccsidr = FIELD_DP64(ccsidr, CCSIDR_EL1, CCIDX_ASSOCIATIVITY,
                            c->ways - 1);
        ccsidr = FIELD_DP64(ccsidr, CCSIDR_EL1, CCIDX_NUMSETS,
                            vtopo_cache_sets(c) - 1);
    } else {
        ccsidr = FIELD_DP64(ccsidr, CCSIDR_EL1, LINESIZE, linesize);
        ccsidr = FIELD_DP64(ccsidr, CCSIDR_EL1, ASSOCIATIVITY, c->ways - 1);
        ccsidr = FIELD_DP64(ccsidr, CCSIDR_EL1, NUMSETS,
                            vtopo_cache_sets(c) - 1);
    }
    return ccsidr;
}

/* Whether @cpu's CLIDR_EL1 lists cache @i of arm_vtopo_caches. */
static bool arm_cpu_has_cache(ARMCPU *cpu, int i)
{
    VTopoCache kind = vtopo_cache_from_qapi(arm_vtopo_caches[i].cache);

    return arm_clidr_has(GET_IDREG(&cpu->isar, CLIDR), kind.level, kind.type);
}

bool arm_cpu_vtopo_cpu_caches(CPUState *cs, VTopoCpuCaches *caches,
                              Error **errp)
{
    ARMCPU *cpu = ARM_CPU(cs);

    for (int i = 0; i < ARRAY_SIZE(arm_vtopo_caches); i++) {
        CacheLevelAndType kind = arm_vtopo_caches[i].cache;

        caches->cache[kind].sharing = arm_vtopo_caches[i].sharing;
        if (arm_cpu_has_cache(cpu, i)) {
            caches->present[kind] = true;
            caches->cache[kind].geometry = arm_ccsidr_decode(cpu,
                cpu->ccsidr[arm_vtopo_caches[i].csselr_index]);
        }
        /* Under KVM the guest reads the host's CLIDR_EL1 and CCSIDR_EL1 */
        if (!tcg_enabled()) {
            caches->fixed[kind] = "the cache geometry of Arm CPUs can only "
                                  "be set with TCG";
        }
    }
    caches->inclusive_fixed = "Arm CPUs do not describe whether a cache is "
                              "inclusive";
    caches->encodable = arm_ccsidr_encodable;
    caches->opaque = cpu;
    return true;
}

/* Describe @c, cache @i of arm_vtopo_caches, in @cpu's registers. */
static void arm_cpu_set_cache(ARMCPU *cpu, int i, const VTopoCache *c)
{
    unsigned int ctype;

    if (!arm_cpu_has_cache(cpu, i)) {
        /* A new level, or the other half of a split level 1 */
        uint64_t clidr = GET_IDREG(&cpu->isar, CLIDR);

        ctype = arm_clidr_ctype(clidr, c->level);
        ctype = c->type == VTOPO_CACHE_UNIFIED ? CLIDR_CTYPE_UNIFIED :
                ctype != CLIDR_CTYPE_NONE ? CLIDR_CTYPE_SEPARATE :
                c->type == VTOPO_CACHE_DATA ? CLIDR_CTYPE_DATA :
                CLIDR_CTYPE_INSTRUCTION;
        clidr = arm_clidr_set_ctype(clidr, c->level, ctype);
        /* Maintenance by set/way reaches every level listed */
        if (FIELD_EX64(clidr, CLIDR_EL1, LOC) < c->level) {
            clidr = FIELD_DP64(clidr, CLIDR_EL1, LOC, c->level);
        }
        SET_IDREG(&cpu->isar, CLIDR, clidr);
    }
    cpu->ccsidr[arm_vtopo_caches[i].csselr_index] = arm_ccsidr_encode(cpu, c);
}

void arm_cpu_apply_vtopo_caches(MachineState *ms, ARMCPU *cpu)
{
    const VTopo *topo = ms->topology;

    for (unsigned int k = 0; topo && k < topo->nr_caches; k++) {
        const VTopoCache *c = &topo->caches[k].geometry;
        CacheLevelAndType cache = vtopo_cache_to_qapi(c);

        /* The CPU's own registers already describe the others. */
        if (!(topo->caches[k].given & VTOPO_CACHE_FIELDS_GEOMETRY)) {
            continue;
        }
        for (int i = 0; i < ARRAY_SIZE(arm_vtopo_caches); i++) {
            if (arm_vtopo_caches[i].cache == cache) {
                arm_cpu_set_cache(cpu, i, c);
            }
        }
    }
}
