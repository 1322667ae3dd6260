/*
 * vtopo: check the CPUID topology and cache leaves against the model
 *
 * The leaves as the guest reads them, decoded through their named
 * fields (Intel SDM vol. 2A, CPUID leaves 04H, 0BH and 1FH; AMD APM
 * vol. 3, CPUID Fn8000_001D) and compared with the topology model: the
 * x2APIC ID of every vCPU, the domains each level's shift groups the
 * vCPUs into, and each cache's geometry and the domains its sharing
 * field groups them into.  Depends on glib and libc only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_VTOPO_CPUID_CHECK_H
#define TARGET_I386_VTOPO_CPUID_CHECK_H

#include "hw/core/vtopo.h"
#include "vtopo-cpuid.h"

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
 * @ext_topo: leaf 0BH and leaf 1FH.
 * @caches: leaf 04H or Fn8000_001D, whichever the guest reads the cache
 *     topology from (the vendor's).
 * @legacy: Fn8000_0005 and Fn8000_0006, where they describe the same
 *     caches as @caches (@has_legacy; machine types from 10.1 on).
 * @intel: the vendor is Intel, whose SDM reserves all of @legacy but
 *     Fn8000_0006 ECX, the L2.
 */
typedef struct VTopoCpuidView {
    VTopoCpuidLeaf ext_topo[2];
    VTopoCpuidLeaf caches;
    bool has_legacy;
    bool intel;
    VTopoCpuidRegs legacy[2];
} VTopoCpuidView;

/*
 * Check @views (one per vCPU of @topo, in its order; those of absent
 * vCPUs are not read) against @topo and its caches.  Adds findings
 * "cpuid-x2apic-id", "cpuid-topology", "cpuid-cache" and
 * "cpuid-legacy-cache" to @findings.
 */
void vtopo_cpuid_check(const VTopo *topo, const VTopoCpuidView *views,
                       GArray *findings);

#endif
