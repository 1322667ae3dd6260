/*
 * Stand-in for QEMU's qemu/bitops.h when vtopo's pure logic is built on
 * its own: the bit-field helpers that hw/registerfields.h's FIELD()
 * macros use, with QEMU's meaning (a field of @length bits at bit
 * @start; a field that does not fit the word is a programming error).
 * Inside QEMU the real header is used.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VTOPO_SHIM_BITOPS_H
#define VTOPO_SHIM_BITOPS_H

#include <assert.h>

/* A mask of @length bits from bit @shift up. */
#define MAKE_64BIT_MASK(shift, length) \
    (((~0ULL) >> (64 - (length))) << (shift))

static inline uint32_t extract32(uint32_t value, int start, int length)
{
    assert(start >= 0 && length > 0 && length <= 32 - start);
    return (value >> start) & (uint32_t)MAKE_64BIT_MASK(0, length);
}

static inline uint32_t deposit32(uint32_t value, int start, int length,
                                 uint32_t fieldval)
{
    uint32_t mask;

    assert(start >= 0 && length > 0 && length <= 32 - start);
    mask = MAKE_64BIT_MASK(start, length);
    return (value & ~mask) | ((fieldval << start) & mask);
}

#endif
