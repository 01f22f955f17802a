# SPDX-License-Identifier: GPL-2.0-only
"""Issue #11 items 2 and 3: IKE teardown fails closed, and a dead agent
leaves nothing that lives forever or blocks its successor.

Topology (ike_topo.IkePair, as test_ike.py): hosts A and B, each with its
xdpsec daemon and agent, on one Ethernet segment whose bridge namespace M
sees the wire. A Child SA protects every flow between A and B (dynamic
traffic selectors); pings run both ways (A -> B and B -> A) while the
tunnel goes away, and a capture on the bridge counts the echo requests
and replies between A and B that are NOT sealed:

    test_terminate_no_cleartext      `xdpsec-ike terminate` on A
    test_dpd_failure_no_cleartext    B hears no IKE (nftables drop): DPD
                                     fails on both sides
    test_peer_crash_no_cleartext     B's agent killed (kill -9), its
                                     datapath stays up: A's DPD fails
    test_agent_restart               A's (initiator) or B's (responder)
                                     agent killed (kill -9) and started
                                     again: it removes its predecessor's SAs,
                                     takes its policies over, the tunnel
                                     comes back (A's start_action, or A's
                                     DPD with dpd_action = restart) and
                                     pings go through; no "exists" refusal
    test_orphan_sas_expire           both agents killed: their SAs hard
                                     expire by life_time + the margin
    test_exit_keeps_unload_removes   SIGTERM keeps the policies (no
                                     cleartext), a reload without the
                                     connection removes them
    test_log_format_and_level        time and level on every line, IKE
                                     events name the IKE SA, --log-level
    test_sa_hard_lifetime            every SA an agent installs carries a
                                     finite hard time limit (life_time +
                                     the margin, ike/shell.h)

Each teardown test first shows the flows go sealed (ESP on the wire, the
pings answered), so a zero count of cleartext means the policies held.
Needs root, bpffs, build/xdpsec, build/xdpsec-ike, tcpdump and nft.
"""
import re
import subprocess
import time

import pytest

import ike_topo as it
import netns

# The fixtures of test_ike.py (the agent binary, a pair on the test's link).
from test_ike import check_crosswise, ike_bin, ike_pair  # noqa: F401

# ike/shell.h IKE_DP_HARD_MARGIN_S
HARD_MARGIN_S = 30


def echo_filter(pair):
    """Cleartext echo requests/replies between A and B (ESP is IP protocol
    50, so sealed ones never match)."""
    return (f"icmp and host {pair.addr_a} and host {pair.addr_b} and "
            "(icmp[icmptype] == icmp-echo or icmp[icmptype] == icmp-echoreply)")


class Pings:
    """ping both ways (A -> B, B -> A) every 50 ms until stop()."""

    def __init__(self, pair):
        self.procs = [
            subprocess.Popen(pair.a.ns.cmd(["ping", "-n", "-q", "-i", "0.05", pair.addr_b]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
            subprocess.Popen(pair.b.ns.cmd(["ping", "-n", "-q", "-i", "0.05", pair.addr_a]),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        ]
        self._key = netns.register_cleanup(self.stop)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)


def up(pair, dpd=False, **child_kw):
    """A tunnel A <-> B with start_action = start; returns (pings, capture of
    cleartext echoes) once the pings are seen sealed."""
    child = it.IkeChild("t", start_action="start", **child_kw)
    kw = {"dpd_delay": "2s"} if dpd else {}
    pair.configure([pair.conn(children=[child], **kw)])
    check_crosswise(pair)
    assert pair.a.ping(pair.addr_b)["received"] == 5, pair.diag()
    cap = pair.capture(echo_filter(pair))
    pings = Pings(pair)
    return pings, cap


def sealed_packets(host):
    return sum(s.get("packets", 0) for s in host.dp_sas())


def no_dp_sas(*hosts):
    return all(not h.dp_sas() for h in hosts)


def finish(pair, pings, cap, hosts, timeout, what):
    """Waits (pings running) until the datapaths of hosts hold no SA, lets
    the pings run 3 s more, and asserts the capture saw no cleartext."""
    it.wait_for(lambda: no_dp_sas(*hosts), timeout, f"{what}: SAs removed", pair.diag)
    time.sleep(3)
    pings.stop()
    n = cap.stop()
    n = n[0] if isinstance(n, tuple) else n
    assert n == 0, f"{what}: {n} cleartext echo packets between A and B on the wire\n" \
        f"{pair.diag()}"
    # the policies are still there, naming no SA
    for h in hosts:
        assert h.dp_policies(), f"{h.instance}: policies removed\n{pair.diag()}"


# ------------------------------------------------------------------ tests

def test_terminate_no_cleartext(ike_pair):
    pair = ike_pair()
    pings, cap = up(pair)
    time.sleep(1)
    assert sealed_packets(pair.a) > 0, pair.diag()
    pair.a.agent.terminate("c")
    finish(pair, pings, cap, (pair.a, pair.b), 15, "terminate")
    st = pair.a.agent.stats()
    assert st["datapath"]["sas"] == 0, st


def test_dpd_failure_no_cleartext(ike_pair):
    it.need_nft()
    pair = ike_pair()
    pings, cap = up(pair, dpd=True)
    # B's agent lives but hears nothing: both sides' DPD must fail.
    pair.b.ns.run(["nft", "-f", "-"], input="""
table inet xsdrop {
    chain in {
        type filter hook input priority -10; policy accept;
        udp dport { 500, 4500 } drop
    }
}
""")
    finish(pair, pings, cap, (pair.a, pair.b), 40, "DPD failure")
    assert pair.a.agent.alive() and pair.b.agent.alive()


def test_peer_crash_no_cleartext(ike_pair):
    pair = ike_pair()
    pings, cap = up(pair, dpd=True)
    pair.b.agent.kill9()
    # A's DPD fails and A removes its SAs; B's stay (nobody deletes them)
    # until their hard time limit.
    finish(pair, pings, cap, (pair.a,), 40, "peer agent killed")


@pytest.mark.parametrize("side", ["initiator", "responder"])
def test_agent_restart(ike_pair, side):
    """The killed agent is A's (the initiator: its start_action brings the
    tunnel back, B drops the old IKE SA on INITIAL_CONTACT) or B's (the
    responder: A's DPD fails and its dpd_action = restart brings it back).
    Either way no manual step, no cleartext, no "exists" refusal."""
    pair = ike_pair()
    if side == "initiator":
        pings, cap = up(pair)
        host = pair.a
    else:
        pings, cap = up(pair, dpd=True, dpd_action="restart")
        host = pair.b
    old_sas = it.dp_spis(host)
    host.agent.kill9()
    # the killed agent's SAs are still in its datapath
    assert it.dp_spis(host) == old_sas, pair.diag()
    log_before = len(host.agent.log_text())
    host.agent.start()
    it.wait_for(lambda: not (it.dp_spis(host) & old_sas) and
                it.established(pair.a.agent, "c") and it.established(pair.b.agent, "c"),
                40, "the tunnel back with new SAs", pair.diag)
    check_crosswise(pair)
    pings.stop()
    n = cap.stop()
    n = n[0] if isinstance(n, tuple) else n
    assert n == 0, f"{n} cleartext echo packets between A and B\n{pair.diag()}"
    assert pair.a.ping(pair.addr_b)["received"] == 5, pair.diag()
    assert pair.b.ping(pair.addr_a)["received"] == 5, pair.diag()
    log = host.agent.log_text()[log_before:]
    assert "exists" not in log, log
    assert "a previous agent left 2 SAs (removed)" in log, log


def test_sa_hard_lifetime(ike_pair):
    pair = ike_pair()
    child = it.IkeChild("t", start_action="start", rekey_time="60s", life_time="66s")
    pair.configure([pair.conn(children=[child])])
    check_crosswise(pair)
    for h in (pair.a, pair.b):
        sas = h.dp_sas()
        assert len(sas) == 2, pair.diag()
        for s in sas:
            hard = s["lifetime"]["hard"]["time"]
            assert 66 <= hard <= 66 + HARD_MARGIN_S, f"{h.instance}: {s}"


def test_orphan_sas_expire(ike_pair):
    """Issue #11 item 3: the SAs of an agent killed with kill -9 stop
    within the Child SA's life_time + the margin (they used to stay
    usable forever), and their flows stay dropped, not cleartext."""
    pair = ike_pair()
    life = 22
    pings, cap = up(pair, rekey_time="20s", life_time=f"{life}s", rand_time="1s")
    t0 = time.monotonic()
    pair.a.agent.kill9()
    pair.b.agent.kill9()
    it.wait_for(lambda: all(s["hard_expired"] for h in (pair.a, pair.b)
                            for s in h.dp_sas()),
                life + HARD_MARGIN_S + 15, "the orphaned SAs hard expired", pair.diag)
    took = time.monotonic() - t0
    print(f"orphans hard expired after {took:.1f}s (life {life}s + {HARD_MARGIN_S}s)")
    assert took >= life, "expired before the Child SA's life_time"
    time.sleep(2)
    pings.stop()
    n = cap.stop()
    n = n[0] if isinstance(n, tuple) else n
    assert n == 0, f"{n} cleartext echo packets between A and B\n{pair.diag()}"
    assert pair.a.ping(pair.addr_b, count=3, timeout=1)["received"] == 0, pair.diag()


def test_exit_keeps_unload_removes(ike_pair):
    """A clean exit (SIGTERM) removes the agent's SAs but keeps the
    policies (the datapath outlives the agent): the flows stay dropped.
    Unloading the connection (reload without it) is what removes them."""
    pair = ike_pair()
    pings, cap = up(pair)
    pols = {p["id"] for p in pair.a.dp_policies()}
    assert pols, pair.diag()
    pair.a.agent.stop()
    finish(pair, pings, cap, (pair.a,), 15, "A's agent stopped")
    assert {p["id"] for p in pair.a.dp_policies()} == pols, pair.diag()
    assert "policies stay in the datapath" in pair.a.agent.log_text()
    # an agent without the connection: what it adopted has no connection
    # name and stays; B's, whose connection goes by reload, are removed
    it.wait_for(lambda: not pair.b.dp_sas(), 40, "B's SAs gone (DELETE)", pair.diag)
    assert pair.b.dp_policies(), pair.diag()
    pair.b.agent.write_config([])
    pair.b.agent.reload()
    it.wait_for(lambda: not pair.b.dp_policies(), 5, "B's policies removed on unload",
                pair.diag)


# ------------------------------------------------------------------ logs

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} xdpsec-ike\[\d+\] "
                  r"(error|warning|info|debug): ")
# the state machine's events: connection, IKE SA serial and SPIs
EVENT = re.compile(r": c #\d+ [0-9a-f]{16}/[0-9a-f]{16}: IKE SA established")


def test_log_format_and_level(ike_pair):
    """Issue #11 item 8: every line of the agent's log has a time and a
    level, the state machine's events included (no bare `ike: ` lines),
    each naming the IKE SA; `--log-level warn` keeps info lines out; a
    level that does not exist is refused."""
    pair = ike_pair()
    bad = pair.a.ns.run([pair.a.agent.binary, "-i", pair.a.instance, "daemon", "--config",
                         "/nonexistent", "--foreground", "--log-level", "loud"], check=False)
    assert bad.returncode == 1 and "--log-level 'loud'" in bad.stderr, bad
    pair.a.agent.extra_args = ["--log-level", "warn"]
    pair.b.agent.extra_args = ["--log-level", "debug"]
    pair.configure([pair.conn(children=[it.IkeChild("t", start_action="start")])])
    check_crosswise(pair)
    log_b = pair.b.agent.log_text().splitlines()
    assert log_b and all(LINE.match(ln) for ln in log_b), "\n".join(log_b)
    assert any(EVENT.search(ln) for ln in log_b), "\n".join(log_b)
    assert any(" debug: " in ln for ln in log_b), "\n".join(log_b)
    log_a = pair.a.agent.log_text().splitlines()
    assert all(LINE.match(ln) for ln in log_a), "\n".join(log_a)
    assert not any(" info: " in ln or " debug: " in ln for ln in log_a), "\n".join(log_a)
