# SPDX-License-Identifier: GPL-2.0-or-later
"""The harness of the QEMU and guest tests: start the patched (or
pristine) QEMU with a QMP socket, boot the test guest and read what it
printed.

The guest (scripts/build-initramfs, tests/vtopo/guest/init) prints its
view of the topology on the serial console: Linux's sysfs, as Linux read
it from CPUID and ACPI, and what hwloc, glibc, iasl and dtc make of it.
That is the witness; query-topology is the claim.  The comparisons are
per channel, in check_*.py.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zlib

import topology_view

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("VTOPO_BUILD", os.path.join(REPO, "build"))


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
        self.events = []                  # every event, in order
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
            self.events.append(msg)

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

    def topology(self):
        """QEMU's view of the machine (topology_view.machine_view())."""
        return topology_view.machine_view(self.cmd)

    def close(self):
        self.file.close()
        self.sock.close()


def require_programs(programs):
    """The witness programs a test runs ({program: Debian package}) are
    installed, or the test bails out naming how to install them: a
    missing witness fails, it does not skip."""
    missing = ["%s (%s)" % (prog, pkg) for prog, pkg in sorted(programs.items())
               if not shutil.which(prog)]
    if missing:
        print("Bail out! missing %s: run scripts/install-deps" %
              ", ".join(missing))
        sys.exit(1)


def qemu_binary(arch="x86_64"):
    return os.path.join(BUILD, "qemu-system-" + arch)


# sysfs cache index directories: (level, type) -> smp-cache's name
SYSFS_CACHE_KINDS = {("1", "Data"): "l1d", ("1", "Instruction"): "l1i",
                     ("2", "Unified"): "l2", ("3", "Unified"): "l3"}


def host_caches(cpu=0):
    """{smp-cache name: size in bytes} of the caches sysfs describes for
    this machine's host CPU @cpu; {} where it describes none."""
    base = "/sys/devices/system/cpu/cpu%d/cache" % cpu
    caches = {}
    for index in sorted(os.listdir(base) if os.path.isdir(base) else []):
        if not index.startswith("index"):
            continue
        attr = {}
        for name in ("level", "type", "size"):
            with open(os.path.join(base, index, name)) as f:
                attr[name] = f.read().strip()
        kind = SYSFS_CACHE_KINDS.get((attr["level"], attr["type"]))
        size = attr["size"]
        if kind and size[:-1].isdigit() and size[-1] in "KMG":
            caches[kind] = int(size[:-1]) << {"K": 10, "M": 20, "G": 30}[size[-1]]
    return caches


def exceeds_host_caches(caches, cpu=0):
    """Whether one of @caches (query-topology's) is larger than the one
    of its kind sysfs describes for host CPU @cpu: what the placement
    rule pin-cache-size finds of a vCPU that runs there."""
    host = host_caches(cpu)
    return any(c["cache"] in host and c["size"] > host[c["cache"]]
               for c in caches)


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
                 kernel=True, binary=None, boot="acpi", vmlinuz=None,
                 wrapper=(), start_timeout=60, append=""):
        self.name = name
        # How long QEMU may take to open its QMP socket (longer under a
        # wrapper such as valgrind, on a busy machine).
        self.start_timeout = start_timeout
        logdir = os.path.join(BUILD, "guest-logs")
        os.makedirs(logdir, exist_ok=True)
        self.console = os.path.join(logdir, name + ".console")
        self.sock = os.path.join(logdir, name + ".qmp")
        for f in (self.console, self.sock):
            if os.path.exists(f):
                os.unlink(f)
        guest = os.path.join(BUILD, "guest" if arch == "x86_64" else "guest-arm64")
        firmware = os.path.join(guest, "firmware")
        self.argv = list(wrapper) + [
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
                "-append", console + " panic=-1 quiet loglevel=4" +
                (" " + append if append else ""),
            ]
        self.argv += list(args)
        self.proc = None
        self.qmp = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.start_timeout
        while self.qmp is None:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace").strip()
                raise QemuError(err or "QEMU exited with %d" % self.proc.returncode)
            if time.monotonic() > deadline:
                self.kill()
                raise QemuError("QEMU did not open its QMP socket within %d s"
                                % self.start_timeout)
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
