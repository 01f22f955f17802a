# SPDX-License-Identifier: GPL-2.0-only
"""The control server both daemons share (ctl/server.c), issue #11 items 6
and 8, on an ike_topo.IkePair (hosts A and B, each with an xdpsec daemon
and an xdpsec-ike agent of one instance).

    test_capability_refused  root without CAP_NET_ADMIN (setpriv dropping
                             every capability) is refused by the daemon
                             (status, attach, policy add: nothing changes)
                             and by the agent (list-sas); uid 65534 cannot
                             connect, and uid 65534 holding CAP_NET_ADMIN
                             and CAP_DAC_OVERRIDE (so it can connect) is
                             refused by the server for not being root
    test_idle_clients        50 idle connected clients do not delay
                             `xdpsec status`, `xdpsec-ike list-sas`, nor
                             the agent's IKE exchanges (terminate and
                             initiate again); all answer while the idle
                             ones are still connected, and the idle ones
                             are closed once their deadline (5 s) passes
    test_initiate_outcome    `initiate` returns 0 once the tunnel is up
                             (list-sas shows it established at that
                             moment), `terminate` once it is gone; a wrong
                             PSK and a silent peer (--timeout 3) exit
                             non-zero with the reason

Needs root, bpffs, build/xdpsec and build/xdpsec-ike, setpriv.
"""
import errno
import shutil
import socket
import time

import pytest

import ike_topo as it
import netns

IDLE = 50
SRV_REQ_DEADLINE_S = 5          # XS_CTL_SRV_REQ_MS in ctl/server.h
NOCAPS = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all"]
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
# Not root, but able to open the 0600 socket and holding CAP_NET_ADMIN.
NOBODY_CAPS = NOBODY + ["--inh-caps=+dac_override,+net_admin",
                        "--ambient-caps=+dac_override,+net_admin"]


@pytest.fixture(scope="module")
def ike_bin(build_dir):
    p = it.agent_path(build_dir)
    if not p.exists():
        pytest.fail(f"{p} missing: run `make`")
    if not shutil.which("setpriv"):
        pytest.fail("setpriv missing (util-linux)")
    return p


@pytest.fixture
def ike_pair(link, build_dir, xdpsec_bin, ike_bin, tmp_path):
    made = []

    def make(**kw):
        p = it.IkePair(link, build_dir, tmp_path, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


def run_as(host, prefix, binary, *words, timeout=30):
    return host.ns.run(prefix + [str(binary), "-i", host.instance] + [str(w) for w in words],
                       check=False, timeout=timeout)


def sock_path(host, suffix=""):
    return f"{netns.RUN_DIR}/{host.instance}{suffix}.sock"


def test_capability_refused(ike_pair):
    pair = ike_pair()
    conn = pair.conn(children=[it.IkeChild("c")])
    pair.configure([conn])
    a = pair.a
    dp, agent = a.daemon.binary, a.agent.binary
    before = a.dp_policies()

    for words in (["status"], ["attach", a.dev], ["detach", a.dev],
                  ["policy", "add", "src", "10.9.0.0/24", "dst", "10.9.1.0/24", "dir", "out",
                   "action", "bypass"]):
        p = run_as(a, NOCAPS, dp, *words)
        assert p.returncode == 1, f"capability-less root ran {words}: {p.stdout}"
        assert "permission denied: needs CAP_NET_ADMIN" in p.stderr, p.stderr
    p = run_as(a, NOCAPS, agent, "list-sas")
    assert p.returncode == 1 and "permission denied: needs CAP_NET_ADMIN" in p.stderr, \
        p.stderr + p.stdout
    # Nothing changed: still attached, no new policy.
    assert a.dp_policies() == before
    assert a.dev in a.daemon.cli("status")

    # uid 65534: the socket's mode already keeps it out, with a clear hint.
    for binary, words in ((dp, ["status"]), (agent, ["list-sas"])):
        p = run_as(a, NOBODY, binary, *words)
        assert p.returncode == 1, p.stdout
        assert "Permission denied" in p.stderr and "needs root with CAP_NET_ADMIN" in \
            p.stderr, p.stderr
    # uid 65534 that can open the socket and holds CAP_NET_ADMIN: the server
    # itself refuses (uid 0 is required as well).
    for binary, words in ((dp, ["status"]), (agent, ["list-sas"])):
        p = run_as(a, NOBODY_CAPS, binary, *words)
        assert p.returncode == 1, p.stdout
        assert "permission denied: needs root with CAP_NET_ADMIN (client uid 65534)" in \
            p.stderr, p.stderr
    # Root with its capabilities still is served.
    assert a.agent.list_sas() is not None


def idle_clients(path, n):
    out = []
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.setblocking(False)
        out.append(s)
    return out


def still_open(s):
    try:
        return s.recv(64) is None       # never: data or EOF means answered
    except BlockingIOError:
        return True


def closed_by_server(s, wait):
    """True when the server answered (its timeout reply) and closed."""
    s.settimeout(wait)
    data = b""
    try:
        while True:
            chunk = s.recv(256)
            if not chunk:
                return True
            data += chunk
    except OSError as e:
        return getattr(e, "errno", None) == errno.ECONNRESET
    finally:
        s.close()


def test_idle_clients(ike_pair):
    pair = ike_pair()
    pair.configure([pair.conn(children=[it.IkeChild("c", start_action="start")])])
    a = pair.a
    it.wait_established(a.agent, "c", 1, 20, pair.diag)

    def ike_round():
        # Exchanges with B (INFORMATIONAL DELETE, IKE_SA_INIT, IKE_AUTH)
        # that A's agent runs in the loop the idle clients sit in.
        a.agent.terminate("c")
        a.agent.initiate("c")
        return a.agent.list_sas()

    for name, path, call, bound in (
            ("daemon status", sock_path(a), lambda: a.daemon.cli("status"), 2.0),
            ("agent list-sas", sock_path(a, "-ike"), lambda: a.agent.list_sas(), 2.0),
            ("agent terminate+initiate", sock_path(a, "-ike"), ike_round, 4.0)):
        idle = idle_clients(path, IDLE)
        try:
            t0 = time.monotonic()
            out = call()
            took = time.monotonic() - t0
            assert out, name
            # Well before the idle clients' deadline, and they are all still
            # there: nobody waited for them.
            assert took < bound, f"{name} took {took:.1f}s behind {IDLE} idle clients"
            assert all(still_open(s) for s in idle), f"{name}: idle clients closed early"
            # Past their deadline every idle client is closed.
            time.sleep(max(0.0, SRV_REQ_DEADLINE_S - (time.monotonic() - t0)))
            shut = [closed_by_server(s, 5) for s in idle]
            assert all(shut), f"{name}: {shut.count(False)} idle clients still open"
            assert time.monotonic() - t0 < SRV_REQ_DEADLINE_S + 5
        finally:
            for s in idle:
                s.close()
    # The tunnel was never held up either.
    assert it.established(a.agent, "c"), pair.diag()


def test_initiate_outcome(ike_pair):
    pair = ike_pair()
    conn = pair.conn(children=[it.IkeChild("c")])
    pair.configure([conn])
    a, b = pair.a, pair.b
    assert a.agent.list_sas() == []

    # Up: initiate returns once established, and list-sas agrees at once.
    p = a.agent.cli_raw(["initiate", "c"], timeout=60)
    assert p.returncode == 0, p.stderr + a.agent.log_tail()
    assert "initiate c: established" in p.stdout, p.stdout
    assert it.established(a.agent, "c", 1), f"initiate returned before:\n{pair.diag()}"
    assert a.ping(pair.addr_b)["received"] == 5, pair.diag()

    # Down: terminate returns once no IKE SA of c is left.
    p = a.agent.cli_raw(["terminate", "c"], timeout=60)
    assert p.returncode == 0, p.stderr
    assert "terminate c:" in p.stdout, p.stdout
    assert a.agent.list_sas() == [], pair.diag()

    # Wrong PSK on B: authentication fails, initiate says so and exits 1.
    b.agent.write_config([conn.mirrored(psk=it.new_psk())])
    b.agent.reload()
    t0 = time.monotonic()
    p = a.agent.cli_raw(["initiate", "c"], timeout=60)
    assert p.returncode == 1, p.stdout + a.agent.log_tail()
    assert "initiate c failed" in p.stderr and "AUTHENTICATION_FAILED" in p.stderr, p.stderr
    assert time.monotonic() - t0 < 20, "the failure took as long as a timeout"
    assert not it.established(a.agent, "c", 0)

    # Nobody answers: --timeout bounds the wait, the reason is given.
    b.agent.write_config([conn.mirrored()])
    b.agent.reload()
    b.agent.stop()
    t0 = time.monotonic()
    p = a.agent.cli_raw(["initiate", "--timeout", "3", "c"], timeout=60)
    took = time.monotonic() - t0
    assert p.returncode == 1, p.stdout
    assert "no outcome within 3 s" in p.stderr, p.stderr
    assert 2.5 < took < 10, f"--timeout 3 returned after {took:.1f}s"

    # Bad words are refused at once with a clear message.
    p = a.agent.cli_raw(["initiate", "--timeout", "x", "c"])
    assert p.returncode == 1 and "--timeout takes 0-3600 seconds" in p.stderr, p.stderr
    p = a.agent.cli_raw(["initiate", "nope"])
    assert p.returncode == 1 and "no connection 'nope'" in p.stderr, p.stderr
