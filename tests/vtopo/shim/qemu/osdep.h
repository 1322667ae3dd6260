/*
 * Stand-in for QEMU's qemu/osdep.h when vtopo's pure logic is built on its
 * own (unit tests, guest probe).  Inside QEMU the real osdep.h is used.
 * Pure files may rely on nothing beyond what this provides: libc and glib.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VTOPO_SHIM_OSDEP_H
#define VTOPO_SHIM_OSDEP_H

/*
 * As in QEMU's build: _GNU_SOURCE (sched_getaffinity(), CPU_SET), and
 * CONFIG_LINUX from config-host.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#ifdef __linux__
#define CONFIG_LINUX 1
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <errno.h>
#include <glib.h>

#endif
