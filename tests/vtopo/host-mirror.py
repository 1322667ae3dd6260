#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Suite 'pin': a VM that mirrors its slice of the host (-machine
mirror-host=on, and build/vtopo-plan).

On the fixture hosts of tests/data/vtopo-host (x-host-sysfs): the
options vtopo-plan prints start QEMU with pin-check=strict and no
finding of any check, the vCPUs land where the plan says, and
mirror-host=on on the same host gives the same machine and reports
the same options.  On this machine's own /sys: mirror-host pins every
vCPU thread to its planned host CPU, read back from
/proc/PID/task/TID/status.  Bad requests give one line and exit code 1,
from QEMU and from the tool alike."""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import vtopo_guest as vg
from tap import Tap

FIXTURES = os.path.join(vg.BUILD, "host-fixtures")
PLAN = os.path.join(vg.BUILD, "vtopo-plan")
ACCEL = "tcg,thread=multi"
tap = Tap()

point = tap.point


def fixture(name):
    return name if name.startswith("/") else os.path.join(FIXTURES, name)


def machine(arch):
    if arch == "aarch64":
        return ["-M", "virt,gic-version=3", "-cpu", "max"]
    return ["-M", "q35", "-cpu", "Skylake-Server"]


def plan(host, vcpus, memory="1G", arch="x86_64", extra=()):
    """vtopo-plan's output: (exit code, stdout, stderr)."""
    argv = [PLAN, "--vcpus", str(vcpus), "--memory", memory, "--arch", arch,
            "--accel", ACCEL]
    if host:
        argv += ["--host-sysfs", fixture(host)]
    p = subprocess.run(argv + list(extra), capture_output=True, text=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr


def ours(stderr):
    """@stderr without TCG's warnings about CPUID features it lacks."""
    return [line for line in stderr.splitlines()
            if line.strip() and "TCG doesn't support" not in line]


def start(name, args, arch="x86_64"):
    """Start QEMU -S with @args; (query-topology, our stderr lines, vCPU
    thread ids), or ({}, [error], []) if it does not start."""
    try:
        with vg.Vm(name, args, accel=None, memory=None, arch=arch,
                   kernel=False) as vm:
            topo = vm.qmp.topology()
            tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
            hmp = vm.qmp.hmp("info topology").replace("\r\n", "\n")
            topo["_hmp"] = hmp
            vm.qmp.cmd("quit")
            vm.proc.wait(timeout=60)
            return topo, ours(vm.stderr()), tids
    except vg.QemuError as e:
        return {}, ["QEMU failed: %s" % e], []


def fails(args, arch="x86_64"):
    argv = [vg.qemu_binary(arch), "-S", "-display", "none", "-nodefaults",
            "-L", os.path.join(vg.BUILD, "guest", "firmware")] + args
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    return p.returncode, ours(p.stderr)


def machine_view(topo):
    """What the guest is told, from query-topology, for comparing two
    startups: levels, vCPUs with their ids and nodes, nodes with memory
    and distances, caches, and where each vCPU runs."""
    return json.dumps({
        "levels": topo.get("levels"),
        "vcpus": [(v["cpu-index"], v["arch-id"], v["props"])
                  for v in topo.get("vcpus", [])],
        "numa": topo.get("numa-nodes"),
        "caches": topo.get("caches"),
        "planned": [v.get("planned")
                    for v in topo.get("host", {}).get("vcpus", [])],
        "host-nodes": topo.get("host", {}).get("numa-nodes"),
        "core-sched": topo.get("host", {}).get("core-sched"),
    }, sort_keys=True)


def all_findings(topo):
    host = topo.get("host", {})
    return (topo.get("findings", []) + host.get("findings", []) +
            host.get("placement", []) +
            host.get("last-check", {}).get("findings", []))


# Fixture hosts and sizes; the expectations are the fixtures' facts
# (see test-vtopo-mirror.c): on the EPYC in NPS4 a die per 2-core CCX,
# two nodes at distance 12 for 16 vCPUs; on the Xeon a socket and a
# node per package at distance 21 for 32.
CASES = [
    # The host CPUs written by hand from the fixture: node 0 of the Xeon
    # is cores 0-7 with their siblings 16-23, the first 4 cores hold 8
    # vCPUs, one virtual core per host core.
    ("intel-2s-smt", 8, "x86_64",
     {"levels": {"socket": 1, "core": 4, "thread": 2}, "nodes": 1,
      "l3": (11 * 1024 * 1024, "socket"),
      "host-cpus": [c + t for c in range(4) for t in (0, 16)]}),
    ("intel-2s-smt", 32, "x86_64",
     {"levels": {"socket": 2, "core": 8, "thread": 2}, "nodes": 2,
      "distance": 21, "l3": (11 * 1024 * 1024, "socket")}),
    ("amd-nps4-smt", 3, "x86_64",
     {"levels": {"socket": 1, "die": 3, "core": 1, "thread": 1}, "nodes": 2,
      "distance": 12, "l3": (16 * 1024 * 1024, "die")}),
    ("amd-nps4-smt", 16, "x86_64",
     {"levels": {"socket": 1, "die": 4, "core": 2, "thread": 2}, "nodes": 2,
      "distance": 12, "l3": (16 * 1024 * 1024, "die")}),
    # Sub-NUMA Clustering: the package's L3 spans both nodes; a die per
    # node, each with its node's half of the L3.
    # Host node 0 is cores 0-15 (siblings 32-47), node 1 cores 16-31
    # (48-63): the first 12 cores of each node, die 0 on node 0.
    ("intel-snc2", 48, "x86_64",
     {"levels": {"socket": 1, "die": 2, "core": 12, "thread": 2}, "nodes": 2,
      "distance": 11, "l3": (24 * 1024 * 1024, "die"),
      "host-cpus": [c + t for first in (0, 16) for c in range(first, first + 12)
                    for t in (0, 32)]}),
    ("offline-memonly", 14, "x86_64",
     {"levels": {"socket": 1, "core": 7, "thread": 2}, "nodes": 1,
      "l3": (16 * 1024 * 1024, "socket")}),
    ("amd-2s-256", 32, "x86_64",
     {"levels": {"socket": 1, "die": 2, "core": 8, "thread": 2}, "nodes": 1,
      "l3": (32 * 1024 * 1024, "die")}),
    ("no-smt", 4, "aarch64",
     {"levels": {"socket": 1, "cluster": 1, "core": 4, "thread": 1},
      "nodes": 0, "l3": (8 * 1024 * 1024, "socket")}),
]


def level_counts(topo):
    return {lv["level"]: lv["count"] for lv in topo.get("levels", [])}


def expected_shape(topo, want):
    counts = level_counts(topo)
    problems = ["%s %s, want %s" % (k, counts.get(k), v)
                for k, v in want["levels"].items() if counts.get(k, 1) != v]
    nodes = topo.get("numa-nodes", [])
    if len(nodes) != want["nodes"]:
        problems.append("%d nodes, want %d" % (len(nodes), want["nodes"]))
    if "distance" in want and nodes:
        far = {d for n in nodes for i, d in enumerate(n.get("distances", []))
               if i != n["node-id"]}
        if far != {want["distance"]}:
            problems.append("distances %s, want %s" % (far, want["distance"]))
    l3 = [c for c in topo.get("caches", []) if c["cache"] == "l3"]
    if not l3 or (l3[0]["size"], l3[0]["topology"]) != want["l3"]:
        problems.append("l3 %s, want %s" % (l3, want["l3"]))
    return problems


def fixture_checks():
    for host, vcpus, arch, want in CASES:
        name = "%s, %d vCPUs" % (host, vcpus)
        rc, out, err = plan(host, vcpus, arch=arch)
        rc_json, out_json, _ = plan(host, vcpus, arch=arch,
                                    extra=["--format", "json"])
        if rc or rc_json:
            point(name + ": vtopo-plan plans it", False, err)
            continue
        argv = out.splitlines()
        planned = json.loads(out_json)["host-cpus"]
        argv += ["-machine", "pin-check=strict"]
        explicit, stderr, _ = start("mirror-explicit", machine(arch) + argv,
                                    arch)
        point(name + ": the printed options start with pin-check=strict, "
              "no finding and no warning",
              explicit and not all_findings(explicit) and not stderr,
              "findings %s stderr %s" % (all_findings(explicit), stderr))
        point(name + ": the mirrored shape, nodes, distances and L3",
              explicit and not expected_shape(explicit, want),
              "; ".join(expected_shape(explicit, want)))
        if "host-cpus" in want:
            point(name + ": vtopo-plan places the vCPUs on the host CPUs "
                  "written by hand from the fixture",
                  planned == want["host-cpus"],
                  "planned %s, want %s" % (planned, want["host-cpus"]))
        point(name + ": query-topology-checks plans each vCPU on the host CPU "
              "vtopo-plan names",
              explicit and [v.get("planned") for v in
                            explicit["host"]["vcpus"]] == planned,
              str(explicit.get("host", {})))

        one = ["-smp", str(vcpus), "-m", "1G", "-accel", ACCEL, "-machine",
               "mirror-host=on,pin-check=strict,x-host-sysfs=" +
               fixture(host)]
        mirrored, stderr, _ = start("mirror-host", machine(arch) + one, arch)
        point(name + ": mirror-host=on gives the same machine as the "
              "printed options", mirrored and
              machine_view(mirrored) == machine_view(explicit),
              "mirror-host %s\nexplicit %s" % (machine_view(mirrored),
                                               machine_view(explicit)))
        point(name + ": query-topology-checks plans each vCPU on the host "
              "CPU vtopo-plan names, with no finding or warning",
              mirrored and "mirror" in mirrored.get("host", {}) and
              [v.get("planned") for v in mirrored["host"]["vcpus"]] ==
              planned and not stderr and not all_findings(mirrored),
              "reported %s\nplanned %s\nstderr %s" %
              (mirrored.get("host"), planned, stderr))
        point(name + ": info topology says mirror-host planned it",
              "mirror-host: planned from the host\n"
              in mirrored.get("_hmp", ""), mirrored.get("_hmp", ""))

        rc, xml, err = plan(host, vcpus, arch=arch,
                            extra=["--format", "libvirt"])
        with tempfile.NamedTemporaryFile("w", suffix=".xml") as f:
            f.write(xml)
            f.flush()
            v = subprocess.run(["virt-xml-validate", f.name, "domain"],
                               capture_output=True, text=True, timeout=60)
        point(name + ": the libvirt XML validates (virt-xml-validate)",
              rc == 0 and v.returncode == 0, v.stdout + v.stderr + err)


def trimmed_fixture(tmp, name, drop):
    """A copy of fixture @name without the sysfs paths @drop."""
    root = os.path.join(tmp, name + "-" + drop[0].replace("/", "-"))
    shutil.copytree(fixture(name), root, symlinks=True)
    for path in drop:
        for base, dirs, _ in os.walk(os.path.join(root, "devices/system")):
            for d in list(dirs):
                full = os.path.join(base, d)
                if full.endswith(path):
                    shutil.rmtree(full)
                    dirs.remove(d)
    return root


def bad_input_checks():
    tmp = tempfile.mkdtemp(prefix="vtopo-mirror-")
    try:
        no_caches = trimmed_fixture(tmp, "no-smt", ["cache"])
        no_numa = trimmed_fixture(tmp, "intel-2s-smt", ["system/node"])
        mirror = "mirror-host=on,x-host-sysfs="
        cases = [
            ("more vCPUs than whole host cores, SMT host",
             ["-smp", "34", "-accel", ACCEL, "-machine", mirror + fixture("intel-2s-smt")],
             "mirror-host: 34 vCPUs need 17 free host cores with 2 threads, "
             "but QEMU may use 16 whole; the largest fit is 32 vCPUs",
             (None, 34, "1G", [])),
            ("more vCPUs than host cores, no SMT",
             ["-smp", "5", "-accel", ACCEL, "-machine", mirror + fixture("no-smt")],
             "mirror-host: 5 vCPUs need 5 free host cores with 1 thread, but "
             "QEMU may use 4 whole; the largest fit is 4 vCPUs",
             ("no-smt", 5, "1G", [])),
            ("more memory than the node holds",
             ["-smp", "8", "-m", "200G", "-accel", ACCEL,
              "-machine", mirror + fixture("intel-2s-smt")],
             "mirror-host: 204800 MiB of memory do not fit: virtual node 0 "
             "gets 204800 MiB, but host node 0 holds 98304 MiB",
             ("intel-2s-smt", 8, "200G", [])),
            ("-smp with levels",
             ["-smp", "8,sockets=2", "-accel", ACCEL,
              "-machine", mirror + fixture("intel-2s-smt")],
             "mirror-host: -smp sockets conflicts with the topology it "
             "plans; give only -smp N[,maxcpus=M]", None),
            ("-numa",
             ["-smp", "8", "-numa", "node", "-accel", ACCEL,
              "-machine", mirror + fixture("intel-2s-smt")],
             "mirror-host: -numa conflicts with the NUMA nodes it plans; "
             "leave it out", None),
            ("smp-cache",
             ["-smp", "8", "-machine", "smp-cache.0.cache=l3,"
              "smp-cache.0.topology=die", "-accel", ACCEL,
              "-machine", mirror + fixture("intel-2s-smt")],
             "mirror-host: -machine smp-cache conflicts with the caches it "
             "plans; leave it out", None),
            ("vcpu-affinity given too",
             ["-smp", "8", "-accel", ACCEL, "-machine", mirror + fixture("intel-2s-smt") +
              ",vcpu-affinity=auto"],
             "mirror-host: places the vCPUs itself; leave out vcpu-affinity "
             "and vcpu-pin", None),
            ("a keep-out CPU the host lacks",
             ["-smp", "2", "-accel", ACCEL, "-machine",
              mirror + fixture("no-smt") + ",mirror-exclude.0=9"],
             "mirror-exclude: host CPU 9 does not exist (the last is 3)",
             None),
            ("a keep-out list as a string",
             ["-smp", "2", "-accel", ACCEL, "-machine",
              mirror + fixture("no-smt") + ",mirror-exclude=1"],
             "Invalid parameter type for 'mirror-exclude', expected: array",
             None),
            ("a garbage keep-out CPU",
             ["-smp", "2", "-accel", ACCEL, "-machine",
              mirror + fixture("no-smt") + ",mirror-exclude.0=x"],
             "Parameter 'mirror-exclude.0' expects integer", None),
            ("mirror-smt=maybe",
             ["-smp", "2", "-accel", ACCEL, "-machine", mirror + fixture("no-smt") +
              ",mirror-smt=maybe"],
             "Parameter 'mirror-smt' does not accept value 'maybe'", None),
            ("-mem-path with planned memory backends",
             ["-smp", "8", "-mem-path", "/tmp", "-accel", ACCEL,
              "-machine", mirror + fixture("intel-2s-smt")],
             "mirror-host: -mem-path conflicts with the memory backends it "
             "plans on the host's nodes; leave it out", None),
        ]
        for what, args, message, tool in cases:
            rc, err = fails(machine("x86_64") + args)
            point("bad input, %s: one line, exit 1" % what,
                  rc == 1 and len(err) == 1 and err[0].endswith(message),
                  "rc=%d %r" % (rc, err))
            if tool:
                host, vcpus, memory, extra = tool
                trc, _, terr = plan(host or "intel-2s-smt", vcpus, memory,
                                    extra=extra)
                text = message.split(": ", 1)[1]
                point("bad input, %s: vtopo-plan exits 1 with the same "
                      "text" % what, trc == 1 and terr.strip().endswith(text),
                      "rc=%d %r" % (trc, terr))

        # A host whose sysfs has no cache directory (a microVM, as the
        # machine these tests run on): planned all the same, with the CPU
        # model's caches, and a note in the plan that says so.
        note = ("the host describes no caches of CPU 0 (devices/system/"
                "cpu/cpu0/cache): the guest keeps the CPU model's caches")
        topo, stderr, _ = start("mirror-no-caches", machine("x86_64") + [
            "-smp", "2", "-accel", ACCEL, "-machine", mirror + no_caches + ",pin-check=strict"])
        model, _, _ = start("mirror-no-caches-model", machine("x86_64") +
                            ["-smp", "2"])
        point("a host without caches in sysfs: mirror-host plans it with no "
              "finding, the CPU model's caches and a note",
              topo and model and not all_findings(topo) and not stderr and
              topo["caches"] == model["caches"] and
              note in topo["host"]["mirror"]["notes"],
              "stderr %s findings %s caches %s model %s mirror %s" %
              (stderr, all_findings(topo), topo.get("caches"),
               model.get("caches"), topo.get("host", {}).get("mirror")))
        trc, tout, terr = plan(no_caches, 2, "1G")
        point("a host without caches in sysfs: vtopo-plan plans it and "
              "prints the note", trc == 0 and note in tout + terr,
              "rc=%d %r %r" % (trc, tout, terr))

        # A host without NUMA (a kernel without CONFIG_NUMA has no node
        # directory): one node with every CPU, so no virtual nodes.
        topo, stderr, _ = start("mirror-no-numa", machine("x86_64") + [
            "-smp", "4", "-accel", ACCEL, "-machine", mirror + no_numa + ",pin-check=strict"])
        point("a host without NUMA: no virtual nodes, no finding",
              topo and not topo["numa-nodes"] and not all_findings(topo)
              and not stderr, "%s %s" % (topo.get("numa-nodes"), stderr))
    finally:
        shutil.rmtree(tmp)


def user_choice_checks():
    """What the user sets beside mirror-host=on and the plan does not
    conflict with stands: core-sched."""
    base = "mirror-host=on,x-host-sysfs=" + fixture("intel-2s-smt")
    for mode in ("off", "core"):
        topo, stderr, _ = start("mirror-core-sched",
                                machine("x86_64") +
                                ["-smp", "4", "-accel", ACCEL, "-machine",
                                 base + ",core-sched=" + mode])
        host = topo.get("host", {})
        point("core-sched=%s with mirror-host=on on an SMT-vulnerable host "
              "stays %s" % (mode, mode),
              host.get("core-sched") == mode and "mirror" in host and
              not stderr, "%s %s" % (host, stderr))


def preconfig_checks():
    """-preconfig cannot change the NUMA nodes mirror-host planned."""
    argv = [vg.qemu_binary("x86_64"), "-preconfig", "-display", "none",
            "-nodefaults", "-qmp", "stdio", "-smp", "4", "-m", "256M",
            "-accel", ACCEL, "-machine",
            "mirror-host=on,x-host-sysfs=" + fixture("intel-2s-smt")] + \
        machine("x86_64")
    commands = [{"execute": "qmp_capabilities"},
                {"execute": "set-numa-node",
                 "arguments": {"type": "node", "nodeid": 1}},
                {"execute": "quit"}]
    p = subprocess.run(argv, input="\n".join(json.dumps(c) for c in commands),
                       capture_output=True, text=True, timeout=60)
    replies = [json.loads(line) for line in p.stdout.splitlines()
               if line.startswith("{")]
    errors = [r["error"]["desc"] for r in replies if "error" in r]
    point("-preconfig set-numa-node with mirror-host=on is refused",
          errors == ["mirror-host: set-numa-node conflicts with the NUMA "
                     "nodes it plans"], p.stdout + p.stderr)


def fallback_checks():
    """mirror-host is the machine's: the accelerator QEMU falls back to
    still plans the VM."""
    topo, stderr, _ = start("mirror-fallback", machine("x86_64") + [
        "-smp", "2", "-accel", "xen", "-accel", ACCEL, "-machine",
        "mirror-host=on,x-host-sysfs=" + fixture("no-smt")])
    point("mirror-host=on with an accelerator QEMU falls back from: the "
          "one that starts has the plan",
          topo and "mirror" in topo.get("host", {}) and
          [v.get("planned") for v in topo["host"]["vcpus"]] == [0, 1],
          "%s %s" % (topo.get("host"), stderr))


def real_checks():
    """This machine's /sys: the plan pins every vCPU thread."""
    vcpus = min(2, len(os.sched_getaffinity(0)))
    rc, out, err = plan(None, vcpus, memory="256M",
                        extra=["--format", "json"])
    if rc:
        point("this machine: vtopo-plan plans %d vCPUs" % vcpus, False, err)
        return
    planned = json.loads(out)["host-cpus"]
    args = machine("x86_64") + ["-smp", str(vcpus), "-m", "256M", "-accel",
                                ACCEL, "-machine", "mirror-host=on"]
    with vg.Vm("mirror-real", args, accel=None, memory=None,
               kernel=False) as vm:
        topo = vm.qmp.topology()
        tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
        got = [vg.allowed_list(vm.proc.pid, t) for t in tids]
        vm.qmp.cmd("quit")
    point("this machine: each vCPU thread's Cpus_allowed_list is its "
          "planned host CPU", got == [str(c) for c in planned],
          "got %s planned %s" % (got, planned))
    point("this machine: query-topology-checks reports the plan, in place and "
          "from QEMU, not simulated",
          not topo["host"]["simulated"] and
          [(v["host-cpus"], v.get("planned"), v.get("source"))
           for v in topo["host"]["vcpus"]] ==
          [([c], c, "qemu") for c in planned] and "mirror" in topo["host"],
          str(topo["host"]))

    # QEMU's default model (qemu64) is AMD-vendor: its legacy leaf
    # Fn8000_0006 lists a few L2/L3 associativities only, and the plan is
    # made before the model is known, so the host's caches must fit it.
    args = ["-M", "q35,mirror-host=on,pin-check=strict", "-smp", str(vcpus),
            "-m", "256M", "-accel", ACCEL]
    topo, stderr, _ = start("mirror-real-qemu64", args)
    host_sizes = sorted(
        # Linux prints a cache's size in KiB ("32K")
        int(open(os.path.join(d, "size")).read().strip().rstrip("K")) * 1024
        for d in glob.glob("/sys/devices/system/cpu/cpu%d/cache/index*" %
                           planned[0]))
    guest_sizes = sorted(c["size"] for c in topo.get("caches", []))
    if not host_sizes:
        # This host's sysfs describes no caches: the guest keeps the
        # model's, as QEMU gives them without mirror-host.
        model, _, _ = start("mirror-real-qemu64-model", [
            "-M", "q35", "-smp", str(vcpus), "-m", "256M"])
        host_sizes = sorted(c["size"] for c in model.get("caches", []))
        what = "the CPU model's (the host describes none)"
    else:
        what = "the sizes of the host's"
    point("this machine, QEMU's default CPU model: mirror-host=on starts "
          "with no finding, its caches " + what,
          topo and not all_findings(topo) and not stderr and
          guest_sizes == host_sizes and guest_sizes,
          "stderr %s findings %s guest %s host %s" %
          (stderr, all_findings(topo), guest_sizes, host_sizes))


def main():
    vg.require_programs({"virt-xml-validate": "libvirt-clients"})
    fixture_checks()
    bad_input_checks()
    user_choice_checks()
    preconfig_checks()
    fallback_checks()
    real_checks()
    tap.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
