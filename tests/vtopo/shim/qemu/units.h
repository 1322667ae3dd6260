/*
 * Stand-in for QEMU's qemu/units.h when vtopo's pure logic is built on
 * its own.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VTOPO_SHIM_UNITS_H
#define VTOPO_SHIM_UNITS_H

#define KiB     (INT64_C(1) << 10)
#define MiB     (INT64_C(1) << 20)
#define GiB     (INT64_C(1) << 30)

#endif
