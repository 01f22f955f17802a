#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The tunnel benchmark: xdpsec between two gateways, against plain kernel
forwarding (the ceiling) and against strongSwan's userspace datapath
(charon + kernel-libipsec), all in one run on one topology:

    client ns ── veth ── gw A ── veth ── gw B ── veth ── server ns
    10.201.1.2   a-in  10.201.1.1  a-out 10.201.0.1 / 0.2 b-out  b-in 10.201.2.1   10.201.2.2

For each path: iperf3 TCP (Gbit/s) and iperf3 UDP with 64-byte payloads at
a target rate no sender reaches (packets per second the server received,
and the payload Gbit/s they carry). Then gateway B's outside veth is flooded
from gateway A's side with ESP for an SPI nobody holds (BPF_PROG_RUN live
frames of build/bench/flood.bpf.o) while the XDP program on that veth
alternates between xdpsec's and a bare XDP_DROP (build/bench/xdp_drop.bpf.o).

It prints numbers and never asserts; it exits 1 only when a path could not
be measured at all. The last line is always

    tunnel tcp xdpsec=<Gbit/s> strongswan=<Gbit/s> ceiling=<Gbit/s> ratio_sw=<x>

Run as root after `make`: `make bench-tunnel`, or bench/bench_tunnel.py
[--build DIR] [--tcp-seconds N] [--udp-seconds N] [--flood-seconds S].
See docs/bench-tunnel.md.
"""
import argparse
import ctypes
import json
import os
import pathlib
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"
HERE = pathlib.Path(__file__).resolve()
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import netns as nn          # noqa: E402  namespaces, xdpsec daemons, cleanup
import strongswan as sw     # noqa: E402  charon with kernel-libipsec

NET_OUT, NET_CLIENT, NET_SERVER = "10.201.0", "10.201.1", "10.201.2"
ADDR = {
    "client": f"{NET_CLIENT}.2", "a_in": f"{NET_CLIENT}.1", "a_out": f"{NET_OUT}.1",
    "b_out": f"{NET_OUT}.2", "b_in": f"{NET_SERVER}.1", "server": f"{NET_SERVER}.2",
}
CLIENT_NET, SERVER_NET = f"{NET_CLIENT}.0/24", f"{NET_SERVER}.0/24"
IPERF_PORT = 5201
UDP_LEN = 64
UDP_RATE = "1G"           # 1.95 Mpps of 64-byte datagrams: never the limit
SPI_AB, SPI_BA = 0xa1000001, 0xb2000002
FLOOD_SPI = 0x0badc0de      # held by no SA on either side


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------- topology

class Topology:
    """Four namespaces joined by three veth pairs; gateways forward, and the
    only routes are the connected subnets plus the remote subnet via the
    peer gateway: nothing can leave the namespaces."""

    def __init__(self, tag):
        self.tag = tag
        self.c = nn.Netns(f"{tag}-client")
        self.a = nn.Netns(f"{tag}-gwa")
        self.b = nn.Netns(f"{tag}-gwb")
        self.s = nn.Netns(f"{tag}-server")
        pairs = ((self.c, "c0", self.a, "a-in"), (self.a, "a-out", self.b, "b-out"),
                 (self.b, "b-in", self.s, "s0"))
        for ns1, d1, ns2, d2 in pairs:
            nn.sh(["ip", "link", "add", d1, "netns", ns1.name, "type", "veth",
                   "peer", "name", d2, "netns", ns2.name])
        for ns, dev, addr in ((self.c, "c0", "client"), (self.a, "a-in", "a_in"),
                              (self.a, "a-out", "a_out"), (self.b, "b-out", "b_out"),
                              (self.b, "b-in", "b_in"), (self.s, "s0", "server")):
            ns.run(["ip", "addr", "add", f"{ADDR[addr]}/24", "dev", dev])
            ns.run(["ip", "link", "set", dev, "up"])
        self.c.run(["ip", "route", "add", SERVER_NET, "via", ADDR["a_in"]])
        self.s.run(["ip", "route", "add", CLIENT_NET, "via", ADDR["b_in"]])
        self.a.run(["ip", "route", "add", SERVER_NET, "via", ADDR["b_out"]])
        self.b.run(["ip", "route", "add", CLIENT_NET, "via", ADDR["a_out"]])
        for gw in (self.a, self.b):
            gw.sysctl("net.ipv4.ip_forward", 1)
            for conf in ("all", "default"):
                gw.sysctl(f"net.ipv4.conf.{conf}.rp_filter", 0)
        # Static neighbours on the outside link: no ARP in the measurements.
        self.mac_a, self.mac_b = self.a.mac("a-out"), self.b.mac("b-out")
        self.a.run(["ip", "neigh", "replace", ADDR["b_out"], "lladdr", self.mac_b,
                    "dev", "a-out", "nud", "permanent"])
        self.b.run(["ip", "neigh", "replace", ADDR["a_out"], "lladdr", self.mac_a,
                    "dev", "b-out", "nud", "permanent"])

    def xdp_prog_ids(self):
        """{dev: XDP prog id or None} of the two outside veths."""
        out = {}
        for ns, dev in ((self.a, "a-out"), (self.b, "b-out")):
            info = ns.link(dev, details=True)
            out[dev] = (info.get("xdp") or {}).get("prog", {}).get("id")
        return out

    def delete(self):
        for ns in (self.c, self.a, self.b, self.s):
            ns.delete()


# --------------------------------------------------------------- traffic

class Iperf:
    """iperf3 between the client and the server namespace. Each measurement
    gets a fresh one-off server (-1), so a test that dies half-way cannot
    leave a busy server behind for the next one."""

    def __init__(self, topo):
        self.topo = topo

    def _server(self):
        proc = self.topo.s.popen(["iperf3", "-s", "-1", "-p", IPERF_PORT],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)

        def kill():
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)

        key = nn.register_cleanup(kill)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and proc.poll() is None:
            ss = self.topo.s.run(["ss", "-Hltn", f"sport = :{IPERF_PORT}"], check=False)
            if ss.stdout.strip():
                break
            time.sleep(0.05)
        return key

    def _client(self, extra, seconds):
        key = self._server()
        try:
            p = self.topo.c.run(["iperf3", "-c", ADDR["server"], "-p", IPERF_PORT, "-J",
                                 "--connect-timeout", 3000, "-t", seconds] + extra,
                                check=False, timeout=seconds + 30)
        finally:
            nn.run_cleanup(key)
        try:
            res = json.loads(p.stdout)
        except ValueError:
            raise RuntimeError(f"iperf3 gave no JSON (rc {p.returncode}): "
                               f"{p.stdout[-300:]}{p.stderr[-300:]}") from None
        if "error" in res:
            raise RuntimeError(f"iperf3: {res['error']}")
        return res["end"]

    def tcp(self, seconds):
        """Received Gbit/s of one TCP stream (the first second omitted)."""
        end = self._client(["-O", 1], seconds)
        return end["sum_received"]["bits_per_second"] / 1e9

    def udp(self, seconds):
        """(received packets/s, received payload Gbit/s, sent packets/s) of
        64-byte UDP datagrams offered at UDP_RATE (more than one iperf3
        client can send, so the sender's core sets the offered load)."""
        end = self._client(["-u", "-l", UDP_LEN, "-b", UDP_RATE], seconds)
        rx, tx = end["sum_received"], end["sum_sent"]
        return (rx["bytes"] / UDP_LEN / rx["seconds"], rx["bytes"] * 8 / rx["seconds"] / 1e9,
                tx["bytes"] / UDP_LEN / tx["seconds"])


def reachable(topo, tries=3):
    """True when the client can ping the server (a few attempts: the first
    packets of a fresh tunnel may go while it settles)."""
    for _ in range(tries):
        p = topo.c.run(["ping", "-c", 3, "-i", 0.2, "-W", 1, ADDR["server"]], check=False)
        if p.returncode == 0:
            return True
    return False


def measure(name, topo, iperf, args, results):
    """Fills results[name] with tcp, udp_pps, udp_gbps (None = failed)."""
    checkpoint()
    r = results.setdefault(name, {"tcp": None, "udp_pps": None, "udp_gbps": None,
                                  "udp_sent": None})
    if not reachable(topo):
        log(f"bench-tunnel: {name}: server unreachable, not measured")
        return r
    try:
        r["tcp"] = iperf.tcp(args.tcp_seconds)
        log(f"bench-tunnel: {name}: tcp {r['tcp']:.2f} Gbit/s")
    except Exception as e:
        log(f"bench-tunnel: {name}: tcp failed: {e}")
    checkpoint()
    try:
        r["udp_pps"], r["udp_gbps"], r["udp_sent"] = iperf.udp(args.udp_seconds)
        log(f"bench-tunnel: {name}: udp {r['udp_pps'] / 1e3:.0f} kpps received "
            f"of {r['udp_sent'] / 1e3:.0f} kpps sent")
    except Exception as e:
        log(f"bench-tunnel: {name}: udp failed: {e}")
    return r


# ---------------------------------------------------------------- xdpsec

def random_key(n=20):
    return "0x" + os.urandom(n).hex()


def xdpsec_up(topo, xdpsec, tag, logdir):
    """Daemons on both gateways, attached to the outside veths, with one
    AES-128-GCM tunnel SA per direction and the subnet policies."""
    daemons = {}
    keys = {SPI_AB: random_key(), SPI_BA: random_key()}
    sides = (("a", topo.a, "a-out", SPI_AB, CLIENT_NET, SERVER_NET),
             ("b", topo.b, "b-out", SPI_BA, SERVER_NET, CLIENT_NET))
    for h, ns, dev, out_spi, local_net, remote_net in sides:
        d = nn.Daemon(ns, f"{tag}{h}", xdpsec, logdir).start()
        daemons[h] = d
        d.attach(dev)
        for spi, src, dst in ((SPI_AB, ADDR["a_out"], ADDR["b_out"]),
                              (SPI_BA, ADDR["b_out"], ADDR["a_out"])):
            d.cli("sa", "add", "src", src, "dst", dst, "proto", "esp", "spi", f"0x{spi:08x}",
                  "mode", "tunnel", "aead", "rfc4106(gcm(aes))", keys[spi], 128)
        in_spi = SPI_BA if out_spi == SPI_AB else SPI_AB
        d.cli("policy", "add", "src", local_net, "dst", remote_net, "dir", "out",
              "spi", f"0x{out_spi:08x}")
        # Opened packets must match a `dir in` policy of their SA, or they
        # are dropped (the selector check, docs/bpf.md).
        d.cli("policy", "add", "src", remote_net, "dst", local_net, "dir", "in",
              "spi", f"0x{in_spi:08x}")
    return daemons


def sa_packets(daemon, spi):
    for sa in daemon.cli("sa", "list", json_out=True) or []:
        if int(str(sa.get("spi")), 0) == spi:
            return int(sa.get("packets", 0))
    return 0


def notable_stats(stats):
    """'group/name=packets' for every nonzero drop, error or ICMP row of
    xdpsec -j stats (ICMP: the frag-needed messages that set the path MTU)."""
    rows = []
    for group, names in sorted((stats or {}).items()):
        if not isinstance(names, dict):
            continue
        for name, v in sorted(names.items()):
            pk = v.get("packets", 0) if isinstance(v, dict) else 0
            if pk and (group == "engine" or any(w in name for w in
                                                ("drop", "discard", "err", "icmp"))):
                rows.append(f"{group}/{name}={pk}")
    return rows


def ring_losses(stats):
    """Frames the BPF programs handed to an AF_XDP socket that its worker
    never received (full rx ring or empty fill ring): no xdpsec counter
    names them, so they show only as a difference of two rows."""
    def pk(group, name):
        try:
            return nn.stat(stats, group, name)
        except KeyError:
            return None
    out = []
    for what, sent, got in (("outbound", ("steer", "redirect"), ("worker", "rx_outbound")),
                            ("inbound", ("xdp", "redirect"), ("worker", "rx_inbound"))):
        a, b = pk(*sent), pk(*got)
        if a is not None and b is not None and a != b:
            out.append(f"lost_in_xsk_rx_{what}={a - b}")
    return out


# ----------------------------------------------------------------- flood

def esp_frame(dst_mac, src_mac, src, dst, spi):
    """Ethernet + IPv4 + ESP (SPI, seq 1, 8-byte IV, 16 bytes of payload,
    16-byte ICV): 82 bytes, what an AES-GCM ESP packet of a tiny datagram
    looks like (RFC 4303 §2, RFC 4106 §3)."""
    esp = struct.pack("!II", spi, 1) + bytes(8) + bytes(16) + bytes(16)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(esp), 0, 0x4000, 64, 50,
                               0, socket.inet_aton(src), socket.inet_aton(dst)))
    s = sum(struct.unpack("!10H", ip))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    ip[10:12] = struct.pack("!H", ~s & 0xffff)
    mac = lambda m: bytes.fromhex(m.replace(":", ""))  # noqa: E731
    return mac(dst_mac) + mac(src_mac) + b"\x08\x00" + bytes(ip) + esp


_NR_BPF = {"x86_64": 321, "aarch64": 280}
_BPF_OBJ_GET, _BPF_PROG_TEST_RUN = 7, 10
_BPF_F_TEST_XDP_LIVE_FRAMES = 1 << 1


class _ObjGetAttr(ctypes.Structure):
    _fields_ = [("pathname", ctypes.c_uint64), ("bpf_fd", ctypes.c_uint32),
                ("file_flags", ctypes.c_uint32), ("path_fd", ctypes.c_int32),
                ("pad", ctypes.c_uint32)]


class _TestRunAttr(ctypes.Structure):
    """union bpf_attr, the BPF_PROG_TEST_RUN member (uapi/linux/bpf.h)."""
    _fields_ = [("prog_fd", ctypes.c_uint32), ("retval", ctypes.c_uint32),
                ("data_size_in", ctypes.c_uint32), ("data_size_out", ctypes.c_uint32),
                ("data_in", ctypes.c_uint64), ("data_out", ctypes.c_uint64),
                ("repeat", ctypes.c_uint32), ("duration", ctypes.c_uint32),
                ("ctx_size_in", ctypes.c_uint32), ("ctx_size_out", ctypes.c_uint32),
                ("ctx_in", ctypes.c_uint64), ("ctx_out", ctypes.c_uint64),
                ("flags", ctypes.c_uint32), ("cpu", ctypes.c_uint32),
                ("batch_size", ctypes.c_uint32), ("pad", ctypes.c_uint32)]


def _bpf(cmd, attr):
    """The bpf(2) system call on a ctypes attr structure; returns its value."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    r = libc.syscall(_NR_BPF[os.uname().machine], cmd, ctypes.byref(attr),
                     ctypes.sizeof(attr))
    if r < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"bpf({cmd}): {os.strerror(err)}")
    return r


def _pinned_prog(pin):
    path = ctypes.create_string_buffer(pin.encode())
    return _bpf(_BPF_OBJ_GET, _ObjGetAttr(pathname=ctypes.addressof(path)))


def prog_run_ns(pin, frame, repeat=1 << 20):
    """Average ns per run of the pinned XDP program on frame, from the
    kernel's own BPF_PROG_RUN timer (not live: the verdict goes nowhere).
    The timer stops while the test is rescheduled, so other load on the
    machine barely moves it: the program's cost alone."""
    fd = _pinned_prog(pin)
    try:
        data = ctypes.create_string_buffer(frame, len(frame))
        attr = _TestRunAttr(prog_fd=fd, data_size_in=len(frame),
                            data_in=ctypes.addressof(data), repeat=repeat)
        _bpf(_BPF_PROG_TEST_RUN, attr)
        return attr.duration, attr.retval
    finally:
        os.close(fd)


def flood_generate(pin, ifname, frame_hex, seconds):
    """Runs inside gateway A's namespace (the `flood-gen` subcommand):
    transmits frame out of ifname through BPF_PROG_RUN live frames of the
    pinned flood program until `seconds` pass or SIGTERM comes; then prints
    {"packets", "seconds"}."""
    stop = []
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.append(signum))
    fd = _pinned_prog(pin)
    frame = bytes.fromhex(frame_hex)
    data = ctypes.create_string_buffer(frame, len(frame))
    # struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index,
    # egress_ifindex; XDP_TX then transmits out of ingress_ifindex.
    md = (ctypes.c_uint32 * 6)(0, len(frame), 0, socket.if_nametoindex(ifname), 0, 0)
    repeat = 1 << 18        # ~50 ms a call: SIGTERM is seen soon
    sent = 0
    t0 = time.monotonic()
    while not stop and time.monotonic() - t0 < seconds:
        attr = _TestRunAttr(prog_fd=fd, data_size_in=len(frame),
                            data_in=ctypes.addressof(data), repeat=repeat,
                            ctx_size_in=ctypes.sizeof(md), ctx_in=ctypes.addressof(md),
                            flags=_BPF_F_TEST_XDP_LIVE_FRAMES)
        try:
            _bpf(_BPF_PROG_TEST_RUN, attr)
        except OSError:
            if stop:        # a signal cut the last run short
                break
            raise
        sent += repeat
    print(json.dumps({"packets": sent, "seconds": time.monotonic() - t0}), flush=True)


def timed(read):
    """(read(), the moment it read): the midpoint of the call, so that a
    slow reader (a process to spawn) biases no window."""
    t0 = time.monotonic()
    value = read()
    return value, (t0 + time.monotonic()) / 2


def veth_xdp_counters(ns, dev):
    """veth's per-queue XDP counters (ethtool -S), summed over queues."""
    out = {}
    for line in ns.run(["ethtool", "-S", dev]).stdout.splitlines():
        k, _, v = line.strip().partition(":")
        if k.startswith("rx_queue_") and "_xdp_" in k:
            name = k.split("_xdp_", 1)[1]
            out[name] = out.get(name, 0) + int(v)
    return out


def flood(topo, build, pin_dir, daemon_b, seconds, rounds=4):
    """Floods gw B's outside veth from gw A with ESP for FLOOD_SPI while
    swapping the XDP program on b-out between xdpsec's xdp_ingress and the
    bare XDP_DROP, `rounds` times each in turn, so that load that drifts
    during the run (other work on the machine) hits both alike. Returns
    {"xdpsec": (pps, veth_pps), "bare": (pps, veth_pps), "offered": pps,
    "rounds": [(xdpsec_pps, bare_pps), ...], "prog_ns": {name: (ns, verdict)}}:
    pps from xdpsec's drop_unknown_spi counter (bare: veth's rx xdp_drops)
    and from veth's rx xdp_drops; prog_ns from prog_run_ns()."""
    flood_pin, drop_pin, xdpsec_pin = (str(pin_dir / n) for n in
                                       ("flood", "xdp_drop", "xdpsec_ingress"))
    nn.sh(["bpftool", "prog", "load", build / "bench" / "flood.bpf.o", flood_pin])
    nn.sh(["bpftool", "prog", "load", build / "bench" / "xdp_drop.bpf.o", drop_pin])
    xid = topo.xdp_prog_ids()["b-out"]
    if not xid:
        raise RuntimeError("no XDP program on b-out: xdpsec is not attached")
    # Our own reference to xdpsec's program, to put it back after XDP_DROP.
    nn.sh(["bpftool", "prog", "pin", "id", str(xid), xdpsec_pin])
    mode = "xdpdrv" if topo.b.link("b-out", details=True).get("xdp", {}).get("mode") == 1 \
        else "xdpgeneric"

    def use(pin):
        topo.b.run(["bpftool", "net", "attach", mode, "pinned", pin, "dev", "b-out",
                    "overwrite"])
        time.sleep(0.2)     # frames already queued for the old program

    def veth_drops():
        return veth_xdp_counters(topo.b, "b-out").get("drops", 0)

    def xdpsec_drops():
        return nn.stat(daemon_b.stats(), "xdp", "drop_unknown_spi")

    frame = esp_frame(topo.mac_b, topo.mac_a, ADDR["a_out"], ADDR["b_out"], FLOOD_SPI)
    window = seconds / rounds
    gen = topo.a.popen([PYTHON, str(HERE), "flood-gen", flood_pin, "a-out", frame.hex(),
                        rounds * 2 * (window + 1) + 10], stdin=subprocess.DEVNULL)

    def kill():
        if gen.poll() is None:
            gen.kill()
            gen.wait(10)

    key = nn.register_cleanup(kill)
    acc = {"xdpsec": [0, 0, 0.0, 0.0], "bare": [0, 0, 0.0, 0.0]}
    per_round = []
    try:
        time.sleep(0.3)
        for _ in range(rounds):
            rates = []
            for name, pin, counter in (("xdpsec", xdpsec_pin, xdpsec_drops),
                                       ("bare", drop_pin, veth_drops)):
                use(pin)
                if gen.poll() is not None:
                    raise RuntimeError("flood generator ended early")
                (c0, t0), (v0, u0) = timed(counter), timed(veth_drops)
                time.sleep(window)
                (c1, t1), (v1, u1) = timed(counter), timed(veth_drops)
                a = acc[name]
                a[0] += c1 - c0
                a[1] += v1 - v0
                a[2] += t1 - t0
                a[3] += u1 - u0
                rates.append((c1 - c0) / (t1 - t0))
            per_round.append(tuple(rates))
    finally:
        use(xdpsec_pin)     # xdpsec's detach removes its own program
        gen.terminate()
        try:
            out, err = gen.communicate(timeout=30)
        finally:
            nn.run_cleanup(key)
    if gen.returncode != 0:
        raise RuntimeError(f"flood generator failed ({gen.returncode}): {err[-500:]}")
    sent = json.loads(out.strip().splitlines()[-1])
    res = {name: (a[0] / a[2], a[1] / a[3]) for name, a in acc.items()}
    res["offered"] = sent["packets"] / sent["seconds"]
    res["rounds"] = per_round
    # The programs alone, by the kernel's BPF_PROG_RUN timer (XDP_DROP = 1).
    res["prog_ns"] = {name: prog_run_ns(pin, frame) for name, pin in
                      (("xdpsec", xdpsec_pin), ("bare", drop_pin))}
    for name in ("xdpsec", "bare"):
        log("bench-tunnel: flood: %s %.2f Mpps dropped (veth xdp_drops %.2f)"
            % ((name,) + tuple(x / 1e6 for x in res[name])))
    return res


# ------------------------------------------------------------ strongSwan

def strongswan_up(topo, workdir, charons):
    """Two charons (kernel-libipsec) with a PSK IKEv2 tunnel between the
    subnets, ESP aes128gcm16; returns once the CHILD_SA is installed on
    both. Each charon goes into `charons` as soon as it runs, so the caller
    stops it whatever fails later."""
    conn = sw.SiteToSite(name="bench", local_addr=ADDR["a_out"], remote_addr=ADDR["b_out"],
                         psk="0x" + os.urandom(24).hex(), local_ts=[CLIENT_NET],
                         remote_ts=[SERVER_NET], esp_proposals="aes128gcm16")
    a = sw.Charon(topo.a, workdir / "charon-a")
    charons.append(a)
    a.start()
    b = sw.Charon(topo.b, workdir / "charon-b")
    charons.append(b)
    b.start()
    a.load([conn])
    b.load([conn.mirrored()])
    a.initiate("bench")
    sa = a.wait_child_sa("bench")
    b.wait_child_sa("bench")
    tun = ", ".join(f"{t} mtu {topo.a.link(t).get('mtu')}" for t in a.tun_devices())
    log(f"bench-tunnel: strongswan: CHILD_SA {sa.get('spi-in')}/{sa.get('spi-out')} "
        f"{sa.get('encr-alg')}-{sa.get('encr-keysize')} encap={sa.get('encap')}; "
        f"gw A TUN: {tun}")


# ---------------------------------------------------------------- report

def fmt(v, spec=".2f", none="n/a"):
    return none if v is None else format(v, spec)


def ratio(x, y):
    return None if x is None or not y else x / y


def report(results, fl, args):
    rows = (("ceiling", "kernel forwarding, no IPsec"),
            ("xdpsec", "xdpsec ESP tunnel, AES-128-GCM"),
            ("strongswan", "strongSwan charon + kernel-libipsec, aes128gcm16, UDP 4500"))
    print()
    print("tunnel benchmark: client - gw A - gw B - server (veth, MTU 1500), "
          f"TCP {args.tcp_seconds}s, UDP {UDP_LEN}-byte payloads {args.udp_seconds}s")
    print(f"  {'path':<11} {'TCP Gbit/s':>10} {'UDP rx kpps':>11} {'UDP rx Gbit/s':>13} "
          f"{'(sent kpps)':>11}  what")
    for name, what in rows:
        r = results.get(name, {})
        kpps = lambda k: None if r.get(k) is None else r[k] / 1e3  # noqa: E731
        print(f"  {name:<11} {fmt(r.get('tcp')):>10} {fmt(kpps('udp_pps'), '.0f'):>11} "
              f"{fmt(r.get('udp_gbps'), '.3f'):>13} {fmt(kpps('udp_sent'), '.0f'):>11}  {what}")
    x, s, c = (results.get(k, {}) for k in ("xdpsec", "strongswan", "ceiling"))
    print("  xdpsec/strongswan: TCP %sx, UDP %sx" % (
        fmt(ratio(x.get("tcp"), s.get("tcp"))),
        fmt(ratio(x.get("udp_pps"), s.get("udp_pps")))))
    print("  xdpsec/ceiling:    TCP %s, UDP %s" % (
        fmt(ratio(x.get("tcp"), c.get("tcp"))),
        fmt(ratio(x.get("udp_pps"), c.get("udp_pps")))))
    if fl:
        print(f"flood: ESP for unknown SPI 0x{FLOOD_SPI:08x} into gw B's outside veth "
              f"(82-byte frames from BPF_PROG_RUN live frames on gw A, offered "
              f"{fl['offered'] / 1e6:.2f} Mpps; the XDP program on b-out alternates, "
              f"{len(fl['rounds'])} x {args.flood_seconds / len(fl['rounds']):.2f}s each)")
        for key, what in (("xdpsec", "xdpsec xdp_ingress (xdp drop_unknown_spi)"),
                          ("bare", "bare XDP_DROP (veth rx xdp_drops)")):
            d, v = fl[key]
            print(f"  {what:<42} {d / 1e6:6.2f} Mpps dropped (veth counted {v / 1e6:.2f})")
        xr, br = fl["xdpsec"][0], fl["bare"][0]
        if xr and br:
            per = [x / b for x, b in fl["rounds"] if b]
            rounds = " ".join(f"{r:.2f}" for r in per)
            print(f"  ratio xdpsec/bare = {xr / br:.2f} (target >= 0.9; rounds {rounds}, "
                  f"median {statistics.median(per):.2f}); "
                  f"{1e9 / xr - 1e9 / br:+.1f} ns per frame")
        pn = fl.get("prog_ns")
        if pn:
            extra = pn["xdpsec"][0] - pn["bare"][0]
            line = ("  program alone (BPF_PROG_RUN, same frame): xdpsec %d ns (verdict %d), "
                    "bare %d ns (verdict %d)" % (pn["xdpsec"] + pn["bare"]))
            if br:
                # The bare frame's whole cost plus the programs' difference.
                line += "; predicted ratio %.2f" % ((1e9 / br) / (1e9 / br + extra))
            print(line)
    print("tunnel tcp xdpsec=%s strongswan=%s ceiling=%s ratio_sw=%s" % (
        fmt(x.get("tcp"), ".2f", "0.00"), fmt(s.get("tcp"), ".2f", "0.00"),
        fmt(c.get("tcp"), ".2f", "0.00"),
        fmt(ratio(x.get("tcp"), s.get("tcp")), ".2f", "0.00")), flush=True)


# ------------------------------------------------------------------ main

def default_build():
    env = os.environ.get("XS_BUILD")
    return pathlib.Path(env) if env else REPO / "build"


def check_prereqs(build):
    missing = []
    for p in (build / "xdpsec", build / "bench" / "flood.bpf.o",
              build / "bench" / "xdp_drop.bpf.o"):
        if not p.exists():
            missing.append(f"{p} (run `make` and `make bench-tunnel`)")
    for tool in ("iperf3", "bpftool", "ethtool", "ping", "unshare", "nsenter"):
        if not shutil.which(tool):
            missing.append(tool)
    if not sw.available():
        missing.append("strongSwan (apt-get install strongswan-charon strongswan-swanctl "
                       "libcharon-extra-plugins libstrongswan-standard-plugins "
                       "libstrongswan-extra-plugins)")
    return missing


_stopping = []


def _on_signal(signum, frame):
    log(f"bench-tunnel: signal {signum}, cleaning up")
    _stopping.append(signum)
    raise SystemExit(128 + signum)


def checkpoint():
    """Stops at the next step should a signal's SystemExit have been lost
    in a child's teardown."""
    if _stopping:
        raise SystemExit(128 + _stopping[0])


def run(args):
    build = args.build.resolve()
    missing = check_prereqs(build)
    if missing:
        log("bench-tunnel: missing: " + "; ".join(missing))
        return 2
    if os.geteuid() != 0:
        log("bench-tunnel: needs root (namespaces, XDP, bpffs)")
        return 2
    nn.ensure_bpffs()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)

    tag = f"xsbt{os.getpid()}"
    workdir = pathlib.Path(tempfile.mkdtemp(prefix=f"{tag}-"))
    pin_dir = pathlib.Path("/sys/fs/bpf") / tag
    pin_dir.mkdir()
    nn.register_cleanup(lambda: shutil.rmtree(pin_dir, ignore_errors=True))
    results, fl, failed = {}, {}, []

    topo = Topology(tag)
    iperf = Iperf(topo)
    log(f"bench-tunnel: namespaces {tag}-*, logs in {workdir}")

    # (b) the ceiling: plain forwarding, no program on any link.
    measure("ceiling", topo, iperf, args, results)

    # (a) xdpsec, then the flood against gw B while its daemon is attached.
    daemons = {}
    try:
        daemons = xdpsec_up(topo, build / "xdpsec", tag, workdir)
        measure("xdpsec", topo, iperf, args, results)
        out_a = sa_packets(daemons["a"], SPI_AB)
        in_b = sa_packets(daemons["b"], SPI_AB)
        log(f"bench-tunnel: xdpsec: SA 0x{SPI_AB:08x} sealed {out_a} on A, opened {in_b} on B")
        if out_a == 0 or in_b == 0:
            log("bench-tunnel: xdpsec: traffic did not go through the SAs")
            results["xdpsec"] = {}
        for h, d in daemons.items():
            st = d.stats()
            odd = notable_stats(st) + ring_losses(st)
            if odd:
                log(f"bench-tunnel: xdpsec gw {h.upper()}: " + " ".join(odd))
        fl = flood(topo, build, pin_dir, daemons["b"], args.flood_seconds)
    except Exception as e:
        log(f"bench-tunnel: xdpsec phase failed: {e}")
        for h, d in daemons.items():
            log(f"--- xdpsec gw {h.upper()} log:\n{d.log_text()[-1500:]}")
    finally:
        for d in daemons.values():
            d.cleanup()
    left = {dev: pid for dev, pid in topo.xdp_prog_ids().items() if pid}
    if left:
        log(f"bench-tunnel: XDP programs left after xdpsec: {left}; removing")
        for ns, dev in ((topo.a, "a-out"), (topo.b, "b-out")):
            ns.run(["ip", "link", "set", "dev", dev, "xdp", "off"], check=False)

    checkpoint()
    # (c) strongSwan's userspace datapath.
    # Only charon's route into its TUN device may carry the subnets now.
    topo.a.run(["ip", "route", "del", SERVER_NET, "via", ADDR["b_out"]])
    topo.b.run(["ip", "route", "del", CLIENT_NET, "via", ADDR["a_out"]])
    charons = []
    try:
        strongswan_up(topo, workdir, charons)
        measure("strongswan", topo, iperf, args, results)
        sa = charons[1].child_sas("bench")
        got = int(sa[0].get("packets-in", 0)) if sa else 0
        log(f"bench-tunnel: strongswan: CHILD_SA on B opened {got} packets")
        if not got:
            log("bench-tunnel: strongswan: traffic did not go through the CHILD_SA")
            results["strongswan"] = {}
    except Exception as e:
        log(f"bench-tunnel: strongSwan phase failed: {e}")
    finally:
        for ch in charons:
            ch.stop()

    checkpoint()
    topo.delete()
    for name in ("ceiling", "xdpsec", "strongswan"):
        if results.get(name, {}).get("tcp") is None:
            failed.append(name)
    if "xdpsec" not in fl or "bare" not in fl:
        failed.append("flood")
    if not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        log(f"bench-tunnel: not measured: {', '.join(failed)}; logs kept in {workdir}")
    # Everything else is on stderr and done: the summary line stays last.
    report(results, fl, args)
    return 1 if failed else 0


def main(argv):
    if len(argv) > 1 and argv[1] == "flood-gen":
        flood_generate(argv[2], argv[3], argv[4], float(argv[5]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=pathlib.Path, default=default_build())
    ap.add_argument("--tcp-seconds", type=int, default=5)
    ap.add_argument("--udp-seconds", type=int, default=4)
    ap.add_argument("--flood-seconds", type=float, default=4,
                    help="flood time per XDP program, split into 4 alternating rounds")
    return run(ap.parse_args(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
