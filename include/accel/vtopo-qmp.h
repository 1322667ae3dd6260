/*
 * QMP query-topology: the accelerator's part
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef ACCEL_VTOPO_QMP_H
#define ACCEL_VTOPO_QMP_H

#include "qapi/qapi-types-vtopo.h"
#include "hw/core/vtopo.h"

/*
 * Where @accel placed the vCPUs of @topo and their memory on the host,
 * core scheduling, what checking the placement found and the
 * mirror-host plan; NULL when the accelerator did not read the host.
 */
TopologyHost *accel_query_topology_host(AccelState *accel, const VTopo *topo);

#endif
