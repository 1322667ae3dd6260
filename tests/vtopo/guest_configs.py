# SPDX-License-Identifier: GPL-2.0-or-later
"""The guest test matrix (suite 'guest') and the demo's default.

x86 configurations run on pc (the default machine) unless they name q35;
those with "arch": "aarch64" on Arm virt, booted with UEFI (ACPI).
Each configuration is QEMU options plus the checks known to fail with
stock QEMU behaviour.  A known failure is marked with the issue that will
fix it; the check itself stays as strict as for the others, and an
unexpected pass fails the run, so the mark has to go when the fix lands.
"findings" lists the rules of the findings QEMU must report (warnings
such as numa-llc-per-node, which says what machine init changed); every
other configuration must have none.
"""

import re


def legacy_cache_leaves(args):
    """Whether @args choose a pc or q35 machine type before 10.1, whose
    CPUs keep each vendor's legacy caches in its own CPUID leaves
    (upstream's x-vendor-cpuid-only-v2 and x-consistent-cache off)."""
    for a in args:
        m = re.match(r"pc-(q35|i440fx)-(\d+)\.(\d+)", a)
        if m and (int(m.group(2)), int(m.group(3))) < (10, 1):
            return True
    return False


# Intel-vendor model that TCG runs (it drops a few features, with a
# warning on stderr, but keeps the vendor and the topology leaves).
INTEL = "Skylake-Server"

NUMA2 = ["-object", "memory-backend-ram,id=m0,size=256M",
         "-object", "memory-backend-ram,id=m1,size=256M"]


def numa_nodes(cpus, size, distances):
    """Options for a node per CPU list of @cpus, each with @size of
    memory of its own, and distances {(src, dst): value}."""
    args = []
    for n, c in enumerate(cpus):
        args += ["-object", "memory-backend-ram,id=m%d,size=%s" % (n, size),
                 "-numa", "node,nodeid=%d,cpus=%s,memdev=m%d" % (n, c, n)]
    for (src, dst), val in sorted(distances.items()):
        args += ["-numa", "dist,src=%d,dst=%d,val=%d" % (src, dst, val)]
    return args


def pairs_of_4(near, far):
    """Distances of 4 nodes in 2 pairs: @near within a pair, else @far."""
    return {(a, b): near if a // 2 == b // 2 else far
            for a in range(4) for b in range(a + 1, 4)}


CONFIGS = {
    # 1 socket, 4 cores, no SMT, no NUMA, default CPU model (qemu64).
    "cores4": {
        "args": ["-smp", "4,sockets=1,cores=4,threads=1"],
    },
    # SMT on an Intel model, 2 sockets, 2 NUMA nodes with distances.
    "intel-smt-numa2": {
        "args": ["-cpu", INTEL, "-smp", "8,sockets=2,cores=2,threads=2"] + NUMA2 + [
            "-numa", "node,nodeid=0,cpus=0-3,memdev=m0",
            "-numa", "node,nodeid=1,cpus=4-7,memdev=m1",
            "-numa", "dist,src=0,dst=1,val=21"],
    },
    # SMT on the default, AMD-vendor model: the guest sees SMT siblings
    # only through TopologyExtensions, which TCG now offers and new
    # machine types turn on (pc-q35-10.2 and older lose the siblings).
    # qemu64 is AMD family 0Fh: for families below 17h hwloc reads
    # Fn8000_001E as compute units of single-thread cores, Linux as SMT
    # threads; new machine types give such a model x2APIC and leaf 0xB,
    # from which both read SMT.
    "amd-smt": {
        "args": ["-smp", "4,sockets=1,cores=2,threads=2"],
    },
    # Dies on the default model (AMD family 0Fh, no SMT): Linux reads
    # leaf 0x1F on AMD only with TopologyExtensions, which 11.0 turns on.
    "amd-0fh-dies": {
        "args": ["-smp", "8,sockets=1,dies=2,cores=4,threads=1"],
    },
    # Non-power-of-two cores, 3 sockets, 3 nodes, no SMT.
    "cores3-numa3": {
        "args": ["-cpu", INTEL, "-smp", "9,sockets=3,cores=3,threads=1", "-m", "384M"] +
                numa_nodes(["0-2", "3-5", "6-8"], "128M",
                           {(0, 1): 20, (0, 2): 30, (1, 2): 20}),
    },
    # Sub-NUMA clustering done consistently: 2 sockets x 2 dies, an L3
    # per die, one node per die.  (Nodes that cut an L3 are refused:
    # Linux would build scheduling domains for a machine that cannot
    # exist; qmp-topology checks the error.)
    "snc-dies-numa4": {
        "args": ["-M", "q35", "-cpu", INTEL, "-smp", "8,sockets=2,dies=2,cores=2,threads=1",
                 "-machine", "smp-cache.0.cache=l3,smp-cache.0.topology=die"] +
                numa_nodes(["0-1", "2-3", "4-5", "6-7"], "128M", pairs_of_4(11, 21)),
    },
    # libvirt's most common NUMA shape, one socket split into cells: the
    # L3 the CPU model shares per die follows the nodes (one per node,
    # CPUID leaf 4 sharing 2^k APIC IDs, a PPTT group node per node), as
    # on Sub-NUMA Clustering; Linux would refuse an L3 across nodes.
    "intel-llc-per-node": {
        "args": ["-M", "q35", "-cpu", INTEL, "-smp", "4,sockets=1,cores=4,threads=1",
                 "-m", "512M"] + numa_nodes(["0-1", "2-3"], "256M", {(0, 1): 21}),
        "findings": ["numa-llc-per-node"],
    },
    # The same on AMD (Fn8000_001D), with SMT, as in NPS2
    "amd-llc-per-node": {
        "args": ["-cpu", "EPYC-Genoa", "-smp", "8,sockets=1,cores=4,threads=2",
                 "-m", "512M"] + numa_nodes(["0-3", "4-7"], "256M", {(0, 1): 12}),
        "findings": ["numa-llc-per-node"],
    },
    # Dies on an Intel model: leaf 0x1F appears.  (Stock QEMU 10.2 aborts
    # here on SeaBIOS's CPUID probe of 0x40000100; the patch "don't abort
    # on CPUID 0x1F subleaves past the last level" fixes it.)
    "intel-dies": {
        "args": ["-cpu", INTEL, "-smp", "8,sockets=1,dies=2,cores=2,threads=2"],
    },
    # Explicit cache geometry: 48K 12-way L1d, 2M L2, a 12-way 24M L3
    # shared per socket (Intel: 0x80000006 describes no L3).
    "intel-cache-geometry": {
        "args": ["-cpu", INTEL, "-smp", "8,sockets=2,cores=2,threads=2",
                 "-machine", "smp-cache.0.cache=l1d,smp-cache.0.size=48K,smp-cache.0.ways=12,"
                 "smp-cache.1.cache=l2,smp-cache.1.size=2M,smp-cache.1.ways=16,"
                 "smp-cache.2.cache=l3,smp-cache.2.size=24M,smp-cache.2.ways=12,"
                 "smp-cache.2.topology=socket"],
    },
    # Modules on an Intel model: leaf 0x1F with a module level.
    "intel-modules": {
        "args": ["-cpu", INTEL, "-smp", "8,sockets=1,modules=2,cores=2,threads=2"],
    },
    # AMD: dies (CCDs) with SMT and an L3 per die, described by leaf
    # 0x1F on 11.0 (AMD models had none, so Linux put every die of a
    # package in one).  A Zen 4 model: Linux takes a Zen 1 (EPYC) guest's
    # L3 domain from the APIC ID (8 IDs), whatever CPUID says.
    "epyc-genoa-dies": {
        "args": ["-cpu", "EPYC-Genoa", "-smp", "8,sockets=1,dies=2,cores=2,threads=2"],
    },
    # AMD: EPYC-Genoa, 2 sockets, SMT, 2 NUMA nodes, explicit L2/L3
    # geometry (leaves 0x8000001D, 0x80000005/6) with the L3 per socket.
    "epyc-genoa-numa2-cache": {
        "args": ["-M", "q35", "-cpu", "EPYC-Genoa", "-smp", "16,sockets=2,cores=4,threads=2"] + NUMA2 + [
            "-numa", "node,nodeid=0,cpus=0-7,memdev=m0",
            "-numa", "node,nodeid=1,cpus=8-15,memdev=m1",
            "-numa", "dist,src=0,dst=1,val=32",
            "-machine", "smp-cache.0.cache=l2,smp-cache.0.size=1M,smp-cache.0.ways=8,"
            "smp-cache.1.cache=l3,smp-cache.1.size=32M,smp-cache.1.ways=16,"
            "smp-cache.1.topology=socket"],
    },
    # Possible vCPUs not plugged yet: the MADT lists them disabled, the
    # PPTT and SRAT describe them already.
    "intel-hotplug-numa2": {
        "args": ["-cpu", INTEL, "-smp", "4,maxcpus=8,sockets=2,cores=2,threads=2"] + NUMA2 + [
            "-numa", "node,nodeid=0,memdev=m0", "-numa", "node,nodeid=1,memdev=m1",
            "-numa", "cpu,node-id=0,socket-id=0", "-numa", "cpu,node-id=1,socket-id=1",
            "-numa", "dist,src=0,dst=1,val=17"],
    },
    # TCG's "max" model (AMD vendor) with SMT.
    "max-smt": {
        "args": ["-cpu", "max", "-smp", "4,sockets=1,cores=2,threads=2"],
    },
    # Arm virt booted with UEFI, so that Linux reads the PPTT: clusters,
    # caches from the CPU's CLIDR/CCSIDR at their default sharing.
    "arm-clusters": {
        "arch": "aarch64",
        "args": ["-M", "virt", "-cpu", "max",
                 "-smp", "8,sockets=1,clusters=2,cores=2,threads=2"],
    },
    # Arm: 2 sockets x 2 clusters, an L2 per cluster, and an L3 per
    # socket that the max CPU model lacks (added to CLIDR_EL1 and
    # CCSIDR_EL1 by smp-cache).
    "arm-sockets-l3": {
        "arch": "aarch64",
        "args": ["-M", "virt,smp-cache.0.cache=l2,smp-cache.0.topology=cluster,"
                 "smp-cache.1.cache=l3,smp-cache.1.topology=socket,"
                 "smp-cache.1.size=8M,smp-cache.1.ways=16,smp-cache.1.line-size=64",
                 "-cpu", "max", "-smp", "8,sockets=2,clusters=2,cores=2,threads=1"],
    },
    # Arm: 2 sockets, a node each, with distances.  (Booted with edk2
    # 2025.02, built by scripts/build-aavmf: bookworm's edk2 2022.11
    # reports the variable-store flash as memory no SRAT entry covers,
    # and Linux then ignores the SRAT.)
    "arm-numa2": {
        "arch": "aarch64",
        "args": ["-M", "virt", "-cpu", "max", "-smp", "4,sockets=2,cores=2,threads=1"] +
                numa_nodes(["0-1", "2-3"], "256M", {(0, 1): 21}),
    },
    # Arm: geometry of the CPU model's own caches changed.
    "arm-cache-geometry": {
        "arch": "aarch64",
        "args": ["-M", "virt,smp-cache.0.cache=l1d,smp-cache.0.size=64K,"
                 "smp-cache.0.ways=4,smp-cache.1.cache=l2,smp-cache.1.size=1M,"
                 "smp-cache.1.ways=8,smp-cache.1.line-size=128",
                 "-cpu", "max", "-smp", "4,sockets=1,cores=4,threads=1"],
    },
}

# Arm configurations that both descriptions can express, booted twice:
# with UEFI (ACPI, the names above and "arm-default", "arm-clusters-l2",
# "arm-numa4") and straight into the kernel so that Linux reads the
# device tree ("-dt"): the same view, from the other description.  (SMT
# is left out of the device-tree runs: the L1 caches a device tree gives
# each CPU node cannot be shared by the threads of a core.)
CONFIGS.update({
    # The default virt machine: 4 CPUs, one socket, default caches.
    "arm-default": {"arch": "aarch64",
                    "args": ["-M", "virt", "-cpu", "max", "-smp", "4"]},
    # 2 clusters of 4 cores, an L2 per cluster.
    "arm-clusters-l2": {"arch": "aarch64",
                        "args": ["-M", "virt,smp-cache.0.cache=l2,"
                                 "smp-cache.0.topology=cluster", "-cpu", "max",
                                 "-smp", "8,sockets=1,clusters=2,cores=4,threads=1"]},
    # 2 sockets x 2 clusters, a node per cluster and its L2 (an L3 per
    # socket would be cut by the nodes: virt-11.0 refuses that).
    "arm-numa4": {"arch": "aarch64",
                  "args": ["-M", "virt,smp-cache.0.cache=l2,smp-cache.0.topology=cluster",
                           "-cpu", "max", "-smp", "8,sockets=2,clusters=2,cores=2"] +
                          numa_nodes(["0-1", "2-3", "4-5", "6-7"], "128M",
                                     pairs_of_4(15, 25))},
})
# L2 and L3 both private to each core: chained in the PPTT and the DT.
CONFIGS["arm-l3-per-core"] = {
    "arch": "aarch64",
    "args": ["-M", "virt,smp-cache.0.cache=l3,smp-cache.0.topology=core,"
             "smp-cache.0.size=8M,smp-cache.0.ways=16,smp-cache.0.line-size=64",
             "-cpu", "max", "-smp", "4,sockets=1,cores=4,threads=1"],
}
for _name in ("arm-default", "arm-clusters-l2", "arm-sockets-l3", "arm-cache-geometry",
              "arm-l3-per-core",
              "arm-numa2", "arm-numa4"):
    CONFIGS[_name + "-dt"] = {"arch": "aarch64", "boot": "dt",
                              "args": CONFIGS[_name]["args"]}

# mirror-host: the VM plans itself from a fixture host ("placement" is
# a second -machine; x-host-sysfs, "{fixtures}" is build/host-fixtures) and must show that host's slice:
# "expect" is written from the fixtures' public facts (describe-host),
# not from the plan: the host's ways, which the check lowers on x86 by
# the rule docs/system/vtopo.rst states (check_sysfs.mirror_lowered_ways;
# every fixture host has 64-byte lines).  The EPYC 7302P in NPS4: 16 vCPUs are 8 cores of 2
# threads in 4 CCXs (a 16 MiB 16-way L3 per 2 cores, 512 KiB L2 per
# core) over 2 nodes at distance 12.  The Arm host: 4 cores without
# SMT, one 8 MiB L3, 1 MiB L2 and 64 KiB L1d per core, one node.
CONFIGS.update({
    "mirror-amd-nps4": {
        "placement": "mirror-host=on,pin-check=strict,"
                     "x-host-sysfs={fixtures}/amd-nps4-smt",
        "args": ["-M", "q35", "-cpu", INTEL, "-smp", "16"],
        "expect": {"threads": 2, "nodes": [8, 8], "distance": 12,
                   "caches": {"l1d": ("32K", 8, 2), "l2": ("512K", 8, 2),
                              "l3": ("16384K", 16, 4)}},
    },
    # The Xeon Silver 4110 fixture on QEMU's default model (qemu64, AMD
    # family 0Fh: Linux reads its caches from the legacy Fn8000_0005/6,
    # whose L3Assoc cannot say 11): 4 cores without SMT, the 11 MiB 11-way
    # L3 (lowered by the documented rule), 1 MiB L2 and 32 KiB L1d per
    # core.
    "mirror-intel-qemu64": {
        "placement": "mirror-host=on,mirror-smt=off,pin-check=strict,"
                     "x-host-sysfs={fixtures}/intel-2s-smt",
        "args": ["-M", "q35", "-smp", "4"],
        "expect": {"threads": 1, "nodes": [], "distance": None,
                   "caches": {"l1d": ("32K", 8, 1), "l2": ("1024K", 16, 1),
                              "l3": ("11264K", 11, 4)}},
        # Linux before 6.16 decodes Fn8000_0005's L1 associativity (a
        # count) with Fn8000_0006's code table: 8 ways read as 16.
        "xfail": {n: "Linux < 6.16: fixed by Linux commit d274cde0dbe0 "
                     "(x86/cacheinfo: Properly parse CPUID(0x80000005) "
                     "L1d/L1i associativity)"
                  for n in ("L1 ways are not read double (with sets halved)",
                            "the host's l1d: 8-way",
                            "sysfs does not show twice the L1 ways CPUID "
                            "0x80000005 gives")},
    },
    # The Xeon Gold 6338 in SNC2, two cores left in each node: 8 vCPUs,
    # a die per node with the node's half of the 48 MiB 12-way L3, the
    # 20-way L2 (both lowered by the documented rule), distance 11.
    "mirror-intel-snc2": {
        "placement": "mirror-host=on,pin-check=strict," + ",".join(
            "mirror-exclude.%d=%d" % (i, cpu) for i, cpu in enumerate(
                [c for first in (2, 18, 34, 50) for c in range(first,
                                                               first + 14)]))
            + ",x-host-sysfs={fixtures}/intel-snc2",
        "args": ["-M", "q35", "-cpu", INTEL, "-smp", "8"],
        "expect": {"threads": 2, "nodes": [4, 4], "distance": 11,
                   "caches": {"l1d": ("48K", 12, 2), "l2": ("1280K", 20, 2),
                              "l3": ("24576K", 12, 4)}},
    },
    "mirror-arm-no-smt": {
        "arch": "aarch64",
        "placement": "mirror-host=on,pin-check=strict,"
                     "x-host-sysfs={fixtures}/no-smt",
        "args": ["-M", "virt", "-cpu", "max", "-smp", "4"],
        "expect": {"threads": 1, "nodes": [], "distance": None,
                   "caches": {"l1d": ("64K", 4, 1), "l2": ("1024K", 8, 1),
                              "l3": ("8192K", 16, 4)}},
    },
})

# The die and module configurations again with trixie's kernel (6.12):
# Debian 12's 6.1 predates Linux's 2023 topology rework and takes leaf
# 0x1F modules for dies; 6.12 decodes every level (its debugfs
# x86/topo/domains is checked too).
for _name in ("intel-dies", "intel-modules", "epyc-genoa-dies", "amd-0fh-dies"):
    CONFIGS[_name + "-trixie"] = dict(CONFIGS[_name], kernel="trixie")

# The demo: 2 sockets x 2 dies x 2 cores x 2 threads on an Intel model,
# one NUMA node per socket, distance 21.
DEMO = {
    "args": ["-cpu", INTEL, "-smp", "16,sockets=2,dies=2,cores=2,threads=2"] + NUMA2 + [
        "-numa", "node,nodeid=0,cpus=0-7,memdev=m0",
        "-numa", "node,nodeid=1,cpus=8-15,memdev=m1",
        "-numa", "dist,src=0,dst=1,val=21"],
}

# Configurations whose guest-visible ABI (every CPUID leaf of every CPU,
# every ACPI table) must equal pristine QEMU's: the versioned machine
# types pristine QEMU has (10.2 is its newest), without the options our
# patches add.
ABI = {
    "cores4": ["-M", "pc-q35-10.2"] + CONFIGS["cores4"]["args"],
    "intel-smt-numa2": ["-M", "pc-q35-10.2"] + CONFIGS["intel-smt-numa2"]["args"],
    "amd-smt": ["-M", "pc-q35-10.2"] + CONFIGS["amd-smt"]["args"],
    "pc-cores3-numa3": ["-M", "pc-i440fx-10.2"] + CONFIGS["cores3-numa3"]["args"],
    # The AMD topology leaves with dies: one node per processor on 10.2,
    # a node per die on 9.0 (legacy-multi-node).  (Intel dies have no
    # pristine counterpart: stock QEMU 10.2 aborts on leaf 0x1F.)
    "epyc-dies": ["-M", "pc-q35-10.2", "-cpu", "EPYC",
                  "-smp", "8,sockets=1,dies=2,cores=2,threads=2"],
    "pc-9.0-epyc-dies": ["-M", "pc-i440fx-9.0", "-cpu", "EPYC",
                         "-smp", "8,sockets=1,dies=2,cores=2,threads=2"],
    # Arm virt-10.2 (booted with UEFI, so that Linux reads ACPI): every
    # ACPI table; its PPTT (no caches, a root node, clusters where -smp
    # has them, cores only with threads) with clusters and threads, and
    # with plain sockets and cores in two NUMA nodes.
    "virt-clusters": {
        "arch": "aarch64",
        "args": ["-M", "virt-10.2", "-cpu", "cortex-a57",
                 "-smp", "8,sockets=2,clusters=2,cores=1,threads=2"],
    },
    "virt-numa2": {
        "arch": "aarch64",
        "args": ["-M", "virt-10.2", "-cpu", "cortex-a57",
                 "-smp", "4,sockets=2,cores=2"] +
                numa_nodes(["0-1", "2-3"], "256M", {(0, 1): 21}),
    },
}
