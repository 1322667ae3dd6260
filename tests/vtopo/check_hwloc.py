# SPDX-License-Identifier: GPL-2.0-or-later
"""hwloc's lstopo in the x86 guest, from Linux's sysfs and from its own
CPUID decoder, against query-topology."""

import xml.etree.ElementTree as ET

from check_model import Result, cache_groups, model_domains, size_bytes

HWLOC_CACHE = {"l1d": "L1Cache", "l1i": "L1iCache", "l2": "L2Cache", "l3": "L3Cache"}
SYSFS_CACHE = {("1", "Data"): "l1d", ("1", "Instruction"): "l1i",
               ("2", "Unified"): "l2", ("3", "Unified"): "l3"}


def hwloc_objects(text):
    """{type: [attributes of each object]} of an hwloc XML topology, and
    under "vendor" the CPU vendors it names."""
    objs = {"vendor": set()}
    for o in ET.fromstring(text).iter("object"):
        objs.setdefault(o.get("type"), []).append(o.attrib)
        for info in o.findall("info"):
            if info.get("name") == "CPUVendor":
                objs["vendor"].add(info.get("value"))
    return objs


def hwloc_counts(objs):
    """The counts and cache sizes to compare, keyed like query-topology."""
    out = {t: len(objs.get(t, [])) for t in ("Package", "Die", "Group", "Core", "PU")}
    for name, t in HWLOC_CACHE.items():
        out[name] = (len(objs.get(t, [])),
                     sorted({int(o["cache_size"]) for o in objs.get(t, [])}))
    out["NUMANode"] = len(objs.get("NUMANode", []))
    return out


def hwloc_banner(run):
    """hwloc's complaint about what it was told, if any."""
    bad = [l for l in run["err"].splitlines() if "invalid" in l.lower() or
           "error" in l.lower()]
    return "; ".join(bad[:3]) if bad or run["rc"] else ""


def compare_hwloc(topo, view):
    """hwloc in the guest against Linux (its Linux backend reads sysfs,
    as MPI, OpenMP and Slurm do) and against the request (its x86
    backend decodes CPUID itself, like software that bypasses Linux)."""
    results = []
    if set(view["hwloc"]) != {"linux", "x86"}:
        return [Result("hwloc ran in the guest (Linux and x86 backends)", False,
                       "got %s" % sorted(view["hwloc"]))]
    for backend, run in sorted(view["hwloc"].items()):
        results.append(Result("hwloc (%s backend) takes the machine as it is told, "
                              "no 'invalid information'" % backend,
                              not hwloc_banner(run), hwloc_banner(run)))

    # The Linux backend: the same machine as sysfs.
    cpus = view["cpus"]
    sets = lambda key: len({c[key] for c in cpus.values()})
    want = {"Package": sets("package_cpus"), "Core": sets("core_cpus"),
            "PU": len(cpus), "NUMANode": max(1, len(view["nodes"]))}
    shared = {}
    for cache in view["caches"]:
        k = SYSFS_CACHE.get((cache["level"], cache["type"]))
        if k:
            shared.setdefault(k, (set(), set()))
            shared[k][0].add(cache["shared"])
            shared[k][1].add(size_bytes(cache["size"]))
    for k, (lists, sizes) in shared.items():
        want[k] = (len(lists), sorted(sizes))
    got = hwloc_counts(hwloc_objects(view["hwloc"]["linux"]["xml"]))
    dies = sets("die_cpus")
    bad = ["%s: hwloc %s, Linux %s" % (k, got[k], w) for k, w in sorted(want.items())
           if got[k] != w]
    if dies > want["Package"] and got["Die"] != dies:
        bad.append("Die: hwloc %s, Linux %s" % (got["Die"], dies))
    results.append(Result("hwloc (Linux backend) sees Linux's packages, dies, cores, PUs, "
                          "caches (instances, size) and NUMA nodes", not bad, "; ".join(bad)))

    # The x86 backend: the machine that was asked for.
    present = [v for v in topo["vcpus"] if v["present"]]

    def domains(level):
        return len(set(model_domains(topo, level).values()))
    levels = {lv["level"]: lv["count"] for lv in topo["levels"]}
    want = {"Package": domains("socket"), "Core": domains("core"), "PU": len(present)}
    for c in topo.get("caches", []):
        want[c["cache"]] = (len({tuple(sorted(g)) for g in
                                 cache_groups(topo, c).values()}),
                            [c["size"]])
    objs = hwloc_objects(view["hwloc"]["x86"]["xml"])
    got = hwloc_counts(objs)
    bad = ["%s: hwloc %s, QEMU %s" % (k, got[k], w) for k, w in sorted(want.items())
           if got[k] != w]
    # hwloc 2.9 reads leaf 0x1F on Intel only: an AMD processor's dies
    # and modules show in it as its cache domains (checked above), as on
    # real EPYCs.
    if (levels.get("die", 1) > 1 and objs["vendor"] != {"AuthenticAMD"} and
            got["Die"] != domains("die")):
        bad.append("Die: hwloc %s, QEMU %s" % (got["Die"], domains("die")))
    if (levels.get("module", 1) > 1 and objs["vendor"] != {"AuthenticAMD"} and
            got["Group"] != domains("module")):
        bad.append("Group (module): hwloc %s, QEMU %s" % (got["Group"], domains("module")))
    results.append(Result("hwloc (x86 CPUID backend) sees the requested packages, dies, "
                          "modules, cores, PUs and caches (instances, size)",
                          not bad, "; ".join(bad)))
    return results
