/*
 * vtopo: the topology model of a running machine
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_MACHINE_H
#define HW_CORE_VTOPO_MACHINE_H

#include "hw/boards.h"
#include "hw/core/vtopo/model.h"
#include "qapi/qapi-types-machine-common.h"

/*
 * machine_vtopo_new: the topology model of @ms, from its -smp
 * configuration, its possible CPUs and its NUMA state.  Machine init
 * builds it once, as MachineState.topology, before the board creates
 * any vCPU; every channel and report reads it.  Its vCPU i is the one
 * of cpu-index i.  Only for machine types with
 * MachineClass.has_topology_model, whose possible CPUs are -smp's vCPUs.
 */
VTopo *machine_vtopo_new(MachineState *ms);

/*
 * Record in @ms's model that @cpu exists (@present: its thread runs) or
 * was removed: qemu_init_vcpu() and cpu_remove_sync() call it for every
 * vCPU of every machine, at machine init and on hotplug.  (A target
 * realize that fails after qemu_init_vcpu() leaves the vCPU present, as
 * it leaves its thread running.)
 */
void machine_vtopo_set_present(MachineState *ms, CPUState *cpu, bool present);

/*
 * Give @ms's model the caches its vCPUs describe: those of its CPU model
 * (SysemuCPUOps.vtopo_cpu_caches) with what -machine smp-cache asks, the
 * levels that share them nesting as QEMU requires (on machine types that
 * take smp-cache).  Boards that describe the caches to the guest call it
 * before they create the vCPUs, which then describe the model's caches.
 * With @llc_follows_nodes (boards whose tables and registers can
 * describe it), a last-level cache whose sharing smp-cache leaves to the
 * CPU model follows the NUMA nodes that cut its domains
 * (vtopo_llc_follow_nodes()).  Fails (and sets @errp) when smp-cache
 * asks what the vCPUs cannot describe.
 */
bool machine_vtopo_resolve_caches(MachineState *ms, bool llc_follows_nodes,
                                  Error **errp);

/*
 * Whether @cpu, a vCPU about to be plugged (not realized), describes the
 * caches of @ms's model, which every vCPU must: a vCPU added with other
 * options than -cpu's (device_add ...,l3-cache=off) would show the guest
 * other caches.  A finding of rule cpu-caches if it does not
 * (machine_vtopo_cpu_finding(), refused if @strict).
 */
bool machine_vtopo_check_cpu_caches(MachineState *ms, CPUState *cpu,
                                    bool strict, Error **errp);

/*
 * What a check of a vCPU (at its realize or plug) found: a finding of
 * @rule in @ms's model (query-topology-checks) with the message @fmt,
 * and its report.  If @refuse (the machine types that refuse what the
 * guest cannot see), an error in @errp, the message followed by "; "
 * and @advice (if not NULL), and false; otherwise a warning, and true.
 * A finding the model has already (the same one of another vCPU) is
 * not added nor warned about again; an error is always set.
 */
bool machine_vtopo_cpu_finding(MachineState *ms, const char *rule,
                               bool refuse, const char *advice, Error **errp,
                               const char *fmt, ...) G_GNUC_PRINTF(6, 7);

/*
 * Warn about the findings of @ms's model from @first on: what a check of
 * what machine init built found is a QEMU bug the guest sees.
 */
void machine_vtopo_warn_findings(MachineState *ms, guint first);

/* The level and type of QAPI's @cache, and back. */
VTopoCache vtopo_cache_from_qapi(CacheLevelAndType cache);
CacheLevelAndType vtopo_cache_to_qapi(const VTopoCache *cache);

#endif
