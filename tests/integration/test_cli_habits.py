# SPDX-License-Identifier: GPL-2.0-only
"""The xdpsec command line as an `ip xfrm` user and an administrator meet
it, and the daemons as a good citizen on the host (issues #10 and #11 item 5).

- keys from @FILE and from standard input (-): SAs added that way carry
  ESP both ways between two namespaces; no key is ever on a command line
  (/proc/PID/cmdline of the CLI while it waits for its key, of the daemon)
  nor in any error, wherever it is misplaced;
- the datapath daemon is not dumpable (a root process without
  CAP_SYS_PTRACE may not open its /proc/PID/mem, while it may open that of
  a dumpable process started the same way), its core dump filter is 0, the
  pages of SA keys are locked and not dumped (smaps "lo" "dd");
- both daemons change to /, close a file descriptor they inherited, stay
  up and serving on SIGHUP (the agent reloads a changed configuration, the
  datapath daemon reopens its log), exit 0 on SIGTERM;
- -batch FILE and -batch - add N SAs and policies, stop at the failing
  line and name it (-force goes on); -j/-json after the command; state as
  sa; sa/policy count, flush, deleteall, show.

Needs root, bpffs, build/xdpsec and build/xdpsec-ike.
"""
import json
import os
import pathlib
import re
import secrets
import signal
import subprocess
import time

import pytest

import netns
from netns import Daemon, Link, Netns, sh, unique_name, xdpsec_path

GCM = "rfc4106(gcm(aes))"
HMAC = "hmac(sha256)"


def key(nbytes):
    return "0x" + secrets.token_hex(nbytes)


def chunks(k, n=8):
    """Every n-character piece of a key's hex: none may appear in output."""
    h = k[2:]
    return [h[i:i + n] for i in range(0, len(h) - n + 1, 2)]


def assert_no_key(text, *keys):
    for k in keys:
        for c in chunks(k):
            assert c not in text.lower(), f"key piece {c} in:\n{text}"


def instance(tag):
    return f"c{os.getpid() % 100000}{tag}{secrets.token_hex(2)}"


@pytest.fixture
def ns():
    n = Netns(unique_name(f"h{secrets.token_hex(2)}"))
    yield n
    n.delete()


@pytest.fixture
def daemon(build_dir, tmp_path, ns):
    d = Daemon(ns, instance("d"), xdpsec_path(build_dir), tmp_path)
    d.start()
    yield d
    d.cleanup()


def xs(d, *words, input=None, check=True):
    p = d.ns.run([d.binary, "-i", d.instance, *[str(w) for w in words]], check=False,
                 input=input)
    if check:
        assert p.returncode == 0, f"{words}: {p.stderr}"
    return p


def sa_words(spi, src="10.0.0.1", dst="10.0.0.2", direction="out"):
    return ["sa", "add", "src", src, "dst", dst, "proto", "esp", "spi", hex(spi), "mode",
            "tunnel", "dir", direction]


# ------------------------------------------------------------- keys

def test_keys_from_file_and_stdin_carry_traffic(build_dir, tmp_path):
    """A's SAs: out from a key file, in from stdin; B's: AES-CBC with two
    keys, both from stdin in one command, and one file. Pings both ways
    go through the four SAs."""
    link = Link()
    binary = xdpsec_path(build_dir)
    da = Daemon(link.a, instance("a"), binary, tmp_path)
    db = Daemon(link.b, instance("b"), binary, tmp_path)
    try:
        da.start()
        db.start()
        da.attach(link.dev_a)
        db.attach(link.dev_b)
        a, b = link.v4
        link.route_mtu(4)
        k_ab, k_ba_enc, k_ba_auth = key(20), key(16), key(32)
        f_ab = tmp_path / "ab.key"
        f_ab.write_text(k_ab + "\n")
        f_ab.chmod(0o600)
        f_auth = tmp_path / "ba-auth.key"
        f_auth.write_text("  " + k_ba_auth)      # blanks, no newline
        cbc = ["enc", "cbc(aes)"]
        # A: out from the file, in (CBC) from two lines of stdin.
        xs(da, "sa", "add", "src", a, "dst", b, "proto", "esp", "spi", "0x3001",
           "mode", "transport", "dir", "out", "aead", GCM, f"@{f_ab}", "128")
        xs(da, "state", "add", "src", b, "dst", a, "proto", "esp", "spi", "0x3002",
           "mode", "transport", "dir", "in", *cbc, "-", "auth-trunc", HMAC, "-", "128",
           input=f"{k_ba_enc}\n{k_ba_auth}\n")
        # B: in from stdin, out with the enc key from stdin and auth from a file.
        xs(db, "sa", "add", "src", a, "dst", b, "proto", "esp", "spi", "0x3001",
           "mode", "transport", "dir", "in", "aead", GCM, "-", "128", input=k_ab + "\n")
        xs(db, "sa", "add", "src", b, "dst", a, "proto", "esp", "spi", "0x3002",
           "mode", "transport", "dir", "out", *cbc, "-", "auth-trunc", HMAC,
           f"@{f_auth}", "128", input=k_ba_enc)
        for d, here, there, out_spi, in_spi in ((da, a, b, "0x3001", "0x3002"),
                                                (db, b, a, "0x3002", "0x3001")):
            xs(d, "policy", "add", "src", here, "dst", there, "dir", "out", "spi", out_spi)
            xs(d, "policy", "add", "src", there, "dst", here, "dir", "in", "spi", in_spi)
        r = link.a.ping(b, count=10)
        assert r["received"] >= 8, r
        r = link.b.ping(a, count=10)
        assert r["received"] >= 8, r
        for d in (da, db):
            sas = json.loads(xs(d, "sa", "list", "-j").stdout)
            assert len(sas) == 2
            for s in sas:
                assert s["packets"] >= 16, s      # both pings, both ways
            listing = xs(d, "sa", "list").stdout + xs(d, "stats", "-j").stdout
            assert_no_key(listing, k_ab, k_ba_enc, k_ba_auth)
            # Nothing of a key in the daemon's command line or environment.
            pid = d.proc.pid
            for f in ("cmdline", "environ"):
                assert_no_key(pathlib.Path(f"/proc/{pid}/{f}").read_bytes().decode(
                    errors="replace"), k_ab, k_ba_enc, k_ba_auth)
    finally:
        da.cleanup()
        db.cleanup()
        link.delete()


def test_stdin_key_not_on_the_command_line(daemon):
    """While the CLI waits for its key on stdin, its command line (what
    any user reads in /proc/PID/cmdline) holds "-", not the key."""
    k = key(20)
    p = daemon.ns.popen([daemon.binary, "-i", daemon.instance, *sa_words(0x3100), "aead",
                         GCM, "-", "128"], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not pathlib.Path(f"/proc/{p.pid}/cmdline").read_bytes().count(b"add"):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        cmdline = pathlib.Path(f"/proc/{p.pid}/cmdline").read_bytes().split(b"\0")
        assert b"-" in cmdline and GCM.encode() in cmdline
        out, err = p.communicate(k + "\n", timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert "0x00003100" in xs(daemon, "sa", "show", "spi", "0x3100").stdout


def test_keys_never_in_errors(daemon, tmp_path):
    """A key in every wrong place: the error names the place, never the key."""
    k20, k32 = key(20), key(32)
    bad_file = tmp_path / "bad.key"
    bad_file.write_text(f"{k32} {k20}\n")
    cases = [
        sa_words(0x3200) + ["aead", k20, GCM, "128"],           # swapped
        sa_words(0x3200) + ["aead", GCM, k20, "96"],            # bad ICV bits
        sa_words(0x3200) + ["aead", GCM, k32, "128"],           # wrong length
        sa_words(0x3200) + ["enc", "cbc(aes)", k20[:34], "auth-trunc", k32, HMAC, "128"],
        sa_words(0x3200) + [k20],
        sa_words(0x3200) + ["reqid", k20, "aead", GCM, k20, "128"],
        ["sa", "add", "src", k20, "dst", "10.0.0.2"],
        ["sa", "del", "spi", k32],
        ["state", k32],
        [k32, "sa", "list"],
        ["policy", "add", "src", k20, "dst", "10.0.0.0/8", "dir", "out"],
        ["sa", "deleteall", "src", k32],
        sa_words(0x3200) + ["aead", GCM, f"@{bad_file}", "128"],  # two keys in the file
        sa_words(0x3200) + ["aead", GCM, "-", "128"],             # stdin: one bad line
        ["daemon", "--foreground", k32],
    ]
    for words in cases:
        p = xs(daemon, *words, check=False, input=f"{k20}{k32}x\n")
        assert p.returncode == 1, words
        assert p.stderr.startswith("xdpsec: "), p.stderr
        assert_no_key(p.stdout + p.stderr, k20, k32)
    assert json.loads(xs(daemon, "sa", "list", "-j").stdout) == []


def test_daemon_not_dumpable_keys_locked(build_dir, ns, tmp_path):
    """Started without CAP_SYS_PTRACE (as the unit does): a root process
    without it may open a dumpable process's memory, not the daemon's."""
    nocap = ["setpriv", "--bounding-set=-sys_ptrace", "--"]
    d = Daemon(ns, instance("n"), xdpsec_path(build_dir), tmp_path)
    ref = None
    try:
        d.proc = subprocess.Popen(ns.cmd(nocap + [d.binary, "-i", d.instance, "daemon",
                                                  "--foreground", "--log", d.log]),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        wait_serving(d)
        ref = subprocess.Popen(nocap + ["sleep", "60"])
        time.sleep(0.2)
        pid = d.proc.pid
        assert pathlib.Path(f"/proc/{pid}/comm").read_text().strip() == "xdpsec"
        opener = nocap + ["/usr/bin/python3", "-c", "import sys; open(sys.argv[1], 'rb')"]
        readable = sh(opener + [f"/proc/{ref.pid}/mem"], check=False)
        assert readable.returncode == 0, readable.stderr
        denied = sh(opener + [f"/proc/{pid}/mem"], check=False)
        assert denied.returncode != 0 and "Permission denied" in denied.stderr
        assert int(pathlib.Path(f"/proc/{pid}/coredump_filter").read_text(), 16) == 0

        def key_vmas():
            flags = re.findall(r"^VmFlags:(.*)$", pathlib.Path(f"/proc/{pid}/smaps")
                               .read_text(), re.M)
            return sum(1 for f in flags if " dd" in f and " lo" in f)
        before = key_vmas()
        for i in range(3):
            # Spread over the address space: every SA its own pages (and
            # its own key: the daemon refuses one key for two SAs).
            kf = tmp_path / f"k{i}"
            kf.write_text(key(20))
            xs(d, *sa_words(0x3300 + i), "aead", GCM, f"@{kf}", "128")
        assert key_vmas() > before
        xs(d, "sa", "flush")
    finally:
        if ref:
            ref.kill()
            ref.wait()
        d.cleanup()


def wait_serving(d, timeout=10):
    deadline = time.monotonic() + timeout
    while d.cli_raw(["status"]).returncode != 0:
        assert d.proc.poll() is None, f"daemon exited {d.proc.returncode}: {d.log_text()}"
        assert time.monotonic() < deadline, d.log_text()
        time.sleep(0.05)


# ------------------------------------------------------ daemon hygiene

def fd_targets(pid):
    out = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    return out


def test_datapath_daemon_hygiene(build_dir, ns, tmp_path):
    """cwd /, an inherited fd closed, SIGHUP reopens the log and leaves it
    serving, SIGTERM exits 0 and removes the socket."""
    d = Daemon(ns, instance("h"), xdpsec_path(build_dir), tmp_path)
    stray = tmp_path / "stray-fd"
    fd = os.open(stray, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        d.proc = subprocess.Popen(ns.cmd([d.binary, "-i", d.instance, "daemon",
                                          "--foreground", "--log", d.log.name]),
                                  cwd=tmp_path, pass_fds=(fd,), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_serving(d)
        pid = d.proc.pid
        assert os.readlink(f"/proc/{pid}/cwd") == "/"
        assert str(stray) not in fd_targets(pid)
        # SIGHUP: the log (given relative to the old cwd) is reopened.
        rotated = d.log.with_suffix(".1")
        d.log.rename(rotated)
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while not d.log.exists():
            assert time.monotonic() < deadline, "log not reopened on SIGHUP"
            time.sleep(0.05)
        assert str(d.log) in fd_targets(pid)
        assert d.proc.poll() is None
        assert "sa count 0" in xs(d, "sa", "count").stdout
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(10) == 0
        assert not (netns.RUN_DIR / f"{d.instance}.sock").exists()
    finally:
        os.close(fd)
        d.cleanup()


IKE_CONF = (pathlib.Path(__file__).resolve().parents[2] / "ike/examples/host-to-host.conf")


def test_ike_agent_hygiene_and_sighup_reload(build_dir, ns, tmp_path):
    """The agent: cwd /, inherited fd closed, not dumpable (core filter 0),
    READY=1; SIGHUP reloads a changed configuration and it keeps serving."""
    inst = instance("i")
    text = (IKE_CONF.read_text().replace("192.0.2.1", "127.0.0.1")
            .replace("192.0.2.2", "127.0.0.2").replace("start_action = start",
                                                        "start_action = none"))
    conf = tmp_path / "agent.conf"
    conf.write_text(text)
    log = tmp_path / "agent.log"
    stray = tmp_path / "stray-fd"
    fd = os.open(stray, os.O_WRONLY | os.O_CREAT, 0o600)
    ike = str(build_dir / "xdpsec-ike")
    sock = netns.RUN_DIR / f"{inst}-ike.sock"
    with open(log, "w") as logf:
        p = subprocess.Popen(ns.cmd([ike, "-i", inst, "daemon", "--foreground", "--config",
                                     conf.name]), cwd=tmp_path, pass_fds=(fd,),
                             stdin=subprocess.DEVNULL, stdout=logf, stderr=logf)
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            assert p.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        assert os.readlink(f"/proc/{p.pid}/cwd") == "/"
        assert str(stray) not in fd_targets(p.pid)
        assert int(pathlib.Path(f"/proc/{p.pid}/coredump_filter").read_text(), 16) == 0
        # A second connection, then SIGHUP: the agent reloads it.
        block = text[text.index("\thost-host {"):text.index("\n}\n", text.index("connections"))]
        conf.write_text(text.replace("connections {\n", "connections {\n" +
                                     block.replace("host-host", "second") + "\n", 1))
        p.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while not re.search(r"reloaded \S+: 2 connections", log.read_text()):
            assert p.poll() is None, "the agent died on SIGHUP:\n" + log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        r = ns.run([ike, "-i", inst, "stats"], check=False)
        assert r.returncode == 0, r.stderr
        p.send_signal(signal.SIGTERM)
        assert p.wait(20) == 0, log.read_text()
    finally:
        os.close(fd)
        if p.poll() is None:
            p.kill()
            p.wait()
        for f in (sock, netns.RUN_DIR / f"{inst}-ike.lock"):
            try:
                f.unlink()
            except OSError:
                pass


# ------------------------------------------------------ ip xfrm habits

def test_batch_adds_and_stops_at_failing_line(daemon, tmp_path):
    n = 12
    keys = []

    def keyfile(name):
        # One key per SA: the daemon refuses a key serving two SAs.
        k = key(20)
        keys.append(k)
        kf = tmp_path / name
        kf.write_text(k + "\n")
        return kf

    lines = ["# generated SAs and policies", ""]
    for i in range(n):
        lines.append(" ".join(sa_words(0x4000 + i, dst=f"10.0.1.{i + 1}")) +
                     f" aead '{GCM}' @{keyfile(f'k{i}')} 128   # SA {i}")
        lines.append(f"policy add src 10.1.{i}.0/24 dst 10.2.{i}.0/24 dir out "
                     f"spi {hex(0x4000 + i)}")
    good = tmp_path / "good.batch"
    good.write_text("\n".join(lines) + "\n")
    p = xs(daemon, "-batch", good)
    assert p.stdout.count("added") == 2 * n
    assert xs(daemon, "state", "count").stdout == f"sa count {n}\n"
    assert xs(daemon, "policy", "count", "-j").stdout.strip() == \
        json.dumps({"count": n, "in": 0, "out": n}, separators=(",", ":"))

    # Line 3 fails (SPI taken): lines 4+ do not run; the error names line 3.
    bad = tmp_path / "bad.batch"
    bad.write_text("\n".join([
        " ".join(sa_words(0x5000)) + f" aead {GCM} @{keyfile('k5000')} 128",
        "# comment",
        " ".join(sa_words(0x4000, dst="10.0.1.1")) + f" aead {GCM} @{keyfile('kdup')} 128",
        " ".join(sa_words(0x5001)) + f" aead {GCM} @{keyfile('k5001')} 128",
    ]) + "\n")
    p = xs(daemon, "-batch", bad, check=False)
    assert p.returncode == 1
    assert "line 3" in p.stderr and "exists" in p.stderr, p.stderr
    assert_no_key(p.stdout + p.stderr, *keys)
    assert xs(daemon, "sa", "count").stdout == f"sa count {n + 1}\n"
    # -force goes on past it and still exits 1.
    xs(daemon, "sa", "del", "spi", "0x5000")
    p = xs(daemon, "-force", "-batch", bad, check=False)
    assert p.returncode == 1 and "line 3" in p.stderr and "1 of 4 lines failed" in p.stderr
    assert xs(daemon, "sa", "count").stdout == f"sa count {n + 2}\n"
    # From stdin; -j applies to every line.
    p = xs(daemon, "-j", "-batch", "-", input="sa count\npolicy count\n")
    docs = [json.loads(l) for l in p.stdout.splitlines()]
    assert docs == [{"count": n + 2}, {"count": n, "in": 0, "out": n}]
    # A - key cannot come from stdin that holds the batch.
    p = xs(daemon, "-batch", "-", check=False,
           input=" ".join(sa_words(0x5002)) + f" aead {GCM} - 128\n{key(20)}\n")
    assert p.returncode == 1 and "line 1" in p.stderr and "@FILE" in p.stderr


def test_json_anywhere_state_alias_flush_count_deleteall(daemon, tmp_path):
    for i, (src, direction) in enumerate([("10.0.0.1", "out"), ("10.0.0.1", "out"),
                                          ("10.0.0.2", "in"), ("10.0.0.3", "in")]):
        kf = tmp_path / f"k{i}"
        kf.write_text(key(20))
        xs(daemon, "state", "add", "src", src, "dst", "10.0.0.9", "proto", "esp", "spi",
           hex(0x6000 + i), "reqid", str(i % 2), "dir", direction, "aead", GCM,
           f"@{kf}", "128")
    # -j after the command, after its words, and as -json.
    assert len(json.loads(xs(daemon, "sa", "list", "-j").stdout)) == 4
    assert json.loads(xs(daemon, "state", "show", "spi", "0x6002", "-json").stdout)["dir"] == "in"
    assert json.loads(xs(daemon, "-j", "state", "count").stdout) == {"count": 4}
    assert "dir in" in xs(daemon, "state", "get", "spi", "0x6003").stdout
    assert len(json.loads(xs(daemon, "state", "show", "--json").stdout)) == 4
    # deleteall with selectors, then flush.
    assert xs(daemon, "state", "deleteall", "src", "10.0.0.1", "reqid", "1").stdout == \
        "sa deleted 1\n"
    assert json.loads(xs(daemon, "sa", "deleteall", "dir", "in", "-j").stdout) == \
        {"deleted": 2}
    xs(daemon, "policy", "add", "src", "10.1.0.0/16", "dst", "10.2.0.0/16", "dir", "out",
       "spi", "0x6000")
    xs(daemon, "policy", "add", "src", "10.2.0.0/16", "dst", "10.1.0.0/16", "dir", "in",
       "action", "bypass")
    assert xs(daemon, "policy", "count").stdout == "policy count 2 in 1 out 1\n"
    assert xs(daemon, "policy", "flush", "dir", "in").stdout == "policy deleted 1\n"
    assert xs(daemon, "state", "flush").stdout == "sa deleted 1\n"
    assert xs(daemon, "state", "count").stdout == "sa count 0\n"
    # The protect policy stays (fail closed) until flushed itself.
    assert "spi 0x00006000" in xs(daemon, "policy", "show").stdout
    assert xs(daemon, "policy", "flush").stdout == "policy deleted 1\n"
    p = xs(daemon, "state", "frob", check=False)
    assert p.returncode == 1 and "unknown sa command 'frob'" in p.stderr
