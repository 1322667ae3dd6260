#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Suite 'qmp': the QMP reference manual as QEMU's own docs build makes
it (Sphinx from Debian, QEMU's qapidoc extension) from the patched
schema: the topology commands sit under their own "Virtual CPU topology"
section, the unstable one says so, and the arch-id members are
documented.  TAP output."""

import html
import os
import re
import subprocess
import sys

import vtopo_guest as vg
from tap import Tap

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def build_manual(tap):
    """Configure a docs build of the patched tree beside the main one
    and build the manual; the QMP reference's HTML, or None."""
    src = os.path.join(vg.BUILD, "qemu-src")
    out = os.path.join(vg.BUILD, "docs-build")
    with open(os.path.join(vg.BUILD, "qemu-build", "vtopo-config")) as f:
        options = [o for o in f.read().split() if o != "--disable-docs"]
    if not os.path.exists(os.path.join(out, "build.ninja")):
        p = subprocess.run([os.path.join(REPO, "scripts", "qemu-configure"),
                            src, out] + options + ["--enable-docs"],
                           capture_output=True, text=True)
        if p.returncode:
            tap.point("QEMU's docs build configures with --enable-docs",
                      False, p.stderr[-2000:])
            return None
    p = subprocess.run(["ninja", "-C", out, "docs/docs.stamp"],
                       capture_output=True, text=True)
    tap.point("QEMU's manual builds from the patched tree (Sphinx, qapidoc)",
              p.returncode == 0, (p.stdout + p.stderr)[-3000:])
    path = os.path.join(out, "docs", "manual", "interop", "qemu-qmp-ref.html")
    if p.returncode or not os.path.exists(path):
        return None
    with open(path) as f:
        return f.read()


def text(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def main():
    tap = Tap()
    ref = build_manual(tap)
    if ref is None:
        tap.point("the QMP reference was built", False,
                  "see the previous point")
        tap.print()
        return 0
    # The sections of the reference (h2), each with what follows it.
    heads = [(m.start(), text(m.group(1)))
             for m in re.finditer(r"<h2[^>]*>(.*?)</h2>", ref, re.S)]
    section = {}
    for i, (pos, title) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(ref)
        # The heading ends with its permalink sign (an icon font's glyph).
        section[re.sub(r"[^\w)]+$", "", title)] = ref[pos:end]
    topo = section.get("Virtual CPU topology", "")
    tap.point("the reference has a section \"Virtual CPU topology\"",
              topo != "", "sections: %s" % sorted(section))
    for name in ("query-topology", "query-topology-checks",
                 "TOPOLOGY_PLACEMENT", "TopologyInfo", "TopologyChecks",
                 "TopologyRule"):
        tap.point("%s is documented in that section" % name,
                  'id="%s-QMP-vtopo.%s"' % (
                      "event" if name.isupper() else
                      "command" if name.startswith("query") else "object"
                      if name != "TopologyRule" else "enum", name) in topo,
                  "ids there: %s" % sorted(set(re.findall(
                      r'id="([a-z]+-QMP-vtopo\.[^"]+)"', topo)))[:20])
    checks = text(topo[topo.find('id="command-QMP-vtopo.query-topology-checks"'):]
                  [:4000])
    tap.point("query-topology-checks is marked unstable",
              "This command is unstable" in checks, checks[:600])
    start = topo.find('id="command-QMP-vtopo.query-topology"')
    plain = text(topo[start:topo.find('id="', start + 10)])
    tap.point("query-topology is not marked unstable",
              "Command query-topology" in plain and
              "unstable" not in plain, plain[:600])
    for struct in ("CpuInfoFast", "HotpluggableCPU"):
        i = ref.find('id="object-QMP-machine.%s"' % struct)
        j = ref.find('id="', ref.find('QMP-machine.', i + 30)) if i >= 0 else -1
        doc = text(ref[i:j if j > i else i + 20000]) if i >= 0 else ""
        tap.point("%s documents arch-id" % struct, "arch-id" in doc,
                  doc[:800])
    tap.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
