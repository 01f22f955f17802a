# SPDX-License-Identifier: GPL-2.0-only
"""Gateway and container-host topologies for the integration tests, built
on netns.py (namespaces, daemons, captures and their cleanup registry).

    SiteToSite: client -- gateway A ==== gateway B -- server
        client net  A in0         vxa/vxb        B in0  server net
    The gateways' outside link is a netns.Link (its bridge namespace M sees
    the wire, ESP included). xdpsec on each gateway, tunnel-mode ESP
    (AES-128-GCM) between the gateways' outside addresses, policies for
    client net <-> server net.

    ContainerHosts: hosts A and B (the two ends of a netns.Link), each with
    a bridge and three pod namespaces in a per-host pod subnet (as
    scripts/demo.sh); xdpsec on each host protects pod net A <-> pod net B.

Also run as a script inside a namespace for the traffic endpoints netns.py
has no equivalent for:

    ... topo.py tcp-send-det ADDR PORT BYTES SEED   deterministic stream
    ... topo.py udp-send-nodf ADDR PORT COUNT SIZE  IPv4, DF clear
"""
import atexit
import hashlib
import json
import os
import pathlib
import random
import secrets
import socket
import subprocess
import sys
import time

import netns
from netns import Daemon, LineProc, Netns, sh, stat, udp_payload, unique_name

HERE = pathlib.Path(__file__).resolve()
MB = 1 << 20

# Worker counters that must stay 0 on a clean path (drop_tx_full is a
# congestion loss TCP recovers from; it is reported, not failed on).
WORKER_HARD_DROPS = ("drop_runt", "drop_not_tagged", "drop_no_sa", "drop_open",
                     "drop_seal", "drop_too_big", "drop_gso_bad", "drop_tap_write",
                     "tap_read_error", "drop_no_head")


def esp_tunnel_inner_mtu(link_mtu, family):
    """RFC 4303 §2.4 / RFC 4106 §3: outer IP + ESP header (8) + explicit IV
    (8) + ICV (16), the payload plus the 2-byte trailer padded to 4 bytes."""
    outer = 20 if family == 4 else 40
    return (link_mtu - outer - 32) // 4 * 4 - 2


# ------------------------------------------------------- deterministic data

DET_CHUNK = MB


def det_chunk(seed, i, size=DET_CHUNK):
    """Chunk i of the deterministic stream of seed (SHAKE-128 of seed, i)."""
    return hashlib.shake_128(b"xdpsec-tcp-%d-%d" % (seed, i)).digest(size)


def det_sha256(seed, nbytes):
    """SHA-256 of the first nbytes of the stream tcp-send-det sends."""
    h = hashlib.sha256()
    i = 0
    while nbytes > 0:
        n = min(DET_CHUNK, nbytes)
        h.update(det_chunk(seed, i, n))
        nbytes -= n
        i += 1
    return h.hexdigest()


# ------------------------------------------------------------- helpers

def helper(ns, *args):
    """Starts this file as a traffic helper inside namespace ns."""
    return LineProc(ns.popen([netns.PYTHON, str(HERE)] + [str(a) for a in args],
                             stdin=subprocess.DEVNULL))


def nonzero(stats, group):
    return {k: v["packets"] for k, v in stats.get(group, {}).items() if v["packets"]}


def sa_entry(daemon, spi, direction):
    for s in daemon.cli("sa", "list", json_out=True):
        if int(str(s["spi"]), 16) == spi and s["dir"] == direction:
            return s
    raise KeyError(f"no SA {spi:#x} dir {direction} in {daemon.instance}")


def sa_packets(daemon, spi, direction):
    return int(sa_entry(daemon, spi, direction)["packets"])


def daemon_diag(daemons, extra=()):
    """Nonzero counters of each daemon, its SAs, and the log of a dead one;
    plus `ip -s link` of every namespace in extra (steer veths included)."""
    out = []
    for d in daemons:
        try:
            if d.alive():
                s = d.stats()
                out.append(f"{d.instance}: " + json.dumps(
                    {g: {k: v["packets"] for k, v in rows.items() if v.get("packets")}
                     for g, rows in s.items()}))
                for sa in d.cli("sa", "list", json_out=True):
                    out.append(f"  sa {sa.get('spi')} {sa.get('dir')}: packets "
                               f"{sa.get('packets')} drops {sa.get('drops')}")
            else:
                out.append(f"{d.instance} dead, log: {d.log_text()}")
        except Exception as e:
            out.append(f"{d.instance}: stats failed: {e}")
    for ns in extra:
        p = ns.run(["ip", "-s", "-br", "link"], check=False)
        out.append(f"{ns.name} links:\n{p.stdout}")
    return "\n".join(out)


def check_clean(daemon, ns, outside_dev):
    """Counters that must be 0 after a clean run; returns the complaints."""
    st = daemon.stats()
    bad = []
    checks = [("xdp", "drop"), ("tc", "discard")]
    # The kernel's own frames on the steer veth (IPv6 link-local chatter)
    # carry the stack side's random MAC, whose first octet is the steer
    # tag's magic once in 64: those land in drop_bad_slot/no_socket.
    steer_mac = ns.mac(f"xs{ns.link(outside_dev)['ifindex']}s")
    if not steer_mac.startswith("5a:"):
        checks += [("steer", "drop_no_socket"), ("steer", "drop_bad_slot")]
    for group, name in checks:
        if stat(st, group, name):
            bad.append(f"{daemon.instance} {group}/{name}: {nonzero(st, group)}")
    if nonzero(st, "engine"):
        bad.append(f"{daemon.instance} engine drops: {nonzero(st, 'engine')}")
    wk = {k: v for k, v in nonzero(st, "worker").items() if k in WORKER_HARD_DROPS}
    if wk:
        bad.append(f"{daemon.instance} worker drops: {nonzero(st, 'worker')}")
    return bad


def gcm_keys():
    return os.urandom(20)


def gcm_words(key):
    return ["aead", "rfc4106(gcm(aes))", "0x" + key.hex(), "128"]


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def tcp_det_transfer(src_ns, dst_ns, dst_addr, port, nbytes, seed, timeout=240):
    """nbytes of the deterministic stream seed from src_ns to dst_addr:port
    (a netns tcp-recv in dst_ns). Returns (sender, receiver) results, each
    with bytes and sha256."""
    srv = dst_ns.helper("tcp-recv", port)
    srv.wait_ready()
    cli = helper(src_ns, "tcp-send-det", dst_addr, port, nbytes, seed)
    rc = cli.finish(timeout)
    rs = srv.finish(60)
    return rc, rs


def udp_flow(src_ns, dst_ns, dst_addr, port, count, size=1000, pps=2000, tos=0):
    """count netns.udp_payload datagrams; returns (sender, receiver) results."""
    recv = dst_ns.helper("udp-recv", port, "--count", count, "--idle", 2)
    recv.wait_ready()
    args = ["udp-send", dst_addr, port, count, "--size", size, "--pps", pps]
    if tos:
        args += ["--tos", hex(tos)]
    sent = src_ns.helper(*args).finish(60)
    got = recv.finish(60)
    return sent, got


def wait_no_tentative(ns, timeout=5):
    """Waits until no IPv6 address of ns is still in duplicate address
    detection."""
    if not wait_for(lambda: not ns.run(["ip", "-6", "addr", "show", "tentative"]).stdout.strip(),
                    timeout):
        raise RuntimeError(f"{ns.name}: addresses still tentative after {timeout}s:\n" +
                           ns.run(["ip", "-6", "addr", "show", "tentative"]).stdout)


class TunnelPeers:
    """Two xdpsec daemons on the two ends of a netns.Link (namespaces a and
    b, devices dev_a / dev_b), with tunnel-mode ESP SAs (AES-128-GCM)
    between the link addresses of the family, and protect policies for
    net_a <-> net_b in both directions on both sides."""

    def __init__(self, link, family, net_a, net_b, binary, logdir):
        self.link = link
        self.family = family
        self.net_a, self.net_b = net_a, net_b
        self.outer_a, self.outer_b = link.addrs(family)
        base = secrets.randbelow(0x10000000) + 0x1000
        self.spi_ab, self.spi_ba = base, base + 1
        self.key_ab, self.key_ba = gcm_keys(), gcm_keys()
        tag = secrets.token_hex(3)
        self.da = Daemon(link.a, f"g{os.getpid()}{tag}a", binary, logdir)
        self.db = Daemon(link.b, f"g{os.getpid()}{tag}b", binary, logdir)
        try:
            self.da.start()
            self.db.start()
            self.da.attach(link.dev_a)
            self.db.attach(link.dev_b)
            a, b = self.outer_a, self.outer_b
            for d, spi_out, k_out, spi_in, k_in, src, dst in (
                    (self.da, self.spi_ab, self.key_ab, self.spi_ba, self.key_ba, a, b),
                    (self.db, self.spi_ba, self.key_ba, self.spi_ab, self.key_ab, b, a)):
                d.cli("sa", "add", "src", src, "dst", dst, "proto", "esp", "spi", hex(spi_out),
                      "mode", "tunnel", "dir", "out", *gcm_words(k_out))
                d.cli("sa", "add", "src", dst, "dst", src, "proto", "esp", "spi", hex(spi_in),
                      "mode", "tunnel", "dir", "in", *gcm_words(k_in))
            for d, here, there, spi_out, spi_in in (
                    (self.da, net_a, net_b, self.spi_ab, self.spi_ba),
                    (self.db, net_b, net_a, self.spi_ba, self.spi_ab)):
                d.cli("policy", "add", "src", here, "dst", there, "dir", "out",
                      "spi", hex(spi_out))
                d.cli("policy", "add", "src", there, "dst", here, "dir", "in",
                      "spi", hex(spi_in))
        except BaseException:
            self.stop()
            raise

    def sa_counts(self):
        """{(side, dir): packets} of the four SAs."""
        return {("a", "out"): sa_packets(self.da, self.spi_ab, "out"),
                ("a", "in"): sa_packets(self.da, self.spi_ba, "in"),
                ("b", "out"): sa_packets(self.db, self.spi_ba, "out"),
                ("b", "in"): sa_packets(self.db, self.spi_ab, "in")}

    def scapy_sa(self, direction="ab"):
        """scapy's SecurityAssociation equal to the SA A->B (or B->A)."""
        from scapy.layers.inet import IP
        from scapy.layers.inet6 import IPv6
        from scapy.layers.ipsec import ESP, SecurityAssociation
        if direction == "ab":
            spi, key, src, dst = self.spi_ab, self.key_ab, self.outer_a, self.outer_b
        else:
            spi, key, src, dst = self.spi_ba, self.key_ba, self.outer_b, self.outer_a
        hdr = IP(src=src, dst=dst) if self.family == 4 else IPv6(src=src, dst=dst)
        return SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key,
                                   tunnel_header=hdr)

    def clean_errors(self):
        return (check_clean(self.da, self.link.a, self.link.dev_a) +
                check_clean(self.db, self.link.b, self.link.dev_b))

    def diag(self, extra=()):
        return daemon_diag((self.da, self.db), (self.link.a, self.link.b) + tuple(extra))

    def stop(self):
        self.da.cleanup()
        self.db.cleanup()


# ------------------------------------------------------------ site to site

class SiteToSite:
    """client -- gateway A ==== gateway B -- server, one address family.

    Gateways A and B are the ends of a netns.Link (outside devices vxa /
    vxb, the wire visible in its namespace M); the inside devices are in0
    (gateway) -- cl0 (client) and in0 (gateway) -- sv0 (server), MTU 1500.
    outside_mtu, when given, is set on the outside link (both ends and the
    bridge ports) before xdpsec attaches (it reads the MTU then)."""

    def __init__(self, family, binary, logdir, outside_mtu=None):
        self.family = family
        self.tunnel = None
        self.link = netns.Link()
        self.client = self.server = None
        try:
            self._build(outside_mtu)
            self.tunnel = TunnelPeers(self.link, family, self.client_net, self.server_net,
                                      binary, logdir)
        except BaseException:
            self.delete()
            raise

    def _build(self, outside_mtu):
        lk, fam = self.link, self.family
        r = random.randint(1, 254)
        if fam == 4:
            self.client_net, self.server_net = f"172.16.{r}.0/24", f"172.17.{r}.0/24"
            self.gw_a_in, self.client_addr = f"172.16.{r}.1", f"172.16.{r}.2"
            self.gw_b_in, self.server_addr = f"172.17.{r}.1", f"172.17.{r}.2"
            plen, extra = 24, []
        else:
            self.client_net, self.server_net = f"fd10:{r:x}:c::/64", f"fd10:{r:x}:5::/64"
            self.gw_a_in, self.client_addr = f"fd10:{r:x}:c::1", f"fd10:{r:x}:c::2"
            self.gw_b_in, self.server_addr = f"fd10:{r:x}:5::1", f"fd10:{r:x}:5::2"
            plen, extra = 64, ["nodad"]
        tag = lk.a.name.rsplit("-", 1)[0].rsplit("-", 1)[-1]
        self.client = Netns(unique_name(f"{tag}-cl"))
        self.server = Netns(unique_name(f"{tag}-sv"))
        self.gw_a, self.gw_b = lk.a, lk.b
        if outside_mtu:
            for ns, dev in ((lk.a, lk.dev_a), (lk.b, lk.dev_b), (lk.m, lk.tap_a),
                            (lk.m, lk.tap_b)):
                ns.run(["ip", "link", "set", dev, "mtu", outside_mtu])
        self.outside_mtu = int(lk.a.link(lk.dev_a)["mtu"])
        ipf = "-4" if fam == 4 else "-6"
        for gw, host, hdev, gw_in, host_addr, remote_net, peer_outer in (
                (lk.a, self.client, "cl0", self.gw_a_in, self.client_addr, self.server_net,
                 lk.addrs(fam)[1]),
                (lk.b, self.server, "sv0", self.gw_b_in, self.server_addr, self.client_net,
                 lk.addrs(fam)[0])):
            sh(["ip", "link", "add", hdev, "netns", host.name, "type", "veth",
                "peer", "name", "in0", "netns", gw.name])
            gw.sysctl("net.ipv4.ip_forward", 1)
            gw.sysctl("net.ipv6.conf.all.forwarding", 1)
            # No DAD on the inside links: while its link-local address is
            # tentative a router sends no neighbour solicitation for a
            # forwarded packet (the NS needs that source), and the first
            # packets to the client/server are lost.
            gw.sysctl("net.ipv6.conf.in0.accept_dad", 0)
            host.sysctl(f"net.ipv6.conf.{hdev}.accept_dad", 0)
            gw.run(["ip", ipf, "addr", "add", f"{gw_in}/{plen}", "dev", "in0"] + extra)
            gw.run(["ip", "link", "set", "in0", "up"])
            host.run(["ip", ipf, "addr", "add", f"{host_addr}/{plen}", "dev", hdev] + extra)
            host.run(["ip", "link", "set", hdev, "up"])
            host.run(["ip", ipf, "route", "add", "default", "via", gw_in])
            gw.run(["ip", ipf, "route", "add", remote_net, "via", peer_outer])
        self.client_dev, self.server_dev = "cl0", "sv0"
        for ns in (lk.a, lk.b, self.client, self.server):
            wait_no_tentative(ns)

    def capture_wire(self, bpf_filter="", pcap=None, snaplen=0):
        """The outside link between the gateways (bridge port facing A)."""
        return self.link.capture(bpf_filter, pcap, snaplen)

    def capture_client(self, bpf_filter="", pcap=None):
        return netns.Capture(self.client, self.client_dev, bpf_filter, pcap)

    def diag(self):
        extra = [ns for ns in (self.client, self.server) if ns]
        if not self.tunnel:
            return "(no tunnel)"
        return self.tunnel.diag(extra)

    def delete(self):
        if self.tunnel:
            self.tunnel.stop()
        for ns in (self.client, self.server):
            if ns:
                ns.delete()
        self.link.delete()


# ---------------------------------------------------------- container hosts

class ContainerHosts:
    """Two container hosts joined by a netns.Link: each host has br0 with
    the pod gateway address and `pods` pod namespaces (veth p<i> in the pod,
    v<h><i> on the bridge, default route via the bridge), IPv4 pod subnets
    podnet[a], podnet[b]; each host routes the other's pod net via the
    other's link address; xdpsec protects pod net A <-> pod net B."""

    def __init__(self, binary, logdir, pods=3):
        self.link = netns.Link()
        self.tunnel = None
        self.pods = {"a": [], "b": []}
        try:
            self._build(pods)
            self.tunnel = TunnelPeers(self.link, 4, self.podnet["a"], self.podnet["b"],
                                      binary, logdir)
        except BaseException:
            self.delete()
            raise

    def _build(self, npods):
        lk = self.link
        r = random.randint(1, 254)
        self.host = {"a": lk.a, "b": lk.b}
        self.outer = {"a": lk.v4[0], "b": lk.v4[1]}
        prefix = {"a": f"172.18.{r}", "b": f"172.19.{r}"}
        self.podnet = {h: f"{p}.0/24" for h, p in prefix.items()}
        self.pod_addr = {}      # pod namespace name -> address
        tag = lk.a.name.rsplit("-", 1)[0].rsplit("-", 1)[-1]
        for h, host in self.host.items():
            host.sysctl("net.ipv4.ip_forward", 1)
            host.run(["ip", "link", "add", "br0", "type", "bridge", "forward_delay", "0",
                      "stp_state", "0"])
            host.run(["ip", "addr", "add", f"{prefix[h]}.1/24", "dev", "br0"])
            host.run(["ip", "link", "set", "br0", "up"])
            for i in range(1, npods + 1):
                pod = Netns(unique_name(f"{tag}-{h}p{i}"))
                self.pods[h].append(pod)
                sh(["ip", "link", "add", f"p{i}", "netns", pod.name, "type", "veth",
                    "peer", "name", f"v{h}{i}", "netns", host.name])
                addr = f"{prefix[h]}.1{i}"
                pod.run(["ip", "addr", "add", f"{addr}/24", "dev", f"p{i}"])
                pod.run(["ip", "link", "set", f"p{i}", "up"])
                pod.run(["ip", "route", "add", "default", "via", f"{prefix[h]}.1"])
                host.run(["ip", "link", "set", f"v{h}{i}", "master", "br0", "up"])
                self.pod_addr[pod.name] = addr
            peer = "b" if h == "a" else "a"
            host.run(["ip", "route", "add", self.podnet[peer], "via", self.outer[peer]])

    def addr(self, pod):
        return self.pod_addr[pod.name]

    def diag(self):
        if not self.tunnel:
            return "(no tunnel)"
        return self.tunnel.diag()

    def delete(self):
        if self.tunnel:
            self.tunnel.stop()
        for pods in self.pods.values():
            for p in pods:
                p.delete()
        self.link.delete()


# ------------------------------------------- helpers run inside a namespace

def _say(obj):
    print(obj if isinstance(obj, str) else json.dumps(obj), flush=True)


def _tcp_send_det(addr, port, total, seed):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(120)
    s.connect((addr, port))
    h = hashlib.sha256()
    n = i = 0
    t0 = time.monotonic()
    while n < total:
        buf = det_chunk(seed, i, min(DET_CHUNK, total - n))
        s.sendall(buf)
        h.update(buf)
        n += len(buf)
        i += 1
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
    _say({"bytes": n, "sha256": h.hexdigest(), "seconds": time.monotonic() - t0})


# linux/in.h (Python 3.11's socket module lacks them)
IP_MTU_DISCOVER = 10
IP_PMTUDISC_DONT = 0


def _udp_send_nodf(addr, port, count, size):
    """IPv4 datagrams with DF clear (IP_PMTUDISC_DONT: the sender fragments
    locally and never sets DF), payloads of netns.udp_payload."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    sent = errors = 0
    for seq in range(count):
        try:
            s.sendto(udp_payload(seq, size), (addr, port))
            sent += 1
        except OSError:
            errors += 1
        time.sleep(0.02)
    _say({"sent": sent, "errors": errors})


def _main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("tcp-send-det")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("bytes", type=int)
    p.add_argument("seed", type=int)
    p = sub.add_parser("udp-send-nodf")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("count", type=int)
    p.add_argument("size", type=int)
    a = ap.parse_args(argv)
    if a.cmd == "tcp-send-det":
        _tcp_send_det(a.addr, a.port, a.bytes, a.seed)
    else:
        _udp_send_nodf(a.addr, a.port, a.count, a.size)


if __name__ == "__main__":
    # A helper process must not run the test-side cleanups of its importer.
    atexit.unregister(netns._cleanup_all)
    _main(sys.argv[1:])
