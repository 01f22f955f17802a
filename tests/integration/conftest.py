# SPDX-License-Identifier: GPL-2.0-only
"""Shared fixtures for the integration tests.

XS_BUILD names the build directory (default: this checkout's build/). A missing
binary fails the test instead of skipping it: a test that cannot run must
not look green.
"""
import os
import pathlib
import subprocess
import threading

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def build_dir_path():
    env = os.environ.get("XS_BUILD")
    if env:
        return pathlib.Path(env).resolve()
    return REPO / "build"


@pytest.fixture(scope="session")
def build_dir():
    d = build_dir_path()
    if not d.is_dir():
        pytest.fail(f"build directory {d} missing: run `make` first or set XS_BUILD")
    return d


@pytest.fixture(scope="session")
def harness_path(build_dir):
    p = build_dir / "tests" / "xs_harness"
    if not os.access(p, os.X_OK):
        pytest.fail(f"{p} missing: run `make tests`")
    return p


class HarnessError(RuntimeError):
    pass


class Harness:
    """One xs_harness process speaking the line protocol of
    tests/harness/xs_harness.c: one answer line per command line."""

    def __init__(self, path):
        self.path = str(path)
        self.proc = subprocess.Popen(
            [self.path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, bufsize=1 << 20)
        self._stderr = []
        self._err_thread = threading.Thread(target=self._drain_stderr, daemon=True)
        self._err_thread.start()

    def _drain_stderr(self):
        for line in self.proc.stderr:
            self._stderr.append(line)

    @staticmethod
    def _answers_expected(line):
        s = line.strip()
        return bool(s) and not s.startswith("#")

    def batch(self, lines):
        """Sends every line, returns the answers in order. Writing happens
        on a thread so a long batch cannot deadlock on full pipes."""
        lines = list(lines)
        want = sum(1 for ln in lines if self._answers_expected(ln))
        data = "".join(ln + "\n" for ln in lines)
        write_err = []

        def writer():
            try:
                self.proc.stdin.write(data)
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError) as e:  # reported below
                write_err.append(e)

        t = threading.Thread(target=writer, daemon=True)
        t.start()
        out = []
        for _ in range(want):
            ans = self.proc.stdout.readline()
            if not ans:
                t.join(5)
                rc = self.proc.poll()
                raise HarnessError(
                    f"xs_harness ended after {len(out)}/{want} answers "
                    f"(exit {rc}, write error {write_err}):\n" + "".join(self._stderr[-50:]))
            out.append(ans.rstrip("\n"))
        t.join()
        return out

    def cmd(self, line):
        return self.batch([line])[0]

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._err_thread.join(1)
        return self.proc.returncode


@pytest.fixture
def harness_factory(harness_path):
    """Returns a function starting a fresh xs_harness; all are closed (and
    must have exited cleanly) at teardown."""
    started = []

    def start():
        h = Harness(harness_path)
        started.append(h)
        return h

    yield start
    bad = []
    for h in started:
        rc = h.close()
        if rc != 0:
            bad.append((rc, "".join(h._stderr[-20:])))
    if bad:
        pytest.fail(f"xs_harness exited abnormally: {bad}")


@pytest.fixture
def harness(harness_factory):
    return harness_factory()


# ------------------------------------------------ datapath (netns) fixtures
# Used by test_datapath.py and test_bpftool.py; the helpers are in netns.py.

def _netns():
    import netns
    return netns


@pytest.fixture(scope="session")
def xdpsec_bin(build_dir):
    p = build_dir / "xdpsec"
    if not os.access(p, os.X_OK):
        pytest.fail(f"{p} missing: run `make`")
    return p


@pytest.fixture(scope="session")
def bpffs():
    """Root and a mounted bpffs (mounted here when missing)."""
    nn = _netns()
    if not nn.is_root():
        pytest.skip("needs root: network namespaces, XDP and bpffs")
    nn.ensure_bpffs()


@pytest.fixture
def link(bpffs):
    """Fresh namespaces A, B and the bridge namespace M (netns.Link)."""
    lk = _netns().Link()
    yield lk
    lk.delete()


@pytest.fixture
def ipsec_pair(link, xdpsec_bin, tmp_path):
    """Returns make(**kw) -> netns.IpsecPair on the test's link; daemons are
    detached and stopped at teardown (before the namespaces go)."""
    made = []

    def make(**kw):
        p = _netns().IpsecPair(link, xdpsec_bin, tmp_path, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()
