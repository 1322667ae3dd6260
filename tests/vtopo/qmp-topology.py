#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Suite 'qmp': query-topology and info topology against QEMU's own view
of the machine (query-hotpluggable-cpus, query-cpus-fast, device_add),
without booting a guest.  Expected APIC IDs are written by hand from the
x2APIC ID layout of the Intel SDM (vol. 3A 10.12.8: SMT, core, die ...
fields each as wide as their count needs)."""

import json
import os
import re
import subprocess
import sys

import topology_view
import vtopo_guest as vg
from tap import Tap

# QEMU's data directory has no SeaBIOS (the +ds tarball has none): the x86
# runs take the test guest's firmware, as the guest suite does, rather
# than whatever another suite linked into the build tree.
FIRMWARE = ["-L", os.path.join(vg.BUILD, "guest", "firmware")]

# What a node that splits a core is told to change.
CORE_ADVICE = ("; give each node whole cores (-numa node,cpus=, libvirt "
               "<cell cpus=...>)")

tap = Tap()

point = tap.point


def query(name, args):
    """(QEMU's view of the machine, query-hotpluggable-cpus,
    query-cpus-fast, info topology)"""
    with vg.Vm(name, args, kernel=False) as vm:
        return (vm.qmp.topology(), vm.qmp.cmd("query-hotpluggable-cpus"),
                vm.qmp.cmd("query-cpus-fast"),
                vm.qmp.hmp("info topology").replace("\r\n", "\n"))


def check_against_hotpluggable(name, view, hotpluggable, cpus_fast, hmp):
    """The model (info topology's tree) against QEMU's possible CPUs
    (query-hotpluggable-cpus), and query-cpus-fast's arch-id against
    query-hotpluggable-cpus' for the same CPU."""
    implied = {l["level"] + "-id": 0 for l in view["levels"] if l["count"] == 1}
    want = {}
    for h in hotpluggable:
        props = dict(implied, **h["props"])
        node = props.pop("node-id", None)
        want[h["arch-id"]] = (props, node, "qom-path" in h)
    got = {a: (ids, node, present)
           for a, (_, ids, node, present)
           in topology_view.hmp_tree(hmp).items()}
    point("%s: info topology's vCPUs (arch ids, ids, nodes, presence) are "
          "query-hotpluggable-cpus'" % name, got == want and got,
          "info topology %s\nhotpluggable %s" % (sorted(got.items()),
                                                  sorted(want.items())))
    slot = {h["qom-path"]: h["arch-id"] for h in hotpluggable if "qom-path" in h}
    point("%s: query-cpus-fast gives each CPU the arch-id of its slot" % name,
          len(cpus_fast) == len(slot) and
          all(c.get("arch-id") == slot.get(c["qom-path"]) for c in cpus_fast),
          "%s %s" % (cpus_fast, slot))


def check_plain():
    # No NUMA, all CPUs present, pc machine levels.
    topo, hp, fast, hmp = query("qmp-plain", ["-smp", "4,sockets=1,cores=4,threads=1"])
    levels = [(l["level"], l["count"]) for l in topo["levels"]]
    point("plain: levels are socket, die, module, core, thread with -smp's counts",
          levels == [("socket", 1), ("die", 1), ("module", 1), ("core", 4), ("thread", 1)], str(levels))
    point("plain: 4 present vCPUs with APIC IDs 0-3",
          [(v["cpu-index"], v["arch-id"], v["present"]) for v in topo["vcpus"]] ==
          [(i, i, True) for i in range(4)], str(topo["vcpus"]))
    point("plain: no NUMA nodes, no findings", topo["numa-nodes"] == [] and topo["findings"] == [],
          str(topo))
    check_against_hotpluggable("plain", topo, hp, fast, hmp)
    # pc-q35-11.0: MADT and PPTT, no SRAT/SLIT/HMAT without NUMA; the
    # SHA-256s are checked against the guest's tables in suite 'guest'.
    point("plain: query-topology-checks lists the MADT and the PPTT it built",
          sorted((t["signature"], len(t["sha256"])) for t in topo["acpi-tables"]) ==
          [("APIC", 64), ("PPTT", 64)], str(topo["acpi-tables"]))
    point("plain: info topology prints the tree",
          "topology: 1 socket x 1 die x 1 module x 4 cores x 1 thread (4 present, 4 possible)" in hmp
          and "      core 3\n        thread 0: cpu 3 arch-id 0x3\n" in hmp, hmp)


def check_hotplug():
    # Hotpluggable CPUs not yet plugged, non-power-of-two cores.
    args = ["-smp", "2,maxcpus=6,sockets=2,cores=3,threads=1"]
    with vg.Vm("qmp-hotplug", args, kernel=False) as vm:
        topo = vm.qmp.topology()
        hp = vm.qmp.cmd("query-hotpluggable-cpus")
        fast = vm.qmp.cmd("query-cpus-fast")
        hmp = vm.qmp.hmp("info topology").replace("\r\n", "\n")
        point("hotplug: 6 possible, 2 present", topo["max-cpus"] == 6 and topo["cpus"] == 2 and
              [v["present"] for v in topo["vcpus"]] == [True, True, False, False, False, False],
              str(topo["vcpus"]))
        # cores=3 needs 2 APIC ID bits: socket 1 starts at 4 (SDM 10.12.8).
        point("hotplug: APIC IDs leave a gap for 3 cores",
              [v["arch-id"] for v in topo["vcpus"]] == [0, 1, 2, 4, 5, 6],
              str([v["arch-id"] for v in topo["vcpus"]]))
        check_against_hotpluggable("hotplug", topo, hp, fast, hmp)
        vm.qmp.cmd("device_add", driver="qemu64-x86_64-cpu", id="cpu4",
                   **{"socket-id": 1, "core-id": 1, "thread-id": 0})
        topo = vm.qmp.topology()
        cpus = {v["cpu-index"]: v for v in vm.qmp.cmd("query-cpus-fast")}
        plugged = [v for v in topo["vcpus"] if v["arch-id"] == 5][0]
        point("hotplug: a vCPU plugged with device_add is present, with QEMU's cpu-index",
              plugged["present"] and plugged["cpu-index"] in cpus and
              cpus[plugged["cpu-index"]]["props"]["core-id"] == 1, str(plugged))
        hmp = vm.qmp.hmp("info topology").replace("\r\n", "\n")
        point("hotplug: info topology marks absent vCPUs",
              hmp.count("(not present)") == 3, hmp)
        # A vCPU with caches other than the machine's is refused
        want = ("CPU qemu64-x86_64-cpu would describe no more caches, where the "
                "machine's vCPUs have an L3 unified cache (16777216 bytes, 16 ways, "
                "64-byte lines, 1 partitions, inclusive, per die); give it the "
                "options of -cpu")
        try:
            vm.qmp.cmd("device_add", driver="qemu64-x86_64-cpu", id="cpu6",
                       **{"socket-id": 1, "core-id": 2, "thread-id": 0,
                          "l3-cache": False})
            point("hotplug: a vCPU without the machine's L3 is refused", False,
                  "it succeeded")
        except vg.QemuError as e:
            point("hotplug: a vCPU without the machine's L3 is refused",
                  str(e) == want, str(e))
        point("hotplug: the refused vCPU is not present",
              not [v for v in vm.qmp.topology()["vcpus"]
                   if v["arch-id"] == 6][0]["present"])
        # The refusal is a finding first, kept once however often it is
        # asked; the guest runs on.
        refused = {"rule": "cpu-caches", "severity": "error",
                   "message": want[:-len("; give it the options of -cpu")]}
        try:
            vm.qmp.cmd("device_add", driver="qemu64-x86_64-cpu", id="cpu6",
                       **{"socket-id": 1, "core-id": 2, "thread-id": 0,
                          "l3-cache": False})
        except vg.QemuError:
            pass
        findings = vm.qmp.cmd("query-topology-checks")["findings"]
        status = vm.qmp.cmd("query-status")["status"]
        point("hotplug: the refusal is a cpu-caches finding of "
              "query-topology-checks, once for two refusals; QEMU runs on",
              findings == [refused] and status in ("prelaunch", "running"),
              "findings %s status %s" % (findings, status))
        # The CPUID check runs again for a plugged vCPU, comparing every
        # vCPU with it: the first one (cpu4, as -cpu) added no finding;
        # one without leaf 0BH does.
        before = vm.qmp.cmd("query-topology-checks")["findings"]
        vm.qmp.cmd("device_add", driver="qemu64-x86_64-cpu", id="cpu6",
                   **{"socket-id": 1, "core-id": 2, "thread-id": 0,
                      "cpuid-0xb": False})
        index = [c["cpu-index"] for c in vm.qmp.cmd("query-cpus-fast")
                 if c["props"].get("socket-id") == 1 and
                 c["props"].get("core-id") == 2]
        after = vm.qmp.cmd("query-topology-checks")["findings"]
        point("hotplug: CPUID is checked for a plugged vCPU: one with "
              "cpuid-0xb=off is reported (cpuid-topology), one as -cpu was not",
              before == [refused] and len(index) == 1 and after == [
                  refused,
                  {"rule": "cpuid-topology", "severity": "error",
                   "message": "CPUID 0xB of vCPU 0 has 2 levels, vCPU %d's 0"
                              % index[0]}],
              "before %s after %s index %s" % (before, after, index))


def check_hotplug_older():
    # pc-q35-10.2 plugs a vCPU with other caches than the machine's, as
    # before, with a warning and its finding.
    args = ["-M", "pc-q35-10.2", "-smp", "1,maxcpus=2,sockets=2,cores=1"]
    with vg.Vm("qmp-hotplug-10.2", args, kernel=False) as vm:
        vm.qmp.cmd("device_add", driver="qemu64-x86_64-cpu", id="cpu1",
                   **{"socket-id": 1, "core-id": 0, "thread-id": 0,
                      "l3-cache": False})
        present = [v["present"] for v in vm.qmp.topology()["vcpus"]]
        findings = [f for f in vm.qmp.cmd("query-topology-checks")["findings"]
                    if f["rule"] == "cpu-caches"]
        vm.qmp.cmd("quit")
        vm.proc.wait(timeout=60)
        stderr = vm.stderr()
    warning = ("CPU qemu64-x86_64-cpu describes no more caches, where the "
               "machine's vCPUs have an L3 unified cache (16777216 bytes, "
               "16 ways, 64-byte lines, 1 partitions, inclusive, per die)")
    point("hotplug on pc-q35-10.2: a vCPU without the machine's L3 is "
          "plugged with a warning and a cpu-caches warning finding",
          present == [True, True] and ("warning: " + warning) in stderr and
          findings == [{"rule": "cpu-caches", "severity": "warning",
                        "message": warning}],
          "present %s findings %s stderr %r" % (present, findings, stderr))


def check_hotplug_refused_at_realize():
    # A vCPU refused while it is realized (here AMD threads without
    # topoext, which only realize sees) is not left in QEMU's CPU list,
    # its finding is kept, and the slot takes a vCPU with -cpu's options.
    args = ["-smp", "2,maxcpus=4,sockets=2,cores=1,threads=2"]
    slot = {"socket-id": 1, "core-id": 0, "thread-id": 0}
    want = ("-smp threads=2 needs topoext on AMD CPU models, which -cpu "
            "turns off; use threads=1, or a CPU model and accelerator with "
            "topoext")
    with vg.Vm("qmp-hotplug-realize", args, kernel=False) as vm:
        try:
            vm.qmp.cmd("device_add", driver="qemu64-x86_64-cpu", id="cpu2",
                       topoext=False, **slot)
            error = None
        except vg.QemuError as e:
            error = str(e)
        listed = [c["cpu-index"] for c in vm.qmp.cmd("query-cpus-fast")]
        findings = vm.qmp.cmd("query-topology-checks")["findings"]
        vm.qmp.cmd("device_add", driver="qemu64-x86_64-cpu", id="cpu2",
                   **slot)
        after = [c["props"] for c in vm.qmp.cmd("query-cpus-fast")]
    point("hotplug: a vCPU refused at realize (threads without topoext) is "
          "not left in QEMU's CPU list; its cpuid-amd-levels finding is kept",
          error == want and listed == [0, 1] and findings == [
              {"rule": "cpuid-amd-levels", "severity": "error",
               "message": want[:-len("; use threads=1, or a CPU model and "
                                     "accelerator with topoext")]}],
          "error %r listed %s findings %s" % (error, listed, findings))
    point("hotplug: the slot then takes a vCPU with -cpu's options",
          len(after) == 3 and after[2].get("socket-id") == 1, str(after))


def check_numa():
    # NUMA with distances.
    args = ["-smp", "4,sockets=2,cores=2,threads=1", "-m", "512M",
            "-object", "memory-backend-ram,id=m0,size=128M",
            "-object", "memory-backend-ram,id=m1,size=384M",
            "-numa", "node,nodeid=0,cpus=0-1,memdev=m0",
            "-numa", "node,nodeid=1,cpus=2-3,memdev=m1",
            "-numa", "dist,src=0,dst=1,val=21"]
    topo, hp, fast, hmp = query("qmp-numa", args)
    nodes = [(n["node-id"], n["cpus"], n["mem-size"], n.get("distances")) for n in topo["numa-nodes"]]
    point("numa: nodes with CPUs, memory and distances",
          nodes == [(0, [0, 1], 128 << 20, [10, 21]), (1, [2, 3], 384 << 20, [21, 10])], str(nodes))
    check_against_hotpluggable("numa", topo, hp, fast, hmp)
    point("numa: info topology lists the nodes",
          "node 1: 384 MiB, cpus 2-3, distances 21 10" in hmp, hmp)


def check_numa_without_distances():
    # NUMA without distances: none reported.
    topo, hp, fast, hmp = query("qmp-numa-nodist", [
        "-smp", "2", "-object", "memory-backend-ram,id=m0,size=256M",
        "-object", "memory-backend-ram,id=m1,size=256M",
        "-numa", "node,memdev=m0", "-numa", "node,memdev=m1"])
    point("numa without dist: no distances reported",
          all("distances" not in n for n in topo["numa-nodes"]) and len(topo["numa-nodes"]) == 2,
          str(topo["numa-nodes"]))


def check_machine_none():
    # A machine without a CPU topology: an error, not a crash.
    with vg.Vm("qmp-none", ["-M", "none"], kernel=False) as vm:
        for command in ("query-topology", "query-topology-checks"):
            try:
                vm.qmp.cmd(command)
                point("machine none: %s fails cleanly" % command, False,
                      "it succeeded")
            except vg.QemuError as e:
                point("machine none: %s fails cleanly" % command,
                      str(e) == "machine type 'none' does not describe its "
                      "CPU topology", str(e))
        point("machine none: QEMU still answers", vm.qmp.cmd("query-status")["status"] == "prelaunch")


def nodes(*cpus):
    """-numa options for nodes 0, 1, ... with these CPUs, 512M in all."""
    args = ["-m", "512M"]
    for n, c in enumerate(cpus):
        args += ["-object", "memory-backend-ram,id=m%d,size=%dM" % (n, 512 // len(cpus)),
                 "-numa", "node,nodeid=%d,cpus=%s,memdev=m%d" % (n, c, n)]
    return args


def host_vendor():
    with open("/proc/cpuinfo") as f:
        return next(l.split(":")[1].strip() for l in f if l.startswith("vendor_id"))


def check_numa_refusals():
    # NUMA layouts that cut the topology: one-line errors naming the
    # option on 11.0; warnings on 10.2, which keeps starting, and the
    # same findings in query-topology.
    bad_numa = [
        ("threads of a core in two nodes", "numa-core-split",
         ["-smp", "4,sockets=1,cores=2,threads=2"] + nodes("0", "1-3"),
         "-numa node,nodeid=1: splits the threads of a core (CPUs 0-1) across nodes 0, 1"
         + CORE_ADVICE),
        # The L3's sharing set explicitly: the nodes may not cut it
        ("nodes that cut an L3 smp-cache shares per die", "numa-llc-split",
         ["-cpu", "Skylake-Server", "-smp", "8,sockets=2,cores=4",
          "-machine", "smp-cache.0.cache=l3,smp-cache.0.topology=die"] +
         nodes("0-1", "2-3", "4-5", "6-7"),
         "-numa node,nodeid=1: splits the last-level cache shared per die (CPUs 0-3) "
         "across nodes 0, 1; give each node whole dies: more of them (-smp dies=, "
         "libvirt <topology dies=...>) or node CPUs that hold whole ones (-numa "
         "node,cpus=, libvirt <cell cpus=...>)"),
        # Left to the CPU model, but 1 + 3 cores are no blocks of APIC IDs
        # that CPUID leaf 4 can name
        ("nodes that cut the L3 unevenly", "numa-llc-split",
         ["-cpu", "Skylake-Server", "-smp", "4,sockets=1,cores=4"] +
         nodes("0", "1-3"),
         "-numa node,nodeid=1: splits the last-level cache shared per die (CPUs 0-3) "
         "across nodes 0, 1; give each node whole dies: more of them (-smp dies=, "
         "libvirt <topology dies=...>) or node CPUs that hold whole ones (-numa "
         "node,cpus=, libvirt <cell cpus=...>)"),
        ("a node with a socket and a half", "numa-socket-partial",
         ["-cpu", "qemu64,l3-cache=off", "-smp", "8,sockets=2,cores=4"] + nodes("0-5", "6-7"),
         "-numa node,nodeid=0: holds CPUs of 2 sockets but only part of socket 1 "
         "(CPUs 4-7, nodes 0, 1); a node that spans sockets must hold them whole"),
        ("remote distance 10", "numa-distance",
         ["-smp", "2,sockets=2"] + nodes("0", "1") + ["-numa", "dist,src=0,dst=1,val=10"],
         "-numa dist,src=0,dst=1,val=10: a remote distance must be more than 10"),
    ]
    for what, rule, args, want in bad_numa:
        p = subprocess.run([vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults"] + args,
                           capture_output=True, text=True, timeout=60)
        err = [l for l in p.stderr.splitlines() if "TCG doesn't support" not in l]
        point("%s: one-line error, exit code 1" % what,
              p.returncode == 1 and len(err) == 1 and err[0].endswith(want),
              "rc=%d stderr=%r" % (p.returncode, p.stderr))
        with vg.Vm("qmp-numa-10.2", ["-M", "pc-q35-10.2"] + args, kernel=False) as vm:
            topo = vm.qmp.topology()
            vm.qmp.cmd("quit")
            vm.proc.wait(timeout=60)
            stderr = vm.stderr()
        point("%s on pc-q35-10.2: starts with a warning, query-topology-checks reports %s" %
              (what, rule),
              any(f["rule"] == rule and f["message"] == want for f in topo["findings"]) and
              ("warning: " + want) in stderr,
              "findings %s, stderr %r" % (topo["findings"], stderr))


def check_llc_follows_nodes():
    # Nodes that cut the L3 the CPU model shares per die, into blocks of
    # APIC IDs: on 11.0 the L3 follows the nodes (a warning and a
    # finding); on 10.2 the cut is reported as before.
    args = ["-cpu", "Skylake-Server", "-smp", "8,sockets=2,cores=4"] + \
        nodes("0-1", "2-3", "4-5", "6-7")
    want = ("-numa node: the last-level cache is shared per die and NUMA node, not "
            "per die, since nodes 0, 1 divide die 0 (CPUs 0-3); to share one per "
            "die, give each node whole dies: more of them (-smp dies=, libvirt "
            "<topology dies=...>) or node CPUs that hold whole ones (-numa "
            "node,cpus=, libvirt <cell cpus=...>)")
    for machine, rule, per_node in (("q35", "numa-llc-per-node", True),
                                    ("pc-q35-10.2", "numa-llc-split", False)):
        with vg.Vm("qmp-llc-nodes", ["-M", machine] + args, kernel=False) as vm:
            topo = vm.qmp.topology()
            hmp = vm.qmp.hmp("info topology")
            vm.qmp.cmd("quit")
            vm.proc.wait(timeout=60)
            stderr = vm.stderr()
        l3 = next(c for c in topo["caches"] if c["cache"] == "l3")
        findings = [f for f in topo["findings"] if f["rule"] == rule]
        point("nodes that cut the L3 on %s: it starts, finding %s, L3 per-node %s" %
              (machine, rule, per_node),
              vm.proc.returncode == 0 and len(findings) == 2 - per_node and
              l3["per-node"] == per_node and l3["topology"] == "die" and
              l3["instances"] == (4 if per_node else 2) and
              ("warning: " + findings[0]["message"]) in stderr,
              "l3 %s, findings %s, stderr %r" % (l3, topo["findings"], stderr))
        if per_node:
            point("L3 that follows the nodes: the finding says what happened and "
                  "what to change", findings[0]["message"] == want,
                  findings[0]["message"])
            point("info topology: the L3 is shared per die and NUMA node",
                  "shared per die and NUMA node (4 instances)" in hmp and
                  "[numa-llc-per-node]" in hmp, hmp)
    # AMD models whose L3 Linux does not take from Fn8000_001D: before
    # family 17h per node (Fn8000_001E or the package); family 17h
    # models 00h-1Fh per 8 APIC IDs
    amd_refusals = [
        ("qemu64 (AMD family 0Fh)", "qemu64",
         "-numa node: an AMD processor of family 0Fh has an L3 per node (socket) "
         "for Linux, which cannot follow NUMA nodes that divide a die; use a model "
         "of family 17h or later, such as EPYC-Rome, or give each NUMA node whole "
         "sockets (-smp sockets=, libvirt <topology sockets=...>)"),
        ("EPYC (family 17h model 01h) into 2 APIC IDs", "EPYC",
         "-numa node: an AMD processor of family 17h model 01h has an L3 per 8 "
         "APIC IDs for Linux, which cannot follow NUMA nodes of 2; use a later "
         "model, such as EPYC-Rome, or give each NUMA node whole dies (-smp "
         "dies=, libvirt <topology dies=...>)"),
    ]
    for what, cpu, want in amd_refusals:
        p = subprocess.run([vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults",
                            "-cpu", cpu, "-smp", "4,sockets=1,cores=4"] +
                           nodes("0-1", "2-3"), capture_output=True, text=True,
                           timeout=60)
        err = [l for l in p.stderr.splitlines() if "TCG doesn't support" not in l]
        point("nodes that cut the L3 of %s: one-line error, exit code 1" % what,
              p.returncode == 1 and err == ["qemu-system-x86_64: " + want],
              "rc=%d stderr=%r" % (p.returncode, p.stderr))


def check_numa_acpi_off():
    # NUMA with acpi=off (libvirt XML without <acpi/>): only ACPI tells
    # an x86 guest its nodes.  An error on pc/q35 11.0, a warning on 10.2.
    want = ("-machine acpi=off: only ACPI (SRAT, SLIT) describes NUMA nodes and "
            "distances to an x86 guest, which would see one node; leave ACPI on "
            "(libvirt: <features><acpi/></features>)")
    args = ["-smp", "4,sockets=2"] + nodes("0-1", "2-3")
    for machine in ("q35,acpi=off", "pc,acpi=off"):
        p = subprocess.run([vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults",
                            "-M", machine] + args,
                           capture_output=True, text=True, timeout=60)
        err = [l for l in p.stderr.splitlines() if "TCG doesn't support" not in l]
        point("NUMA with %s: one-line error, exit code 1" % machine,
              p.returncode == 1 and len(err) == 1 and err[0].endswith(want),
              "rc=%d stderr=%r" % (p.returncode, p.stderr))
    with vg.Vm("qmp-acpi-off-10.2", ["-M", "pc-q35-10.2,acpi=off"] + args,
               kernel=False) as vm:
        vm.qmp.cmd("quit")
        vm.proc.wait(timeout=60)
        stderr = vm.stderr()
    point("NUMA with acpi=off on pc-q35-10.2: starts, with a warning",
          ("warning: " + want) in stderr, "stderr %r" % stderr)


def check_host_cache_info_vendor():
    # host-cache-info=on passes the host's cache leaves through: a guest
    # of the other vendor reads the other leaves.  An error on 11.0.
    vendor = host_vendor()
    other = "AuthenticAMD" if vendor == "GenuineIntel" else "GenuineIntel"
    want = ("host-cache-info=on: the host's caches are in the CPUID leaves of vendor "
            "%s, which a guest of vendor %s does not read; drop host-cache-info or "
            "the vendor" % (vendor, other))
    cpu = "max,vendor=%s,host-cache-info=on" % other
    p = subprocess.run([vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults",
                        "-cpu", cpu], capture_output=True, text=True, timeout=60)
    err = [l for l in p.stderr.splitlines() if "TCG doesn't support" not in l]
    point("host-cache-info=on with vendor %s on a %s host: one-line error, exit code 1"
          % (other, vendor),
          p.returncode == 1 and len(err) == 1 and err[0].endswith(want),
          "rc=%d stderr=%r" % (p.returncode, p.stderr))
    for machine, cpu, warned in (("pc-q35-10.2", cpu, True),
                                 ("q35", "max,vendor=%s,host-cache-info=on" %
                                  vendor, False)):
        with vg.Vm("qmp-host-cache-info", ["-M", machine, "-cpu", cpu,
                                           "-smp", "2"],
                   kernel=False) as vm:
            findings = vm.qmp.cmd("query-topology-checks")["findings"]
            vm.qmp.cmd("quit")
            vm.proc.wait(timeout=60)
            stderr = vm.stderr()
        point("host-cache-info=on, -M %s -cpu %s: starts%s" %
              (machine, cpu, " with a warning (one for two vCPUs) and its "
               "finding" if warned else ", no warning, no finding"),
              stderr.count("host-cache-info=on: ") == int(warned) and
              findings == ([{"rule": "cpuid-host-cache",
                             "severity": "warning",
                             "message": want[:-len("; drop host-cache-info or "
                                                   "the vendor")]}]
                           if warned else []),
              "stderr %r findings %s" % (stderr, findings))


def check_amd_0fh_dies():
    # qemu64 (AMD family 0Fh) with dies, which Linux 5.11 to 6.8 numbers
    # per socket: a warning and its finding, the VM starts.
    want = ("-smp sockets=2,dies=2: Linux 5.11 to 6.8 numbers the dies of "
            "an AMD processor of family 0Fh within each socket and takes one "
            "L3 for the same die of every socket")
    with vg.Vm("qmp-amd-dies", ["-M", "q35", "-smp", "8,sockets=2,dies=2"],
               kernel=False) as vm:
        findings = vm.qmp.cmd("query-topology-checks")["findings"]
        vm.qmp.cmd("quit")
        vm.proc.wait(timeout=60)
        stderr = vm.stderr()
    point("qemu64 with dies in 2 sockets on q35: starts with one warning "
          "(for 8 vCPUs) and its cpuid-amd-node-l3 finding",
          stderr.count("warning: " + want) == 1 and
          findings == [{"rule": "cpuid-amd-node-l3", "severity": "warning",
                        "message": want}],
          "stderr %r findings %s" % (stderr, findings))


def check_arm_numa():
    # Arm virt: virt-11.0 refuses a node that splits a core, virt-10.2
    # warns and query-topology reports the model with its clusters.
    args = ["-cpu", "cortex-a57",
            "-smp", "4,sockets=1,clusters=1,cores=2,threads=2"] + nodes("0", "1-3")
    want = ("-numa node,nodeid=1: splits the threads of a core (CPUs 0-1) across nodes 0, 1"
            + CORE_ADVICE)
    p = subprocess.run([vg.qemu_binary("aarch64"), "-S", "-display", "none", "-nodefaults",
                        "-M", "virt"] + args, capture_output=True, text=True, timeout=60)
    # (QEMU's own warnings about nodes that cut a cluster come first.)
    errors = [l for l in p.stderr.splitlines() if ": warning: " not in l]
    point("virt (11.0): a node that splits a core is a one-line error, exit code 1",
          p.returncode == 1 and errors == ["qemu-system-aarch64: " + want],
          "rc=%d stderr=%r" % (p.returncode, p.stderr))
    with vg.Vm("qmp-virt", ["-M", "virt-10.2"] + args, arch="aarch64", kernel=False) as vm:
        topo = vm.qmp.topology()
        vm.qmp.cmd("quit")
        vm.proc.wait(timeout=60)
        stderr = vm.stderr()
    levels = [(l["level"], l["count"]) for l in topo["levels"]]
    point("virt-10.2: levels socket, cluster, core, thread with -smp's counts",
          levels == [("socket", 1), ("cluster", 1), ("core", 2), ("thread", 2)],
          str(levels))
    point("virt-10.2: a node that splits a core starts with a warning and a finding",
          ("warning: " + want) in stderr and
          any(f["rule"] == "numa-core-split" and f["message"] == want
              for f in topo["findings"]),
          "findings %s, stderr %r" % (topo["findings"], stderr))
    point("virt-10.2: no caches recorded (its PPTT describes none)",
          topo["caches"] == [], str(topo["caches"]))


def check_arm_caches():
    # Arm virt 11.0: the caches CLIDR_EL1/CCSIDR_EL1 describe (QEMU's
    # cortex-a57: 32K 4-way L1d, 48K 3-way L1i, 2M 16-way L2, 64-byte lines), shared
    # as smp-cache says.
    with vg.Vm("qmp-virt-caches", ["-M", "virt,smp-cache.0.cache=l2,smp-cache.0.topology=cluster",
                                   "-cpu", "cortex-a57", "-smp", "8,clusters=2,cores=4"],
               arch="aarch64", kernel=False) as vm:
        topo = vm.qmp.topology()
    got = [(c["cache"], c["size"], c["ways"], c["line-size"], c["topology"], c["instances"])
           for c in topo["caches"]]
    point("virt: caches from cortex-a57's CCSIDR_EL1, L2 per cluster",
          got == [("l1d", 32768, 4, 64, "core", 8), ("l1i", 49152, 3, 64, "core", 8),
                  ("l2", 2097152, 16, 64, "cluster", 2)], str(got))


def check_arm_bad_cache():
    # Arm smp-cache bad input: one line naming the option, exit code 1.
    for what, machine, want in (
            ("L3 the CPU lacks, without geometry",
             "virt,smp-cache.0.cache=l3,smp-cache.0.topology=socket",
             "smp-cache l3: the CPU has no such cache; give its size, ways and line-size"),
            ("line size CCSIDR_EL1 cannot encode",
             "virt,smp-cache.0.cache=l2,smp-cache.0.line-size=4096",
             "smp-cache l2: line-size 4096 is outside CCSIDR_EL1's 16-2048"),
            ("inclusive on Arm",
             "virt,smp-cache.0.cache=l2,smp-cache.0.inclusive=on",
             "smp-cache l2: Arm CPUs do not describe whether a cache is inclusive"),
            ("a level virt does not have (dies)", "virt",
             None),
            ("smp-cache on virt-10.2",
             "virt-10.2,smp-cache.0.cache=l2,smp-cache.0.topology=cluster",
             "l2 cache topology not supported by this machine")):
        extra = [] if want else ["-smp", "8,dies=2,cores=4"]
        p = subprocess.run([vg.qemu_binary("aarch64"), "-S", "-display", "none",
                            "-nodefaults", "-M", machine, "-cpu", "max"] + extra,
                           capture_output=True, text=True, timeout=60)
        lines = p.stderr.strip().splitlines()
        point("virt %s: one-line error, exit code 1" % what,
              p.returncode == 1 and len(lines) == 1 and
              (lines[0] == "qemu-system-aarch64: " + want if want
               else "dies" in lines[0] and "not supported" in lines[0]),
              "rc=%d stderr=%r" % (p.returncode, p.stderr))


def check_bad_smp():
    # Invalid -smp: QEMU's own one-line error, exit code 1.
    p = subprocess.run([vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-smp", "8,sockets=3,cores=2"],
                       capture_output=True, text=True, timeout=60)
    point("invalid -smp: one-line error, exit code 1",
          p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and "topology" in p.stderr.lower(),
          "rc=%d stderr=%r" % (p.returncode, p.stderr))


def check_x2apic():
    # APIC ID 255 without x2APIC: stock QEMU 10.2 aborts (signal 6).
    p = subprocess.run([vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults",
                        "-M", "q35", "-smp", "256"],
                       capture_output=True, text=True, timeout=120)
    point("-smp 256 without x2apic: error naming x2apic, exit code 1, no abort",
          p.returncode == 1 and "requires x2APIC" in p.stderr and "x2apic=on" in p.stderr
          and "Unexpected error" not in p.stderr,
          "rc=%d stderr=%r" % (p.returncode, p.stderr))
    # ... and hotplugging such a CPU is refused over QMP, QEMU stays up.
    with vg.Vm("qmp-x2apic-hotplug", ["-M", "q35", "-smp", "1,maxcpus=256"],
               kernel=False) as vm:
        try:
            vm.qmp.cmd("device_add", driver="qemu64-x86_64-cpu", id="c255",
                       **{"socket-id": 0, "core-id": 255, "thread-id": 0})
            point("device_add of APIC ID 255 without x2apic is refused", False, "it succeeded")
        except vg.QemuError as e:
            point("device_add of APIC ID 255 without x2apic is refused",
                  "requires x2APIC" in str(e), str(e))
        point("QEMU still answers after the refused device_add",
              vm.qmp.cmd("query-status")["status"] == "prelaunch")
        findings = vm.qmp.cmd("query-topology-checks")["findings"]
        cpus = [c["cpu-index"] for c in vm.qmp.cmd("query-cpus-fast")]
        point("the refused vCPU is not in query-cpus-fast, its cpu-x2apic "
              "finding is in query-topology-checks",
              cpus == [0] and findings ==
              [{"rule": "cpu-x2apic", "severity": "error",
                "message": "APIC ID 255 requires x2APIC feature in CPU"}],
              "cpus %s findings %s" % (cpus, findings))


def check_amd_smt_topoext():
    # AMD model with SMT but topoext turned off: refused, not silent.
    p = subprocess.run([vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults",
                        "-smp", "4,cores=2,threads=2", "-cpu", "qemu64,-topoext"],
                       capture_output=True, text=True, timeout=60)
    point("AMD model, threads=2, -topoext: one-line error, exit code 1",
          p.returncode == 1 and len(p.stderr.strip().splitlines()) == 1 and
          "threads=2 needs topoext" in p.stderr, "rc=%d stderr=%r" % (p.returncode, p.stderr))
    # Before family 17h, SMT needs x2APIC too (hwloc reads leaf 0xB then)
    want = ("qemu-system-x86_64: -smp threads=2 on an AMD CPU model of family 0Fh "
            "needs x2apic, which -cpu turns off: software such as hwloc reads the "
            "threads as cores otherwise; use threads=1, or a model of family 17h "
            "or later, such as EPYC")
    p = subprocess.run([vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults",
                        "-smp", "4,cores=2,threads=2", "-cpu", "qemu64,x2apic=off"],
                       capture_output=True, text=True, timeout=60)
    point("AMD family 0Fh, threads=2, x2apic=off: one-line error, exit code 1",
          p.returncode == 1 and p.stderr.strip() == want,
          "rc=%d stderr=%r" % (p.returncode, p.stderr))


def check_cache_geometry():
    # Cache geometry: query-topology reports what -machine smp-cache set.
    args = ["-cpu", "Skylake-Server", "-smp", "4,sockets=1,cores=2,threads=2", "-machine",
            "smp-cache.0.cache=l2,smp-cache.0.size=2M,smp-cache.0.ways=16,smp-cache.0.line-size=128"]
    topo, hp, fast, hmp = query("qmp-cache", args)
    l2 = [c for c in topo["caches"] if c["cache"] == "l2"]
    point("cache geometry: smp-cache l2 size/ways/line-size reported with derived sets",
          l2 and (l2[0]["size"], l2[0]["ways"], l2[0]["line-size"], l2[0]["sets"],
                  l2[0]["topology"], l2[0]["instances"]) == (2 << 20, 16, 128, 1024, "core", 2),
          str(topo["caches"]))
    point("cache geometry: info topology prints the caches",
          "cache l2: 2048 KiB, 16 ways, 128-byte lines, 1024 sets, non-inclusive, "
          "shared per core (2 instances)" in hmp, hmp)
    # Only the caches the vCPUs describe nest: without an L3, an L2
    # shared per socket is not refused (pristine QEMU compares it with
    # the L3 the guest does not have)
    topo, hp, fast, hmp = query("qmp-cache-no-l3", [
        "-cpu", "qemu64,l3-cache=off", "-smp", "4,sockets=1,cores=4",
        "-machine", "smp-cache.0.cache=l2,smp-cache.0.topology=socket"])
    point("cache sharing: an L2 per socket without an L3 (l3-cache=off)",
          [(c["cache"], c["topology"]) for c in topo["caches"]] ==
          [("l1d", "core"), ("l1i", "core"), ("l2", "socket")],
          str(topo["caches"]))


def check_host_cache_info():
    # host-cache-info=on: the guest reads the host's caches, so
    # query-topology does not claim the model's.
    topo, hp, fast, hmp = query("qmp-host-cache", ["-cpu", "max,vendor=%s,host-cache-info=on"
                                             % host_vendor()])
    point("host-cache-info=on: query-topology lists no caches",
          topo["caches"] == [], str(topo["caches"]))


def check_bad_cache_geometry():
    # Bad cache geometry: one line naming smp-cache and the cache, exit 1.
    bad = [
        ("smp-cache.0.cache=l2,smp-cache.0.size=1000000", "", "smp-cache l2: size 1000000 is not a whole number of sets"),
        ("smp-cache.0.cache=l2,smp-cache.0.size=0", "", "smp-cache l2: size must not be 0"),
        ("smp-cache.0.cache=l1d,smp-cache.0.line-size=96", "", "smp-cache l1d: line-size 96 is not a power of two"),
        ("smp-cache.0.cache=l1d,smp-cache.0.line-size=256", "", "line-size 256 is more than CPUID 0x80000005 can describe"),
        ("smp-cache.0.cache=l2,smp-cache.0.ways=0", "", "smp-cache l2: ways 0 is outside 1..1024"),
        ("smp-cache.0.cache=l2,smp-cache.0.ways=2048", "", "smp-cache l2: ways 2048 is outside 1..1024"),
        ("smp-cache.0.cache=l2,smp-cache.0.size=3M,smp-cache.0.ways=12", "", "12 ways cannot be described by CPUID 0x80000006"),
        ("smp-cache.0.cache=l3,smp-cache.0.size=24M,smp-cache.0.ways=12", "EPYC", "12 ways cannot be described by CPUID 0x80000006"),
        ("smp-cache.0.cache=l3,smp-cache.0.size=1K", "", "smp-cache l3: size 1024 is not a multiple of 512K"),
        ("smp-cache.0.cache=l3,smp-cache.0.size=6G,smp-cache.0.ways=1", "", "is more than QEMU's x86 CPUs support"),
        ("smp-cache.0.cache=l1d,smp-cache.0.size=4K,smp-cache.0.ways=64", "", "fully associative caches are not supported"),
        ("smp-cache.0.cache=l2,smp-cache.0.partitions=300,smp-cache.0.size=61440000", "", "partitions 300 is more than QEMU supports"),
        ("smp-cache.0.cache=l3,smp-cache.0.size=16M", "qemu64,l3-cache=off", "smp-cache l3: the CPU has l3-cache=off"),
        ("smp-cache.0.cache=l2,smp-cache.0.size=2M", "max,host-cache-info=on",
         "smp-cache l2: cache geometry cannot be set with host-cache-info=on"),
        # QEMU's nesting rule on the caches of the model, with the CPU
        # model's levels where smp-cache gives none
        ("smp-cache.0.cache=l2,smp-cache.0.topology=socket", "Skylake-Server",
         "Invalid smp cache topology. L3 cache topology level shouldn't be lower than L2 cache"),
        ("smp-cache.0.cache=l1d,smp-cache.0.topology=die", "Skylake-Server",
         "Invalid smp cache topology. L2 cache topology level shouldn't be lower than L1 cache"),
        # A sharing for a cache the vCPUs do not describe: refused on the
        # 11.0 machine types; older ones nest it with the others, as pristine
        ("smp-cache.0.cache=l3,smp-cache.0.topology=socket", "qemu64,l3-cache=off",
         "smp-cache l3: the CPU describes no such cache"),
        ("smp-cache.0.cache=l2,smp-cache.0.topology=core", "max,host-cache-info=on",
         "smp-cache l2: the CPU describes no such cache"),
        ("smp-cache.0.cache=l1d,smp-cache.0.topology=socket,smp-cache.1.cache=l1i,"
         "smp-cache.1.topology=socket,smp-cache.2.cache=l2,smp-cache.2.topology=core",
         "max,host-cache-info=on",
         "Invalid smp cache topology. L2 cache topology level shouldn't be lower than L1 cache",
         "pc-q35-10.2"),
        ("smp-cache.0.cache=l2,smp-cache.0.topology=socket,smp-cache.1.cache=l3,"
         "smp-cache.1.topology=die", "qemu64,l3-cache=off",
         "Invalid smp cache topology. L3 cache topology level shouldn't be lower than L2 cache",
         "pc-q35-10.2"),
        ("smp-cache.0.cache=l2,smp-cache.0.size=2X", "", "size"),
        ("smp-cache.0.cache=l2,smp-cache.0.ways=-1", "", "Parameter 'ways' expects uint32_t"),
    ]
    bad.append(("smp-cache.0.cache=l2,smp-cache.0.size=2M", "microvm",
                "l2 cache geometry not supported by this machine"))
    for opts, cpu, want, *machine_type in bad:
        machine = machine_type[0] if machine_type else "q35"
        if cpu == "microvm":
            machine, cpu = "microvm", ""
        argv = [vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults", "-M", machine + "," + opts]
        if cpu:
            argv += ["-cpu", cpu]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        err = [l for l in p.stderr.splitlines() if "TCG doesn't support" not in l]
        point("bad geometry -M %s,%s%s: one-line error, exit code 1" % (machine, opts, " -cpu " + cpu if cpu else ""),
              p.returncode == 1 and len(err) == 1 and want in err[0],
              "rc=%d stderr=%r" % (p.returncode, p.stderr))


def check_amd_node_l3():
    # Linux takes the L3 of AMD families 0Fh-16h (qemu64 is 0Fh) per
    # node, here the socket: an L3 per core is refused on 11.0, and
    # older machine types keep starting with a warning.
    amd_l3 = ("smp-cache l3: an AMD processor of family 0Fh has an L3 per node "
              "(socket) for Linux, not per core")
    for machine, ok in (("q35", False), ("pc-q35-10.2", True)):
        argv = [vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults",
                "-smp", "4", "-M",
                machine + ",smp-cache.0.cache=l3,smp-cache.0.topology=core",
                "-qmp", "stdio"]
        p = subprocess.run(argv, input='{"execute": "qmp_capabilities"}\n'
                           '{"execute": "quit"}\n', capture_output=True,
                           text=True, timeout=60)
        err = [l for l in p.stderr.splitlines() if "TCG doesn't support" not in l]
        if ok:
            point("pc-q35-10.2: an AMD family 0Fh L3 per core starts with a warning",
                  p.returncode == 0 and any(l.endswith("warning: " + amd_l3)
                                            for l in err), "rc=%d %r" % (p.returncode, err))
        else:
            point("q35: an AMD family 0Fh L3 per core is a one-line error, exit code 1",
                  p.returncode == 1 and len(err) == 1 and
                  err[0].endswith(amd_l3 + "; use a model of family 17h or later, "
                                  "such as EPYC, or share it per socket"),
                  "rc=%d %r" % (p.returncode, err))


def check_amd_core_ids():
    # Fn8000_001E CoreId (8 bits) numbers the cores of a socket on 11.0:
    # a socket of 257 cores on an AMD model is refused, not wrapped.
    argv = [vg.qemu_binary()] + FIRMWARE + ["-S", "-display", "none", "-nodefaults",
            "-M", "q35,kernel-irqchip=split", "-device", "intel-iommu,intremap=on",
            "-cpu", "EPYC,x2apic=on", "-smp", "514,sockets=1,cores=257,threads=2"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    err = [l for l in p.stderr.splitlines() if "TCG doesn't support" not in l]
    point("q35: an AMD socket of 257 cores is a one-line error, exit code 1",
          p.returncode == 1 and len(err) == 1 and
          err[0].endswith("-smp: the last core of a socket needs CoreId 256 in CPUID "
                          "0x8000001E, which holds 0-255 on AMD models; use fewer "
                          "cores, modules or dies per socket"),
          "rc=%d %r" % (p.returncode, err))


# Strings of the rule-id form in our sources that are not rules: property
# names of QEMU and of the device tree.
NOT_RULES = {"pin-check", "numa-node-id", "cpu-map", "cpu-index",
             "numa-nodes", "acpi-tables", "cpu-release-addr"}


def check_rule_schema():
    """The findings' rule ids are an enum of the schema (QEMU's own
    introspection, query-qmp-schema), the same ids the documentation
    lists and the code uses; the self-check members are unstable."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    with vg.Vm("qmp-schema", ["-M", "none"], kernel=False) as vm:
        schema = vm.qmp.cmd("query-qmp-schema")
    by_name = {e["name"]: e for e in schema}
    info = by_name.get(next((e["ret-type"] for e in schema
                             if e.get("name") == "query-topology"), ""), {})
    finding = next((e for e in schema if e.get("meta-type") == "object" and
                    {m["name"] for m in e.get("members", [])} ==
                    {"rule", "severity", "message"}), {})
    rule_type = next((m["type"] for m in finding.get("members", [])
                      if m["name"] == "rule"), "")
    enum = set(by_name.get(rule_type, {}).get("values", []))
    with open(os.path.join(root, "docs", "system", "vtopo.rst")) as f:
        documented = set(re.findall(r"^``((?:cpu|numa|acpi|fdt|cpuid|pin|"
                                    r"core-sched)-[a-z0-9-]+)``",
                                    f.read(), re.M)) - NOT_RULES
    used = set()
    for sub in ("accel", "hw", "target"):
        for base, _, files in os.walk(os.path.join(root, sub)):
            for name in files:
                if name.startswith("vtopo") and name.endswith(".c"):
                    with open(os.path.join(base, name)) as f:
                        used |= set(re.findall(
                            r'"((?:cpu|numa|acpi|fdt|cpuid|pin|core-sched)-'
                            r'[a-z0-9-]+)"', f.read()))
    used -= NOT_RULES
    point("the finding's rule is an enum of the schema, with every rule the "
          "documentation lists and the code reports",
          len(enum) >= 30 and enum == documented and used <= enum,
          "enum %d, not documented %s, documented not in the enum %s, used "
          "not in the enum %s" % (len(enum), sorted(enum - documented),
                                  sorted(documented - enum),
                                  sorted(used - enum)))
    command = {e["name"]: e for e in schema if e.get("meta-type") == "command"}
    members = {m["name"]: m for m in info.get("members", [])}
    point("query-topology is stable and reports only what no other command "
          "does: the NUMA nodes, the caches, the topology's digest and the "
          "migration source's (optional)",
          "unstable" not in command["query-topology"].get("features", []) and
          set(members) == {"numa-nodes", "caches", "digest",
                           "source-digest"} and
          members["source-digest"].get("default", 0) is None and
          "default" not in members["digest"] and
          not any(m.get("features") for m in members.values()),
          str(info))
    checks = command.get("query-topology-checks", {})
    point("query-topology-checks (findings, ACPI tables, host) is unstable",
          checks.get("features") == ["unstable"] and
          {m["name"] for m in by_name.get(checks.get("ret-type"), {}).get(
              "members", [])} == {"findings", "acpi-tables", "host"},
          str(checks))
    # query-cpus-fast and query-hotpluggable-cpus carry the arch id.
    for name, optional in (("query-cpus-fast", True),
                           ("query-hotpluggable-cpus", True)):
        ret = by_name.get(command[name]["ret-type"], {})
        ret = by_name.get(ret.get("element-type"), ret)
        arch = [m for m in ret.get("members", []) if m["name"] == "arch-id"]
        point("%s reports arch-id" % name,
              len(arch) == 1 and ("default" in arch[0]) == optional,
              str(arch))


def documented_examples():
    """(where, command, QEMU arguments, reply) of each example in
    qapi/vtopo.json and docs/system/vtopo.rst that says which command
    line it comes from ("For q35 started with ``...``::")."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    for where in ("qapi/vtopo.json", "docs/system/vtopo.rst"):
        with open(os.path.join(root, where)) as f:
            text = f.read()
        if where.endswith(".json"):
            text = re.sub(r"^#", "", text, flags=re.M)
        for m in re.finditer(r"[Ff]or q35 started with ``(.*?)``[^:]*?::\n\n"
                             r" +-> (\{.*?\})\n +<- (.*?)\n(?! )", text,
                             re.S):
            args = " ".join(m.group(1).split())
            yield (where, json.loads(m.group(2))["execute"], args.split(),
                   json.loads(m.group(3)))


def example_matches(want, got):
    """@got is @want, where a string "a...b" stands for any that starts
    with a and ends with b (shortened hashes)."""
    if isinstance(want, dict):
        return (isinstance(got, dict) and set(want) == set(got) and
                all(example_matches(want[k], got[k]) for k in want))
    if isinstance(want, list):
        return (isinstance(got, list) and len(want) == len(got) and
                all(example_matches(w, g) for w, g in zip(want, got)))
    if isinstance(want, str) and "..." in want:
        head, tail = want.split("...")
        return isinstance(got, str) and got.startswith(head) and got.endswith(tail)
    return want == got


def check_schema_examples():
    """The examples of the QMP reference and of the documentation are
    real replies: each is run with the command line it names."""
    examples = list(documented_examples())
    point("the QMP reference and the documentation have an example with its "
          "command line for query-topology and query-topology-checks",
          sorted((e[0], e[1]) for e in examples) ==
          [("docs/system/vtopo.rst", "query-topology"),
           ("docs/system/vtopo.rst", "query-topology-checks"),
           ("qapi/vtopo.json", "query-topology"),
           ("qapi/vtopo.json", "query-topology-checks")],
          str([e[:3] for e in examples]))
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    with open(os.path.join(root, "docs", "system", "vtopo.rst")) as f:
        m = re.search(r"\n    \(qemu\) info topology\n((?:    .*\n)+)", f.read())
    hmp_want = re.sub(r"^    ", "", m.group(1), flags=re.M) if m else None
    for where, command, args, want in examples:
        with vg.Vm("qmp-example", FIRMWARE + ["-M", "q35"] + args,
                   kernel=False) as vm:
            got = vm.qmp.cmd(command)
            hmp = vm.qmp.hmp("info topology").replace("\r\n", "\n")
        point("%s: the example of %s is what QEMU replies" % (where, command),
              example_matches(want["return"], got),
              "example %s\nreply %s" % (want["return"], got))
        if where.endswith(".rst") and command == "query-topology":
            point("docs/system/vtopo.rst: the info topology example is what "
                  "QEMU prints for the first example", hmp == hmp_want,
                  "example:\n%s\nprinted:\n%s" % (hmp_want, hmp))

def check_reply_size():
    """At q35's 4096 possible vCPUs the replies stay far below the 10 MB
    libvirt takes from a monitor: no per-vCPU list in query-topology, and
    query-topology-checks lists pinned vCPUs only (none here)."""
    with vg.Vm("qmp-4096", FIRMWARE + ["-M", "q35", "-smp", "1,maxcpus=4096",
                                       "-cpu", "qemu64,+x2apic"],
               kernel=False) as vm:
        size = {c: len(json.dumps(vm.qmp.cmd(c)))
                for c in ("query-topology", "query-topology-checks",
                          "query-hotpluggable-cpus")}
    tap.note("reply sizes at 4096 possible vCPUs, in bytes: %s" % size)
    point("4096 possible vCPUs: query-topology and query-topology-checks "
          "under 64 KiB each (query-hotpluggable-cpus: %d bytes)"
          % size["query-hotpluggable-cpus"],
          size["query-topology"] < 65536 and
          size["query-topology-checks"] < 65536 and
          size["query-hotpluggable-cpus"] < 10 << 20, str(size))


def check_hmp_memcheck():
    """info topology under valgrind's memcheck (from Debian): no read of
    uninitialised memory, no invalid access, on a machine with absent
    vCPUs, NUMA nodes and distances (the tree once read uninitialised
    ids for its first vCPU)."""
    log = os.path.join(vg.BUILD, "guest-logs", "qmp-memcheck.valgrind")
    with vg.Vm("qmp-memcheck", FIRMWARE + [
            "-M", "q35", "-smp", "2,maxcpus=6,sockets=2,cores=3",
            "-m", "256M",
            "-object", "memory-backend-ram,id=m0,size=128M",
            "-object", "memory-backend-ram,id=m1,size=128M",
            "-numa", "node,memdev=m0,cpus=0-2",
            "-numa", "node,memdev=m1,cpus=3-5",
            "-numa", "dist,src=0,dst=1,val=21"], kernel=False, memory=None,
            wrapper=("valgrind", "--log-file=" + log, "--num-callers=30"),
            start_timeout=300) as vm:
        hmp = vm.qmp.hmp("info topology")
        vm.qmp.cmd("quit")
        vm.proc.wait(timeout=300)
    with open(log) as f:
        report = f.read()
    summary = re.findall(r"ERROR SUMMARY: (\d+) errors", report)
    point("info topology under valgrind memcheck: no error",
          "(not present)" in hmp and "distances 21 10" in hmp and
          summary == ["0"], report[-3000:])


def smp_accepted(arch, machine, smp):
    """Whether QEMU's -smp parser takes @smp on @machine: (ok, stderr)."""
    p = subprocess.run([vg.qemu_binary(arch), "-M", machine, "-smp", smp,
                        "-display", "none", "-nodefaults", "-S", "-qmp",
                        "stdio"] +
                       # an Intel model: qemu64's L3 cannot be per die
                       (FIRMWARE + ["-cpu", "Skylake-Server"]
                        if arch == "x86_64" else []),
                       input='{"execute":"qmp_capabilities"}\n'
                             '{"execute":"quit"}\n',
                       capture_output=True, text=True, timeout=60)
    return p.returncode == 0, p.stderr.strip()


def check_machine_levels():
    """query-machines says which -smp levels and smp-cache caches each
    machine type takes; QEMU's own -smp parser is the witness (a level
    listed is taken, any other refused), and a started machine's
    model has the same levels."""
    for arch, machines in (("x86_64", ("pc-q35-11.0", "microvm")),
                           ("aarch64", ("virt",))):
        p = subprocess.run([vg.qemu_binary(arch), "-M", "none", "-display",
                            "none", "-qmp", "stdio"],
                           input='{"execute":"qmp_capabilities"}\n'
                                 '{"execute":"query-machines"}\n'
                                 '{"execute":"quit"}\n',
                           capture_output=True, text=True, timeout=60)
        replies = [json.loads(line) for line in p.stdout.splitlines()
                   if line.startswith("{")]
        infos = {m["name"]: m for r in replies
                 if isinstance(r.get("return"), list) for m in r["return"]}
        infos.update({m["alias"]: m for m in list(infos.values())
                      if "alias" in m})
        for machine in machines:
            info = infos.get(machine, {})
            levels = info.get("topology-levels", [])
            wrong = []
            for level in ("book", "drawer", "die", "cluster", "module"):
                ok, err = smp_accepted(arch, machine,
                                       "8,%ss=2,maxcpus=8" % level)
                if ok != (level in levels):
                    wrong.append("%s: %s" % (level, err or "taken"))
            point("query-machines: %s's topology-levels %s are the levels "
                  "its -smp takes" % (machine, levels),
                  levels[:1] == ["socket"] and levels[-2:] ==
                  ["core", "thread"] and not wrong, "; ".join(wrong))
    with vg.Vm("qmp-machines-q35", FIRMWARE + ["-M", "pc-q35-11.0", "-cpu",
                                               "Skylake-Server", "-smp",
                                               "8,dies=2,modules=2"],
               kernel=False) as vm:
        caches = vm.qmp.cmd("query-topology")["caches"]
        hmp = vm.qmp.hmp("info topology")
        info = {m["name"]: m for m in vm.qmp.cmd("query-machines")}[
            "pc-q35-11.0"]
    # info topology's first line names the model's levels, outermost first.
    levels = re.findall(r"\d+ ([a-z]+?)s?(?= x| \()", hmp.splitlines()[0])
    point("query-machines: pc-q35-11.0's levels are those of the model info "
          "topology prints, its caches query-topology's, it applies the "
          "geometry and has the model",
          levels == info["topology-levels"]
          and sorted(c["cache"] for c in caches) ==
          sorted(info["smp-caches"]) and info["smp-cache-geometry"]
          and info["topology-model"] is True,
          "%s %s %s" % (levels, caches, info))


def main():
    vg.require_programs({"valgrind": "valgrind"})
    check_rule_schema()
    check_schema_examples()
    check_reply_size()
    check_hmp_memcheck()
    check_machine_levels()
    check_plain()
    check_hotplug()
    check_hotplug_older()
    check_hotplug_refused_at_realize()
    check_numa()
    check_numa_without_distances()
    check_machine_none()
    check_numa_refusals()
    check_llc_follows_nodes()
    check_numa_acpi_off()
    check_host_cache_info_vendor()
    check_amd_0fh_dies()
    check_arm_numa()
    check_arm_caches()
    check_arm_bad_cache()
    check_bad_smp()
    check_x2apic()
    check_amd_smt_topoext()
    check_cache_geometry()
    check_host_cache_info()
    check_bad_cache_geometry()
    check_amd_node_l3()
    check_amd_core_ids()
    tap.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
