#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Suite 'guest': boot one configuration of tests/vtopo/guest_configs.py
and check the Linux guest's view against query-topology.  TAP output;
known failures are TAP TODO points naming the issue that fixes them."""

import json
import sys

import check_acpi
import check_cpuid
import check_dt
import check_hwloc
import check_sysfs
import guest_configs
import vtopo_guest as vg
from tap import Tap


def save_golden(name, view):
    """What the guest read that must not change unless a commit says so:
    every CPU's CPUID leaves and every ACPI table's SHA-256, for
    scripts/golden to compare across a redesign."""
    golden = {
        "cpuid": sorted("%s %s %s %s %s %s %s" % (c["cpu"], c["leaf"], c["sub"],
                                                  c["eax"], c["ebx"], c["ecx"], c["edx"])
                        for c in view["cpuid"]),
        "acpi_sha256": view["acpi_sha256"],
    }
    if view["fdt"] is not None:
        golden["fdt_bytes"] = len(view["fdt"])
    out = vg.os.path.join(vg.BUILD, "golden", "guest")
    vg.os.makedirs(out, exist_ok=True)
    with open(vg.os.path.join(out, name + ".json"), "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)


# The points each kind of configuration must produce (by name, or name
# prefix): a check whose input is missing (no /sys/firmware/fdt, no raw
# table, no decoded leaf) must not just produce nothing.
REQUIRED = {
    "all": ["guest boots", "online CPUs are the present vCPUs",
            "cache geometry (size, ways, line, sets) matches",
            "L1 ways are not read double", "cache sharing (shared_cpu_list)",
            "dmesg has no topology warnings"],
    "x86_64": ["CPUID x2APIC IDs", "CPUID topology levels and shifts",
               "CPUID cache leaves (4/0x8000001D) match the model|"
               "CPUID has cache leaves, or is AMD without TopologyExtensions",
               "hwloc (linux backend) takes", "hwloc (x86 backend) takes",
               "hwloc (Linux backend) sees", "hwloc (x86 CPUID backend) sees",
               "glibc (ld.so --list-diagnostics)",
               "unprivileged CPUID walk"],
    "acpi": ["ACPI tables (MADT, SRAT, SLIT) as configured",
             "PPTT leaves are the MADT processors", "PPTT hierarchy",
             "PPTT caches", "MADT: every possible vCPU",
             "the guest's MADT/SRAT/SLIT/PPTT/HMAT are the tables",
             "iasl disassembles"],
    # Linux reads cache ids from the PPTT on arm64 only (x86: CPUID).
    "aarch64-acpi": ["PPTT Cache IDs are the guest's sysfs cache ids"],
    "numa": ["NUMA node CPUs match", "NUMA distances match"],
    "dt": ["dtc decompiles the guest's device tree",
           "device tree: a CPU node per present vCPU",
           "device tree: cpu-map groups", "device tree caches"],
}


def required_points(arch, boot, numa):
    kinds = ["all", arch, boot, arch + "-" + boot] + (["numa"] if numa else [])
    return [r for k in kinds for r in REQUIRED.get(k, [])]


def main():
    vg.require_programs({"iasl": "acpica-tools", "dtc": "device-tree-compiler"})
    name = sys.argv[1]
    cfg = guest_configs.CONFIGS[name]
    xfail = cfg.get("xfail", {})
    tap = Tap()

    def point(what, ok, detail=""):
        tap.point(what, ok, detail, todo=xfail.get(what))

    topo = None
    view = None
    try:
        arch = cfg.get("arch", "x86_64")
        boot = cfg.get("boot", "acpi")
        accel = vg.accel() if arch == "x86_64" else "tcg"
        args = list(cfg["args"])
        if "placement" in cfg:
            # QEMU places the vCPU threads: one thread per vCPU.
            accel = "tcg,thread=multi"
            args += ["-machine", cfg["placement"].format(
                fixtures=vg.os.path.join(vg.BUILD, "host-fixtures"))]
        vmlinuz = None
        if cfg.get("kernel"):
            vmlinuz = vg.os.path.join(vg.BUILD, "guest-" + cfg["kernel"], "vmlinuz")
        with vg.Vm(name, args, arch=arch, boot=boot,
                   accel=accel, vmlinuz=vmlinuz) as vm:
            topo = vm.qmp.topology()
            # Only what the configuration expects QEMU to report
            want = cfg.get("findings", [])
            point("query-topology-checks reports %s" %
                  ("the findings " + ", ".join(want) if want else "no findings"),
                  sorted(f["rule"] for f in topo["findings"]) == sorted(want),
                  str(topo["findings"]))
            text = vm.boot(timeout=300)
            view = vg.parse_guest(text)
            view["boot"] = boot
            save_golden(name, view)
            point("guest boots", True)
    except (vg.QemuError, vg.GuestTimeout) as e:
        point("guest boots", False, str(e))

    if view is not None:
        cpuid = []
        if view["arch"] == "x86_64":
            cpuid = (check_cpuid.compare_cpuid(topo, view) +
                     check_hwloc.compare_hwloc(topo, view))
            if not guest_configs.legacy_cache_leaves(cfg["args"]):
                cpuid += check_cpuid.compare_legacy_cache_leaves(view)
        if boot == "dt":
            tables = check_dt.compare_dt(topo, view)
        else:
            tables = (check_acpi.compare_pptt(topo, view) +
                      check_acpi.compare_acpi(topo, view) +
                      check_acpi.compare_emitted(topo, view) +
                      check_acpi.compare_iasl(view))
        expected = (check_sysfs.compare_expected(cfg["expect"], view, arch)
                    if "expect" in cfg else [])
        if cfg.get("kernel") == "trixie":
            expected += check_sysfs.compare_domains(topo, view)
        for r in check_sysfs.compare_sysfs(topo, view) + cpuid + tables + expected:
            point(r.name, r.ok, r.detail)

    names = [p[0] for p in tap.points]
    missing = [r for r in required_points(cfg.get("arch", "x86_64"),
                                          cfg.get("boot", "acpi"),
                                          "-numa" in cfg["args"])
               if not any(n.startswith(alt) for alt in r.split("|")
                          for n in names)]
    point("every check this configuration needs produced its points",
          not missing, "missing: %s" % "; ".join(missing))
    tap.print()
    if view is None and topo is not None:
        print("# console: %s" % vg.os.path.join(vg.BUILD, "guest-logs", name + ".console"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
