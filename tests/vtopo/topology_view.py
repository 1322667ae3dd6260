# SPDX-License-Identifier: GPL-2.0-or-later
"""What QEMU says the machine is, gathered from the QMP commands that
report it, in one dict the per-channel checks compare the guest with.

query-topology reports only what no other command does (the NUMA nodes
with their distances, the caches); the levels and counts are the
machine's smp property, the levels its type has are in query-machines,
each vCPU with its ids and architectural id is in
query-hotpluggable-cpus (every slot) or, on machines without CPU
hotplug, query-cpus-fast; what QEMU's checks found is in the unstable
query-topology-checks.  The dict:

  levels      [{level, count}] outermost first, the levels of the type
  cpus        vCPUs present at startup; max-cpus: possible vCPUs
  vcpus       [{cpu-index, arch-id, present, props}] in slot order
  numa-nodes  query-topology's, each with the slots of its vCPUs (cpus)
  caches      query-topology's
  findings, acpi-tables, host: query-topology-checks'

@cmd is a function (name, **arguments) -> the command's return value:
QEMUMachine's qmp.cmd, or one that goes through virsh."""

import re

# The smp property's member for each level.
SMP_MEMBER = {"drawer": "drawers", "book": "books", "socket": "sockets",
              "die": "dies", "cluster": "clusters", "module": "modules",
              "core": "cores", "thread": "threads"}


def machine_type(cmd):
    """The query-machines entry of the running machine's type."""
    qom_type = cmd("qom-get", path="/machine", property="type")
    name = qom_type[:-len("-machine")] if qom_type.endswith("-machine") else qom_type
    for m in cmd("query-machines"):
        if m["name"] == name:
            return m
    raise AssertionError("query-machines lists no %s" % name)


def possible_vcpus(cmd, machine, levels):
    """Every possible vCPU in slot order, as QEMU's own commands report
    it.  Their props leave out the id of a level with a count of 1 (die-id
    with dies=1): it is 0."""
    implied = {lv["level"] + "-id": 0 for lv in levels if lv["count"] == 1}
    present = {c["qom-path"]: c for c in cmd("query-cpus-fast")}
    if machine["hotpluggable-cpus"]:
        # QEMU lists the slots last first.
        slots = list(reversed(cmd("query-hotpluggable-cpus")))
    else:
        slots = sorted(present.values(), key=lambda c: c["cpu-index"])
    vcpus = []
    for i, s in enumerate(slots):
        cpu = present.get(s.get("qom-path"))
        vcpus.append({"cpu-index": cpu["cpu-index"] if cpu else i,
                      "arch-id": s["arch-id"],
                      "present": cpu is not None,
                      "props": dict(implied, **s["props"])})
    return vcpus


def machine_view(cmd):
    topo = cmd("query-topology")
    checks = cmd("query-topology-checks")
    smp = cmd("qom-get", path="/machine", property="smp")
    machine = machine_type(cmd)
    levels = [{"level": lv, "count": smp[SMP_MEMBER[lv]]}
              for lv in machine["topology-levels"]]
    vcpus = possible_vcpus(cmd, machine, levels)
    nodes = []
    for n in topo["numa-nodes"]:
        n = dict(n, cpus=[i for i, v in enumerate(vcpus)
                          if v["props"].get("node-id") == n["node-id"]])
        nodes.append(n)
    view = {"levels": levels, "cpus": smp["cpus"], "max-cpus": smp["maxcpus"],
            "vcpus": vcpus, "numa-nodes": nodes, "caches": topo["caches"],
            "findings": checks["findings"],
            "acpi-tables": checks["acpi-tables"]}
    if "host" in checks:
        view["host"] = checks["host"]
    return view


def hmp_tree(hmp):
    """{arch id: (cpu-index, {level-id: id}, node, present)} from the
    tree info topology prints from the model."""
    vcpus = {}
    ids = {}
    for line in hmp.replace("\r\n", "\n").splitlines():
        m = re.match(r"^( *)([a-z]+) (\d+)(?:: cpu (\d+) arch-id 0x([0-9a-f]+)"
                     r"(?: node (\d+))?( \(not present\))?)?$", line)
        if not m or m.group(2) in ("node", "cache", "host", "topology"):
            continue
        depth = len(m.group(1)) // 2
        ids = {k: v for k, v in ids.items() if k < depth}
        ids[depth] = (m.group(2) + "-id", int(m.group(3)))
        if m.group(4) is not None:
            vcpus[int(m.group(5), 16)] = (
                int(m.group(4)), dict(ids.values()),
                int(m.group(6)) if m.group(6) else None, not m.group(7))
    return vcpus
