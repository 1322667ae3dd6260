/*
 * vtopo: check the CPUID topology and cache leaves against the model
 *
 * The leaves as the guest reads them, decoded through their named
 * fields (Intel SDM vol. 2A, CPUID leaves 01H, 04H, 0BH and 1FH; AMD APM
 * vol. 3, CPUID Fn0000_0001, Fn8000_0008, Fn8000_001D and Fn8000_001E)
 * and compared with the topology model: the APIC ID of every vCPU, the
 * domains each level's shift or ID field groups the vCPUs into, the
 * counts of logical processors, and each cache's geometry and the
 * domains its sharing field groups them into.  Depends on glib and libc
 * only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_VTOPO_CPUID_CHECK_H
#define TARGET_I386_VTOPO_CPUID_CHECK_H

#include "hw/core/vtopo/model.h"
#include "target/i386/vtopo/cpuid.h"

/* More subleaves than any topology or cache leaf QEMU builds has */
#define VTOPO_CPUID_MAX_SUBLEAVES 8

/*
 * VTopoCpuidLeaf: the valid subleaves of one leaf, from subleaf 0 up to
 * the first invalid one (level type 0, cache type Null); @nr is 0 when
 * the vCPU does not have the leaf.
 */
typedef struct VTopoCpuidLeaf {
    unsigned int nr;
    VTopoCpuidRegs sub[VTOPO_CPUID_MAX_SUBLEAVES];
} VTopoCpuidLeaf;

/*
 * VTopoCpuidView: what one vCPU tells the guest.
 * @leaf1: leaf 01H: EBX (initial APIC ID, logical processor count) and
 *     EDX (HTT), where the vCPU's maximum basic leaf reaches it
 *     (@has_leaf1; -cpu ...,level=0 has none).
 * @addressable_ids: the count of @leaf1 EBX[23:16] is of addressable
 *     IDs (Intel, Zhaoxin), not of logical processors (AMD, Hygon).
 * @ext_topo: leaf 0BH and leaf 1FH.
 * @caches: leaf 04H or Fn8000_001D, whichever the guest reads the cache
 *     topology from (the vendor's).
 * @caches_leaf4: @caches is leaf 04H, whose EAX[31:26] counts the
 *     addressable core IDs of the package (Fn8000_001D has no such field).
 * @legacy: Fn8000_0005 and Fn8000_0006, where they describe the same
 *     caches as @caches (@has_legacy; machine types from 10.1 on).
 * @l1_reserved: Fn8000_0005 is reserved, 0 (Intel's SDM).
 * @l3_reserved: Fn8000_0006 describes the L2 only (ECX), its other
 *     registers are 0 (Intel's SDM; QEMU's Zhaoxin models do the same).
 * @size_ids: Fn8000_0008 ECX (NC, ApicIdSize), where it describes the
 *     processor (@has_size_ids: not on Intel and Zhaoxin, whose SDM
 *     reserves it, with x-vendor-cpuid-only-v2).
 * @amd_topo: Fn8000_001E, where the vCPU has TopologyExtensions
 *     (@has_amd_topo).
 */
typedef struct VTopoCpuidView {
    bool has_leaf1;
    VTopoCpuidRegs leaf1;
    bool addressable_ids;
    VTopoCpuidLeaf ext_topo[2];
    VTopoCpuidLeaf caches;
    bool caches_leaf4;
    bool has_legacy;
    bool l1_reserved;
    bool l3_reserved;
    VTopoCpuidRegs legacy[2];
    bool has_size_ids;
    uint32_t size_ids;
    bool has_amd_topo;
    VTopoCpuidRegs amd_topo;
} VTopoCpuidView;

/*
 * Check @views (one per vCPU of @topo, in its order; those of absent
 * vCPUs are not read) against @topo and its caches.  Each vCPU is
 * compared with the first present one, or with vCPU @lead if it is
 * present (a vCPU just plugged: what differs is then named by it
 * rather than hidden behind an earlier finding).  Adds findings
 * "cpuid-x2apic-id", "cpuid-apic-id", "cpuid-topology",
 * "cpuid-package", "cpuid-amd-topology", "cpuid-cache" and
 * "cpuid-legacy-cache" to @findings.
 */
void vtopo_cpuid_check(const VTopo *topo, const VTopoCpuidView *views,
                       int lead, GArray *findings);

#endif
