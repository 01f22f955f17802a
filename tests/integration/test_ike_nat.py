# SPDX-License-Identifier: GPL-2.0-only
"""The IKEv2 agent through a NAT (RFC 7296 §2.23, RFC 3948).

Topology (ike_topo.NatTopo):

    I (initiator, 10.X.1.2) -- N (nftables masquerade, forwards only UDP
    500/4500) -- R (responder, 10.X.2.2)

xdpsec + agent on I and on R; R's connection accepts any peer address
(the initiator appears as N's address) and any identity-matched peer with
remote_ts = I's private subnet. I's tunnel-mode Child SA covers I <-> R.

    test_nat_traversal  NAT detected on both sides (list-sas: I nat_local,
                        R nat_remote), IKE floated to 4500, UDP-encapsulated
                        Child SAs; ping both ways and a TCP transfer go
                        through ESP-in-UDP (N forwards nothing else, and
                        the capture after the NAT shows no cleartext); I
                        sends NAT-keepalives (1-byte 0xFF UDP/4500, seen
                        after the NAT) and counts them, R's XDP program
                        drops and counts them.

The keepalive interval is fixed in the agent (IKE_KEEPALIVE_MS, 20 s in
ike/ike_sa.h; no config key), so the test waits up to 25 s for the first
one. About 40 s.
"""
import json
import time

import pytest

import ike_topo as it
import netns

from scapy.layers.inet import IP, UDP
from scapy.utils import rdpcap

MB = 1 << 20
TCP_PORT = 5321
KEEPALIVE_WAIT = 25     # IKE_KEEPALIVE_MS (20 s) + slack


@pytest.fixture(scope="module")
def ike_bin(build_dir):
    p = it.agent_path(build_dir)
    if not p.exists():
        pytest.fail(f"{p} missing: run `make`")
    return p


@pytest.fixture
def nat(bpffs, build_dir, xdpsec_bin, ike_bin, tmp_path):
    topo = it.NatTopo(build_dir, tmp_path)
    yield topo
    topo.delete()


def tcp_transfer(src_ns, dst_ns, dst_addr, nbytes, diag, port=TCP_PORT):
    srv = dst_ns.helper("tcp-recv", port)
    srv.wait_ready()
    cli = src_ns.helper("tcp-send", dst_addr, port, nbytes)
    try:
        sent = cli.finish(60)
        got = srv.finish(30)
    except RuntimeError as e:
        srv.signal(9)
        raise AssertionError(f"TCP to {dst_addr} did not complete: {e}\n{diag()}") from None
    return sent, got


def test_nat_traversal(nat, tmp_path):
    psk = it.new_psk()
    conn_i = it.IkeConn("nat", nat.addr_i, nat.addr_r, psk, local_id="i.example.org",
                        remote_id="r.example.org",
                        children=[it.IkeChild("t", start_action="start")])
    conn_r = it.IkeConn("nat", nat.addr_r, None, psk, local_id="r.example.org",
                        remote_id="i.example.org",
                        children=[it.IkeChild("t", local_ts=("dynamic",),
                                              remote_ts=(f"{nat.net_i}.0/24",))])
    # Before the NAT (I's side) and after it (R's side).
    pcap_i, pcap_r = tmp_path / "before-nat.pcap", tmp_path / "after-nat.pcap"
    cap_i = nat.capture("i", "udp or icmp or tcp", pcap=str(pcap_i), snaplen=128)
    cap_r = nat.capture("r", "udp or icmp or tcp", pcap=str(pcap_r), snaplen=128)
    nat.hr.start_agent([conn_r])
    nat.hi.start_agent([conn_i])
    t_up = time.monotonic()

    sa_i = it.wait_established(nat.hi.agent, "nat", 1, 20, nat.diag)
    sa_r = it.wait_established(nat.hr.agent, "nat", 1, 20, nat.diag)
    # §2.23: the side behind the NAT sees its own address changed, the
    # other side sees the peer's changed.
    assert sa_i["nat_local"] and not sa_i["nat_remote"], f"I: {json.dumps(sa_i)}"
    assert sa_r["nat_remote"] and not sa_r["nat_local"], f"R: {json.dumps(sa_r)}"
    assert sa_i["local_port"] == sa_i["remote_port"] == 4500, sa_i
    assert sa_r["local_port"] == 4500 and sa_r["remote"] == nat.addr_n_r, sa_r
    for sa in (sa_i, sa_r):
        ch = sa["children"][0]
        assert ch["encap"] and ch["mode"] == "tunnel", sa
    assert sa_r["children"][0]["remote_ts"] == [f"{nat.addr_i}/32"], sa_r
    for h in (nat.hi, nat.hr):
        sas = h.dp_sas()
        assert len(sas) == 2 and all(s["encap"] for s in sas), f"{h.instance}: {sas}"
    enc_r = [s["encap"] for s in nat.hr.dp_sas()]
    # R's SAs send to the port N mapped I's 4500 to.
    assert all(e["dport"] == sa_r["remote_port"] for e in enc_r), (enc_r, sa_r)

    r = nat.i.ping(nat.addr_r, count=10, interval=0.05)
    assert r["received"] == 10, f"ping I -> R {r}\n{nat.diag()}"
    r = nat.r.ping(nat.addr_i, count=10, interval=0.05)
    assert r["received"] == 10, f"ping R -> I {r}\n{nat.diag()}"
    sent, got = tcp_transfer(nat.i, nat.r, nat.addr_r, 2 * MB, nat.diag)
    assert got["bytes"] == sent["bytes"] == 2 * MB and got["sha256"] == sent["sha256"], \
        (sent, got)
    assert got["peer"].endswith(nat.addr_i), \
        f"R saw the inner source {got['peer']}, not I's address: not tunnelled?"

    # NAT-keepalives: I is behind the NAT, it sends them.
    it.wait_for(lambda: nat.hi.agent.stats()["net"]["tx_keepalive"] >= 1,
                max(1, KEEPALIVE_WAIT - (time.monotonic() - t_up)),
                "a NAT-keepalive counted by I's agent", nat.diag, step=0.5)
    time.sleep(0.5)
    cap_i.stop()
    cap_r.stop()

    after = rdpcap(str(pcap_r))
    keepalives, esp_udp, clear = 0, 0, []
    for p in after:
        ip = p.getlayer(IP)
        if ip is None:
            continue
        u = p.getlayer(UDP)
        if u is None:
            if ip.proto in (1, 6):
                clear.append(p.summary())
            continue
        payload = bytes(u.payload)
        if u.dport == 4500 and ip.src == nat.addr_n_r and payload == b"\xff":
            keepalives += 1
        elif 4500 in (u.sport, u.dport) and len(payload) > 8 and payload[:4] != b"\0\0\0\0":
            esp_udp += 1
        elif u.sport not in (500, 4500) and u.dport not in (500, 4500):
            clear.append(p.summary())
    assert not clear, f"cleartext after the NAT: {clear[:5]}"
    assert esp_udp >= 40 + 2 * MB // 1500, f"only {esp_udp} ESP-in-UDP packets after the NAT"
    assert keepalives >= 1, (
        f"no 1-byte 0xFF UDP/4500 keepalive from {nat.addr_n_r} after the NAT; I's agent "
        f"counted {nat.hi.agent.stats()['net']}")
    # R's XDP program recognises and drops them (RFC 3948 §2.3).
    st = nat.hr.daemon.stats()
    assert netns.stat(st, "xdp", "drop_natt_keepalive") >= keepalives, st["xdp"]
    # IKE went through the NAT on 4500 after IKE_SA_INIT (RFC 7296 §2.23).
    before = rdpcap(str(pcap_i))
    ike_ports = {(p[UDP].sport, p[UDP].dport) for p in before
                 if p.haslayer(UDP) and p[IP].src == nat.addr_i and
                 bytes(p[UDP].payload)[:4] == b"\0\0\0\0"}
    assert (4500, 4500) in ike_ports, f"no IKE on 4500 from I: {ike_ports}"
