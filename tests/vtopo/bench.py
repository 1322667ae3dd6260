#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Startup benchmark: time from exec to a QMP-ready machine (-S, after
qmp_capabilities and one query-status) for pristine QEMU and ours, same
base and options, interleaved in one run; prints medians and ratios.
Then, with 1, 4 and 16 NUMA nodes, the same ratio and the time the
machine-init check of the ACPI tables takes (between its trace points
vtopo_acpi_check_begin/end), per vCPU, with the 1024/256 ratio of that
per-vCPU cost (linear: about 1); and Arm virt (GICv3) at 8, 128 and
512 vCPUs, with the device-tree check per vCPU.  Then vCPU pinning:
planning and checking the placement (between vtopo_pin_setup_begin/end)
per vCPU on the 256-CPU fixture host (2 sockets of 64 cores with SMT),
for an automatic placement of 256 vCPUs and a manual one of 1024, and
the startup ratio with vcpu-affinity=auto against no pinning, on that
fixture and on this machine.  Also the latency of query-topology on the
largest machine.  Then the downtime of a migration with the topology
in the stream against one without and pristine QEMU's.  Then CPUID
itself: the TSC ticks a guest's boot vCPU takes for 200000 rounds of
leaves 0BH, 1FH and 04H (cpuid-loop.S, each one call of
cpu_x86_cpuid() under TCG) in a machine of 1024 possible vCPUs, ours against
pristine's, and against the build VTOPO_BENCH_BEFORE names (the
qemu-system-x86_64 of an earlier commit) when it is set.  Not a test: it
asserts nothing about time, it reports."""

import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import vtopo_guest as vg

GEOMETRY = ("smp-cache.0.cache=l2,smp-cache.0.size=2M,smp-cache.0.ways=16,"
            "smp-cache.1.cache=l3,smp-cache.1.size=32M,smp-cache.1.ways=16")


# Runs of each QMP query on one QEMU: the first pays for warming caches.
QUERY_REPS = 9


def numa_args(smp, nodes):
    """-smp and -numa options for @smp vCPUs in @nodes nodes: a socket per
    node while there are vCPUs for it (nodes hold whole sockets, as the
    machine-init rules want), memory-only nodes after that."""
    if not nodes:
        return ["-smp", str(smp)]
    sockets = min(smp, nodes)
    args = ["-smp", "%d,sockets=%d" % (smp, sockets), "-m", "%dM" % (64 * nodes)]
    per = smp // sockets
    for i in range(nodes):
        args += ["-object", "memory-backend-ram,id=m%d,size=64M" % i]
        cpus = ",cpus=%d-%d" % (i * per, i * per + per - 1) if i < sockets else ""
        args += ["-numa", "node,nodeid=%d,memdev=m%d%s" % (i, i, cpus)]
    return args


# The log backend's line: "PID@SECONDS.MICROSECONDS:event" up to QEMU
# 10.0; with -msg timestamp=on QEMU 10.1 and later start it with the
# time as "YYYY-MM-DDTHH:MM:SS.UUUUUUZ " instead.
TRACE = re.compile(r"(?:@(\d+\.\d+):|(\d{4}-\d\d-\d\dT[\d:.]+)Z )"
                   r"vtopo_(?:acpi_check|fdt_check|pin_setup)_(begin|end)")


def trace_seconds(text):
    """The seconds between the begin and end trace points in @text."""
    stamps = {}
    for m in TRACE.finditer(text):
        if m.group(1):
            stamps[m.group(3)] = float(m.group(1))
        else:
            stamps[m.group(3)] = datetime.datetime.fromisoformat(
                m.group(2)).timestamp()
    if "begin" not in stamps or "end" not in stamps:
        raise SystemExit("bench: no begin/end trace points in %r" % text[:200])
    return stamps["end"] - stamps["begin"]


def qmp_ready(binary, smp, machine_opts, queries=(), nodes=0, trace=False,
              arch="x86_64", accel="tcg", smp_args=None, check=None):
    """Seconds from exec to QMP-ready, {query: [seconds of each run]}
    for the QMP commands of @queries, run in turn, each QUERY_REPS times,
    on that one QEMU, and with @trace the seconds between the trace
    points of the machine-init check (of the ACPI tables on x86, of the
    device tree on Arm; or @check)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "qmp")
        argv = [binary, "-S", "-display", "none", "-nodefaults", "-no-user-config",
                "-accel", accel, "-qmp", "unix:%s,server=on,wait=on" % path]
        if arch == "x86_64":
            argv += ["-L", os.path.join(vg.BUILD, "guest", "firmware"),
                     "-M", "q35" + machine_opts, "-cpu", "qemu64,+x2apic"]
            check = check or "vtopo_acpi_check_*"
        else:
            # GICv3, for more than 8 vCPUs; the device tree is checked
            argv += ["-M", "virt,gic-version=3" + machine_opts, "-cpu", "max"]
            check = "vtopo_fdt_check_*"
        argv += smp_args or numa_args(smp, nodes)
        if trace:
            argv += ["-msg", "timestamp=on", "-trace", check,
                     "-D", os.path.join(d, "trace")]
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        while not os.path.exists(path):
            if proc.poll() is not None:
                raise SystemExit("QEMU failed: %s" % proc.stderr.read().decode())
            time.sleep(0.001)
        qmp = None
        while qmp is None:
            try:
                qmp = vg.QMP(path, timeout=120)
            except (ConnectionRefusedError, FileNotFoundError):
                time.sleep(0.001)
        qmp.cmd("query-status")
        ready = time.perf_counter() - t0
        qtime = {q: [] for q in queries}
        for _ in range(QUERY_REPS if queries else 0):
            for q in queries:
                t1 = time.perf_counter()
                qmp.cmd(q)
                qtime[q].append(time.perf_counter() - t1)
        try:
            qmp.cmd("quit")
        except (vg.QemuError, OSError):
            pass
        proc.wait(timeout=60)
        check = None
        if trace:
            with open(os.path.join(d, "trace")) as f:
                check = trace_seconds(f.read())
        return ready, qtime, check


def pin_bench(reps):
    """vCPU pinning: planning + checking per vCPU on the 256-CPU fixture
    host, and startup with vcpu-affinity=auto against without."""
    ours = vg.qemu_binary()
    fixture = os.path.join(vg.BUILD, "host-fixtures", "amd-2s-256")
    host = "x-host-sysfs=" + fixture
    # The placement code alone: reading the host, planning, checking.
    print(subprocess.run([os.path.join(vg.BUILD, "tests", "vtopo", "bench-pin"),
                          fixture], capture_output=True, text=True,
                         check=True).stdout.rstrip())
    # Two nodes of 8 dies x 8 cores x 2 threads: a virtual die (one L3)
    # per host CCD.
    numa = ["-m", "256M"]
    for i in range(2):
        numa += ["-object", "memory-backend-ram,id=m%d,size=128M" % i,
                 "-numa", "node,nodeid=%d,memdev=m%d" % (i, i),
                 "-numa", "cpu,node-id=%d,socket-id=%d" % (i, i)]
    auto = ["-smp", "256,sockets=2,dies=8,cores=8,threads=2"] + numa
    manual = ",".join("vcpu-pin.%d.vcpu=%d,vcpu-pin.%d.host-cpu=%d" %
                      (i, i, i, i % 256) for i in range(1024))
    big = ["-smp", "1024,sockets=2,dies=8,cores=32,threads=2"] + numa
    print("%-6s %-34s %10s %8s %14s" % ("vCPUs", "pinning (256-CPU fixture host)",
                                       "median s", "ratio", "setup us/vCPU"))
    cases = [
        (256, "no pinning", "", auto),
        (256, "auto", ",vcpu-affinity=auto," + host, auto),
        (1024, "no pinning", "", big),
        (1024, "manual, 4 vCPUs per host CPU",
         ",vcpu-affinity=manual,pin-check=warn,%s,%s" % (host, manual), big),
    ]
    base = {}
    for n, name, placement, smp_args in cases:
        t, setup = [], []
        for _ in range(reps):
            r = qmp_ready(ours, n, placement, accel="tcg,thread=multi",
                          smp_args=smp_args,
                          trace="vcpu-affinity" in placement,
                          check="vtopo_pin_setup_*")
            t.append(r[0])
            if r[2] is not None:
                setup.append(r[2])
        m = statistics.median(t)
        base.setdefault(n, m)
        print("%-6d %-34s %10.4f %8.3f %14s" % (
            n, name, m, m / base[n],
            "%.3f" % (statistics.median(setup) / n * 1e6) if setup else "-"))
    # This machine: the real host, the affinity system calls applied.
    n = len(os.sched_getaffinity(0))
    t = {"no pinning": [], "auto": []}
    for _ in range(reps):
        for name, placement in (("no pinning", ""),
                                ("auto", ",vcpu-affinity=auto")):
            t[name].append(qmp_ready(ours, n, ",smp-cache.0.cache=l1d,"
                                     "smp-cache.0.size=32K" + placement,
                                     accel="tcg,thread=multi")[0])
    b = statistics.median(t["no pinning"])
    for name, runs in t.items():
        print("%-6d %-34s %10.4f %8.3f" % (n, name + " (this host)",
                                           statistics.median(runs),
                                           statistics.median(runs) / b))


def mirror_bench(reps):
    """mirror-host: startup with the one option against the same VM
    given as the options vtopo-plan prints, interleaved in one run, on
    the 256-CPU fixture host (and the planner alone, from bench-pin)."""
    ours = vg.qemu_binary()
    fixture = os.path.join(vg.BUILD, "host-fixtures", "amd-2s-256")
    print("%-6s %-34s %10s %8s" % ("vCPUs", "mirror-host (256-CPU fixture host)",
                                   "median s", "ratio"))
    for n in (16, 256):
        printed = subprocess.run(
            [os.path.join(vg.BUILD, "vtopo-plan"), "--vcpus", str(n), "--memory", "2G",
             "--host-sysfs", fixture, "--accel", "tcg,thread=multi"],
            capture_output=True, text=True, check=True).stdout.splitlines()
        i = printed.index("-accel")
        explicit = (printed[i + 1], printed[:i] + printed[i + 2:])
        mirror = ("tcg,thread=multi",
                  ["-smp", str(n), "-m", "2G", "-machine",
                   "mirror-host=on,x-host-sysfs=" + fixture])
        t = {"explicit options": [], "mirror-host=on": []}
        for _ in range(reps):
            for name, (accel, args) in (("explicit options", explicit),
                                        ("mirror-host=on", mirror)):
                t[name].append(qmp_ready(ours, n, "", accel=accel, smp_args=args)[0])
        base = statistics.median(t["explicit options"])
        for name, runs in t.items():
            print("%-6d %-34s %10.4f %8.3f" % (n, name, statistics.median(runs),
                                               statistics.median(runs) / base))


def migration_bench(reps):
    """The topology in the migration stream: downtime and total time of
    migrating a stopped 8-vCPU, two-node VM over a UNIX socket, as
    query-migrate on the source reports them (milliseconds); pristine QEMU on pc-q35-10.2 against ours on pc-q35-10.2
    (no topology in the stream) and on pc-q35-11.0 (with it),
    interleaved in one run."""
    firmware = ["-L", os.path.join(vg.BUILD, "guest", "firmware")]
    args = ["-smp", "8,sockets=2,cores=4", "-m", "512M"]
    for i in range(2):
        args += ["-object", "memory-backend-ram,id=m%d,size=256M" % i,
                 "-numa", "node,nodeid=%d,memdev=m%d,cpus=%d-%d" %
                 (i, i, 4 * i, 4 * i + 3)]
    variants = (("pristine pc-q35-10.2", vg.pristine_binary(), "pc-q35-10.2"),
                ("vtopo pc-q35-10.2", vg.qemu_binary(), "pc-q35-10.2"),
                ("vtopo pc-q35-11.0", vg.qemu_binary(), "pc-q35-11.0"))
    t = {name: [] for name, _, _ in variants}
    for _ in range(reps):
        for name, binary, machine in variants:
            vm_args = firmware + ["-M", machine] + args
            with vg.Vm("bench-mig-src", vm_args, memory=None, kernel=False,
                       binary=binary) as src, \
                 vg.Vm("bench-mig-dst", vm_args + ["-incoming", "defer"],
                       memory=None, kernel=False, binary=binary) as dst:
                # A UNIX socket: a TCP port found free may be taken.
                path = os.path.join(vg.BUILD, "guest-logs", "bench.migrate")
                if os.path.exists(path):
                    os.unlink(path)
                uri = "unix:" + path
                dst.qmp.cmd("migrate-incoming", uri=uri)
                src.qmp.cmd("migrate", uri=uri)
                deadline = time.monotonic() + 120
                while True:
                    info = src.qmp.cmd("query-migrate")
                    if (info.get("status") in ("completed", "failed",
                                               "cancelled") or
                            time.monotonic() > deadline):
                        break
                    time.sleep(0.05)
                if info["status"] != "completed":
                    raise RuntimeError("%s: %s" % (name, info))
                t[name].append((info["downtime"], info["total-time"]))
    print("%-28s %12s %8s %13s %8s" % ("migration (stopped VM)",
                                       "downtime ms", "ratio",
                                       "total ms", "ratio"))
    base = [statistics.median(r[k] for r in t[variants[0][0]])
            for k in (0, 1)]
    for name, runs in t.items():
        m = [statistics.median(r[k] for r in runs) for k in (0, 1)]
        print("%-28s %12.1f %8.3f %13.1f %8.3f" % (name, m[0], m[0] / base[0],
                                                   m[1], m[1] / base[1]))


def cpuid_loop_kernel(d):
    """The multiboot kernel of cpuid-loop.S, assembled into @d."""
    here = os.path.dirname(os.path.abspath(__file__))
    obj, elf = os.path.join(d, "cpuid-loop.o"), os.path.join(d, "cpuid-loop.elf")
    subprocess.run(["as", "--32", "-o", obj, os.path.join(here, "cpuid-loop.S")],
                   check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-Ttext=0x100000", "-e", "_start",
                    "-o", elf, obj], check=True)
    return elf


def cpuid_ticks(binary, machine, kernel):
    """The TSC ticks cpuid-loop.S reports on @machine with 1024 possible
    vCPUs, one of them present (SeaBIOS would start every present one,
    1023 APs under TCG, for a minute)."""
    argv = [binary, "-display", "none", "-nodefaults", "-no-user-config",
            "-accel", "tcg", "-L", os.path.join(vg.BUILD, "guest", "firmware"),
            "-M", machine, "-cpu", "Skylake-Server,level=0x1f",
            "-smp", "1,maxcpus=1024,sockets=4,cores=128,threads=2",
            "-m", "256M",
            "-kernel", kernel, "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=1"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    m = re.search(r"^([0-9a-f]{8})$", r.stdout, re.M)
    # isa-debug-exit: status (0 << 1) | 1
    if r.returncode != 1 or not m:
        raise SystemExit("bench: %s %s: exit %d, %r %r" % (
            binary, machine, r.returncode, r.stdout[-200:], r.stderr[-400:]))
    return int(m.group(1), 16)


def cpuid_bench(reps):
    """cpu_x86_cpuid() on leaves 0BH, 1FH and 04H at 1024 possible vCPUs: ticks of
    the guest's loop, medians and ratios against pristine on
    pc-q35-10.2, interleaved in one run."""
    variants = [("pristine pc-q35-10.2", vg.pristine_binary(), "pc-q35-10.2"),
                ("vtopo pc-q35-10.2", vg.qemu_binary(), "pc-q35-10.2"),
                ("vtopo pc-q35-11.0", vg.qemu_binary(), "pc-q35-11.0")]
    before = os.environ.get("VTOPO_BENCH_BEFORE")
    if before:
        variants += [("before pc-q35-10.2", before, "pc-q35-10.2"),
                     ("before pc-q35-11.0", before, "pc-q35-11.0")]
    ticks = {name: [] for name, _, _ in variants}
    with tempfile.TemporaryDirectory() as d:
        kernel = cpuid_loop_kernel(d)
        for _ in range(reps):
            for name, binary, machine in variants:
                ticks[name].append(cpuid_ticks(binary, machine, kernel))
    print("%-28s %14s %8s" % ("CPUID 0BH/1FH/04H, maxcpus=1024",
                              "ticks (1M)", "ratio"))
    base = statistics.median(ticks[variants[0][0]])
    for name, t in ticks.items():
        m = statistics.median(t)
        print("%-28s %14.1f %8.3f" % (name, m / 1e6, m / base))


def main():
    reps = int(os.environ.get("VTOPO_BENCH_REPS", "5"))
    sizes = [int(s) for s in os.environ.get("VTOPO_BENCH_SMP", "8,256,1024").split(",")]
    pristine, ours = vg.pristine_binary(), vg.qemu_binary()
    print("machine: %d CPUs, %s" % (os.cpu_count(), os.uname().release))
    if sys.argv[1:] == ["cpuid"]:
        cpuid_bench(reps)
        return 0
    print("%-6s %-28s %10s %8s" % ("vCPUs", "variant", "median s", "ratio"))
    for n in sizes:
        runs = {"pristine": [], "vtopo": [], "vtopo + cache geometry": []}
        for _ in range(reps):            # interleaved, so drift hits all alike
            runs["pristine"].append(qmp_ready(pristine, n, "")[0])
            runs["vtopo"].append(qmp_ready(ours, n, "")[0])
            runs["vtopo + cache geometry"].append(qmp_ready(ours, n, "," + GEOMETRY)[0])
        base = statistics.median(runs["pristine"])
        for name, t in runs.items():
            m = statistics.median(t)
            print("%-6d %-28s %10.4f %8.3f" % (n, name, m, m / base))
    # NUMA: startup ratio, and the ACPI table check per vCPU.
    print("%-6s %-6s %10s %10s %8s %14s" % ("vCPUs", "nodes", "pristine s", "vtopo s",
                                          "ratio", "check us/vCPU"))
    per_vcpu = {}
    numa_reps = int(os.environ.get("VTOPO_BENCH_NUMA_REPS", str(reps)))
    for nodes in (1, 4, 16):
        for n in sizes:
            base, ours_t, check = [], [], []
            for _ in range(numa_reps):
                base.append(qmp_ready(pristine, n, "", nodes=nodes)[0])
                r = qmp_ready(ours, n, "", nodes=nodes, trace=True)
                ours_t.append(r[0])
                check.append(r[2])
            per_vcpu[(nodes, n)] = statistics.median(check) / n
            print("%-6d %-6d %10.4f %10.4f %8.3f %14.3f" % (
                n, nodes, statistics.median(base), statistics.median(ours_t),
                statistics.median(ours_t) / statistics.median(base),
                per_vcpu[(nodes, n)] * 1e6))
        if 256 in sizes and 1024 in sizes:
            print("%-6s %-6d check per vCPU, 1024/256: %.2f (the whole check: %.2f)" % (
                "", nodes, per_vcpu[(nodes, 1024)] / per_vcpu[(nodes, 256)],
                4 * per_vcpu[(nodes, 1024)] / per_vcpu[(nodes, 256)]))
    # Arm virt: startup with the device tree (caches and the check) and
    # the device-tree check per vCPU.
    arm_sizes = [int(x) for x in os.environ.get("VTOPO_BENCH_ARM_SMP", "8,128,512").split(",")]
    print("%-6s %-6s %10s %10s %8s %14s" % ("vCPUs", "Arm", "pristine s", "vtopo s",
                                          "ratio", "DT check us/vCPU"))
    arm_check = {}
    for n in arm_sizes:
        base, ours_t, check = [], [], []
        for _ in range(reps):
            base.append(qmp_ready(vg.pristine_binary("aarch64"), n, "", arch="aarch64")[0])
            r = qmp_ready(vg.qemu_binary("aarch64"), n, "", trace=True, arch="aarch64")
            ours_t.append(r[0])
            check.append(r[2])
        arm_check[n] = statistics.median(check) / n
        print("%-6d %-6s %10.4f %10.4f %8.3f %14.3f" % (
            n, "virt", statistics.median(base), statistics.median(ours_t),
            statistics.median(ours_t) / statistics.median(base), arm_check[n] * 1e6))
    pin_bench(reps)
    mirror_bench(reps)
    migration_bench(reps)
    cpuid_bench(reps)
    # query-topology (nodes and caches) and query-topology-checks (which
    # reads the placement in place again) against QEMU's own per-vCPU
    # query on the same machine, end to end through the QMP socket.
    n = max(sizes)
    queries = ("query-topology", "query-topology-checks",
               "query-hotpluggable-cpus")
    q = qmp_ready(ours, n, "," + GEOMETRY, queries)[1]
    base = statistics.median(q[queries[-1]])
    for name in queries:
        m = statistics.median(q[name])
        print("%-6d %-28s %8.2f ms %8.3f" % (n, name, m * 1000, m / base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
