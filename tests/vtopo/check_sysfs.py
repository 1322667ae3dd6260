# SPDX-License-Identifier: GPL-2.0-or-later
"""Linux's own view of the guest (sysfs topology, caches, NUMA nodes and
distances, dmesg, glibc's cache sizes, debugfs topology domains)
against query-topology, and against a configuration's expected facts."""


from check_model import Result, cache_groups, model_groups, size_bytes
from vtopo_guest import parse_cpulist

# Kernel messages that mean the guest found its topology inconsistent.
BAD_DMESG = (
    "firmware bug", "fw bug", "bug:", "warning:", "borken",
    "not on the same node", "sibling", "mismatch", "hyperthreading is not",
    "topology", "unexpected",
    # drivers/acpi/pptt.c: a cache level the PPTT describes twice
    "found duplicate cache",
)
# ... unless they are one of these harmless lines.
HARMLESS_DMESG = (
    "sched_clock", "hash table entries", "retbleed", "spectre", "mitigation",
)


def l1_read_double(cache, got, want):
    """Whether an L1's (size, ways, line, sets) as the guest shows them
    differ from @want exactly as Linux before 6.16 misreads Fn8000_0005's
    L1 associativity (a count) through Fn8000_0006's code table
    (d274cde0dbe0): the same size and line, twice the ways, half the
    sets.  Only that difference is the known bug; any other is not."""
    return (cache in ("l1d", "l1i") and got[0] == want[0] and
            got[2] == want[2] and got[1] == 2 * want[1] and
            2 * got[3] == want[3])


def compare_sysfs(topo, view):
    """Check every part of the guest's view against query-topology."""
    results = []
    present = {v["arch-id"]: v for v in topo["vcpus"] if v["present"]}
    by_cpu = {}
    for n, c in view["cpus"].items():
        if c.get("apicid", "-") != "-":
            by_cpu[n] = int(c["apicid"])
        elif n < len(topo["vcpus"]):
            # Arm: Linux numbers CPUs in MADT (possible CPU) order.
            by_cpu[n] = topo["vcpus"][n]["arch-id"]
    apic_of = by_cpu
    x86 = view["arch"] == "x86_64"

    online = set(by_cpu.values())
    results.append(Result("online CPUs are the present vCPUs",
                          online == set(present),
                          "guest APIC IDs %s, QEMU %s" % (sorted(online), sorted(present))))

    levels = {lv["level"] for lv in topo["levels"]}
    sysfs_for = [("core", "core_cpus", "SMT siblings (core_cpus_list)"),
                 ("cluster", "cluster_cpus", "cluster siblings (cluster_cpus_list)"),
                 ("die", "die_cpus", "die siblings (die_cpus_list)"),
                 ("socket", "package_cpus", "package siblings (package_cpus_list)")]
    for level, key, what in sysfs_for:
        if level not in levels:
            continue
        want = model_groups(topo, level)
        bad = []
        for n, c in view["cpus"].items():
            if n not in apic_of or apic_of[n] not in want:
                continue
            got = {apic_of[m] for m in parse_cpulist(c[key]) if m in apic_of}
            if got != want[apic_of[n]]:
                bad.append("cpu%d: guest %s, QEMU %s" % (n, sorted(got), sorted(want[apic_of[n]])))
        results.append(Result(what + " match the %s level" % level, not bad,
                              "; ".join(bad[:4])))

    if topo["numa-nodes"]:
        bad = []
        for node in topo["numa-nodes"]:
            want = {present[a]["arch-id"] for a in present
                    if present[a]["props"].get("node-id") == node["node-id"]}
            g = view["nodes"].get(node["node-id"])
            got = {apic_of[m] for m in parse_cpulist(g["cpus"]) if m in apic_of} if g else set()
            if got != want:
                bad.append("node%d: guest %s, QEMU %s" % (node["node-id"], sorted(got), sorted(want)))
        results.append(Result("NUMA node CPUs match", not bad, "; ".join(bad)))

        bad = []
        n = len(topo["numa-nodes"])
        for node in topo["numa-nodes"]:
            want = node.get("distances") or [10 if m == node["node-id"] else 20 for m in range(n)]
            g = view["nodes"].get(node["node-id"])
            got = [int(d) for d in g["distance"].split("_")] if g else []
            if got != want:
                bad.append("node%d: guest %s, QEMU %s" % (node["node-id"], got, want))
        results.append(Result("NUMA distances match", not bad, "; ".join(bad)))

        # A cache shared across a node boundary makes the guest scheduler
        # build domains for a machine that cannot exist.
        node_of = {n: c.get("node") for n, c in view["cpus"].items()}
        bad = set()
        for cache in view["caches"]:
            nodes = {node_of.get(m) for m in parse_cpulist(cache["shared"])}
            if len(nodes) > 1:
                bad.add("L%s %s shared by CPUs %s on nodes %s" % (
                    cache["level"], cache["type"], cache["shared"], sorted(nodes)))
        results.append(Result("no cache is shared across NUMA nodes", not bad,
                              "; ".join(sorted(bad))))

    # Caches: geometry and sharing of every cache the guest sees.
    if topo.get("caches"):
        want = {c["cache"]: c for c in topo["caches"]}
        key = {("1", "Data"): "l1d", ("1", "Instruction"): "l1i",
               ("2", "Unified"): "l2", ("3", "Unified"): "l3"}
        geo_bad, share_bad, l1_bad = set(), set(), set()
        seen = set()
        groups = {}
        for c in want.values():
            groups[c["cache"]] = cache_groups(topo, c)
        for cache in view["caches"]:
            k = key.get((cache["level"], cache["type"]))
            seen.add(k)
            w = want.get(k)
            if not w:
                geo_bad.add("guest has %s, QEMU does not" % k)
                continue
            got = (cache["size"], int(cache["ways"]), int(cache["line"]), int(cache["sets"]))
            exp = ("%dK" % (w["size"] // 1024), w["ways"], w["line-size"], w["sets"])
            if got != exp and l1_read_double(k, got, exp):
                l1_bad.add("%s: guest size/ways/line/sets %s, QEMU %s" % (k, got, exp))
            elif got != exp:
                geo_bad.add("%s: guest size/ways/line/sets %s, QEMU %s" % (k, got, exp))
            n = int(cache["cpu"])
            if n in apic_of:
                shared = {apic_of[m] for m in parse_cpulist(cache["shared"]) if m in apic_of}
                if shared != groups[k].get(apic_of[n]):
                    share_bad.add("%s of cpu%d: guest %s, QEMU %s" % (
                        k, n, sorted(shared), sorted(groups[k].get(apic_of[n], ()))))
        missing = set(want) - seen
        if missing:
            geo_bad.add("guest lacks %s" % sorted(missing))
        results.append(Result("cache geometry (size, ways, line, sets) matches, "
                              "but for L1 ways read double", not geo_bad,
                              "; ".join(sorted(geo_bad)[:6])))
        results.append(Result("L1 ways are not read double (with sets halved)",
                              not l1_bad, "; ".join(sorted(l1_bad))))
        results.append(Result("cache sharing (shared_cpu_list) matches",
                              not share_bad, "; ".join(sorted(share_bad)[:6])))

    # glibc's view of the caches (ld.so --list-diagnostics).
    if topo.get("caches") and x86:
        want = {c["cache"]: c for c in topo["caches"]}
        g = {k.rsplit(".", 1)[1]: int(v, 0) for k, v in view["glibc"].items()}
        bad = []
        for cache, prefix in (("l1d", "level1_dcache"), ("l2", "level2_cache"),
                              ("l3", "level3_cache")):
            if cache not in want:
                continue
            got = (g.get(prefix + "_size"), g.get(prefix + "_assoc"), g.get(prefix + "_linesize"))
            exp = (want[cache]["size"], want[cache]["ways"], want[cache]["line-size"])
            if got != exp:
                bad.append("%s: glibc size/assoc/linesize %s, QEMU %s" % (cache, got, exp))
        results.append(Result("glibc (ld.so --list-diagnostics) sees the caches' size, ways and line",
                              view["glibc"] and not bad, "; ".join(bad) or "no glibc output"))

    # An unprivileged process walked every subleaf of the leaves that
    # have them (and leaves above the maximum) and QEMU answered.
    if x86:
        walked = {w["leaf"] for w in view["cpuid_walk"] if w.get("uid") == "65534"}
        want = {"0x4", "0xb", "0x1f", "0x8000001d", "above-max"}
        results.append(Result("unprivileged CPUID walk of subleaves 0-64 completes",
                              walked == want, "walked %s" % sorted(walked)))

    # The tables Linux found: SRAT exactly with NUMA, SLIT exactly with
    # configured distances, and always a MADT (unless it booted with a
    # device tree, which compare_dt() checks).
    if view.get("boot") != "dt":
        tables = set(view["acpi"])
        want = {"APIC": True, "SRAT": bool(topo["numa-nodes"]),
                "SLIT": any("distances" in n for n in topo["numa-nodes"])}
        bad = ["%s %s" % (t, "missing" if w else "unexpected")
               for t, w in sorted(want.items()) if (t in tables) != w]
        results.append(Result("ACPI tables (MADT, SRAT, SLIT) as configured", not bad,
                              "; ".join(bad) + " (guest has %s)" % ",".join(sorted(tables))))

    bad = [l for l in view["dmesg"]
           if any(b in l.lower() for b in BAD_DMESG)
           and not any(h in l.lower() for h in HARMLESS_DMESG)]
    results.append(Result("dmesg has no topology warnings", not bad, " | ".join(bad[:3])))
    return results


def compare_domains(topo, view):
    """Linux's x86 topology domains (debugfs x86/topo/domains, Linux 6.9
    and later) against -smp: each level's x2APIC ID field as wide as
    its count needs (a level -smp does not have takes no bits)."""
    counts = {lv["level"]: lv["count"] for lv in topo["levels"]}
    want = {"Thread": counts.get("thread", 1), "Core": counts.get("core", 1),
            "Module": counts.get("module", 1), "Die": counts.get("die", 1)}
    got = view["topo_domains"]
    bad = []
    for name, n in sorted(want.items()):
        size = 1 << max(0, (n - 1).bit_length())
        if name not in got or got[name][1] != size:
            bad.append("%s: Linux %s, -smp %d (%d IDs)" % (name, got.get(name), n, size))
    return [Result("Linux's topology domains (x86/topo/domains) have the threads, cores, "
                   "modules and dies of -smp", got and not bad,
                   "; ".join(bad) or "no x86/topo/domains in debugfs")]


# docs/system/vtopo.rst, "mirror-host": on x86 an L2 or L3 associativity
# the legacy leaf 0x80000006 of either vendor cannot list is lowered to
# the largest count below it that both list (Intel's SDM and AMD's APM,
# 80000006H ECX[15:12]: 3h and 5h are AMD's only) and that still gives
# whole sets, with the same size.
BOTH_VENDORS_LEGACY_WAYS = (1, 2, 4, 8, 16, 32, 48, 64, 96, 128)


def mirror_lowered_ways(size, ways, line):
    """The ways a mirrored x86 L2/L3 of @size bytes, @ways and @line
    bytes per line gets, by that rule."""
    return max(w for w in BOTH_VENDORS_LEGACY_WAYS
               if w <= ways and size % (line * w) == 0)


def compare_expected(expect, view, arch):
    """The guest's view against facts written by hand (a mirrored
    host's): threads per core, the CPUs of each NUMA node and their
    distances, and each cache's size, ways (on x86, lowered by the
    documented rule) and CPUs per instance."""
    results = []
    threads = {len(parse_cpulist(c["core_cpus"])) for c in view["cpus"].values()}
    results.append(Result("the host's threads per core (%d)" % expect["threads"],
                          threads == {expect["threads"]}, "guest %s" % threads))
    nodes = [len(parse_cpulist(n["cpus"])) for _, n in sorted(view["nodes"].items())
             if parse_cpulist(n["cpus"])]
    if expect["nodes"]:
        far = {int(d) for nid, n in view["nodes"].items()
               for i, d in enumerate(n["distance"].split("_")) if i != nid}
        results.append(Result("a node per host node used, with the host's distance",
                              nodes == expect["nodes"] and far == {expect["distance"]},
                              "guest nodes %s distances %s" % (nodes, far)))
    else:
        results.append(Result("one node, as on the host", len(nodes) <= 1,
                              "guest nodes %s" % nodes))
    key = {("1", "Data"): "l1d", ("2", "Unified"): "l2", ("3", "Unified"): "l3"}
    got = {}
    for cache in view["caches"]:
        k = key.get((cache["level"], cache["type"]))
        if k:
            got.setdefault(k, set()).add((cache["size"], int(cache["ways"]),
                                          len(parse_cpulist(cache["shared"]))))
    for k, (size, ways, cpus) in sorted(expect["caches"].items()):
        per = "one per %d CPU%s" % (cpus, "" if cpus == 1 else "s")
        if k == "l1d":
            # The L1 ways apart: Linux before 6.16 reads them double from
            # AMD's legacy Fn8000_0005 (d274cde0dbe0).
            results.append(Result("the host's l1d: %s, %s" % (size, per),
                                  {(s, c) for s, _, c in got.get(k, ())} ==
                                  {(size, cpus)},
                                  "guest %s" % sorted(got.get(k, ()))))
            results.append(Result("the host's l1d: %d-way" % ways,
                                  {w for _, w, _ in got.get(k, ())} == {ways},
                                  "guest %s" % sorted(got.get(k, ()))))
            continue
        what = "%d-way" % ways
        if arch == "x86_64":
            lowered = mirror_lowered_ways(size_bytes(size), ways, 64)
            if lowered != ways:
                what += " lowered to %d" % lowered
            ways = lowered
        results.append(Result("the host's %s: %s, %s, %s" %
                              (k, size, what, per),
                              got.get(k) == {(size, ways, cpus)},
                              "guest %s" % sorted(got.get(k, ()))))
    return results
