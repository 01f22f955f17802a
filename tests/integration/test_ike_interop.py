# SPDX-License-Identifier: GPL-2.0-only
"""Interoperability of the IKEv2 agent with strongSwan's charon 5.9.

Topology (netns.Link): host A runs xdpsec (daemon attached to vxa) and its
agent; host B runs charon with the userspace ESP datapath kernel-libipsec
(strongswan.py). Host to host, PSK, traffic selectors = the two addresses.
charon's own IKE/ESP socket carries fwmark 0x77 and its routing rule skips
that mark (with kernel-libipsec's allow_peer_ts), so only the test traffic
goes into its TUN device (shared notes: strongswan.md).

libipsec is tunnel-mode only and always UDP-encapsulated: charon fakes a
NAT_DETECTION_SOURCE_IP, so IKE floats to 4500 and ESP travels as
ESP-in-UDP. xdpsec must therefore detect the (faked) NAT on the peer's
side and install UDP-encapsulated SAs.

test_interop: for each IKE proposal (aes128gcm16-prfsha256-x25519 with ESP
aes128gcm16, aes128-sha256-modp2048 with ESP aes128-sha256,
aes256gcm16-prfsha384-ecp256 with ESP chacha20poly1305) and each role
(charon initiates, xdpsec initiates): the Child SA is installed on both
sides with the same SPIs, ping goes both ways and a TCP transfer both ways
arrives intact; the wire between them carries only UDP 500/4500, xdpsec's
datapath SAs counted the traffic, and xdpsec's DELETE removes charon's SAs.

test_interop_rekey: charon rekeys the Child SA and the IKE SA (swanctl
--rekey), then xdpsec rekeys the Child SA on its own timer (rekey_time 5s)
and the IKE SA (rekey_time 12s); after each, the SPIs changed on both sides
and ping still goes both ways.

Needs root, bpffs, build/xdpsec, build/xdpsec-ike and strongSwan
(strongswan-charon strongswan-swanctl libcharon-extra-plugins
libstrongswan-standard-plugins libstrongswan-extra-plugins): without it
the tests fail, they do not skip. About 1 minute.
"""
import json

import pytest

import ike_topo as it
import netns
import strongswan as sw

MB = 1 << 20
TCP_PORT = 5311
FWMARK = 0x77

PROPOSALS = [
    # (id, IKE proposal, ESP proposal, xdpsec's listing of the IKE SA, of the child)
    ("x25519-gcm", "aes128gcm16-prfsha256-x25519", "aes128gcm16",
     {"encr": "aes128gcm16", "prf": "prfsha256", "dh": ("curve25519", "x25519")},
     "aes128gcm16"),
    ("modp2048-cbc", "aes128-sha256-modp2048", "aes128-sha256",
     {"encr": "aes128", "prf": "prfsha256", "integ": "sha256", "dh": ("modp2048",)},
     "aes128-sha256"),
    ("ecp256-chacha", "aes256gcm16-prfsha384-ecp256", "chacha20poly1305",
     {"encr": "aes256gcm16", "prf": "prfsha384", "dh": ("ecp256",)},
     "chacha20poly1305"),
]


@pytest.fixture(scope="module")
def ike_bin(build_dir):
    p = it.agent_path(build_dir)
    if not p.exists():
        pytest.fail(f"{p} missing: run `make`")
    return p


@pytest.fixture(scope="module")
def charon_ok():
    if not sw.available():
        pytest.fail("strongSwan with kernel-libipsec is not installed (apt-get install "
                    "strongswan-charon strongswan-swanctl libcharon-extra-plugins "
                    "libstrongswan-standard-plugins libstrongswan-extra-plugins)")


@pytest.fixture
def interop(link, build_dir, xdpsec_bin, ike_bin, charon_ok, tmp_path):
    """(xdpsec host on A, charon on B); both stopped at teardown."""
    # xdpsec's side gets a smaller path MTU to B (sealing adds up to ~73
    # bytes). Not charon's: its TUN device already has MTU 1400, and a
    # smaller route would fragment its ESP-in-UDP, which xdpsec does not
    # reassemble (docs/bpf.md: outer fragments are passed and lost).
    link.a.run(["ip", "route", "replace", f"{link.v4[1]}/32", "dev", link.dev_a, "mtu", 1400])
    host = it.IkeHost(link.a, link.dev_a, link.v4[0], build_dir, tmp_path, "x")
    charon = sw.Charon(link.b, tmp_path / "charon", fwmark=FWMARK, allow_peer_ts=True,
                       log_levels={"ike": 2, "chd": 2, "net": 1, "esp": 1})
    try:
        charon.start()
        yield host, charon
    finally:
        charon.stop()
        host.stop()


def tcp_transfer(src_ns, dst_ns, dst_addr, nbytes, diag, port=TCP_PORT, timeout=30):
    srv = dst_ns.helper("tcp-recv", port)
    srv.wait_ready()
    cli = src_ns.helper("tcp-send", dst_addr, port, nbytes)
    try:
        sent = cli.finish(timeout)
        got = srv.finish(30)
    except RuntimeError as e:
        srv.signal(9)
        raise AssertionError(f"TCP {src_ns.name} -> {dst_addr} did not complete: {e}\n"
                             f"{diag()}") from None
    return sent, got


def pcap_count(pcap, bpf_filter):
    return len(netns.sh(["tcpdump", "-nr", str(pcap), bpf_filter]).stdout.splitlines())


@pytest.mark.parametrize("initiator", ["charon", "xdpsec"])
@pytest.mark.parametrize("props", PROPOSALS, ids=[p[0] for p in PROPOSALS])
def test_interop(link, interop, tmp_path, initiator, props):
    host, charon = interop
    name, ike, esp, want_ike, want_alg = props
    a, b = link.v4
    psk = it.new_psk()
    charon.load([sw.SiteToSite(name="c", local_addr=b, remote_addr=a, psk=psk,
                               local_ts=[f"{b}/32"], remote_ts=[f"{a}/32"],
                               ike_proposals=ike, esp_proposals=esp)])
    host.start_agent([it.IkeConn("c", a, b, psk, proposals=ike,
                                 children=[it.IkeChild("c", esp_proposals=esp)])])

    def diag():
        return (host.diag() + "\n--- charon log (tail):\n" + charon.log_tail(6000))

    pcap = tmp_path / "wire.pcap"
    cap = link.capture(f"host {a} and host {b}", pcap=str(pcap), snaplen=128)
    if initiator == "charon":
        charon.initiate("c")
    else:
        host.agent.initiate("c")
    xsa = it.wait_established(host.agent, "c", 1, 20, diag)
    csa = charon.wait_child_sa("c", timeout=20)

    # The IKE SA as xdpsec sees it: the proposal, and the NAT charon fakes.
    for k, v in want_ike.items():
        assert xsa[k] in (v if isinstance(v, tuple) else (v,)), \
            f"IKE SA {k}={xsa[k]}, wanted {v}: {json.dumps(xsa)}"
    assert xsa["initiator"] == (initiator == "xdpsec"), xsa
    assert xsa["nat_remote"] and not xsa["nat_local"], \
        f"libipsec fakes a NAT on its side; xdpsec must see it: {json.dumps(xsa)}"
    assert xsa["local_port"] == 4500 and xsa["remote_port"] == 4500, xsa
    ch = xsa["children"][0]
    assert ch["mode"] == "tunnel" and ch["encap"] and ch["alg"] == want_alg, ch
    assert ch["local_ts"] == [f"{a}/32"] and ch["remote_ts"] == [f"{b}/32"], ch
    # Same SPIs on both sides (charon lists them as hex without 0x).
    assert int(ch["spi_in"], 16) == int(csa["spi-out"], 16) and \
        int(ch["spi_out"], 16) == int(csa["spi-in"], 16), (ch, csa)
    assert csa.get("encap") == "yes", csa
    dps = {(s["spi"], s["dir"]): s for s in host.dp_sas()}
    assert set(dps) == {(ch["spi_in"], "in"), (ch["spi_out"], "out")}, dps

    r = host.ping(b, count=10, interval=0.05)
    assert r["received"] == 10, f"ping xdpsec -> charon {r}\n{diag()}"
    r = link.b.ping(a, count=10, interval=0.05)
    assert r["received"] == 10, f"ping charon -> xdpsec {r}\n{diag()}"
    for src, dst, addr in ((link.a, link.b, b), (link.b, link.a, a)):
        sent, got = tcp_transfer(src, dst, addr, 2 * MB, diag)
        assert got["bytes"] == sent["bytes"] == 2 * MB and got["sha256"] == sent["sha256"], \
            f"TCP {src.name} -> {dst.name}: {sent} {got}\n{diag()}"
    cap.stop()

    n_clear = pcap_count(pcap, "tcp or icmp or (udp and not port 500 and not port 4500)")
    n_natt = pcap_count(pcap, "udp port 4500")
    assert n_clear == 0, f"{n_clear} cleartext packets between A and B"
    assert n_natt >= 20 + 4 * MB // 1500, f"only {n_natt} UDP/4500 packets on the wire"
    dps = {(s["spi"], s["dir"]): s for s in host.dp_sas()}
    out, inn = dps[(ch["spi_out"], "out")], dps[(ch["spi_in"], "in")]
    assert out["packets"] >= 20 and inn["packets"] >= 20, (out, inn)

    # DELETE from xdpsec's side reaches charon.
    host.agent.terminate("c")
    it.wait_no_sas(host, timeout=10, diag=diag)
    it.wait_for(lambda: not charon.child_sas("c"), 10, "charon's CHILD_SA deleted", diag)


def child_pair(host, charon):
    """(xdpsec's Child SA, charon's INSTALLED CHILD_SA) with matching SPIs,
    or None."""
    sas = it.established(host.agent, "c")
    if not sas:
        return None
    ch = sas[0]["children"]
    csas = [c for c in charon.child_sas("c") if c.get("state") == "INSTALLED"]
    for x in ch:
        for c in csas:
            if int(x["spi_in"], 16) == int(c["spi-out"], 16) and \
                    int(x["spi_out"], 16) == int(c["spi-in"], 16):
                return x, c
    return None


def test_interop_rekey(link, interop, tmp_path):
    host, charon = interop
    a, b = link.v4
    psk = it.new_psk()
    charon.load([sw.SiteToSite(name="c", local_addr=b, remote_addr=a, psk=psk,
                               local_ts=[f"{b}/32"], remote_ts=[f"{a}/32"])])
    host.start_agent([it.IkeConn("c", a, b, psk, children=[it.IkeChild("c")])])

    def diag():
        return host.diag() + "\n--- charon log (tail):\n" + charon.log_tail(6000)

    def both_ways():
        for ns, dst in ((link.a, b), (link.b, a)):
            r = ns.ping(dst, count=5, interval=0.05)
            assert r["received"] == 5, f"ping {ns.name} -> {dst}: {r}\n{diag()}"

    host.agent.initiate("c")
    it.wait_established(host.agent, "c", 1, 20, diag)
    x0, _ = it.wait_for(lambda: child_pair(host, charon), 10, "matching Child SAs", diag)
    ike0 = it.ike_spis(host.agent.list_sas())
    both_ways()

    # charon rekeys the Child SA, then the IKE SA.
    charon.swanctl("--rekey", "--child", "c")
    x1, _ = it.wait_for(lambda: (lambda p: p if p and p[0]["spi_in"] != x0["spi_in"] and
                                 len(it.dp_spis(host)) == 2 else None)(
                                     child_pair(host, charon)),
                        10, "the Child SA rekeyed by charon", diag)
    both_ways()
    charon.swanctl("--rekey", "--ike", "c")
    it.wait_for(lambda: it.established(host.agent, "c") and
                it.ike_spis(it.established(host.agent, "c")) != ike0 and
                len(host.agent.list_sas()) == 1, 10, "the IKE SA rekeyed by charon", diag)
    ike1 = it.ike_spis(host.agent.list_sas())
    both_ways()

    # xdpsec rekeys on its own timers.
    host.agent.write_config([it.IkeConn("c", a, b, psk, rekey_time="12s",
                                        children=[it.IkeChild("c", rekey_time="5s")])])
    host.agent.reload()
    host.agent.terminate("c")
    it.wait_no_sas(host, 10, diag)
    host.agent.initiate("c")
    it.wait_established(host.agent, "c", 1, 20, diag)
    x2, _ = it.wait_for(lambda: child_pair(host, charon), 10, "matching Child SAs", diag)
    ike2 = it.ike_spis(host.agent.list_sas())
    it.wait_for(lambda: (lambda p: p if p and p[0]["spi_in"] != x2["spi_in"] else None)(
        child_pair(host, charon)), 12, "the Child SA rekeyed by xdpsec", diag)
    both_ways()
    it.wait_for(lambda: it.established(host.agent, "c") and
                it.ike_spis(it.established(host.agent, "c")) != ike2 and
                child_pair(host, charon), 20, "the IKE SA rekeyed by xdpsec", diag)
    both_ways()
    assert ike1 != ike0 and x1["spi_in"] != x0["spi_in"]
    st = host.agent.stats()
    assert st["datapath"]["failures"] == 0, st
