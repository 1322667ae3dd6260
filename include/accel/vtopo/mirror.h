/*
 * vtopo: a virtual machine that mirrors a slice of the host
 *
 * From one request (N vCPUs, M bytes of memory) and the host, choose
 * whole host cores in the fewest host NUMA nodes and last-level cache
 * domains, and the virtual topology that mirrors them: a virtual
 * last-level cache domain per host one used, SMT as on the host, the
 * host's cache geometry, a virtual node per host node with the host's
 * distances and its memory bound there, and one host CPU per vCPU.
 * The result is printed as QEMU options (which QEMU itself applies for
 * -machine mirror-host=on), libvirt domain XML or JSON.  glib and libc
 * only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_MIRROR_H
#define ACCEL_VTOPO_MIRROR_H

#include "hw/core/vtopo/model.h"
#include "accel/vtopo/host.h"
#include "accel/vtopo/plan.h"

/* Guest memory is split between nodes in units of this size. */
#define VTOPO_MIRROR_MEM_UNIT (UINT64_C(2) << 20)

/* Whether virtual cores get the host cores' SMT threads. */
typedef enum VTopoMirrorSmt {
    VTOPO_MIRROR_SMT_AUTO,      /* when the vCPUs are whole host cores */
    VTOPO_MIRROR_SMT_ON,
    VTOPO_MIRROR_SMT_OFF,
} VTopoMirrorSmt;

/*
 * VTopoMirrorRequest: what to mirror.
 * @vcpus: vCPUs present at startup; @max_vcpus: possible vCPUs (every
 *     one gets a host CPU).
 * @mem_size: guest memory in bytes, a multiple of VTOPO_MIRROR_MEM_UNIT.
 * @allowed: host CPUs the process may use (unsigned int, ascending);
 *     CPUs the host does not have are ignored.
 * @exclude: host CPUs to keep out, NULL for none.
 * @smt: see VTopoMirrorSmt.
 * @max_nodes: the most host nodes to use, 0 for no limit.
 * @llc_first: fewest last-level caches before fewest nodes.
 * @supported: the topology levels the machine type has (die on x86,
 *     cluster on Arm virt hold a last-level cache narrower than a
 *     socket).
 * @core_sched: whether the host kernel has core scheduling.
 * @has_core_sched_mode: the user chose @core_sched_mode, which the plan
 *     keeps instead of its own advice.
 * @cache_fit: if set, makes a host cache geometry one the guest's CPUs
 *     can describe, or returns false with a reason (see
 *     MachineClass::vtopo_cache_fit).
 */
typedef struct VTopoMirrorRequest {
    unsigned int vcpus;
    unsigned int max_vcpus;
    uint64_t mem_size;
    const GArray *allowed;
    const GArray *exclude;
    VTopoMirrorSmt smt;
    unsigned int max_nodes;
    bool llc_first;
    bool supported[VTOPO_LEVELS];
    bool core_sched;
    bool has_core_sched_mode;
    VTopoCoreSched core_sched_mode;
    bool (*cache_fit)(VTopoCache *cache, char **reason);
} VTopoMirrorRequest;

/*
 * VTopoMirror: the plan.
 * @topology: the virtual machine as the model describes it: the shape
 *     (max vCPUs in the counts, the present ones in
 *     @topology->shape.cpus), the host's caches as the guest will
 *     describe them, the virtual NUMA nodes (none when the host has one
 *     memory node) with their memory and the host's distances, and each
 *     vCPU's node.
 * @llc_level: the level whose domains each mirror one host last-level
 *     cache domain.
 * @mem_size: the guest's memory (with nodes, theirs in total).
 * @host_node: for each virtual node, the host node it mirrors and its
 *     memory is bound to.
 * @plan: the host CPU of every possible vCPU, by cpu-index.
 * @core_sched: the core scheduling the VM needs.
 * @notes: what the plan could not mirror exactly, and advice (char *).
 */
typedef struct VTopoMirror {
    VTopo *topology;
    CpuTopologyLevel llc_level;
    uint64_t mem_size;
    unsigned int *host_node;
    int *plan;
    VTopoCoreSched core_sched;
    GPtrArray *notes;
} VTopoMirror;

/*
 * Plan the VM for @req on @host.  The result depends on the input only.
 * On failure returns NULL and sets *@error to what does not fit and
 * what would.
 */
VTopoMirror *vtopo_mirror_plan(const VTopoHost *host,
                               const VTopoMirrorRequest *req, char **error);
/*
 * The core scheduling a VM of virtual cores of @threads threads needs
 * on @host, whose kernel has core scheduling if @host_core_sched: none
 * where the host's SMT siblings do not leak, else core-sched=vm, and
 * @mode where the user chose it (@has_mode).  Advice goes to @notes.
 * False and *@error where the host cannot keep the VM's idle siblings
 * to itself (with advice on the vCPU count unless @topology_given).
 */
bool vtopo_mirror_core_sched(const VTopoHost *host, unsigned int threads,
                             bool topology_given, bool host_core_sched,
                             bool has_mode, VTopoCoreSched mode,
                             VTopoCoreSched *result, GPtrArray *notes,
                             char **error);

void vtopo_mirror_free(VTopoMirror *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VTopoMirror, vtopo_mirror_free)

/*
 * One QEMU command-line option of a plan: @option without its dash
 * ("smp", "machine", "m", "object", "numa") and its value.
 */
typedef struct VTopoMirrorOption {
    const char *option;
    char *value;
} VTopoMirrorOption;

/* The plan as QEMU options (an array of VTopoMirrorOption). */
GArray *vtopo_mirror_qemu_options(const VTopoMirror *m);
void vtopo_mirror_options_free(GArray *options);

/*
 * The plan as a libvirt domain for @arch ("x86_64", "aarch64"): the
 * elements of the plan (<vcpu>, <memory>, <cputune>, <cpu> with its
 * <topology> and <numa> cells, <numatune>) in a minimal domain, and
 * <qemu:commandline> for the cache geometry, which libvirt cannot say.
 */
char *vtopo_mirror_libvirt_xml(const VTopoMirror *m, const char *arch);

/* The plan as a JSON object. */
char *vtopo_mirror_json(const VTopoMirror *m);

/* smp-cache's name of a cache ("l1d", "l1i", "l2", "l3"). */
const char *vtopo_mirror_cache_name(const VTopoCache *cache);

#endif
