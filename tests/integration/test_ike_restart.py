# SPDX-License-Identifier: GPL-2.0-only
"""Issue #11 item 4: the datapath daemon restarts under an IKE tunnel.

A's xdpsec daemon is killed (kill -9) while pings run both ways through a
Child SA negotiated by the agents, then started and attached again (what
the systemd unit and README's restart procedure do). Nothing is asked of
the IKE agents: A's agent sees the daemon's new generation in the event
stream it subscribes to (ike/dp_events.c, dp_gen.c), rekeys every Child SA
into it, and the pings go sealed again. Checked from captures on the bridge between A and B:

* zero cleartext echo packets between A and B at any time;
* no (SPI, sequence number) and no (SPI, IV) pair twice on the wire;
* the new Child SA carries traffic with no manual IKE step.

Needs root, bpffs, build/xdpsec, build/xdpsec-ike, tcpdump.
"""
import collections
import time

from scapy.layers.ipsec import ESP
from scapy.packet import raw
from scapy.utils import rdpcap

import ike_topo as it

# The fixtures of test_ike.py (the agent binary, a pair on the test's link).
from test_ike import ike_pair, ike_bin  # noqa: F401
from test_ike_failclosed import echo_filter, up


def esp_keys(pcap):
    seqs, ivs = [], []
    for f in rdpcap(str(pcap)):
        esp = f.getlayer(ESP)
        if esp is None:
            continue
        seqs.append((esp.spi, esp.seq))
        ivs.append((esp.spi, raw(esp)[8:16]))
    return seqs, ivs


def repeats(keys):
    return {k: n for k, n in collections.Counter(keys).items() if n > 1}


def sealed_in(host):
    return sum(s.get("packets", 0) for s in host.dp_sas() if s.get("dir") == "in")


def test_daemon_kill9_ike_recovers(ike_pair, tmp_path):
    pair = ike_pair()
    pings, cap = up(pair)
    esp_pcap = tmp_path / "esp.pcap"
    esp_cap = pair.capture("esp", pcap=str(esp_pcap))
    time.sleep(1)
    gen0 = pair.a.daemon.cli("status", json_out=True)["generation"]
    spis0 = set(it.dp_spis(pair.a))
    assert spis0, pair.diag()

    pair.a.daemon.kill9()
    time.sleep(1)
    pair.a.daemon.start()
    pair.a.daemon.attach(pair.a.dev)
    gen1 = pair.a.daemon.cli("status", json_out=True)["generation"]
    assert gen1 != gen0

    # No IKE command: the agent re-installs on its own.
    it.wait_for(lambda: pair.a.dp_sas(), 30, "Child SA back in A's datapath", pair.diag)
    it.wait_for(lambda: sealed_in(pair.a) > 20, 30, "pings sealed again into A",
                pair.diag)
    assert set(it.dp_spis(pair.a)).isdisjoint(spis0), \
        f"A's datapath holds an SA of before the restart\n{pair.diag()}"
    assert "restarted" in pair.a.agent.log_text()
    time.sleep(2)
    pings.stop()
    n = cap.stop()
    n = n[0] if isinstance(n, tuple) else n
    esp_cap.stop()
    assert n == 0, f"{n} cleartext echo packets between A and B on the wire\n{pair.diag()}"
    seqs, ivs = esp_keys(esp_pcap)
    assert len(seqs) > 50, f"only {len(seqs)} ESP frames captured"
    assert not repeats(seqs), f"(SPI, seq) repeated on the wire: {list(repeats(seqs))[:5]}"
    assert not repeats(ivs), f"(SPI, IV) repeated on the wire: {list(repeats(ivs))[:5]}"
    # B still has a working Child SA with A: one ping answered both ways.
    assert pair.b.ping(pair.addr_a)["received"] >= 4, pair.diag()
