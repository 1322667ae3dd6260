/*
 * vtopo: check the CPUID leaves of a machine's x86 vCPUs
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/cpu.h"
#include "hw/core/vtopo-machine.h"
#include "cpu.h"
#include "target/i386/vtopo/cpuid-check.h"
#include "target/i386/vtopo/cpuid-topo.h"
#include "vtopo-cpuid-machine.h"
#include "trace.h"

static bool x86_ext_topo_subleaf_valid(const VTopoCpuidRegs *r)
{
    return FIELD_EX32(r->ecx, CPUID_EXT_TOPO_ECX, LEVEL_TYPE) !=
           CPUID_EXT_TOPO_LEVEL_INVALID;
}

static bool x86_cache_subleaf_valid(const VTopoCpuidRegs *r)
{
    return FIELD_EX32(r->eax, CPUID4_EAX, CACHE_TYPE) !=
           CPUID4_CACHE_TYPE_NULL;
}

/* The subleaves of @leaf up to the first that @valid refuses. */
static void x86_vtopo_read_leaf(CPUX86State *env, uint32_t leaf,
                                bool (*valid)(const VTopoCpuidRegs *),
                                VTopoCpuidLeaf *out)
{
    out->nr = 0;
    for (uint32_t sub = 0; sub < VTOPO_CPUID_MAX_SUBLEAVES; sub++) {
        VTopoCpuidRegs r;

        cpu_x86_cpuid(env, leaf, sub, &r.eax, &r.ebx, &r.ecx, &r.edx);
        if (!valid(&r)) {
            break;
        }
        out->sub[out->nr++] = r;
    }
}

/* All four registers of @leaf, subleaf 0. */
static void x86_vtopo_read_regs(CPUX86State *env, uint32_t leaf,
                                VTopoCpuidRegs *r)
{
    cpu_x86_cpuid(env, leaf, 0, &r->eax, &r->ebx, &r->ecx, &r->edx);
}

/*
 * What @cpu tells the guest: leaves 01H, 0BH and 1FH where its maximum
 * leaf reaches them; the cache topology leaf of its vendor (04H;
 * AMD's Fn8000_001D with TopologyExtensions, none without); Fn8000_0005
 * and Fn8000_0006 where they describe the same caches (machine types
 * from 10.1 on; not the host's, with host-cache-info=on); Fn8000_0008
 * ECX where it describes the processor (not on Intel and Zhaoxin with
 * x-vendor-cpuid-only-v2, which leave it 0 as their SDM reserves it);
 * Fn8000_001E with TopologyExtensions.
 */
static void x86_vtopo_cpuid_view(X86CPU *cpu, VTopoCpuidView *view)
{
    CPUX86State *env = &cpu->env;
    bool intel_like = IS_INTEL_CPU(env) || IS_ZHAOXIN_CPU(env);
    bool topoext = env->features[FEAT_8000_0001_ECX] & CPUID_EXT3_TOPOEXT;

    if (env->cpuid_level >= 1) {
        x86_vtopo_read_regs(env, 1, &view->leaf1);
        view->has_leaf1 = true;
    }
    view->addressable_ids = intel_like;
    if (env->cpuid_level >= 0xb) {
        x86_vtopo_read_leaf(env, 0xb, x86_ext_topo_subleaf_valid,
                            &view->ext_topo[0]);
    }
    if (env->cpuid_level >= 0x1f) {
        x86_vtopo_read_leaf(env, 0x1f, x86_ext_topo_subleaf_valid,
                            &view->ext_topo[1]);
    }
    if (!IS_AMD_CPU(env) && env->cpuid_level >= 4) {
        x86_vtopo_read_leaf(env, 4, x86_cache_subleaf_valid, &view->caches);
        view->caches_leaf4 = true;
    } else if (IS_AMD_CPU(env) && env->cpuid_xlevel >= 0x8000001d &&
               topoext) {
        x86_vtopo_read_leaf(env, 0x8000001d, x86_cache_subleaf_valid,
                            &view->caches);
    }
    if (!env->enable_legacy_vendor_cache && !cpu->cache_info_passthrough &&
        env->cpuid_xlevel >= 0x80000006) {
        view->has_legacy = true;
        view->l1_reserved = cpu->vendor_cpuid_only_v2 && IS_INTEL_CPU(env);
        view->l3_reserved = cpu->vendor_cpuid_only_v2 && intel_like;
        x86_vtopo_read_regs(env, 0x80000005, &view->legacy[0]);
        x86_vtopo_read_regs(env, 0x80000006, &view->legacy[1]);
    }
    if (env->cpuid_xlevel >= 0x80000008 &&
        !(cpu->vendor_cpuid_only_v2 && intel_like)) {
        VTopoCpuidRegs r;

        x86_vtopo_read_regs(env, 0x80000008, &r);
        view->has_size_ids = true;
        view->size_ids = r.ecx;
    }
    /* QEMU gives no Fn8000_001E to a core its 8-bit CoreId cannot number */
    if (env->cpuid_xlevel >= 0x8000001e && topoext && cpu->core_id <= 255) {
        x86_vtopo_read_regs(env, 0x8000001e, &view->amd_topo);
        view->has_amd_topo = true;
    }
}

/*
 * Check the leaves of every present vCPU of @ms against @topo, its
 * model, comparing them with those of @lead (a vCPU just plugged) if it
 * is not NULL; record and warn about each finding not recorded yet (a
 * vCPU plugged later is checked with the others, whose findings stand).
 */
static void x86_vtopo_check_cpuid(MachineState *ms, VTopo *topo,
                                  CPUState *lead)
{
    g_autofree VTopoCpuidView *views = g_new0(VTopoCpuidView, topo->nr_cpus);
    g_autoptr(GArray) found = vtopo_findings_new();
    guint first = topo->findings->len;
    CPUState *cs;

    trace_vtopo_cpuid_check_begin(topo->nr_cpus);
    /* The model's vCPU i is the one of cpu-index i */
    CPU_FOREACH(cs) {
        if (cs->cpu_index >= 0 && cs->cpu_index < topo->nr_cpus &&
            topo->cpus[cs->cpu_index].present) {
            x86_vtopo_cpuid_view(X86_CPU(cs), &views[cs->cpu_index]);
        }
    }
    vtopo_cpuid_check(topo, views, lead ? lead->cpu_index : -1, found);
    for (guint i = 0; i < found->len; i++) {
        VTopoFinding *f = &g_array_index(found, VTopoFinding, i);

        if (!vtopo_has_finding(topo->findings, f->rule, f->message)) {
            vtopo_add_finding(topo->findings, f->rule, f->severity, "%s",
                              f->message);
        }
    }
    trace_vtopo_cpuid_check_end(topo->findings->len - first);
    machine_vtopo_warn_findings(ms, first);
}

void machine_vtopo_check_cpuid(MachineState *ms)
{
    if (ms->topology && vtopo_start_check(ms->topology, VTOPO_CHECK_CPUID)) {
        x86_vtopo_check_cpuid(ms, ms->topology, NULL);
    }
}

void machine_vtopo_check_cpuid_plugged(MachineState *ms, CPUState *cpu)
{
    if (ms->topology && ms->topology->checked[VTOPO_CHECK_CPUID]) {
        x86_vtopo_check_cpuid(ms, ms->topology, cpu);
    }
}
