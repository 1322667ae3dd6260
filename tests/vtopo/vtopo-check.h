/*
 * The main() of vtopo's libcheck unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_VTOPO_CHECK_H
#define TESTS_VTOPO_CHECK_H

#include <check.h>
#include "hw/core/vtopo/model.h"
#include "accel/vtopo/host.h"

/*
 * Fixture host @name of tests/data/vtopo-host, expanded into the
 * directory VTOPO_HOST_FIXTURES names.
 */
static inline VTopoHost *vtopo_test_host(const char *name)
{
    g_autofree char *root = g_build_filename(g_getenv("VTOPO_HOST_FIXTURES"),
                                             name, NULL);
    g_autofree char *error = NULL;
    VTopoHost *host = vtopo_host_read(root, &error);

    ck_assert_msg(host, "%s: %s", name, error);
    return host;
}

/* The bit of level @l in the @levels of vtopo_test_shape(). */
#define VTOPO_TEST_LEVEL(l) (1u << CPU_TOPOLOGY_LEVEL_ ## l)

/*
 * A shape of @cpus vCPUs on a machine that has the levels in @levels
 * (VTOPO_TEST_LEVEL() bits), each level one domain of the level above
 * until the caller sets its count.
 */
static inline VTopoShape vtopo_test_shape(unsigned int cpus,
                                          unsigned int levels)
{
    VTopoShape s = { .cpus = cpus };

    for (int l = 0; l < VTOPO_LEVELS; l++) {
        s.count[l] = 1;
        s.supported[l] = levels & (1u << l);
    }
    return s;
}

/* An x86-style shape: sockets, dies, modules, cores, threads. */
static inline VTopoShape x86_shape(unsigned int sockets, unsigned int dies,
                                   unsigned int modules, unsigned int cores,
                                   unsigned int threads)
{
    VTopoShape s = vtopo_test_shape(sockets * dies * modules * cores *
                                    threads,
                                    VTOPO_TEST_LEVEL(SOCKET) |
                                    VTOPO_TEST_LEVEL(DIE) |
                                    VTOPO_TEST_LEVEL(MODULE) |
                                    VTOPO_TEST_LEVEL(CORE) |
                                    VTOPO_TEST_LEVEL(THREAD));

    s.count[CPU_TOPOLOGY_LEVEL_SOCKET] = sockets;
    s.count[CPU_TOPOLOGY_LEVEL_DIE] = dies;
    s.count[CPU_TOPOLOGY_LEVEL_MODULE] = modules;
    s.count[CPU_TOPOLOGY_LEVEL_CORE] = cores;
    s.count[CPU_TOPOLOGY_LEVEL_THREAD] = threads;
    return s;
}

/*
 * Give @topo a last-level cache (an L3, 1 MiB per vCPU that shares it)
 * shared per @level; none for CPU_TOPOLOGY_LEVEL_DEFAULT.
 */
static inline void vtopo_test_set_llc(VTopo *topo, CpuTopologyLevel level)
{
    VTopoSharedCache l3 = {
        .geometry = { .level = 3, .type = VTOPO_CACHE_UNIFIED, .ways = 16,
                      .line_size = 64, .partitions = 1 },
        .sharing = level,
    };

    if (level == CPU_TOPOLOGY_LEVEL_DEFAULT) {
        vtopo_set_caches(topo, NULL, 0);
        return;
    }
    l3.geometry.size = (uint64_t)vtopo_shape_cpus_per(&topo->shape, level)
                       << 20;
    vtopo_set_caches(topo, &l3, 1);
}

/* vtopo_validate() into a new array of findings. */
static inline GArray *vtopo_test_validate(const VTopo *topo)
{
    GArray *findings = vtopo_findings_new();

    vtopo_validate(topo, findings);
    return findings;
}

/* Run @suite; the exit status of the test program. */
static inline int vtopo_check_run(Suite *suite)
{
    SRunner *sr = srunner_create(suite);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
