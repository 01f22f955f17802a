# SPDX-License-Identifier: GPL-2.0-only
"""`xdpsec metrics` and `xdpsec-ike metrics` (issue #10): the Prometheus
text format, checked with `promtool check metrics` (Debian package
prometheus), and values that follow the traffic:

  test_datapath_metrics  ESP tunnel between two xdpsec hosts (netns.IpsecPair):
                         SA, policy and XDP counters grow by the pings sent;
                         ESP with a broken ICV shows as that SA's drops by
                         reason bad_icv
  test_ike_metrics       two agents (ike_topo.IkePair): one established IKE
                         SA with its Child SA while up, none after terminate,
                         message counters grown

Needs root, bpffs, build/xdpsec, build/xdpsec-ike, promtool.
"""
import re
import shutil
import subprocess

import pytest

import ike_topo as it

from scapy.layers.inet import IP, UDP
from scapy.packet import Raw

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@pytest.fixture(scope="module")
def promtool():
    p = shutil.which("promtool")
    if not p:
        pytest.fail("promtool missing: scripts/setup.sh installs the prometheus package")
    return p


def check(promtool, text):
    """promtool check metrics passes (lint warnings fail too), the text
    ends with # EOF; returns {(name, frozenset(labels)): value}."""
    p = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, f"promtool: {p.stdout}{p.stderr}\n{text[:3000]}"
    assert text.endswith("# EOF\n"), text[-200:]
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples


def value(samples, name, **labels):
    want = set(labels.items())
    got = [v for (n, ls), v in samples.items() if n == name and want <= set(ls)]
    assert len(got) == 1, f"{name} {labels}: {len(got)} samples"
    return got[0]


def test_datapath_metrics(ipsec_pair, promtool):
    pair = ipsec_pair(mode="esp-tunnel", family=4, alg="gcm")
    lk, da = pair.link, pair.da
    spi_out, spi_in = f"0x{pair.spi_ab:08x}", f"0x{pair.spi_ba:08x}"
    m0 = check(promtool, da.cli("metrics"))
    assert value(m0, "xdpsec_sas", dir="in") == 1 and value(m0, "xdpsec_sas", dir="out") == 1
    assert value(m0, "xdpsec_interface_attached", interface=lk.dev_a) == 1
    assert value(m0, "xdpsec_daemon_uptime_seconds") >= 0

    r = lk.a.ping(pair.addr_b, count=20, interval=0.01)
    assert r["received"] == 20, (r, pair.diag())
    m1 = check(promtool, da.cli("metrics"))

    def grew(name, **labels):
        return value(m1, name, **labels) - value(m0, name, **labels)

    assert grew("xdpsec_sa_packets_total", spi=spi_out, dir="out") >= 20
    assert grew("xdpsec_sa_packets_total", spi=spi_in, dir="in") >= 20
    assert grew("xdpsec_sa_bytes_total", spi=spi_out, dir="out") >= 20 * 28  # IPv4 + ICMP headers at least
    assert grew("xdpsec_bpf_packets_total", program="xdp", counter="redirect_esp") >= 20
    assert grew("xdpsec_bpf_packets_total", program="tc", counter="protect_policy") >= 20
    assert grew("xdpsec_worker_events_total", counter="rx_inbound") >= 20
    assert grew("xdpsec_policy_packets_total", dir="out", action="protect") >= 20

    # ESP of B's SA with a broken ICV, straight onto A's wire.
    sa = pair.scapy_sa("ba")
    frames = []
    for seq in range(1000, 1005):
        esp = bytearray(bytes(sa.encrypt(pair.inner_ip("ba") / UDP(sport=9, dport=9) /
                                         Raw(b"metrics" * 8), seq_num=seq)))
        esp[-1] ^= 0xFF
        frames.append(pair.frame(IP(bytes(esp)), direction="ba"))
    lk.inject(frames, side="to_a")
    m2 = check(promtool, da.cli("metrics"))
    assert value(m2, "xdpsec_sa_drops_total", spi=spi_in, reason="bad_icv") == 5
    assert value(m2, "xdpsec_engine_drops_total", reason="bad_icv") == 5


@pytest.fixture
def ike_pair(link, build_dir, xdpsec_bin, tmp_path):
    p = it.agent_path(build_dir)
    if not p.exists():
        pytest.fail(f"{p} missing: run `make`")
    made = []

    def make(**kw):
        pr = it.IkePair(link, build_dir, tmp_path, **kw)
        made.append(pr)
        return pr

    yield make
    for pr in made:
        pr.stop()


def test_ike_metrics(ike_pair, promtool):
    pair = ike_pair()
    conn = pair.conn(children=[it.IkeChild("t", start_action="start")])
    pair.configure([conn])
    it.wait_established(pair.a.agent, "c", 1, 20, pair.diag)
    it.wait_established(pair.b.agent, "c", 1, 20, pair.diag)

    m1 = {h: check(promtool, h.agent.cli("metrics")) for h in (pair.a, pair.b)}
    for h, m in m1.items():
        assert value(m, "xdpsec_ike_sas", state="established") == 1, (h.instance, m)
        assert value(m, "xdpsec_ike_sas", state="connecting") == 0
        assert value(m, "xdpsec_ike_child_sas") == 1
        # IKE_SA_INIT and IKE_AUTH, one way each at least (RFC 7296 §1.2).
        assert value(m, "xdpsec_ike_messages_total", direction="rx") >= 2
        assert value(m, "xdpsec_ike_messages_total", direction="tx") >= 2
        assert value(m, "xdpsec_ike_datapath_sas") == 2
        assert value(m, "xdpsec_ike_datapath_failures_total") == 0
        assert value(m, "xdpsec_ike_events_total", event="auth_failed") == 0

    pair.a.agent.terminate("c")
    for h in (pair.a, pair.b):
        it.wait_no_sas(h, timeout=10, diag=pair.diag)
    for h in (pair.a, pair.b):
        m2 = check(promtool, h.agent.cli("metrics"))
        assert value(m2, "xdpsec_ike_sas", state="established") == 0
        assert value(m2, "xdpsec_ike_child_sas") == 0
        assert value(m2, "xdpsec_ike_datapath_sas") == 0
        # The INFORMATIONAL exchange with the DELETE.
        for d in ("rx", "tx"):
            assert value(m2, "xdpsec_ike_messages_total", direction=d) > \
                value(m1[h], "xdpsec_ike_messages_total", direction=d)


def test_metrics_file(bpffs, xdpsec_bin, build_dir, tmp_path, promtool):
    """--metrics-file: each daemon writes the file itself (atomically, the
    datapath daemon within XS_METRICS_FILE_INTERVAL_S = 15 s, the agent at
    once), and it passes promtool."""
    import secrets
    import time

    import netns

    ns = netns.Netns(netns.unique_name("mf"))
    inst = f"t{secrets.token_hex(4)}m"
    dfile, ifile = tmp_path / "dp.prom", tmp_path / "ike.prom"
    conf = tmp_path / "ike.conf"
    conf.write_text(it.agent_conf([]))
    conf.chmod(0o600)
    procs = []
    try:
        procs.append(subprocess.Popen(ns.cmd([xdpsec_bin, "-i", inst, "daemon", "--foreground",
                                              "--log", tmp_path / "dp.log",
                                              "--metrics-file", dfile]),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen(ns.cmd([it.agent_path(build_dir), "-i", inst, "daemon",
                                              "--config", conf, "--foreground", "--log",
                                              tmp_path / "ike.log", "--metrics-file", ifile]),
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 25
        while time.monotonic() < deadline and not (dfile.exists() and ifile.exists()):
            assert all(p.poll() is None for p in procs), \
                (tmp_path / "dp.log").read_text() if (tmp_path / "dp.log").exists() else ""
            time.sleep(0.2)
        assert dfile.exists() and ifile.exists(), (dfile.exists(), ifile.exists())
        m = check(promtool, dfile.read_text())
        assert value(m, "xdpsec_daemon_info", instance=inst) == 1
        m = check(promtool, ifile.read_text())
        assert value(m, "xdpsec_ike_agent_info", instance=inst) == 1
        assert not list(tmp_path.glob("*.tmp")), "a temporary file was left"
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        ns.delete()
        for suffix in (".sock", ".lock", "-ike.sock"):
            try:
                (netns.RUN_DIR / f"{inst}{suffix}").unlink()
            except OSError:
                pass
