# SPDX-License-Identifier: GPL-2.0-only
"""Container hosts: two hosts with three pods each, pod-to-pod traffic
between the hosts protected by an xdpsec ESP tunnel (as scripts/demo.sh).

topo.ContainerHosts: hosts A and B are the ends of a netns.Link (outside
devices vxa / vxb, the wire seen from its bridge namespace M); each host has
br0 (the pods' gateway) and pods p1..p3 in its pod subnet; each host routes
the other's pod subnet via the other's link address; xdpsec on each host's
outside device: tunnel-mode ESP (AES-128-GCM) between the link addresses,
policies pod net A <-> pod net B.

Needs root, bpffs, build/xdpsec. Runtime: about 15 s.
"""
import itertools

import pytest

import topo

from scapy.compat import raw
from scapy.layers.inet import ICMP, IP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP
from scapy.layers.l2 import ARP
from scapy.utils import rdpcap

PINGS = 3
TCP_PORT = 5203
TCP_BYTES = 4 << 20


@pytest.fixture(scope="module")
def hosts(bpffs, xdpsec_bin, tmp_path_factory):
    h = topo.ContainerHosts(xdpsec_bin, tmp_path_factory.mktemp("hosts"))
    yield h
    h.delete()


def ping_all(h, pairs):
    """Pings (count PINGS) every (src pod, dst pod) pair at once; returns
    the pairs that did not get every reply, with the helper's result."""
    procs = [(src, dst, src.helper("ping", h.addr(dst), "--count", PINGS, "--interval", 0.05,
                                   "--timeout", 1.5))
             for src, dst in pairs]
    failed = []
    for src, dst, p in procs:
        r = p.finish(30)
        if r["received"] != PINGS:
            failed.append((src.name, h.addr(dst), r))
    return failed


def is_chatter(f):
    """ARP, IGMP reports from 0.0.0.0 (the bridge in M) and the hosts' own
    IPv6 link-local ND/MLD (no pod addresses)."""
    if f.haslayer(ARP):
        return True
    ip = f.getlayer(IP)
    if ip is not None and ip.proto == 2 and ip.src == "0.0.0.0":
        return True
    ip6 = f.getlayer(IPv6)
    return ip6 is not None and ip6.nh != 50 and (ip6.src.startswith("fe80:") or ip6.src == "::")


def test_cross_host_pods_through_esp(hosts, tmp_path):
    """All 9 pod pairs A->B and all 9 B->A ping each other; between the
    hosts the link carries only ESP of the two SAs (plus ARP/ND), which
    scapy opens to find every echo request and reply of every pair; the SA
    counters grow by at least the echoes. A 4 MiB TCP transfer each way
    (one pod pair) arrives with equal SHA-256, and no pod address is seen
    in clear on the link meanwhile."""
    h = hosts
    t = h.tunnel
    pcap = str(tmp_path / "cross.pcap")
    pairs = list(itertools.product(h.pods["a"], h.pods["b"])) + \
        list(itertools.product(h.pods["b"], h.pods["a"]))
    assert len(pairs) == 18
    before = t.sa_counts()
    cap = h.link.capture(pcap=pcap)
    failed = ping_all(h, pairs)
    n = cap.stop()
    assert not failed, f"cross-host pod pairs without replies: {failed}\n{h.diag()}"
    after = t.sa_counts()

    # Every pair: PINGS requests and PINGS replies each way through the SAs.
    want = 9 * PINGS * 2
    for k in before:
        assert after[k] - before[k] >= want, f"SA {k}: {before[k]} -> {after[k]} (want +{want})"

    ab, ba, bad = [], [], []
    for f in rdpcap(pcap):
        if is_chatter(f):
            continue
        ip = f.getlayer(IP)
        if ip is not None and ip.proto == 50 and f.haslayer(ESP):
            if (ip.src, ip.dst, f[ESP].spi) == (t.outer_a, t.outer_b, t.spi_ab):
                ab.append(f)
                continue
            if (ip.src, ip.dst, f[ESP].spi) == (t.outer_b, t.outer_a, t.spi_ba):
                ba.append(f)
                continue
        bad.append(f.summary())
    assert not bad, f"{len(bad)} of {n} frames on the link not ESP of the SAs: {bad[:8]}"
    assert len(ab) >= want and len(ba) >= want, (n, len(ab), len(ba))

    # Open the ESP: which (src pod, dst pod, type) echoes were inside.
    seen = {}
    for frames, direction in ((ab, "ab"), (ba, "ba")):
        sa = t.scapy_sa(direction)
        for f in frames:
            inner = sa.decrypt(f[IP].copy())
            inner = IP(raw(inner))
            if inner.haslayer(ICMP) and inner[ICMP].type in (0, 8):
                key = (inner.src, inner.dst, inner[ICMP].type)
                seen[key] = seen.get(key, 0) + 1
    missing = []
    for src, dst in pairs:
        s, d = h.addr(src), h.addr(dst)
        if seen.get((s, d, 8), 0) < PINGS or seen.get((d, s, 0), 0) < PINGS:
            missing.append((s, d, seen.get((s, d, 8), 0), seen.get((d, s, 0), 0)))
    assert not missing, f"echoes not found inside the ESP (src, dst, requests, replies): " \
                        f"{missing}"

    # TCP each way, one pod pair; no pod address in clear on the link.
    clear = h.link.capture(f"net {h.podnet['a']} or net {h.podnet['b']}")
    for src, dst, seed in ((h.pods["a"][0], h.pods["b"][2], 11),
                           (h.pods["b"][1], h.pods["a"][0], 12)):
        rc, rs = topo.tcp_det_transfer(src, dst, h.addr(dst), TCP_PORT, TCP_BYTES, seed, 120)
        want_sha = topo.det_sha256(seed, TCP_BYTES)
        assert rs["bytes"] == TCP_BYTES and rs["sha256"] == want_sha == rc["sha256"], \
            (src.name, h.addr(dst), rc, rs, h.diag())
    assert clear.stop() == 0, "pod addresses in clear on the link during TCP"
    errors = t.clean_errors()
    assert not errors, "\n".join(errors)


def test_same_host_pods_bypass_esp(hosts, tmp_path):
    """The 6 ordered pod pairs of each host ping each other over the
    host's bridge: every reply arrives, the SA counters do not move and
    nothing (besides ARP/ND chatter) appears on the link."""
    h = hosts
    t = h.tunnel
    pcap = str(tmp_path / "same.pcap")
    pairs = [(a, b) for side in ("a", "b")
             for a, b in itertools.permutations(h.pods[side], 2)]
    assert len(pairs) == 12
    before = t.sa_counts()
    cap = h.link.capture(pcap=pcap)
    failed = ping_all(h, pairs)
    cap.stop()
    assert not failed, f"same-host pod pairs without replies: {failed}\n{h.diag()}"
    after = t.sa_counts()
    assert after == before, f"same-host traffic moved SA counters: {before} -> {after}"
    on_link = [f.summary() for f in rdpcap(pcap) if not is_chatter(f)]
    assert not on_link, f"same-host pod traffic on the link: {on_link[:8]}"


def test_host_traffic_stays_clear(hosts, tmp_path):
    """Host to host (outer address to outer address) matches no policy: the
    pings work, are seen on the link as ICMP echo in clear, both ways, and
    the SA counters do not move."""
    h = hosts
    t = h.tunnel
    pcap = str(tmp_path / "host.pcap")
    a, b = h.outer["a"], h.outer["b"]
    before = t.sa_counts()
    cap = h.link.capture(f"host {a} and host {b}", pcap=pcap)
    r1 = h.host["a"].ping(b, count=5, interval=0.05, timeout=1)
    r2 = h.host["b"].ping(a, count=5, interval=0.05, timeout=1)
    cap.stop()
    assert r1["received"] == 5 and r2["received"] == 5, (r1, r2, h.diag())
    assert t.sa_counts() == before, "host-to-host traffic went through the SAs"
    frames = rdpcap(pcap)
    kinds = {}
    for f in frames:
        ip = f.getlayer(IP)
        if ip is not None and ip.haslayer(ICMP):
            k = (ip.src, ip.dst, ip[ICMP].type)
            kinds[k] = kinds.get(k, 0) + 1
        else:
            kinds[f.summary()] = kinds.get(f.summary(), 0) + 1
    want = {(a, b, 8): 5, (b, a, 0): 5, (b, a, 8): 5, (a, b, 0): 5}
    assert kinds == want, f"on the link between the hosts: {kinds}, want {want}"
