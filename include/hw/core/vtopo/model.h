/*
 * vtopo: one model of a virtual machine's CPU topology and NUMA layout
 *
 * The model is what every guest-visible channel (CPUID, ACPI, device
 * tree) and every report (query-topology) is derived from.  It depends
 * on glib and libc only, so that it can be unit tested without QEMU.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_MODEL_H
#define HW_CORE_VTOPO_MODEL_H

#include "qapi/qapi-types-machine-common.h"
#include "hw/core/vtopo/cache.h"

/*
 * The levels are QAPI's CpuTopologyLevel, innermost first in the nesting
 * order of -smp (drawers > books > sockets > dies > clusters > modules >
 * cores > threads); VTOPO_LEVELS counts them.  CpuTopologyLevel's value
 * after the outermost level, CPU_TOPOLOGY_LEVEL_DEFAULT, is "no level":
 * for a cache's sharing, the CPU model's choice (as in -machine
 * smp-cache); for a level the model lacks or a machine without caches,
 * none; as the level of a domain, the whole machine.
 */
#define VTOPO_LEVELS CPU_TOPOLOGY_LEVEL_DEFAULT

/* A topology id that the machine does not define. */
#define VTOPO_ID_NONE (-1)
/* A CPU that belongs to no NUMA node. */
#define VTOPO_NODE_NONE (-1)

/*
 * VTopoShape: the counts of -smp.
 * @count: number of level-L domains in one domain of the next level up;
 *         1 for a level the machine does not have.
 * @supported: whether the machine type has this level at all (a level
 *             can be supported and still have a count of 1).
 * @cpus: vCPUs present at startup (-smp cpus=).
 */
typedef struct VTopoShape {
    unsigned int count[VTOPO_LEVELS];
    bool supported[VTOPO_LEVELS];
    unsigned int cpus;
} VTopoShape;

/*
 * VTopoCpu: one possible vCPU.
 * @index: QEMU's cpu-index.
 * @arch_id: architectural id (x86 APIC ID, Arm MPIDR affinity).
 * @id: id within the parent domain at each level (as in
 *      CpuInstanceProperties), VTOPO_ID_NONE where the machine has none.
 * @node: NUMA node, or VTOPO_NODE_NONE.
 * @present: whether the vCPU exists now (is plugged).
 */
typedef struct VTopoCpu {
    unsigned int index;
    uint64_t arch_id;
    int id[VTOPO_LEVELS];
    int node;
    bool present;
} VTopoCpu;

/*
 * VTopoNode: one NUMA node.
 * @mem_size: memory in bytes.
 * @distance: SLIT-style distance to every node, indexed by node id; all 0
 *            when the user configured no distances.
 */
typedef struct VTopoNode {
    uint64_t mem_size;
    uint8_t *distance;
} VTopoNode;

/*
 * What -machine smp-cache can give of a cache, as bits of
 * VTopoSharedCache.given: the members of its geometry (the bits of
 * VTopoCacheRequest.given too) and the level that shares it.
 */
typedef enum VTopoCacheField {
    VTOPO_CACHE_FIELD_SIZE = 1 << 0,
    VTOPO_CACHE_FIELD_WAYS = 1 << 1,
    VTOPO_CACHE_FIELD_LINE_SIZE = 1 << 2,
    VTOPO_CACHE_FIELD_PARTITIONS = 1 << 3,
    VTOPO_CACHE_FIELD_INCLUSIVE = 1 << 4,
    VTOPO_CACHE_FIELD_SHARING = 1 << 5,
} VTopoCacheField;

#define VTOPO_CACHE_FIELDS_GEOMETRY (VTOPO_CACHE_FIELD_SIZE | \
                                     VTOPO_CACHE_FIELD_WAYS | \
                                     VTOPO_CACHE_FIELD_LINE_SIZE | \
                                     VTOPO_CACHE_FIELD_PARTITIONS | \
                                     VTOPO_CACHE_FIELD_INCLUSIVE)

/*
 * A cache the vCPUs describe, and the level whose domains share it;
 * @per_node: each domain of @sharing has one instance of the cache per
 * NUMA node it spans (a last-level cache that follows the nodes,
 * vtopo_llc_follow_nodes()), and the vCPUs of one instance are those
 * whose arch ids fall in one aligned block of 2^@node_block_order ids;
 * @given: what of @geometry and @sharing -machine smp-cache gave
 * (VTopoCacheField bits), the rest is the CPU model's.
 */
typedef struct VTopoSharedCache {
    VTopoCache geometry;
    CpuTopologyLevel sharing;
    bool per_node;
    unsigned int node_block_order;
    unsigned int given;
} VTopoSharedCache;

/*
 * At most one cache of each kind: L1d, L1i, L2, L3, in this order (the
 * kinds of QAPI's CacheLevelAndType).
 */
#define VTOPO_MAX_CACHES 4

/*
 * VTopoCacheRequest: what -machine smp-cache asks of the cache of
 * @geometry's level and type: the members of @geometry in @given
 * (VTOPO_CACHE_FIELDS_GEOMETRY bits), and the level whose domains
 * share it (@sharing, CPU_TOPOLOGY_LEVEL_DEFAULT to keep the CPU model's).
 */
typedef struct VTopoCacheRequest {
    VTopoCache geometry;
    unsigned int given;
    CpuTopologyLevel sharing;
} VTopoCacheRequest;

/*
 * A target's limits: whether its registers can describe @cache (which
 * vtopo_cache_check() accepts); if not, false with @reason naming the
 * field.
 */
typedef bool (*VTopoCacheEncodable)(const VTopoCache *cache,
                                    const void *opaque, char **reason);

/*
 * VTopoCpuCaches: what the vCPUs of a CPU model describe of their caches
 * by default, and what their registers can describe, as the target says
 * (SysemuCPUOps.vtopo_cpu_caches), and what the machine takes.
 * @present: for each kind (VTOPO_MAX_CACHES' order), whether the vCPUs
 *           describe such a cache;
 * @cache: its geometry, if @present, and the level whose domains share
 *         it (for a kind not @present: those that would share one);
 * @fixed: for each kind, why smp-cache cannot give its geometry (a
 *         message), or NULL if it can;
 * @inclusive_fixed: why smp-cache cannot say whether a cache is
 *                   inclusive, or NULL if it can;
 * @sharing_needs_cache: the machine's: smp-cache may give the sharing of
 *                       a cache the vCPUs describe only (otherwise the
 *                       sharing of a kind they lack is not described);
 * @encodable, @opaque: the limits of the registers.
 */
typedef struct VTopoCpuCaches {
    bool present[VTOPO_MAX_CACHES];
    VTopoSharedCache cache[VTOPO_MAX_CACHES];
    const char *fixed[VTOPO_MAX_CACHES];
    const char *inclusive_fixed;
    bool sharing_needs_cache;
    VTopoCacheEncodable encodable;
    const void *opaque;
} VTopoCpuCaches;

/*
 * vtopo_cache_resolve: the cache of kind @kind that the vCPUs describe:
 * @cpu's (if present; otherwise only its sharing is @cpu's) with each
 * member @req gives.  Returns 1 and sets @out; 0 if there is no such
 * cache (@cpu has none and @req gives no geometry); -1 with @reason if
 * @req cannot be met: what @cpu says cannot be given, a sharing for a
 * cache @cpu lacks where that needs one, a cache @cpu lacks without its
 * size, ways and line size, a geometry that is not whole
 * (vtopo_cache_check()) or beyond @cpu's registers.
 */
int vtopo_cache_resolve(const VTopoCpuCaches *cpu, unsigned int kind,
                        const VTopoCacheRequest *req, VTopoSharedCache *out,
                        char **reason);

/* The checks of what machine init built from the model. */
typedef enum VTopoCheck {
    VTOPO_CHECK_ACPI,
    VTOPO_CHECK_FDT,
    VTOPO_CHECK_CPUID,
    VTOPO_CHECK__MAX,
} VTopoCheck;

/*
 * VTopoTable: one firmware table machine init built, as the guest reads
 * it: @sha256 is computed over its bytes as the guest sees them (ACPI:
 * with the checksum the firmware fills in).
 */
typedef struct VTopoTable {
    char signature[5];
    uint32_t length;
    char *sha256;
} VTopoTable;

/*
 * VTopo: the model.
 * @cpu_hotplug: whether vCPUs can be plugged while the guest runs: the
 *               firmware then describes every possible vCPU (an ACPI
 *               MADT lists the absent ones disabled); otherwise only
 *               the present ones (Arm virt).
 * @caches: the caches the vCPUs describe, innermost first (L1d, L1i,
 *          L2, L3), @nr_caches of them; vtopo_set_caches() sets them.
 * @findings: VTopoFinding, what every check of the machine found in the
 *            model and in what was built from it; empty when sound.
 * @checked: which checks of what machine init built from the model
 *           have run (vtopo_start_check()).
 * @tables: VTopoTable, the ACPI topology tables machine init built
 *          (vtopo_add_table()).
 */
typedef struct VTopo {
    VTopoShape shape;
    unsigned int nr_cpus;
    VTopoCpu *cpus;
    bool cpu_hotplug;
    unsigned int nr_nodes;
    VTopoNode *nodes;
    unsigned int nr_caches;
    VTopoSharedCache caches[VTOPO_MAX_CACHES];
    GArray *findings;
    bool checked[VTOPO_CHECK__MAX];
    GArray *tables;
} VTopo;

/* Severity of a finding. */
typedef enum VTopoSeverity {
    VTOPO_SEVERITY_WARNING,
    VTOPO_SEVERITY_ERROR,
} VTopoSeverity;

/*
 * VTopoFinding: one rule violation.
 * @rule: stable identifier of the rule, e.g. "cpu-id-range".
 */
typedef struct VTopoFinding {
    const char *rule;
    VTopoSeverity severity;
    char *message;
} VTopoFinding;

const char *vtopo_level_name(CpuTopologyLevel level);

/* Number of possible vCPUs: the product of all counts. */
unsigned int vtopo_shape_max_cpus(const VTopoShape *shape);

/*
 * Number of vCPUs in one domain of @level (1 for a thread);
 * CPU_TOPOLOGY_LEVEL_DEFAULT gives the whole machine.
 */
unsigned int vtopo_shape_cpus_per(const VTopoShape *shape,
                                  CpuTopologyLevel level);

/*
 * Topology ids of the vCPU with linear index @index: threads vary
 * fastest, then cores, modules, clusters, dies, sockets, books, drawers.
 * This is the order in which QEMU's machines (x86_topo_ids_from_idx(),
 * virt_possible_cpu_arch_ids()) enumerate possible CPUs.  Levels the
 * machine does not support get VTOPO_ID_NONE.
 */
void vtopo_shape_ids_from_index(const VTopoShape *shape, unsigned int index,
                                int id[VTOPO_LEVELS]);

/*
 * A topology for @shape: every possible vCPU with the ids of
 * vtopo_shape_ids_from_index(), present if its index is below
 * shape->cpus, in no node; @nr_nodes nodes without memory or distances;
 * no caches, no findings.
 */
VTopo *vtopo_new(const VTopoShape *shape, unsigned int nr_nodes);
void vtopo_free(VTopo *topo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VTopo, vtopo_free)

/*
 * Give @topo the caches @caches[0..@n-1], innermost first (at most
 * VTOPO_MAX_CACHES).
 */
void vtopo_set_caches(VTopo *topo, const VTopoSharedCache *caches,
                      unsigned int n);

/*
 * The indexes in @topo->caches of its caches from the outermost in (L3,
 * L2, L1d, L1i) into @order; returns how many.
 */
unsigned int vtopo_caches_outermost_first(const VTopo *topo,
                                          unsigned int *order);

/*
 * Whether @caches[0..@n-1] are @topo's caches: the same geometry and
 * sharing level, in the same order.  If not, *@what (if not NULL) is
 * the first that differs, described for a message (g_free() it).
 */
bool vtopo_same_caches(const VTopo *topo, const VTopoSharedCache *caches,
                       unsigned int n, char **what);

/* The last-level cache (the outermost), NULL when the vCPUs describe none. */
const VTopoSharedCache *vtopo_llc(const VTopo *topo);

/*
 * The level whose domains each share one last-level cache (the sharing
 * of the outermost cache), CPU_TOPOLOGY_LEVEL_DEFAULT when the vCPUs
 * describe no cache.
 */
CpuTopologyLevel vtopo_llc_level(const VTopo *topo);

/*
 * Index of the domain of @level that holds @cpu, counted across the
 * whole machine (e.g. the global core number), or -1 if @cpu's ids do
 * not fit the shape.
 */
int vtopo_cpu_domain(const VTopo *topo, const VTopoCpu *cpu,
                     CpuTopologyLevel level);

/*
 * The instance of @cache that @cpu uses, numbered across the machine:
 * the domain of @cache->sharing that holds @cpu, told apart by NUMA node
 * when @cache->per_node.  -1 if @cpu's ids do not fit the shape.
 */
int vtopo_cache_instance(const VTopo *topo, const VTopoSharedCache *cache,
                         const VTopoCpu *cpu);

/*
 * What shares one instance of @cache, for messages: "socket", or
 * "socket and NUMA node" when it follows the nodes; g_free() it.
 */
char *vtopo_cache_sharing_name(const VTopoSharedCache *cache);

/* The instance numbers vtopo_cache_instance() gives are below this. */
unsigned int vtopo_cache_instance_limit(const VTopo *topo,
                                        const VTopoSharedCache *cache);

/* The number of instances of @cache that the possible vCPUs use. */
unsigned int vtopo_cache_instances(const VTopo *topo,
                                   const VTopoSharedCache *cache);

/* Whether a NUMA node splits a domain of @level. */
bool vtopo_nodes_split(const VTopo *topo, CpuTopologyLevel level);

/*
 * The groups of vCPUs that one NUMA node holds in one domain of @level,
 * as blocks of architectural ids: k when each group is the vCPUs whose
 * arch ids fall in one block of 2^k ids aligned on 2^k (the same k for
 * every group), which x86's CPUID cache sharing field can name (leaf 04H
 * and Fn8000_001D EAX[25:14]: software takes arch id >> k as the cache's
 * id); -1 otherwise.
 */
int vtopo_node_group_order(const VTopo *topo, CpuTopologyLevel level);

/*
 * Where NUMA nodes split the domains of the level that shares the
 * last-level cache, give each domain one instance of it per node (set
 * per_node), if the vCPUs of each instance are a block of arch ids
 * (vtopo_node_group_order()) and whole domains of the levels between
 * the core and the cache's; returns whether it did.  Machine types
 * whose firmware tables and registers describe such a cache call it
 * when the user left the last-level cache's sharing to the CPU model:
 * a guest then sees a cache inside each node, as on processors that
 * divide their L3 by node (Intel Sub-NUMA Clustering, AMD NPS), rather
 * than a cache shared across nodes, which Linux refuses to believe
 * ("llc-sibling ... is not on the same node").
 */
bool vtopo_llc_follow_nodes(VTopo *topo);

/*
 * Whether grouping the vCPUs @cpus[0..@n-1] by @key (vCPUs with equal
 * keys in one group) is grouping them by the domains of @level, as a
 * table or a register field that describes a level must.
 */
bool vtopo_groups_match(const VTopo *topo, const VTopoCpu **cpus,
                        const uint64_t *key, unsigned int n,
                        CpuTopologyLevel level);

/*
 * Whether grouping the vCPUs @cpus[0..@n-1] by @key is grouping them by
 * the instances of @cache (vtopo_cache_instance()), as a table or a
 * register field that describes the cache's sharing must.
 */
bool vtopo_cache_groups_match(const VTopo *topo, const VTopoCpu **cpus,
                              const uint64_t *key, unsigned int n,
                              const VTopoSharedCache *cache);

/*
 * Check the model against itself: every id in range for its level, no
 * two vCPUs with the same ids, every node id valid; and NUMA nodes that
 * nest with the topology: no node splits the threads of a core or a
 * last-level cache domain (a cache that follows the nodes is reported,
 * as a warning), a node that holds CPUs of several sockets
 * holds them whole, local distances are 10 and remote ones more.
 * Appends what it finds to @findings (an array of VTopoFinding).
 */
void vtopo_validate(const VTopo *topo, GArray *findings);

/*
 * An empty array of findings, and one more finding in it; @rule is a
 * static string.  vtopo_findings_free() frees the array and messages.
 */
GArray *vtopo_findings_new(void);
void G_GNUC_PRINTF(4, 5)
vtopo_add_finding(GArray *findings, const char *rule, VTopoSeverity severity,
                  const char *fmt, ...);
void vtopo_findings_free(GArray *findings);

/* Whether @findings has a finding of @rule saying @message. */
bool vtopo_has_finding(const GArray *findings, const char *rule,
                       const char *message);

/*
 * Start @check of what machine init built from @topo: false if it ran
 * already (each check runs once per machine), otherwise record that it
 * runs and return true.
 */
bool vtopo_start_check(VTopo *topo, VTopoCheck check);

/* Record in @topo a table machine init built; @topo takes @sha256. */
void vtopo_add_table(VTopo *topo, const char *signature, uint32_t length,
                     char *sha256);

/* Append @cpus (sorted ascending) to @out in Linux cpulist form, "0-3,8". */
void vtopo_format_cpulist(GString *out, const unsigned int *cpus,
                          unsigned int n);

#endif
