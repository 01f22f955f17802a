"""`xdpsec monitor`: the daemon's event stream (issues #10, #11).

    client -- gateway A ==== gateway B -- server      (topo.SiteToSite, IPv4)

A monitor started in the background on gateway A sees, in order of
happening: the daemon's generation first, an SA added, the soft and hard
time lifetimes of a short-lived SA, the SA deleted, a policy added and
deleted, and an acquire when the client's ping meets A's outbound PROTECT
policy after its SA is gone; packet lifetimes reached by sealed pings. `-j monitor` prints the same as one JSON
object per line. A subscriber that never reads is dropped once its queue
is full and never holds up `status` or the other subscribers.
Needs root, bpffs, build/xdpsec.
"""
import json
import re
import socket
import struct
import time

import pytest

import netns
import topo


@pytest.fixture
def site(bpffs, xdpsec_bin, tmp_path):
    s = topo.SiteToSite(4, xdpsec_bin, tmp_path)
    yield s
    s.delete()


def monitor(daemon, json_out=False):
    args = [daemon.binary, "-i", daemon.instance] + (["-j"] if json_out else []) + ["monitor"]
    return netns.LineProc(daemon.ns.popen(args))


def want(mon, pattern, timeout=10):
    line = mon.wait_line(lambda s: re.search(pattern, s) is not None, timeout)
    assert line is not None, f"no line matching {pattern!r}: {mon.describe()}"
    return line


def out_policy(daemon):
    for p in daemon.cli("policy", "list", json_out=True) or []:
        if p["dir"] == "out" and p["action"] == "protect":
            return p
    raise KeyError("out")


def short_sa(daemon, t, spi):
    daemon.cli("sa", "add", "src", t.outer_a, "dst", t.outer_b, "proto", "esp", "spi",
               hex(spi), "mode", "tunnel", "dir", "out", *topo.gcm_words(topo.gcm_keys()),
               "limit", "time-soft", "1", "limit", "time-hard", "2")


def test_monitor_text(site):
    t = site.tunnel
    gen = t.da.cli("status", json_out=True)["generation"]
    mon = monitor(t.da)
    try:
        assert want(mon, r"^generation ") == f"generation {gen}"
        assert mon.lines[0] == f"generation {gen}", mon.lines
        spi = t.spi_ab + 0x100
        short_sa(t.da, t, spi)
        s = f"spi 0x{spi:08x} proto esp dir out"
        want(mon, rf"^sa add {s} reqid \d+ src {re.escape(t.outer_a)} "
                  rf"dst {re.escape(t.outer_b)}$")
        want(mon, rf"^sa expire soft time {s} ")
        want(mon, rf"^sa expire hard time {s} ")
        t.da.cli("sa", "del", "spi", hex(spi), "dir", "out")
        want(mon, rf"^sa del {s} ")
        t.da.cli("policy", "add", "src", "10.99.0.0/16", "dst", "10.98.0.0/16", "dir",
                 "out", "action", "bypass")
        line = want(mon, r"^policy add id \d+ dir out action bypass src 10.99.0.0/16 "
                         r"dst 10.98.0.0/16$")
        pid = int(line.split()[3])
        t.da.cli("policy", "del", "id", pid)
        want(mon, rf"^policy del id {pid} ")
        # The outbound SA goes: its policy traps, the ping makes an acquire.
        pol = out_policy(t.da)
        t.da.cli("sa", "del", "spi", hex(t.spi_ab), "dir", "out")
        r = site.client.ping(site.server_addr, count=3, interval=0.2, timeout=1)
        assert r["received"] == 0, r
        want(mon, rf"^acquire policy {pol['id']} src {re.escape(site.client_addr)} "
                  rf"dst {re.escape(site.server_addr)} proto 1 ")
        # Order: what happened first is printed first.
        kinds = [ln.split()[0] + " " + ln.split()[1] for ln in mon.lines]
        assert kinds.index("sa add") < kinds.index("sa expire") < kinds.index("sa del"), kinds
        assert mon.proc.poll() is None, mon.describe()
    finally:
        mon.signal(15)
        mon.proc.wait(10)


def test_monitor_json(site):
    t = site.tunnel
    gen = t.da.cli("status", json_out=True)["generation"]
    mon = monitor(t.da, json_out=True)
    try:
        want(mon, r'"event":"generation"')
        spi = t.spi_ab + 0x200
        short_sa(t.da, t, spi)
        want(mon, r'"event":"expire","level":"hard"')
        t.da.cli("sa", "del", "spi", hex(spi), "dir", "out")
        want(mon, r'"event":"sa","action":"del"')
        events = [json.loads(ln) for ln in mon.lines]   # every line is JSON
        assert events[0] == {"event": "generation", "generation": gen}, events
        hexspi = f"0x{spi:08x}"
        mine = [e for e in events if e.get("spi") == hexspi]
        assert [(e["event"], e.get("action"), e.get("level"), e.get("limit"))
                for e in mine] == [("sa", "add", None, None),
                                   ("expire", None, "soft", "time"),
                                   ("expire", None, "hard", "time"),
                                   ("sa", "del", None, None)], mine
        assert all(e["dir"] == "out" and e["proto"] == "esp" for e in mine), mine
    finally:
        mon.signal(15)
        mon.proc.wait(10)


def test_slow_subscriber_dropped(site, tmp_path):
    """A subscriber that never reads: its events queue up to a bound, then
    the daemon drops it. Meanwhile `status` answers and a reading monitor
    gets every event."""
    t = site.tunnel
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.connect(f"/run/xdpsec/{t.da.instance}.sock")
    slow.sendall(struct.pack("<I", 1) + b"monitor\0")
    mon = monitor(t.da)
    try:
        want(mon, r"^generation ")
        # ~650 kB of events (more than the queue bound plus the socket
        # buffer), a batch of policy adds and deletes.
        n = 4000
        batch = tmp_path / "flood.batch"
        batch.write_text("".join(
            f"policy add src 10.{90 + i // 250}.{i % 250}.0/24 dst 10.200.0.0/16 dir out "
            f"action bypass\n" for i in range(n)))
        started = time.monotonic()
        p = t.da.ns.run([t.da.binary, "-i", t.da.instance, "-batch", batch], timeout=300)
        assert p.returncode == 0, p.stderr
        st = t.da.cli("status", json_out=True, timeout=5)
        assert st["instance"] == t.da.instance
        t.da.cli("policy", "flush", "dir", "out")
        want(mon, r"^policy del id ", timeout=30)
        adds = [ln for ln in mon.lines if ln.startswith("policy add ")]
        assert len(adds) == n, (len(adds), mon.describe())
        # The slow one was dropped: what was queued, then end of stream.
        slow.settimeout(30)
        got = 0
        while True:
            b = slow.recv(65536)
            if not b:
                break
            got += len(b)
        assert 0 < got < n * 100, got
        assert time.monotonic() - started < 300
    finally:
        slow.close()
        mon.signal(15)
        mon.proc.wait(10)


def test_monitor_packet_limits(site):
    """Volume lifetimes: A's outbound policy switched to an SA with packet
    limits; the pings it seals reach them, and the monitor names them."""
    t = site.tunnel
    spi = t.spi_ab + 0x300
    t.da.cli("sa", "add", "src", t.outer_a, "dst", t.outer_b, "proto", "esp", "spi",
             hex(spi), "mode", "tunnel", "dir", "out", *topo.gcm_words(topo.gcm_keys()),
             "limit", "packet-soft", "3", "limit", "packet-hard", "6")
    mon = monitor(t.da)
    try:
        want(mon, r"^generation ")
        t.da.cli("policy", "update", "id", out_policy(t.da)["id"], "spi", hex(spi))
        site.client.ping(site.server_addr, count=8, interval=0.1, timeout=1)
        s = f"spi 0x{spi:08x} proto esp dir out"
        want(mon, rf"^sa expire soft packets {s} ")
        want(mon, rf"^sa expire hard packets {s} ")
        assert topo.sa_packets(t.da, spi, "out") == 6, t.da.cli("sa", "list")
        assert len([ln for ln in mon.lines if ln.startswith("sa expire")]) == 2, mon.lines
    finally:
        mon.signal(15)
        mon.proc.wait(10)
