# SPDX-License-Identifier: GPL-2.0-or-later
"""The device tree the Arm guest booted with, decompiled by dtc, against
query-topology."""

import os
import re
import subprocess
import tempfile

from check_model import Result, cache_sharing_errors, model_groups


def dtc_decode(dtb):
    """Decompile @dtb with dtc: ({node path: {property: value}}, problems),
    a value being a list of cells, a string, or True for an empty
    property; problems are dtc's warnings and errors."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "guest.dtb")
        with open(path, "wb") as f:
            f.write(dtb)
        p = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", path],
                           capture_output=True, text=True, timeout=60)
    problems = [l for l in p.stderr.splitlines() if l.strip()]
    if p.returncode:
        problems.append("dtc exited with %d" % p.returncode)
    nodes, stack = {}, []
    for line in p.stdout.splitlines():
        line = line.strip()
        m = re.match(r"^(?:[\w-]+: )?([^\s=]+) \{$", line)
        if m:
            stack.append(m.group(1))
            nodes["/" + "/".join(stack[1:])] = {}
            continue
        if line == "};":
            stack.pop()
            continue
        m = re.match(r"^([^\s=]+)(?: = (.*))?;$", line)
        if m and stack:
            value = m.group(2)
            if value is None:
                value = True
            elif value.startswith("<"):
                value = [int(x, 0) for x in value.strip("<>").split()]
            else:
                value = value.strip('"')
            nodes["/" + "/".join(stack[1:])][m.group(1)] = value
    return nodes, problems


def compare_dt(topo, view):
    """The device tree the guest booted with (/sys/firmware/fdt), as dtc
    decompiles it, against query-topology: dtc finds nothing wrong; every
    present vCPU has a node with its MPIDR and node; cpu-map groups the
    vCPUs as the model's sockets, clusters and cores; the L1 properties
    and the caches reached through next-level-cache have the model's
    geometry and are shared by the model's vCPUs; the distance-map holds
    the distances."""
    if not view.get("fdt"):
        return []
    nodes, problems = dtc_decode(view["fdt"])
    results = [Result("dtc decompiles the guest's device tree without warnings",
                      bool(nodes) and not problems, "; ".join(problems[:6]))]
    by_phandle = {n["phandle"][0]: (path, n) for path, n in nodes.items() if "phandle" in n}
    cpus = {n["reg"][-1]: (path, n) for path, n in nodes.items()
            if n.get("device_type") == "cpu"}
    present = {v["arch-id"]: v for v in topo["vcpus"] if v["present"]}
    results.append(Result("device tree: a CPU node per present vCPU, reg = MPIDR",
                          set(cpus) == set(present),
                          "DT %s, QEMU %s" % (sorted(cpus), sorted(present))))
    if set(cpus) != set(present):
        return results
    if topo["numa-nodes"]:
        bad = ["%s: numa-node-id %s, QEMU %s" % (path, n.get("numa-node-id"),
                                                   present[a]["props"].get("node-id"))
               for a, (path, n) in cpus.items()
               if n.get("numa-node-id") != [present[a]["props"].get("node-id")]]
        results.append(Result("device tree: numa-node-id of every CPU", not bad,
                              "; ".join(bad[:4])))
        want = [n.get("distances") for n in topo["numa-nodes"]]
        if all(want):
            cells = nodes.get("/distance-map", {}).get("distance-matrix", [])
            got = [[0] * len(want) for _ in want]
            for i in range(0, len(cells) - 2, 3):
                if cells[i] < len(want) and cells[i + 1] < len(want):
                    got[cells[i]][cells[i + 1]] = cells[i + 2]
            results.append(Result("device tree: distance-map holds the distances",
                                  got == want, "DT %s, QEMU %s" % (got, want)))
    # cpu-map: the path of each CPU's entry, socketN/clusterN/coreN[/threadN]
    where = {}
    for path, n in nodes.items():
        if path.startswith("/cpus/cpu-map/") and "cpu" in n:
            cpu_path = by_phandle.get(n["cpu"][0], (None,))[0]
            where[cpu_path] = path.split("/")[3:]
    bad = []
    for depth, level in enumerate(("socket", "cluster", "core")):
        want = model_groups(topo, level)
        for a, (path, _) in cpus.items():
            got = {b for b, (p2, _) in cpus.items()
                   if where.get(p2, [])[:depth + 1] == where.get(path, [None])[:depth + 1]}
            if got != want.get(a):
                bad.append("%s of MPIDR 0x%x: cpu-map %s, QEMU %s" % (
                    level, a, sorted(got), sorted(want.get(a, ()))))
                break
    results.append(Result("device tree: cpu-map groups the vCPUs by socket, cluster, core",
                          not bad, "; ".join(bad)))
    if topo.get("caches"):
        want = {c["cache"]: c for c in topo["caches"]}
        bad, holders = set(), {}
        for a, (path, n) in cpus.items():
            found = {}
            for name, prefix in (("l1d", "d-cache"), ("l1i", "i-cache")):
                if prefix + "-size" in n:
                    found[name] = (path + ":" + prefix, n[prefix + "-size"][0],
                                   n.get(prefix + "-sets", [0])[0],
                                   n.get(prefix + "-line-size", [0])[0])
            nxt, seen = n.get("next-level-cache"), 0
            while nxt and seen < 8:
                cpath, c = by_phandle.get(nxt[0], (None, {}))
                level = c.get("cache-level", [0])[0]
                found["l%d" % level] = (cpath, c.get("cache-size", [0])[0],
                                        c.get("cache-sets", [0])[0],
                                        c.get("cache-line-size", [0])[0])
                nxt, seen = c.get("next-level-cache"), seen + 1
            if set(found) != set(want):
                bad.add("MPIDR 0x%x: DT caches %s, QEMU %s" % (a, sorted(found), sorted(want)))
            for name, (cpath, size, sets, line) in found.items():
                m = want.get(name)
                if m and (size, sets, line) != (m["size"], m["sets"], m["line-size"]):
                    bad.add("%s: DT size/sets/line %s, QEMU %s" % (
                        name, (size, sets, line), (m["size"], m["sets"], m["line-size"])))
                if m and not name.startswith("l1"):
                    holders.setdefault((name, cpath), set()).add(a)
        bad |= cache_sharing_errors(topo, want, holders, "the DT")
        results.append(Result("device tree caches (L1 properties, next-level-cache "
                              "nodes: geometry and sharing) match the model",
                              not bad, "; ".join(sorted(bad)[:4])))
    return results


# hwloc's object types for query-topology's caches and Linux's.
