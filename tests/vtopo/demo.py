#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The demo: start the patched QEMU with a topology (the built-in default,
or the QEMU options given), print `info topology`, boot the Linux test
guest, and print what the guest sees beside what was requested, with a
verdict per check."""

import json
import os
import subprocess
import sys

import check_acpi
import check_cpuid
import check_sysfs
import guest_configs
import vtopo_guest as vg


def host_cpu_ids(sysfs, cpu):
    """(package, core, thread siblings) of host CPU @cpu, from sysfs."""
    base = os.path.join(sysfs, "devices/system/cpu/cpu%d/topology" % cpu)

    def read(name):
        try:
            with open(os.path.join(base, name)) as f:
                return f.read().strip()
        except OSError:
            return "?"
    return read("physical_package_id"), read("core_id"), read("thread_siblings_list")


def mirror_host(argv):
    """--mirror-host [--vcpus N] [--host-sysfs DIR]: the plan for this
    host (or DIR), and the QEMU options that apply it."""
    vcpus, sysfs = None, None
    while argv:
        opt = argv.pop(0)
        if opt == "--vcpus" and argv:
            vcpus = argv.pop(0)
        elif opt == "--host-sysfs" and argv:
            sysfs = os.path.abspath(argv.pop(0))
        else:
            print("demo: --mirror-host takes --vcpus N and --host-sysfs DIR, "
                  "not '%s'" % opt, file=sys.stderr)
            sys.exit(1)
    if vcpus is None:
        vcpus = str(max(1, min(4, len(os.sched_getaffinity(0)))))
    plan = [os.path.join(vg.BUILD, "vtopo-plan"), "--vcpus", vcpus,
            "--memory", "512M", "--format", "json"]
    if sysfs:
        plan += ["--host-sysfs", sysfs]
    p = subprocess.run(plan, capture_output=True, text=True)
    sys.stderr.write(p.stderr)
    if p.returncode:
        sys.exit(1)
    planned = json.loads(p.stdout)
    print("vtopo-plan %s:" % " ".join(plan[1:]))
    print("  " + " ".join(planned["qemu-options"]))
    for note in planned["notes"]:
        print("  note: " + note)
    machine = "mirror-host=on"
    if sysfs:
        machine += ",x-host-sysfs=" + sysfs
    args = ["-cpu", guest_configs.INTEL, "-smp", vcpus, "-machine", machine,
            "-accel", "tcg,thread=multi"]
    return args, planned["host-cpus"], sysfs or "/sys"


def main(argv):
    host_cpus, sysfs = None, None
    if argv[:1] == ["--mirror-host"]:
        args, host_cpus, sysfs = mirror_host(argv[1:])
        accel = None
    else:
        args = argv or guest_configs.DEMO["args"]
        accel = vg.accel()
    print("QEMU options: " + " ".join(args))
    try:
        with vg.Vm("demo", args, accel=accel) as vm:
            print("\n(qemu) info topology")
            print(vm.qmp.hmp("info topology").replace("\r\n", "\n"))
            topo = vm.qmp.topology()
            print("booting the guest (%s) ..." % (accel or "tcg"))
            view = vg.parse_guest(vm.boot(timeout=300))
    except vg.QemuError as e:
        print(str(e), file=sys.stderr)
        return 1
    except vg.GuestTimeout as e:
        print("error: %s" % e, file=sys.stderr)
        return 1

    by_apic = {v["arch-id"]: v for v in topo["vcpus"]}
    levels = [l["level"] for l in topo["levels"]]
    host_col = " | host CPU (package core siblings)" if host_cpus else ""
    print("%-4s %-6s | %-40s | %-40s%s" % ("cpu", "apicid", "requested (QEMU)",
                                           "guest (Linux sysfs)", host_col))
    for n in sorted(view["cpus"]):
        c = view["cpus"][n]
        apic = int(c["apicid"]) if c.get("apicid", "-") != "-" else None
        v = by_apic.get(apic)
        want = " ".join("%s%s" % (l[0], v["props"].get(l + "-id", "-")) for l in levels) if v else "?"
        if v and "node-id" in v["props"]:
            want += " node%d" % v["props"]["node-id"]
        got = "pkg%s die%s core%s node%s smt=%s" % (c["package"], c["die"], c["core"],
                                                   c["node"], c["core_cpus"])
        host = ""
        if host_cpus and v:
            h = host_cpus[v["cpu-index"]]
            host = " | %d (pkg%s core%s siblings %s)" % ((h,) + host_cpu_ids(sysfs, h))
        print("%-4d %-6s | %-40s | %-40s%s" % (n, c.get("apicid"), want, got, host))
    seen = set()
    for cache in view["caches"]:
        key = (cache["level"], cache["type"])
        if key in seen:
            continue
        seen.add(key)
        line = "guest L%s %s: %s, %s-way, shared by cpus %s" % (
            cache["level"], cache["type"], cache["size"], cache["ways"], cache["shared"])
        if host_cpus:
            h = host_cpus[int(cache["cpu"])] if int(cache["cpu"]) < len(host_cpus) else 0
            line += " | host: %s" % host_cache(sysfs, h, cache["level"], cache["type"])
        print(line)
    for nid, node in sorted(view["nodes"].items()):
        print("guest node%d: cpus %s, %s kB, distances %s" % (
            nid, node["cpus"], node["mem_kb"], node["distance"].replace("_", " ")))
    print()
    bad = 0
    for r in check_sysfs.compare_sysfs(topo, view) + \
            check_cpuid.compare_cpuid(topo, view) + \
            check_acpi.compare_pptt(topo, view) + \
            check_acpi.compare_acpi(topo, view):
        print("%-5s %s%s" % ("OK" if r.ok else "DIFF", r.name, "" if r.ok else ": " + r.detail))
        bad += not r.ok
    print("\nverdict: %s" % ("the guest sees the requested topology" if not bad else
                             "%d check(s) differ" % bad))
    return 1 if bad else 0


def host_cache(sysfs, cpu, level, kind):
    """Size and ways of host CPU @cpu's cache of @level and @kind."""
    base = os.path.join(sysfs, "devices/system/cpu/cpu%d/cache" % cpu)
    try:
        for index in sorted(os.listdir(base)):
            def read(name):
                with open(os.path.join(base, index, name)) as f:
                    return f.read().strip()
            if read("level") == level and read("type") == kind:
                return "%s, %s-way" % (read("size"), read("ways_of_associativity"))
    except OSError:
        pass
    return "?"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
