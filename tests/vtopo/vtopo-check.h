/*
 * The main() of vtopo's libcheck unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_VTOPO_CHECK_H
#define TESTS_VTOPO_CHECK_H

#include <check.h>
#include "hw/core/vtopo.h"

/* An x86-style shape: sockets, dies, modules, cores, threads. */
static inline VTopoShape x86_shape(unsigned int sockets, unsigned int dies,
                                   unsigned int modules, unsigned int cores,
                                   unsigned int threads)
{
    VTopoShape s = { 0 };

    for (int l = 0; l < VTOPO_LEVEL__MAX; l++) {
        s.count[l] = 1;
    }
    s.count[VTOPO_LEVEL_SOCKET] = sockets;
    s.count[VTOPO_LEVEL_DIE] = dies;
    s.count[VTOPO_LEVEL_MODULE] = modules;
    s.count[VTOPO_LEVEL_CORE] = cores;
    s.count[VTOPO_LEVEL_THREAD] = threads;
    s.supported[VTOPO_LEVEL_SOCKET] = true;
    s.supported[VTOPO_LEVEL_DIE] = true;
    s.supported[VTOPO_LEVEL_MODULE] = true;
    s.supported[VTOPO_LEVEL_CORE] = true;
    s.supported[VTOPO_LEVEL_THREAD] = true;
    s.cpus = sockets * dies * modules * cores * threads;
    return s;
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
