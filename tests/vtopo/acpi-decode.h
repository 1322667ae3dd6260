/*
 * acpi-decode: the ACPI tables that describe the topology (MADT, SRAT,
 * SLIT, PPTT, HMAT), decoded by hw/acpi/vtopo/acpi-decode.c, as one
 * text record per entry.  The input is untrusted (a guest's
 * /sys/firmware/acpi/tables, or any file): a malformed table is an
 * error with the reason, never a crash.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_VTOPO_ACPI_DECODE_H
#define TESTS_VTOPO_ACPI_DECODE_H

/*
 * Append the records of the table in @buf (@len bytes, header included)
 * to @out: for the MADT
 *   madt-cpu uid=U id=ID enabled=E           (Local APIC, x2APIC, GICC)
 * for the SRAT
 *   srat-cpu id=ID node=N enabled=E          (APIC and x2APIC affinity)
 *   srat-gicc uid=U node=N enabled=E
 *   srat-mem node=N base=0x.. length=0x.. flags=0x..
 *   srat-initiator node=N                   (Generic Initiator affinity)
 * for the SLIT
 *   slit from=I to=J distance=D
 * for the PPTT
 *   pptt-node offset=0x.. flags=0x.. parent=0x.. id=N resources=0x..,...
 *   pptt-cache offset=0x.. flags=0x.. next=0x.. size=N sets=N ways=N
 *              attributes=0x.. line=N id=N
 * for the HMAT
 *   hmat-domain initiator=N|- memory=N   (Memory Proximity Domain Attributes)
 *   hmat-initiator node=N                (of each locality structure)
 *   hmat-target node=N
 * Returns false (with *@err set, and @out unchanged) for a malformed
 * table or a signature it does not know.
 */
bool acpi_decode_records(const uint8_t *buf, size_t len, GString *out,
                         char **err);

#endif
