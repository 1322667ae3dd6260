/*
 * vtopo: x86 CPUID topology leaves, encoded through named fields
 *
 * Intel SDM vol. 2A, CPUID leaf 01H (EBX), leaf 0BH "Extended Topology
 * Enumeration" and leaf 1FH "V2 Extended Topology Enumeration"; AMD APM
 * vol. 3, CPUID Fn0000_0001 (EBX), Fn8000_0008 ECX "Size Identifiers"
 * and Fn8000_001E "Processor Topology Information".
 *
 * One domain table drives every leaf: for each level of the x2APIC ID
 * (SMT, core, module, die, package), the bits of the ID below a domain's
 * ID and the number of logical processors in a domain.  The APIC ID
 * layout itself is the machine's (include/hw/i386/topology.h); these
 * functions only say it in CPUID's words.  Depends on glib and libc.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_VTOPO_CPUID_TOPO_H
#define TARGET_I386_VTOPO_CPUID_TOPO_H

#include "hw/core/vtopo/model.h"
#include "target/i386/vtopo/cpuid.h"

/* Leaf 01H EBX */
FIELD(CPUID1_EBX, BRAND_INDEX, 0, 8)
FIELD(CPUID1_EBX, CLFLUSH_LINE_SIZE, 8, 8)    /* in 8-byte units */
/*
 * Intel: maximum number of addressable IDs for logical processors in
 * the package; AMD: LogicalProcessorCount.
 */
FIELD(CPUID1_EBX, LOGICAL_PROCESSORS, 16, 8)
FIELD(CPUID1_EBX, INITIAL_APIC_ID, 24, 8)
/* Leaf 01H EDX: the count of EBX[23:16] is valid */
FIELD(CPUID1_EDX, HTT, 28, 1)

/* Leaves 0BH and 1FH */
FIELD(CPUID_EXT_TOPO_EAX, X2APIC_ID_SHIFT, 0, 5)
FIELD(CPUID_EXT_TOPO_EBX, LOGICAL_PROCESSORS, 0, 16)
FIELD(CPUID_EXT_TOPO_ECX, LEVEL_NUMBER, 0, 8)
FIELD(CPUID_EXT_TOPO_ECX, LEVEL_TYPE, 8, 8)
FIELD(CPUID_EXT_TOPO_EDX, X2APIC_ID, 0, 32)

/* Level Type field of leaves 0BH and 1FH */
#define CPUID_EXT_TOPO_LEVEL_INVALID    0
#define CPUID_EXT_TOPO_LEVEL_SMT        1
#define CPUID_EXT_TOPO_LEVEL_CORE       2
#define CPUID_EXT_TOPO_LEVEL_MODULE     3
#define CPUID_EXT_TOPO_LEVEL_TILE       4
#define CPUID_EXT_TOPO_LEVEL_DIE        5

/* Fn8000_0008 ECX */
FIELD(CPUID80000008_ECX, NC, 0, 8)            /* threads - 1 */
FIELD(CPUID80000008_ECX, APIC_ID_SIZE, 12, 4)
FIELD(CPUID80000008_ECX, PERF_TSC_SIZE, 16, 2)

/* Fn8000_001E */
FIELD(CPUID8000001E_EAX, EXTENDED_APIC_ID, 0, 32)
FIELD(CPUID8000001E_EBX, CORE_ID, 0, 8)
FIELD(CPUID8000001E_EBX, THREADS_PER_CORE, 8, 8)      /* n - 1 */
FIELD(CPUID8000001E_ECX, NODE_ID, 0, 8)
FIELD(CPUID8000001E_ECX, NODES_PER_PROCESSOR, 8, 3)   /* n - 1 */

/*
 * QEMU 10.2 and older wrote NC, ThreadsPerCore and NodesPerProcessor
 * without a limit, so counts too large for them spilled into the
 * reserved bits above.  Their machine types keep that, as these wider
 * fields (the bits the old values could reach).
 */
FIELD(CPUID80000008_ECX, NC_UNBOUNDED, 0, 12)
FIELD(CPUID8000001E_EBX, THREADS_PER_CORE_UNBOUNDED, 8, 24)
FIELD(CPUID8000001E_ECX, NODES_PER_PROCESSOR_UNBOUNDED, 8, 24)

/* The levels of an x2APIC ID, innermost first. */
typedef enum VTopoX86Level {
    VTOPO_X86_THREAD,
    VTOPO_X86_CORE,
    VTOPO_X86_MODULE,
    VTOPO_X86_DIE,
    VTOPO_X86_PACKAGE,
    VTOPO_X86_LEVELS,
} VTopoX86Level;

/*
 * VTopoX86Topology: the domain table of one machine, which every vCPU's
 * leaves say (the machine builds it once, vtopo_x86_topology_of()).
 * @present: the machine has this level (thread, core and package always;
 *     module and die when configured), so leaf 1FH enumerates it.
 * @id_shift: bits of the x2APIC ID below the ID of a domain of this
 *     level: ID >> id_shift is the domain's ID (0 for threads).
 * @logical_processors: logical processors in one domain of this level.
 */
typedef struct VTopoX86Topology {
    bool present[VTOPO_X86_LEVELS];
    uint32_t id_shift[VTOPO_X86_LEVELS];
    uint32_t logical_processors[VTOPO_X86_LEVELS];
} VTopoX86Topology;

/*
 * VTopoX86Conventions: how a vCPU says the domain table, which its
 * vendor and its machine type decide, not the topology.
 * @addressable_ids: leaf 01H EBX[23:16] counts addressable IDs (Intel,
 *     Zhaoxin) rather than logical processors (AMD).
 * @unbounded_counts: counts that exceed their field spill over instead
 *     of saturating (the ABI of QEMU 10.2 and older machine types).
 * @package_core_id: Fn8000_001E CoreId numbers the cores of the
 *     processor (false: the cores of their module, the ABI of QEMU 10.2
 *     and older machine types).
 * @node_per_die: Fn8000_001E NodeId numbers the dies and
 *     NodesPerProcessor counts them (machine types before 9.1, and AMD
 *     models before family 17h on 11.0); otherwise a processor is one
 *     node.
 */
typedef struct VTopoX86Conventions {
    bool addressable_ids;
    bool unbounded_counts;
    bool package_core_id;
    bool node_per_die;
} VTopoX86Conventions;

/*
 * The domain table of a package of @count[VTOPO_X86_DIE] dies of
 * @count[VTOPO_X86_MODULE] modules of @count[VTOPO_X86_CORE] cores of
 * @count[VTOPO_X86_THREAD] threads (each count non-zero), in QEMU's
 * x2APIC ID layout (include/hw/i386/topology.h): the ID of each level
 * takes the bits its count needs, and modules and dies are levels of
 * their own when a parent holds more than one.
 */
VTopoX86Topology vtopo_x86_topology(const uint32_t count[VTOPO_X86_PACKAGE]);

/*
 * The domain table of the vCPUs of @shape (of a machine whose -smp has
 * no level x86 lacks: drawers, books and clusters count 1).
 */
VTopoX86Topology vtopo_x86_topology_of(const VTopoShape *shape);

/* The domain table of a package of one logical processor. */
extern const VTopoX86Topology vtopo_x86_uniprocessor;

/*
 * Addressable IDs of the logical processors of one domain of @level:
 * leaf 04H and Fn8000_001D EAX[25:14] + 1 for a cache that the domain
 * shares.
 */
uint32_t vtopo_x86_domain_ids(const VTopoX86Topology *topo,
                              VTopoX86Level level);

/* Addressable core IDs in a package: leaf 04H EAX[31:26] + 1. */
uint32_t vtopo_x86_package_core_ids(const VTopoX86Topology *topo);

/*
 * Leaf 01H EBX of the logical processor with x2APIC ID @apic_id, whose
 * CLFLUSH line is @clflush_bytes.  EBX[23:16] is 0 in a package of one
 * logical processor (EDX.HTT clear); larger counts saturate at 255.
 */
uint32_t vtopo_cpuid1_ebx(const VTopoX86Topology *topo,
                          const VTopoX86Conventions *conv, uint32_t apic_id,
                          uint32_t clflush_bytes);

/*
 * Leaf 0BH, subleaf @subleaf: the SMT and core levels, the core level
 * reaching up to the package (leaf 0BH has no module or die level).
 */
VTopoCpuidRegs vtopo_cpuid0b_encode(const VTopoX86Topology *topo,
                                    uint32_t apic_id, uint32_t subleaf);

/*
 * Leaf 1FH, subleaf @subleaf: every present level below the package, in
 * order; subleaves past the last one are invalid levels.
 */
VTopoCpuidRegs vtopo_cpuid1f_encode(const VTopoX86Topology *topo,
                                    uint32_t apic_id, uint32_t subleaf);

/*
 * Fn8000_0008 ECX: NC and ApicIdSize (0 in a package of one logical
 * processor).  PerfTscSize is 0 (40 bits).
 */
uint32_t vtopo_cpuid80000008_ecx(const VTopoX86Topology *topo,
                                 const VTopoX86Conventions *conv);

/*
 * Fn8000_001E EBX[7:0] CoreId of the logical processor with x2APIC ID
 * @apic_id.  With @conv's package_core_id, the x2APIC ID bits of its
 * core within the processor, above the thread bits and below the
 * package bits: real processors number cores so (an EPYC 9654's cores
 * in its second CCD, x2APIC IDs 40h up, have CoreIds 20h up; the second
 * package starts again at 0), so the cores of different dies of one
 * processor have different IDs.  Without it, the bits of its core
 * within its module.  Not cut to the field's 8 bits.
 */
uint32_t vtopo_cpuid8000001e_core_id(const VTopoX86Topology *topo,
                                     const VTopoX86Conventions *conv,
                                     uint32_t apic_id);

/*
 * Fn8000_001E ECX[7:0] NodeId of the logical processor with x2APIC ID
 * @apic_id: the x2APIC ID bits of its die with @conv's node_per_die,
 * else of its package.  Not cut to the field's 8 bits.
 */
uint32_t vtopo_cpuid8000001e_node_id(const VTopoX86Topology *topo,
                                     const VTopoX86Conventions *conv,
                                     uint32_t apic_id);

/*
 * Fn8000_001E of the logical processor with x2APIC ID @apic_id: its
 * CoreId, ThreadsPerCore, and the NodeId of its processor (its die with
 * @conv's node_per_die) and NodesPerProcessor.  IDs keep the low bits
 * their fields hold; counts saturate.
 */
VTopoCpuidRegs vtopo_cpuid8000001e_encode(const VTopoX86Topology *topo,
                                          const VTopoX86Conventions *conv,
                                          uint32_t apic_id);

#endif
