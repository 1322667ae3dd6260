/*
 * vtopo: what the guest sees of a model, as a migration stream carries it
 *
 * A migration destination builds its topology from its own command
 * line; nothing sends the source's.  The facts are what the guest can
 * see of a model, as text, one "key value" line per fact in a fixed
 * order: the -smp levels and counts, the vCPUs' architectural ids, each
 * cache's geometry and sharing, each NUMA node's vCPUs, memory and
 * distances.  A source sends its facts; a destination compares them
 * with its own and names the first that differs in the terms of the
 * option that sets it.  Depends on glib and libc only.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_FACTS_H
#define HW_CORE_VTOPO_FACTS_H

#include "hw/core/vtopo/model.h"

/* The version of the text, its first line: "vtopo-facts 1". */
#define VTOPO_FACTS_VERSION 1

/*
 * The longest facts vtopo_facts_compare() reads: far more than the
 * most the model can describe (4096 vCPUs, 128 nodes with distances).
 */
#define VTOPO_FACTS_MAX_SIZE (1024 * 1024)

/* The facts of @topo, NUL-terminated; g_free() them. */
char *vtopo_facts(const VTopo *topo);

/* The SHA-256 of @facts, in hex; g_free() it. */
char *vtopo_facts_digest(const char *facts);

/*
 * Whether @theirs (@len bytes from another QEMU, not trusted: any bytes,
 * not NUL-terminated) are the same facts as @ours.  If not, sets
 * @difference to one line: "the topology differs from the migration
 * source's: " and the first fact that differs, with both values and
 * the option that sets it; or what is malformed in @theirs.
 */
bool vtopo_facts_compare(const char *ours, const uint8_t *theirs,
                         size_t len, char **difference);

#endif
