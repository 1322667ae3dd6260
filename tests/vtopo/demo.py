#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The demo: start the patched QEMU with a topology (the built-in default,
or the QEMU options given), print `info topology`, boot the Linux test
guest, and print what the guest sees beside what was requested, with a
verdict per check."""

import sys

import guest_configs
import vtopo_guest as vg


def main(argv):
    args = argv or guest_configs.DEMO["args"]
    print("QEMU options: " + " ".join(args))
    try:
        with vg.Vm("demo", args, accel=vg.accel()) as vm:
            print("\n(qemu) info topology")
            print(vm.qmp.hmp("info topology").replace("\r\n", "\n"))
            topo = vm.qmp.cmd("query-topology")
            print("booting the guest (%s) ..." % vg.accel())
            view = vg.parse_guest(vm.boot(timeout=300))
    except vg.QemuError as e:
        print(str(e), file=sys.stderr)
        return 1
    except vg.GuestTimeout as e:
        print("error: %s" % e, file=sys.stderr)
        return 1

    by_apic = {v["arch-id"]: v for v in topo["vcpus"]}
    levels = [l["level"] for l in topo["levels"]]
    print("%-4s %-6s | %-40s | %s" % ("cpu", "apicid", "requested (QEMU)", "guest (Linux sysfs)"))
    for n in sorted(view["cpus"]):
        c = view["cpus"][n]
        apic = int(c["apicid"]) if c.get("apicid", "-") != "-" else None
        v = by_apic.get(apic)
        want = " ".join("%s%s" % (l[0], v["props"].get(l + "-id", "-")) for l in levels) if v else "?"
        if v and "node-id" in v["props"]:
            want += " node%d" % v["props"]["node-id"]
        got = "pkg%s die%s core%s node%s smt=%s" % (c["package"], c["die"], c["core"],
                                                   c["node"], c["core_cpus"])
        print("%-4d %-6s | %-40s | %s" % (n, c.get("apicid"), want, got))
    for nid, node in sorted(view["nodes"].items()):
        print("guest node%d: cpus %s, %s kB, distances %s" % (
            nid, node["cpus"], node["mem_kb"], node["distance"].replace("_", " ")))
    print()
    bad = 0
    for r in vg.compare(topo, view) + vg.compare_cpuid(topo, view) + \
            vg.compare_pptt(topo, view) + vg.compare_acpi(topo, view):
        print("%-5s %s%s" % ("OK" if r.ok else "DIFF", r.name, "" if r.ok else ": " + r.detail))
        bad += not r.ok
    print("\nverdict: %s" % ("the guest sees the requested topology" if not bad else
                             "%d check(s) differ" % bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
