# SPDX-License-Identifier: GPL-2.0-or-later
"""x86 CPUID, as every guest CPU read it (the guest's static dumper),
against query-topology: x2APIC IDs, the levels and shifts of leaves 0xB
and 0x1F, the cache leaves and AMD's Fn8000_0008/Fn8000_001E."""

import os
import subprocess

from check_model import Result, cache_groups, groups_by_key, id_bits, size_bytes
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
        # A cache that follows the nodes: the x2APIC IDs that share it, by
        # the guest's rule (ID >> bits of the sharing count)
        node_key = {}
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
                       1 << offset[m["topology"]])
                if m.get("per-node"):
                    apic = int(dtopo[cpu]["x2apic"])
                    node_key.setdefault(k, {})[apic] = \
                        apic >> id_bits(int(c["sharing_ids"]))
                    got, exp = got[:4], exp[:4]
                if got != exp:
                    bad.add("%s: CPUID size/ways/line/sets/sharing-ids %s, model %s" % (k, got, exp))
        for k, apic_key in node_key.items():
            groups = groups_by_key(apic_key)
            model = cache_groups(topo, want[k])
            if any(groups[a] != model.get(a) for a in apic_key):
                bad.add("%s: CPUID shares it among %s, model per %s and NUMA node: %s" % (
                    k, sorted({tuple(sorted(v)) for v in groups.values()}),
                    want[k]["topology"],
                    sorted({tuple(sorted(v)) for v in model.values()})))
        results.append(Result("CPUID cache leaves (4/0x8000001D) match the model",
                              not bad, "; ".join(sorted(bad))))
    else:
        # No deterministic cache leaf is right only for an AMD model
        # without TopologyExtensions (APM: Fn8000_0001 ECX[22]), whose
        # guest reads the legacy Fn8000_0005/6 (checked apart).
        ext = [c for c in view["cpuid"] if int(c["cpu"]) == 0 and
               int(c["leaf"], 0) == 0x80000001 and int(c["sub"], 0) == 0]
        topoext = bool(ext) and bool(int(ext[0]["ecx"], 0) & (1 << 22))
        amd = bool(damd) or any(int(c["leaf"], 0) == 0 and
                                int(c["ebx"], 0) == 0x68747541
                                for c in view["cpuid"])
        results.append(Result(
            "CPUID has cache leaves, or is AMD without TopologyExtensions",
            bool(amd and ext and not topoext),
            "the guest's CPUID dump has no leaf 4 / Fn8000_001D cache "
            "(AMD %s, Fn8000_0001 %s)" % (amd, ext[:1])))
    return results


# AMD APM vol. 3, CPUID Fn8000_0006 L2Assoc/L3Assoc: the code for each
# count of ways (9h, "see Fn8000_001D", and Fh, fully
# associative, are never the answer for a set-associative cache).  Intel's
# SDM vol. 2A (CPUID 80000006H ECX[15:12]) has the same codes but reserves
# 3h and 5h.  Linux reads 3h and 5h since 6.16 (d02c83d75f9f).
LEGACY_ASSOC = {1: 0x1, 2: 0x2, 3: 0x3, 4: 0x4, 6: 0x5, 8: 0x6, 16: 0x8,
                32: 0xA, 48: 0xB, 64: 0xC, 96: 0xD, 128: 0xE}
INTEL_RESERVED_ASSOC = (0x3, 0x5)


def legacy_assoc(ways, intel):
    code = LEGACY_ASSOC.get(ways)
    return None if intel and code in INTEL_RESERVED_ASSOC else code


def field(value, lo, width):
    return (value >> lo) & ((1 << width) - 1)


def legacy_cache_leaves(regs):
    """The caches CPUID Fn8000_0005 ECX/EDX and Fn8000_0006 ECX/EDX
    describe (AMD APM vol. 3), as {(level, type): (size, assoc, line)};
    the L1 associativity is the way count itself."""
    out = {}
    l1 = regs.get(0x80000005)
    if l1:
        for reg, kind in ((l1[2], "Data"), (l1[3], "Instruction")):
            if field(reg, 24, 8):
                out[("1", kind)] = (field(reg, 24, 8) << 10, field(reg, 16, 8),
                                    field(reg, 0, 8))
    l2 = regs.get(0x80000006)
    if l2:
        if field(l2[2], 16, 16):
            out[("2", "Unified")] = (field(l2[2], 16, 16) << 10, field(l2[2], 12, 4),
                                     field(l2[2], 0, 8))
        if field(l2[3], 18, 14):
            out[("3", "Unified")] = (field(l2[3], 18, 14) << 19, field(l2[3], 12, 4),
                                     field(l2[3], 0, 8))
    return out


# CPUID leaf 0 EBX of Intel's vendor string, "Genu".
GENUINE_INTEL_EBX = 0x756e6547


def compare_legacy_cache_leaves(view):
    """Fn8000_0005 and Fn8000_0006, which software reads whatever the
    vendor (glibc on AMD, Linux for /proc/cpuinfo's "cache size"),
    describe the caches Linux shows in sysfs: from machine type 10.1 on,
    every cache leaf describes one set of caches.  On Intel, where the
    SDM reserves all of them but 80000006H ECX (the L2), the reserved
    registers are 0.  CPU 0's leaves against CPU 0's sysfs caches."""
    regs = {}
    for c in view["cpuid"]:
        if int(c["cpu"]) == 0 and int(c["sub"], 0) == 0:
            regs[int(c["leaf"], 0)] = [int(c[r], 0) for r in ("eax", "ebx", "ecx", "edx")]
    if max(regs, default=0) < 0x80000006:
        return []
    intel = regs[0][1] == GENUINE_INTEL_EBX
    bad = []
    if intel:
        reserved = regs[0x80000005] + [regs[0x80000006][i] for i in (0, 1, 3)]
        if any(reserved):
            bad.append("Intel: reserved 80000005H EAX-EDX, 80000006H EAX/EBX/EDX "
                       "are %s" % " ".join("%08x" % r for r in reserved))
        regs[0x80000006] = [0, 0, regs[0x80000006][2], 0]
    described = legacy_cache_leaves(regs)
    l1_double = []
    for cache in view["caches"]:
        if cache["cpu"] != "0" or (intel and cache["level"] != "2"):
            continue
        key = (cache["level"], cache["type"])
        size, ways, line = size_bytes(cache["size"]), int(cache["ways"]), int(cache["line"])
        want = (size, ways if cache["level"] == "1" else legacy_assoc(ways, intel),
                line)
        got = described.pop(key, None)
        if (got is not None and cache["level"] == "1" and got[0] == want[0]
                and got[2] == want[2] and 2 * got[1] == want[1]):
            # sysfs has twice the ways CPUID gives: Linux before 6.16
            # misreads Fn8000_0005's L1 count (d274cde0dbe0).
            l1_double.append("L1 %s: CPUID %d ways, sysfs %d" %
                             (cache["type"], got[1], want[1]))
        elif got != want:
            bad.append("L%s %s: CPUID size/assoc/line %s, sysfs %s" % (key + (got, want)))
    bad += ["CPUID describes an L%s %s that sysfs does not show" % k for k in described]
    return [Result("CPUID 0x80000005/0x80000006 describe the caches sysfs shows, "
                   "but for L1 ways read double", not bad, "; ".join(bad)),
            Result("sysfs does not show twice the L1 ways CPUID 0x80000005 gives",
                   not l1_double, "; ".join(l1_double))]

