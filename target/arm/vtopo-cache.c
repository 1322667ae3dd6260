/*
 * Arm CPU caches from -machine smp-cache
 *
 * The caches an Arm CPU describes are its CLIDR_EL1 (a Ctype field per
 * level) and one CCSIDR_EL1 per level and type (Arm ARM D23.2.28 and
 * D23.2.29).  Firmware tables describe the same caches (PPTT), so they
 * are recorded in the machine's topology model.
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

/* Check that CCSIDR_EL1 can hold @c; @reason names the field if not. */
static bool arm_ccsidr_encodable(ARMCPU *cpu, const VTopoCache *c,
                                 char **reason)
{
    bool ccidx = cpu_isar_feature(any_ccidx, cpu);
    uint64_t max_ways = ccidx ? R_CCSIDR_EL1_CCIDX_ASSOCIATIVITY_MASK >>
                                R_CCSIDR_EL1_CCIDX_ASSOCIATIVITY_SHIFT
                              : R_CCSIDR_EL1_ASSOCIATIVITY_MASK >>
                                R_CCSIDR_EL1_ASSOCIATIVITY_SHIFT;
    uint64_t max_sets = ccidx ? R_CCSIDR_EL1_CCIDX_NUMSETS_MASK >>
                                R_CCSIDR_EL1_CCIDX_NUMSETS_SHIFT
                              : R_CCSIDR_EL1_NUMSETS_MASK >>
                                R_CCSIDR_EL1_NUMSETS_SHIFT;

    if (!vtopo_cache_check(c, reason)) {
        return false;
    }
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

/* Give @cpu the geometry that @p sets for cache @i, on TCG only. */
static bool arm_cpu_apply_cache_geometry(ARMCPU *cpu, int i,
                                         const SmpCacheProperties *p,
                                         Error **errp)
{
    const char *name = CacheLevelAndType_str(p->cache);
    VTopoCache kind = vtopo_cache_from_qapi(arm_vtopo_caches[i].cache);
    unsigned int level = kind.level;
    VTopoCacheType type = kind.type;
    bool present = arm_clidr_has(cpu->clidr, level, type);
    g_autofree char *reason = NULL;
    VTopoCache c = { .partitions = 1 };
    unsigned int ctype;

    if (!tcg_enabled()) {
        error_setg(errp, "smp-cache.%s: the cache geometry of Arm CPUs can "
                   "only be set with TCG", name);
        return false;
    }
    if (p->has_inclusive) {
        error_setg(errp, "smp-cache.%s: Arm CPUs do not describe whether a "
                   "cache is inclusive", name);
        return false;
    }
    if (present) {
        c = arm_ccsidr_decode(cpu,
                              cpu->ccsidr[arm_vtopo_caches[i].csselr_index]);
    } else if (!p->has_size || !p->has_ways || !p->has_line_size) {
        error_setg(errp, "smp-cache.%s: the CPU has no such cache; give its "
                   "size, ways and line-size", name);
        return false;
    }
    c.level = level;
    c.type = type;
    c.size = p->has_size ? p->size : c.size;
    c.ways = p->has_ways ? p->ways : c.ways;
    c.line_size = p->has_line_size ? p->line_size : c.line_size;
    c.partitions = p->has_partitions ? p->partitions : c.partitions;
    if (!arm_ccsidr_encodable(cpu, &c, &reason)) {
        error_setg(errp, "smp-cache.%s: %s", name, reason);
        return false;
    }
    if (!present) {
        /* A new level, or the other half of a split level 1 */
        ctype = arm_clidr_ctype(cpu->clidr, level);
        ctype = type == VTOPO_CACHE_UNIFIED ? CLIDR_CTYPE_UNIFIED :
                ctype != CLIDR_CTYPE_NONE ? CLIDR_CTYPE_SEPARATE :
                type == VTOPO_CACHE_DATA ? CLIDR_CTYPE_DATA :
                CLIDR_CTYPE_INSTRUCTION;
        cpu->clidr = arm_clidr_set_ctype(cpu->clidr, level, ctype);
        /* Maintenance by set/way reaches every level listed */
        if (FIELD_EX64(cpu->clidr, CLIDR_EL1, LOC) < level) {
            cpu->clidr = FIELD_DP64(cpu->clidr, CLIDR_EL1, LOC, level);
        }
    }
    cpu->ccsidr[arm_vtopo_caches[i].csselr_index] =
        arm_ccsidr_encode(cpu, &c);
    return true;
}

bool arm_cpu_apply_smp_cache_geometry(MachineState *ms, ARMCPU *cpu,
                                      Error **errp)
{
    for (int i = 0; i < ARRAY_SIZE(arm_vtopo_caches); i++) {
        const SmpCacheProperties *p =
            &ms->smp_cache.props[arm_vtopo_caches[i].cache];

        if ((p->has_size || p->has_ways || p->has_line_size ||
             p->has_partitions || p->has_inclusive) &&
            !arm_cpu_apply_cache_geometry(cpu, i, p, errp)) {
            return false;
        }
    }
    return true;
}

/* Whether @cpu's CLIDR_EL1 lists cache @i of arm_vtopo_caches. */
static bool arm_cpu_has_cache(ARMCPU *cpu, int i)
{
    VTopoCache kind = vtopo_cache_from_qapi(arm_vtopo_caches[i].cache);

    return arm_clidr_has(cpu->clidr, kind.level, kind.type);
}

bool arm_cpu_record_smp_caches(MachineState *ms, ARMCPU *cpu, Error **errp)
{
    VTopoSharedCache caches[VTOPO_MAX_CACHES];
    unsigned int n = 0;

    for (int i = 0; i < ARRAY_SIZE(arm_vtopo_caches); i++) {
        CacheLevelAndType cache = arm_vtopo_caches[i].cache;
        bool present = arm_cpu_has_cache(cpu, i);

        if (ms->smp_cache.props[cache].topology !=
            CPU_TOPOLOGY_LEVEL_DEFAULT) {
            if (!present) {
                error_setg(errp, "smp-cache.%s: the CPU has no such cache; "
                           "give its size, ways and line-size",
                           CacheLevelAndType_str(cache));
                return false;
            }
        } else if (present || cache != CACHE_LEVEL_AND_TYPE_L3) {
            /* machine_check_smp_cache() compares levels 1 and 2 */
            machine_set_cache_topo_level(ms, cache,
                                         arm_vtopo_caches[i].sharing);
        }
    }
    if (!machine_check_smp_cache(ms, errp)) {
        return false;
    }

    for (int i = 0; i < ARRAY_SIZE(arm_vtopo_caches); i++) {
        CacheLevelAndType cache = arm_vtopo_caches[i].cache;
        VTopoCache kind = vtopo_cache_from_qapi(cache);

        /* A cache the CPU does not describe is not in the model. */
        if (!arm_cpu_has_cache(cpu, i)) {
            continue;
        }
        caches[n].geometry = arm_ccsidr_decode(cpu,
                                cpu->ccsidr[arm_vtopo_caches[i].csselr_index]);
        caches[n].geometry.level = kind.level;
        caches[n].geometry.type = kind.type;
        caches[n].sharing =
            vtopo_level_from_qapi(ms->smp_cache.props[cache].topology);
        n++;
    }
    machine_vtopo_set_caches(ms, caches, n);
    return true;
}
