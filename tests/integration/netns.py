# SPDX-License-Identifier: GPL-2.0-only
"""Network namespace helpers for the datapath integration tests.

Imported by the tests (namespaces, veth links, xdpsec daemons, captures,
traffic helpers) and also run as a script inside a namespace for the
traffic endpoints:

    nsenter --net=/run/netns/NS /usr/bin/python3 netns.py tcp-recv PORT
    ... tcp-send ADDR PORT BYTES [--rate B/s]
    ... udp-recv PORT [--count N] [--idle S] [--stream]
    ... udp-send ADDR PORT COUNT [--size N] [--pps N] [--sport N] [--tos N]
    ... ping ADDR [--count N] [--interval S] [--timeout S]
    ... inject IFNAME            (hex Ethernet frames on stdin, one a line)

Commands run inside a namespace through `nsenter --net=/run/netns/NAME`:
`ip netns exec` also enters a fresh mount namespace and remounts /sys, which
hides bpffs (/sys/fs/bpf); the daemon copes (test_netns_exec.py), other
tools here (bpftool on pins, sysfs reads) would not.

Every namespace, daemon and pin directory created here is registered and
removed at teardown, by the fixture that made it and again at interpreter
exit (atexit) for anything a failure left behind. Names carry the pid and a
random tag (xs-<pid>-<rand>-a) so parallel runs never collide.
"""
import atexit
import hashlib
import ipaddress
import json
import os
import pathlib
import random
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

PYTHON = "/usr/bin/python3"
HERE = pathlib.Path(__file__).resolve()
REPO = HERE.parents[2]
PIN_ROOT = pathlib.Path("/sys/fs/bpf/xdpsec")
RUN_DIR = pathlib.Path("/run/xdpsec")
STATE_ROOT = pathlib.Path("/var/lib/xdpsec")  # the daemon's SA state (loader/sa_state.h)
ABI_H = REPO / "include" / "xdpsec" / "abi.h"

RUN_TAG = f"{os.getpid()}-{secrets.token_hex(2)}"


# ------------------------------------------------------------- cleanup

_cleanups = []           # (key, fn), run newest first
_cleanup_lock = threading.Lock()


def register_cleanup(fn):
    """Registers fn to run at teardown; returns a key for run_cleanup()."""
    key = object()
    with _cleanup_lock:
        _cleanups.append((key, fn))
    return key


def run_cleanup(key):
    """Runs (once) and forgets the cleanup registered under key."""
    with _cleanup_lock:
        for i, (k, fn) in enumerate(_cleanups):
            if k is key:
                del _cleanups[i]
                break
        else:
            return
    try:
        fn()
    except Exception as e:  # teardown must go on
        print(f"netns cleanup: {e}", file=sys.stderr)


def _cleanup_all():
    while True:
        with _cleanup_lock:
            if not _cleanups:
                return
            key = _cleanups[-1][0]
        run_cleanup(key)


atexit.register(_cleanup_all)


# ---------------------------------------------------------- environment

def is_root():
    return os.geteuid() == 0


def ensure_bpffs():
    """Mounts bpffs on /sys/fs/bpf unless something is mounted there."""
    if os.path.ismount("/sys/fs/bpf"):
        return
    subprocess.run(["mount", "-t", "bpf", "bpf", "/sys/fs/bpf"], check=True)


def sh(args, check=True, timeout=60, **kw):
    """Runs a command in the current namespace, text output."""
    p = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} failed ({p.returncode}):\n"
                           f"{p.stdout}{p.stderr}")
    return p


def unique_name(suffix):
    return f"xs-{RUN_TAG}-{suffix}"


# ------------------------------------------------------------ namespaces

class Netns:
    """A named network namespace (/run/netns/NAME) deleted at cleanup."""

    def __init__(self, name):
        self.name = name
        self.path = f"/run/netns/{name}"
        sh(["ip", "netns", "add", name])
        self._key = register_cleanup(self._delete)
        self.run(["ip", "link", "set", "lo", "up"])

    def _delete(self):
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=30)

    def delete(self):
        run_cleanup(self._key)

    def cmd(self, args):
        return ["nsenter", f"--net={self.path}", "--"] + [str(a) for a in args]

    def run(self, args, check=True, timeout=60, **kw):
        return sh(self.cmd(args), check=check, timeout=timeout, **kw)

    def popen(self, args, **kw):
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        return subprocess.Popen(self.cmd(args), **kw)

    def helper(self, *args, **kw):
        """Starts this file as a traffic helper inside the namespace."""
        return LineProc(self.popen([PYTHON, str(HERE)] + [str(a) for a in args],
                                   stdin=kw.pop("stdin", subprocess.DEVNULL), **kw))

    def ping(self, addr, count=5, interval=0.1, timeout=2.0):
        """{"sent", "received", "rtt_ms"} of an ICMP(v6) echo run."""
        h = self.helper("ping", addr, "--count", count, "--interval", interval,
                        "--timeout", timeout)
        return h.finish(count * interval + timeout + 20)

    def link(self, ifname, details=False):
        d = ["-d"] if details else []
        return json.loads(self.run(["ip", "-j"] + d + ["link", "show", "dev", ifname]).stdout)[0]

    def mac(self, ifname):
        return self.link(ifname)["address"]

    def sysctl(self, key, value):
        self.run(["sysctl", "-q", "-w", f"{key}={value}"])


class LineProc:
    """A child process whose stdout lines are collected by a thread."""

    def __init__(self, proc):
        self.proc = proc
        self.lines = []
        self.err = []
        self._cv = threading.Condition()
        self._t = threading.Thread(target=self._read, args=(proc.stdout, self.lines),
                                   daemon=True)
        self._te = threading.Thread(target=self._read, args=(proc.stderr, self.err),
                                    daemon=True)
        self._t.start()
        self._te.start()
        self._key = register_cleanup(self._kill)

    def _read(self, f, into):
        for line in f:
            with self._cv:
                into.append(line.rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def wait_line(self, pred, timeout):
        """Waits for a stdout line matching pred; returns it or None."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._cv:
            while True:
                for line in self.lines[seen:]:
                    if pred(line):
                        return line
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._t.is_alive()):
                    return None
                self._cv.wait(min(left, 0.2))

    def wait_ready(self, timeout=10):
        if self.wait_line(lambda s: s == "ready", timeout) is None:
            raise RuntimeError(f"helper not ready: {self.describe()}")

    def signal(self, sig):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def finish(self, timeout):
        """Waits for exit; returns the JSON object of the last stdout line."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise RuntimeError(f"helper timed out after {timeout}s: {self.describe()}")
        self._t.join(5)
        self._te.join(5)
        run_cleanup(self._key)
        for line in reversed(self.lines):
            if line.startswith("{"):
                return json.loads(line)
        raise RuntimeError(f"helper gave no result: {self.describe()}")

    def describe(self):
        return (f"{self.proc.args} rc={self.proc.poll()} stdout={self.lines[-5:]} "
                f"stderr={self.err[-10:]}")


# ------------------------------------------------------------- xdpsec

def xdpsec_path(build_dir):
    return pathlib.Path(build_dir) / "xdpsec"


class CliError(RuntimeError):
    pass


class Daemon:
    """One xdpsec instance running in a namespace, in the foreground (its
    pid is ours to SIGTERM or SIGKILL)."""

    def __init__(self, ns, instance, binary, logdir):
        self.ns = ns
        self.instance = instance
        self.binary = str(binary)
        self.log = pathlib.Path(logdir) / f"{instance}.log"
        self.proc = None
        self.attached = []
        self._key = register_cleanup(self._cleanup)

    @property
    def pin_dir(self):
        return PIN_ROOT / self.instance

    def start(self, timeout=10):
        assert self.proc is None or self.proc.poll() is not None
        self.proc = subprocess.Popen(
            self.ns.cmd([self.binary, "-i", self.instance, "daemon", "--foreground",
                         "--log", self.log]),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daemon {self.instance} exited with {self.proc.returncode}:"
                                   f"\n{self.log_text()}")
            p = self.cli_raw(["status"])
            if p.returncode == 0:
                return self
            time.sleep(0.05)
        raise RuntimeError(f"daemon {self.instance} not ready in {timeout}s:\n{self.log_text()}")

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cli_raw(self, words, json_out=False, timeout=30):
        args = [self.binary, "-i", self.instance] + (["-j"] if json_out else [])
        return self.ns.run(args + [str(w) for w in words], check=False, timeout=timeout)

    def cli(self, *words, json_out=False, timeout=30):
        p = self.cli_raw(words, json_out, timeout)
        if p.returncode != 0:
            raise CliError(f"xdpsec -i {self.instance} {' '.join(map(str, words))}: "
                           f"rc {p.returncode}: {p.stderr.strip()} {p.stdout.strip()}")
        if json_out:
            return json.loads(p.stdout) if p.stdout.strip() else None
        return p.stdout

    def attach(self, dev, *extra):
        out = self.cli("attach", dev, *extra)
        if dev not in self.attached:
            self.attached.append(dev)
        return out

    def stats(self):
        return self.cli("stats", json_out=True)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self, detach=True):
        """detach every attached device (removes programs, steer veth and
        pins), then SIGTERM."""
        if self.alive():
            if detach:
                for dev in list(self.attached):
                    self.cli_raw(["detach", dev])
            self.attached.clear()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def _cleanup(self):
        try:
            self.stop()
        finally:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
            shutil.rmtree(self.pin_dir, ignore_errors=True)
            shutil.rmtree(STATE_ROOT / self.instance, ignore_errors=True)
            for suffix in (".sock", ".lock"):
                try:
                    (RUN_DIR / f"{self.instance}{suffix}").unlink()
                except OSError:
                    pass

    def cleanup(self):
        run_cleanup(self._key)


# -------------------------------------------------------------- captures

class Capture:
    """tcpdump on one interface of a namespace. stop() returns the number of
    packets that matched the filter (and the pcap path when one is kept)."""

    def __init__(self, ns, ifname, bpf_filter="", pcap=None, snaplen=0):
        self.pcap = pcap
        # Immediate mode and a 32 MiB ring: nothing may wait in (or fall
        # out of) the kernel buffer when the capture stops.
        args = ["tcpdump", "-i", ifname, "-n", "-U", "--immediate-mode", "-B", "32768",
                "-Z", "root", "-w", pcap or "/dev/null"]
        if snaplen:
            args += ["-s", str(snaplen)]
        if bpf_filter:
            args += [bpf_filter]
        self.proc = ns.popen(args, stdin=subprocess.DEVNULL)
        self.err = []
        self._ready = threading.Event()
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()
        self._key = register_cleanup(self._kill)
        if not self._ready.wait(10):
            self._kill()
            raise RuntimeError(f"tcpdump did not start: {self.err}")

    def _read(self):
        for line in self.proc.stderr:
            self.err.append(line.rstrip("\n"))
            if "listening on" in line:
                self._ready.set()
        self._ready.set()

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self):
        time.sleep(0.2)         # let in-flight frames reach the tap
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._t.join(5)
        run_cleanup(self._key)
        text = "\n".join(self.err)
        m = re.search(r"(\d+) packets? captured", text)
        d = re.search(r"(\d+) packets? dropped by kernel", text)
        if not m:
            raise RuntimeError(f"tcpdump gave no count: {text}")
        if d and int(d.group(1)):
            raise RuntimeError(f"tcpdump dropped packets, counts unreliable: {text}")
        return int(m.group(1))


# ------------------------------------------------------------- topology

class Link:
    """Hosts A and B on one Ethernet segment. The segment is a bridge in a
    third namespace M (vA - mA [br0] mB - vB): an XDP program redirecting to
    AF_XDP takes frames before any packet tap, and AF_XDP transmission
    bypasses the taps too, so neither end can see the ESP it exchanges; the
    bridge ports in M see every frame on the wire, in both directions."""

    def __init__(self, tag=None, static_neigh=True):
        tag = tag or secrets.token_hex(2)
        self.a = Netns(unique_name(f"{tag}-a"))
        self.b = Netns(unique_name(f"{tag}-b"))
        self.m = Netns(unique_name(f"{tag}-m"))
        self.dev_a, self.dev_b = "vxa", "vxb"
        self.tap_a, self.tap_b = "mxa", "mxb"
        x, y = random.randint(1, 254), random.randint(0, 254)
        self.v4 = (f"10.{x}.{y}.1", f"10.{x}.{y}.2")
        # Canonical text (RFC 5952), as scapy, ip and the daemon print it:
        # with y == 0 the naive "fd00:x:0::1" would compare unequal.
        self.v6 = tuple(str(ipaddress.IPv6Address(f"fd00:{x:x}:{y:x}::{i}")) for i in (1, 2))
        sh(["ip", "link", "add", self.dev_a, "netns", self.a.name, "type", "veth",
            "peer", "name", self.tap_a, "netns", self.m.name])
        sh(["ip", "link", "add", self.dev_b, "netns", self.b.name, "type", "veth",
            "peer", "name", self.tap_b, "netns", self.m.name])
        m = self.m
        m.run(["ip", "link", "add", "br0", "type", "bridge", "forward_delay", "0",
               "stp_state", "0"])
        for dev in (self.tap_a, self.tap_b):
            m.run(["ip", "link", "set", dev, "master", "br0", "up"])
        m.run(["ip", "link", "set", "br0", "up"])
        # The bridge must not answer or drop anything on its own.
        m.sysctl("net.ipv6.conf.br0.disable_ipv6", 1)
        for ns, dev, i in ((self.a, self.dev_a, 0), (self.b, self.dev_b, 1)):
            ns.run(["ip", "link", "set", dev, "up"])
            ns.run(["ip", "addr", "add", f"{self.v4[i]}/24", "dev", dev])
            ns.run(["ip", "-6", "addr", "add", f"{self.v6[i]}/64", "dev", dev, "nodad"])
        self.mac_a = self.a.mac(self.dev_a)
        self.mac_b = self.b.mac(self.dev_b)
        # Static neighbours by default: NS/NA to the peer's address match a
        # "proto any" policy, get sealed, and are opened onto the steer veth,
        # where the stack ignores them (test_ipv6_neighbour_discovery).
        for ns, dev, i, mac in ((self.a, self.dev_a, 1, self.mac_b),
                                (self.b, self.dev_b, 0, self.mac_a)):
            for addr in (self.v4[i], self.v6[i]) if static_neigh else ():
                ns.run(["ip", "neigh", "replace", addr, "lladdr", mac, "dev", dev,
                        "nud", "permanent"])

    def addrs(self, family):
        return self.v4 if family == 4 else self.v6

    def route_mtu(self, family, mtu=1400):
        """The protected peer gets a smaller path MTU: sealing adds up to
        ~73 bytes and PMTU signalling is not there yet."""
        a, b = self.addrs(family)
        plen = 32 if family == 4 else 128
        fam = "-4" if family == 4 else "-6"
        self.a.run(["ip", fam, "route", "replace", f"{b}/{plen}", "dev", self.dev_a,
                    "mtu", mtu])
        self.b.run(["ip", fam, "route", "replace", f"{a}/{plen}", "dev", self.dev_b,
                    "mtu", mtu])

    def capture(self, bpf_filter="", pcap=None, snaplen=0, side="a"):
        return Capture(self.m, self.tap_a if side == "a" else self.tap_b, bpf_filter,
                       pcap, snaplen)

    def inject(self, frames, side="a"):
        """Sends raw Ethernet frames: side "a" / "b" from A's / B's device
        (through that host's TC egress program), "to_a" / "to_b" from the
        bridge port in M facing A / B (straight onto A's / B's wire)."""
        ns, dev = {"a": (self.a, self.dev_a), "b": (self.b, self.dev_b),
                   "to_a": (self.m, self.tap_a), "to_b": (self.m, self.tap_b)}[side]
        data = "".join(bytes(f).hex() + "\n" for f in frames)
        p = subprocess.run(ns.cmd([PYTHON, str(HERE), "inject", dev]), input=data,
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"inject failed: {p.stderr}")

    def delete(self):
        for ns in (self.a, self.b, self.m):
            ns.delete()


# ------------------------------------------------------------- counters

def abi_counter_names(macro):
    """The names of XS_XDP_COUNTERS / XS_TC_COUNTERS / XS_STEER_COUNTERS in
    include/xdpsec/abi.h, in index order."""
    text = ABI_H.read_text()
    m = re.search(r"#define\s+%s\(X\)(.*?)(?:\n\s*\n|\n#)" % re.escape(macro), text, re.S)
    if not m:
        raise RuntimeError(f"{macro} not found in {ABI_H}")
    return re.findall(r'X\(\s*\w+\s*,\s*"([^"]+)"\s*\)', m.group(1))


def _le_u64(hexbytes):
    return int.from_bytes(bytes(int(h, 16) for h in hexbytes), "little")


def bpftool_percpu_counters(pin_path):
    """Dumps a pinned PERCPU_ARRAY of struct xs_counter with bpftool -j and
    returns {index: (packets, bytes)} summed over CPUs."""
    p = sh(["bpftool", "-j", "map", "dump", "pinned", str(pin_path)])
    out = {}
    for ent in json.loads(p.stdout):
        if "formatted" in ent:
            ent = ent["formatted"]
        key = ent["key"]
        if isinstance(key, list):
            key = int.from_bytes(bytes(int(h, 16) for h in key), "little")
        pk = by = 0
        for v in ent["values"]:
            val = v["value"]
            if isinstance(val, dict):
                pk += int(val["packets"])
                by += int(val["bytes"])
            else:
                pk += _le_u64(val[0:8])
                by += _le_u64(val[8:16])
        out[int(key)] = (pk, by)
    return out


def bpftool_counter(pin_dir, map_name, macro, name):
    names = abi_counter_names(macro)
    idx = names.index(name)
    return bpftool_percpu_counters(pathlib.Path(pin_dir) / map_name).get(idx, (0, 0))[0]


def stat(stats, group, name):
    """packets of one row of `xdpsec -j stats`."""
    try:
        return int(stats[group][name]["packets"])
    except KeyError:
        raise KeyError(f"no stats row {group}/{name}; groups: "
                       f"{ {g: sorted(v) for g, v in stats.items()} }") from None


# ---------------------------------------------------------- traffic data

def udp_payload(seq, size):
    """The deterministic payload of UDP test packet seq."""
    head = struct.pack("!4sI", b"XSTU", seq)
    body = hashlib.sha256(b"xdpsec-udp-%d" % seq).digest()
    body = (body * (size // len(body) + 1))[:max(0, size - len(head))]
    return head + body


def udp_payload_ok(data):
    if len(data) < 8 or data[:4] != b"XSTU":
        return None
    seq = struct.unpack("!I", data[4:8])[0]
    return seq if data == udp_payload(seq, len(data)) else None


# ------------------------------------------- helpers run inside a namespace

def _family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def _say(obj):
    print(obj if isinstance(obj, str) else json.dumps(obj), flush=True)


def _tcp_recv(port):
    srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    srv.bind(("::", port))
    srv.listen(1)
    srv.settimeout(60)
    _say("ready")
    conn, peer = srv.accept()
    conn.settimeout(120)
    h = hashlib.sha256()
    n = 0
    t0 = time.monotonic()
    while True:
        buf = conn.recv(1 << 20)
        if not buf:
            break
        h.update(buf)
        n += len(buf)
    secs = time.monotonic() - t0
    conn.close()
    _say({"bytes": n, "sha256": h.hexdigest(), "peer": peer[0], "seconds": secs})


def _tcp_send(addr, port, total, rate):
    s = socket.socket(_family_of(addr), socket.SOCK_STREAM)
    s.settimeout(120)
    s.connect((addr, port))
    h = hashlib.sha256()
    n = 0
    chunk = 1 << 20 if not rate else 1 << 16
    t0 = time.monotonic()
    while n < total:
        buf = os.urandom(min(chunk, total - n))
        s.sendall(buf)
        h.update(buf)
        n += len(buf)
        if rate:
            ahead = n / rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
    _say({"bytes": n, "sha256": h.hexdigest(), "seconds": time.monotonic() - t0})


def _udp_recv(port, count, idle, stream):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(("::", port))
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    _say("ready")
    got = set()
    bad = 0
    total = 0
    first = True
    s.settimeout(0.2)
    last = time.monotonic()
    while not stop:
        try:
            data, peer = s.recvfrom(65536)
        except socket.timeout:
            # Before the first packet the sender may still be starting.
            if not stream and time.monotonic() - last > (idle if not first else 30):
                break
            continue
        except InterruptedError:
            continue
        first = False
        last = time.monotonic()
        total += 1
        seq = udp_payload_ok(data)
        if seq is None:
            bad += 1
        else:
            got.add(seq)
            if stream:
                _say(f"seq {seq}")
        if count and len(got) >= count:
            break
    _say({"received": total, "unique": len(got), "bad": bad,
          "max_seq": max(got) if got else -1})


def _udp_send(addr, port, count, size, pps, sport, tos):
    s = socket.socket(_family_of(addr), socket.SOCK_DGRAM)
    if tos:
        if ":" in addr:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, tos)
        else:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, tos)
    if sport:
        s.bind(("::" if ":" in addr else "0.0.0.0", sport))
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    _say("ready")
    sent = errors = 0
    seq = 0
    t0 = time.monotonic()
    while not stop and (not count or seq < count):
        try:
            s.sendto(udp_payload(seq, size), (addr, port))
            sent += 1
        except OSError:
            errors += 1
        seq += 1
        if pps:
            ahead = seq / pps - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
        if count == 0 and seq % 100 == 0:
            _say(f"sent {seq}")
    _say({"sent": sent, "errors": errors, "last_seq": seq - 1})


def _ping(addr, count, interval, timeout):
    """ICMP / ICMPv6 echo over a raw socket (no ping binary needed)."""
    v6 = ":" in addr
    if v6:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        req_type, rep_type = 128, 129
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        req_type, rep_type = 8, 0
    ident = os.getpid() & 0xffff
    got = set()
    rtts = []
    sent_at = {}

    def csum(b):
        if len(b) % 2:
            b += b"\0"
        t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        t = (t >> 16) + (t & 0xffff)
        t += t >> 16
        return ~t & 0xffff

    def drain(until):
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            s.settimeout(left)
            try:
                data = s.recv(65536)
            except socket.timeout:
                return
            if not v6:
                data = data[(data[0] & 15) * 4:]
            if len(data) < 8:
                continue
            typ, _, _, rid, seq = struct.unpack("!BBHHH", data[:8])
            if typ == rep_type and rid == ident and seq in sent_at and seq not in got:
                got.add(seq)
                rtts.append(time.monotonic() - sent_at[seq])

    for seq in range(count):
        payload = b"xdpsec-ping-%06d" % seq + bytes(range(32))
        hdr = struct.pack("!BBHHH", req_type, 0, 0, ident, seq)
        msg = hdr + payload
        if not v6:  # the kernel fills in the ICMPv6 checksum
            msg = struct.pack("!BBHHH", req_type, 0, csum(msg), ident, seq) + payload
        sent_at[seq] = time.monotonic()
        s.sendto(msg, (addr, 0))
        drain(time.monotonic() + interval)
    drain(time.monotonic() + timeout)
    _say({"sent": count, "received": len(got),
          "rtt_ms": round(1000 * max(rtts), 3) if rtts else None})


def _inject(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    n = 0
    for line in sys.stdin:
        line = line.strip()
        if line:
            s.send(bytes.fromhex(line))
            n += 1
    _say({"sent": n})


def _main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("tcp-recv")
    p.add_argument("port", type=int)
    p = sub.add_parser("tcp-send")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("bytes", type=int)
    p.add_argument("--rate", type=int, default=0)
    p = sub.add_parser("udp-recv")
    p.add_argument("port", type=int)
    p.add_argument("--count", type=int, default=0)
    p.add_argument("--idle", type=float, default=2.0)
    p.add_argument("--stream", action="store_true")
    p = sub.add_parser("udp-send")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("count", type=int)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--pps", type=int, default=0)
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--tos", type=lambda v: int(v, 0), default=0)
    p = sub.add_parser("ping")
    p.add_argument("addr")
    p.add_argument("--count", type=int, default=5)
    p.add_argument("--interval", type=float, default=0.1)
    p.add_argument("--timeout", type=float, default=2.0)
    p = sub.add_parser("inject")
    p.add_argument("ifname")
    a = ap.parse_args(argv)
    if a.cmd == "tcp-recv":
        _tcp_recv(a.port)
    elif a.cmd == "tcp-send":
        _tcp_send(a.addr, a.port, a.bytes, a.rate)
    elif a.cmd == "udp-recv":
        _udp_recv(a.port, a.count, a.idle, a.stream)
    elif a.cmd == "udp-send":
        _udp_send(a.addr, a.port, a.count, a.size, a.pps, a.sport, a.tos)
    elif a.cmd == "ping":
        _ping(a.addr, a.count, a.interval, a.timeout)
    else:
        _inject(a.ifname)


if __name__ == "__main__":
    # A helper process must not run the test-side cleanups of its importer.
    atexit.unregister(_cleanup_all)
    _main(sys.argv[1:])


# ------------------------------------------------------ IPsec host pair

ALGS = {
    # name: what `sa add` gets
    "gcm": "aead rfc4106(gcm(aes)) 128, 20-byte key (AES-128 + salt)",
    "cbc": "enc cbc(aes) 16-byte key, auth-trunc hmac(sha256) 32-byte key 128",
    "sha256": "auth-trunc hmac(sha256) 32-byte key 128 (AH)",
}

MODES = {
    # name: (proto, mode, UDP encapsulation)
    "esp-tunnel": ("esp", "tunnel", False),
    "esp-transport": ("esp", "transport", False),
    "ah-transport": ("ah", "transport", False),
    "esp-udp": ("esp", "tunnel", True),
}


class SaKeys:
    def __init__(self, alg):
        self.alg = alg
        self.enc = os.urandom({"gcm": 20, "cbc": 16, "sha256": 0}[alg])
        self.auth = os.urandom({"gcm": 0, "cbc": 32, "sha256": 32}[alg])

    def words(self):
        if self.alg == "gcm":
            return ["aead", "rfc4106(gcm(aes))", "0x" + self.enc.hex(), "128"]
        if self.alg == "cbc":
            return ["enc", "cbc(aes)", "0x" + self.enc.hex(), "auth-trunc", "hmac(sha256)",
                    "0x" + self.auth.hex(), "128"]
        return ["auth-trunc", "hmac(sha256)", "0x" + self.auth.hex(), "128"]


class IpsecPair:
    """Hosts A and B of a Link, each with its own xdpsec instance attached
    to its end of the link, static SAs both ways (inbound: dst = local) and
    policies protecting everything between the two addresses (dir out and
    dir in)."""

    def __init__(self, link, binary, logdir, mode="esp-transport", family=4, alg="gcm",
                 attach_extra=()):
        self.link = link
        self.mode_name = mode
        self.proto, self.mode, self.encap = MODES[mode]
        self.family = family
        self.alg = alg
        self.addr_a, self.addr_b = link.addrs(family)
        base = secrets.randbelow(0x10000000) + 0x1000
        self.spi_ab, self.spi_ba = base, base + 1
        self.keys_ab, self.keys_ba = SaKeys(alg), SaKeys(alg)
        tag = secrets.token_hex(3)
        self.da = Daemon(link.a, f"t{os.getpid()}{tag}a", binary, logdir)
        self.db = Daemon(link.b, f"t{os.getpid()}{tag}b", binary, logdir)
        try:
            link.route_mtu(family)
            self.da.start()
            self.db.start()
            self.da.attach(link.dev_a, *attach_extra)
            self.db.attach(link.dev_b, *attach_extra)
            self.add_sas()
            self.add_policies()
        except BaseException:
            self.stop()
            raise

    def sa_words(self, src, dst, spi, direction, keys, seq=None):
        w = ["sa", "add", "src", src, "dst", dst, "proto", self.proto, "spi", hex(spi),
             "mode", self.mode, "dir", direction] + keys.words()
        if self.encap:
            w += ["encap", "espinudp", "4500", "4500", "0.0.0.0"]
        if seq is not None:
            w += ["seq", str(seq)]
        return w

    def add_sas(self, side="ab", seq_a=None, seq_b=None):
        a, b = self.addr_a, self.addr_b
        if "a" in side:
            self.da.cli(*self.sa_words(a, b, self.spi_ab, "out", self.keys_ab, seq_a))
            self.da.cli(*self.sa_words(b, a, self.spi_ba, "in", self.keys_ba))
        if "b" in side:
            self.db.cli(*self.sa_words(b, a, self.spi_ba, "out", self.keys_ba, seq_b))
            self.db.cli(*self.sa_words(a, b, self.spi_ab, "in", self.keys_ab))

    def policy_words(self, here, there, spi_out, spi_in):
        return [["policy", "add", "src", here, "dst", there, "dir", "out", "spi", hex(spi_out)],
                ["policy", "add", "src", there, "dst", here, "dir", "in", "spi", hex(spi_in)]]

    def add_policies(self):
        for words in self.policy_words(self.addr_a, self.addr_b, self.spi_ab, self.spi_ba):
            self.da.cli(*words)
        for words in self.policy_words(self.addr_b, self.addr_a, self.spi_ba, self.spi_ab):
            self.db.cli(*words)

    def sa_info(self, daemon, spi, direction):
        for s in daemon.cli("sa", "list", json_out=True):
            if int(s["spi"], 16) == spi and s["dir"] == direction:
                return s
        raise KeyError(f"no SA {spi:#x} dir {direction} in {daemon.instance}")

    # ---- scapy side

    def scapy_sa(self, direction="ab"):
        """scapy's SecurityAssociation equal to the SA A->B (or B->A)."""
        from scapy.layers.inet import IP, UDP
        from scapy.layers.inet6 import IPv6
        from scapy.layers.ipsec import AH, ESP, SecurityAssociation
        keys = self.keys_ab if direction == "ab" else self.keys_ba
        spi = self.spi_ab if direction == "ab" else self.spi_ba
        src, dst = ((self.addr_a, self.addr_b) if direction == "ab"
                    else (self.addr_b, self.addr_a))
        kw = {}
        if self.mode == "tunnel":
            kw["tunnel_header"] = (IP(src=src, dst=dst) if self.family == 4
                                   else IPv6(src=src, dst=dst))
        if self.encap:
            kw["nat_t_header"] = UDP(sport=4500, dport=4500)
        if self.proto == "ah":
            return SecurityAssociation(AH, spi=spi, auth_algo="SHA2-256-128",
                                       auth_key=keys.auth, **kw)
        if self.alg == "gcm":
            return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM",
                                       crypt_key=keys.enc, **kw)
        return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-CBC", crypt_key=keys.enc,
                                   auth_algo="SHA2-256-128", auth_key=keys.auth, **kw)

    def inner_ip(self, direction="ab"):
        from scapy.layers.inet import IP
        from scapy.layers.inet6 import IPv6
        src, dst = ((self.addr_a, self.addr_b) if direction == "ab"
                    else (self.addr_b, self.addr_a))
        return IP(src=src, dst=dst) if self.family == 4 else IPv6(src=src, dst=dst)

    def frame(self, l3, direction="ab"):
        """An Ethernet frame carrying l3 from A to B (or B to A)."""
        from scapy.layers.l2 import Ether
        src, dst = ((self.link.mac_a, self.link.mac_b) if direction == "ab"
                    else (self.link.mac_b, self.link.mac_a))
        return Ether(src=src, dst=dst) / l3

    def stop(self):
        self.da.cleanup()
        self.db.cleanup()

    def diag(self):
        """Counters of both daemons (nonzero rows) for failure messages."""
        out = []
        for d in (self.da, self.db):
            try:
                s = d.stats() if d.alive() else {}
                out.append(f"{d.instance}: " + json.dumps(
                    {g: {k: v["packets"] for k, v in rows.items() if v.get("packets")}
                     for g, rows in s.items()}))
            except Exception as e:
                out.append(f"{d.instance}: stats failed: {e}")
            if not d.alive():
                out.append(f"{d.instance} log: {d.log_text()}")
        return "\n".join(out)
