/*
 * Stand-in for QEMU's hw/registerfields.h when vtopo's pure logic is
 * built on its own: FIELD() and the 32-bit accessors, with QEMU's
 * meaning: FIELD_DP32() goes through a bit-field of the field's width,
 * so that it keeps the low bits of a value that does not fit, and the
 * compiler warns (-Woverflow) about a constant that does not.  Inside
 * QEMU the real header is used.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VTOPO_SHIM_REGISTERFIELDS_H
#define VTOPO_SHIM_REGISTERFIELDS_H

#include "qemu/bitops.h"

#define FIELD(reg, field, shift, length)                                \
    enum { R_ ## reg ## _ ## field ## _SHIFT = (shift) };               \
    enum { R_ ## reg ## _ ## field ## _LENGTH = (length) };             \
    enum { R_ ## reg ## _ ## field ## _MASK =                           \
               MAKE_64BIT_MASK(shift, length) };

#define FIELD_EX32(storage, reg, field)                                 \
    extract32((storage), R_ ## reg ## _ ## field ## _SHIFT,             \
              R_ ## reg ## _ ## field ## _LENGTH)

#define FIELD_DP32(storage, reg, field, val) ({                         \
    struct {                                                            \
        unsigned int bits:R_ ## reg ## _ ## field ## _LENGTH;           \
    } field_val_ = { .bits = (val) };                                   \
    deposit32((storage), R_ ## reg ## _ ## field ## _SHIFT,             \
              R_ ## reg ## _ ## field ## _LENGTH, field_val_.bits);     \
})

#endif
