#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The ACPI table decoder (build/tests/vtopo/acpi-decode) against ACPICA's
`iasl -d`, on every MADT, SRAT, SLIT and PPTT of QEMU's expected tables
(x86, aarch64, riscv64): the decoder accepts each one and every field it
prints equals the one iasl prints for the same bytes."""

import glob
import os
import re
import sys

import check_acpi
import vtopo_guest as vg
from tap import Tap

DATA = os.path.join(vg.BUILD, "qemu-src", "tests", "data", "acpi")


def iasl_view(sig, data):
    """What iasl says, in the decoder's record form."""
    subtables, problems = check_acpi.iasl_decode(sig, data)
    out = []
    if sig == "APIC":
        for t in subtables:
            if t["_type"].startswith("00 "):
                out.append(("madt-cpu", {"uid": check_acpi.hexval(t["Processor ID"]),
                                         "id": check_acpi.hexval(t["Local Apic ID"]),
                                         "enabled": int(t["Processor Enabled"])}))
            elif t["_type"].startswith("09 "):
                out.append(("madt-cpu", {"uid": check_acpi.hexval(t["Processor UID"]),
                                         "id": check_acpi.hexval(t["Processor x2Apic ID"]),
                                         "enabled": int(t["Processor Enabled"])}))
            elif t["_type"].startswith("0B "):
                out.append(("madt-cpu", {"uid": check_acpi.hexval(t["Processor UID"]),
                                         "id": check_acpi.hexval(t["ARM MPIDR"]),
                                         "enabled": int(t["Processor Enabled"])}))
    elif sig == "SRAT":
        for t in subtables:
            if t["_type"].startswith("00 "):
                out.append(("srat-cpu", {
                    "id": check_acpi.hexval(t["Apic ID"]),
                    "node": check_acpi.hexval(t["Proximity Domain High(24)"]) << 8 |
                    check_acpi.hexval(t["Proximity Domain Low(8)"]),
                    "enabled": int(t["Enabled"])}))
            elif t["_type"].startswith("01 "):
                out.append(("srat-mem", {"node": check_acpi.hexval(t["Proximity Domain"]),
                                         "base": check_acpi.hexval(t["Base Address"]),
                                         "length": check_acpi.hexval(t["Address Length"]),
                                         "flags": check_acpi.hexval(t["Flags (decoded below)"])}))
            elif t["_type"].startswith("02 "):
                out.append(("srat-cpu", {"id": check_acpi.hexval(t["Apic ID"]),
                                         "node": check_acpi.hexval(t["Proximity Domain"]),
                                         "enabled": int(t["Enabled"])}))
            elif t["_type"].startswith("03 "):
                out.append(("srat-gicc", {"uid": check_acpi.hexval(t["Acpi Processor UID"]),
                                          "node": check_acpi.hexval(t["Proximity Domain"]),
                                          "enabled": int(t["Enabled"])}))
    elif sig == "SLIT":
        rows = {int(m.group(1)): [int(b, 16) for b in v.split()]
                for k, v in subtables[0].items()
                for m in [re.match(r"Locality\s+(\d+)$", k)] if m}
        for i in sorted(rows):
            for j, d in enumerate(rows[i]):
                out.append(("slit", {"from": i, "to": j, "distance": d}))
    elif sig == "PPTT":
        for t in subtables:
            if t["_type"].startswith("00 "):
                out.append(("pptt-node", {
                    "offset": t["_offset"], "flags": check_acpi.hexval(t["Flags (decoded below)"]),
                    "parent": check_acpi.hexval(t["Parent"]), "id": check_acpi.hexval(t["ACPI Processor ID"]),
                    "resources": t["Private Resource"]}))
            elif t["_type"].startswith("01 "):
                rec = {"offset": t["_offset"], "flags": check_acpi.hexval(t["Flags (decoded below)"]),
                       "next": check_acpi.hexval(t["Next Level of Cache"]), "size": check_acpi.hexval(t["Size"]),
                       "sets": check_acpi.hexval(t["Number of Sets"]), "ways": check_acpi.hexval(t["Associativity"]),
                       "attributes": check_acpi.hexval(t["Attributes"]), "line": check_acpi.hexval(t["Line Size"])}
                if "Cache ID" in t:
                    rec["id"] = check_acpi.hexval(t["Cache ID"])
                out.append(("pptt-cache", rec))
    return out, problems


# ACPI subtable types that came after bookworm's iasl 20200925, by the
# name the ACPI 6.5 tables give them: LoongArch's and RISC-V's interrupt
# controllers in the MADT (5.2.12.x), generic port and RISC-V affinity
# in the SRAT (5.2.16.7, 5.2.16.8).
NEWER_THAN_IASL = {
    ("MADT", "0x11"): "MADT Core PIC (LoongArch)",
    ("MADT", "0x12"): "MADT LIO PIC (LoongArch)",
    ("MADT", "0x13"): "MADT HT PIC (LoongArch)",
    ("MADT", "0x14"): "MADT EIO PIC (LoongArch)",
    ("MADT", "0x15"): "MADT MSI PIC (LoongArch)",
    ("MADT", "0x16"): "MADT BIO PIC (LoongArch)",
    ("MADT", "0x17"): "MADT LPC PIC (LoongArch)",
    ("MADT", "0x18"): "MADT RINTC (RISC-V)",
    ("MADT", "0x19"): "MADT IMSIC (RISC-V)",
    ("MADT", "0x1A"): "MADT APLIC (RISC-V)",
    ("MADT", "0x1B"): "MADT PLIC (RISC-V)",
    ("SRAT", "0x6"): "SRAT Generic Port Affinity",
    ("SRAT", "0x7"): "SRAT RINTC Affinity (RISC-V)",
}


def main():
    vg.require_programs({"iasl": "acpica-tools"})
    files = sorted(f for f in glob.glob(os.path.join(DATA, "*", "*", "*"))
                   if re.match(r"(APIC|SRAT|SLIT|PPTT)(\.|$)", os.path.basename(f))
                   and os.path.getsize(f))
    tap = Tap()
    # QEMU's expected tables as of 10.2 (26 MADT, 22 SRAT, 18 PPTT, 6
    # SLIT): a folder that moved or emptied must not pass as nothing to
    # compare.
    count = {s: sum(os.path.basename(f).startswith(s) for f in files)
             for s in ("APIC", "SRAT", "SLIT", "PPTT")}
    tap.point("QEMU's expected tables are there: at least 20 MADT, 15 SRAT, "
              "4 SLIT and 12 PPTT", count["APIC"] >= 20 and
              count["SRAT"] >= 15 and count["SLIT"] >= 4 and
              count["PPTT"] >= 12, "%s in %s" % (count, DATA))
    for f in files:
        name = os.path.relpath(f, DATA)
        sig = os.path.basename(f)[:4]
        with open(f, "rb") as fh:
            data = fh.read()
        try:
            ours = check_acpi.acpi_decode(sig, data)
        except vg.QemuError as e:
            tap.point(name + ": decoder and iasl agree", False,
                      "decoder refused it: %s" % e)
            continue
        theirs, problems = iasl_view(sig, data)
        unknown = [p for p in problems if "Unknown" in p]
        if unknown:
            # Subtable types newer than bookworm's iasl (20200925): no
            # witness for this table.  Only those, by name; an unknown
            # type in any other table, or in one of ours, fails.
            # iasl says it twice: "Subtable Type : 11 [Unknown Subtable
            # Type]", then "Unknown MADT subtable type 0x11".
            types = [m.groups() for m in (
                re.search(r"Unknown (\w+) subtable type (0x[0-9A-Fa-f]+)", u)
                for u in unknown) if m]
            names = [NEWER_THAN_IASL.get(t) for t in types]
            if names and all(names) and len(types) == len(
                    [u for u in unknown if "[Unknown Subtable Type]" in u]):
                tap.point(name + ": decoder and iasl agree", True,
                          skip="bookworm's iasl does not know %s" %
                          ", ".join(sorted(set(names))))
            else:
                tap.point(name + ": decoder and iasl agree", False,
                          "iasl: %s" % "; ".join(u.strip("* ")
                                                 for u in unknown))
            continue
        # iasl 20200925 does not know the PPTT Cache ID (ACPI 6.4): leave
        # it out where iasl has none.
        for (k, o), (_, t) in zip(ours, theirs):
            if k == "pptt-cache" and "id" not in t:
                o.pop("id", None)
        ok = not problems and ours == theirs and ours
        diff = [("ours %s %s" % o, "iasl %s %s" % t) for o, t in zip(ours, theirs) if o != t]
        tap.point(name + ": decoder and iasl agree", ok,
                  "; ".join(problems[:3]) +
                  ("%d records vs %d; " % (len(ours), len(theirs))) +
                  "; ".join("%s / %s" % d for d in diff[:2]))
    tap.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
