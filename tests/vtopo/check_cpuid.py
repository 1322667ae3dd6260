# SPDX-License-Identifier: GPL-2.0-or-later
"""x86 CPUID, as every guest CPU read it (the guest's static dumper),
against query-topology: x2APIC IDs, the levels and shifts of leaves 0xB
and 0x1F, the cache leaves and AMD's Fn8000_0008/Fn8000_001E."""

import os
import subprocess

from check_model import Result, id_bits
from vtopo_guest import BUILD, QemuError


def decode_cpuid(view):
    """The guest's CPUID dump, decoded by build/tests/vtopo/cpuid-decode:
    ({cpu: topo record}, {cpu: [cache records]}, {cpu: amd record})."""
    dump = "".join("cpuid %s\n" % " ".join("%s=%s" % kv for kv in c.items())
                   for c in view["cpuid"])
    p = subprocess.run([os.path.join(BUILD, "tests", "vtopo", "cpuid-decode")],
                       input=dump, capture_output=True, text=True, timeout=60)
    if p.returncode:
        raise QemuError("cpuid-decode: " + p.stderr.strip())
    topo, caches, amd = {}, {}, {}
    for line in p.stdout.splitlines():
        kind, _, rest = line.partition(" ")
        fields = dict(tok.split("=", 1) for tok in rest.split())
        if kind == "topo":
            topo[int(fields["cpu"])] = fields
        elif kind == "cache":
            caches.setdefault(int(fields["cpu"]), []).append(fields)
        elif kind == "amd":
            amd[int(fields["cpu"])] = fields
    return topo, caches, amd


def compare_cpuid(topo, view):
    """Check the decoded CPUID of every CPU against query-topology."""
    results = []
    dtopo, dcaches, damd = decode_cpuid(view)
    count = {l["level"]: l["count"] for l in topo["levels"]}
    w = {l: id_bits(count.get(l, 1)) for l in ("thread", "core", "module", "die")}
    offset = {"thread": 0, "core": w["thread"], "module": w["thread"] + w["core"],
              "die": w["thread"] + w["core"] + w["module"],
              "socket": w["thread"] + w["core"] + w["module"] + w["die"]}
    arch = {v["arch-id"] for v in topo["vcpus"] if v["present"]}
    ids = {int(t["x2apic"]) for t in dtopo.values() if t["x2apic"] != "-"}
    results.append(Result("CPUID x2APIC IDs (0xB/0x1F EDX) are the vCPUs' arch ids",
                          ids == arch, "CPUID %s, QEMU %s" % (sorted(ids), sorted(arch))))

    bad = set()
    for cpu, t in dtopo.items():
        if t["leaf"] == "-":
            continue
        if t["leaf"] == "0x1f":
            want = ["smt:%d" % offset["core"], "core:%d" % offset["module"]]
            if count.get("module", 1) > 1:
                want.append("module:%d" % offset["die"])
            if count.get("die", 1) > 1:
                want.append("die:%d" % offset["socket"])
        else:
            want = ["smt:%d" % offset["core"], "core:%d" % offset["socket"]]
        if t["levels"] != ",".join(want):
            bad.add("leaf %s: CPUID %s, -smp %s" % (t["leaf"], t["levels"], ",".join(want)))
    results.append(Result("CPUID topology levels and shifts (0xB/0x1F) match -smp",
                          not bad and dtopo, "; ".join(sorted(bad))))

    # AMD: Fn0000_0001 LogicalProcessorCount, Fn8000_0008 NC and
    # ApicIdSize, Fn8000_001E ThreadsPerComputeUnit (all saturating).
    if damd:
        threads = 1
        for l in ("thread", "core", "module", "die"):
            threads *= count.get(l, 1)
        want = {"logical": min(threads, 255) if threads > 1 else 0,
                "nc": min(threads - 1, 255),
                "apic_id_size": offset["socket"] if threads > 1 else 0,
                "threads_per_core": count.get("thread", 1)}
        bad = set()
        for cpu, a in damd.items():
            for k, v in want.items():
                if a[k] != "-" and int(a[k]) != v:
                    bad.add("%s: CPUID %s, -smp %d" % (k, a[k], v))
                elif a[k] == "-" and k == "threads_per_core" and v > 1:
                    bad.add("no Fn8000_001E with %d threads per core" % v)
        results.append(Result("CPUID AMD topology (0x1, 0x80000008, 0x8000001E) matches -smp",
                              not bad, "; ".join(sorted(bad))))

    if dcaches:
        want = {c["cache"]: c for c in topo["caches"]}
        key = {("1", "data"): "l1d", ("1", "instruction"): "l1i",
               ("2", "unified"): "l2", ("3", "unified"): "l3"}
        bad = set()
        for cpu, cl in dcaches.items():
            for c in cl:
                k = key.get((c["level"], c["type"]))
                m = want.get(k)
                if not m:
                    bad.add("CPUID describes %s, QEMU has none" % k)
                    continue
                got = (int(c["size"]), int(c["ways"]), int(c["line"]), int(c["sets"]),
                       int(c["sharing_ids"]))
                exp = (m["size"], m["ways"], m["line-size"], m["sets"],
                       1 << offset[m["sharing"]])
                if got != exp:
                    bad.add("%s: CPUID size/ways/line/sets/sharing-ids %s, model %s" % (k, got, exp))
        results.append(Result("CPUID cache leaves (4/0x8000001D) match the model",
                              not bad, "; ".join(sorted(bad))))
    return results


# Lines of `iasl -d` that only report progress.
