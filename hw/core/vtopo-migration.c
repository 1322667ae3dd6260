/*
 * vtopo: the topology in the migration stream
 *
 * A migration destination builds its topology from its own command
 * line.  On machine types with topology_in_migration, the stream's
 * configuration section, which the destination reads before any
 * other, carries the facts of the source's model
 * (hw/core/vtopo/facts.h; migration/savevm.c sends and loads them): a
 * destination whose facts differ fails the load there, naming the
 * first difference and the option that sets it, and closes the stream;
 * the source's migration then fails and its guest runs on.
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "accel/vtopo-mirror-machine.h"
#include "hw/core/vtopo-migration.h"

bool machine_vtopo_in_migration(MachineState *ms)
{
    return MACHINE_GET_CLASS(ms)->topology_in_migration && ms->topology;
}

uint8_t *machine_vtopo_facts_save(MachineState *ms, uint32_t *len)
{
    char *facts = vtopo_facts(ms->topology);

    *len = strlen(facts);
    return (uint8_t *)facts;
}

bool machine_vtopo_facts_load(MachineState *ms, const uint8_t *facts,
                              uint32_t len, Error **errp)
{
    g_autofree char *ours = NULL;
    g_autofree char *difference = NULL;

    if (!ms->topology) {
        error_setg(errp, "the migration source's topology cannot be "
                   "checked: machine type '%s' has no topology model",
                   MACHINE_GET_CLASS(ms)->name);
        return false;
    }
    ours = vtopo_facts(ms->topology);
    if (!vtopo_facts_compare(ours, facts, len, &difference)) {
        error_setg(errp, "%s%s", difference,
                   accel_vcpu_mirror_planned_topology(ms) ?
                   "; mirror-host planned this machine's topology from "
                   "its host" : "");
        return false;
    }
    g_free(ms->topology_source_digest);
    ms->topology_source_digest =
        g_compute_checksum_for_data(G_CHECKSUM_SHA256, facts, len);
    return true;
}

const char *machine_vtopo_source_digest(MachineState *ms)
{
    return ms->topology_source_digest;
}
