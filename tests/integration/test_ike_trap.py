# SPDX-License-Identifier: GPL-2.0-only
"""Issue #11 item 8: `start_action = trap` brings a tunnel up from the first
packet.

A's child has start_action = trap. At load the agent puts the child's
selectors into A's datapath as PROTECT policies without an SA: nothing is
negotiated until traffic comes. The first ping from A to B meets the trap
policy, is dropped (never sent in clear) and reported by the datapath as
an acquire event (`xdpsec monitor`, ike/dp_events.c); the agent maps the
policy to the child and initiates. Within a few seconds the IKE SA and
Child SA are established and the later pings pass sealed. A capture on the
bridge between A and B shows zero cleartext echo packets throughout.

Needs root, bpffs, build/xdpsec, build/xdpsec-ike, tcpdump.
"""
import time

import ike_topo as it

from test_ike import ike_pair, ike_bin  # noqa: F401
from test_ike_failclosed import echo_filter, sealed_packets


def test_trap_brings_tunnel_up(ike_pair):
    pair = ike_pair()
    child = it.IkeChild("t", start_action="trap")
    pair.configure([pair.conn(children=[child])])
    # The trap: A's outbound PROTECT policy, no SA behind it, no IKE SA.
    traps = it.wait_for(
        lambda: [p for p in pair.a.dp_policies()
                 if p["dir"] == "out" and p["action"] == "protect" and int(p["spi"], 16) == 0],
        10, "A's trap policy", pair.diag)
    assert traps, pair.diag()
    time.sleep(2)
    assert pair.a.agent.list_sas() == [], pair.diag()
    assert pair.b.agent.list_sas() == [], pair.diag()
    assert pair.a.dp_sas() == [], pair.diag()

    cap = pair.capture(echo_filter(pair))
    try:
        first = pair.a.ping(pair.addr_b, count=1, timeout=1)
        # The first packet was the trigger: dropped, the exchange follows.
        it.wait_established(pair.a.agent, "c", timeout=10, diag=pair.diag)
        it.wait_established(pair.b.agent, "c", timeout=10, diag=pair.diag)
        r = pair.a.ping(pair.addr_b, count=10, interval=0.1, timeout=2)
    finally:
        n = cap.stop()
    n = n[0] if isinstance(n, tuple) else n
    assert first["received"] <= 1
    assert r["received"] >= 9, f"{r}\n{pair.diag()}"
    assert sealed_packets(pair.a) >= 9 and sealed_packets(pair.b) >= 9, pair.diag()
    assert n == 0, f"{n} cleartext echo packets between A and B on the wire\n{pair.diag()}"
    # One Child SA, on the trap's policy (taken over, not added beside it).
    outs = [p for p in pair.a.dp_policies() if p["dir"] == "out" and p["action"] == "protect"]
    assert len(outs) == len(traps) and all(int(p["spi"], 16) for p in outs), outs
    assert pair.a.agent.stats()["ike"]["acquire"] >= 1, pair.a.agent.stats()
