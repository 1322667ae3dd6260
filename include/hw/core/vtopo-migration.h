/*
 * vtopo: the topology in the migration stream
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_MIGRATION_H
#define HW_CORE_VTOPO_MIGRATION_H

#include "hw/boards.h"
#include "hw/core/vtopo/facts.h"

/*
 * Whether the migration stream of @ms carries the facts of its topology
 * (hw/core/vtopo/facts.h), in the "configuration/topology" subsection
 * of the stream's configuration section: on machine types with
 * topology_in_migration.
 */
bool machine_vtopo_in_migration(MachineState *ms);

/* The facts of @ms's topology, for the stream: @len bytes, g_free() them. */
uint8_t *machine_vtopo_facts_save(MachineState *ms, uint32_t *len);

/*
 * Whether the facts of a stream's topology (@len bytes, not trusted)
 * are @ms's own; if not, fails with one line that names the first that
 * differs and the option that sets it, or what is malformed.  If they
 * are, @ms remembers the digest of what it received
 * (machine_vtopo_source_digest()).
 */
bool machine_vtopo_facts_load(MachineState *ms, const uint8_t *facts,
                              uint32_t len, Error **errp);

/*
 * The SHA-256 of the topology that the migration stream (or snapshot)
 * @ms was loaded from carried, as received; NULL if @ms was not loaded
 * from one that carried it.
 */
const char *machine_vtopo_source_digest(MachineState *ms);

#endif
