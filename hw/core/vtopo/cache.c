/*
 * vtopo: cache geometry
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/core/vtopo/cache.h"

const char *vtopo_cache_type_name(VTopoCacheType type)
{
    switch (type) {
    case VTOPO_CACHE_DATA:
        return "data";
    case VTOPO_CACHE_INSTRUCTION:
        return "instruction";
    case VTOPO_CACHE_UNIFIED:
        return "unified";
    }
    g_assert_not_reached();
}

/* Bytes in one set across all ways and partitions. */
static uint64_t vtopo_cache_set_bytes(const VTopoCache *cache)
{
    return (uint64_t)cache->ways * cache->partitions * cache->line_size;
}

uint64_t vtopo_cache_sets(const VTopoCache *cache)
{
    uint64_t set_bytes = vtopo_cache_set_bytes(cache);

    return set_bytes ? cache->size / set_bytes : 0;
}

bool vtopo_cache_check(const VTopoCache *cache, char **reason)
{
    uint64_t set_bytes = vtopo_cache_set_bytes(cache);

    if (cache->level < 1 || cache->level > 3) {
        *reason = g_strdup_printf("level %u is not 1, 2 or 3", cache->level);
        return false;
    }
    if ((cache->level == 1) == (cache->type == VTOPO_CACHE_UNIFIED)) {
        *reason = g_strdup_printf("an L%u cache cannot be %s", cache->level,
                                  vtopo_cache_type_name(cache->type));
        return false;
    }
    if (!cache->size) {
        *reason = g_strdup("size must not be 0");
        return false;
    }
    if (!cache->ways || cache->ways > VTOPO_CACHE_MAX_WAYS) {
        *reason = g_strdup_printf("ways %" PRIu32 " is outside 1..%d",
                                  cache->ways, VTOPO_CACHE_MAX_WAYS);
        return false;
    }
    if (!cache->partitions || cache->partitions > VTOPO_CACHE_MAX_PARTITIONS) {
        *reason = g_strdup_printf("partitions %" PRIu32 " is outside 1..%d",
                                  cache->partitions,
                                  VTOPO_CACHE_MAX_PARTITIONS);
        return false;
    }
    if (!cache->line_size || cache->line_size > VTOPO_CACHE_MAX_LINE_SIZE ||
        (cache->line_size & (cache->line_size - 1))) {
        *reason = g_strdup_printf("line-size %" PRIu32 " is not a power of "
                                  "two in 1..%d", cache->line_size,
                                  VTOPO_CACHE_MAX_LINE_SIZE);
        return false;
    }
    if (cache->size % set_bytes) {
        *reason = g_strdup_printf("size %" PRIu64 " is not a whole number of "
                                  "sets of %" PRIu32 " ways x %" PRIu32
                                  " partitions x %" PRIu32 " bytes",
                                  cache->size, cache->ways, cache->partitions,
                                  cache->line_size);
        return false;
    }
    if (vtopo_cache_sets(cache) > VTOPO_CACHE_MAX_SETS) {
        *reason = g_strdup_printf("size %" PRIu64 " needs %" PRIu64 " sets, "
                                  "more than CPUID can describe",
                                  cache->size, vtopo_cache_sets(cache));
        return false;
    }
    return true;
}
