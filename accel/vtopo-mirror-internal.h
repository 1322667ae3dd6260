/*
 * vtopo: the mirror-host state of a machine, for the files of accel/
 * that plan and report it
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_MIRROR_INTERNAL_H
#define ACCEL_VTOPO_MIRROR_INTERNAL_H

#include "qapi/qapi-types-machine.h"
#include "accel/vtopo/mirror.h"
#include "accel/vtopo-mirror-machine.h"

/*
 * AccelVcpuMirror: the mirror-host state of a machine.
 * @enabled, @smt, @max_nodes, @exclude, @prefer: the properties
 *     mirror-host, mirror-smt, mirror-max-nodes, mirror-exclude and
 *     mirror-prefer.
 * @options: the plan as QEMU options (VTopoMirrorOption), once made.
 * @notes: what the plan could not mirror exactly (char *).
 */
typedef struct AccelVcpuMirror {
    bool enabled;
    OnOffAuto smt;
    uint32_t max_nodes;
    uint32List *exclude;
    VcpuMirrorPrefer prefer;
    bool placement_only;
    GArray *options;
    GPtrArray *notes;
} AccelVcpuMirror;

#endif
