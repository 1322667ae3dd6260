/*
 * vtopo: decode the topology a device tree describes, and check it
 * against the topology model
 *
 * Bindings: Devicetree Specification v0.4 (3.7 CPU nodes, 3.8 cache
 * nodes); Linux's Documentation/devicetree/bindings/cpu/cpu-topology.txt
 * (cpu-map) and numa.txt (numa-node-id, distance-map).
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <libfdt.h>
#include "hw/core/vtopo/fdt-check.h"

/*
 * The levels of cpu-map, outermost first; its nodes are named after
 * them (<level><N>).  Clusters may nest, so allow some depth.
 */
static const CpuTopologyLevel vtopo_fdt_map_levels[] = {
    CPU_TOPOLOGY_LEVEL_SOCKET, CPU_TOPOLOGY_LEVEL_CLUSTER,
    CPU_TOPOLOGY_LEVEL_CORE, CPU_TOPOLOGY_LEVEL_THREAD,
};
#define VTOPO_FDT_MAP_DEPTH 8

/* A CPU's place in cpu-map before any node names it: no level. */
static void vtopo_fdt_map_clear(int map[VTOPO_LEVELS])
{
    for (int l = 0; l < VTOPO_LEVELS; l++) {
        map[l] = -1;
    }
}

#define VTOPO_FDT_MAX_CACHES \
    ((unsigned int)G_N_ELEMENTS(((VTopoFdtCpu *)NULL)->caches))

/*
 * The blob being decoded.  @by_phandle maps phandles to node offsets,
 * @cpu_at node offsets of CPU nodes to their index + 1, @cache_at those
 * of cache nodes (each built once: libfdt's lookups by phandle walk the
 * whole tree).
 */
typedef struct VTopoFdtBlob {
    const void *fdt;
    VTopoFdtTopology *out;
    char **err;
    GHashTable *by_phandle;
    GHashTable *cpu_at;
    GHashTable *cache_at;
} VTopoFdtBlob;

/* The node with @phandle, or -1 */
static int vtopo_fdt_node_by_phandle(VTopoFdtBlob *b, uint32_t phandle)
{
    gpointer offset;

    if (!g_hash_table_lookup_extended(b->by_phandle,
                                      GUINT_TO_POINTER(phandle), NULL,
                                      &offset)) {
        return -1;
    }
    return GPOINTER_TO_INT(offset);
}

static bool G_GNUC_PRINTF(2, 3)
vtopo_fdt_fail(VTopoFdtBlob *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    *b->err = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return false;
}

/*
 * A one-cell property of the node at @offset: false if absent (@value
 * untouched), an error if it is not 4 bytes.
 */
static bool vtopo_fdt_u32(VTopoFdtBlob *b, int offset, const char *name,
                          uint32_t *value, bool *ok)
{
    int len;
    const fdt32_t *p = fdt_getprop(b->fdt, offset, name, &len);

    if (!p) {
        return false;
    }
    if (len != sizeof(*p)) {
        *ok = vtopo_fdt_fail(b, "%s: %s has %d bytes, not 4",
                             fdt_get_name(b->fdt, offset, NULL), name, len);
        return false;
    }
    *value = fdt32_to_cpu(*p);
    return true;
}

/* The L1 of @prefix ("d-cache", "i-cache") of the CPU node at @offset */
static bool vtopo_fdt_l1(VTopoFdtBlob *b, int offset, const char *prefix,
                         VTopoFdtCache *c)
{
    g_autofree char *size = g_strdup_printf("%s-size", prefix);
    g_autofree char *sets = g_strdup_printf("%s-sets", prefix);
    g_autofree char *line = g_strdup_printf("%s-line-size", prefix);
    bool ok = true;

    *c = (VTopoFdtCache) { .node_offset = offset, .level = 1 };
    vtopo_fdt_u32(b, offset, size, &c->size, &ok);
    vtopo_fdt_u32(b, offset, sets, &c->sets, &ok);
    vtopo_fdt_u32(b, offset, line, &c->line_size, &ok);
    return ok;
}

/* Index of the cache node at @offset in out->caches, added if new */
static int vtopo_fdt_cache_node(VTopoFdtBlob *b, int offset)
{
    VTopoFdtCache c = { .node_offset = offset };
    gpointer index = g_hash_table_lookup(b->cache_at, GINT_TO_POINTER(offset));
    bool ok = true;

    if (index) {
        return GPOINTER_TO_INT(index) - 1;
    }
    if (fdt_node_check_compatible(b->fdt, offset, "cache")) {
        vtopo_fdt_fail(b, "%s: next-level-cache is not a \"cache\" node",
                       fdt_get_name(b->fdt, offset, NULL));
        return -1;
    }
    if (!vtopo_fdt_u32(b, offset, "cache-level", &c.level, &ok)) {
        if (ok) {
            vtopo_fdt_fail(b, "%s: no cache-level",
                           fdt_get_name(b->fdt, offset, NULL));
        }
        return -1;
    }
    vtopo_fdt_u32(b, offset, "cache-size", &c.size, &ok);
    vtopo_fdt_u32(b, offset, "cache-sets", &c.sets, &ok);
    vtopo_fdt_u32(b, offset, "cache-line-size", &c.line_size, &ok);
    if (!ok) {
        return -1;
    }
    g_array_append_val(b->out->caches, c);
    g_hash_table_insert(b->cache_at, GINT_TO_POINTER(offset),
                        GINT_TO_POINTER(b->out->caches->len));
    return b->out->caches->len - 1;
}

/* The next-level-cache chain from the node at @offset into @cpu */
static bool vtopo_fdt_cache_chain(VTopoFdtBlob *b, int offset,
                                  VTopoFdtCpu *cpu)
{
    uint32_t phandle;
    bool ok = true;

    while (vtopo_fdt_u32(b, offset, "next-level-cache", &phandle, &ok)) {
        int index;

        if (cpu->nr_caches == VTOPO_FDT_MAX_CACHES) {
            return vtopo_fdt_fail(b, "next-level-cache chain from %s is "
                                  "longer than %u (a loop?)",
                                  fdt_get_name(b->fdt, cpu->node_offset,
                                               NULL),
                                  VTOPO_FDT_MAX_CACHES);
        }
        offset = vtopo_fdt_node_by_phandle(b, phandle);
        if (offset < 0) {
            return vtopo_fdt_fail(b, "next-level-cache <0x%x> names no "
                                  "node", phandle);
        }
        index = vtopo_fdt_cache_node(b, offset);
        if (index < 0) {
            return false;
        }
        cpu->caches[cpu->nr_caches++] = index;
    }
    return ok;
}

static bool vtopo_fdt_decode_cpu(VTopoFdtBlob *b, int offset,
                                 uint32_t addr_cells)
{
    VTopoFdtCpu cpu = { .node_offset = offset, .node = -1 };
    const fdt32_t *reg;
    uint32_t node;
    bool ok = true;
    int len;

    reg = fdt_getprop(b->fdt, offset, "reg", &len);
    if (!reg || len != (int)(addr_cells * sizeof(*reg))) {
        return vtopo_fdt_fail(b, "%s: reg is missing or not %u cells",
                              fdt_get_name(b->fdt, offset, NULL),
                              addr_cells);
    }
    for (uint32_t i = 0; i < addr_cells; i++) {
        cpu.reg = cpu.reg << 32 | fdt32_to_cpu(reg[i]);
    }
    if (vtopo_fdt_u32(b, offset, "numa-node-id", &node, &ok)) {
        cpu.node = node;
    }
    vtopo_fdt_map_clear(cpu.map);
    if (!ok || !vtopo_fdt_l1(b, offset, "d-cache", &cpu.l1d) ||
        !vtopo_fdt_l1(b, offset, "i-cache", &cpu.l1i) ||
        !vtopo_fdt_cache_chain(b, offset, &cpu)) {
        return false;
    }
    g_array_append_val(b->out->cpus, cpu);
    g_hash_table_insert(b->cpu_at, GINT_TO_POINTER(offset),
                        GINT_TO_POINTER(b->out->cpus->len));
    return true;
}

/* The cpu-map node at @offset, @depth below /cpus/cpu-map, in @map */
static bool vtopo_fdt_decode_map(VTopoFdtBlob *b, int offset, int depth,
                                 int map[VTOPO_LEVELS])
{
    int child;

    if (depth > VTOPO_FDT_MAP_DEPTH) {
        return vtopo_fdt_fail(b, "cpu-map is deeper than %d",
                              VTOPO_FDT_MAP_DEPTH);
    }
    fdt_for_each_subnode(child, b->fdt, offset) {
        const char *name = fdt_get_name(b->fdt, child, NULL);
        int sub[VTOPO_LEVELS];
        uint32_t phandle;
        bool ok = true;
        size_t m;

        memcpy(sub, map, sizeof(sub));
        for (m = 0; m < G_N_ELEMENTS(vtopo_fdt_map_levels); m++) {
            CpuTopologyLevel l = vtopo_fdt_map_levels[m];
            size_t n = strlen(vtopo_level_name(l));

            if (!strncmp(name, vtopo_level_name(l), n) &&
                g_ascii_isdigit(name[n])) {
                sub[l] = MIN(g_ascii_strtoull(name + n, NULL, 10), INT_MAX);
                break;
            }
        }
        if (m == G_N_ELEMENTS(vtopo_fdt_map_levels)) {
            return vtopo_fdt_fail(b, "cpu-map node %s is no socket, "
                                  "cluster, core or thread", name);
        }
        if (vtopo_fdt_u32(b, child, "cpu", &phandle, &ok)) {
            int cpu = vtopo_fdt_node_by_phandle(b, phandle);
            guint i = GPOINTER_TO_UINT(g_hash_table_lookup(b->cpu_at,
                                                GINT_TO_POINTER(cpu)));

            if (cpu < 0 || !i) {
                return vtopo_fdt_fail(b, "cpu-map %s: cpu <0x%x> is no CPU "
                                      "node", name, phandle);
            }
            memcpy(g_array_index(b->out->cpus, VTopoFdtCpu, i - 1).map, sub,
                   sizeof(sub));
        }
        if (!ok || !vtopo_fdt_decode_map(b, child, depth + 1, sub)) {
            return false;
        }
    }
    return true;
}

VTopoFdtTopology *vtopo_fdt_topology_new(void)
{
    VTopoFdtTopology *t = g_new0(VTopoFdtTopology, 1);

    t->cpus = g_array_new(false, false, sizeof(VTopoFdtCpu));
    t->caches = g_array_new(false, false, sizeof(VTopoFdtCache));
    t->distances = g_array_new(false, false, sizeof(uint32_t));
    return t;
}

void vtopo_fdt_topology_free(VTopoFdtTopology *t)
{
    if (!t) {
        return;
    }
    g_array_free(t->cpus, true);
    g_array_free(t->caches, true);
    g_array_free(t->distances, true);
    g_free(t);
}

bool vtopo_fdt_decode(VTopoFdtTopology *t, const void *fdt, size_t size,
                      char **err)
{
    g_autoptr(GHashTable) by_phandle = g_hash_table_new(NULL, NULL);
    g_autoptr(GHashTable) cpu_at = g_hash_table_new(NULL, NULL);
    g_autoptr(GHashTable) cache_at = g_hash_table_new(NULL, NULL);
    VTopoFdtBlob b = {
        .fdt = fdt, .out = t, .err = err, .by_phandle = by_phandle,
        .cpu_at = cpu_at, .cache_at = cache_at,
    };
    const fdt32_t *matrix;
    uint32_t addr_cells = 1;
    int cpus, node, len, rc;
    bool ok = true;
    int map[VTOPO_LEVELS];

    if (size > INT_MAX) {
        return vtopo_fdt_fail(&b, "%zu bytes is too large", size);
    }
    rc = fdt_check_full(fdt, size);
    if (rc) {
        return vtopo_fdt_fail(&b, "not a valid device tree: %s",
                              fdt_strerror(rc));
    }
    for (node = fdt_next_node(fdt, -1, NULL); node >= 0;
         node = fdt_next_node(fdt, node, NULL)) {
        uint32_t phandle = fdt_get_phandle(fdt, node);

        if (phandle) {
            g_hash_table_insert(by_phandle, GUINT_TO_POINTER(phandle),
                                GINT_TO_POINTER(node));
        }
    }
    cpus = fdt_path_offset(fdt, "/cpus");
    if (cpus < 0) {
        return vtopo_fdt_fail(&b, "no /cpus node");
    }
    vtopo_fdt_u32(&b, cpus, "#address-cells", &addr_cells, &ok);
    if (!ok || addr_cells < 1 || addr_cells > 2) {
        return ok ? vtopo_fdt_fail(&b, "/cpus has #address-cells %u",
                                   addr_cells) : false;
    }
    fdt_for_each_subnode(node, fdt, cpus) {
        const char *type = fdt_getprop(fdt, node, "device_type", &len);

        if (type && len == sizeof("cpu") && !memcmp(type, "cpu", len) &&
            !vtopo_fdt_decode_cpu(&b, node, addr_cells)) {
            return false;
        }
    }
    vtopo_fdt_map_clear(map);
    node = fdt_subnode_offset(fdt, cpus, "cpu-map");
    if (node >= 0 && !vtopo_fdt_decode_map(&b, node, 0, map)) {
        return false;
    }
    node = fdt_path_offset(fdt, "/distance-map");
    if (node >= 0) {
        matrix = fdt_getprop(fdt, node, "distance-matrix", &len);
        if (!matrix || len % (3 * sizeof(*matrix))) {
            return vtopo_fdt_fail(&b, "/distance-map: distance-matrix is "
                                  "missing or not triples");
        }
        for (int i = 0; i < len / (int)sizeof(*matrix); i++) {
            uint32_t v = fdt32_to_cpu(matrix[i]);

            g_array_append_val(t->distances, v);
        }
    }
    return true;
}

/*
 * The present vCPU of each CPU node of @t, in @cpu_of: every CPU node must
 * be one present vCPU (by reg, its arch id), and every present vCPU one
 * CPU node.
 */
static bool vtopo_fdt_match_cpus(const VTopo *topo, const VTopoFdtTopology *t,
                                 const VTopoCpu **cpu_of, GArray *findings)
{
    unsigned int n = t->cpus->len;
    /* The present vCPUs not matched to a CPU node yet, by arch id */
    g_autoptr(GHashTable) unmatched = g_hash_table_new(g_int64_hash,
                                                       g_int64_equal);

    for (unsigned int i = 0; i < topo->nr_cpus; i++) {
        if (topo->cpus[i].present) {
            g_hash_table_insert(unmatched, (gpointer)&topo->cpus[i].arch_id,
                                (gpointer)&topo->cpus[i]);
        }
    }
    for (unsigned int i = 0; i < n; i++) {
        const VTopoFdtCpu *c = &g_array_index(t->cpus, VTopoFdtCpu, i);

        cpu_of[i] = g_hash_table_lookup(unmatched, &c->reg);
        if (!cpu_of[i]) {
            vtopo_add_finding(findings, "fdt-cpus", VTOPO_SEVERITY_ERROR,
                              "the device tree has a CPU with reg 0x%" PRIx64
                              ", which is no present vCPU or is one twice",
                              c->reg);
            return false;
        }
        g_hash_table_remove(unmatched, &c->reg);
    }
    if (g_hash_table_size(unmatched)) {
        vtopo_add_finding(findings, "fdt-cpus", VTOPO_SEVERITY_ERROR,
                          "the device tree has %u CPU nodes for %u present "
                          "vCPUs", n, n + g_hash_table_size(unmatched));
        return false;
    }
    return true;
}

/* /cpus/cpu-map groups the vCPUs as the model's levels do. */
static void vtopo_fdt_check_cpu_map(const VTopo *topo,
                                    const VTopoFdtTopology *t,
                                    const VTopoCpu **cpu_of, uint64_t *key,
                                    GArray *findings)
{
    unsigned int n = t->cpus->len;

    for (size_t m = 0; m < G_N_ELEMENTS(vtopo_fdt_map_levels); m++) {
        CpuTopologyLevel l = vtopo_fdt_map_levels[m];
        bool described = false;

        for (unsigned int i = 0; i < n; i++) {
            const VTopoFdtCpu *c = &g_array_index(t->cpus, VTopoFdtCpu, i);

            /* The path down to this level identifies the domain */
            key[i] = 0;
            for (size_t k = 0; k <= m; k++) {
                key[i] = key[i] * 4096 + c->map[vtopo_fdt_map_levels[k]] + 1;
            }
            described |= c->map[l] >= 0;
        }
        if (described && topo->shape.supported[l] &&
            !vtopo_groups_match(topo, cpu_of, key, n, l)) {
            vtopo_add_finding(findings, "fdt-cpu-map", VTOPO_SEVERITY_ERROR,
                              "cpu-map does not group the vCPUs by %s",
                              vtopo_level_name(l));
        }
    }
}

/* Each CPU node's numa-node-id, and /distance-map. */
static void vtopo_fdt_check_numa(const VTopo *topo, const VTopoFdtTopology *t,
                                 const VTopoCpu **cpu_of, GArray *findings)
{
    unsigned int nr = topo->nr_nodes;
    g_autofree uint8_t *got = NULL;
    bool same = true;

    for (unsigned int i = 0; i < t->cpus->len; i++) {
        const VTopoFdtCpu *c = &g_array_index(t->cpus, VTopoFdtCpu, i);

        if (c->node != cpu_of[i]->node) {
            vtopo_add_finding(findings, "fdt-numa", VTOPO_SEVERITY_ERROR,
                              "CPU node with reg 0x%" PRIx64 " has "
                              "numa-node-id %" PRId64 ", its vCPU is in "
                              "node %d", c->reg, c->node, cpu_of[i]->node);
            break;
        }
    }
    if (!nr || !topo->nodes[0].distance[0]) {
        return;
    }
    got = g_new0(uint8_t, nr * nr);
    for (guint i = 0; i + 2 < t->distances->len; i += 3) {
        uint32_t from = g_array_index(t->distances, uint32_t, i);
        uint32_t to = g_array_index(t->distances, uint32_t, i + 1);

        if (from < nr && to < nr) {
            got[from * nr + to] = g_array_index(t->distances, uint32_t, i + 2);
            /* The matrix may list one direction only */
            if (!got[to * nr + from]) {
                got[to * nr + from] = got[from * nr + to];
            }
        }
    }
    for (unsigned int i = 0; i < nr; i++) {
        for (unsigned int j = 0; j < nr; j++) {
            same &= got[i * nr + j] == topo->nodes[i].distance[j];
        }
    }
    if (!same) {
        vtopo_add_finding(findings, "fdt-numa", VTOPO_SEVERITY_ERROR,
                          "/distance-map does not hold the configured "
                          "distances");
    }
}

/*
 * The CPU nodes' description of cache @cache: its geometry for every
 * vCPU, and (beyond L1) one cache node per domain of its sharing level.
 */
static void vtopo_fdt_check_cache(const VTopo *topo,
                                  const VTopoSharedCache *cache,
                                  const VTopoFdtTopology *t,
                                  const VTopoCpu **cpu_of, uint64_t *key,
                                  GArray *findings)
{
    const VTopoCache *want = &cache->geometry;
    unsigned int n = t->cpus->len;

    for (unsigned int i = 0; i < n; i++) {
        const VTopoFdtCpu *c = &g_array_index(t->cpus, VTopoFdtCpu, i);
        const VTopoFdtCache *got = NULL;

        if (want->level == 1) {
            got = want->type == VTOPO_CACHE_INSTRUCTION ? &c->l1i : &c->l1d;
            key[i] = i;
        } else {
            for (unsigned int j = 0; j < c->nr_caches && !got; j++) {
                const VTopoFdtCache *e = &g_array_index(t->caches,
                                                        VTopoFdtCache,
                                                        c->caches[j]);

                if (e->level == want->level) {
                    got = e;
                    key[i] = e->node_offset;
                }
            }
        }
        if (!got || !got->size) {
            vtopo_add_finding(findings, "fdt-caches", VTOPO_SEVERITY_ERROR,
                              "the device tree gives CPU 0x%" PRIx64 " no "
                              "L%u %s cache", c->reg, want->level,
                              vtopo_cache_type_name(want->type));
            return;
        }
        if (got->size != want->size ||
            got->sets != vtopo_cache_sets(want) ||
            got->line_size != want->line_size) {
            vtopo_add_finding(findings, "fdt-caches", VTOPO_SEVERITY_ERROR,
                              "the device tree L%u %s cache of CPU 0x%"
                              PRIx64 " has size %u, %u sets, %u-byte lines; "
                              "the vCPU describes %" PRIu64 ", %" PRIu64
                              ", %u", want->level,
                              vtopo_cache_type_name(want->type), c->reg,
                              got->size, got->sets, got->line_size,
                              want->size, vtopo_cache_sets(want),
                              want->line_size);
            return;
        }
    }
    if (want->level > 1 &&
        !vtopo_cache_groups_match(topo, cpu_of, key, n, cache)) {
        g_autofree char *sharing = vtopo_cache_sharing_name(cache);

        vtopo_add_finding(findings, "fdt-caches", VTOPO_SEVERITY_ERROR,
                          "the device tree does not share the L%u %s cache "
                          "per %s", want->level,
                          vtopo_cache_type_name(want->type), sharing);
    }
}

void vtopo_fdt_check(const VTopo *topo, const VTopoFdtTopology *t,
                     GArray *findings)
{
    unsigned int n = t->cpus->len;
    g_autofree const VTopoCpu **cpu_of = g_new0(const VTopoCpu *, n);
    /* Per CPU node, the domain it is in for the grouping being checked */
    g_autofree uint64_t *key = g_new0(uint64_t, n);

    if (!vtopo_fdt_match_cpus(topo, t, cpu_of, findings)) {
        return;
    }
    vtopo_fdt_check_cpu_map(topo, t, cpu_of, key, findings);
    vtopo_fdt_check_numa(topo, t, cpu_of, findings);
    for (unsigned int k = 0; k < topo->nr_caches; k++) {
        vtopo_fdt_check_cache(topo, &topo->caches[k], t, cpu_of, key,
                              findings);
    }
}
