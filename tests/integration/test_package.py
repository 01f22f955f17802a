# SPDX-License-Identifier: GPL-2.0-only
"""The Debian package: built with dpkg-buildpackage from a copy of this
tree, checked by lintian (no error), then installed, run and purged in a
scratch root by pkg_scratch.py (see there: overlays in a private mount
namespace; systemd is not PID 1 on this machine or in CI, so the units'
Exec lines run by hand, with their capability bounding sets).

Also: debian/changelog names the version in VERSION, and both daemons
send READY=1 once they serve requests (their units are Type=notify).
"""
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from conftest import REPO

TOOLS = ("dpkg-buildpackage", "dh", "lintian", "setpriv", "unshare")


def upstream_version():
    return (REPO / "VERSION").read_text().strip()


def test_changelog_version():
    first = (REPO / "debian/changelog").read_text().split("\n")[0]
    m = re.fullmatch(r"xdpsec \(([^)]+)\) \S+; urgency=\w+", first)
    assert m, first
    # A native package: its version is the upstream version.
    assert m.group(1) == upstream_version()


@pytest.fixture(scope="module")
def debs(tmp_path_factory):
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        pytest.fail(f"{' '.join(missing)} missing: run scripts/setup.sh")
    top = tmp_path_factory.mktemp("deb")
    src = top / "xdpsec"
    if (REPO / ".git").exists():
        names = subprocess.run(["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard",
                                "-z"], check=True, capture_output=True).stdout.split(b"\0")
        for n in filter(None, names):
            f = REPO / n.decode()
            if f.is_file() or f.is_symlink():
                (src / n.decode()).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, src / n.decode(), follow_symlinks=False)
    else:
        shutil.copytree(REPO, src, symlinks=True,
                        ignore=shutil.ignore_patterns("build", "build-*", "__pycache__"))
    env = dict(os.environ, DEB_BUILD_OPTIONS=f"parallel={os.cpu_count() or 1} nocheck")
    t0 = time.monotonic()
    r = subprocess.run(["dpkg-buildpackage", "-b", "-us", "-uc"], cwd=src, env=env,
                       capture_output=True, text=True, timeout=1800)
    print(f"dpkg-buildpackage: {time.monotonic() - t0:.0f} s")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    v = upstream_version()
    changes = top / f"xdpsec_{v}_amd64.changes"
    deb = top / f"xdpsec_{v}_amd64.deb"
    assert changes.exists() and deb.exists(), sorted(p.name for p in top.iterdir())
    return changes, deb


def test_lintian(debs):
    changes, _ = debs
    t0 = time.monotonic()
    r = subprocess.run(["lintian", "--fail-on", "error", "--tag-display-limit", "0",
                        str(changes)], capture_output=True, text=True)
    print(f"lintian: {time.monotonic() - t0:.0f} s\n{r.stdout}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert not [l for l in r.stdout.split("\n") if l.startswith("E:")], r.stdout


def test_install_run_purge(debs):
    _, deb = debs
    r = subprocess.run(["unshare", "--mount", "--net", "--propagation", "private", "--fork",
                        sys.executable, str(pathlib.Path(__file__).with_name("pkg_scratch.py")),
                        str(deb), upstream_version()],
                       capture_output=True, text=True, timeout=600)
    print(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    passed = [l for l in r.stdout.split("\n") if l.startswith("PASS ")]
    assert len(passed) == 8, passed
    # The host is untouched.
    assert not os.path.exists("/usr/sbin/xdpsec")
    assert subprocess.run(["dpkg-query", "-W", "xdpsec"], capture_output=True).returncode != 0


def wait_ready(argv, sockpath, tmp_path, env=None):
    """Starts argv with NOTIFY_SOCKET set; once its control socket is up,
    whether READY=1 arrived (within a second more)."""
    ns = tmp_path / "notify"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(ns))
    s.settimeout(1.0)
    p = subprocess.Popen(argv, env=dict(os.environ, NOTIFY_SOCKET=str(ns), **(env or {})),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        # Not assertions: the expected failure is only a missing READY=1.
        while not os.path.exists(sockpath):
            if p.poll() is not None:
                raise RuntimeError(f"{argv}: exited {p.returncode}: {p.stderr.read()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{argv}: never listened on {sockpath}")
            time.sleep(0.05)
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            msg = ""
    finally:
        p.terminate()
        p.wait(timeout=20)
        s.close()
    return "READY=1" in msg.split("\n")


def test_datapath_sends_ready(build_dir, tmp_path):
    name = f"nt{os.getpid()}"
    assert wait_ready(["unshare", "--net", str(build_dir / "xdpsec"), "-i", name, "daemon",
                       "--foreground"], f"/run/xdpsec/{name}.sock", tmp_path)


def test_agent_sends_ready(build_dir, tmp_path):
    name = f"nt{os.getpid()}"
    conf = tmp_path / "a.conf"
    conf.write_text((REPO / "ike/examples/host-to-host.conf").read_text()
                    .replace("192.0.2.1", "127.0.0.1").replace("192.0.2.2", "127.0.0.2")
                    .replace("start_action = start", "start_action = none"))
    assert wait_ready(["unshare", "--net", "sh", "-c",
                       f"ip link set lo up && exec {build_dir}/xdpsec-ike -i {name} daemon "
                       f"--foreground --config {conf}"],
                      f"/run/xdpsec/{name}-ike.sock", tmp_path)
