/*
 * Stand-in for QEMU's qemu/bitops.h when vtopo's pure logic is built on
 * its own: the bit-field helpers that hw/registerfields.h's FIELD()
 * macros use, with QEMU's meaning (a field of @length bits at bit
 * @start).  Inside QEMU the real header is used.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VTOPO_SHIM_BITOPS_H
#define VTOPO_SHIM_BITOPS_H

/* A mask of @length bits from bit @shift up. */
#define MAKE_64BIT_MASK(shift, length) \
    (((~0ULL) >> (64 - (length))) << (shift))

static inline uint32_t extract32(uint32_t value, int start, int length)
{
    uint32_t field_mask = MAKE_64BIT_MASK(0, length);

    g_assert(start >= 0 && length > 0 && length <= 32 - start);
    return (value >> start) & field_mask;
}

static inline uint32_t deposit32(uint32_t value, int start, int length,
                                 uint32_t fieldval)
{
    uint32_t mask = MAKE_64BIT_MASK(start, length);

    g_assert(start >= 0 && length > 0 && length <= 32 - start);
    return (value & ~mask) | ((fieldval << start) & mask);
}

#endif
