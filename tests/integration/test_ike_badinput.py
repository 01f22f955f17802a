# SPDX-License-Identifier: GPL-2.0-only
"""Bad input to a responder that carries an established tunnel.

Topology: hosts A and B of a netns.Link (ike_topo.IkePair: xdpsec + agent
on each, A initiated a tunnel-mode Child SA), plus a third host C on the
same bridge with only an agent. One environment serves the whole module:
every test sends its bad input to B's UDP 500 (from C, port 40500) while a
200 pps UDP stream A -> B runs through the tunnel, then checks that

  - B's agent is alive and still holds the very same IKE SA and Child SA,
  - the stream lost nothing and ping A -> B works,
  - B's counters (`xdpsec-ike stats`) counted what it dropped.

    test_truncated_chains          payload chains cut short (7 datagrams)
    test_lying_lengths             payload / header / substructure lengths
                                   that lie (10 datagrams)
    test_unknown_critical_payload  an unknown payload with the critical bit
                                   in an IKE_SA_INIT request is answered
                                   with UNSUPPORTED_CRITICAL_PAYLOAD naming
                                   its type (RFC 7296 §2.5, §3.2); without
                                   the bit it is skipped and the request
                                   answered normally; in a message of an
                                   unknown IKE SA it is dropped silently
    test_wrong_psk                 C initiates with the wrong PSK: B counts
                                   AUTHENTICATION_FAILED, C ends up with no
                                   SA, nothing reaches B's datapath
    test_init_flood_cookies        200 IKE_SA_INIT requests with random SPIs
                                   from one address (C): once the half-open SAs
                                   reach the threshold (IKE_HALF_OPEN_COOKIE
                                   = 10 in ike/ike_sa.h) every answer is a
                                   COOKIE notify (§2.6); a request that
                                   returns the cookie gets a real answer

Datagrams are built byte by byte here (struct) so that lengths can lie;
answers are dissected with scapy's IKEv2 layer. Needs root, bpffs,
build/xdpsec and build/xdpsec-ike. About 1 minute.
"""
import json
import secrets
import struct
import time

import pytest

import ike_topo as it
import netns

from scapy.contrib.ikev2 import IKEv2, IKEv2_payload_Notify, IKEv2_payload_SA

UDP_PORT = 5331
PROBE_SPORT = 40500

# Payload types (RFC 7296 §3.2) and notify types (§3.10.1).
PL_SA, PL_KE, PL_NONCE, PL_NOTIFY, PL_SK = 33, 34, 40, 41, 46
N_UNSUPPORTED_CRITICAL_PAYLOAD, N_COOKIE = 1, 16390
EXCH_IKE_SA_INIT, EXCH_INFORMATIONAL = 34, 37
FLAG_INITIATOR, FLAG_RESPONSE = 0x08, 0x20
HALF_OPEN_COOKIE = 10


# ------------------------------------------------------------ message bytes

def transform(last, ttype, tid, keylen=None):
    """§3.3.2 Transform Substructure (with a Key Length attribute)."""
    attrs = struct.pack("!HH", 0x800E, keylen) if keylen else b""
    return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0, tid) + attrs


def proposal(xforms, num=1, length=None, n_xforms=None):
    """§3.3.1 Proposal Substructure, protocol IKE, no SPI."""
    body = b"".join(xforms)
    return struct.pack("!BBHBBBB", 0, 0, 8 + len(body) if length is None else length, num, 1,
                       0, len(xforms) if n_xforms is None else n_xforms) + body


def ike_xforms():
    # AES-GCM-16 128, PRF_HMAC_SHA2_256, Curve25519: B's proposal.
    return [transform(False, 1, 20, 128), transform(False, 2, 5), transform(True, 4, 31)]


def chain(items):
    """Payloads (type, body[, critical[, length]]) chained by Next Payload;
    returns (first type, bytes)."""
    out = b""
    for i, item in enumerate(items):
        body = item[1]
        crit = item[2] if len(item) > 2 else False
        length = item[3] if len(item) > 3 else 4 + len(body)
        nxt = items[i + 1][0] if i + 1 < len(items) else 0
        out += struct.pack("!BBH", nxt, 0x80 if crit else 0, length) + body
    return (items[0][0] if items else 0), out


def header(spi_i, first, body, exch=EXCH_IKE_SA_INIT, flags=FLAG_INITIATOR, msgid=0,
           spi_r=0, length=None):
    """§3.1 IKE header + body; length defaults to the real one."""
    return struct.pack("!8s8sBBBBII", spi_i, spi_r.to_bytes(8, "big") if isinstance(spi_r, int)
                       else spi_r, first, 0x20, exch, flags, msgid,
                       28 + len(body) if length is None else length) + body


class Init:
    """One IKE_SA_INIT request: SPI, KE and nonce kept so that it can be
    sent again (with a cookie)."""

    def __init__(self):
        self.spi = secrets.token_bytes(8)
        self.pub = secrets.token_bytes(32)
        self.nonce = secrets.token_bytes(32)

    def items(self, extra=(), cookie=None, before=()):
        items = []
        if cookie is not None:
            items.append((PL_NOTIFY, struct.pack("!BBH", 0, 0, N_COOKIE) + cookie))
        items += list(before)
        items += [(PL_SA, proposal(ike_xforms())),
                  (PL_KE, struct.pack("!HH", 31, 0) + self.pub),
                  (PL_NONCE, self.nonce)]
        return items + list(extra)

    def bytes(self, **kw):
        first, body = chain(self.items(**kw))
        return header(self.spi, first, body)


# ---------------------------------------------------------------- answers

def dissect(data):
    """(IKEv2 header, [payloads]) of an answer, via scapy."""
    m = IKEv2(data)
    pls = []
    p = m.payload
    while p is not None and p.__class__.__name__ != "NoPayload":
        pls.append(p)
        p = p.payload
    return m, pls


def notifies(pls):
    return [(int(p.type), bytes(p.load or b"")) for p in pls
            if isinstance(p, IKEv2_payload_Notify)]


def has_sa(pls):
    return any(isinstance(p, IKEv2_payload_SA) for p in pls)


def summarize(answers):
    out = []
    for got in answers:
        for d in got:
            try:
                m, pls = dissect(d)
                out.append({"exch": int(m.exch_type), "flags": int(m.flags),
                            "payloads": [p.__class__.__name__ for p in pls],
                            "notify": notifies(pls)})
            except Exception as e:
                out.append({"undissectable": d[:40].hex(), "error": str(e)})
    return out


# ------------------------------------------------------------ environment

class Env:
    def __init__(self, link, pair, c_host, conn_name="c"):
        self.link, self.pair, self.c = link, pair, c_host
        self.conn = conn_name
        sa = it.wait_established(pair.b.agent, conn_name, 1, 20, pair.diag)
        self.ike = (sa["spi_i"], sa["spi_r"])
        self.child = (sa["children"][0]["spi_in"], sa["children"][0]["spi_out"])

    def diag(self):
        return self.pair.diag() + "\n" + self.c.diag()

    def stats(self):
        return self.pair.b.agent.stats()

    def probe(self, datagrams, wait=0.3):
        # From C: between A and B every flow is protected, and B's answers
        # to an ephemeral port of A would be cleartext of a protected flow
        # (A's inbound SPD drops them; only UDP to 500/4500 is IKE there).
        return it.udp_probe(self.c.ns, self.pair.addr_b, datagrams, port=500,
                            sport=PROBE_SPORT, wait=wait)

    def healthy(self):
        """B's agent alive with the same IKE SA and Child SA; ping works."""
        b = self.pair.b
        assert b.agent.alive(), f"B's agent died:\n{b.agent.log_tail()}"
        assert self.pair.a.agent.alive(), "A's agent died"
        # (half-open SAs the probes made are listed as "connecting")
        sas = [s for s in b.agent.list_sas() if s["state"] != "connecting"]
        assert len(sas) == 1 and (sas[0]["spi_i"], sas[0]["spi_r"]) == self.ike and \
            sas[0]["state"] == "established", f"B's IKE SA changed: {json.dumps(sas)}"
        ch = sas[0]["children"]
        assert len(ch) == 1 and (ch[0]["spi_in"], ch[0]["spi_out"]) == self.child, ch
        r = self.pair.a.ping(self.pair.addr_b, count=5, interval=0.05)
        assert r["received"] == 5, f"ping A -> B after the bad input: {r}\n{self.diag()}"


class Stream:
    """200 pps of sequenced UDP A -> B through the tunnel; stop() checks
    that every datagram arrived."""

    def __init__(self, env):
        self.env = env
        self.recv = env.link.b.helper("udp-recv", UDP_PORT, "--idle", 2)
        self.recv.wait_ready()
        self.send = env.link.a.helper("udp-send", env.pair.addr_b, UDP_PORT, 0, "--size",
                                      200, "--pps", 200)
        self.send.wait_ready()

    def stop(self):
        time.sleep(0.3)
        self.send.signal(15)
        sent = self.send.finish(20)
        got = self.recv.finish(30)
        assert sent["sent"] > 0 and got["unique"] == sent["sent"] and got["bad"] == 0, \
            f"tunnel stream during the bad input: sent {sent}, received {got}\n" \
            f"{self.env.diag()}"
        return sent["sent"]


@pytest.fixture(scope="module")
def env(bpffs, build_dir, xdpsec_bin, tmp_path_factory):
    if not it.agent_path(build_dir).exists():
        pytest.fail(f"{it.agent_path(build_dir)} missing: run `make`")
    workdir = tmp_path_factory.mktemp("ike-badinput")
    link = netns.Link()
    pair = c_host = None
    try:
        # Host C on the same bridge, .3 of A's and B's IPv4 subnet.
        c_ns = netns.Netns(netns.unique_name(f"{secrets.token_hex(2)}-c"))
        netns.sh(["ip", "link", "add", "vxc", "netns", c_ns.name, "type", "veth", "peer",
                  "name", "mxc", "netns", link.m.name])
        link.m.run(["ip", "link", "set", "mxc", "master", "br0", "up"])
        addr_c = link.v4[0].rsplit(".", 1)[0] + ".3"
        c_ns.run(["ip", "addr", "add", f"{addr_c}/24", "dev", "vxc"])
        c_ns.run(["ip", "link", "set", "vxc", "up"])
        pair = it.IkePair(link, build_dir, workdir)
        c_host = it.IkeHost(c_ns, "vxc", addr_c, build_dir, workdir, "c", datapath=False)
        c_ns.run(["ip", "neigh", "replace", pair.addr_b, "lladdr", link.mac_b, "dev", "vxc",
                  "nud", "permanent"])
        link.b.run(["ip", "neigh", "replace", addr_c, "lladdr", c_ns.mac("vxc"), "dev",
                    link.dev_b, "nud", "permanent"])

        conn = pair.conn(children=[it.IkeChild("t", start_action="start")])
        good, bad = it.new_psk(), it.new_psk()
        rw_b = it.IkeConn("rw", pair.addr_b, None, good, local_id="b.example.org",
                          remote_id="c.example.org", children=[it.IkeChild("rw")])
        rw_c = it.IkeConn("rw", addr_c, pair.addr_b, bad, local_id="c.example.org",
                          remote_id="b.example.org", keyingtries=1,
                          children=[it.IkeChild("rw")])
        pair.configure([conn], [conn.mirrored(), rw_b])
        c_host.start_agent([rw_c])
        e = Env(link, pair, c_host)
        e.healthy()
        yield e
    finally:
        if c_host is not None:
            c_host.stop()
        if pair is not None:
            pair.stop()
        link.delete()


def run_bad(env, datagrams, wait=0.3):
    """Sends datagrams to B:500 during a tunnel stream; returns (answers,
    stats before, stats after)."""
    before = env.stats()
    stream = Stream(env)
    answers = env.probe(datagrams, wait)
    stream.stop()
    after = env.stats()
    env.healthy()
    return answers, before, after


def delta(before, after, group, name):
    return int(after[group][name]) - int(before[group][name])


# ------------------------------------------------------------------- tests

def test_truncated_chains(env):
    good = Init().bytes()
    first, body = chain(Init().items())
    spi = secrets.token_bytes(8)
    cases = {
        "header only, Next Payload SA": header(spi, PL_SA, b""),
        "shorter than the IKE header": good[:20],
        "cut inside the SA payload, header length adjusted": header(spi, first, body[:20]),
        "cut inside the KE payload, header length adjusted": header(spi, first, body[:60]),
        "cut inside a generic payload header": header(spi, first, body[:len(body) - 34]),
        "cut, header length as before": good[:len(good) - 10],
        "last payload names a next one": header(spi, first, chain(Init().items() +
                                                                   [(PL_NONCE, b"")])[1][:-4]),
    }
    answers, before, after = run_bad(env, list(cases.values()))
    got = summarize(answers)
    assert not got, f"answers to truncated datagrams: {got}"
    n = delta(before, after, "ike", "drop_malformed")
    assert n == len(cases), \
        f"drop_malformed counted {n} of {len(cases)} truncated datagrams ({list(cases)})"
    assert after["ike"]["half_open"] == before["ike"]["half_open"], after


def test_lying_lengths(env):
    ini = Init()
    items = ini.items()

    def lie(idx, length):
        it2 = list(items)
        it2[idx] = (it2[idx][0], it2[idx][1], False, length)
        return header(secrets.token_bytes(8), *chain(it2))

    def sa_body(prop):
        it2 = list(items)
        it2[0] = (PL_SA, prop)
        return header(secrets.token_bytes(8), *chain(it2))

    good = ini.bytes()
    cases = {
        "SA payload length 3": lie(0, 3),
        "SA payload length 0": lie(0, 0),
        "KE payload length past the end": lie(1, 4 + 36 + 200),
        "Nonce payload length short (trailing octets)": lie(2, 4 + 16),
        "IKE header length + 1": good[:24] + struct.pack("!I", len(good) + 1) + good[28:],
        "IKE header length - 4": good[:24] + struct.pack("!I", len(good) - 4) + good[28:],
        "IKE header length 0": good[:24] + struct.pack("!I", 0) + good[28:],
        "proposal length past the SA payload": sa_body(proposal(ike_xforms(), length=200)),
        "proposal claims 5 transforms, has 3": sa_body(proposal(ike_xforms(), n_xforms=5)),
        "transform length 4": sa_body(proposal([transform(False, 1, 20, 128)[:2] +
                                                struct.pack("!H", 4) +
                                                transform(False, 1, 20, 128)[4:]] +
                                               ike_xforms()[1:])),
    }
    answers, before, after = run_bad(env, list(cases.values()))
    got = summarize(answers)
    assert not any("IKEv2_payload_SA" in a.get("payloads", ()) for a in got), \
        f"a lying datagram was answered as a valid IKE_SA_INIT: {got}"
    n = delta(before, after, "ike", "drop_malformed")
    assert n == len(cases), \
        f"drop_malformed counted {n} of {len(cases)} datagrams with lying lengths; " \
        f"answers {got}"
    assert after["ike"]["half_open"] == before["ike"]["half_open"], after


def test_unknown_critical_payload(env):
    crit_end = Init()
    crit_mid = Init()
    plain = Init()
    unknown = (200, b"\x01\x02\x03\x04", True)
    datagrams = [
        crit_end.bytes(extra=[unknown]),
        crit_mid.bytes(before=[unknown]),
        plain.bytes(extra=[(201, b"skip me", False)]),
        # the same payload in a message for an IKE SA nobody has
        header(secrets.token_bytes(8), *chain([unknown]), exch=EXCH_INFORMATIONAL,
               spi_r=secrets.token_bytes(8), msgid=1),
    ]
    answers, before, after = run_bad(env, datagrams)
    for ini, got, what in ((crit_end, answers[0], "at the end"),
                           (crit_mid, answers[1], "before SA")):
        assert len(got) == 1, f"critical unknown payload {what}: {len(got)} answers " \
                              f"{summarize([got])}"
        m, pls = dissect(got[0])
        assert bytes(m.init_SPI) == ini.spi and int(m.exch_type) == EXCH_IKE_SA_INIT, \
            m.show(dump=True)
        assert int(m.flags) & FLAG_RESPONSE and not int(m.flags) & FLAG_INITIATOR, \
            m.show(dump=True)
        assert int(m.id) == 0, m.show(dump=True)
        # §3.10.1: the notification data is the one-octet payload type.
        assert notifies(pls) == [(N_UNSUPPORTED_CRITICAL_PAYLOAD, bytes([200]))], \
            f"{what}: {summarize([got])}"
        assert not has_sa(pls)
    assert len(answers[2]) == 1 and has_sa(dissect(answers[2][0])[1]), \
        f"a non-critical unknown payload must be skipped: {summarize([answers[2]])}"
    assert not answers[3], f"unknown IKE SA answered: {summarize([answers[3]])}"
    n = delta(before, after, "ike", "drop_malformed")
    assert n >= 2, f"drop_malformed {n} after two rejected critical payloads"


def test_wrong_psk(env):
    before = env.stats()
    stream = Stream(env)
    env.c.agent.initiate("rw", wait=False)
    it.wait_for(lambda: delta(before, env.stats(), "ike", "auth_failed") >= 1, 15,
                "B counting the wrong PSK (auth_failed)", env.diag)
    it.wait_for(lambda: not env.c.agent.list_sas(), 10, "C giving up its IKE SA", env.diag)
    stream.stop()
    env.healthy()
    sas = env.pair.b.agent.list_sas()
    # (a half-open SA of an earlier probe from C's port 40500 may linger)
    assert not [s for s in sas if s["conn"] == "rw" and
                (s["state"] != "connecting" or s["remote_port"] != PROBE_SPORT)], \
        f"B kept an SA for C's agent: {json.dumps(sas)}"
    assert len(env.pair.b.dp_sas()) == 2, env.pair.b.dp_sas()
    st = env.c.agent.stats()
    assert st["ike"]["tx"] >= 2 and st["ike"]["rx"] >= 2, \
        f"C's IKE_AUTH went unanswered: {st}"


def test_init_flood_cookies(env):
    before = env.stats()
    h0 = int(before["ike"]["half_open"])
    assert h0 < HALF_OPEN_COOKIE, before
    inits = [Init() for _ in range(200)]
    stream = Stream(env)
    answers = env.probe([i.bytes() for i in inits], wait=0.05)
    # Every answer belongs to one request (same SPI); sort them out.
    full, cookies, other = [], {}, []
    for ini, got in zip(inits, answers):
        for d in got:
            m, pls = dissect(d)
            ns = notifies(pls)
            if bytes(m.init_SPI) != ini.spi:
                other.append(("spi mismatch", summarize([[d]])))
            elif has_sa(pls):
                full.append(ini)
            elif [t for t, _ in ns] == [N_COOKIE]:
                cookies[ini.spi] = (ini, ns[0][1])
            else:
                other.append(summarize([[d]]))
    mid = env.stats()
    assert not other, f"unexpected answers: {other[:5]}"
    assert len(full) == HALF_OPEN_COOKIE - h0, \
        f"{len(full)} real answers before cookies, expected {HALF_OPEN_COOKIE - h0} " \
        f"(threshold {HALF_OPEN_COOKIE}, {h0} half-open before)"
    assert len(full) + len(cookies) == len(inits), \
        f"{len(inits) - len(full) - len(cookies)} requests unanswered"
    assert inits.index(full[-1]) < min(inits.index(i) for i, _ in cookies.values()), \
        "a real answer came after the first COOKIE"
    assert delta(before, mid, "ike", "cookie_sent") == len(cookies), mid
    assert int(mid["ike"]["half_open"]) == HALF_OPEN_COOKIE, mid

    # §2.6: the same request returning the cookie gets a real answer.
    ini, cookie = next(iter(cookies.values()))
    again = env.probe([ini.bytes(cookie=cookie), Init().bytes(cookie=cookie)], wait=0.5)
    assert len(again[0]) == 1 and has_sa(dissect(again[0][0])[1]), \
        f"request with its cookie: {summarize([again[0]])}"
    assert all(t == N_COOKIE for d in again[1] for t, _ in notifies(dissect(d)[1])), \
        f"a cookie made for another SPI must not be accepted: {summarize([again[1]])}"
    stream.stop()
    env.healthy()
    print(f"flood: {len(full)} answered, {len(cookies)} COOKIE, stats {json.dumps(env.stats())}")
