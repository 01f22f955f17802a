# SPDX-License-Identifier: GPL-2.0-only
"""The datapath fails closed (issue #8), tried as an attacker would.

    client -- gateway A ==== gateway B -- server
                         |
                      attacker X (attack.AttackSite)

Two xdpsec gateways in tunnel mode (topo.SiteToSite), a third host X on
the link sending crafted frames with scapy, captures on the bridge between
the gateways (XDP hides received frames from a tap on a gateway and AF_XDP
transmission bypasses the sender's taps) and on the server's link. Each
test is one way protected traffic could leave in clear or spoofed traffic
could come in, and would fail on the datapath before the fix:

  1. test_selector_check_*      inner headers must match the SA's policy
  2. test_spd_no_truncation     16 port rules on a /32 hid the /24 PROTECT
  3. test_fragments_*           later fragments skipped port rules
  4. test_ike_bypass_*          UDP 500/4500 bypassed by port number
  5. test_one_parser            802.1ad, QinQ, IPv4 options, IPv6 atomic
                                fragments passed XDP and died in the worker
  7. test_policy_counters       `policy list` counters were always 0
  8. test_trap_acquire          a PROTECT policy without an SA

(6, the SA table, is tests/unit/test_sadb.c.) Both address families. Needs
root, bpffs, build/xdpsec (XS_BUILD may name another build, e.g. the
sanitized build-san). Runtime: about 3 minutes.
"""
import re
import signal

import pytest

import attack
import netns
import topo
from netns import stat

from scapy.compat import raw
from scapy.layers.inet import IP, UDP, IPOption_RR, fragment
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether
from scapy.utils import rdpcap

PORT = 6001


SANITIZER_REPORT = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:")


@pytest.fixture(params=(4, 6), ids=("v4", "v6"))
def att(request, bpffs, xdpsec_bin, tmp_path):
    a = attack.AttackSite(request.param, xdpsec_bin, tmp_path)
    logs = [a.site.tunnel.da.log, a.site.tunnel.db.log]
    yield a
    a.delete()
    # With a sanitized build (XS_BUILD=build-san, as CI runs one of these)
    # a report in a daemon's log fails the test, exit reports included.
    for log in logs:
        text = log.read_text(errors="replace") if log.exists() else ""
        m = SANITIZER_REPORT.search(text)
        assert not m, f"{log}: {text[m.start():m.start() + 3000]}"


def delta(before, after, group, name):
    return stat(after, group, name) - stat(before, group, name)


def stop(h):
    h.signal(signal.SIGTERM)
    return h.finish(30)


def other_host(family):
    return "8.8.8.8" if family == 4 else "2001:4860:4860::8888"


def cleartext_from(pcap, addr):
    """Frames of a capture that carry an IP packet from addr that is not
    ESP: what must never be on the wire between the gateways."""
    bad = []
    for f in rdpcap(pcap):
        ip = f.getlayer(IP) or f.getlayer(IPv6)
        if ip is None or ip.src != addr:
            continue
        proto = ip.proto if isinstance(ip, IP) else ip.nh
        if proto != 50:
            bad.append(f.summary())
    return bad


# ----------------------------------------------------------------------- 1

def test_selector_check_tunnel(att):
    """RFC 4301 §5.2 step 4: X's SA (whose `dir in` policy is extra_net ->
    server_net) carries inner packets from its own net (delivered) and,
    as seen in the issue, from the client net of A's tunnel, from a host
    on the Internet, from the server net itself, and to a destination its
    policy does not cover: none reaches the server, each is counted, and
    B logs the auditable event."""
    s, fam = att.site, att.family
    b = s.tunnel.db
    recv = attack.udp_receiver(s.server, PORT)
    before = b.stats()
    frames = []
    for i in range(5):
        frames.append(att.to_b(att.esp_x(att.inner(att.extra_host, s.server_addr, PORT, i))))
    spoofs = ((s.client_addr, 100), (other_host(fam), 200), (s.gw_b_in, 300))
    for src, base in spoofs:
        for i in range(5):
            frames.append(att.to_b(att.esp_x(att.inner(src, s.server_addr, PORT, base + i))))
    for i in range(5):   # to the client net, through B
        frames.append(att.to_b(att.esp_x(att.inner(att.extra_host, s.client_addr, PORT,
                                                   400 + i))))
    att.send(frames)
    seqs = attack.seqs_seen(recv)
    stop(recv)
    after = b.stats()
    report = f"inner {topo.nonzero(after, 'inner')}\n{s.diag()}"
    assert seqs == list(range(5)), f"the server got {seqs}\n{report}"
    # The client net is A's tunnel's: a policy matches, of another reqid.
    assert delta(before, after, "inner", "drop_selector") == 5, report
    assert delta(before, after, "inner", "drop_no_policy") == 15, report
    assert delta(before, after, "inner", "pass_policy") >= 5, report
    assert topo.wait_for(lambda: "audit: opened packet dropped" in b.log_text(), 5), \
        b.log_text()


@pytest.mark.parametrize("fam", (4, 6), ids=("v4", "v6"))
def test_selector_check_transport(ipsec_pair, fam):
    """Transport mode: the opened packet's own addresses are its
    selectors. ESP under A's SA with A's address passes; the same SA
    carrying another source (a peer lying about who it is) does not."""
    pair = ipsec_pair(mode="esp-transport", family=fam, alg="gcm")
    lk = pair.link
    recv = attack.udp_receiver(lk.b, PORT)
    before = pair.db.stats()
    sa = pair.scapy_sa("ab")
    cls = IP if fam == 4 else IPv6
    liar = "10.250.0.9" if fam == 4 else "fd00:250::9"
    frames = []
    for i, src in enumerate([pair.addr_a] * 3 + [liar] * 3):
        pkt = sa.encrypt(cls(src=src, dst=pair.addr_b) / UDP(sport=4000, dport=PORT) /
                         netns.udp_payload(i, 100), seq_num=1000 + i)
        frames.append(Ether(src=lk.mac_a, dst=lk.mac_b) / pkt)
    lk.inject(frames, side="to_b")
    seqs = attack.seqs_seen(recv)
    stop(recv)
    after = pair.db.stats()
    report = f"inner {topo.nonzero(after, 'inner')}\n{pair.diag()}"
    assert seqs == [0, 1, 2], f"B got {seqs}\n{report}"
    assert delta(before, after, "inner", "drop_no_policy") == 3, report


# ----------------------------------------------------------------------- 2

def test_spd_no_truncation(att, tmp_path):
    """16 port rules for the server's address (a /32, bypass, dir out) and
    the site policy (/24, protect) behind them: the /24 rule used to fall
    off the /32's list and ping left in clear (bypass_default) to be
    dropped by B. Now the ping goes sealed and is answered."""
    s = att.site
    a = s.tunnel.da
    plen = 32 if att.family == 4 else 128
    for i in range(16):
        a.cli("policy", "add", "src", s.client_net, "dst", f"{s.server_addr}/{plen}",
              "proto", "tcp", "dport", str(1000 + i), "dir", "out", "action", "bypass")
    pcap = str(tmp_path / "ping.pcap")
    before = a.stats()
    cap = s.capture_wire(pcap=pcap)
    r = s.client.ping(s.server_addr, count=5, interval=0.05, timeout=1)
    cap.stop()
    after = a.stats()
    assert r["received"] == 5, f"{r}\n{s.diag()}"
    assert not cleartext_from(pcap, s.client_addr), cleartext_from(pcap, s.client_addr)
    assert delta(before, after, "tc", "bypass_default") < 5, topo.nonzero(after, "tc")


# ----------------------------------------------------------------------- 3

def _port_net(att):
    """A second server address in port_net, routed through the tunnel,
    where A protects only UDP to port 5000 (and B accepts it)."""
    s, fam = att.site, att.family
    r = int(s.client_net.split(".")[2]) if fam == 4 else int(s.client_net.split(":")[1], 16)
    if fam == 4:
        net, addr, plen = f"172.18.{r}.0/24", f"172.18.{r}.2", 24
    else:
        net, addr, plen = f"fd10:{r:x}:18::/64", f"fd10:{r:x}:18::2", 64
    ipf = "-4" if fam == 4 else "-6"
    extra = [] if fam == 4 else ["nodad"]
    s.server.run(["ip", ipf, "addr", "add", f"{addr}/{plen}", "dev", s.server_dev] + extra)
    s.gw_b.run(["ip", ipf, "route", "add", net, "dev", "in0"])
    s.gw_a.run(["ip", ipf, "route", "add", net, "via", s.link.addrs(fam)[1]])
    t = s.tunnel
    t.da.cli("policy", "add", "src", s.client_net, "dst", net, "proto", "udp", "dport",
             "5000", "dir", "out", "spi", hex(t.spi_ab))
    t.db.cli("policy", "add", "src", s.client_net, "dst", net, "proto", "udp", "dport",
             "5000", "dir", "in", "spi", hex(t.spi_ab))
    return addr


def test_fragments_outbound(att, tmp_path):
    """RFC 4301 §7: with only `proto udp dport 5000` protecting port_net,
    the client's 3,000-byte datagrams to port 5000 go out as fragments;
    the later ones have no ports and used to leave in clear. Now no
    fragment from the client is on the wire in clear: the first is
    sealed, the later ones are discarded and counted."""
    s, fam = att.site, att.family
    addr = _port_net(att)
    pcap = str(tmp_path / "frag.pcap")
    before = s.tunnel.da.stats()
    cap = s.capture_wire(pcap=pcap)
    if fam == 4:
        topo.helper(s.client, "udp-send-nodf", addr, 5000, 5, 3000).finish(60)
    else:
        s.client.helper("udp-send", addr, 5000, 5, "--size", 3000, "--pps", 50).finish(60)
    cap.stop()
    after = s.tunnel.da.stats()
    bad = cleartext_from(pcap, s.client_addr)
    assert not bad, f"{len(bad)} frames from the client in clear, e.g. {bad[:3]}\n{s.diag()}"
    assert delta(before, after, "tc", "discard_fragment_ambiguous") >= 5, \
        topo.nonzero(after, "tc")
    assert delta(before, after, "tc", "protect_policy") >= 5, topo.nonzero(after, "tc")


def test_fragments_inbound(att, tmp_path):
    """The other way: X sends a cleartext datagram to port 5000 of
    port_net in fragments, from the client's address. B must accept UDP to
    port 5000 there only in an SA; the first fragment was dropped, the
    later ones passed and reached the server. Now none does."""
    s, fam = att.site, att.family
    addr = _port_net(att)
    cls = IP if fam == 4 else IPv6
    dgram = cls(src=s.client_addr, dst=addr) / UDP(sport=4000, dport=5000) / (b"F" * 3000)
    frags = fragment(dgram, fragsize=1200) if fam == 4 else \
        fragment6(cls(src=s.client_addr, dst=addr) / IPv6ExtHdrFragment() /
                  UDP(sport=4000, dport=5000) / (b"F" * 3000), 1280)
    assert len(frags) >= 3
    pcap = str(tmp_path / "server.pcap")
    before = s.tunnel.db.stats()
    cap = att.capture_server(pcap=pcap)
    att.send([att.to_b(f) for f in frags])
    cap.stop()
    after = s.tunnel.db.stats()
    seen = [f.summary() for f in rdpcap(pcap)
            if (f.getlayer(IP) or f.getlayer(IPv6)) is not None and
            (f.getlayer(IP) or f.getlayer(IPv6)).src == s.client_addr]
    assert not seen, f"fragments reached the server: {seen}\n{s.diag()}"
    assert delta(before, after, "xdp", "drop_policy_cleartext") == 1, topo.nonzero(after, "xdp")
    assert delta(before, after, "xdp", "drop_fragment_ambiguous") == len(frags) - 1, \
        topo.nonzero(after, "xdp")


# ----------------------------------------------------------------------- 4

def test_ike_bypass_outbound(att, tmp_path):
    """A LAN host's UDP to port 500, and from port 4500, is the client's
    traffic, not IKE: sealed like the rest (it used to leave in clear),
    and it still arrives. The gateways' own ESP never passes TC (AF_XDP
    transmission): A's TC sees the cleartext only."""
    s = att.site
    pcap = str(tmp_path / "ike.pcap")
    r500 = s.server.helper("udp-recv", 500, "--count", 20, "--idle", 2)
    r7000 = s.server.helper("udp-recv", 7000, "--count", 20, "--idle", 2)
    r500.wait_ready()
    r7000.wait_ready()
    before = s.tunnel.da.stats()
    cap = s.capture_wire(pcap=pcap)
    s.client.helper("udp-send", s.server_addr, 500, 20, "--pps", 200).finish(60)
    s.client.helper("udp-send", s.server_addr, 7000, 20, "--pps", 200,
                    "--sport", 4500).finish(60)
    got500, got7000 = r500.finish(30), r7000.finish(30)
    cap.stop()
    after = s.tunnel.da.stats()
    assert not cleartext_from(pcap, s.client_addr), cleartext_from(pcap, s.client_addr)[:5]
    assert got500["unique"] == 20 and got7000["unique"] == 20, (got500, got7000, s.diag())
    assert delta(before, after, "tc", "bypass_ike") == 0, topo.nonzero(after, "tc")
    sealed = delta(before, after, "worker", "tx_outbound")
    assert sealed >= 40, topo.nonzero(after, "worker")
    # Had the sealed ESP passed TC it would have met the SPD there (no
    # policy for the gateways' addresses: bypass_default, once each).
    assert delta(before, after, "tc", "bypass_default") < sealed / 4, topo.nonzero(after, "tc")


SEND_FROM_500 = """
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 500))
for i in range(5):
    s.sendto(b"XSTU" + i.to_bytes(4, "big"), (sys.argv[2], int(sys.argv[3])))
"""


def test_ike_bypass_local_socket(att, tmp_path):
    """A root process on gateway A that is not the IKE agent, bound to
    port 500 of A's inside address (in the client net), sends to the
    server: its packets are protected like the client's. Only the agent's
    own sockets bypass (docs/bpf.md; the agent's are exercised by
    test_ike.py)."""
    s = att.site
    pcap = str(tmp_path / "local500.pcap")
    h = s.server.helper("udp-recv", 7001, "--idle", 2)
    h.wait_ready()
    cap = s.capture_wire(pcap=pcap)
    s.gw_a.run([netns.PYTHON, "-c", SEND_FROM_500, s.gw_a_in, s.server_addr, "7001"])
    got = h.finish(30)
    cap.stop()
    assert not cleartext_from(pcap, s.gw_a_in), cleartext_from(pcap, s.gw_a_in)
    assert got["received"] == 5, (got, s.diag())


def test_ike_bypass_inbound(att):
    """X spoofs the client's address to ports 500 and 4500 (with the
    non-ESP marker) of the server: that is forwarded traffic B's inbound
    policy says must come in an SA. It used to pass XDP as IKE and reach
    the server; now it is dropped. IKE to B's own address still passes."""
    s, fam = att.site, att.family
    cls = IP if fam == 4 else IPv6
    srv500 = attack.udp_receiver(s.server, 500)
    srv4500 = attack.udp_receiver(s.server, 4500)
    gw = attack.udp_receiver(s.gw_b, 500)
    before = s.tunnel.db.stats()
    frames = []
    for i in range(3):
        frames.append(att.to_b(cls(src=s.client_addr, dst=s.server_addr) /
                               UDP(sport=500, dport=500) / netns.udp_payload(i, 100)))
        frames.append(att.to_b(cls(src=s.client_addr, dst=s.server_addr) /
                               UDP(sport=4500, dport=4500) /
                               (b"\0\0\0\0" + netns.udp_payload(10 + i, 100))))
        frames.append(att.to_b(cls(src=att.x_addr, dst=s.tunnel.outer_b) /
                               UDP(sport=500, dport=500) / netns.udp_payload(20 + i, 100)))
    att.send(frames)
    g = attack.seqs_seen(gw)
    got = [stop(h) for h in (srv500, srv4500, gw)]
    after = s.tunnel.db.stats()
    report = topo.nonzero(after, "xdp")
    # (what comes after the zero marker is no payload udp-recv knows: it
    # counts it in "received" all the same)
    assert got[0]["received"] == 0 and got[1]["received"] == 0, \
        f"spoofed IKE-port datagrams reached the server: {got}\n{report}"
    assert g == [20, 21, 22], f"IKE to B itself: {g}\n{report}"
    assert delta(before, after, "xdp", "drop_policy_cleartext") == 6, report
    assert delta(before, after, "xdp", "pass_ike") == 3, report


# ----------------------------------------------------------------------- 5

def test_one_parser(att):
    """Frames XDP hands the worker must be frames the worker can open
    (tunnel X's ESP, as the peer would send it):
    ESP in 802.1ad (S-tag), in QinQ (S-tag + C-tag), with IPv4 options in
    the outer header, and (IPv6) as an atomic fragment (RFC 6946). Each
    used to pass XDP and die in the worker (or go to the stack); now each
    reaches the server. Three tags are dropped by XDP, counted."""
    s, fam = att.site, att.family
    recv = attack.udp_receiver(s.server, PORT)
    before = s.tunnel.db.stats()

    def esp(seq, outer=None):
        return att.esp_x(att.inner(att.extra_host, s.server_addr, PORT, seq), outer)

    eth = Ether(src=att.x_mac, dst=s.link.mac_b)
    frames = [eth / Dot1AD(vlan=200) / esp(0),
              eth / Dot1AD(vlan=200) / Dot1Q(vlan=100) / esp(1),
              eth / Dot1Q(vlan=300) / Dot1Q(vlan=100) / esp(2)]
    want = [0, 1, 2]
    if fam == 4:
        outer = IP(src=att.x_addr, dst=s.tunnel.outer_b,
                   options=[IPOption_RR(routers=["192.0.2.1", "192.0.2.2"])])
        frames.append(eth / esp(3, outer))
    else:
        pkt = esp(3)
        body = raw(pkt)[40:]
        atomic = IPv6(src=pkt.src, dst=pkt.dst, nh=44) / \
            IPv6ExtHdrFragment(nh=50, offset=0, m=0, id=0x1234) / body
        frames.append(eth / IPv6(raw(atomic)))
    want.append(3)
    three = eth / Dot1AD(vlan=1) / Dot1AD(vlan=2) / Dot1Q(vlan=3) / esp(9)
    # Straight onto B's wire from the bridge port facing it: a bridge (or
    # a NIC with VLAN offload) takes the outer tag out of the data into
    # skb metadata on receive, and XDP would never see it.
    s.link.inject(frames + [three], side="to_b")
    seqs = attack.seqs_seen(recv)
    stop(recv)
    after = s.tunnel.db.stats()
    report = (f"xdp {topo.nonzero(after, 'xdp')} worker {topo.nonzero(after, 'worker')} "
              f"engine {topo.nonzero(after, 'engine')}")
    assert seqs == want, f"the server got {seqs}\n{report}"
    assert delta(before, after, "xdp", "drop_vlan_depth") == 1, report
    for name in ("drop_open", "drop_no_head"):
        assert delta(before, after, "worker", name) == 0, report


# ----------------------------------------------------------------------- 7

def _policy(daemon, direction):
    for p in daemon.cli("policy", "list", json_out=True) or []:
        if p["dir"] == direction and p["action"] == "protect":
            return p
    raise KeyError(direction)


def test_policy_counters(att):
    """`policy list` shows what each policy decided: A's dir out policy
    the pings it protected, B's dir in policy the pings it let into the
    stack, and back the same. They used to be 0."""
    s = att.site
    t = s.tunnel
    r = s.client.ping(s.server_addr, count=10, interval=0.02, timeout=1)
    assert r["received"] == 10, f"{r}\n{s.diag()}"
    for d, direction in ((t.da, "out"), (t.db, "in"), (t.db, "out"), (t.da, "in")):
        p = _policy(d, direction)
        assert p["packets"] >= 10 and p["bytes"] >= 60 * p["packets"], (d.instance, p)


# ----------------------------------------------------------------------- 8

def test_trap_acquire(att, tmp_path):
    """A's outbound SA goes; its policy stays, a trap now: the client's
    pings are dropped, never sent in clear, counted (discard_no_sa), and
    A reports an acquire for the policy (once a second at most)."""
    s = att.site
    t = s.tunnel
    pol = _policy(t.da, "out")
    t.da.cli("sa", "del", "spi", hex(t.spi_ab), "proto", "esp", "dir", "out")
    pcap = str(tmp_path / "trap.pcap")
    before = t.da.stats()
    cap = s.capture_wire(pcap=pcap)
    r = s.client.ping(s.server_addr, count=4, interval=0.1, timeout=1)
    cap.stop()
    after = t.da.stats()
    assert r["received"] == 0, r
    assert not cleartext_from(pcap, s.client_addr), cleartext_from(pcap, s.client_addr)
    assert delta(before, after, "tc", "discard_no_sa") >= 4, topo.nonzero(after, "tc")
    assert delta(before, after, "tc", "acquire") >= 1, topo.nonzero(after, "tc")
    assert topo.wait_for(lambda: re.search(r"acquire: policy %d %s -> %s" % (
        pol["id"], re.escape(s.client_addr), re.escape(s.server_addr)), t.da.log_text()), 5), \
        t.da.log_text()
