/*
 * QMP query-topology-checks: the accelerator's part
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_QMP_H
#define ACCEL_VTOPO_QMP_H

#include "qapi/qapi-types-vtopo.h"
#include "hw/core/vtopo/model.h"

/*
 * Where the vCPUs of @ms's @topo and their memory are placed on the
 * host, core scheduling, what checking the placement found and the
 * mirror-host plan; NULL when the host placement is not read.
 */
TopologyHost *accel_query_topology_host(MachineState *ms, const VTopo *topo);

#endif
