# SPDX-License-Identifier: GPL-2.0-only
"""A datapath daemon restart loses no protection (issue #11, item 1).

    A (xdpsec) ==== bridge M (capture, replaying attacker) ==== B (xdpsec)

Static SAs (ESP tunnel, AES-GCM) both ways, UDP flows both ways. A's daemon
gets SIGKILL, is started again and its SAs are re-added exactly as
README.md's restart procedure says (the same `sa add` commands, keys and
all). Before the fix the outbound SA started again at sequence number 1:
(SPI, IV) pairs repeated under one GCM key, B dropped everything as
outside its window, and frames captured before the restart, replayed to
A, were accepted. Now, from a capture on the bridge: no (SPI, sequence
number) and no (SPI, IV) pair is on the wire twice, both flows resume,
and every frame A had accepted before the restart, replayed from the
bridge namespace, is dropped and counted and never delivered.

Needs root, bpffs, build/xdpsec (XS_BUILD may name another build).
Runtime: about 30 seconds.
"""
import collections
import time

import netns

from scapy.compat import raw
from scapy.layers.ipsec import ESP
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap

PORT_AB = 5101      # flow A -> B (A's outbound SA)
PORT_BA = 5102      # flow B -> A (A's inbound SA)


def seqs(proc):
    return [int(ln.split()[1]) for ln in list(proc.lines) if ln.startswith("seq ")]


def max_seq(proc):
    s = seqs(proc)
    return max(s) if s else -1


def wait_for(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def esp_frames(pcap):
    """(timestamp, spi, seq, iv, frame) of every ESP frame in pcap."""
    out = []
    for f in rdpcap(pcap):
        esp = f.getlayer(ESP)
        if esp is None:
            continue
        out.append((float(f.time), esp.spi, esp.seq, raw(esp)[8:16], f))
    return out


def repeats(pairs):
    return {k: n for k, n in collections.Counter(pairs).items() if n > 1}


def sa_drops(daemon, spi, direction, names=("replayed", "outside_window")):
    for s in daemon.cli("sa", "list", json_out=True):
        if int(s["spi"], 16) == spi and s["dir"] == direction:
            return sum(int(s["drops"].get(n, 0)) for n in names), s
    raise KeyError(f"no SA {spi:#x} {direction}")


def start_flow(src, dst, addr, port, pps=300):
    recv = dst.helper("udp-recv", port, "--stream")
    recv.wait_ready()
    send = src.helper("udp-send", addr, port, 0, "--size", 400, "--pps", pps)
    send.wait_ready()
    return recv, send


def stop(*procs):
    for p in procs:
        p.signal(15)
    for p in procs:
        p.finish(15)


def test_kill9_restart_static_sas(ipsec_pair, tmp_path):
    pair = ipsec_pair(mode="esp-tunnel", family=4, alg="gcm")
    lk, da, db = pair.link, pair.da, pair.db
    # The wire, on the bridge port facing B: it sees both directions, not
    # the replay (injected on the port facing A). The frames B sent A
    # before the restart, on the port facing A.
    wire_pcap, old_pcap = str(tmp_path / "wire.pcap"), str(tmp_path / "old.pcap")
    wire = lk.capture("esp", pcap=wire_pcap, side="b")
    old_cap = lk.capture(f"esp and src host {pair.addr_b}", pcap=old_pcap, side="a")
    recv_b, send_a = start_flow(lk.a, lk.b, pair.addr_b, PORT_AB)
    recv_a, send_b = start_flow(lk.b, lk.a, pair.addr_a, PORT_BA)
    assert wait_for(lambda: len(seqs(recv_b)) >= 600 and len(seqs(recv_a)) >= 600, 20), \
        f"flows did not start: {recv_b.describe()} {recv_a.describe()}\n{pair.diag()}"
    # B -> A stops first: A has taken every one of those frames before it
    # dies, and after the restart its window has seen nothing newer, so a
    # replay is exactly what the issue reproduced.
    stop(send_b)
    time.sleep(0.5)
    old_cap.stop()
    old = [f[4] for f in esp_frames(old_pcap) if f[1] == pair.spi_ba]
    assert len(old) >= 600, len(old)
    got_a = len(seqs(recv_a))

    gen0 = da.cli("status", json_out=True)["generation"]
    da.kill9()
    time.sleep(1.0)

    # README.md, "Restarting the daemon": start, attach (the policies come
    # back from the pinned store), the same `sa add` commands as before.
    da.start()
    da.attach(lk.dev_a)
    pair.add_sas(side="a")
    gen1 = da.cli("status", json_out=True)["generation"]
    assert gen1 != gen0, "the generation did not change across the restart"

    # Replay, from the bridge namespace, onto A's wire.
    drops0, _ = sa_drops(da, pair.spi_ba, "in")
    lk.inject([Ether(raw(f)) for f in old], side="to_a")
    time.sleep(1.5)
    drops1, sa_after = sa_drops(da, pair.spi_ba, "in")
    delivered = len(seqs(recv_a)) - got_a
    assert delivered == 0, f"{delivered} of {len(old)} replayed frames delivered to A"
    assert drops1 - drops0 == len(old), \
        f"replayed {len(old)}, counted {drops1 - drops0}: {sa_after['drops']}\n{pair.diag()}"
    assert int(sa_after["drops"].get("replayed", 0)) > 0, sa_after["drops"]

    # Traffic resumes both ways (B's sender starts again; A's never stopped).
    send_b = lk.b.helper("udp-send", pair.addr_a, PORT_BA, 0, "--size", 400, "--pps", 300)
    send_b.wait_ready()
    got_b = max_seq(recv_b)
    assert wait_for(lambda: max_seq(recv_b) > got_b + 300 and
                    len(seqs(recv_a)) > got_a + 300, 20), \
        (f"flows did not resume: A->B {got_b} -> {max_seq(recv_b)}, B->A {got_a} -> "
         f"{len(seqs(recv_a))}\n{pair.diag()}\n{da.log_text()}")
    stop(send_a, send_b)
    time.sleep(0.5)
    stop(recv_a, recv_b)
    wire.stop()

    # The wire: no (SPI, sequence number), no (SPI, IV) twice.
    frames = esp_frames(wire_pcap)
    by_spi = collections.Counter(f[1] for f in frames)
    assert by_spi[pair.spi_ab] >= 900 and by_spi[pair.spi_ba] >= 900, by_spi
    dup_seq = repeats((f[1], f[2]) for f in frames)
    dup_iv = repeats((f[1], f[3]) for f in frames)
    assert not dup_seq, f"{len(dup_seq)} (SPI, seq) pairs repeated, e.g. {list(dup_seq)[:5]}"
    assert not dup_iv, f"{len(dup_iv)} (SPI, IV) pairs repeated, e.g. {list(dup_iv)[:5]}"
    # B took A's packets after the restart: its window was not left behind.
    b_in = pair.sa_info(db, pair.spi_ab, "in")
    assert int(b_in["drops"].get("outside_window", 0)) == 0, b_in

    # What A says about it: both SAs resumed, the inbound one above every
    # frame replayed.
    out_sa = pair.sa_info(da, pair.spi_ab, "out")
    in_sa = pair.sa_info(da, pair.spi_ba, "in")
    assert out_sa["resumed_seq"] is not None and in_sa["resumed_seq"] is not None, \
        (out_sa, in_sa)
    assert in_sa["resumed_seq"] >= max(f[ESP].seq for f in old), in_sa
    assert f"spi 0x{pair.spi_ab:08x} dir out resumed seq" in da.log_text(), da.log_text()
