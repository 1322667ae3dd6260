#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Startup benchmark: time from exec to a QMP-ready machine (-S, after
qmp_capabilities and one query-status) for pristine QEMU and ours, same
base and options, interleaved in one run; prints medians and ratios.
Also the latency of query-topology on the largest machine.  Not a test:
it asserts nothing about time, it reports."""

import os
import socket
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


def qmp_ready(binary, smp, machine_opts, queries=()):
    """Seconds from exec to QMP-ready, and {query: [seconds of each run]}
    for the QMP commands of @queries, run in turn, each QUERY_REPS times,
    on that one QEMU."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "qmp")
        argv = [binary, "-S", "-display", "none", "-nodefaults", "-no-user-config",
                "-L", os.path.join(vg.BUILD, "guest", "firmware"),
                "-M", "q35" + machine_opts, "-cpu", "qemu64,+x2apic",
                "-smp", str(smp), "-accel", "tcg",
                "-qmp", "unix:%s,server=on,wait=on" % path]
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
        return ready, qtime


def main():
    reps = int(os.environ.get("VTOPO_BENCH_REPS", "5"))
    sizes = [int(s) for s in os.environ.get("VTOPO_BENCH_SMP", "8,256,1024").split(",")]
    pristine, ours = vg.pristine_binary(), vg.qemu_binary()
    print("machine: %d CPUs, %s" % (os.cpu_count(), os.uname().release))
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
    # query-topology against QEMU's own per-vCPU query on the same
    # machine (both list every vCPU), end to end through the QMP socket.
    n = max(sizes)
    queries = ("query-topology", "query-hotpluggable-cpus")
    q = qmp_ready(ours, n, "," + GEOMETRY, queries)[1]
    base = statistics.median(q[queries[1]])
    for name in queries:
        m = statistics.median(q[name])
        print("%-6d %-28s %8.2f ms %8.3f" % (n, name, m * 1000, m / base))
    return 0


if __name__ == "__main__":
    sys.exit(main())
