/*
 * Stand-in for the header QEMU generates from qapi/machine-common.json
 * when vtopo's pure logic is built on its own: the CpuTopologyLevel
 * enumeration, its members in the schema's order.  Inside QEMU the
 * generated header is used; hw/core/vtopo/model.c asserts the order the
 * model relies on at build time in both.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef VTOPO_SHIM_QAPI_TYPES_MACHINE_COMMON_H
#define VTOPO_SHIM_QAPI_TYPES_MACHINE_COMMON_H

typedef enum CpuTopologyLevel {
    CPU_TOPOLOGY_LEVEL_THREAD,
    CPU_TOPOLOGY_LEVEL_CORE,
    CPU_TOPOLOGY_LEVEL_MODULE,
    CPU_TOPOLOGY_LEVEL_CLUSTER,
    CPU_TOPOLOGY_LEVEL_DIE,
    CPU_TOPOLOGY_LEVEL_SOCKET,
    CPU_TOPOLOGY_LEVEL_BOOK,
    CPU_TOPOLOGY_LEVEL_DRAWER,
    CPU_TOPOLOGY_LEVEL_DEFAULT,
    CPU_TOPOLOGY_LEVEL__MAX,
} CpuTopologyLevel;

#endif
