/*
 * vtopo: the topology model of a running machine
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_MACHINE_H
#define HW_CORE_VTOPO_MACHINE_H

#include "hw/boards.h"
#include "hw/core/vtopo.h"

/*
 * machine_vtopo_new: the topology model of @ms, from its -smp
 * configuration, its possible CPUs and its NUMA state.  Fails (and sets
 * @errp) for machine types that do not describe their possible CPUs.
 */
VTopo *machine_vtopo_new(MachineState *ms, Error **errp);

#endif
