/*
 * vtopo: x86 CPUID topology leaves, encoded through named fields
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "target/i386/vtopo/cpuid-topo.h"

/* @count in a field that holds at most @max, saturating. */
static uint32_t vtopo_cpuid_count(uint32_t count, uint32_t max)
{
    return MIN(count, max);
}

/* Bits of an x2APIC ID field that numbers @count domains. */
static uint32_t vtopo_x86_id_width(uint32_t count)
{
    return count > 1 ? g_bit_storage(count - 1) : 0;
}

VTopoX86Topology vtopo_x86_topology(const uint32_t count[VTOPO_X86_PACKAGE])
{
    VTopoX86Topology topo = { 0 };

    topo.logical_processors[VTOPO_X86_THREAD] = 1;
    for (VTopoX86Level l = VTOPO_X86_THREAD; l < VTOPO_X86_PACKAGE; l++) {
        topo.present[l] = l <= VTOPO_X86_CORE || count[l] > 1;
        topo.id_shift[l + 1] = topo.id_shift[l] +
                               vtopo_x86_id_width(count[l]);
        topo.logical_processors[l + 1] = topo.logical_processors[l] *
                                         count[l];
    }
    topo.present[VTOPO_X86_PACKAGE] = true;
    return topo;
}

VTopoX86Topology vtopo_x86_topology_of(const VTopoShape *shape)
{
    const uint32_t count[VTOPO_X86_PACKAGE] = {
        [VTOPO_X86_THREAD] = shape->count[CPU_TOPOLOGY_LEVEL_THREAD],
        [VTOPO_X86_CORE] = shape->count[CPU_TOPOLOGY_LEVEL_CORE],
        [VTOPO_X86_MODULE] = shape->count[CPU_TOPOLOGY_LEVEL_MODULE],
        [VTOPO_X86_DIE] = shape->count[CPU_TOPOLOGY_LEVEL_DIE],
    };

    return vtopo_x86_topology(count);
}

const VTopoX86Topology vtopo_x86_uniprocessor = {
    .present = {
        [VTOPO_X86_THREAD] = true,
        [VTOPO_X86_CORE] = true,
        [VTOPO_X86_PACKAGE] = true,
    },
    .logical_processors = {
        [VTOPO_X86_THREAD] = 1,
        [VTOPO_X86_CORE] = 1,
        [VTOPO_X86_MODULE] = 1,
        [VTOPO_X86_DIE] = 1,
        [VTOPO_X86_PACKAGE] = 1,
    },
};

uint32_t vtopo_x86_domain_ids(const VTopoX86Topology *topo,
                              VTopoX86Level level)
{
    return UINT32_C(1) << topo->id_shift[level];
}

uint32_t vtopo_x86_package_core_ids(const VTopoX86Topology *topo)
{
    return UINT32_C(1) << (topo->id_shift[VTOPO_X86_PACKAGE] -
                           topo->id_shift[VTOPO_X86_CORE]);
}

static uint32_t vtopo_cpuid_package_threads(const VTopoX86Topology *topo)
{
    return topo->logical_processors[VTOPO_X86_PACKAGE];
}

uint32_t vtopo_cpuid1_ebx(const VTopoX86Topology *topo,
                          const VTopoX86Conventions *conv, uint32_t apic_id,
                          uint32_t clflush_bytes)
{
    uint32_t ebx = 0;
    uint32_t count = 0;

    if (vtopo_cpuid_package_threads(topo) > 1) {
        count = conv->addressable_ids ?
                1u << topo->id_shift[VTOPO_X86_PACKAGE] :
                vtopo_cpuid_package_threads(topo);
    }
    ebx = FIELD_DP32(ebx, CPUID1_EBX, CLFLUSH_LINE_SIZE,
                     clflush_bytes / 8);
    ebx = FIELD_DP32(ebx, CPUID1_EBX, LOGICAL_PROCESSORS,
                     vtopo_cpuid_count(count,
                                       VTOPO_FIELD_MAX(CPUID1_EBX,
                                                       LOGICAL_PROCESSORS)));
    ebx = FIELD_DP32(ebx, CPUID1_EBX, INITIAL_APIC_ID, apic_id);
    return ebx;
}

static uint32_t vtopo_cpuid_level_type(VTopoX86Level level)
{
    switch (level) {
    case VTOPO_X86_THREAD:
        return CPUID_EXT_TOPO_LEVEL_SMT;
    case VTOPO_X86_CORE:
        return CPUID_EXT_TOPO_LEVEL_CORE;
    case VTOPO_X86_MODULE:
        return CPUID_EXT_TOPO_LEVEL_MODULE;
    case VTOPO_X86_DIE:
        return CPUID_EXT_TOPO_LEVEL_DIE;
    default:
        return CPUID_EXT_TOPO_LEVEL_INVALID;
    }
}

/*
 * One subleaf of leaf 0BH or 1FH: @level described through the domain of
 * @next, the level above it in the leaf (VTOPO_X86_LEVELS: the subleaf
 * past the last level, whose type is invalid).
 */
static VTopoCpuidRegs vtopo_cpuid_ext_topo(const VTopoX86Topology *topo,
                                           uint32_t apic_id, uint32_t subleaf,
                                           VTopoX86Level level,
                                           VTopoX86Level next)
{
    VTopoCpuidRegs r = { 0 };

    if (next < VTOPO_X86_LEVELS) {
        /* SDM: "software must not use EBX[15:0] to enumerate" - saturate */
        uint32_t count =
            vtopo_cpuid_count(topo->logical_processors[next],
                              VTOPO_FIELD_MAX(CPUID_EXT_TOPO_EBX,
                                              LOGICAL_PROCESSORS));

        r.eax = FIELD_DP32(r.eax, CPUID_EXT_TOPO_EAX, X2APIC_ID_SHIFT,
                           topo->id_shift[next]);
        r.ebx = FIELD_DP32(r.ebx, CPUID_EXT_TOPO_EBX, LOGICAL_PROCESSORS,
                           count);
        r.ecx = FIELD_DP32(r.ecx, CPUID_EXT_TOPO_ECX, LEVEL_TYPE,
                           vtopo_cpuid_level_type(level));
    }
    r.ecx = FIELD_DP32(r.ecx, CPUID_EXT_TOPO_ECX, LEVEL_NUMBER, subleaf);
    r.edx = FIELD_DP32(r.edx, CPUID_EXT_TOPO_EDX, X2APIC_ID, apic_id);
    return r;
}

VTopoCpuidRegs vtopo_cpuid0b_encode(const VTopoX86Topology *topo,
                                    uint32_t apic_id, uint32_t subleaf)
{
    switch (subleaf) {
    case 0:
        return vtopo_cpuid_ext_topo(topo, apic_id, subleaf,
                                    VTOPO_X86_THREAD, VTOPO_X86_CORE);
    case 1:
        return vtopo_cpuid_ext_topo(topo, apic_id, subleaf,
                                    VTOPO_X86_CORE, VTOPO_X86_PACKAGE);
    default:
        return vtopo_cpuid_ext_topo(topo, apic_id, subleaf,
                                    VTOPO_X86_LEVELS, VTOPO_X86_LEVELS);
    }
}

/* The first present level above @level (the package at the latest). */
static VTopoX86Level vtopo_cpuid_next_level(const VTopoX86Topology *topo,
                                            VTopoX86Level level)
{
    VTopoX86Level next = level + 1;

    while (next < VTOPO_X86_PACKAGE && !topo->present[next]) {
        next++;
    }
    return next;
}

VTopoCpuidRegs vtopo_cpuid1f_encode(const VTopoX86Topology *topo,
                                    uint32_t apic_id, uint32_t subleaf)
{
    VTopoX86Level level = VTOPO_X86_THREAD;

    for (uint32_t i = 0; i < subleaf && level < VTOPO_X86_PACKAGE; i++) {
        level = vtopo_cpuid_next_level(topo, level);
    }
    if (level >= VTOPO_X86_PACKAGE) {
        /* SDM: the package level itself has no subleaf. */
        return vtopo_cpuid_ext_topo(topo, apic_id, subleaf,
                                    VTOPO_X86_LEVELS, VTOPO_X86_LEVELS);
    }
    return vtopo_cpuid_ext_topo(topo, apic_id, subleaf, level,
                                vtopo_cpuid_next_level(topo, level));
}

uint32_t vtopo_cpuid80000008_ecx(const VTopoX86Topology *topo,
                                 const VTopoX86Conventions *conv)
{
    uint32_t threads = vtopo_cpuid_package_threads(topo);
    uint32_t ecx = 0;

    if (threads <= 1) {
        return 0;
    }
    if (conv->unbounded_counts) {
        ecx = FIELD_DP32(ecx, CPUID80000008_ECX, NC_UNBOUNDED,
                         threads - 1);
    } else {
        ecx = FIELD_DP32(ecx, CPUID80000008_ECX, NC,
                         vtopo_cpuid_count(threads - 1,
                                           VTOPO_FIELD_MAX(CPUID80000008_ECX,
                                                           NC)));
    }
    ecx = FIELD_DP32(ecx, CPUID80000008_ECX, APIC_ID_SIZE,
                     topo->id_shift[VTOPO_X86_PACKAGE]);
    return ecx;
}

/* The ID of @apic_id's domain of @level among all of the machine. */
static uint32_t vtopo_x86_domain_id(const VTopoX86Topology *topo,
                                    uint32_t apic_id, VTopoX86Level level)
{
    return topo->id_shift[level] >= 32 ? 0
           : apic_id >> topo->id_shift[level];
}

/* The ID of @apic_id's domain of @level within its domain of @parent. */
static uint32_t vtopo_x86_id_within(const VTopoX86Topology *topo,
                                    uint32_t apic_id, VTopoX86Level level,
                                    VTopoX86Level parent)
{
    uint32_t id = vtopo_x86_domain_id(topo, apic_id, level);
    uint32_t width = topo->id_shift[parent] - topo->id_shift[level];

    return width >= 32 ? id : id & ((UINT32_C(1) << width) - 1);
}

uint32_t vtopo_cpuid8000001e_core_id(const VTopoX86Topology *topo,
                                     const VTopoX86Conventions *conv,
                                     uint32_t apic_id)
{
    return vtopo_x86_id_within(topo, apic_id, VTOPO_X86_CORE,
                               conv->package_core_id ? VTOPO_X86_PACKAGE
                                                     : VTOPO_X86_MODULE);
}

/* The level of a Fn8000_001E node: a die with @conv's node_per_die */
static VTopoX86Level vtopo_cpuid8000001e_node_level(
    const VTopoX86Conventions *conv)
{
    return conv->node_per_die ? VTOPO_X86_DIE : VTOPO_X86_PACKAGE;
}

uint32_t vtopo_cpuid8000001e_node_id(const VTopoX86Topology *topo,
                                     const VTopoX86Conventions *conv,
                                     uint32_t apic_id)
{
    return vtopo_x86_domain_id(topo, apic_id,
                               vtopo_cpuid8000001e_node_level(conv));
}

VTopoCpuidRegs vtopo_cpuid8000001e_encode(const VTopoX86Topology *topo,
                                          const VTopoX86Conventions *conv,
                                          uint32_t apic_id)
{
    uint32_t threads_per_core = topo->logical_processors[VTOPO_X86_CORE];
    VTopoX86Level node = vtopo_cpuid8000001e_node_level(conv);
    uint32_t nodes_per_processor = topo->logical_processors[VTOPO_X86_PACKAGE] /
                                   topo->logical_processors[node];
    VTopoCpuidRegs r = { 0 };

    r.eax = FIELD_DP32(r.eax, CPUID8000001E_EAX, EXTENDED_APIC_ID,
                       apic_id);
    r.ebx = FIELD_DP32(r.ebx, CPUID8000001E_EBX, CORE_ID,
                       vtopo_cpuid8000001e_core_id(topo, conv,
                                                   apic_id));
    r.ecx = FIELD_DP32(r.ecx, CPUID8000001E_ECX, NODE_ID,
                       vtopo_cpuid8000001e_node_id(topo, conv,
                                                   apic_id));
    if (conv->unbounded_counts) {
        r.ebx = FIELD_DP32(r.ebx, CPUID8000001E_EBX,
                           THREADS_PER_CORE_UNBOUNDED,
                           threads_per_core - 1);
        r.ecx = FIELD_DP32(r.ecx, CPUID8000001E_ECX,
                           NODES_PER_PROCESSOR_UNBOUNDED,
                           nodes_per_processor - 1);
    } else {
        uint32_t threads =
            vtopo_cpuid_count(threads_per_core - 1,
                              VTOPO_FIELD_MAX(CPUID8000001E_EBX,
                                              THREADS_PER_CORE));
        uint32_t nodes =
            vtopo_cpuid_count(nodes_per_processor - 1,
                              VTOPO_FIELD_MAX(CPUID8000001E_ECX,
                                              NODES_PER_PROCESSOR));

        r.ebx = FIELD_DP32(r.ebx, CPUID8000001E_EBX, THREADS_PER_CORE,
                           threads);
        r.ecx = FIELD_DP32(r.ecx, CPUID8000001E_ECX, NODES_PER_PROCESSOR,
                           nodes);
    }
    return r;
}
