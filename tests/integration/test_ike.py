# SPDX-License-Identifier: GPL-2.0-only
"""The IKEv2 agent between two xdpsec hosts.

Topology (ike_topo.IkePair on a netns.Link): hosts A and B on one Ethernet
segment whose bridge lives in a third namespace M (captures there see the
wire). Each host runs its own xdpsec daemon attached to its device and its
own agent (`xdpsec-ike daemon --foreground`, same instance name), PSK
authentication; A initiates (start_action = start), B responds. The Child
SAs reach the datapath only through the agents.

    test_child_modes      ESP tunnel (IPv4, IPv6), ESP transport, AH
                          transport: both agents list the Child SA, the
                          datapaths hold the SAs crosswise, ping and a TCP
                          transfer go through them and the wire shows only
                          ESP/AH between A and B
    test_rekey_under_load Child SA rekeys every ~5 s and IKE SA rekeys
                          every ~10 s during a 60 s TCP transfer (checksums
                          must match) and a 200 pps sequenced UDP stream
                          (nothing may be lost)
    test_dpd              B's agent killed (kill -9) and its datapath
                          stopped, or B's IKE packets dropped (nftables):
                          A's DPD (dpd_delay 2s) removes everything
    test_delete           `xdpsec-ike terminate` on either side empties
                          both agents and removes both datapaths' SAs; the
                          policies stay and drop the flows (fail closed)
    test_custom_port      A's `local_port = 7000` (B's `remote_port =
                          7000`): IKE runs on that port, no NAT is
                          detected, plain ESP, and a Child SA rekey and
                          ping work once the SAs protect A <-> B

Needs root, bpffs, build/xdpsec and build/xdpsec-ike. About 3 minutes.
"""
import json
import threading
import time

import pytest

import ike_topo as it
import netns

MB = 1 << 20
TCP_PORT = 5301
UDP_PORT = 5302


# ----------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def ike_bin(build_dir):
    p = it.agent_path(build_dir)
    if not p.exists():
        pytest.fail(f"{p} missing: run `make`")
    return p


@pytest.fixture
def ike_pair(link, build_dir, xdpsec_bin, ike_bin, tmp_path):
    """make(family=4) -> ike_topo.IkePair on the test's link; agents and
    daemons are stopped at teardown (before the namespaces go)."""
    made = []

    def make(**kw):
        p = it.IkePair(link, build_dir, tmp_path, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


# ------------------------------------------------------------------ helpers

def tcp_transfer(src_ns, dst_ns, dst_addr, nbytes, port=TCP_PORT, rate=0, timeout=120):
    srv = dst_ns.helper("tcp-recv", port)
    srv.wait_ready()
    args = ["tcp-send", dst_addr, port, nbytes] + (["--rate", rate] if rate else [])
    cli = src_ns.helper(*args)
    sent = cli.finish(timeout)
    got = srv.finish(30)
    return sent, got


def check_crosswise(pair, conn="c", n_children=1, a_initiated=True):
    """Both agents list one established IKE SA of conn with the same SPIs,
    the Child SAs with mirrored SPIs, and both datapaths hold exactly those
    SAs. Returns (A's SA, B's SA). After an IKE SA rekey the side that
    rekeyed is the new SA's original initiator (RFC 7296 §2.18): pass
    a_initiated=None then."""
    sa_a = it.wait_established(pair.a.agent, conn, n_children, 20, pair.diag)
    sa_b = it.wait_established(pair.b.agent, conn, n_children, 20, pair.diag)
    assert (sa_a["spi_i"], sa_a["spi_r"]) == (sa_b["spi_i"], sa_b["spi_r"]), pair.diag()
    if a_initiated is None:
        assert sa_a["initiator"] != sa_b["initiator"], pair.diag()
    else:
        assert sa_a["initiator"] == a_initiated != sa_b["initiator"], pair.diag()
    want_a, want_b = set(), set()
    for ca in sa_a["children"]:
        cb = [c for c in sa_b["children"] if c["spi_in"] == ca["spi_out"]]
        assert len(cb) == 1 and cb[0]["spi_out"] == ca["spi_in"], \
            f"child SPIs not mirrored: {ca} vs {sa_b['children']}\n{pair.diag()}"
        assert cb[0]["mode"] == ca["mode"] and cb[0]["alg"] == ca["alg"], pair.diag()
        want_a |= {(ca["spi_in"], "in"), (ca["spi_out"], "out")}
        want_b |= {(ca["spi_out"], "in"), (ca["spi_in"], "out")}
    it.wait_for(lambda: it.dp_spis(pair.a) == want_a and it.dp_spis(pair.b) == want_b, 5,
                f"datapath SAs A {sorted(want_a)} and B {sorted(want_b)}", pair.diag)
    return sa_a, sa_b


def pcap_count(pcap, bpf_filter):
    """Packets of a capture file matching a filter."""
    p = netns.sh(["tcpdump", "-nr", str(pcap), bpf_filter])
    return len(p.stdout.splitlines())


def dp_sa(host, spi, direction):
    for s in host.dp_sas():
        if s["spi"] == spi and s["dir"] == direction:
            return s
    raise KeyError(f"{host.instance}: no datapath SA {spi} {direction}")


# ------------------------------------------------------------ Child SA modes

MODES = [
    # (id, mode, family, esp_proposals, ah_proposals, wire proto)
    ("esp-tunnel-v4", "tunnel", 4, "aes128gcm16", None, "esp"),
    ("esp-tunnel-v6-cbc", "tunnel", 6, "aes128-sha256", None, "esp"),
    ("esp-transport-v4", "transport", 4, "aes128gcm16", None, "esp"),
    ("ah-transport-v4", "transport", 4, None, "sha256", "ah"),
]


@pytest.mark.parametrize("case", MODES, ids=[m[0] for m in MODES])
def test_child_modes(ike_pair, tmp_path, case):
    name, mode, family, esp, ah, wire = case
    pair = ike_pair(family=family)
    child = it.IkeChild("t", mode=mode, esp_proposals=esp or "aes128gcm16",
                        ah_proposals=ah, start_action="start")
    conn = pair.conn(children=[child])
    pair.configure([conn])
    sa_a, sa_b = check_crosswise(pair)
    for sa in (sa_a, sa_b):
        ch = sa["children"][0]
        assert ch["mode"] == mode and ch["proto"] == wire and not ch["encap"], sa
        assert ch["alg"] == (esp or ah), sa
        assert not sa["nat_local"] and not sa["nat_remote"], sa
        assert sa["encr"] == "aes128gcm16" and sa["dh"] in ("curve25519", "x25519"), sa
    plen = 32 if family == 4 else 128
    assert sa_a["children"][0]["local_ts"] == [f"{pair.addr_a}/{plen}"], sa_a
    assert sa_a["children"][0]["remote_ts"] == [f"{pair.addr_b}/{plen}"], sa_a
    for host in (pair.a, pair.b):
        for s in host.dp_sas():
            assert s["mode"] == mode, f"{host.instance}: {s}"

    icmp = "icmp" if family == 4 else "icmp6"
    pcap = tmp_path / "wire.pcap"
    cap = pair.capture(f"host {pair.addr_a} and host {pair.addr_b}", pcap=str(pcap),
                       snaplen=96)
    r = pair.a.ping(pair.addr_b, count=10, interval=0.05)
    assert r["received"] == 10, f"ping A->B {r}\n{pair.diag()}"
    r = pair.b.ping(pair.addr_a, count=10, interval=0.05)
    assert r["received"] == 10, f"ping B->A {r}\n{pair.diag()}"
    sent, got = tcp_transfer(pair.a.ns, pair.b.ns, pair.addr_b, 4 * MB)
    assert got["bytes"] == sent["bytes"] == 4 * MB and got["sha256"] == sent["sha256"], \
        f"TCP {sent} {got}\n{pair.diag()}"
    cap.stop()
    n_clear = pcap_count(pcap, f"tcp or {icmp}")
    n_sealed = pcap_count(pcap, f"{'ip' if family == 4 else 'ip6'} proto "
                                f"{50 if wire == 'esp' else 51}")
    assert n_clear == 0, f"{n_clear} cleartext packets between A and B on the wire"
    assert n_sealed >= 20 + 4 * MB // 1500, f"only {n_sealed} {wire} packets on the wire"
    ch = sa_a["children"][0]
    out_a = dp_sa(pair.a, ch["spi_out"], "out")
    in_b = dp_sa(pair.b, ch["spi_out"], "in")
    assert out_a["packets"] >= 10 + 4 * MB // 1500 and in_b["packets"] >= out_a["packets"] - 5, \
        f"SA counters A out {out_a} B in {in_b}"


# ------------------------------------------------------------------- rekeys

REKEY_SECONDS = 60
UDP_PPS = 200
TCP_RATE = 1 * MB       # bytes/s: the transfer lasts the whole minute


class SpiWatch:
    """Polls both agents' list-sas every 0.25 s on a thread and keeps
    every IKE SPI pair and Child SPI pair seen, with when it was first
    seen, and every listing that did not show exactly one established IKE
    SA with its Child SA."""

    def __init__(self, pair):
        self.pair = pair
        self.t0 = time.monotonic()
        self.ike = {}
        self.child = {}
        self.gaps = []
        self.errors = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            for side, h in (("a", self.pair.a), ("b", self.pair.b)):
                try:
                    sas = h.agent.list_sas()
                except Exception as e:   # reported by the test
                    self.errors.append(f"{side}: {e}")
                    continue
                now = round(time.monotonic() - self.t0, 2)
                for s in sas:
                    self.ike.setdefault((s["spi_i"], s["spi_r"]), now)
                    for c in s["children"]:
                        key = tuple(sorted((c["spi_in"], c["spi_out"])))
                        self.child.setdefault(key, now)
                if not any(s["state"] in ("established", "rekeying") and s["children"]
                           for s in sas):
                    self.gaps.append((side, now, [s["state"] for s in sas]))
            self._stop.wait(0.25)

    def stop(self):
        self._stop.set()
        self._t.join(10)


# Where a packet of the tunnel can be lost, by cause. The rekey's own
# share: a packet that found no usable SA on one side — no outbound SA for
# its policy (worker drop_no_sa), an SPI the receiver does not know (XDP
# or engine), an SA past its hard limit. Every packet of every flow in
# both directions counts, so these must stay zero.
REKEY_CAUSES = {("worker", "drop_no_sa"), ("xdp", "drop_unknown_spi"),
                ("xdp", "pass_unknown_spi"), ("engine", "unknown_spi"),
                ("sa", "lifetime_expired")}
# Overload: rings, buffers and queues that were full (the machine, not
# the rekey): reported, bounded, not failed on.
OVERLOAD_WORKER = {"drop_tx_full", "drop_no_frame", "drop_tap_write", "tx_kick_error"}
OVERLOAD_KERNEL = {("Udp", "RcvbufErrors"), ("Udp", "SndbufErrors"), ("Udp", "MemErrors"),
                   ("Ip", "InDiscards"), ("Ip", "OutDiscards")}
# Lost UDP datagrams tolerated from overload (reported either way).
OVERLOAD_BOUND = 0.02


class DpWatch:
    """Polls both datapaths' SA lists every 0.5 s on a thread and keeps,
    per SA, the largest drop counts seen: an SA's counters leave `stats`
    with the SA, so a replaced SA's drops are read while it still exists
    (its inbound half lingers IKE_INBOUND_GRACE_MS after a rekey)."""

    def __init__(self, pair):
        self.pair = pair
        self.drops = {}
        self.errors = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def poll(self):
        for side, h in (("a", self.pair.a), ("b", self.pair.b)):
            try:
                sas = h.dp_sas()
            except Exception as e:      # reported by the test
                self.errors.append(f"{side}: {e}")
                continue
            for s in sas:
                for reason, n in (s.get("drops") or {}).items():
                    key = (side, s["spi"], s["dir"], reason)
                    self.drops[key] = max(self.drops.get(key, 0), int(n))

    def _run(self):
        while not self._stop.is_set():
            self.poll()
            self._stop.wait(0.5)

    def stop(self):
        self._stop.set()
        self._t.join(10)
        self.poll()


def loss_snapshot(pair):
    """The datapath's counters of A and B and the kernel's of A, B and the
    bridge namespace M."""
    return {"a": {"dp": pair.a.dp_counters(), "kern": it.kernel_counters(pair.a.ns)},
            "b": {"dp": pair.b.dp_counters(), "kern": it.kernel_counters(pair.b.ns)},
            "m": {"kern": it.kernel_counters(pair.link.m)}}


def attribute_losses(before, after, sa_drops):
    """Sorts every drop counted during the run into the rekey's share,
    overload and other (integrity, policy: neither expected). Returns
    (rekey, overload, other) as {"side:group.name": packets}."""
    rekey, overload, other = {}, {}, {}
    for side in ("a", "b"):
        dp = it.counter_delta(before[side]["dp"], after[side]["dp"])
        for g, rows in dp.items():
            for k, n in rows.items():
                key = f"{side}:{g}.{k}"
                if n <= 0:
                    continue        # SA counters leave with their SA
                if (g, k) in REKEY_CAUSES:
                    rekey[key] = n
                elif g == "xsk" or (g == "worker" and k in OVERLOAD_WORKER):
                    overload[key] = n
                elif g == "engine":
                    continue        # per SA below (DpWatch), unknown_spi above
                elif (g == "xdp" and k.startswith("drop_")) or \
                        (g == "tc" and k.startswith("discard_")) or \
                        (g == "steer" and k.startswith("drop_") and
                         k != "drop_untagged") or \
                        (g == "worker" and k.startswith("drop_")):
                    # (untagged frames on the steer veth are the host's
                    # own, e.g. IPv6 router solicitations: not the flows)
                    other[key] = n
    for side in ("a", "b"):
        # a worker's opened frames all leave it or are counted dropped
        w = it.counter_delta(before[side]["dp"], after[side]["dp"]).get("worker", {})
        gap = w.get("rx_inbound", 0) - w.get("tx_inbound", 0) - sum(
            w.get(k, 0) for k in ("drop_open", "drop_runt", "drop_tap_write",
                                  "drop_tx_full"))
        if gap:
            other[f"{side}:worker.inbound_frames_unaccounted"] = gap
    for (side, spi, d, reason), n in sa_drops.items():
        if n:
            key = f"{side}:sa {spi} {d}.{reason}"
            (rekey if ("sa", reason) in REKEY_CAUSES else other)[key] = n
    for side in ("a", "b", "m"):
        k = it.counter_delta(before[side]["kern"], after[side]["kern"])
        for g in ("Ip", "Udp"):
            for name, n in k.get(g, {}).items():
                if (g, name) in OVERLOAD_KERNEL and n > 0:
                    overload[f"{side}:{g}.{name}"] = n
        for dev, rows in k.get("link", {}).items():
            for name, n in rows.items():
                if n > 0:
                    overload[f"{side}:{dev}.{name}"] = n
    return rekey, overload, other


def test_rekey_under_load(ike_pair, tmp_path):
    """Issue #11 item 7: Child SA rekeys every ~5 s and IKE SA rekeys every
    ~10 s during a 60 s TCP transfer and a 200 pps sequenced UDP stream
    A -> B. Every drop the datapaths (both sides: XDP, TC, steer, workers,
    AF_XDP rings, engine per SA and for unknown SPIs) and the kernels (A, B
    and the bridge namespace: UDP/IP SNMP counters, every interface) count
    is sorted by cause: the rekey's own share (a packet that found no usable
    SA) must be zero, so must integrity and policy drops and cleartext on
    the wire; lost UDP datagrams must be explained by overload (full
    rings, buffers, queues) and stay under OVERLOAD_BOUND. The report
    prints the attribution either way."""
    pair = ike_pair()
    child = it.IkeChild("t", start_action="start", rekey_time="5s", life_time="10s",
                        rand_time="1s")
    conn = pair.conn(children=[child], rekey_time="10s", over_time="6s", rand_time="2s")
    pair.configure([conn])
    check_crosswise(pair)
    assert pair.a.ping(pair.addr_b)["received"] == 5, pair.diag()

    pcap = tmp_path / "clear.pcap"
    cap = pair.capture(f"host {pair.addr_a} and host {pair.addr_b} and "
                       f"(udp port {UDP_PORT} or tcp port {TCP_PORT})", pcap=str(pcap),
                       snaplen=64)
    before = loss_snapshot(pair)
    watch = SpiWatch(pair)
    dpw = DpWatch(pair)
    count = REKEY_SECONDS * UDP_PPS
    urecv = pair.b.ns.helper("udp-recv", UDP_PORT, "--count", count, "--stream")
    urecv.wait_ready()
    tsrv = pair.b.ns.helper("tcp-recv", TCP_PORT)
    tsrv.wait_ready()
    usend = pair.a.ns.helper("udp-send", pair.addr_b, UDP_PORT, count, "--size", 200,
                             "--pps", UDP_PPS)
    tcli = pair.a.ns.helper("tcp-send", pair.addr_b, TCP_PORT, REKEY_SECONDS * TCP_RATE,
                            "--rate", TCP_RATE)
    t_start = time.monotonic()
    wall_start = time.time()
    try:
        sent_u = usend.finish(REKEY_SECONDS + 30)
        sent_t = tcli.finish(REKEY_SECONDS + 90)
        # Whatever is still in flight arrives within a second.
        if urecv.wait_line(lambda s: s.startswith("{"), 3) is None:
            urecv.signal(15)
        got_u = urecv.finish(10)
        got_t = tsrv.finish(30)
    finally:
        watch.stop()
        dpw.stop()
        cap.stop()
    after = loss_snapshot(pair)
    elapsed = time.monotonic() - t_start
    seqs = {int(s.split()[1]) for s in urecv.lines if s.startswith("seq ")}
    missing = sorted(set(range(count)) - seqs)
    child_rekeys = len(watch.child) - 1
    ike_rekeys = len(watch.ike) - 1
    rekey, overload, other = attribute_losses(before, after, dpw.drops)
    moved = {side: it.counter_delta(before[side], after[side]) for side in before}
    n_clear = pcap_count(pcap, "ip")
    when = [time.strftime("%H:%M:%S", time.localtime(wall_start + q / UDP_PPS)) +
            f".{int((wall_start + q / UDP_PPS) % 1 * 1000):03d}" for q in missing[:40]]
    report = (f"elapsed {elapsed:.1f}s, child SPI pairs {len(watch.child)}, IKE SPI pairs "
              f"{len(watch.ike)}; UDP lost {len(missing)} of {count} (first {missing[:40]}, "
              f"sent at about {when}); drops by cause: rekey {rekey}, overload "
              f"{overload}, other {other}; cleartext on the wire {n_clear}; "
              f"every counter that moved: {json.dumps(moved)}; "
              f"listings without an established SA: {watch.gaps[:20]}, "
              f"watch errors {(watch.errors + dpw.errors)[:5]}")
    print(report)
    assert sent_u["sent"] == count and sent_u["errors"] == 0, sent_u
    assert got_u["bad"] == 0, got_u
    assert got_t["bytes"] == sent_t["bytes"] == REKEY_SECONDS * TCP_RATE and \
        got_t["sha256"] == sent_t["sha256"], f"TCP {sent_t} {got_t}\n{report}"
    # the rekey's own share is zero, for every packet both ways
    assert not rekey, f"packets found no usable SA during the rekeys\n{report}\n{pair.diag()}"
    assert not other, f"unexpected drops\n{report}\n{pair.diag()}"
    assert n_clear == 0, f"cleartext between A and B on the wire\n{report}"
    # every lost datagram has an overload counter to show for it, and
    # overload stays within its bound
    assert len(missing) <= sum(overload.values()), \
        f"{len(missing)} datagrams lost that no counter explains\n{report}\n{pair.diag()}"
    assert len(missing) <= OVERLOAD_BOUND * count, \
        f"more than {OVERLOAD_BOUND:.0%} lost to overload\n{report}"
    assert child_rekeys >= 6, f"only {child_rekeys} Child SA rekeys in {elapsed:.0f}s\n{report}"
    assert ike_rekeys >= 3, f"only {ike_rekeys} IKE SA rekeys in {elapsed:.0f}s\n{report}"
    # (a listing may fail while `make` relinks the binary: not the agent's fault)
    assert len(watch.errors) <= 2, report
    # Rekeyed SAs are deleted: in the end one IKE SA, one Child SA, and
    # each datapath holds exactly its two SAs (plus, for a moment, the
    # lingering inbound half of the one replaced last). Rekeys go on
    # meanwhile, so the check may meet one half-done: it is retried.
    deadline = time.monotonic() + 20
    while True:
        try:
            check_crosswise(pair, a_initiated=None)
            for h in (pair.a, pair.b):
                sas = h.agent.list_sas()
                assert len(sas) == 1 and len(sas[0]["children"]) == 1, \
                    f"{h.instance} after the rekeys: {json.dumps(sas)}"
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


# ---------------------------------------------------------------------- DPD

@pytest.mark.parametrize("how", ["kill9", "drop-ike"])
def test_dpd(ike_pair, how):
    pair = ike_pair()
    child = it.IkeChild("t", start_action="start")
    conn = pair.conn(children=[child], dpd_delay="2s")
    pair.configure([conn])
    check_crosswise(pair)
    assert pair.a.ping(pair.addr_b)["received"] == 5, pair.diag()
    t0 = time.monotonic()
    if how == "kill9":
        pair.b.agent.kill9()
        pair.b.daemon.stop()
        hosts = [pair.a]
    else:
        # B's agent lives but hears nothing: both sides' DPD must fail.
        it.need_nft()
        pair.b.ns.run(["nft", "-f", "-"], input="""
table inet xsdrop {
    chain in {
        type filter hook input priority -10; policy accept;
        udp dport { 500, 4500 } drop
    }
}
""")
        hosts = [pair.a, pair.b]
    for h in hosts:
        it.wait_no_sas(h, timeout=25, diag=pair.diag)
    took = time.monotonic() - t0
    print(f"DPD removed the SAs after {took:.1f}s")
    st = pair.a.agent.stats()
    assert st["ike"]["retransmit"] >= 1, f"no DPD retransmissions counted: {st}"
    assert pair.a.agent.alive()
    if how == "drop-ike":
        assert pair.b.agent.alive()
    # dpd_action = clear (default): nothing comes back.
    time.sleep(1)
    assert pair.a.agent.list_sas() == [], pair.diag()


# ------------------------------------------------------------------- DELETE

def test_delete(ike_pair):
    pair = ike_pair()
    children = [it.IkeChild("t", local_ts=("dynamic[icmp]",), remote_ts=("dynamic[icmp]",),
                            start_action="start"),
                it.IkeChild("u", mode="transport", local_ts=("dynamic[tcp]",),
                            remote_ts=("dynamic[tcp]",), start_action="start")]
    conn = pair.conn(children=children)
    pair.configure([conn])
    check_crosswise(pair, n_children=2)
    assert pair.a.ping(pair.addr_b)["received"] == 5, pair.diag()

    # The initiator deletes.
    pair.a.agent.terminate("c")
    for h in (pair.a, pair.b):
        it.wait_no_sas(h, timeout=10, diag=pair.diag)
    # Fail closed while configured: the policies stay, naming no SA, and
    # the flows they protect are dropped, never sent in clear.
    assert pair.a.ping(pair.addr_b, count=3, timeout=1)["received"] == 0, \
        "without SAs the hosts must not talk in the clear"
    assert pair.a.dp_policies() and pair.b.dp_policies(), pair.diag()

    # Again, and the responder deletes.
    pair.a.agent.initiate("c")
    check_crosswise(pair, n_children=2)
    pair.b.agent.terminate("c")
    for h in (pair.a, pair.b):
        it.wait_no_sas(h, timeout=10, diag=pair.diag)
    for h in (pair.a, pair.b):
        st = h.agent.stats()
        assert st["datapath"]["sas"] == 0 and st["datapath"]["policies"] == 0, st
        assert st["datapath"]["failures"] == 0, f"{h.instance}: {st}"


# -------------------------------------------------------------- local_port

@pytest.mark.xfail(strict=True, reason="known bug: the agent's sockets ignore local_port "
                   "(always 500/4500) while NAT detection hashes the configured port, "
                   "so the peer sees a NAT that is not there")
def test_custom_port(ike_pair, tmp_path):
    """docs/ike-config.md: local_port / remote_port, 1..65535."""
    pair = ike_pair()
    child = it.IkeChild("t", start_action="start", rekey_time="4s", life_time="8s",
                        rand_time="1s")
    conn = pair.conn(children=[child], extra={"local_port": 7000})
    pcap = tmp_path / "ike.pcap"
    cap = pair.capture("udp", pcap=str(pcap))
    pair.configure([conn], [conn.mirrored(extra={"remote_port": 7000})])
    sa_a, sa_b = check_crosswise(pair)
    first = sa_a["children"][0]["spi_in"]
    for sa in (sa_a, sa_b):
        assert not sa["nat_local"] and not sa["nat_remote"], \
            f"a NAT detected where there is none: {json.dumps(sa)}\n{pair.diag()}"
        assert not sa["children"][0]["encap"], sa
    assert (sa_a["local_port"], sa_b["remote_port"]) == (7000, 7000), (sa_a, sa_b)
    # The Child SA is rekeyed (IKE between A:7000 and B:500 while the SAs
    # protect every flow between A and B), and traffic goes on.
    it.wait_for(lambda: it.established(pair.a.agent, "c") and
                it.established(pair.a.agent, "c")[0]["children"][0]["spi_in"] != first,
                12, "a Child SA rekey", pair.diag)
    r = pair.a.ping(pair.addr_b, count=5, interval=0.05)
    assert r["received"] == 5, f"ping A -> B {r}\n{pair.diag()}"
    cap.stop()
    assert pcap_count(pcap, f"src host {pair.addr_a} and udp src port 7000") >= 2, \
        netns.sh(["tcpdump", "-nr", str(pcap)]).stdout
    assert pcap_count(pcap, f"src host {pair.addr_a} and udp src port 500") == 0, \
        netns.sh(["tcpdump", "-nr", str(pcap)]).stdout


# ------------------------------------------------------ failed installs

@pytest.mark.parametrize("side", ["initiator", "responder"])
def test_install_failure(ike_pair, side):
    """Issue #11 item 4: a datapath that refuses the Child SA on one side
    (here a static policy with the very selectors the Child SA needs: the
    daemon answers "policy with these selectors exists") leaves neither
    side with it: the initiator deletes what the responder made (DELETE),
    the responder refuses it in its answer (NO_PROPOSAL_CHOSEN). Once the
    obstacle is gone the Child SA comes up: by itself on the initiator
    (start_action = start retries after 5 s), by `initiate` after a
    responder's refusal."""
    pair = ike_pair()
    host = pair.a if side == "initiator" else pair.b
    here, there = (pair.addr_a, pair.addr_b) if host is pair.a else (pair.addr_b, pair.addr_a)
    out = host.daemon.cli("policy", "add", "src", f"{here}/32", "dst", f"{there}/32",
                          "dir", "out", "action", "bypass")
    pid = int(out.split()[1])
    child = it.IkeChild("t", start_action="start")
    conn = pair.conn(children=[child])
    pair.configure([conn])
    # the IKE SA comes up alone on both sides, and stays so
    it.wait_established(pair.a.agent, "c", 0, 20, pair.diag)
    it.wait_established(pair.b.agent, "c", 0, 20, pair.diag)

    def no_child():
        for h in (pair.a, pair.b):
            sas = h.agent.list_sas()
            if len(sas) != 1 or sas[0]["state"] != "established" or sas[0]["children"]:
                return False
            if h.dp_sas():
                return False
        return True
    it.wait_for(no_child, 10, "both sides without the Child SA, agents and datapaths",
                pair.diag)
    assert host.agent.stats()["ike"].get("install_failed", 0) >= 1, pair.diag()
    # the other side held it for a moment at most: it was deleted there
    other = pair.b if host is pair.a else pair.a
    assert other.agent.stats()["datapath"]["sas"] == 0, pair.diag()
    if side == "initiator":
        assert "deleting the Child SA (not installed here)" in pair.a.agent.log_text(), \
            pair.a.agent.log_tail()
    else:
        assert "CREATE_CHILD_SA refused" in pair.a.agent.log_text() or \
            "first Child SA refused: NO_PROPOSAL_CHOSEN" in pair.a.agent.log_text(), \
            pair.a.agent.log_tail()
    time.sleep(1)
    assert no_child(), f"a Child SA came back while the obstacle stands\n{pair.diag()}"

    host.daemon.cli("policy", "del", "id", pid)
    if side == "responder":
        pair.a.agent.initiate("c")
    check_crosswise(pair)
    assert pair.a.ping(pair.addr_b)["received"] == 5, pair.diag()


# ------------------------------------------- spoofed IKE_SA_INIT flood

FLOOD_SECONDS = 25
FLOOD_PPS = 1000


def test_dpd_under_init_flood(ike_pair):
    """Issue #11 item 2's remote trigger: IKE_SA_INIT requests from 64
    spoofed on-link addresses nobody answers ARP for, 1000/s for 25 s, at
    B while A and B run a tunnel with DPD every 2 s (given up after about
    15.5 s without an answer). B's answers to the spoofed initiators wait
    for ARP and fill the buffer of the socket they leave from; they must
    not hold up DPD: the IKE SA and Child SA survive unchanged on both
    sides, DPD exchanges go on all along, and B's counters show the answers
    it could not send (the stress was real)."""
    pair = ike_pair()
    child = it.IkeChild("t", start_action="start")
    conn = pair.conn(children=[child], dpd_delay="2s")
    # B also answers anyone (a road-warrior gateway): the spoofed requests
    # make half-open SAs, then get COOKIE answers (RFC 7296 §2.6)
    rw = it.IkeConn("rw", pair.addr_b, None, it.new_psk(), local_id="b.example.org",
                    remote_id="rw.example.org", children=[it.IkeChild("rw")])
    pair.configure([conn], [conn.mirrored(), rw])
    sa_a, sa_b = check_crosswise(pair)
    ike = (sa_a["spi_i"], sa_a["spi_r"])
    before_a, before_b = pair.a.agent.stats(), pair.b.agent.stats()
    prefix = pair.addr_b.rsplit(".", 1)[0]
    frames = it.spoofed_init_frames(pair.link.mac_b, pair.addr_b, prefix, range(100, 164))
    flood = it.init_flood(pair.link.m, pair.link.tap_b, frames, FLOOD_PPS, FLOOD_SECONDS)
    t0 = time.monotonic()
    changed = []
    try:
        while flood.poll() is None and time.monotonic() - t0 < FLOOD_SECONDS + 30:
            for side, h in (("a", pair.a), ("b", pair.b)):
                sas = [s for s in h.agent.list_sas() if s["state"] != "connecting"]
                if [(s["spi_i"], s["spi_r"], s["state"]) for s in sas] != \
                        [ike + ("established",)]:
                    changed.append((side, round(time.monotonic() - t0, 1), sas))
            time.sleep(1)
        flood.wait(30)
        out = flood.stdout.read()
    finally:
        if flood.poll() is None:
            flood.kill()
    sent = json.loads(out.strip().splitlines()[-1])["sent"]
    after_a, after_b = pair.a.agent.stats(), pair.b.agent.stats()

    def d(before, after, name):
        return int(after["ike"].get(name, 0)) - int(before["ike"].get(name, 0))
    report = (f"flood: {sent} frames; A: rx {d(before_a, after_a, 'rx')} retransmit "
              f"{d(before_a, after_a, 'retransmit')}; B: rx {d(before_b, after_b, 'rx')} "
              f"tx_unverified {d(before_b, after_b, 'tx_unverified')} dropped "
              f"{d(before_b, after_b, 'tx_unverified_dropped')} cookies "
              f"{d(before_b, after_b, 'cookie_sent')} retransmit "
              f"{d(before_b, after_b, 'retransmit')}")
    print(report)
    assert sent >= FLOOD_SECONDS * FLOOD_PPS // 2, report
    assert not changed, f"SAs changed during the flood: {changed[:5]}\n{report}\n{pair.diag()}"
    # the stress was real: B answered the spoofed addresses (half-open
    # SAs, then cookies) until the buffer those answers leave from was full
    assert d(before_b, after_b, "cookie_sent") > 0, report
    assert d(before_b, after_b, "tx_unverified_dropped") > 0, f"{report}\n{pair.diag()}"
    # DPD went on: A sent a request every ~2 s and B answered; B did too
    assert d(before_a, after_a, "rx") >= FLOOD_SECONDS // 2 // 2, report
    assert int(after_a["ike"]["rx_unsteered"]) == int(after_b["ike"]["rx_unsteered"]) == 0, report
    sa_a2, sa_b2 = check_crosswise(pair)
    assert (sa_a2["spi_i"], sa_a2["spi_r"]) == ike, pair.diag()
    assert sa_a2["children"][0]["spi_in"] == sa_a["children"][0]["spi_in"], pair.diag()
    assert pair.a.ping(pair.addr_b)["received"] == 5, pair.diag()
