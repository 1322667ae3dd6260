# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot a test guest under the patched QEMU and compare what the guest
sees with what QEMU's query-topology says it built.

The guest (scripts/build-initramfs, tests/vtopo/guest/init) prints its
view of the topology on the serial console: Linux's sysfs, as Linux read
it from CPUID and ACPI.  That is the witness; query-topology is the
claim.  Nothing here decodes CPUID or tables itself.
"""

import base64
import hashlib
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VTOPO_BUILD", os.path.join(REPO, "build"))

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


class QemuError(Exception):
    """QEMU refused the configuration or died; str() is its message."""


class GuestTimeout(Exception):
    pass


class QMP:
    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.file = self.sock.makefile("rwb")
        self._read()                      # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise QemuError("QMP connection closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.file.write(json.dumps(req).encode() + b"\n")
        self.file.flush()
        resp = self._read()
        if "error" in resp:
            raise QemuError(resp["error"]["desc"])
        return resp["return"]

    def hmp(self, line):
        return self.cmd("human-monitor-command", **{"command-line": line})

    def close(self):
        self.file.close()
        self.sock.close()


def qemu_binary(arch="x86_64"):
    return os.path.join(BUILD, "qemu-system-" + arch)


def pristine_binary(arch="x86_64"):
    """QEMU built from the same base without our patches."""
    return os.path.join(BUILD, "pristine", "qemu-system-" + arch)


_kvm_ok = None


def accel():
    """'tcg', or 'kvm' when VTOPO_ACCEL=kvm or a probe guest boots under
    KVM within a short time (on some machines /dev/kvm exists but nested
    guests stall)."""
    global _kvm_ok
    forced = os.environ.get("VTOPO_ACCEL")
    if forced:
        return forced
    if _kvm_ok is None:
        _kvm_ok = False
        if os.access("/dev/kvm", os.R_OK | os.W_OK) and os.environ.get("VTOPO_KVM_PROBE") == "1":
            try:
                with Vm("kvm-probe", ["-smp", "1"], accel="kvm") as vm:
                    vm.boot(timeout=30)
                    _kvm_ok = True
            except (QemuError, GuestTimeout):
                pass
    return "kvm" if _kvm_ok else "tcg"


class Vm:
    """A QEMU process started with -S and a QMP socket, its serial
    console written to build/guest-logs/NAME.console."""

    def __init__(self, name, args, accel="tcg", memory="512M", arch="x86_64",
                 kernel=True, binary=None, boot="acpi", vmlinuz=None):
        self.name = name
        logdir = os.path.join(BUILD, "guest-logs")
        os.makedirs(logdir, exist_ok=True)
        self.console = os.path.join(logdir, name + ".console")
        self.sock = os.path.join(logdir, name + ".qmp")
        for f in (self.console, self.sock):
            if os.path.exists(f):
                os.unlink(f)
        guest = os.path.join(BUILD, "guest" if arch == "x86_64" else "guest-arm64")
        firmware = os.path.join(guest, "firmware")
        self.argv = [
            binary or qemu_binary(arch), "-S", "-nodefaults", "-no-user-config",
            "-display", "none",
            "-serial", "file:" + self.console, "-no-reboot",
            "-qmp", "unix:%s,server=on,wait=off" % self.sock,
        ]
        if accel:
            self.argv += ["-accel", accel]
        if memory:
            self.argv += ["-m", memory]
        if arch == "x86_64":
            self.argv += ["-L", firmware]
            console = "console=ttyS0 no_timer_check"
        elif boot == "dt":
            # Straight into the kernel: Linux reads the device tree.
            console = "console=ttyAMA0"
        else:
            # UEFI, so that Linux reads the ACPI tables (PPTT, SRAT, ...),
            # with the edk2 of scripts/build-aavmf.
            aavmf = os.path.join(BUILD, "aavmf")
            self.argv += [
                "-drive", "if=pflash,format=raw,readonly=on,file=" +
                os.path.join(aavmf, "AAVMF_CODE.fd"),
                "-drive", "if=pflash,format=raw,snapshot=on,file=" +
                os.path.join(aavmf, "AAVMF_VARS.fd"),
            ]
            console = "console=ttyAMA0 acpi=force"
        if kernel:
            self.argv += [
                "-kernel", vmlinuz or os.path.join(guest, "vmlinuz"),
                "-initrd", os.path.join(guest, "initramfs.cpio.gz"),
                "-append", console + " panic=-1 quiet loglevel=4",
            ]
        self.argv += list(args)
        self.proc = None
        self.qmp = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while self.qmp is None:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace").strip()
                raise QemuError(err or "QEMU exited with %d" % self.proc.returncode)
            if time.monotonic() > deadline:
                self.kill()
                raise QemuError("QEMU did not open its QMP socket within 60 s")
            try:
                self.qmp = QMP(self.sock, timeout=60)
            except (FileNotFoundError, ConnectionRefusedError, ConnectionResetError):
                # Not listening yet, or exiting: the poll above tells.
                time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.kill()

    def kill(self):
        if self.qmp:
            try:
                self.qmp.close()
            except OSError:
                pass
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr(self):
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read().decode(errors="replace")

    def boot(self, timeout=300):
        """Run the guest until it prints its view; returns the console text.
        Raises QemuError if QEMU dies, GuestTimeout if the guest hangs."""
        self.qmp.cmd("cont")
        deadline = time.monotonic() + timeout
        text = ""
        while True:
            try:
                with open(self.console, errors="replace") as f:
                    text = f.read()
            except FileNotFoundError:
                pass
            if "VTOPO-END" in text:
                return text
            if self.proc.poll() is not None:
                raise QemuError("QEMU died (exit %d) before the guest reported: %s"
                                % (self.proc.returncode, self.stderr().strip()[-500:]))
            if time.monotonic() > deadline:
                self.kill()
                raise GuestTimeout("guest did not report within %d s (console: %s)"
                                   % (timeout, self.console))
            time.sleep(0.5)


def allowed_list(pid, tid):
    """The Cpus_allowed_list of thread @tid of process @pid."""
    with open("/proc/%d/task/%d/status" % (pid, tid)) as f:
        for line in f:
            if line.startswith("Cpus_allowed_list:"):
                return line.split(":", 1)[1].strip()
    return None


def parse_cpulist(text):
    cpus = set()
    if text in ("", "-"):
        return cpus
    for part in text.split(","):
        if "-" in part:
            lo, hi = part.split("-")
            cpus.update(range(int(lo), int(hi) + 1))
        else:
            cpus.add(int(part))
    return cpus


def parse_guest(text):
    """The guest's records between VTOPO-BEGIN and VTOPO-END."""
    view = {"cpus": {}, "caches": [], "nodes": {}, "acpi": [], "dmesg": [],
            "guest": {}, "cpuid_walk": [], "cpuid": [], "acpi_sha256": {}, "acpi_raw": {},
            "glibc": {}, "fdt": None, "hwloc": {}, "topo_domains": {}}
    body = text.split("VTOPO-BEGIN", 1)[1].split("VTOPO-END", 1)[0]
    for line in body.splitlines():
        kind, _, rest = line.strip().partition(" ")
        if kind == "dmesg":
            view["dmesg"].append(rest)
            continue
        fields = dict(tok.split("=", 1) for tok in rest.split() if "=" in tok)
        if kind == "cpu":
            view["cpus"][int(fields["id"])] = fields
        elif kind == "cache":
            view["caches"].append(fields)
        elif kind == "node":
            view["nodes"][int(fields["id"])] = fields
        elif kind == "acpi":
            view["acpi"] = [t for t in fields.get("tables", "").split(",") if t]
        elif kind == "guest":
            view["guest"] = fields
        elif kind == "cpuid-walk":
            view["cpuid_walk"].append(fields)
        elif kind == "cpuid":
            view["cpuid"].append(fields)
        elif kind == "glibc":
            view["glibc"].update(fields)
        elif kind == "acpi-table":
            view["acpi_sha256"][fields["name"]] = fields["sha256"]
        elif kind == "acpi-raw":
            view["acpi_raw"][fields["name"]] = base64.b64decode(fields["base64"])
        elif kind == "fdt-raw":
            view["fdt"] = base64.b64decode(fields["base64"])
        elif kind == "x86-topo-domain":
            view["topo_domains"][fields["name"]] = (int(fields["shift"]), int(fields["size"]))
        elif kind == "hwloc":
            view["hwloc"][fields["backend"]] = {
                "rc": int(fields["rc"]),
                "xml": zlib.decompress(base64.b64decode(fields["xml"]),
                                       16 + zlib.MAX_WBITS).decode(),
                "err": base64.b64decode(fields.get("err", "")).decode(errors="replace"),
            }
    view["arch"] = view["guest"].get("arch")
    return view


# query-topology level names, outermost first, and their props keys.
LEVEL_KEYS = ["drawer", "book", "socket", "die", "cluster", "module", "core", "thread"]


def model_domains(topo, level):
    """{arch-id: key of the @level domain} for present vCPUs, where the key
    is the tuple of ids from the outermost level down to @level."""
    depth = LEVEL_KEYS.index(level)
    out = {}
    for v in topo["vcpus"]:
        if not v["present"]:
            continue
        p = v["props"]
        out[v["arch-id"]] = tuple(p.get(k + "-id", 0) for k in LEVEL_KEYS[:depth + 1])
    return out


def model_groups(topo, level):
    """{arch-id: set of arch-ids in the same @level domain}."""
    dom = model_domains(topo, level)
    groups = {}
    for a, key in dom.items():
        groups.setdefault(key, set()).add(a)
    return {a: groups[key] for a, key in dom.items()}


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


def id_bits(n):
    """Width of an APIC ID field for @n values (SDM vol. 3A 10.12.8)."""
    return (n - 1).bit_length()


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
    return [Result("the guest's MADT/SRAT/SLIT/PPTT/HMAT are the tables query-topology "
                   "reports (SHA-256)", bool(want) and got == want,
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
    bad = []
    for apic, c in chains.items():
        if len(c) != len(levels):
            bad.append("APIC ID %d: %d levels, model %s" % (apic, len(c), levels))
        elif c[-1].get("Physical package") != "1" or \
                (levels[-1] == "thread") != (c[0].get("Processor is a thread") == "1"):
            bad.append("APIC ID %d: package/thread flags wrong" % apic)
    arch = {a for a in chains}
    for depth, level in enumerate(reversed(levels[:-1]), 1):
        want = model_groups(topo, level)
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
        for (name, _), apics in holders.items():
            groups = model_groups(topo, want[name]["sharing"])
            for a in apics:
                if groups.get(a) != apics:
                    bad.add("%s shared by %s in PPTT, model %s" % (
                        name, sorted(apics), sorted(groups.get(a, ()))))
                    break
        results.append(Result("PPTT caches (geometry, chains, sharing) match the model",
                              not bad, "; ".join(sorted(bad)[:4])))
    return results


def dtc_decode(dtb):
    """Decompile @dtb with dtc: ({node path: {property: value}}, problems),
    a value being a list of cells, a string, or True for an empty
    property; problems are dtc's warnings and errors."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "guest.dtb")
        with open(path, "wb") as f:
            f.write(dtb)
        p = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", path],
                           capture_output=True, text=True, timeout=60)
    problems = [l for l in p.stderr.splitlines() if l.strip()]
    if p.returncode:
        problems.append("dtc exited with %d" % p.returncode)
    nodes, stack = {}, []
    for line in p.stdout.splitlines():
        line = line.strip()
        m = re.match(r"^(?:[\w-]+: )?([^\s=]+) \{$", line)
        if m:
            stack.append(m.group(1))
            nodes["/" + "/".join(stack[1:])] = {}
            continue
        if line == "};":
            stack.pop()
            continue
        m = re.match(r"^([^\s=]+)(?: = (.*))?;$", line)
        if m and stack:
            value = m.group(2)
            if value is None:
                value = True
            elif value.startswith("<"):
                value = [int(x, 0) for x in value.strip("<>").split()]
            else:
                value = value.strip('"')
            nodes["/" + "/".join(stack[1:])][m.group(1)] = value
    return nodes, problems


def compare_dt(topo, view):
    """The device tree the guest booted with (/sys/firmware/fdt), as dtc
    decompiles it, against query-topology: dtc finds nothing wrong; every
    present vCPU has a node with its MPIDR and node; cpu-map groups the
    vCPUs as the model's sockets, clusters and cores; the L1 properties
    and the caches reached through next-level-cache have the model's
    geometry and are shared by the model's vCPUs; the distance-map holds
    the distances."""
    if not view.get("fdt"):
        return []
    nodes, problems = dtc_decode(view["fdt"])
    results = [Result("dtc decompiles the guest's device tree without warnings",
                      bool(nodes) and not problems, "; ".join(problems[:6]))]
    by_phandle = {n["phandle"][0]: (path, n) for path, n in nodes.items() if "phandle" in n}
    cpus = {n["reg"][-1]: (path, n) for path, n in nodes.items()
            if n.get("device_type") == "cpu"}
    present = {v["arch-id"]: v for v in topo["vcpus"] if v["present"]}
    results.append(Result("device tree: a CPU node per present vCPU, reg = MPIDR",
                          set(cpus) == set(present),
                          "DT %s, QEMU %s" % (sorted(cpus), sorted(present))))
    if set(cpus) != set(present):
        return results
    if topo["numa-nodes"]:
        bad = ["%s: numa-node-id %s, QEMU %s" % (path, n.get("numa-node-id"),
                                                   present[a]["props"].get("node-id"))
               for a, (path, n) in cpus.items()
               if n.get("numa-node-id") != [present[a]["props"].get("node-id")]]
        results.append(Result("device tree: numa-node-id of every CPU", not bad,
                              "; ".join(bad[:4])))
        want = [n.get("distances") for n in topo["numa-nodes"]]
        if all(want):
            cells = nodes.get("/distance-map", {}).get("distance-matrix", [])
            got = [[0] * len(want) for _ in want]
            for i in range(0, len(cells) - 2, 3):
                if cells[i] < len(want) and cells[i + 1] < len(want):
                    got[cells[i]][cells[i + 1]] = cells[i + 2]
            results.append(Result("device tree: distance-map holds the distances",
                                  got == want, "DT %s, QEMU %s" % (got, want)))
    # cpu-map: the path of each CPU's entry, socketN/clusterN/coreN[/threadN]
    where = {}
    for path, n in nodes.items():
        if path.startswith("/cpus/cpu-map/") and "cpu" in n:
            cpu_path = by_phandle.get(n["cpu"][0], (None,))[0]
            where[cpu_path] = path.split("/")[3:]
    bad = []
    for depth, level in enumerate(("socket", "cluster", "core")):
        want = model_groups(topo, level)
        for a, (path, _) in cpus.items():
            got = {b for b, (p2, _) in cpus.items()
                   if where.get(p2, [])[:depth + 1] == where.get(path, [None])[:depth + 1]}
            if got != want.get(a):
                bad.append("%s of MPIDR 0x%x: cpu-map %s, QEMU %s" % (
                    level, a, sorted(got), sorted(want.get(a, ()))))
                break
    results.append(Result("device tree: cpu-map groups the vCPUs by socket, cluster, core",
                          not bad, "; ".join(bad)))
    if topo.get("caches"):
        want = {c["cache"]: c for c in topo["caches"]}
        bad, holders = set(), {}
        for a, (path, n) in cpus.items():
            found = {}
            for name, prefix in (("l1d", "d-cache"), ("l1i", "i-cache")):
                if prefix + "-size" in n:
                    found[name] = (path + ":" + prefix, n[prefix + "-size"][0],
                                   n.get(prefix + "-sets", [0])[0],
                                   n.get(prefix + "-line-size", [0])[0])
            nxt, seen = n.get("next-level-cache"), 0
            while nxt and seen < 8:
                cpath, c = by_phandle.get(nxt[0], (None, {}))
                level = c.get("cache-level", [0])[0]
                found["l%d" % level] = (cpath, c.get("cache-size", [0])[0],
                                        c.get("cache-sets", [0])[0],
                                        c.get("cache-line-size", [0])[0])
                nxt, seen = c.get("next-level-cache"), seen + 1
            if set(found) != set(want):
                bad.add("MPIDR 0x%x: DT caches %s, QEMU %s" % (a, sorted(found), sorted(want)))
            for name, (cpath, size, sets, line) in found.items():
                m = want.get(name)
                if m and (size, sets, line) != (m["size"], m["sets"], m["line-size"]):
                    bad.add("%s: DT size/sets/line %s, QEMU %s" % (
                        name, (size, sets, line), (m["size"], m["sets"], m["line-size"])))
                if m and not name.startswith("l1"):
                    holders.setdefault((name, cpath), set()).add(a)
        for (name, _), arch in holders.items():
            groups = model_groups(topo, want[name]["sharing"])
            for a in arch:
                if groups.get(a) != arch:
                    bad.add("%s shared by %s in the DT, QEMU %s" % (
                        name, sorted(arch), sorted(groups.get(a, ()))))
                    break
        results.append(Result("device tree caches (L1 properties, next-level-cache "
                              "nodes: geometry and sharing) match the model",
                              not bad, "; ".join(sorted(bad)[:4])))
    return results


# hwloc's object types for query-topology's caches and Linux's.
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


def size_bytes(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


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
                                 model_groups(topo, c["sharing"]).values()}),
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


def compare_expected(expect, view):
    """The guest's view against facts written by hand (a mirrored
    host's): threads per core, the CPUs of each NUMA node and their
    distances, and each cache's size, ways and CPUs per instance."""
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
        results.append(Result("the host's %s: %s, %d-way, one per %d CPU%s" %
                              (k, size, ways, cpus, "" if cpus == 1 else "s"),
                              got.get(k) == {(size, ways, cpus)},
                              "guest %s" % sorted(got.get(k, ()))))
    return results


def print_tap(points):
    """Print @points, (description, ok, detail[, skip reason]) each, as
    TAP; the detail of a failed point as comments."""
    print("TAP version 13")
    print("1..%d" % len(points))
    for i, (what, ok, detail, *skip) in enumerate(points, 1):
        if skip and skip[0]:
            print("ok %d - %s # SKIP %s" % (i, what, skip[0]))
            continue
        print("%s %d - %s" % ("ok" if ok else "not ok", i, what))
        if not ok:
            for d in detail.splitlines()[:20]:
                print("# " + d)


class Result:
    def __init__(self, name, ok, detail=""):
        self.name, self.ok, self.detail = name, ok, detail


def compare(topo, view):
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
        geo_bad, share_bad = set(), set()
        seen = set()
        groups = {}
        for c in want.values():
            groups[c["cache"]] = model_groups(topo, c["sharing"])
        for cache in view["caches"]:
            k = key.get((cache["level"], cache["type"]))
            seen.add(k)
            w = want.get(k)
            if not w:
                geo_bad.add("guest has %s, QEMU does not" % k)
                continue
            got = (cache["size"], int(cache["ways"]), int(cache["line"]), int(cache["sets"]))
            exp = ("%dK" % (w["size"] // 1024), w["ways"], w["line-size"], w["sets"])
            if got != exp:
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
        results.append(Result("cache geometry (size, ways, line, sets) matches",
                              not geo_bad, "; ".join(sorted(geo_bad)[:6])))
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
