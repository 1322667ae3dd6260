/*
 * Unit tests for the device-tree decoder and checker
 * (hw/core/vtopo/fdt-check.c): trees written here with libfdt's
 * sequential-write API after the Devicetree Specification and Linux's
 * cpu-topology and numa bindings, for a model of 1 socket x 2 clusters
 * x 2 cores in 2 NUMA nodes (a cluster each), L1 per core and L2 per
 * cluster.  The consistent tree has no finding, each fault one finding
 * of its rule, and malformed blobs are refused with a reason (this test
 * runs under AddressSanitizer and UBSan).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "vtopo-check.h"
#include <libfdt.h>
#include "hw/core/vtopo/fdt-check.h"

enum {
    FAULT_NONE,
    FAULT_CPU_REG,          /* CPU 3 has reg 0x100 */
    FAULT_CPU_TWICE,        /* CPU 3 has reg 2, as CPU 2 */
    FAULT_CPU_MAP,          /* CPUs 1 and 2 swapped between clusters */
    FAULT_NUMA_NODE,        /* CPU 2 in node 0 */
    FAULT_DISTANCE,         /* 0 -> 1 is 30 */
    FAULT_L2_SIZE,          /* the L2 of cluster 1 says 512 KiB */
    FAULT_L2_SHARING,       /* every CPU points at the L2 of cluster 0 */
    FAULT_NO_L1I,           /* CPU 0 has no i-cache properties */
    /* Malformed */
    FAULT_CACHE_LOOP,       /* an L2 whose next level is itself */
    FAULT_NOT_CACHE,        /* next-level-cache names a CPU node */
    FAULT_NO_REG,           /* CPU 1 has no reg */
    FAULT_MAP_NAME,         /* a cpu-map node called "die0" */
};

#define PHANDLE_CPU(i)  (1 + (i))
#define PHANDLE_L2(c)   (0x10 + (c))

static void check_fdt(int rc)
{
    ck_assert_msg(rc == 0, "libfdt: %s", fdt_strerror(rc));
}

static void *build(int fault, size_t *size)
{
    void *fdt = g_malloc0(16384);
    char name[32];

    check_fdt(fdt_create(fdt, 16384));
    check_fdt(fdt_finish_reservemap(fdt));
    check_fdt(fdt_begin_node(fdt, ""));
    check_fdt(fdt_begin_node(fdt, "cpus"));
    check_fdt(fdt_property_cell(fdt, "#address-cells", 1));
    check_fdt(fdt_property_cell(fdt, "#size-cells", 0));

    check_fdt(fdt_begin_node(fdt, "cpu-map"));
    check_fdt(fdt_begin_node(fdt, "socket0"));
    for (int cl = 0; cl < 2; cl++) {
        snprintf(name, sizeof(name), fault == FAULT_MAP_NAME && cl ?
                 "die%d" : "cluster%d", cl);
        check_fdt(fdt_begin_node(fdt, name));
        for (int co = 0; co < 2; co++) {
            int cpu = cl * 2 + co;

            if (fault == FAULT_CPU_MAP && (cpu == 1 || cpu == 2)) {
                cpu = 3 - cpu;
            }
            snprintf(name, sizeof(name), "core%d", co);
            check_fdt(fdt_begin_node(fdt, name));
            check_fdt(fdt_property_cell(fdt, "cpu", PHANDLE_CPU(cpu)));
            check_fdt(fdt_end_node(fdt));
        }
        check_fdt(fdt_end_node(fdt));
    }
    check_fdt(fdt_end_node(fdt));
    check_fdt(fdt_end_node(fdt));

    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "cpu@%d", i);
        check_fdt(fdt_begin_node(fdt, name));
        check_fdt(fdt_property_string(fdt, "device_type", "cpu"));
        if (!(fault == FAULT_NO_REG && i == 1)) {
            check_fdt(fdt_property_cell(fdt, "reg",
                                        i < 3 ? i :
                                        fault == FAULT_CPU_REG ? 0x100 :
                                        fault == FAULT_CPU_TWICE ? 2 : i));
        }
        check_fdt(fdt_property_cell(fdt, "phandle", PHANDLE_CPU(i)));
        check_fdt(fdt_property_cell(fdt, "numa-node-id",
                                    fault == FAULT_NUMA_NODE && i == 2 ?
                                    0 : i / 2));
        check_fdt(fdt_property_cell(fdt, "d-cache-size", 32 * 1024));
        check_fdt(fdt_property_cell(fdt, "d-cache-sets", 128));
        check_fdt(fdt_property_cell(fdt, "d-cache-line-size", 64));
        if (!(fault == FAULT_NO_L1I && i == 0)) {
            check_fdt(fdt_property_cell(fdt, "i-cache-size", 32 * 1024));
            check_fdt(fdt_property_cell(fdt, "i-cache-sets", 256));
            check_fdt(fdt_property_cell(fdt, "i-cache-line-size", 64));
        }
        check_fdt(fdt_property_cell(fdt, "next-level-cache",
                                    fault == FAULT_NOT_CACHE ?
                                    PHANDLE_CPU(0) :
                                    fault == FAULT_L2_SHARING ?
                                    PHANDLE_L2(0) : PHANDLE_L2(i / 2)));
        check_fdt(fdt_end_node(fdt));
    }
    for (int cl = 0; cl < 2; cl++) {
        snprintf(name, sizeof(name), "l2-cache%d", cl);
        check_fdt(fdt_begin_node(fdt, name));
        check_fdt(fdt_property_string(fdt, "compatible", "cache"));
        check_fdt(fdt_property_cell(fdt, "cache-level", 2));
        check_fdt(fdt_property(fdt, "cache-unified", NULL, 0));
        check_fdt(fdt_property_cell(fdt, "cache-size",
                                    fault == FAULT_L2_SIZE && cl ?
                                    512 * 1024 : 1024 * 1024));
        check_fdt(fdt_property_cell(fdt, "cache-sets",
                                    fault == FAULT_L2_SIZE && cl ?
                                    512 : 1024));
        check_fdt(fdt_property_cell(fdt, "cache-line-size", 64));
        check_fdt(fdt_property_cell(fdt, "phandle", PHANDLE_L2(cl)));
        if (fault == FAULT_CACHE_LOOP) {
            check_fdt(fdt_property_cell(fdt, "next-level-cache",
                                        PHANDLE_L2(cl)));
        }
        check_fdt(fdt_end_node(fdt));
    }
    check_fdt(fdt_end_node(fdt));

    check_fdt(fdt_begin_node(fdt, "distance-map"));
    check_fdt(fdt_property_string(fdt, "compatible", "numa-distance-map-v1"));
    {
        uint32_t m[] = { 0, 0, 10, 0, 1, fault == FAULT_DISTANCE ? 30 : 20,
                         1, 0, 20, 1, 1, 10 };
        fdt32_t be[G_N_ELEMENTS(m)];

        for (size_t i = 0; i < G_N_ELEMENTS(m); i++) {
            be[i] = cpu_to_fdt32(m[i]);
        }
        check_fdt(fdt_property(fdt, "distance-matrix", be, sizeof(be)));
    }
    check_fdt(fdt_end_node(fdt));
    check_fdt(fdt_end_node(fdt));
    check_fdt(fdt_finish(fdt));
    *size = fdt_totalsize(fdt);
    return fdt;
}

static VTopo *model(void)
{
    VTopoShape shape = vtopo_test_shape(4,
                                        VTOPO_TEST_LEVEL(THREAD) |
                                        VTOPO_TEST_LEVEL(CORE) |
                                        VTOPO_TEST_LEVEL(CLUSTER) |
                                        VTOPO_TEST_LEVEL(SOCKET));
    VTopo *topo;

    shape.count[CPU_TOPOLOGY_LEVEL_CORE] = 2;
    shape.count[CPU_TOPOLOGY_LEVEL_CLUSTER] = 2;
    topo = vtopo_new(&shape, 2);
    for (unsigned int i = 0; i < 4; i++) {
        topo->cpus[i].arch_id = i;
        topo->cpus[i].node = i / 2;
    }
    for (unsigned int n = 0; n < 2; n++) {
        topo->nodes[n].distance[n] = 10;
        topo->nodes[n].distance[!n] = 20;
    }
    return topo;
}

static const VTopoSharedCache caches[] = {
    { { .level = 1, .type = VTOPO_CACHE_DATA, .size = 32 << 10, .ways = 4,
        .line_size = 64, .partitions = 1 }, CPU_TOPOLOGY_LEVEL_CORE },
    { { .level = 1, .type = VTOPO_CACHE_INSTRUCTION, .size = 32 << 10,
        .ways = 2, .line_size = 64, .partitions = 1 },
      CPU_TOPOLOGY_LEVEL_CORE },
    { { .level = 2, .type = VTOPO_CACHE_UNIFIED, .size = 1 << 20,
        .ways = 16, .line_size = 64, .partitions = 1 },
      CPU_TOPOLOGY_LEVEL_CLUSTER },
};

/* "rule: message" lines for a tree with @fault, or "error: reason" */
static char *check(int fault, size_t truncate, bool bad_magic)
{
    g_autoptr(VTopo) topo = model();
    g_autoptr(VTopoFdtTopology) t = vtopo_fdt_topology_new();
    g_autofree char *err = NULL;
    g_autofree void *fdt = NULL;
    GString *out = g_string_new("");
    GArray *findings;
    size_t size;

    fdt = build(fault, &size);
    if (bad_magic) {
        ((uint8_t *)fdt)[0] ^= 0xff;
    }
    if (!vtopo_fdt_decode(t, fdt, size - truncate, &err)) {
        g_string_append_printf(out, "error: %s\n", err);
        return g_string_free(out, false);
    }
    findings = vtopo_findings_new();
    vtopo_set_caches(topo, caches, G_N_ELEMENTS(caches));
    vtopo_fdt_check(topo, t, findings);
    for (guint i = 0; i < findings->len; i++) {
        const VTopoFinding *f = &g_array_index(findings, VTopoFinding, i);

        g_string_append_printf(out, "%s: %s\n", f->rule, f->message);
    }
    vtopo_findings_free(findings);
    return g_string_free(out, false);
}

START_TEST(test_consistent)
{
    g_autofree char *got = check(FAULT_NONE, 0, false);

    ck_assert_str_eq(got, "");
}
END_TEST

static const struct {
    int fault;
    const char *want;
} faults[] = {
    { FAULT_CPU_REG, "fdt-cpus: the device tree has a CPU with reg 0x100, "
                     "which is no present vCPU or is one twice\n" },
    { FAULT_CPU_TWICE, "fdt-cpus: the device tree has a CPU with reg 0x2, "
                       "which is no present vCPU or is one twice\n" },
    { FAULT_CPU_MAP, "fdt-cpu-map: cpu-map does not group the vCPUs by "
                     "cluster\n" },
    { FAULT_NUMA_NODE, "fdt-numa: CPU node with reg 0x2 has numa-node-id "
                       "0, its vCPU is in node 1\n" },
    { FAULT_DISTANCE, "fdt-numa: /distance-map does not hold the "
                      "configured distances\n" },
    { FAULT_L2_SIZE, "fdt-caches: the device tree L2 unified cache of CPU "
                     "0x2 has size 524288, 512 sets, 64-byte lines; the "
                     "vCPU describes 1048576, 1024, 64\n" },
    { FAULT_L2_SHARING, "fdt-caches: the device tree does not share the L2 "
                        "unified cache per cluster\n" },
    { FAULT_NO_L1I, "fdt-caches: the device tree gives CPU 0x0 no L1 "
                    "instruction cache\n" },
    { FAULT_CACHE_LOOP, "error: next-level-cache chain from cpu@0 is "
                        "longer than 8 (a loop?)\n" },
    { FAULT_NOT_CACHE, "error: cpu@0: next-level-cache is not a \"cache\" "
                       "node\n" },
    { FAULT_NO_REG, "error: cpu@1: reg is missing or not 1 cells\n" },
    { FAULT_MAP_NAME, "error: cpu-map node die1 is no socket, cluster, "
                      "core or thread\n" },
};

START_TEST(test_fault)
{
    g_autofree char *got = check(faults[_i].fault, 0, false);

    ck_assert_str_eq(got, faults[_i].want);
}
END_TEST

START_TEST(test_malformed_blob)
{
    g_autofree char *magic = check(FAULT_NONE, 0, true);
    g_autofree char *truncated = check(FAULT_NONE, 64, false);

    ck_assert_str_eq(magic, "error: not a valid device tree: "
                     "FDT_ERR_BADMAGIC\n");
    ck_assert_str_eq(truncated, "error: not a valid device tree: "
                     "FDT_ERR_TRUNCATED\n");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fdt-check");
    TCase *tc = tcase_create("check");

    tcase_add_test(tc, test_consistent);
    tcase_add_loop_test(tc, test_fault, 0, G_N_ELEMENTS(faults));
    tcase_add_test(tc, test_malformed_blob);
    suite_add_tcase(s, tc);
    return vtopo_check_run(s);
}
