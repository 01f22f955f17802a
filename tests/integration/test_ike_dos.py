# SPDX-License-Identifier: GPL-2.0-only
"""The responder under a half-open flood from real addresses, and many IKE
SAs from one address (RFC 7296 §2.6, RFC 8019; docs/ike-config.md,
"Denial of service").

Topology (ike_topo.IkePair on a netns.Link): hosts A and B, each with its
xdpsec daemon and agent; B also answers anyone (a road-warrior connection
with remote_addrs = %any). An attacker namespace X on the same bridge owns
200 addresses of the link's subnet on its veth.

    test_half_open_flood   every X address sends IKE_SA_INIT, answers the
                           COOKIE with the cookie and never continues,
                           again every 2 s: B's half-open table is full
                           (100) and churns; A's agent, a legitimate
                           initiator, still gets its IKE SA and Child SA
                           and ping goes through the tunnel
    test_many_from_one     20 connections (distinct identities) from A's
                           one address all establish (no cap per address)
    test_many_behind_nat   the same through a masquerading NAT
                           (ike_topo.NatTopo): 20 IKE SAs from N's one
                           address and port, NAT-T, R accepting %any

Needs root, bpffs, build/xdpsec and build/xdpsec-ike. About 40 s.

Also run as a script inside X:

    ike_dos.py attack DST PREFIX FIRST COUNT --seconds S --every S

prints {"rounds", "real", "cookies", "real_with_cookie", "other"} as JSON.
"""
import json
import pathlib
import select
import socket
import struct
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

import ike_topo as it              # noqa: E402
import netns                       # noqa: E402
from netns import Netns, unique_name  # noqa: E402

N_COOKIE = 16390
PL_SA, PL_NOTIFY = 33, 41
HALF_OPEN_MAX = 100                # ike/ike_sa.h IKE_HALF_OPEN_MAX
ATTACKERS = 200
FIRST_HOST = 10                    # X owns PREFIX.10 .. PREFIX.209


# ------------------------------------------------------- the attacker (in X)

def with_cookie(msg, cookie):
    """msg (an IKE_SA_INIT request) with N(COOKIE) as its first payload
    (RFC 7296 §2.6), every other payload as it was."""
    first = msg[16]
    notify = struct.pack("!BBHBBH", first, 0, 8 + len(cookie), 0, 0, N_COOKIE) + cookie
    body = msg[28:]
    hdr = bytearray(msg[:28])
    hdr[16] = PL_NOTIFY
    struct.pack_into("!I", hdr, 24, 28 + len(notify) + len(body))
    return bytes(hdr) + notify + body


def payloads(msg):
    """[(type, body)] of an unencrypted IKE message; [] if malformed."""
    out, nxt, off = [], msg[16], 28
    while nxt and off + 4 <= len(msg):
        n2, _, ln = struct.unpack_from("!BBH", msg, off)
        if ln < 4 or off + ln > len(msg):
            return []
        out.append((nxt, msg[off + 4:off + ln]))
        nxt, off = n2, off + ln
    return out


def _attack(dst, prefix, first, count, seconds, every):
    socks = {}
    for h in range(first, first + count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((f"{prefix}.{h}", 0))
        s.setblocking(False)
        socks[s.fileno()] = s
    tot = {"rounds": 0, "real": 0, "cookies": 0, "real_with_cookie": 0, "other": 0}
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        tot["rounds"] += 1
        sent = {}
        for fd, s in socks.items():
            m = it.init_request()
            sent[fd] = m
            s.sendto(m, (dst, 500))
        deadline = time.monotonic() + every
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select(list(socks), [], [], left)
            for fd in ready:
                try:
                    data = socks[fd].recv(65536)
                except BlockingIOError:
                    continue
                pls = payloads(data)
                cookie = [b[4:] for t, b in pls
                          if t == PL_NOTIFY and len(b) >= 4 and
                          struct.unpack_from("!H", b, 2)[0] == N_COOKIE]
                if any(t == PL_SA for t, _ in pls):
                    # a real answer: a half-open SA we never continue
                    tot["real_with_cookie" if fd not in sent else "real"] += 1
                    sent.pop(fd, None)
                elif cookie and fd in sent:
                    tot["cookies"] += 1
                    socks[fd].sendto(with_cookie(sent.pop(fd), cookie[0]), (dst, 500))
                else:
                    tot["other"] += 1
    print(json.dumps(tot), flush=True)


def attack(ns, dst, prefix, first, count, seconds, every):
    """Starts the attacker in ns; returns the Popen (JSON on stdout)."""
    p = subprocess.Popen(ns.cmd([netns.PYTHON, str(HERE), "attack", dst, prefix, first,
                                 count, "--seconds", seconds, "--every", every]),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    netns.register_cleanup(lambda: p.poll() is None and (p.kill(), p.wait(10)))
    return p


# ----------------------------------------------------------------- fixtures

if __name__ != "__main__":
    import pytest

    @pytest.fixture
    def ike_pair(link, build_dir, xdpsec_bin, tmp_path):
        if not it.agent_path(build_dir).exists():
            pytest.fail("build/xdpsec-ike missing: run `make`")
        made = []

        def make(**kw):
            p = it.IkePair(link, build_dir, tmp_path, **kw)
            made.append(p)
            return p

        yield make
        for p in made:
            p.stop()

    @pytest.fixture
    def attacker_ns(link):
        """X: a namespace on the link's bridge owning ATTACKERS addresses."""
        tag = link.a.name.rsplit("-", 1)[0].rsplit("-", 1)[-1]
        x = Netns(unique_name(f"{tag}-x"))
        try:
            netns.sh(["ip", "link", "add", "x0", "netns", x.name, "type", "veth",
                      "peer", "name", "mxx", "netns", link.m.name])
            link.m.run(["ip", "link", "set", "mxx", "master", "br0", "up"])
            x.run(["ip", "link", "set", "x0", "up"])
            prefix = link.v4[0].rsplit(".", 1)[0]
            batch = "".join(f"addr add {prefix}.{h}/24 dev x0\n"
                            for h in range(FIRST_HOST, FIRST_HOST + ATTACKERS))
            x.run(["ip", "-batch", "-"], input=batch)
            yield x, prefix
        finally:
            x.delete()


def delta(before, after, name):
    return int(after["ike"].get(name, 0)) - int(before["ike"].get(name, 0))


# -------------------------------------------------------------------- tests

def test_half_open_flood(ike_pair, attacker_ns):
    x, prefix = attacker_ns
    pair = ike_pair()
    conn = pair.conn(children=[it.IkeChild("t")])
    rw = it.IkeConn("rw", pair.addr_b, None, it.new_psk(), local_id="b.example.org",
                    remote_id="rw.example.org", children=[it.IkeChild("rw")])
    pair.configure([conn], [conn.mirrored(), rw])
    before = pair.b.agent.stats()
    # rounds every 2 s for 16 s: the half-open SAs are held all along
    # (they would otherwise expire after IKE_HALF_OPEN_PRESSURE_MS)
    flood = attack(x, pair.addr_b, prefix, FIRST_HOST, ATTACKERS, 16, 2)
    try:
        full = it.wait_for(
            lambda: (int(pair.b.agent.stats()["ike"]["half_open"]) >= HALF_OPEN_MAX
                     and pair.b.agent.stats()),
            10, "B's half-open table full", pair.diag)
        # the legitimate initiator, while the table is full and churning
        t0 = time.monotonic()
        pair.a.agent.initiate("c")
        sa_a = it.wait_established(pair.a.agent, "c", 1, 12, pair.diag)
        took = time.monotonic() - t0
        it.wait_established(pair.b.agent, "c", 1, 5, pair.diag)
        ping = pair.a.ping(pair.addr_b)
        out, err = flood.communicate(timeout=40)
    finally:
        if flood.poll() is None:
            flood.kill()
    tot = json.loads(out.strip().splitlines()[-1])
    after = pair.b.agent.stats()
    report = (f"attacker {tot}; B during: half_open {full['ike']['half_open']}; "
              f"B deltas: cookie_sent {delta(before, after, 'cookie_sent')} "
              f"half_open_evicted {delta(before, after, 'half_open_evicted')} "
              f"half_open_expired {delta(before, after, 'half_open_expired')} "
              f"drop_half_open {delta(before, after, 'drop_half_open')} "
              f"drop_half_open_peer {delta(before, after, 'drop_half_open_peer')}; "
              f"legitimate IKE SA + Child SA in {took:.2f} s")
    print(report)
    # the attack was real: every address held a half-open SA, most of
    # them after returning a cookie (§2.6), and they displaced each other
    assert tot["other"] == 0, report
    assert tot["real"] + tot["real_with_cookie"] >= ATTACKERS, report
    assert tot["real_with_cookie"] >= ATTACKERS - HALF_OPEN_MAX, report
    assert delta(before, after, "half_open_evicted") >= ATTACKERS - HALF_OPEN_MAX, report
    assert int(full["ike"]["half_open"]) == HALF_OPEN_MAX, report
    # fail closed, never beyond the table
    assert int(after["ike"]["half_open"]) <= HALF_OPEN_MAX, report
    # the legitimate peer got through and its Child SA carries traffic
    assert sa_a["children"], pair.diag()
    assert ping["received"] == 5, f"{report}\n{ping}\n{pair.diag()}"


def test_many_from_one(ike_pair):
    """20 IKE SAs from one address, as 20 users behind one NAT would make:
    no per-address cap (the agent used to allow 16)."""
    pair = ike_pair()
    conns = []
    for i in range(20):
        ch = it.IkeChild(f"t{i}", local_ts=(f"10.88.{i}.0/24",),
                         remote_ts=(f"10.99.{i}.0/24",), start_action="start")
        conns.append(pair.conn(name=f"c{i}", local_id=f"u{i}.example.org",
                               remote_id="b.example.org", children=[ch]))
    pair.configure(conns)
    it.wait_for(lambda: len(it.established(pair.b.agent)) == 20, 30,
                "20 established IKE SAs at B", pair.diag)
    sas = it.established(pair.b.agent)
    assert {s["remote"] for s in sas} == {sas[0]["remote"]}, sas
    assert len({(s["spi_i"], s["spi_r"]) for s in sas}) == 20, sas
    assert len(it.established(pair.a.agent)) == 20, pair.diag()


def test_many_behind_nat(bpffs, build_dir, xdpsec_bin, tmp_path):
    """20 IKE SAs through one masquerading NAT (one public address and
    port at R, NAT-T): R's connections accept %any, one identity each."""
    nat = it.NatTopo(build_dir, tmp_path)
    try:
        conns_i, conns_r = [], []
        for i in range(20):
            psk = it.new_psk()
            ch = it.IkeChild(f"t{i}", local_ts=(f"10.88.{i}.0/24",),
                             remote_ts=(f"10.99.{i}.0/24",), start_action="start")
            ci = it.IkeConn(f"c{i}", nat.addr_i, nat.addr_r, psk,
                            local_id=f"u{i}.example.org", remote_id="r.example.org",
                            children=[ch])
            conns_i.append(ci)
            conns_r.append(ci.mirrored(remote_addr=None))
        nat.hr.start_agent(conns_r)
        nat.hi.start_agent(conns_i)
        it.wait_for(lambda: len(it.established(nat.hr.agent)) == 20, 30,
                    "20 established IKE SAs at R", nat.diag)
        sas = it.established(nat.hr.agent)
        assert {s["remote"] for s in sas} == {nat.addr_n_r}, sas
        assert all(s["nat_remote"] for s in sas), sas
        assert {s["conn"] for s in sas} == {f"c{i}" for i in range(20)}, sas
    finally:
        nat.delete()


if __name__ == "__main__":
    import argparse
    import atexit
    atexit.unregister(netns._cleanup_all)
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("attack")
    p.add_argument("dst")
    p.add_argument("prefix")
    p.add_argument("first", type=int)
    p.add_argument("count", type=int)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--every", type=float, default=2)
    a = ap.parse_args()
    _attack(a.dst, a.prefix, a.first, a.count, a.seconds, a.every)
