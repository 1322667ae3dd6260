#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Suite 'abi': boot one configuration under pristine QEMU (same base, no
patches) and under ours, and compare what the guest reads: every CPUID
leaf and subleaf of every CPU (tests/vtopo/guest/cpuid-dump.c, x86) and
the SHA-256 of every ACPI table.  Machines not given the new options must
keep their guest-visible ABI byte for byte."""

import sys

import guest_configs
import vtopo_guest as vg
from tap import Tap


def guest_view(name, binary, args, arch):
    with vg.Vm(name, args, binary=binary, arch=arch) as vm:
        return vg.parse_guest(vm.boot(timeout=300))


def cpuid_table(view):
    return {(c["cpu"], c["leaf"], c["sub"]): (c["eax"], c["ebx"], c["ecx"], c["edx"])
            for c in view["cpuid"]}


def main():
    name = sys.argv[1]
    cfg = guest_configs.ABI[name]
    if isinstance(cfg, list):
        cfg = {"args": cfg}
    arch = cfg.get("arch", "x86_64")
    tap = Tap()
    try:
        old = guest_view("abi-%s-pristine" % name, vg.pristine_binary(arch),
                         cfg["args"], arch)
        new = guest_view("abi-%s" % name, None, cfg["args"], arch)
    except (vg.QemuError, vg.GuestTimeout) as e:
        tap.point("both guests boot", False, str(e))
        tap.print()
        return 0
    if arch == "x86_64":
        a, b = cpuid_table(old), cpuid_table(new)
        diff = ["%s: pristine %s, ours %s" % (k, a.get(k), b.get(k))
                for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        tap.point("CPUID of every CPU equals pristine QEMU's (%d leaves)" %
                  len(a), a and not diff, "\n".join(diff[:20]))
    ta, tb = old["acpi_sha256"], new["acpi_sha256"]
    diff = ["%s: pristine %s, ours %s" % (t, ta.get(t), tb.get(t))
            for t in sorted(set(ta) | set(tb)) if ta.get(t) != tb.get(t)]
    tap.point("ACPI tables equal pristine QEMU's (%s)" % ",".join(sorted(ta)),
              ta and not diff, "\n".join(diff))
    tap.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
