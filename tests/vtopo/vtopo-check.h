/*
 * The main() of vtopo's libcheck unit tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_VTOPO_CHECK_H
#define TESTS_VTOPO_CHECK_H

#include <check.h>

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
