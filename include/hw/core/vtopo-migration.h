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

typedef struct VTopoMigration VTopoMigration;

/*
 * Give the migration stream of @ms the facts of its topology model
 * (hw/core/vtopo-facts.h), in a section of their own: a source sends
 * them, a destination refuses a stream whose facts are not its own.
 * Machine init calls it for machine types with topology_in_migration.
 */
void machine_vtopo_migration_init(MachineState *ms);

/*
 * The SHA-256 of the topology the migration stream (or snapshot) that
 * @ms was loaded from carried, which is @ms's own; NULL if @ms was not
 * loaded from one that carried it.
 */
const char *machine_vtopo_source_digest(MachineState *ms);

#endif
