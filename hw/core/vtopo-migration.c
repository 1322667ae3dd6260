/*
 * vtopo: the topology in the migration stream
 *
 * A migration destination builds its topology from its own command
 * line.  On machine types with topology_in_migration, the stream
 * carries the facts of the source's model (hw/core/vtopo-facts.h) in a
 * section of their own, sent in the setup phase, before RAM: a
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
#include "migration/vmstate.h"
#include "hw/core/vtopo-facts.h"
#include "hw/core/vtopo-migration.h"

struct VTopoMigration {
    MachineState *machine;
    /* The facts in the stream: written before a save, read by a load. */
    uint32_t len;
    uint8_t *facts;
    /* The digest of the facts a load accepted. */
    char *source_digest;
};

static bool vtopo_migration_pre_save(void *opaque, Error **errp)
{
    VTopoMigration *m = opaque;

    g_free(m->facts);
    m->facts = (uint8_t *)vtopo_facts(m->machine->topology);
    m->len = strlen((const char *)m->facts);
    return true;
}

static int vtopo_migration_pre_load(void *opaque)
{
    VTopoMigration *m = opaque;

    g_clear_pointer(&m->facts, g_free);
    m->len = 0;
    return 0;
}

/* Before the stream's length allocates a buffer that large. */
static bool vtopo_migration_len_valid(void *opaque, int version_id)
{
    VTopoMigration *m = opaque;

    return m->len <= VTOPO_FACTS_MAX_SIZE;
}

static bool vtopo_migration_post_load(void *opaque, int version_id,
                                      Error **errp)
{
    VTopoMigration *m = opaque;
    g_autofree char *ours = vtopo_facts(m->machine->topology);
    g_autofree char *difference = NULL;

    if (!vtopo_facts_compare(ours, m->facts, m->len, &difference)) {
        error_setg(errp, "%s", difference);
        return false;
    }
    /* The same text as the source's. */
    g_free(m->source_digest);
    m->source_digest = vtopo_facts_digest(ours);
    return true;
}

static const VMStateDescription vmstate_vtopo_migration = {
    .name = "machine-topology",
    .version_id = 1,
    .minimum_version_id = 1,
    /* Before RAM: a destination that refuses it refuses at once. */
    .early_setup = true,
    .pre_save_errp = vtopo_migration_pre_save,
    .pre_load = vtopo_migration_pre_load,
    .post_load_errp = vtopo_migration_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(len, VTopoMigration),
        VMSTATE_VALIDATE("topology of at most 1 MiB",
                         vtopo_migration_len_valid),
        VMSTATE_VBUFFER_ALLOC_UINT32(facts, VTopoMigration, 1, NULL, len),
        VMSTATE_END_OF_LIST()
    },
};

void machine_vtopo_migration_init(MachineState *ms)
{
    VTopoMigration *m = g_new0(VTopoMigration, 1);

    m->machine = ms;
    ms->vtopo_migration = m;
    vmstate_register(NULL, 0, &vmstate_vtopo_migration, m);
}

const char *machine_vtopo_source_digest(MachineState *ms)
{
    return ms->vtopo_migration ? ms->vtopo_migration->source_digest : NULL;
}
