/*
 * QMP query-topology
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_CORE_VTOPO_QMP_H
#define HW_CORE_VTOPO_QMP_H

#include "qapi/qapi-types-vtopo.h"

/* @findings (VTopoFinding) as query-topology reports them. */
TopologyFindingList *vtopo_findings_to_qapi(const GArray *findings);

#endif
