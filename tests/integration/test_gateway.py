# SPDX-License-Identifier: GPL-2.0-only
"""Site-to-site: two xdpsec gateways protecting client net <-> server net.

    client (cl0) -- (in0) gateway A (vxa) ==== (vxb) gateway B (in0) -- (sv0) server

topo.SiteToSite: the gateways forward (ip_forward / IPv6 forwarding on) and
route the remote inner subnet via the peer gateway's outside address;
xdpsec on each gateway's outside device with tunnel-mode ESP SAs
(AES-128-GCM) between the gateways' outside addresses and `policy add src
CLIENT_NET dst SERVER_NET dir out spi ...` (the reverse on B), plus the
matching `dir in` policies. IPv4 inner over IPv4 outer, IPv6 inner over IPv6
outer (nodad addresses). The outside link is a netns.Link: its bridge
namespace M sees the wire (AF_XDP bypasses the taps of both gateways).

Needs root, bpffs, build/xdpsec. Runtime: about 15-20 s.
"""
import ipaddress
import json
import time

import pytest

import topo
from netns import stat

from scapy.compat import raw
from scapy.layers.inet import ICMP, IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP
from scapy.layers.l2 import ARP
from scapy.utils import rdpcap

MB = 1 << 20
TCP_MB = 100
UDP_PORT = 5101
TOS_PORT = 5102
TCP_PORT = 5103
TOS_EF_ECT0 = 0xb8 | 0x02       # DSCP EF (46), ECN ECT(0)

# ICMPv6 the hosts may put on the link by themselves: MLD (130-132, 143)
# and neighbour discovery (133-137).
ICMP6_CHATTER = {130, 131, 132, 133, 134, 135, 136, 137, 143}


@pytest.fixture(scope="module", params=(4, 6), ids=("v4", "v6"))
def site(request, bpffs, xdpsec_bin, tmp_path_factory):
    s = topo.SiteToSite(request.param, xdpsec_bin, tmp_path_factory.mktemp("gw"))
    yield s
    s.delete()


def l3(frame, family):
    return frame.getlayer(IP) if family == 4 else frame.getlayer(IPv6)


def icmp6_type(frame):
    """The ICMPv6 type of an IPv6 frame, following extension headers."""
    ip = frame.getlayer(IPv6)
    p = ip.payload
    while p is not None and hasattr(p, "nh") and not hasattr(p, "type"):
        p = p.payload
    return getattr(p, "type", None) if p is not None else None


def classify_wire(frames, s):
    """Splits captured frames into ESP A->B, ESP B->A and anything else
    (besides ARP, ICMPv6 ND/MLD and IGMP chatter not involving the inner
    subnets), which is a failure."""
    t = s.tunnel
    inner_nets = (ipaddress.ip_network(s.client_net), ipaddress.ip_network(s.server_net))

    def inner(addr):
        a = ipaddress.ip_address(addr)
        return any(a.version == n.version and a in n for n in inner_nets)

    ab, ba, bad = [], [], []
    for f in frames:
        if f.haslayer(ARP):
            continue
        ip = f.getlayer(IP)
        if ip is None:
            ip = f.getlayer(IPv6)
        if ip is None:
            bad.append(f.summary())
            continue
        proto = ip.proto if isinstance(ip, IP) else ip.nh
        if proto != 50 and isinstance(ip, IPv6) and icmp6_type(f) in ICMP6_CHATTER and \
                not inner(ip.src) and not inner(ip.dst):
            continue
        if isinstance(ip, IP) and proto == 2 and not inner(ip.src):
            continue    # IGMP reports (the bridge in M, address 0.0.0.0)
        if proto == 50 and (ip.src, ip.dst) == (t.outer_a, t.outer_b) and \
                f[ESP].spi == t.spi_ab:
            ab.append(f)
        elif proto == 50 and (ip.src, ip.dst) == (t.outer_b, t.outer_a) and \
                f[ESP].spi == t.spi_ba:
            ba.append(f)
        else:
            bad.append(f.summary())
    return ab, ba, bad


def open_all(s, frames, direction):
    """The inner datagrams of captured tunnel ESP, opened by scapy."""
    sa = s.tunnel.scapy_sa(direction)
    out = []
    for f in frames:
        inner = sa.decrypt(l3(f, s.family).copy())
        out.append(inner.__class__(raw(inner)))
    return out


def udp_seqs(pkts, src, dst, dport):
    seqs = []
    for p in pkts:
        u = p.getlayer(UDP)
        if u is None or u.dport != dport or (p.src, p.dst) != (src, dst):
            continue
        seq = topo.netns.udp_payload_ok(raw(u.payload))
        if seq is not None:
            seqs.append(seq)
    return sorted(seqs)


def echo_count(pkts, src, dst, family, reply):
    want = (0 if reply else 8) if family == 4 else (129 if reply else 128)
    n = 0
    for p in pkts:
        if (p.src, p.dst) != (src, dst):
            continue
        if family == 4 and p.haslayer(ICMP) and p[ICMP].type == want:
            n += 1
        elif family == 6 and getattr(p.payload, "type", None) == want:
            n += 1
    return n


def accounting(s):
    """Mismatches along both directions: every packet a gateway's worker
    sealed went out under its SA, reached the peer's XDP, was opened and
    handed to the peer's stack."""
    t = s.tunnel
    bad = []
    for tx, rx, spi in ((t.da, t.db, t.spi_ab), (t.db, t.da, t.spi_ba)):
        st_tx, st_rx = tx.stats(), rx.stats()
        chain = {
            f"{tx.instance} worker/tx_outbound": stat(st_tx, "worker", "tx_outbound"),
            f"{tx.instance} sa out": topo.sa_packets(tx, spi, "out"),
            f"{rx.instance} xdp/redirect_esp": stat(st_rx, "xdp", "redirect_esp"),
            f"{rx.instance} worker/rx_inbound": stat(st_rx, "worker", "rx_inbound"),
            f"{rx.instance} sa in": topo.sa_packets(rx, spi, "in"),
            # opened packets plus the ICMP errors this side sent its stack
            f"{rx.instance} worker/tx_inbound - icmp_too_big":
                stat(st_rx, "worker", "tx_inbound") - stat(st_rx, "worker", "icmp_too_big"),
        }
        if len(set(chain.values())) != 1:
            bad.append(chain)
    return bad


def test_site_to_site(site, tmp_path):
    """Ping both ways, UDP both ways (count and content), TCP of 100 MiB of
    a deterministic stream client -> server with equal SHA-256 at sender,
    receiver and as computed here. A full capture between the gateways
    during ping and UDP holds only ESP of the two SAs (and ARP/ND): scapy
    opens it with the SA keys and finds the echoes and every UDP payload;
    during TCP, captures of cleartext (anything not ESP/ARP/ICMPv6, and
    anything to or from the inner subnets) stay empty. Counters agree along
    the path and show no drops."""
    s = site
    t = s.tunnel
    fam = s.family
    pcap = str(tmp_path / "wire.pcap")
    before = t.sa_counts()

    cap = s.capture_wire(pcap=pcap)
    r = s.client.ping(s.server_addr, count=5, interval=0.05, timeout=1)
    assert r["received"] == 5, f"ping client->server: {r}\n{s.diag()}"
    r = s.server.ping(s.client_addr, count=5, interval=0.05, timeout=1)
    assert r["received"] == 5, f"ping server->client: {r}\n{s.diag()}"
    sent, got = topo.udp_flow(s.client, s.server, s.server_addr, UDP_PORT, 300)
    assert sent["sent"] == 300 and sent["errors"] == 0, sent
    assert got["unique"] == 300 and got["bad"] == 0, f"UDP client->server: {got}\n{s.diag()}"
    sent, got = topo.udp_flow(s.server, s.client, s.client_addr, UDP_PORT, 100)
    assert got["unique"] == 100 and got["bad"] == 0, f"UDP server->client: {got}\n{s.diag()}"
    n = cap.stop()

    frames = rdpcap(pcap)
    ab, ba, bad = classify_wire(frames, s)
    assert not bad, f"{len(bad)} of {n} frames between the gateways are not ESP of the SAs, " \
                    f"ARP or ND, e.g.\n" + "\n".join(bad[:8])
    # 5 requests + 5 replies + 300 UDP from A; 5 + 5 + 100 from B.
    assert len(ab) >= 310 and len(ba) >= 110, (n, len(ab), len(ba))
    opened_ab, opened_ba = open_all(s, ab, "ab"), open_all(s, ba, "ba")
    cl, sv = s.client_addr, s.server_addr
    assert udp_seqs(opened_ab, cl, sv, UDP_PORT) == list(range(300)), \
        "scapy did not find the 300 client datagrams inside A's ESP"
    assert udp_seqs(opened_ba, sv, cl, UDP_PORT) == list(range(100)), \
        "scapy did not find the 100 server datagrams inside B's ESP"
    assert echo_count(opened_ab, cl, sv, fam, False) == 5, "echo requests client->server"
    assert echo_count(opened_ba, sv, cl, fam, True) == 5, "echo replies server->client"
    assert echo_count(opened_ba, sv, cl, fam, False) == 5, "echo requests server->client"
    assert echo_count(opened_ab, cl, sv, fam, True) == 5, "echo replies client->server"

    # TCP, 100 MiB; the captures match cleartext only.
    # (ICMPv6 and hop-by-hop-first IPv6 are ND/MLD chatter, IGMP the
    # bridge's reports; protochain would not compile into a kernel filter.)
    clear = s.capture_wire("not esp and not arp and not igmp and "
                           "not (ip6 and (ip6[6] == 58 or ip6[6] == 0))")
    inner = s.capture_wire(f"net {s.client_net} or net {s.server_net}")
    nbytes = TCP_MB * MB
    seed = int(time.time())
    want = topo.det_sha256(seed, nbytes)
    rc, rs = topo.tcp_det_transfer(s.client, s.server, s.server_addr, TCP_PORT, nbytes, seed)
    assert rc["bytes"] == nbytes and rs["bytes"] == nbytes, (rc, rs, s.diag())
    assert rc["sha256"] == want, "the sender's stream is not the deterministic one"
    assert rs["sha256"] == want, f"received data differs: {rs} vs {want}"
    assert clear.stop() == 0, "cleartext between the gateways during the TCP transfer"
    assert inner.stop() == 0, "inner addresses visible between the gateways during TCP"

    after = t.sa_counts()
    segs = nbytes // 1500
    assert after[("a", "out")] - before[("a", "out")] >= 310 + segs, (before, after)
    assert after[("b", "in")] - before[("b", "in")] >= 310 + segs, (before, after)
    assert after[("b", "out")] - before[("b", "out")] >= 110, (before, after)
    assert after[("a", "in")] - before[("a", "in")] >= 110, (before, after)
    assert topo.wait_for(lambda: not accounting(s), 3), accounting(s)
    errors = t.clean_errors()
    assert not errors, "\n".join(errors)
    # The client's TCP arrives at A unsegmented (GSO): TC hands it to A's
    # tap, A's worker cuts it; B's worker merges the opened segments and
    # writes them to its tap (docs/bpf.md); clean_errors above covers the
    # drops on that way (topo.WORKER_HARD_DROPS).
    st_a, st_b = t.da.stats(), t.db.stats()
    assert stat(st_a, "tc", "protect_gso") > 0, topo.nonzero(st_a, "tc")
    assert stat(st_a, "worker", "gso_segments") >= segs // 2, topo.nonzero(st_a, "worker")
    assert stat(st_b, "worker", "tap_merged") >= segs // 2, topo.nonzero(st_b, "worker")
    assert stat(st_b, "worker", "tap_merged") > 2 * stat(st_b, "worker", "tap_writes"), \
        topo.nonzero(st_b, "worker")
    for d in (t.da, t.db):
        st = d.stats()
        print(f"{d.instance} (v{fam}): TCP {rs['seconds']:.2f}s " + json.dumps(
            {g: topo.nonzero(st, g) for g in ("xdp", "tc", "steer", "worker")}))


def test_outer_dscp_ecn_ttl(site, tmp_path):
    """UDP from the client with TOS / traffic class 0xba (DSCP EF, ECN
    ECT(0)): on the wire the outer header of every ESP packet carries the
    same DSCP (RFC 4301 §5.1.2.1) and ECN (RFC 6040 §4.1, normal mode:
    copied), and TTL / hop limit 64; the inner datagram (opened by scapy)
    kept its TOS through the gateway's forwarding."""
    s = site
    fam = s.family
    pcap = str(tmp_path / "tos.pcap")
    cap = s.capture_wire(f"esp and src host {s.tunnel.outer_a}", pcap=pcap)
    sent, got = topo.udp_flow(s.client, s.server, s.server_addr, TOS_PORT, 30, size=200,
                              pps=500, tos=TOS_EF_ECT0)
    assert got["unique"] == 30 and got["bad"] == 0, f"{got}\n{s.diag()}"
    assert cap.stop() >= 30
    esp = [f for f in rdpcap(pcap) if f.haslayer(ESP)]
    opened = open_all(s, esp, "ab")
    checked, wrong = 0, []
    for f, i in zip(esp, opened):
        u = i.getlayer(UDP)
        if u is None or u.dport != TOS_PORT:
            continue
        checked += 1
        o = l3(f, fam)
        o_tos, i_tos = (o.tos, i.tos) if fam == 4 else (o.tc, i.tc)
        ttl = o.ttl if fam == 4 else o.hlim
        if o_tos != TOS_EF_ECT0 or i_tos != TOS_EF_ECT0 or ttl != 64:
            wrong.append(f"outer tos {o_tos:#04x} inner {i_tos:#04x} outer ttl {ttl}")
    assert checked >= 30, f"only {checked} of the 30 datagrams found inside the ESP"
    assert not wrong, f"{len(wrong)} of {checked} ESP packets: {wrong[:5]} " \
                      f"(want outer and inner {TOS_EF_ECT0:#04x}, outer ttl 64)"
