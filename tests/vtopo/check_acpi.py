# SPDX-License-Identifier: GPL-2.0-or-later
"""ACPI: the tables the guest read, disassembled by ACPICA's iasl -d (and
decoded by tests/vtopo/acpi-decode, which acpi-decode-iasl.py holds to
iasl), against query-topology and the tables machine init built."""

import hashlib
import os
import re
import subprocess
import tempfile

from check_model import LEVEL_KEYS, Result, cache_groups, cache_sharing_errors, model_groups
from vtopo_guest import BUILD, QemuError

IASL_INFO = re.compile(r"^(Intel ACPI Component Architecture|ASL\+ Optimizing|Copyright|"
                       r"File appears to be binary|Binary file appears to be a valid|"
                       r"Input file |ACPI: |Acpi Data Table \[|Formatted output:|\s*$)")


def iasl_decode(name, data):
    """Disassemble the ACPI table @data with ACPICA's `iasl -d`:
    (subtables, problems).  Each subtable is a dict of the fields iasl
    prints (decoded flag bits included) plus "_offset", "_type" and a
    "Private Resource" list; the first, of _type "header", holds the
    fields before any subtable.  problems are iasl's errors and
    warnings."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name + ".dat")
        with open(path, "wb") as f:
            f.write(data)
        p = subprocess.run(["iasl", "-d", path], cwd=d, capture_output=True,
                           text=True, timeout=60)
        problems = [l for l in (p.stdout + p.stderr).splitlines() if not IASL_INFO.match(l)]
        if p.returncode:
            problems.append("iasl exited with %d" % p.returncode)
        dsl_path = os.path.join(d, name + ".dsl")
        dsl = open(dsl_path).read() if os.path.exists(dsl_path) else ""
    cur = {"_offset": 0, "_type": "header", "Private Resource": []}
    subtables = [cur]
    for line in dsl.splitlines():
        if re.search(r"\*\*\*\*|Unknown|Invalid|Error|Warning", line):
            problems.append(line.strip())
        m = re.match(r"\[([0-9A-F]+)h \d+ +\d+\]\s+(.+?) : (.*)$", line)
        if m:
            off, field, value = int(m.group(1), 16), m.group(2).strip(), m.group(3).strip()
            if field == "Subtable Type":
                cur = {"_offset": off, "_type": value, "Private Resource": []}
                subtables.append(cur)
            elif cur is not None and field == "Private Resource":
                cur[field].append(int(value, 16))
            elif cur is not None:
                cur[field] = value
            continue
        m = re.match(r"\s+(\S.*?) : (\S+)$", line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(2)
    return subtables, problems


def hexval(text):
    return int(text.split()[0], 16)


def acpi_decode(name, data):
    """Records of build/tests/vtopo/acpi-decode for table @data:
    [(kind, {field: int, "resources": [int]})], or raises QemuError with
    its reason.  A field the table does not have ("-") is left out."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        p = subprocess.run([os.path.join(BUILD, "tests", "vtopo", "acpi-decode"), path],
                           capture_output=True, text=True, timeout=60)
    if p.returncode:
        raise QemuError(p.stderr.strip())
    out = []
    for line in p.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        fields = {}
        for kv in rest.split():
            k, v = kv.split("=", 1)
            if k == "resources":
                fields[k] = [int(r, 16) for r in v.split(",") if r]
            elif v != "-":
                fields[k] = int(v, 0)
        out.append((kind, fields))
    return out


def compare_emitted(topo, view):
    """The topology tables the guest read (/sys/firmware/acpi/tables)
    are byte for byte those query-topology says machine init built."""
    raw = view["acpi_raw"]
    want = {t["signature"]: t["sha256"] for t in topo["acpi-tables"]}
    got = {name: hashlib.sha256(data).hexdigest() for name, data in raw.items()}
    return [Result("the guest's MADT/SRAT/SLIT/PPTT/HMAT are the tables "
                   "query-topology-checks reports (SHA-256)", bool(want) and got == want,
                   "guest %s, QEMU %s" % (sorted(got.items()), sorted(want.items())))]


def compare_acpi(topo, view):
    """MADT, SRAT and SLIT as the guest read them (decoded by acpi-decode,
    which agrees with ACPICA on QEMU's tables) against query-topology:
    every possible vCPU in the MADT with its arch id, enabled exactly when
    present, with the UID of its possible-CPU index; every processor in
    the SRAT with its node; the SLIT equal to the distances."""
    results = []
    raw = view["acpi_raw"]
    if "APIC" not in raw:
        return results
    try:
        madt = acpi_decode("APIC", raw["APIC"])
        srat = acpi_decode("SRAT", raw["SRAT"]) if "SRAT" in raw else []
        slit = acpi_decode("SLIT", raw["SLIT"]) if "SLIT" in raw else []
    except QemuError as e:
        return [Result("the guest's MADT, SRAT and SLIT decode", False, str(e))]
    want = {i: (v["arch-id"], int(v["present"])) for i, v in enumerate(topo["vcpus"])}
    got = {r["uid"]: (r["id"], r["enabled"]) for k, r in madt if k == "madt-cpu"}
    results.append(Result("MADT: every possible vCPU, UID = index, enabled = present",
                          got == want, "MADT %s, QEMU %s" % (sorted(got.items())[:8],
                                                             sorted(want.items())[:8])))
    if topo["numa-nodes"]:
        node_of = {v["arch-id"]: v["props"].get("node-id") for v in topo["vcpus"]}
        got = {r["id"]: r["node"] for k, r in srat if k == "srat-cpu"}
        # Arm: GICC affinity entries name the processor UID (the index).
        got.update({topo["vcpus"][r["uid"]]["arch-id"]: r["node"]
                    for k, r in srat if k == "srat-gicc" and r["uid"] < len(topo["vcpus"])})
        results.append(Result("SRAT: every vCPU's arch id in its node",
                              got == node_of, "SRAT %s, QEMU %s" % (
                                  sorted(got.items())[:8], sorted(node_of.items())[:8])))
    if slit:
        n = len(topo["numa-nodes"])
        got = [[0] * n for _ in range(n)]
        for k, r in slit:
            if r["from"] < n and r["to"] < n:
                got[r["from"]][r["to"]] = r["distance"]
        want = [node.get("distances") for node in topo["numa-nodes"]]
        results.append(Result("SLIT: the configured distances", got == want,
                              "SLIT %s, QEMU %s" % (got, want)))
    return results


def compare_iasl(view):
    """ACPICA's iasl disassembles every topology table the guest read
    (MADT, SRAT, SLIT, PPTT, HMAT) without errors or warnings."""
    problems = []
    for name, data in sorted(view["acpi_raw"].items()):
        _, p = iasl_decode(name, data)
        problems += ["%s: %s" % (name, x) for x in p]
    return [Result("iasl disassembles %s without errors or warnings" %
                   ", ".join(sorted(view["acpi_raw"])),
                   bool(view["acpi_raw"]) and not problems, "; ".join(problems[:6]))]


def compare_pptt(topo, view):
    """Check the PPTT the guest read, as ACPICA's iasl disassembles it,
    against query-topology: iasl finds nothing wrong; leaves are the MADT
    processor UIDs; every level's nodes group the vCPUs as the model does;
    each cache reached from a leaf has the model's geometry and is shared
    by the model's vCPUs."""
    results = []
    if "PPTT" not in view["acpi_raw"]:
        return results
    pptt, _ = iasl_decode("PPTT", view["acpi_raw"]["PPTT"])
    madt, _ = iasl_decode("APIC", view["acpi_raw"].get("APIC", b""))
    # MADT: processor UID -> APIC ID (Local APIC and Local x2APIC entries).
    uid_apic = {}
    for t in madt:
        if "Processor x2Apic ID" in t:
            uid_apic[hexval(t["Processor UID"])] = hexval(t["Processor x2Apic ID"])
        elif "Local Apic ID" in t:
            uid_apic[hexval(t["Processor ID"])] = hexval(t["Local Apic ID"])
        elif "ARM MPIDR" in t:
            uid_apic[hexval(t["Processor UID"])] = hexval(t["ARM MPIDR"])
    nodes = {t["_offset"]: t for t in pptt if t["_type"].startswith("00")}
    caches = {t["_offset"]: t for t in pptt if t["_type"].startswith("01")}
    leaves = {hexval(t["ACPI Processor ID"]): t for t in nodes.values()
              if t.get("Node is a leaf") == "1"}
    results.append(Result("PPTT leaves are the MADT processors (ACPI Processor ID = UID)",
                          bool(leaves) and set(leaves) == set(uid_apic),
                          "PPTT %s, MADT %s" % (sorted(leaves), sorted(uid_apic))))
    if not leaves or set(leaves) != set(uid_apic):
        return results

    def chain(node):
        out = [node]
        while hexval(out[-1]["Parent"]):
            out.append(nodes[hexval(out[-1]["Parent"])])
        return out
    # The guest runs the present vCPUs: compare their chains (absent ones
    # are described too, and the MADT check covers them).
    present = {v["arch-id"] for v in topo["vcpus"] if v["present"]}
    chains = {uid_apic[u]: chain(n) for u, n in leaves.items() if uid_apic[u] in present}

    # Levels: the package, every level with more than one domain, the core.
    count = {l["level"]: l["count"] for l in topo["levels"]}
    levels = ["socket"] + [l for l in ("die", "cluster", "module")
                           if count.get(l, 1) > 1] + ["core"]
    if count.get("thread", 1) > 1:
        levels.append("thread")
    groups_of = {l: model_groups(topo, l) for l in levels}
    # A cache that follows the NUMA nodes: a node for each node's part of
    # a domain, under the innermost listed level that holds whole domains
    for c in topo.get("caches", []):
        if c.get("per-node"):
            parent = [l for l in levels
                      if LEVEL_KEYS.index(l) <= LEVEL_KEYS.index(c["topology"])][-1]
            name = "%s and NUMA node" % c["topology"]
            levels.insert(levels.index(parent) + 1, name)
            groups_of[name] = cache_groups(topo, c)
    bad = []
    for apic, c in chains.items():
        if len(c) != len(levels):
            bad.append("APIC ID %d: %d levels, model %s" % (apic, len(c), levels))
        elif c[-1].get("Physical package") != "1" or \
                (levels[-1] == "thread") != (c[0].get("Processor is a thread") == "1"):
            bad.append("APIC ID %d: package/thread flags wrong" % apic)
    arch = {a for a in chains}
    for depth, level in enumerate(reversed(levels[:-1]), 1):
        want = groups_of[level]
        for apic, c in chains.items():
            if len(c) <= depth or apic not in want:
                continue
            got = {a for a, o in chains.items() if len(o) > depth and o[depth] is c[depth]}
            if got != want[apic]:
                bad.append("%s of APIC ID %d: PPTT %s, model %s" % (
                    level, apic, sorted(got), sorted(want[apic])))
                break
    results.append(Result("PPTT hierarchy (levels, flags, grouping) matches the model (%s)"
                          % ",".join(levels), bool(not bad and arch), "; ".join(bad[:4])))

    # Caches, found the way Linux's drivers/acpi/pptt.c finds them: from
    # the leaf up, each node's private caches and their Next Level of
    # Cache chains continue the levels counted below that node.
    if topo.get("caches"):
        want = {c["cache"]: c for c in topo["caches"]}
        types = {"l1d": ("0",), "l1i": ("1",), "l2": ("2", "3"), "l3": ("2", "3")}
        bad, holders = set(), {}

        def walk(c, match):
            """(first cache for which match(level, cache), levels counted)"""
            below = 0
            for node in c:
                deepest = below
                for r in node["Private Resource"]:
                    t, level = caches.get(r), below
                    while t:
                        level += 1
                        if match(level, t):
                            return t, level
                        t = caches.get(hexval(t["Next Level of Cache"]))
                    deepest = max(deepest, level)
                below = deepest
            return None, below

        deepest_level = max(int(name[1]) for name in want)
        for apic, c in chains.items():
            _, levels_seen = walk(c, lambda level, t: False)
            if levels_seen != deepest_level:
                bad.add("APIC ID %d: Linux counts %d cache levels, model %d" % (
                    apic, levels_seen, deepest_level))
            found = {}
            for name in want:
                t, _ = walk(c, lambda level, t: level == int(name[1]) and
                            t.get("Cache Type") in types[name])
                if t:
                    found[name] = t
            if set(found) != set(want):
                bad.add("APIC ID %d: PPTT caches %s, model %s" % (apic, sorted(found), sorted(want)))
            for name, t in found.items():
                m = want.get(name)
                if not m:
                    continue
                got = (hexval(t["Size"]), hexval(t["Number of Sets"]),
                       hexval(t["Associativity"]), hexval(t["Line Size"]))
                exp = (m["size"], m["sets"], m["ways"], m["line-size"])
                if got != exp:
                    bad.add("%s: PPTT size/sets/ways/line %s, model %s" % (name, got, exp))
                holders.setdefault((name, t["_offset"]), set()).add(apic)
        bad |= cache_sharing_errors(topo, want, holders, "PPTT")
        results.append(Result("PPTT caches (geometry, chains, sharing) match the model",
                              not bad, "; ".join(sorted(bad)[:4])))
        if any("ARM MPIDR" in t for t in madt):
            results.append(compare_pptt_cache_ids(view, want, holders))
    return results


# The guest's sysfs cache (level, type) of each model cache.
SYSFS_CACHE = {"l1d": ("1", "Data"), "l1i": ("1", "Instruction"),
               "l2": ("2", "Unified"), "l3": ("3", "Unified")}


def compare_pptt_cache_ids(view, want, holders):
    """An arm64 guest's sysfs cache "id" is the PPTT Cache ID Linux read
    (drivers/acpi/pptt.c, the Cache ID valid flag set): each id the guest
    shows is the ID of a PPTT cache its walk found, one per cache; and
    ACPI 6.4 (5.2.29.2, Cache Type Structure) wants it non-zero and
    unique.  The table's IDs come from acpi-decode, the ids from Linux."""
    ids = {r["offset"]: (r["flags"] >> 7 & 1, r.get("id"))
           for k, r in acpi_decode("PPTT", view["acpi_raw"]["PPTT"])
           if k == "pptt-cache"}
    bad = []
    table = {}
    for (name, offset), apics in holders.items():
        valid, cache_id = ids.get(offset, (0, None))
        if not valid or not cache_id:
            bad.append("%s at 0x%x: Cache ID %s, valid flag %d" %
                       (name, offset, cache_id, valid))
        table.setdefault(name, []).append(cache_id)
    seen = [i for got in table.values() for i in got]
    if len(seen) != len(set(seen)):
        bad.append("a Cache ID names two caches: %s" % sorted(table.items()))
    for name in want:
        level, kind = SYSFS_CACHE[name]
        by_id = {}
        for c in view["caches"]:
            if c["level"] == level and c["type"] == kind:
                by_id.setdefault(c["id"], set()).add(c["shared"])
        if sorted(by_id) != sorted(str(i) for i in table.get(name, [])):
            bad.append("%s: sysfs ids %s, PPTT Cache IDs %s" %
                       (name, sorted(by_id), sorted(table.get(name, []))))
        bad += ["%s id %s: shared by %s" % (name, i, sorted(s))
                for i, s in by_id.items() if len(s) != 1]
    return Result("PPTT Cache IDs are the guest's sysfs cache ids, "
                  "non-zero and one per cache", bool(holders) and not bad,
                  "; ".join(bad[:4]))
