/*
 * vtopo: check the ACPI tables a machine built against its topology
 *
 * Copyright (c) 2026 The vtopo authors
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/acpi/vtopo/acpi-check.h"
#include "hw/acpi/vtopo-acpi-machine.h"
#include "hw/core/vtopo-machine.h"
#include "trace.h"

/* ACPI 6.5, Table 5.4: the header fields the blob is walked by */
#define ACPI_HEADER_LENGTH_OFFSET   4
#define ACPI_HEADER_CHECKSUM_OFFSET 9
#define ACPI_HEADER_MIN_LENGTH      8

static const char *const vtopo_acpi_signatures[] = {
    "APIC", "SRAT", "SLIT", "PPTT", "HMAT", NULL,
};

void machine_vtopo_check_acpi(MachineState *ms, GArray *table_data)
{
    g_autoptr(VTopoAcpiTables) tables = vtopo_acpi_tables_new();
    VTopo *topo = ms->topology;
    guint first;
    uint32_t offset, length;

    if (!topo || !vtopo_start_check(topo, VTOPO_CHECK_ACPI)) {
        return;
    }
    first = topo->findings->len;
    trace_vtopo_acpi_check_begin(topo->nr_cpus, table_data->len);

    /* The tables lie back to back; zero padding ends them. */
    for (offset = 0; table_data->len - offset >= ACPI_HEADER_MIN_LENGTH;
         offset += length) {
        const uint8_t *table = (const uint8_t *)table_data->data + offset;
        g_autofree uint8_t *copy = NULL;
        g_autofree char *reason = NULL;
        char signature[5] = { };
        uint8_t sum = 0;

        length = ldl_le_p(table + ACPI_HEADER_LENGTH_OFFSET);
        if (length < ACPI_HEADER_MIN_LENGTH ||
            length > table_data->len - offset) {
            break;
        }
        memcpy(signature, table, 4);
        if (!g_strv_contains(vtopo_acpi_signatures, signature)) {
            continue;
        }
        /* As the guest will read it: with its checksum */
        copy = g_memdup2(table, length);
        copy[ACPI_HEADER_CHECKSUM_OFFSET] = 0;
        for (uint32_t i = 0; i < length; i++) {
            sum += copy[i];
        }
        copy[ACPI_HEADER_CHECKSUM_OFFSET] = -sum;
        vtopo_add_table(topo, signature, length,
                        g_compute_checksum_for_data(G_CHECKSUM_SHA256, copy,
                                                    length));
        if (!vtopo_acpi_decode_table(tables, copy, length, &reason)) {
            vtopo_add_finding(topo->findings, "acpi-decode",
                              VTOPO_SEVERITY_ERROR, "the %s table cannot be "
                              "decoded: %s", signature, reason);
        }
    }
    vtopo_acpi_check(topo, tables, topo->findings);
    trace_vtopo_acpi_check_end(topo->tables->len,
                               topo->findings->len - first);
    machine_vtopo_warn_findings(ms, first);
}
