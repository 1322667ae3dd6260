#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Suite 'pin': vCPU pinning and its checks (-machine vcpu-affinity=,
vcpu-pin.N.*, pin-check=, core-sched=, x-host-sysfs=).

The placement QEMU applies is read back from the kernel: the
Cpus_allowed_list of /proc/PID/task/TID/status for each vCPU thread
(thread ids from query-cpus-fast), and the core-scheduling cookie of
each thread through prctl(PR_SCHED_CORE_GET) where the kernel has core
scheduling, and everywhere through build/tests/vtopo/
libcore-sched-shim.so, which emulates the kernel's PR_SCHED_CORE
commands inside QEMU (LD_PRELOAD) and records each thread's cookie and
each call.  The checks run against
the fixture hosts of tests/data/vtopo-host through x-host-sysfs; the
expected placements and messages are written by hand from those
hosts' facts."""

import ctypes
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import vtopo_guest as vg
from tap import Tap

FIXTURES = os.path.join(vg.BUILD, "host-fixtures")
tap = Tap()

point = tap.point


# Caches each fixture host can hold (smp-cache geometry no larger than
# the host's), so that the clean configurations are clean.
FITTING = {
    "intel-2s-smt": "smp-cache.0.cache=l2,smp-cache.0.size=1M,"
                    "smp-cache.1.cache=l3,smp-cache.1.size=8M,"
                    "smp-cache.1.topology=socket",
    "amd-nps4-smt": "smp-cache.0.cache=l2,smp-cache.0.size=512K,"
                    "smp-cache.1.cache=l3,smp-cache.1.size=16M,"
                    "smp-cache.1.topology=socket",
    "no-smt": "smp-cache.0.cache=l2,smp-cache.0.size=1M,"
              "smp-cache.1.cache=l3,smp-cache.1.size=8M,"
              "smp-cache.1.topology=socket",
    "offline-memonly": "smp-cache.0.cache=l2,smp-cache.0.size=256K,"
                       "smp-cache.1.cache=l3,smp-cache.1.size=16M,"
                       "smp-cache.1.topology=socket",
}


def real_host_caches():
    """The smp-cache options that give a VM on this machine's real CPUs
    the L1d, L1i, L2 and L3 sizes sysfs describes for host CPU 0 (none
    where it describes no caches): a virtual cache larger than the host
    one its vCPUs run on is pin-cache-size (its points are on fixture
    hosts), which the checks of the other rules on the real host must
    not meet."""
    return "".join(",smp-cache.%d.cache=%s,smp-cache.%d.size=%d" %
                   (i, kind, i, size) for i, (kind, size) in
                   enumerate(sorted(vg.host_caches().items())))


# pc-q35-11.0 for a VM on this machine's real CPUs
REAL_Q35 = "pc-q35-11.0" + real_host_caches()


def machine_args(host, args):
    """-M and -cpu for a fixture host, then @args (unless @args has its
    own -M)."""
    if "-M" in args:
        return args
    m = "pc-q35-11.0"
    if host in FITTING:
        m += "," + FITTING[host]
        return ["-M", m, "-cpu", "Skylake-Server"] + args
    return ["-M", m] + args


ACCEL = "tcg,thread=multi"


def placement(host, opts):
    """A second -machine, which QEMU merges with the first: the fixture
    host, then the placement properties @opts."""
    props = []
    if host:
        props.append("x-host-sysfs=" + (host if host.startswith("/")
                                        else os.path.join(FIXTURES, host)))
    if opts:
        props.append(opts)
    return ["-machine", ",".join(props)] if props else []


def pins(*entries):
    """vcpu-pin entries from pairs of CPU lists, the lowest vCPU of each
    on its lowest host CPU, and so on."""
    def cpus(text):
        out = []
        for part in text.split(","):
            lo, _, hi = part.partition("-")
            out += range(int(lo), int(hi or lo) + 1)
        return out
    props, n = ["vcpu-affinity=manual"], 0
    for vcpus, hosts in entries:
        for v, h in zip(cpus(vcpus), cpus(hosts)):
            props.append("vcpu-pin.%d.vcpu=%d,vcpu-pin.%d.host-cpu=%d"
                         % (n, v, n, h))
            n += 1
    return ",".join(props)


def nodes(*bindings):
    """-numa nodes of 512M, memory bound to host node BINDING (None:
    unbound), vCPUs split evenly by the caller's -smp."""
    args = []
    for i, bind in enumerate(bindings):
        backend = "memory-backend-ram,id=m%d,size=512M" % i
        if bind is not None:
            backend += ",host-nodes=%d,policy=bind" % bind
        args += ["-object", backend, "-numa", "node,nodeid=%d,memdev=m%d" % (i, i)]
    return ["-m", "%dM" % (512 * len(bindings))] + args


def start(name, host, opts, args):
    """Start QEMU (-S); returns (query-topology, stderr, thread ids)
    after quitting it, or ({}, the error, []) if it does not start."""
    try:
        with vg.Vm(name, machine_args(host, args) + placement(host, opts),
                   accel=ACCEL,
                   kernel=False, memory=None) as vm:
            topo = vm.qmp.topology()
            tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
            vm.qmp.cmd("quit")
            vm.proc.wait(timeout=60)
            return topo, ours(vm.stderr()), tids
    except vg.QemuError as e:
        return {}, "QEMU failed: %s" % e, []


def ours(stderr):
    """@stderr without TCG's warnings about CPUID features it lacks."""
    return "\n".join(l for l in stderr.splitlines()
                     if l.strip() and "TCG doesn't support" not in l)


def fails(host, opts, args):
    argv = [vg.qemu_binary(), "-S", "-display", "none", "-nodefaults",
            "-L", os.path.join(vg.BUILD, "guest", "firmware"),
            "-accel", ACCEL] + machine_args(host, args) + placement(host, opts)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    return p.returncode, ours(p.stderr).splitlines()


def host_rules(topo):
    return [f["rule"] for f in topo.get("host", {}).get("findings", [])]


def plan_of(topo):
    """QEMU's plan, one list per vCPU it pins."""
    return [[v["planned"]] for v in topo.get("host", {}).get("vcpus", [])
            if "planned" in v]


def host_findings(topo):
    return topo.get("host", {}).get("findings")


def check_rule(what, host, opts, args, rule, message, severity="warning"):
    """@rule fires with @message: a warning under pin-check=warn (an
    error when @severity is error), and the VM does not start under
    pin-check=strict."""
    if severity == "warning":
        topo, stderr, _ = start("pin-" + rule, host, opts, args)
        point("%s: %s fires under pin-check=warn" % (what, rule),
              rule in host_rules(topo) and
              any(f["rule"] == rule and f["message"].startswith(message)
                  for f in host_findings(topo) or []) and
              ("warning: " + message) in stderr,
              "findings %s\nstderr %r" % (topo.get("host", {}).get("findings"), stderr))
        opts = (opts + "," if opts else "") + "pin-check=strict"
    rc, err = fails(host, opts, args)
    point("%s: %s stops the VM under pin-check=%s (exit 1, one line)" %
          (what, rule, "strict" if severity == "warning" else "warn"),
          rc == 1 and len(err) == 1 and message in err[0],
          "rc=%d stderr=%r" % (rc, err))


def fixture_checks():
    # A clean configuration: 2 sockets x 4 cores x 2 threads, both
    # nodes' memory bound to host node 0 (real binding: this machine
    # has one node), on the Intel host.  Virtual node 0 on host cores
    # 0-3 (threads n and n+16), virtual node 1 on cores 4-7.
    smp = ["-smp", "16,sockets=2,cores=4,threads=2"]
    numa = nodes(0, 0) + ["-numa", "cpu,node-id=0,socket-id=0",
                          "-numa", "cpu,node-id=1,socket-id=1"]
    topo, stderr, _ = start("pin-clean", "intel-2s-smt", "vcpu-affinity=auto",
                            smp + numa)
    want = [[c] for c in [0, 16, 1, 17, 2, 18, 3, 19,
                          4, 20, 5, 21, 6, 22, 7, 23]]
    point("intel-2s-smt, 2 nodes bound to host node 0: auto places vCPUs on "
          "sibling pairs of node 0", plan_of(topo) == want,
          "plan %s" % plan_of(topo))
    point("intel-2s-smt clean: no findings, no warnings, simulated",
          host_findings(topo) == [] and "warning" not in stderr and
          topo["host"]["simulated"] and topo["host"]["smt"],
          "findings %s stderr %r" % (host_findings(topo), stderr))
    # Simulated: nothing is in place, so no vCPU runs on a host node.
    point("intel-2s-smt clean: each node's binding, and no host node in "
          "place (the plan is simulated)",
          [(n["node-id"], n["policy"], n["host-nodes"], n["cpu-host-nodes"])
           for n in topo.get("host", {}).get("numa-nodes", [])] ==
          [(0, "bind", [0], []), (1, "bind", [0], [])], str(topo))

    # Memory unbound: the nodes spread over the host nodes, and each
    # should have its memory bound there.
    topo, stderr, _ = start("pin-unbound", "intel-2s-smt", "vcpu-affinity=auto",
                            smp + nodes(None, None) +
                            ["-numa", "cpu,node-id=0,socket-id=0",
                             "-numa", "cpu,node-id=1,socket-id=1"])
    point("intel-2s-smt unbound: virtual node 1 goes to host node 1",
          plan_of(topo)[8:] == [[c] for c in [8, 24, 9, 25, 10, 26, 11, 27]],
          "plan %s" % plan_of(topo))
    check_rule("intel-2s-smt unbound", "intel-2s-smt", "vcpu-affinity=auto",
               smp + nodes(None, None) + ["-numa", "cpu,node-id=0,socket-id=0",
                                         "-numa", "cpu,node-id=1,socket-id=1"],
               "pin-node-unbound",
               "virtual node 0's vCPUs are pinned to host node 0, but its "
               "memory is not bound; give its memory backend "
               "host-nodes=0,policy=bind (and 1 more)")

    # AMD NPS4: a virtual L3 per die of 2 cores fits a CCX.
    topo, stderr, _ = start("pin-amd", "amd-nps4-smt", "vcpu-affinity=auto",
                            ["-M", "pc-q35-11.0,smp-cache.0.cache=l2,"
                             "smp-cache.0.size=512K,smp-cache.1.cache=l3,"
                             "smp-cache.1.size=16M,smp-cache.1.topology=die",
                             "-cpu", "Skylake-Server",
                             "-smp", "8,dies=2,cores=2,threads=2"])
    point("amd-nps4-smt, a 2-core L3 per die: each die in one CCX",
          plan_of(topo) == [[c] for c in [0, 16, 1, 17, 2, 18, 3, 19]] and
          host_findings(topo) == [],
          "plan %s findings %s %s" % (plan_of(topo), host_findings(topo), stderr))
    rc, err = fails("amd-nps4-smt", "vcpu-affinity=auto",
                    ["-smp", "8,cores=4,threads=2"])
    point("amd-nps4-smt, a 4-core L3: auto says the L3 does not fit",
          rc == 1 and len(err) == 1 and err[0].endswith(
              "vcpu-affinity=auto: a virtual socket (4 cores sharing a "
              "last-level cache) does not fit in one host last-level cache: "
              "the most free cores with 2 threads in one is 2; use at most 2 "
              "cores per socket"), "rc=%d %r" % (rc, err))

    # Each rule, on a placement that breaks it.
    check_rule("two vCPUs on one host CPU", "intel-2s-smt",
               pins(("0", "0"), ("1", "0")),
               ["-smp", "2,cores=2"], "pin-shared-cpu",
               "vCPUs 0 and 1 are both pinned to host CPU 0")
    check_rule("siblings split", "intel-2s-smt",
               pins(("0-1", "0-1")),
               ["-smp", "2,threads=2"], "pin-smt-siblings",
               "vCPUs 0 and 1 are threads of one virtual core, but their "
               "host CPUs 0 and 1 are not SMT siblings")
    check_rule("two virtual cores on one host core", "intel-2s-smt",
               pins(("0-1", "0,16")),
               ["-smp", "2,cores=2"], "pin-core-shared",
               "vCPUs 0 and 1 are in different virtual cores but run on one "
               "host core (host CPUs 0 and 16)")
    check_rule("two virtual cores on one host core, core-sched=core",
               "intel-2s-smt", "core-sched=core," +
               pins(("0-1", "0,16")),
               ["-smp", "2,cores=2"], "pin-core-shared",
               "vCPUs 0 and 1 are in different virtual cores but run on one "
               "host core (host CPUs 0 and 16); core-sched=core keeps them "
               "from running at once", severity="error")
    check_rule("virtual threads on a host without SMT", "no-smt",
               pins(("0-1", "0-1")),
               ["-smp", "2,threads=2"], "pin-host-no-smt",
               "the virtual cores have 2 threads, but the host has no SMT")
    check_rule("a node across host nodes", "intel-2s-smt",
               pins(("0-1", "0,16"), ("2-3", "8,24")),
               ["-smp", "4,cores=2,threads=2"] + nodes(0), "pin-node-span",
               "virtual node 0's vCPUs run on host nodes 0-1")
    check_rule("vCPUs away from their memory", "intel-2s-smt",
               pins(("0-1", "8,24")),
               ["-smp", "2,threads=2"] + nodes(0), "pin-node-memory",
               "virtual node 0's vCPUs run on host node 1, but its memory is "
               "bound to host node 0")
    # Memory bound by the task policy QEMU was started with, as numactl
    # --membind and libvirt's <numatune> without cgroups set it before
    # exec: set_mempolicy(MPOL_BIND, node 0) by the kernel's own call.
    setpol = ("import ctypes, os, platform, sys; "
              "libc = ctypes.CDLL(None, use_errno=True); "
              "mask = ctypes.c_ulong(1); "
              "nr = {'x86_64': 238, 'aarch64': 237}[platform.machine()]; "
              "rc = libc.syscall(nr, 2, ctypes.byref(mask), 64); "
              "rc and sys.exit(os.strerror(ctypes.get_errno())); "
              "os.execvp(sys.argv[1], sys.argv[1:])")
    with vg.Vm("pin-task-mempolicy",
               machine_args("intel-2s-smt", ["-smp", "2,threads=2"]) +
               nodes(None) + placement("intel-2s-smt", pins(("0-1", "8,24"))),
               accel=ACCEL, kernel=False, memory=None,
               wrapper=["python3", "-c", setpol]) as vm:
        topo = vm.qmp.topology()
        vm.qmp.cmd("quit")
    host = topo.get("host", {})
    point("memory bound by QEMU's task policy (MPOL_BIND to node 0 before "
          "exec) and no backend policy: query-topology-checks shows the binding, "
          "and vCPUs on host node 1 give pin-node-memory",
          [(n["policy"], n["host-nodes"]) for n in
           host.get("numa-nodes", [])] == [("bind", [0])] and
          [(f["rule"], f["message"]) for f in host.get("findings", [])] ==
          [("pin-node-memory", "virtual node 0's vCPUs run on host node 1, "
            "but its memory is bound to host node 0")],
          str(host))
    check_rule("a virtual L3 across CCXs", "amd-nps4-smt",
               "core-sched=vm," + pins(("0-1", "0,2")),
               ["-smp", "2,cores=2"], "pin-llc-span",
               "vCPUs 0 and 1 share a virtual last-level cache (socket 0), "
               "but their host CPUs 0 and 2 do not share one")
    check_rule("qemu64's 64 KiB L1d on a 48 KiB host", "this-machine",
               "vcpu-affinity=auto", ["-smp", "2"], "pin-cache-size",
               "the virtual L1 data cache (64 KiB) is larger than the host's "
               "(48 KiB) that vCPU 0 runs on (host CPU 0)")
    check_rule("a vulnerable SMT host, half a core used", "intel-2s-smt",
               "vcpu-affinity=auto", ["-smp", "1"], "pin-smt-exposed",
               "the host CPUs leak between SMT siblings (vulnerabilities/"
               "l1tf) and host CPU 16, a sibling of vCPU 0's host CPU 0, runs "
               "other threads; use core-sched=vm or core-sched=core")
    topo, stderr, _ = start("pin-exposed-vm", "intel-2s-smt",
                            "vcpu-affinity=auto,core-sched=vm", ["-smp", "1"])
    point("the same with core-sched=vm: no findings",
          host_findings(topo) == [] and "warning" not in stderr,
          "findings %s stderr %r" % (host_findings(topo), stderr))
    check_rule("core-sched on a host without SMT", "no-smt", "core-sched=vm",
               ["-smp", "2"], "core-sched-unsupported",
               "core-sched=vm: core scheduling needs SMT, which the host does "
               "not have")
    check_rule("a pinned CPU that is offline", "offline-memonly",
               pins(("0", "7")),
               ["-smp", "1"], "pin-allowed",
               "vCPU 0 is pinned to host CPU 7, which is offline (QEMU may "
               "run on 0-6,8-14)", severity="error")


def bad_input_checks():
    broken = tempfile.mkdtemp(prefix="vtopo-pin-")
    tree = os.path.join(broken, "sys")
    shutil.copytree(os.path.join(FIXTURES, "intel-2s-smt"), tree)
    with open(os.path.join(tree, "devices/system/cpu/cpu3/topology/core_id"),
              "w") as f:
        f.write("three\n")
    bad = [
        ("vcpu-affinity=bogus", None, ["-smp", "2"],
         "Parameter 'vcpu-affinity' does not accept value 'bogus'"),
        ("pin-check=maybe", None, ["-smp", "2"],
         "Parameter 'pin-check' does not accept value 'maybe'"),
        ("core-sched=yes", None, ["-smp", "2"],
         "Parameter 'core-sched' does not accept value 'yes'"),
        ("vcpu-affinity=auto,vcpu-pin.0.vcpu=0,vcpu-pin.0.host-cpu=0", None,
         ["-smp", "1"], "vcpu-pin: only used with vcpu-affinity=manual"),
        ("vcpu-affinity=manual", None, ["-smp", "2"],
         "vcpu-affinity=manual: no vcpu-pin entries; give vcpu-pin.N.vcpu "
         "and vcpu-pin.N.host-cpu"),
        ("vcpu-affinity=manual,vcpu-pin.0.vcpu=a,vcpu-pin.0.host-cpu=0",
         None, ["-smp", "2"], "Parameter 'vcpu-pin.0.vcpu' expects integer"),
        ("vcpu-affinity=manual,vcpu-pin.0.vcpu=0,vcpu-pin.0.host-cpu=-1",
         None, ["-smp", "2"], "Parameter 'host-cpu' expects uint32_t"),
        (pins(("0-1", "0-1")) + ",vcpu-pin.2.vcpu=9,vcpu-pin.2.host-cpu=0",
         None, ["-smp", "2"], "vcpu-pin.2.vcpu: vCPU 9 does not exist (the "
         "VM has vCPUs 0-1)"),
        (pins(("0", "99")), None, ["-smp", "1"], "vcpu-pin.0.host-cpu: host "
         "CPU 99 does not exist"),
        (pins(("0", "0"), ("0", "1")), None, ["-smp", "2"],
         "vcpu-pin.1.vcpu: vCPU 0 is already in vcpu-pin.0"),
        (pins(("0", "0")), None, ["-smp", "2"], "vcpu-affinity=manual: vCPU 1 "
         "is in no vcpu-pin entry; every possible vCPU (0-1) needs one"),
        ("vcpu-affinity=manual,vcpu-pin.0.vcpu=0", None, ["-smp", "1"],
         "Parameter 'vcpu-pin.0.host-cpu' is missing"),
        (pins(("0", "0")) + ",vcpu-pin.0.cpus=0", None, ["-smp", "1"],
         "Parameter 'vcpu-pin.0.cpus' is unexpected"),
        # The CPU-list form of earlier drafts is refused, not misread.
        ("vcpu-affinity=manual,vcpu-pin.0.vcpus=0-1", None, ["-smp", "2"],
         "Parameter 'vcpu-pin.0.vcpu' is missing"),
        ("vcpu-affinity=auto", "/nonexistent/vtopo", ["-smp", "2"],
         "x-host-sysfs: cannot read the host topology: /nonexistent/vtopo/"
         "devices/system/cpu/possible: No such file or directory"),
        ("vcpu-affinity=auto", tree, ["-smp", "2"],
         "x-host-sysfs: cannot read the host topology: " + tree +
         "/devices/system/cpu/cpu3/topology/core_id: 'three' is not a number"),
        ("vcpu-affinity=auto", None, ["-smp", "4"],
         "vcpu-affinity=auto: 4 virtual cores (-smp maxcpus=4) need as many "
         "host cores with 1 usable thread, but QEMU may run on 2; use at "
         "most 2 cores"),
    ]
    for opts, host, args, want in bad:
        rc, err = fails(host, opts, args)
        point("bad input %s%s %s: one-line error, exit code 1" %
              (opts, ",x-host-sysfs=" + host if host else "", " ".join(args)),
              rc == 1 and len(err) == 1 and want in err[0],
              "rc=%d stderr=%r want %r" % (rc, err, want))
    argv = [vg.qemu_binary(), "-S", "-display", "none", "-nodefaults",
            "-L", os.path.join(vg.BUILD, "guest", "firmware"),
            "-accel", "tcg,thread=single", "-machine", "vcpu-affinity=auto",
            "-smp", "2"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    point("thread=single with vcpu-affinity: one-line error, exit code 1",
          p.returncode == 1 and p.stderr.strip().endswith(
              "the vCPUs share one host thread; use -accel tcg,thread=multi"),
          "rc=%d %r" % (p.returncode, p.stderr))
    p = subprocess.run([vg.qemu_binary(), "-M", "none", "-display", "none",
                        "-machine", "vcpu-affinity=auto"],
                       capture_output=True, text=True, timeout=60)
    point("-M none with vcpu-affinity: one-line error, exit code 1",
          p.returncode == 1 and p.stderr.strip().endswith(
              "vcpu-affinity, core-sched: machine 'none' does not describe "
              "its vCPUs' topology") and len(p.stderr.splitlines()) == 1,
          "rc=%d %r" % (p.returncode, p.stderr))
    shutil.rmtree(broken)


PR_SCHED_CORE, PR_SCHED_CORE_GET = 62, 0


def core_cookie(tid):
    libc = ctypes.CDLL(None, use_errno=True)
    cookie = ctypes.c_ulong()
    if libc.prctl(PR_SCHED_CORE, PR_SCHED_CORE_GET, tid, 0,
                  ctypes.byref(cookie)) != 0:
        return None, os.strerror(ctypes.get_errno())
    return cookie.value, None


def real_checks():
    host_cpus = sorted(os.sched_getaffinity(0))
    if len(host_cpus) < 2:
        point("real pinning needs 2 host CPUs", True, skip="one CPU")
        return
    a, b = host_cpus[0], host_cpus[1]
    args = ["-M", REAL_Q35, "-smp", "2"]
    for what, opts, want in [
            ("auto", "vcpu-affinity=auto", [a, b]),
            ("manual, swapped", pins(("0", str(b)), ("1", str(a))),
             [b, a])]:
        with vg.Vm("pin-real", args + placement(None, opts), accel=ACCEL,
                   kernel=False) as vm:
            topo = vm.qmp.topology()
            tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
            got = [vg.allowed_list(vm.proc.pid, t) for t in tids]
            hmp = vm.qmp.hmp("info topology").replace("\r\n", "\n")
            vm.qmp.cmd("quit")
        point("real %s: info topology prints each vCPU's host CPU and thread"
              % what, "host: vcpu-affinity=%s core-sched=off\n" %
              opts.split("=")[1].split(",")[0] in hmp and
              re.search(r"\n  cpu 1: host cpus %d \(qemu\), planned %d"
                        r"(, cpuset [^,]*)?, thread %d\n" %
                        (want[1], want[1], tids[1]), hmp) is not None,
              hmp)
        point("real %s: each vCPU thread's Cpus_allowed_list is its planned "
              "host CPU" % what, got == [str(c) for c in want],
              "got %s want %s" % (got, want))
        point("real %s: query-topology-checks reports those threads and CPUs, not "
              "simulated" % what,
              [v.get("thread-id") for v in topo["host"]["vcpus"]] == tids and
              plan_of(topo) == [[c] for c in want] and
              not topo["host"]["simulated"], str(topo["host"]))

    # A hotplugged vCPU's thread is pinned when it is created.
    opts = pins(("0", str(b)), ("1", str(a)))
    with vg.Vm("pin-hotplug", ["-M", REAL_Q35, "-smp", "1,maxcpus=2"]
               + placement(None, opts), accel=ACCEL, kernel=False) as vm:
        slot = [h for h in vm.qmp.cmd("query-hotpluggable-cpus")
                if "qom-path" not in h][0]
        vm.qmp.cmd("device_add", **dict(slot["props"], driver=slot["type"],
                                         id="cpu1"))
        tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
        got = [vg.allowed_list(vm.proc.pid, t) for t in tids]
        vm.qmp.cmd("quit")
    point("hotplugged vCPU 1: its new thread is pinned to host CPU %d" % a,
          got == [str(b), str(a)], "got %s" % got)

    # Without vcpu-affinity QEMU pins nothing; on 11.0 it watches the
    # placement in place, and an unpinned VM has nothing to report.
    with vg.Vm("pin-off", args, kernel=False) as vm:
        topo = vm.qmp.topology()
        tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
        got = {vg.allowed_list(vm.proc.pid, t) for t in tids}
        mine = vg.allowed_list(os.getpid(), os.getpid())
        vm.qmp.cmd("cont")
        events = [e["event"] for e in vm.qmp.events]
        vm.qmp.cmd("quit")
    host = topo.get("host", {})
    point("vcpu-affinity=off on pc-q35-11.0: vCPU threads unpinned, none "
          "listed, no finding, no TOPOLOGY_PLACEMENT event at 'cont'",
          got == {mine} and host.get("vcpus") == [] and
          host.get("placement") == [] and "last-check" not in host and
          "TOPOLOGY_PLACEMENT" not in events,
          "got %s mine %s host %s events %s" % (got, mine, host, events))
    with vg.Vm("pin-off-10.2", ["-M", "pc-q35-10.2", "-smp", "2"],
               kernel=False) as vm:
        topo = vm.qmp.topology()
        vm.qmp.cmd("quit")
    point("pc-q35-10.2 without placement options: no host section",
          "host" not in topo, str(topo.get("host")))

    # Core scheduling on this kernel: cookies read back when it has it,
    # a warning (an error under strict) when it does not.
    _, why = core_cookie(os.getpid())
    if why:
        with vg.Vm("pin-core-sched", args + placement(None, "core-sched=vm"),
                   accel=ACCEL, kernel=False) as vm:
            topo = vm.qmp.topology()
            vm.qmp.cmd("quit")
            vm.proc.wait(timeout=60)
            stderr = vm.stderr()
        point("core-sched=vm on a kernel without core scheduling (%s): "
              "warning, core-sched-unsupported" % why,
              host_rules(topo) == ["core-sched-unsupported"] and
              "warning: core-sched=vm: " in stderr, "%s %r" % (topo["host"], stderr))
        rc, err = fails(None, "core-sched=vm,pin-check=strict", ["-smp", "2"])
        point("core-sched=vm, pin-check=strict, no core scheduling: exit 1",
              rc == 1 and len(err) == 1 and "core-sched=vm: " in err[0],
              "rc=%d %r" % (rc, err))
        point("core-sched cookies read back with prctl(PR_SCHED_CORE_GET)",
              True, skip="the host kernel has no core scheduling: " + why)
        return
    for mode, smp in [("vm", "2"), ("core", "4,cores=2,threads=2")]:
        with vg.Vm("pin-cookie", ["-smp", smp] +
                   placement(None, "core-sched=" + mode), kernel=False,
                   accel=ACCEL) as vm:
            tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
            cookies = [core_cookie(t)[0] for t in tids]
            main = core_cookie(vm.proc.pid)[0]
            vm.qmp.cmd("quit")
        if mode == "vm":
            ok = len(set(cookies)) == 1 and cookies[0] and main == cookies[0]
        else:
            ok = (cookies[0] == cookies[1] and cookies[2] == cookies[3] and
                  cookies[0] != cookies[2] and all(cookies))
        point("core-sched=%s: cookies of the vCPU threads" % mode, ok,
              "cookies %s main %s" % (cookies, main))


SHIM = os.path.join(vg.BUILD, "tests", "vtopo", "libcore-sched-shim.so")


def shim_vm(name, args, state, errno_value=None):
    """A QEMU whose prctl(PR_SCHED_CORE) calls the shim answers, writing
    the cookies to @state and the calls to @state.calls."""
    env = ["env", "LD_PRELOAD=" + SHIM, "VTOPO_CORE_SCHED_SHIM=" + state]
    if errno_value is not None:
        env.append("VTOPO_CORE_SCHED_SHIM_ERRNO=%d" % errno_value)
    return vg.Vm(name, args, accel=ACCEL, kernel=False, wrapper=env)


def shim_state(state):
    """The cookies ({tid: cookie}) and calls ([(caller, command, pid,
    scope, result)]) the shim recorded."""
    cookies, calls = {}, []
    if os.path.exists(state):
        with open(state) as f:
            cookies = {int(t): int(c, 16) for t, c in
                       (line.split() for line in f)}
    if os.path.exists(state + ".calls"):
        with open(state + ".calls") as f:
            calls = [tuple(line.split()) for line in f]
    return cookies, calls


def core_sched_seam_checks():
    """QEMU's core-scheduling calls on any host: the shim answers them as
    a kernel with core scheduling would (or with ENODEV, as one on a host
    without SMT does), and the cookies it gave are checked against the
    virtual cores (one cookie per virtual core, or one per VM)."""
    if not os.path.exists(SHIM):
        point("core-scheduling shim built", False, SHIM + " is missing: "
              "meson compile -C build tests/vtopo/libcore-sched-shim.so")
        return
    tmp = tempfile.mkdtemp(prefix="vtopo-core-sched-")
    try:
        state = os.path.join(tmp, "enodev")
        with shim_vm("pin-shim-enodev", ["-smp", "2"] +
                     placement(None, "core-sched=vm"), state,
                     errno_value=19) as vm:
            topo = vm.qmp.topology()
            vm.qmp.cmd("quit")
            vm.proc.wait(timeout=60)
            stderr = vm.stderr()
        _, calls = shim_state(state)
        point("core-sched=vm where the kernel answers ENODEV (core "
              "scheduling, no SMT): the finding says the host has no SMT",
              host_rules(topo) == ["core-sched-unsupported"] and
              "warning: core-sched=vm: core scheduling needs SMT, which the "
              "host does not have" in stderr and
              [c[1] for c in calls] == ["get"],
              "%s %r calls %s" % (topo.get("host"), stderr, calls))

        state = os.path.join(tmp, "vm")
        with shim_vm("pin-shim-vm", ["-smp", "2"] +
                     placement(None, "core-sched=vm"), state) as vm:
            tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
            topo = vm.qmp.topology()
            pid = vm.proc.pid
            vm.qmp.cmd("quit")
        cookies, calls = shim_state(state)
        got = [cookies.get(t, 0) for t in tids]
        point("core-sched=vm: one cookie for the whole VM, created once for "
              "the thread group (vCPU threads and main thread)",
              len(set(got)) == 1 and got[0] and cookies.get(pid) == got[0] and
              host_findings(topo) == [] and
              [c[1:4] for c in calls if c[1] != "get"] ==
              [("create", "0", "thread-group")],
              "vCPU cookies %s main %s calls %s findings %s" %
              (got, cookies.get(pid), calls, host_findings(topo)))

        # Two virtual cores of two threads; then only vCPU 0 at machine
        # init, and plugged later the second thread of its core (which
        # takes the cookie vCPU 0 got at init) and both threads of core 1.
        for what, smp, plug in [
                ("at machine init", "4,cores=2,threads=2", []),
                ("plugged after machine init", "1,maxcpus=4,cores=2,threads=2",
                 [1, 2, 3])]:
            state = os.path.join(tmp, "core-%d" % len(plug))
            with shim_vm("pin-shim-core", ["-smp", smp] +
                         placement(None, "core-sched=core"), state) as vm:
                slots = vm.qmp.cmd("query-hotpluggable-cpus")
                for index in plug:
                    slot = next(s for s in slots if "qom-path" not in s
                                and s["props"].get("core-id") == index // 2
                                and s["props"].get("thread-id") == index % 2)
                    vm.qmp.cmd("device_add", driver=slot["type"],
                               id="cpu%d" % index, **slot["props"])
                cpus = {c["cpu-index"]: (c["thread-id"], c["props"])
                        for c in vm.qmp.cmd("query-cpus-fast")}
                topo = vm.qmp.topology()
                pid = vm.proc.pid
                vm.qmp.cmd("quit")
            cookies, calls = shim_state(state)
            got = {i: cookies.get(tid, 0) for i, (tid, _) in cpus.items()}
            core = {i: props.get("core-id") for i, (_, props) in cpus.items()}
            same = all((got[i] == got[j]) == (core[i] == core[j])
                       for i in got for j in got)
            commands = {c[1] for c in calls}
            point("core-sched=core, vCPUs %s: one cookie per virtual core, "
                  "another for each core, none the main thread's "
                  "(PR_SCHED_CORE_CREATE, SHARE_FROM and SHARE_TO ran)" % what,
                  len(got) == 4 and same and all(got.values()) and
                  cookies.get(pid) not in got.values() and
                  {"create", "share-from", "share-to"} <= commands and
                  all(c[4] == "0" for c in calls) and
                  host_findings(topo) == [],
                  "cookies %s cores %s main %s calls %s findings %s" %
                  (got, core, cookies.get(pid), calls, host_findings(topo)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cpuset_effective(pid, tid):
    """The effective CPUs of thread @tid's cpuset cgroup, from the
    kernel's files (cgroup v1 cpuset.effective_cpus, else the nearest
    cgroup v2 cpuset.cpus.effective), or None."""
    mounts = {}
    with open("/proc/%d/mountinfo" % pid) as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fields, (fstype, _, opts) = left.split(), right.split()[:3]
            if fstype == "cgroup" and "cpuset" in opts.split(","):
                mounts["v1"] = fields[4]
            elif fstype == "cgroup2":
                mounts["v2"] = fields[4]
    with open("/proc/%d/task/%d/cgroup" % (pid, tid)) as f:
        groups = [line.rstrip("\n").split(":", 2) for line in f]
    for hid, ctrls, path in groups:
        if "v1" in mounts and "cpuset" in ctrls.split(","):
            with open(os.path.join(mounts["v1"] + path,
                                   "cpuset.effective_cpus")) as e:
                return sorted(vg.parse_cpulist(e.read().strip()))
    for hid, ctrls, path in groups:
        while hid == "0" and "v2" in mounts:
            f = os.path.join(mounts["v2"] + path, "cpuset.cpus.effective")
            if os.path.exists(f):
                with open(f) as e:
                    return sorted(vg.parse_cpulist(e.read().strip()))
            if path in ("/", ""):
                break
            path = os.path.dirname(path)
    return None


def in_place_checks():
    """The placement in place, set by someone else than QEMU (taskset,
    sched_setaffinity() as libvirt and 'virsh vcpupin' call it), read
    from the real kernel and judged at machine init, at 'cont', on
    hotplug and for each query.  Host CPUs 0 and 1 are this machine's;
    where a rule needs SMT the host description is intel-2s-smt, whose
    CPUs 0 and 1 are two different cores (siblings 0/16 and 1/17)."""
    if not {0, 1} <= os.sched_getaffinity(0):
        point("in-place checks need host CPUs 0 and 1", False,
              "this process may run on %s" % os.sched_getaffinity(0))
        return
    shared = "vCPUs 0 and 1 are both pinned to host CPU 0"

    # (taskset) A mask inherited at exec.  With -S nothing is judged
    # before the 'cont' (a manager places the threads until then).
    with vg.Vm("place-taskset", ["-M", REAL_Q35, "-smp", "2"],
               kernel=False, wrapper=["taskset", "-c", "0"]) as vm:
        before = vm.qmp.topology().get("host", {})
        vm.qmp.cmd("cont")
        topo = vm.qmp.topology()
        vm.qmp.cmd("quit")
        vm.proc.wait(timeout=60)
        stderr = vm.stderr()
    host = topo.get("host", {})
    point("taskset -c 0, 2 vCPUs, -S: nothing judged before 'cont' (the "
          "finding is in the live view), a warning at 'cont', both vCPUs "
          "inherited on host CPU 0",
          "last-check" not in before and
          [f["rule"] for f in before.get("placement", [])] ==
          ["pin-shared-cpu", "pin-core-shared"] and
          "vCPU placement (machine-init)" not in stderr and
          "warning: vCPU placement (start): " + shared in stderr and
          [f["rule"] for f in host.get("placement", [])] ==
          ["pin-shared-cpu", "pin-core-shared"] and
          host.get("last-check", {}).get("moment") == "start" and
          [(v["cpu-index"], v["host-cpus"], v.get("source"))
           for v in host.get("vcpus", [])] ==
          [(0, [0], "inherited"), (1, [0], "inherited")],
          "stderr %r host %s" % (stderr, host))
    # Without -S the VM runs once the machine is built: judged there.
    p = subprocess.run(["taskset", "-c", "0", vg.qemu_binary(),
                        "-display", "none", "-nodefaults", "-L",
                        os.path.join(vg.BUILD, "guest", "firmware"),
                        "-M", REAL_Q35 + ",pin-check=strict", "-smp", "2",
                        "-accel", "tcg"],
                       capture_output=True, text=True, timeout=60)
    err = ours(p.stderr).splitlines()
    point("taskset -c 0 with pin-check=strict, no -S: exit 1 at machine "
          "init, one line naming the rule and the vCPUs",
          p.returncode == 1 and len(err) == 1 and err[0].endswith(
              "pin-check=strict: the vCPU placement breaks pin-shared-cpu: "
              + shared), "rc=%d %r" % (p.returncode, err))

    # TCG without thread=multi: one thread for every vCPU, nothing per
    # vCPU to check; said once, only because that thread is pinned.
    with vg.Vm("place-single", ["-M", REAL_Q35, "-smp", "2"],
               accel="tcg,thread=single", kernel=False,
               wrapper=["taskset", "-c", "0"]) as vm:
        topo = vm.qmp.topology()
        vm.qmp.cmd("quit")
        vm.proc.wait(timeout=60)
        stderr = vm.stderr()
    point("taskset -c 0 with thread=single: one warning that the shared "
          "thread's placement is not checked, no finding",
          stderr.count("warning: pin-check: the vCPUs share one host thread "
                       "(TCG without thread=multi): their placement is not "
                       "checked") == 1 and "vCPU placement" not in stderr and
          "host" not in topo, "stderr %r host %s" % (stderr,
                                                     topo.get("host")))

    # (libvirt, virsh vcpupin) Pinned after machine init, before 'cont'.
    for check in ("warn", "strict"):
        with vg.Vm("place-cont-" + check, ["-M", REAL_Q35 + ",pin-check=" +
                                           check, "-smp", "2"],
                   accel="tcg", kernel=False) as vm:
            tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
            for t in tids:
                os.sched_setaffinity(t, {0})
            try:
                vm.qmp.cmd("cont")
                error = None
            except vg.QemuError as e:
                error = str(e)
            status = vm.qmp.cmd("query-status")["status"]
            events = [e for e in vm.qmp.events
                      if e["event"] == "TOPOLOGY_PLACEMENT"]
            topo = vm.qmp.topology()
            cpusets = [cpuset_effective(vm.proc.pid, t) for t in tids]
            # 'virsh vcpupin 1 1' at run time: the next query sees it.
            os.sched_setaffinity(tids[1], {1})
            later = vm.qmp.topology()
            vm.qmp.cmd("quit")
            vm.proc.wait(timeout=60)
            stderr = vm.stderr()
        if check == "warn":
            point("pinned after machine init (warn): 'cont' runs the guest, "
                  "a warning and one TOPOLOGY_PLACEMENT event at start",
                  error is None and status == "running" and
                  "warning: vCPU placement (start): " + shared in stderr and
                  [(e["data"]["moment"],
                    [f["rule"] for f in e["data"]["findings"]])
                   for e in events] ==
                  [("start", ["pin-shared-cpu", "pin-core-shared"])],
                  "error %s status %s events %s stderr %r" %
                  (error, status, events, stderr))
            point("pinned after machine init: query-topology-checks says the "
                  "placement came from outside",
                  [v.get("source") for v in topo["host"]["vcpus"]] ==
                  ["external", "external"], str(topo["host"]))
            point("each pinned vCPU's cpuset-cpus is its cgroup's "
                  "effective cpuset as the kernel's files say",
                  [v.get("cpuset-cpus") for v in topo["host"]["vcpus"]] ==
                  cpusets, "got %s want %s" % (topo["host"]["vcpus"],
                                               cpusets))
        else:
            point("pinned after machine init (strict): 'cont' fails with "
                  "the rule and the vCPUs, the VM stays paused, no event",
                  error == "pin-check=strict: the vCPU placement breaks "
                  "pin-shared-cpu: " + shared and status == "prelaunch" and
                  not events, "error %s status %s events %s" %
                  (error, status, events))
        point("re-pinned at run time (%s): the next query-topology-checks has no "
              "finding now, and keeps the last check's" % check,
              later["host"]["placement"] == [] and
              [f["rule"] for f in later["host"]["last-check"]["findings"]] ==
              ["pin-shared-cpu", "pin-core-shared"] and
              [v["host-cpus"] for v in later["host"]["vcpus"]] == [[0], [1]],
              str(later["host"]))

    # SMT siblings that are not, on a host description with SMT whose
    # CPUs 0 and 1 are two cores; core-sched=vm keeps the fixture's SMT
    # exposure out of it.
    with vg.Vm("place-siblings",
               machine_args("intel-2s-smt", ["-smp", "2,cores=1,threads=2"]) +
               placement("intel-2s-smt", "core-sched=vm"), accel=ACCEL,
               kernel=False) as vm:
        tids = [c["thread-id"] for c in vm.qmp.cmd("query-cpus-fast")]
        os.sched_setaffinity(tids[0], {0})
        os.sched_setaffinity(tids[1], {1})
        vm.qmp.cmd("cont")
        topo = vm.qmp.topology()
        vm.qmp.cmd("quit")
        vm.proc.wait(timeout=60)
        stderr = vm.stderr()
    siblings = ("vCPUs 0 and 1 are threads of one virtual core, but their "
                "host CPUs 0 and 1 are not SMT siblings")
    point("guest SMT siblings pinned to host CPUs of two cores "
          "(intel-2s-smt): pin-smt-siblings at start",
          "warning: vCPU placement (start): " + siblings in stderr and
          [f["message"] for f in topo["host"]["placement"]] == [siblings],
          "stderr %r host %s" % (stderr, topo.get("host")))

    # Hotplug: the new vCPU's thread inherits the process's mask.
    with vg.Vm("place-hotplug", ["-M", REAL_Q35, "-smp", "1,maxcpus=2"],
               kernel=False, wrapper=["taskset", "-c", "0"]) as vm:
        slot = [h for h in vm.qmp.cmd("query-hotpluggable-cpus")
                if "qom-path" not in h][0]
        vm.qmp.cmd("device_add", **dict(slot["props"], driver=slot["type"],
                                         id="cpu1"))
        events = [e["data"] for e in vm.qmp.events
                  if e["event"] == "TOPOLOGY_PLACEMENT"]
        topo = vm.qmp.topology()
        vm.qmp.cmd("quit")
        vm.proc.wait(timeout=60)
        stderr = vm.stderr()
    point("a vCPU plugged under taskset -c 0: left out of the hotplug "
          "check while it has the main thread's mask (a manager pins it "
          "next), judged by the next query",
          "vCPU placement" not in stderr and not events and
          topo["host"]["last-check"] == {"moment": "hotplug",
                                         "findings": []} and
          [f["message"] for f in topo["host"]["placement"]][:1] == [shared],
          "stderr %r events %s host %s" % (stderr, events, topo["host"]))


def two_vm_checks():
    """Two VMs on one host: the host CPUs another process's threads are
    pinned to alone (another VM's vCPUs, as its manager pinned them) are
    taken.  QEMU's plans leave them out, and a placement on one of them
    is reported, naming the other process and thread as the kernel and
    the other QEMU's QMP give them."""
    host_cpus = sorted(os.sched_getaffinity(0))
    if len(host_cpus) < 2:
        point("two VMs need 2 host CPUs", True, skip="one CPU")
        return
    a, b = host_cpus[0], host_cpus[1]
    base = ["-M", REAL_Q35]
    with vg.Vm("two-vm-first", base + ["-smp", "1"] +
               placement(None, pins(("0", str(a)))), accel=ACCEL,
               kernel=False) as first:
        tid = first.qmp.cmd("query-cpus-fast")[0]["thread-id"]
        taken = ("thread %d of process %d (qemu-system-x86)" %
                 (tid, first.proc.pid))
        point("the first VM's vCPU thread is pinned to host CPU %d" % a,
              vg.allowed_list(first.proc.pid, tid) == str(a),
              vg.allowed_list(first.proc.pid, tid))

        with vg.Vm("two-vm-auto", base + ["-smp", "1"] +
                   placement(None, "vcpu-affinity=auto"), accel=ACCEL,
                   kernel=False) as vm:
            t = vm.qmp.cmd("query-cpus-fast")[0]["thread-id"]
            got = vg.allowed_list(vm.proc.pid, t)
            topo = vm.qmp.topology()
            vm.qmp.cmd("quit")
        point("a second VM with vcpu-affinity=auto plans around it: host "
              "CPU %d, no finding" % b,
              got == str(b) and topo["host"]["findings"] == [],
              "got %s host %s" % (got, topo.get("host")))

        topo, stderr, _ = start("two-vm-manual", None, pins(("0", str(a))),
                                base + ["-smp", "1"])
        want = ("vCPU 0 is pinned to host CPU %d, which %s is pinned to as "
                "well" % (a, taken))
        point("a second VM pinned by hand to the same host CPU: pin-taken "
              "at machine init, naming the first VM's process and thread",
              [(f["rule"], f["message"]) for f in host_findings(topo)] ==
              [("pin-taken", want)] and "warning: " + want in stderr,
              "%s %r" % (host_findings(topo), stderr))

        # Placed from outside: a manager's taskset, judged at 'cont'.
        with vg.Vm("two-vm-taskset", base + ["-smp", "1"], kernel=False,
                   wrapper=["taskset", "-c", str(a)]) as vm:
            vm.qmp.cmd("cont")
            topo = vm.qmp.topology()
            vm.qmp.cmd("quit")
            vm.proc.wait(timeout=60)
            stderr = vm.stderr()
        point("a second VM under taskset -c %d: pin-taken at start, in the "
              "last check and the log" % a,
              [f["rule"] for f in
               topo["host"]["last-check"]["findings"]] == ["pin-taken"] and
              "warning: vCPU placement (start): " + want in stderr,
              "%s %r" % (topo.get("host"), stderr))

        rc, err = fails(None, "vcpu-affinity=auto", base + ["-smp", "2"])
        point("vcpu-affinity=auto that only fits on the taken CPU: one line "
              "that says which CPU is taken and by whom",
              rc == 1 and len(err) == 1 and err[0].endswith(
                  "; host CPU %d is taken: %s is pinned to it alone" %
                  (a, taken)),
              "rc=%d %r" % (rc, err))

        mirror, stderr, _ = start("two-vm-mirror", None, "mirror-host=on",
                                  ["-M", "q35", "-smp", "1", "-m", "256M"])
        note = ("host CPU %d is taken: %s is pinned to it alone: left out" %
                (a, taken))
        point("mirror-host=on beside it: planned on host CPU %d, and a note "
              "names the taken CPU" % b,
              [v.get("planned") for v in
               mirror.get("host", {}).get("vcpus", [])] == [b] and
              note in mirror["host"]["mirror"]["notes"],
              str(mirror.get("host")))
        p = subprocess.run([os.path.join(vg.BUILD, "vtopo-plan"), "--vcpus",
                            "1", "--memory", "256M", "--format", "json"],
                           capture_output=True, text=True, timeout=60)
        point("vtopo-plan beside it: the same host CPU and note",
              p.returncode == 0 and
              json.loads(p.stdout)["host-cpus"] == [b] and
              "vtopo-plan: note: " + note in p.stderr,
              p.stdout + p.stderr)
        first.qmp.cmd("quit")


def main():
    fixture_checks()
    bad_input_checks()
    real_checks()
    core_sched_seam_checks()
    in_place_checks()
    two_vm_checks()
    tap.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
