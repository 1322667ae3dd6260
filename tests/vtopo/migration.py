#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Suite 'migration': the topology travels with the VM.

A running Linux guest (the test guest with vtopo.tick: after its report
it prints one line a second) is migrated over a UNIX socket between two
QEMUs on this machine.  On pc-q35-11.0 a destination started with other options
refuses the stream with one line naming the first difference, the
source's migration fails (query-migrate) and its guest keeps ticking;
with the same options the guest ticks on at the destination.  On
pc-q35-10.2, pc-i440fx-10.2 and virt-10.2 the stream is pristine QEMU's:
a guest migrates from pristine QEMU to ours and back, and QEMU's
analyze-migration.py finds pristine's layout and state there.  A
mirrored VM moves to a host of another shape with mirror-host=on and
the source's topology on -incoming, and only its placement is planned
there.  A stream whose topology
subsection was corrupted on the way is refused with a line, never an
abort."""

import json
import os
import subprocess
import sys
import time

import vtopo_guest as vg
from tap import Tap

tap = Tap()
point = tap.point

# Not the -S of every QEMU the suite starts: the console lines a guest
# with vtopo.tick prints once a second after its report.
TICK = "VTOPO-TICK "
PREFIX = "the topology differs from the migration source's: "


def numa(cpus, distance):
    """Two nodes of 256 MiB with the vCPUs of @cpus, at @distance."""
    args = []
    for i, c in enumerate(cpus):
        args += ["-object", "memory-backend-ram,id=m%d,size=256M" % i,
                 "-numa", "node,nodeid=%d,memdev=m%d,cpus=%s" % (i, i, c)]
    return args + ["-numa", "dist,src=0,dst=1,val=%d" % distance]


def machine(l2_ways=16, extra=""):
    return ["-machine", "q35,smp-cache.0.cache=l2,smp-cache.0.size=2M,"
            "smp-cache.0.ways=%d%s" % (l2_ways, extra)]


CPU = ["-cpu", "Skylake-Server"]
SMP = ["-smp", "8,sockets=2,dies=2,cores=2,threads=1"]
SOURCE = SMP + CPU + machine() + numa(["0-3", "4-7"], 21)

# Destinations that differ from SOURCE in one thing the guest sees, and
# the line each must refuse the stream with.
REFUSED = [
    ("threads instead of dies",
     ["-smp", "8,sockets=2,dies=1,cores=2,threads=2"] + CPU + machine() +
     numa(["0-3", "4-7"], 21),
     "smp.dies: the source has 2, this QEMU 1 (-smp dies=)"),
    ("another L2 geometry",
     SMP + CPU + machine(l2_ways=8) + numa(["0-3", "4-7"], 21),
     "cache.l2.ways: the source has 16, this QEMU 8 "
     "(-cpu, -machine smp-cache.N.ways=)"),
    ("a node with other vCPUs",
     SMP + CPU + machine() + numa(["4-7", "0-3"], 21),
     "node.0.cpus: the source has 0-3, this QEMU 4-7 "
     "(-numa node,nodeid=0,cpus=, -numa cpu)"),
    ("another distance",
     SMP + CPU + machine() + numa(["0-3", "4-7"], 31),
     "node.0.distances: the source has 10,21, this QEMU 10,31 "
     "(-numa dist,src=0)"),
    # EPYC describes its own caches (QEMU's epyc_cache_info: a 64 KiB,
    # 4-way L1i); Skylake-Server has QEMU's legacy ones (32 KiB, 8-way).
    ("a CPU model with other caches",
     SMP + ["-cpu", "EPYC"] + machine() + numa(["0-3", "4-7"], 21),
     "cache.l1i.size: the source has 32768, this QEMU 65536 "
     "(-cpu, -machine smp-cache.N.size=)"),
]


def socket_uri(name):
    """A migration URI of a UNIX socket of our own (a TCP port found free
    could be taken before the destination listens on it)."""
    path = os.path.join(vg.BUILD, "guest-logs", name + ".migrate")
    if os.path.exists(path):
        os.unlink(path)
    return "unix:" + path


def ticks(vm):
    """The last tick the guest of @vm printed (0 before the first)."""
    try:
        with open(vm.console, errors="replace") as f:
            lines = [l for l in f.read().splitlines() if l.startswith(TICK)]
    except FileNotFoundError:
        return 0
    return int(lines[-1][len(TICK):]) if lines else 0


def ticking(vm, timeout=60):
    """Whether the guest of @vm prints two more ticks within @timeout."""
    first = ticks(vm)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ticks(vm) >= first + 2:
            return True
        time.sleep(0.5)
    return False


def boot(name, args, binary=None, **vm_args):
    """A running guest that ticks; None (and a failed point) if not."""
    vm = vg.Vm(name, args, memory="512M", binary=binary, append="vtopo.tick",
               **vm_args)
    try:
        vm.__enter__()
        vm.boot(timeout=300)
    except (vg.QemuError, vg.GuestTimeout) as e:
        point("%s: the guest boots" % name, False, str(e))
        vm.kill()
        return None
    point("%s: the guest boots and ticks" % name, ticking(vm),
          "console %s" % vm.console)
    return vm


def wait_migration(vm, timeout=180):
    """The source's query-migrate once the migration ended."""
    deadline = time.monotonic() + timeout
    while True:
        info = vm.qmp.cmd("query-migrate")
        if info.get("status") in ("completed", "failed", "cancelled"):
            return info
        if time.monotonic() > deadline:
            return info
        time.sleep(0.2)


def wait_exit(vm, timeout=60):
    try:
        vm.proc.wait(timeout=timeout)
    except Exception:
        vm.kill()
    return vm.proc.returncode


def incoming(name, args, uri, binary=None, **vm_args):
    """A destination QEMU listening on @uri (-incoming defer)."""
    dst = vg.Vm(name, args + ["-incoming", "defer"], memory="512M",
                binary=binary, append="vtopo.tick", **vm_args)
    dst.__enter__()
    try:
        dst.qmp.cmd("migrate-incoming", uri=uri)
    except (vg.QemuError, OSError):
        dst.kill()
        raise
    return dst


def refused_lines(stderr, message):
    """The lines of @stderr that refuse the stream with @message."""
    return [l for l in stderr.splitlines()
            if "load of migration failed" in l and
            l.endswith(PREFIX + message)]


def refused_checks(src):
    for what, args, message in REFUSED:
        uri = socket_uri("refused")
        try:
            dst = incoming("migration-to-" + what.replace(" ", "-"), args, uri)
        except vg.QemuError as e:
            point("%s: the destination starts" % what, False, str(e))
            continue
        try:
            src.qmp.cmd("migrate", uri=uri)
            info = wait_migration(src)
            rc = wait_exit(dst)
            err = dst.stderr()
        finally:
            dst.kill()
        point("%s: the destination refuses the stream with one line "
              "naming the difference, and exits with 1" % what,
              rc == 1 and len(refused_lines(err, message)) == 1,
              "rc %s, stderr:\n%s" % (rc, err))
        point("%s: the source's query-migrate says the migration failed, "
              "its guest keeps running" % what,
              info.get("status") == "failed" and
              src.qmp.cmd("query-status")["status"] == "running" and
              ticking(src), "query-migrate %s" % info)


def accepted_checks(src, source_topo):
    uri = socket_uri("same-options")
    dst = incoming("migration-same-options", SOURCE, uri)
    try:
        src.qmp.cmd("migrate", uri=uri)
        info = wait_migration(src)
        point("same options: the migration completes",
              info.get("status") == "completed", str(info))
        if info.get("status") != "completed":
            return
        dst.qmp.cmd("cont")
        point("same options: the guest ticks on at the destination",
              ticking(dst), "console %s" % dst.console)
        got = dst.qmp.cmd("query-topology")
        source_digest = got.pop("source-digest", None)
        point("same options: the destination's query-topology is the "
              "source's, and names the source's digest",
              got == source_topo and
              source_digest == source_topo["digest"] and
              "source-digest" not in source_topo,
              "source %s\ndestination %s (source-digest %s)" %
              (source_topo, got, source_digest))
    finally:
        dst.kill()


# The machine types before 11.0, whose stream is pristine QEMU's, with
# a running guest: the PC ones with ACPI, Arm virt booted straight into
# the kernel (device tree; no firmware to wait for).
PRISTINE_CASES = [
    ("pc-q35-10.2", ["-smp", "4,sockets=2,cores=2"] + CPU, {}),
    ("pc-i440fx-10.2", ["-smp", "4,sockets=2,cores=2"] + CPU, {}),
    ("virt-10.2", ["-cpu", "cortex-a57", "-smp", "4,sockets=2,cores=2"],
     {"arch": "aarch64", "boot": "dt"}),
]


def pristine_checks():
    """The machine types before 11.0: a running guest migrates from
    pristine QEMU to this one and back."""
    for machine, smp, vm_args in PRISTINE_CASES:
        arch = vm_args.get("arch", "x86_64")
        pristine = vg.pristine_binary(arch)
        args = ["-machine", machine] + smp
        for src_binary, dst_binary, what in (
                (pristine, None, "pristine QEMU to this one"),
                (None, pristine, "this QEMU to pristine QEMU")):
            name = "migration-%s-%s" % (machine, "from-pristine"
                                        if src_binary else "to-pristine")
            if not os.access(pristine, os.X_OK):
                point("%s, %s: the guest migrates" % (machine, what), False,
                      "no pristine QEMU at %s (ninja -C build pristine)" %
                      pristine)
                continue
            src = boot(name + "-source", args, binary=src_binary, **vm_args)
            if not src:
                continue
            uri = socket_uri(name)
            try:
                dst = incoming(name, args, uri, binary=dst_binary, **vm_args)
            except vg.QemuError as e:
                point("%s, %s: the destination starts" % (machine, what),
                      False, str(e))
                src.kill()
                continue
            try:
                src.qmp.cmd("migrate", uri=uri)
                info = wait_migration(src)
                ok = info.get("status") == "completed"
                if ok:
                    dst.qmp.cmd("cont")
                    ok = ticking(dst)
                point("%s, %s: the guest migrates and ticks on" %
                      (machine, what), ok,
                      "query-migrate %s, console %s, stderr %s" %
                      (info, dst.console, dst.stderr()))
            finally:
                dst.kill()
                src.kill()


def corrupt_checks():
    """The topology subsection of a stream saved to a file, changed on
    the way or taken out: the destination refuses it with a line (never
    an abort)."""
    path = os.path.join(vg.BUILD, "guest-logs", "migration-stream")
    with vg.Vm("migration-to-file", SOURCE, memory="512M",
               kernel=False) as src:
        src.qmp.cmd("migrate", uri="file:" + path)
        info = wait_migration(src)
    with open(path, "rb") as f:
        stream = f.read()
    os.unlink(path)
    at = stream.find(b"vtopo-facts 1\n")
    # QEMU_VM_SUBSECTION, the name's length and name, its version, the
    # facts' length: what precedes the facts (migration/vmstate.c).
    name = b"configuration/topology"
    start = at - 4 - 4 - len(name) - 1 - 1
    point("the stream carries the topology subsection",
          info.get("status") == "completed" and start >= 0 and
          stream[start:start + 2 + len(name)] ==
          b"\x05" + bytes([len(name)]) + name, str(info))
    if start < 0:
        return
    size = int.from_bytes(stream[at - 4:at], "big")
    end = at + size
    cases = [
        ("another version", stream[:at] + b"vtopo-facts 9\n" +
         stream[at + 14:],
         "the source's topology is version 9, this QEMU reads "
         "version 1"),
        ("a byte that is not text", stream[:at + 20] + b"\xff" +
         stream[at + 21:],
         "the source's topology is malformed: byte 0xff at "
         "offset 20"),
        ("a length of 4 GiB", stream[:at - 4] + b"\xff\xff\xff\xff" +
         stream[at:], "topology of at most 1 MiB"),
        ("cut in the middle of the subsection", stream[:at + size // 2],
         "Input/output error"),
        ("a line cut short", stream[:at - 4] +
         (size - 3).to_bytes(4, "big") + stream[at:end - 3] + stream[end:],
         "the source's topology is malformed: it does not end with a "
         "whole line"),
        # A source without this code, or a stream edited on the way.
        ("the subsection taken out", stream[:start] + stream[end:],
         "The migration stream does not carry the topology, which machine "
         "type 'pc-q35-11.0' sends and checks"),
    ]
    for what, data, message in cases:
        bad = path + ".bad"
        with open(bad, "wb") as f:
            f.write(data)
        try:
            dst = incoming("migration-from-file", SOURCE, "file:" + bad)
            rc = wait_exit(dst)
            err = dst.stderr()
            dst.kill()
        except vg.QemuError as e:
            rc, err = None, str(e)
        lines = [l for l in err.splitlines() if "load of migration failed" in l]
        point("a stream with %s: the destination refuses it, saying why, "
              "and exits with 1" % what,
              rc == 1 and len(lines) == 1 and message in err,
              "rc %s, stderr:\n%s" % (rc, err))
        os.unlink(bad)


def mirror_checks():
    """mirror-host=on on both ends plans from each end's host (fixture
    hosts, x-host-sysfs): the same host gives the same topology, which
    migrates; a host of another shape gives another, which the stream
    refuses instead of the guest seeing it (no guest needed: the
    topology is read before any device state or RAM, so the source
    may stay paused)."""
    fixtures = os.path.join(vg.BUILD, "host-fixtures")

    def mirror(host):
        return ["-machine", "q35,mirror-host=on,x-host-sysfs=" +
                os.path.join(fixtures, host), "-smp", "8"]

    for dst_host, refused in (("intel-2s-smt", False),
                              ("amd-nps4-smt", True)):
        what = "mirror-host, planned on intel-2s-smt, to %s" % dst_host
        uri = socket_uri("mirror")
        try:
            with vg.Vm("migration-mirror-source", mirror("intel-2s-smt"),
                       kernel=False) as src:
                dst = incoming("migration-mirror-" + dst_host,
                               mirror(dst_host), uri)
                try:
                    src.qmp.cmd("migrate", uri=uri)
                    info = wait_migration(src)
                    if refused:
                        rc = wait_exit(dst)
                        err = dst.stderr()
                    else:
                        rc, err = None, ""
                        dst_digest = dst.qmp.cmd("query-topology").get(
                            "source-digest")
                        src_digest = src.qmp.cmd("query-topology")["digest"]
                finally:
                    dst.kill()
        except vg.QemuError as e:
            point("%s: both ends start" % what, False, str(e))
            continue
        if refused:
            lines = [l for l in err.splitlines()
                     if "load of migration failed" in l]
            point("%s: another host shape, another topology: the "
                  "destination refuses the stream with one line" % what,
                  rc == 1 and len(lines) == 1 and
                  (PREFIX + "smp.") in lines[0] and
                  info.get("status") == "failed",
                  "rc %s, query-migrate %s, stderr:\n%s" % (rc, info, err))
        else:
            point("%s: the same host shape plans the same topology, which "
                  "migrates" % what,
                  info.get("status") == "completed" and
                  dst_digest == src_digest,
                  "query-migrate %s, source digest %s, destination's "
                  "source-digest %s" % (info, src_digest, dst_digest))


def planned_options(host, dst_host):
    """The options build/vtopo-plan prints for 8 vCPUs on fixture host
    @host, as a destination on @dst_host takes them with mirror-host=on:
    what the guest sees (topology, caches, nodes and their memory), none
    of the placement (the pins and memory bindings name @host's CPUs and
    nodes), checked with pin-check=strict."""
    fixtures = os.path.join(vg.BUILD, "host-fixtures")
    p = subprocess.run([os.path.join(vg.BUILD, "vtopo-plan"), "--vcpus", "8",
                        "--memory", "512M", "--host-sysfs",
                        os.path.join(fixtures, host), "--format", "qemu"],
                       capture_output=True, text=True, timeout=60)
    args = p.stdout.split("\n")
    out = []
    i = 0
    while i < len(args) - 1:
        opt, value = args[i], args[i + 1]
        i += 2
        if (opt == "-accel" or value.startswith("x-host-sysfs=") or
                value.startswith("vcpu-affinity=")):
            continue
        if opt == "-object":
            value = ",".join(v for v in value.split(",")
                             if not v.startswith(("host-nodes=", "policy=")))
        out += [opt, value]
    return ["-machine", "q35,mirror-host=on,pin-check=strict,x-host-sysfs=" +
            os.path.join(fixtures, dst_host)] + out, p.stdout + p.stderr


def host_cpu_nodes(host):
    """Host CPU -> host node of fixture host @host, from its sysfs tree."""
    base = os.path.join(vg.BUILD, "host-fixtures", host, "devices", "system",
                        "node")
    nodes = {}
    for name in os.listdir(base):
        if not name.startswith("node") or not name[4:].isdigit():
            continue
        with open(os.path.join(base, name, "cpulist")) as f:
            for cpu in vg.parse_cpulist(f.read().strip()):
                nodes[cpu] = int(name[4:])
    return nodes


def mirror_moved_checks():
    """A mirrored VM moved to a host of another shape keeps its topology:
    the destination, with mirror-host=on and -incoming, is given what the
    guest sees of the source's plan, and mirror-host plans only the
    placement for its host (pins, each node's memory bound to the host
    node of its vCPUs, core scheduling); a host that cannot hold that
    topology refuses to start, before any stream."""
    fixtures = os.path.join(vg.BUILD, "host-fixtures")
    source = ["-machine", "q35,mirror-host=on,x-host-sysfs=" +
              os.path.join(fixtures, "intel-2s-smt"), "-smp", "8"]
    args, plan = planned_options("intel-2s-smt", "intel-snc2")
    uri = socket_uri("mirror-moved")
    cpu_node = host_cpu_nodes("intel-snc2")
    try:
        with vg.Vm("migration-mirror-moved-source", source,
                   kernel=False) as src:
            dst = vg.Vm("migration-mirror-moved", args +
                        ["-incoming", "defer"], memory=None, kernel=False)
            with dst:
                dst.qmp.cmd("migrate-incoming", uri=uri)
                src.qmp.cmd("migrate", uri=uri)
                info = wait_migration(src)
                got = dst.qmp.cmd("query-topology").get("source-digest")
                want = src.qmp.cmd("query-topology")["digest"]
                checks = dst.qmp.cmd("query-topology-checks")
        host = checks["host"]
        placed = {v["cpu-index"]: v.get("planned") for v in host["vcpus"]}
        nodes = host["numa-nodes"]
        point("mirror-host planned on intel-2s-smt, moved to intel-snc2 with "
              "what the guest sees of the plan and mirror-host=on: the same "
              "topology migrates, the placement planned there passes "
              "pin-check=strict",
              info.get("status") == "completed" and got == want and
              not checks["findings"] and not host["findings"] and
              host["mirror"]["placement-only"] and
              host["vcpu-affinity"] == "auto",
              "query-migrate %s, digest %s, source-digest %s, host %s"
              "\nplan:\n%s" % (info, want, got, host, plan))
        point("... every vCPU is placed on a host CPU of intel-snc2, and "
              "each virtual node's memory is bound to the host node its "
              "vCPUs were placed on (the fixture's node cpulists)",
              sorted(placed) == list(range(8)) and
              all(placed[v] is not None for v in placed) and
              len(nodes) >= 1 and
              all(n["policy"] == "bind" and len(n["host-nodes"]) == 1
                  for n in nodes) and
              {cpu_node[placed[v]] for v in placed} ==
              {h for n in nodes for h in n["host-nodes"]},
              "vcpus %s, numa-nodes %s" % (placed, nodes))
    except vg.QemuError as e:
        point("mirror-host planned on intel-2s-smt, moved to intel-snc2: "
              "both ends start", False, "%s\nplan:\n%s" % (e, plan))
    # Host node 0's CPUs kept out: the placement and the memory move to 1.
    exclude = sorted(c for c, n in cpu_node.items() if n == 0)
    args, plan = planned_options("intel-2s-smt", "intel-snc2")
    args += ["-machine", ",".join("mirror-exclude.%d=%d" % (i, c)
                                  for i, c in enumerate(exclude))]
    try:
        with vg.Vm("migration-mirror-exclude", args + ["-incoming", "defer"],
                   memory=None, kernel=False) as dst:
            host = dst.qmp.cmd("query-topology-checks")["host"]
        placed = [v.get("planned") for v in host["vcpus"]]
        point("... with host node 0's CPUs in mirror-exclude: every vCPU "
              "is placed on host node 1 and the memory is bound there",
              len(placed) == 8 and
              all(p is not None and cpu_node[p] == 1 for p in placed) and
              [n["host-nodes"] for n in host["numa-nodes"]] == [[1]],
              "planned %s, numa-nodes %s" % (placed, host["numa-nodes"]))
    except vg.QemuError as e:
        point("... with host node 0's CPUs in mirror-exclude: starts",
              False, str(e))
    args, plan = planned_options("intel-2s-smt", "amd-nps4-smt")
    p = subprocess.run([vg.qemu_binary(), "-L",
                        os.path.join(vg.BUILD, "guest", "firmware"),
                        "-S", "-display", "none", "-nodefaults",
                        "-incoming", "defer"] + args,
                       capture_output=True, text=True, timeout=60)
    err = [l for l in p.stderr.splitlines() if "TCG doesn't support" not in l]
    point("the same plan on amd-nps4-smt, whose last-level caches hold 2 "
          "cores: the destination refuses to start with one line naming "
          "why, exit code 1",
          p.returncode == 1 and len(err) == 1 and
          "mirror-host: this host cannot hold the topology given: a virtual "
          "socket (4 cores sharing a last-level cache) does not fit in one "
          "host last-level cache" in err[0] and
          # no advice to change a topology that must be the source's
          "use at most" not in err[0], "rc %d %s" % (p.returncode, p.stderr))
    for extra, line in (
            ([], "conflicts with the topology it plans; give only "
             "-smp N[,maxcpus=M]"),
            (["-incoming", "defer", "-machine", "mirror-smt=on"],
             "mirror-host: with the topology given (-incoming), it plans the "
             "placement only; leave out mirror-smt")):
        p = subprocess.run([vg.qemu_binary(), "-S", "-display", "none",
                            "-nodefaults"] + args + extra,
                           capture_output=True, text=True, timeout=60)
        err = [l for l in p.stderr.splitlines()
               if "TCG doesn't support" not in l]
        point("mirror-host with the topology given%s: refused with one line, "
              "exit code 1" % (" and mirror-smt on -incoming" if extra
                               else ", without -incoming"),
              p.returncode == 1 and len(err) == 1 and
              err[0].startswith("qemu-system-x86_64: mirror-host: ") and
              line in err[0],
              "rc %d %s" % (p.returncode, p.stderr))


def bound_mapping(pid, size):
    """The memory policy numa_maps gives the mapping of @size bytes of
    process @pid (the guest RAM), or None if there is none."""
    ranges = {}
    with open("/proc/%d/maps" % pid) as f:
        for line in f:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            ranges[lo] = hi - lo
    with open("/proc/%d/numa_maps" % pid) as f:
        for line in f:
            addr, policy = line.split()[:2]
            if ranges.get(int(addr, 16)) == size:
                return policy
    return None


def mirror_bind_host_checks():
    """On this machine's own host (nothing simulated): a destination with
    mirror-host=on and the source's topology pins each vCPU thread and
    binds the guest RAM to the host node its vCPUs run on, as the kernel
    reports them (/proc/PID/task/TID/status, /proc/PID/numa_maps); the
    same options without mirror-host leave the RAM to the default
    policy."""
    host_cpus = os.cpu_count()
    base = ["-incoming", "defer",
            "-smp", "%d,sockets=1,cores=%d,threads=1" % (host_cpus,
                                                       host_cpus)]
    for mirror in (True, False):
        machine = ["-machine", "q35" + (",mirror-host=on" if mirror else "")]
        with vg.Vm("migration-mirror-bind" + ("" if mirror else "-plain"),
                   machine + base, accel="tcg,thread=multi", memory="256M",
                   kernel=False) as vm:
            pid = vm.proc.pid
            policy = bound_mapping(pid, 256 << 20)
            topo = vm.qmp.cmd("query-topology-checks")
            cpus = vm.qmp.cmd("query-cpus-fast")
            allowed = {}
            for c in cpus:
                with open("/proc/%d/task/%d/status" % (pid, c["thread-id"])) as f:
                    for line in f:
                        if line.startswith("Cpus_allowed_list:"):
                            allowed[c["cpu-index"]] = line.split()[1]
        if mirror:
            node = next(int(e[4:]) for e in
                        os.listdir("/sys/devices/system/cpu/cpu0")
                        if e.startswith("node") and e[4:].isdigit())
            point("mirror-host on -incoming with the topology given, on this "
                  "host: the kernel has the guest RAM bound to host node %d "
                  "and each vCPU thread on one host CPU" % node,
                  policy == "bind:%d" % node and
                  all("," not in a and "-" not in a for a in allowed.values())
                  and len(set(allowed.values())) == host_cpus,
                  "numa_maps policy %s, Cpus_allowed_list %s, host %s" %
                  (policy, allowed, topo.get("host")))
        else:
            point("... and the same options without mirror-host: the guest "
                  "RAM has the default policy (the check above can fail)",
                  policy == "default", "numa_maps policy %s" % policy)


# Fields of a stream's state that hold the host's wall-clock time, which
# no two runs share: the PC's RTC, and the seconds Arm virt's PL031
# counts from (two runs in one second agree).
WALLCLOCK = {"mc146818rtc": {"cmos_data", "base_rtc", "last_update",
                             "update_timer", "next_alarm_time"},
             "pl031": {"tick_offset_vmstate"}}


def analyze(path, what):
    """QEMU's scripts/analyze-migration.py -d @what of the stream @path."""
    tool = os.path.join(vg.BUILD, "qemu-src", "scripts", "analyze-migration.py")
    p = subprocess.run(["/usr/bin/python3", tool, "-f", path, "-d", what],
                       capture_output=True, text=True, timeout=120)
    if p.returncode:
        return "analyze-migration.py failed: " + p.stderr[-500:]
    state = json.loads(p.stdout)
    if what == "state":
        for section, fields in state.items():
            drop = WALLCLOCK.get(section.split(" ")[0], ())
            for f in drop:
                fields.pop(f, None)
    return state


def stream_layout_checks():
    """Older machine types: the stream of a stopped VM, as QEMU's own
    scripts/analyze-migration.py reads it, has pristine QEMU's layout
    (the vmdesc: every section, field and size) and state, but for the
    fields that hold the wall-clock time."""
    cases = (("pc-q35-10.2", "x86_64", ["-smp", "4,sockets=2,cores=2"] + CPU +
              numa(["0-1", "2-3"], 21)),
             ("pc-i440fx-10.2", "x86_64", ["-smp", "4,sockets=2,cores=2"] +
              CPU + numa(["0-1", "2-3"], 21)),
             ("virt-10.2", "aarch64", ["-cpu", "cortex-a57", "-smp",
                                       "4,sockets=2,cores=2"] +
              numa(["0-1", "2-3"], 21)))
    for machine, arch, args in cases:
        got = {}
        for name, binary in (("pristine", vg.pristine_binary(arch)),
                             ("vtopo", vg.qemu_binary(arch))):
            path = os.path.join(vg.BUILD, "guest-logs",
                                "migration-%s-%s" % (machine, name))
            try:
                with vg.Vm("migration-layout-%s-%s" % (machine, name),
                           ["-M", machine] + args, memory="512M",
                           kernel=False, arch=arch, binary=binary) as vm:
                    vm.qmp.cmd("migrate", uri="file:" + path)
                    info = wait_migration(vm)
            except vg.QemuError as e:
                info = {"error": str(e)}
            got[name] = (info, analyze(path, "desc") if os.path.exists(path)
                         else None,
                         analyze(path, "state") if os.path.exists(path)
                         else None)
            if os.path.exists(path):
                os.unlink(path)
        (pinfo, pdesc, pstate), (vinfo, vdesc, vstate) = (got["pristine"],
                                                          got["vtopo"])
        if isinstance(pstate, dict) and isinstance(vstate, dict):
            differ = sorted(k for k in set(pstate) | set(vstate)
                            if pstate.get(k) != vstate.get(k))
        else:
            differ = [pstate, vstate]
        point("%s: the stream of a stopped VM (two nodes) has pristine "
              "QEMU's layout and state, by QEMU's analyze-migration.py" %
              machine,
              pinfo.get("status") == vinfo.get("status") == "completed" and
              isinstance(pdesc, dict) and pdesc == vdesc and
              isinstance(pstate, dict) and not differ,
              "query-migrate %s / %s; layout %s; sections that differ: %s" %
              (pinfo, vinfo, "equal" if pdesc == vdesc else
               "differs" if isinstance(pdesc, dict) else pdesc, differ))


def main():
    src = boot("migration-source", SOURCE)
    if src:
        try:
            source_topo = src.qmp.cmd("query-topology")
            refused_checks(src)
            accepted_checks(src, source_topo)
        finally:
            src.kill()
    pristine_checks()
    stream_layout_checks()
    mirror_checks()
    mirror_moved_checks()
    mirror_bind_host_checks()
    corrupt_checks()
    tap.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
