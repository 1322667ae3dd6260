#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Suite 'targets': every machine type of every target whose machines
have a CPU topology starts as pristine QEMU's does (same exit status,
same stderr: no new warning on a machine not given a new option), and
query-topology either describes it as QEMU's own queries do or says
that the machine type has no topology model.

Witnesses: pristine QEMU of the same base (scripts/build-pristine,
scripts/build-targets), and QEMU's own query-hotpluggable-cpus and
query-cpus-fast for which vCPUs exist, with which arch id.  Each machine
is started with -S, asked, and quit: no guest runs.

Beside each machine type's defaults, the main machine of each target
is started with -smp asking more possible than present vCPUs and more
than one thread or socket, where presence and per-level ids go wrong
(possible CPUs that are cores, ids numbered across the machine)."""

import json
import os
import re
import subprocess
import sys

import topology_view
import vtopo_guest as vg
from tap import Tap

# (target, directory of the patched binary relative to the build, of the
# pristine one): x86_64 and aarch64 come with the default build.
TARGETS = [
    ("x86_64", "", "pristine"),
    ("aarch64", "", "pristine"),
    ("ppc64", "targets", "pristine/targets"),
    ("s390x", "targets", "pristine/targets"),
    ("riscv64", "targets", "pristine/targets"),
    ("loongarch64", "targets", "pristine/targets"),
]

# Each target's main machine with more possible than present vCPUs and
# several threads or sockets.
SMP = {
    "x86_64": [("pc-q35-10.2", "2,maxcpus=8,sockets=2,cores=2,threads=2"),
               ("pc-q35-11.0", "2,maxcpus=8,sockets=2,cores=2,threads=2"),
               ("pc-i440fx-10.2", "3,maxcpus=4,sockets=2,cores=2"),
               ("pc-i440fx-11.0", "3,maxcpus=4,sockets=2,cores=2")],
    "aarch64": [("virt-10.2", "2,maxcpus=4,sockets=2,cores=2"),
                ("virt-11.0", "2,maxcpus=4,sockets=2,cores=2"),
                ("sbsa-ref", "4,sockets=2,cores=2")],
    "ppc64": [("pseries", "2,maxcpus=8,cores=2,threads=2,sockets=2")],
    "s390x": [("s390-ccw-virtio", "2,maxcpus=8,sockets=2,books=2")],
    "riscv64": [("virt", "4,sockets=2,cores=2")],
    "loongarch64": [("virt", "2,maxcpus=8,sockets=2,cores=2,threads=2")],
}

# Machine types with a topology model (MachineClass.has_topology_model):
# a query-topology error on these is a failure, not "no model".
MODEL = {
    "x86_64": re.compile(r"^(pc|q35|pc-.*|isapc|microvm|xenfv.*|nitro.*)$"),
    "aarch64": re.compile(r"^virt(-.*)?$"),
    "loongarch64": re.compile(r"^virt$"),
}

NO_MODEL = "does not describe its CPU topology"

# QMP on stdin: the answers go to stdout, one JSON object a line.
COMMANDS = [
    {"execute": "qmp_capabilities"},
    {"execute": "query-topology"},
    {"execute": "query-hotpluggable-cpus"},
    {"execute": "query-cpus-fast"},
    {"execute": "human-monitor-command",
     "arguments": {"command-line": "info topology"}},
    {"execute": "qom-get", "arguments": {"path": "/machine",
                                         "property": "smp"}},
    {"execute": "quit"},
]

tap = Tap()
point = tap.point


def machines(binary):
    """{machine type or alias of @binary (-machine help): the machine
    type it names}."""
    out = subprocess.run([binary, "-machine", "help"], capture_output=True,
                         text=True, timeout=60, check=True).stdout
    names = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"^(\S+)\s.*?(?:\(alias of (\S+)\))?$", line)
        if m and m.group(1) != "none":
            names[m.group(1)] = m.group(2) or m.group(1)
    return names


def machine_infos(binary):
    """query-machines of @binary, by machine type."""
    p = subprocess.run([binary, "-machine", "none", "-S", "-display", "none",
                        "-nodefaults", "-qmp", "stdio"],
                       input='{"execute":"qmp_capabilities"}\n'
                             '{"execute":"query-machines"}\n'
                             '{"execute":"quit"}\n',
                       capture_output=True, text=True, timeout=60)
    for line in p.stdout.splitlines():
        reply = json.loads(line) if line.startswith("{") else {}
        if isinstance(reply.get("return"), list):
            return {m["name"]: m for m in reply["return"]}
    return {}


def start(binary, args, firmware):
    """(exit status, stderr with the program's name taken out, the QMP
    answers by command, or None where QEMU did not answer)."""
    argv = [binary, "-S", "-display", "none", "-nodefaults",
            "-no-user-config", "-qmp", "stdio"] + firmware + args
    stdin = "".join(json.dumps(c) + "\n" for c in COMMANDS)
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True,
                           timeout=60)
    except subprocess.TimeoutExpired:
        return None, "timed out after 60 s", {}
    answers = [json.loads(line) for line in p.stdout.splitlines()
               if line.startswith("{")]
    replies = [a for a in answers if "return" in a or "error" in a]
    by_command = {}
    # The greeting has no "return"; replies come in command order.
    for cmd, reply in zip(COMMANDS, replies):
        by_command[cmd["execute"] if cmd["execute"] != "human-monitor-command"
                   else "info topology"] = reply
    stderr = p.stderr.replace(binary + ":", "QEMU:")
    stderr = re.sub(r"^qemu-system-[a-z0-9_]+:", "QEMU:", stderr, flags=re.M)
    return p.returncode, stderr, by_command


def hmp_head(text):
    """(present, possible) from the first line of info topology."""
    m = re.search(r"^topology: .*\((\d+) present, (\d+) possible\)", text,
                  re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


def describes(has_model, answers):
    """query-topology and info topology against query-cpus-fast,
    query-hotpluggable-cpus and the machine's smp property: the same
    vCPUs exist, with the same arch ids and topology ids, of as many
    possible; or the machine says it has no model."""
    topo = answers.get("query-topology", {})
    hmp = answers.get("info topology", {}).get("return", "")
    if "error" in topo:
        if NO_MODEL not in topo["error"]["desc"]:
            return False, "query-topology: " + topo["error"]["desc"]
        if has_model:
            return False, "a machine type with a model has none: " + \
                topo["error"]["desc"]
        return True, "no model"
    if not has_model:
        return False, "has a model but is not listed as having one"
    if "return" not in topo or len(topo["return"].get("digest", "")) != 64:
        return False, "query-topology gave no digest: %s" % topo
    cpus = answers.get("query-cpus-fast", {}).get("return")
    smp = answers.get("qom-get", {}).get("return")
    if cpus is None or smp is None:
        return False, "query-cpus-fast or qom-get smp failed: %s, %s" % (
            answers.get("query-cpus-fast"), answers.get("qom-get"))
    vcpus = topology_view.hmp_tree(hmp)
    head = hmp_head(hmp)
    if not head:
        return False, "info topology has no 'topology:' line:\n" + hmp
    possible = smp["maxcpus"]
    present = {v[0]: a for a, v in vcpus.items() if v[3]}
    want = {c["cpu-index"]: c["arch-id"] for c in cpus}
    if present != want:
        return False, "present vCPUs (info topology) %s, query-cpus-fast %s" % (
            sorted(present.items()), sorted(want.items()))
    if head != (len(cpus), possible) or len(vcpus) != possible:
        return False, "info topology says %d present of %d possible (%d " \
            "listed), QEMU %d of %d" % (head + (len(vcpus), len(cpus),
                                               possible))
    # Each vCPU's place in the tree is where QEMU's props put it (the
    # ids QEMU gives; a level it leaves out has one domain).
    props = {c["arch-id"]: c["props"] for c in cpus}
    for h in answers.get("query-hotpluggable-cpus", {}).get("return") or []:
        props.setdefault(h.get("arch-id"), h["props"])
    for arch, p in props.items():
        if arch not in vcpus:
            return False, "QEMU's vCPU of arch id %s is not in info " \
                "topology" % arch
        ids = vcpus[arch][1]
        for key, value in p.items():
            if key.endswith("-id") and key != "node-id" and \
                    ids.get(key, 0) != value:
                return False, "arch id %#x is %s %d in info topology, %d " \
                    "for QEMU" % (arch, key, ids.get(key, 0), value)
    return True, "%d of %d vCPUs present, ids as QEMU's" % (len(cpus),
                                                              possible)


def firmware_for(target):
    """The same data directory for both QEMUs, first in the search: the
    test guest's firmware (Debian's SeaBIOS, SLOF, VOF, ROMs).  QEMU's
    own data directory has none of them (the +ds tarball), and what
    other suites link into the patched build's would make pristine
    refuse what ours starts.  RISC-V machines start without OpenSBI,
    s390x ones with a stage-1 loader of four zero bytes (neither is in
    Debian 12's qemu packages here): nothing runs before quit."""
    args = ["-L", os.path.join(vg.BUILD, "guest", "firmware")]
    if target == "riscv64":
        args += ["-bios", "none"]
    elif target == "s390x":
        loader = os.path.join(vg.BUILD, "guest-logs", "s390x-stage1.img")
        os.makedirs(os.path.dirname(loader), exist_ok=True)
        with open(loader, "wb") as f:
            f.write(bytes(4))
        args += ["-bios", loader]
    return args


def check_target(target, subdir, pristine_subdir):
    binary = os.path.join(vg.BUILD, subdir, "qemu-system-" + target)
    pristine = os.path.join(vg.BUILD, pristine_subdir, "qemu-system-" + target)
    for b in (binary, pristine):
        if not os.access(b, os.X_OK):
            point("%s: %s built" % (target, b), False,
                  "missing: run scripts/build-targets build")
            return
    firmware = firmware_for(target)
    ours = machines(binary)
    theirs = machines(pristine)
    infos = machine_infos(binary)
    model = MODEL.get(target)
    # Every machine type (an alias names one of them)
    runs = [(m, []) for m, t in ours.items() if m == t]
    runs += [(m, ["-smp", smp]) for m, smp in SMP.get(target, [])]
    started = 0
    for machine, extra in runs:
        what = "%s -M %s%s" % (target, machine,
                               " -smp " + extra[1] if extra else "")
        args = ["-M", machine] + extra
        status, stderr, answers = start(binary, args, firmware)
        if theirs.get(machine) == ours.get(machine):
            p_status, p_stderr, _ = start(pristine, args, firmware)
            point(what + ": exit status and stderr as pristine's",
                  (status, stderr) == (p_status, p_stderr),
                  "pristine: exit %s, stderr:\n%s\nvtopo: exit %s, stderr:\n%s"
                  % (p_status, p_stderr, status, stderr))
        else:
            # A machine type pristine has not (11.0), or an alias that
            # names it: it starts silently.
            point(what + ": starts without a word (new machine type)",
                  status == 0 and stderr == "",
                  "exit %s, stderr:\n%s" % (status, stderr))
        if status != 0:
            # The -smp cases are the point: they must start.
            point(what + ": starts", not extra, "exit %s" % status)
            continue
        started += 1
        has_model = bool(model and model.match(machine))
        if not extra:
            # What management software reads before it starts a VM
            info = infos.get(ours[machine], {})
            point("%s: query-machines says topology-model %s" %
                  (what, "true" if has_model else "false"),
                  info.get("topology-model") is has_model,
                  "query-machines: %s" % info)
        ok, detail = describes(has_model, answers)
        point(what + ": query-topology " +
              ("describes it (%s)" % detail if ok and has_model else
               "says it has no model" if ok else "describes it"), ok, detail)
    tap.note("%s: %d of %d starts ran (the others need firmware the "
             "Debian tarball has not, as pristine's do)" %
             (target, started, len(runs)))
    # A target whose machines all failed would test nothing.
    point("%s: some machine type started" % target, started > 0,
          "every start failed")


def main():
    # Usage: targets.py [TARGET...]   (all of TARGETS by default)
    for target, subdir, pristine_subdir in TARGETS:
        if len(sys.argv) == 1 or target in sys.argv[1:]:
            check_target(target, subdir, pristine_subdir)
    tap.print()


main()
