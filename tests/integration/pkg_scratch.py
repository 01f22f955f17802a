# SPDX-License-Identifier: GPL-2.0-only
"""Installs the xdpsec .deb into a scratch root and runs its units by hand.

Run by test_package.py as root inside fresh mount and network namespaces
(`unshare --mount --net`): /usr, /etc and /var are overlays whose changes
vanish with the namespace, /sys/fs/bpf is a bpffs of its own and
/run/xdpsec a tmpfs, so dpkg, the daemons and their pins touch nothing of
the host. systemd is not PID 1 here: the units' Exec lines are read from
the installed unit files and run as systemd would run them (instance %i,
EnvironmentFile, ${VAR} and $VAR, CapabilityBoundingSet and
NoNewPrivileges through setpriv, UMask, LimitCORE, RuntimeDirectory); what
that leaves out is said in docs/operations.md.

Usage: pkg_scratch.py DEB UPSTREAM_VERSION   (prints "PASS step" lines)
"""
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

INSTANCE = "test"
UNITS = "/lib/systemd/system"


def step(name):
    print(f"PASS {name}", flush=True)


def run(*cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode:
        raise AssertionError(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r


def scratch_root():
    """Overlays on the directories dpkg writes, in a tmpfs."""
    top = tempfile.mkdtemp(prefix="xs-pkg-root-")
    run("mount", "-t", "tmpfs", "tmpfs", top)
    for d in ("/usr", "/etc", "/var"):
        assert not os.path.islink(d), d
        up, work = f"{top}/up{d}", f"{top}/work{d}"
        os.makedirs(up)
        os.makedirs(work)
        run("mount", "-t", "overlay", "overlay", "-o",
            f"lowerdir={d},upperdir={up},workdir={work}", d)
    # Logs of the units stay in the tmpfs too.
    os.makedirs(f"{top}/tmp")
    tempfile.tempdir = f"{top}/tmp"
    run("mount", "-t", "bpf", "bpf", "/sys/fs/bpf")
    os.makedirs("/run/xdpsec", exist_ok=True)
    run("mount", "-t", "tmpfs", "-o", "mode=0700", "tmpfs", "/run/xdpsec")
    # A systemd directory here would make the maintainer scripts call it.
    assert not os.path.isdir("/run/systemd/system"), "systemd runs here: use it"


class Unit:
    """One instance of a template unit, as far as these units use systemd."""

    def __init__(self, name, instance):
        self.name = name.replace("@.", f"@{instance}.")
        self.instance = instance
        self.keys = {}
        with open(f"{UNITS}/{name}") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#") or line.startswith("["):
                    continue
                k, v = line.split("=", 1)
                self.keys.setdefault(k, []).append(v)
        self.env = {}
        for ef in self.keys.get("EnvironmentFile", []):
            optional = ef.startswith("-")
            path = self.spec(ef.lstrip("-"))
            if not os.path.exists(path) and optional:
                continue
            with open(path) as f:
                for line in f:
                    line = line.strip()
                    if line and not line.startswith("#"):
                        k, v = line.split("=", 1)
                        self.env[k] = " ".join(shlex.split(v))
        self.main = None
        self.log = tempfile.NamedTemporaryFile(prefix=f"xs-{self.name}-", suffix=".log",
                                               delete=False).name

    def spec(self, s):
        return s.replace("%i", self.instance).replace("%%", "%")

    def argv(self, line, extra=None):
        """An Exec line as argv: %i, then ${VAR} (one word) and $VAR
        (split at whitespace, possibly into nothing)."""
        env = dict(self.env, **(extra or {}))
        ignore = line.startswith("-")
        line = line.lstrip("-")
        assert line[0] == "/", f"{self.name}: prefix of '{line}' not handled here"
        out = []
        for w in shlex.split(self.spec(line)):
            m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", w)
            if m:
                out += env.get(m.group(1), "").split()
            else:
                out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                                  lambda x: env.get(x.group(1), ""), w))
        return out, ignore

    def sandbox(self, argv):
        """setpriv for the unit's capability bounding set and no-new-privs."""
        caps = " ".join(self.keys.get("CapabilityBoundingSet", [])).split()
        pre = ["setpriv", "--bounding-set",
               ",".join(["-all"] + ["+" + c.lower().removeprefix("cap_") for c in caps])]
        if self.keys.get("NoNewPrivileges") == ["yes"]:
            pre.append("--no-new-privs")
        return pre + ["--"] + argv

    def preexec(self):
        umask = self.keys.get("UMask", ["0022"])[-1]
        os.umask(int(umask, 8))
        if self.keys.get("LimitCORE") == ["0"]:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def exec_line(self, key, extra=None):
        for line in self.keys.get(key, []):
            argv, ignore = self.argv(line, extra)
            r = subprocess.run(self.sandbox(argv), capture_output=True, text=True,
                               env=dict(os.environ, **self.env), preexec_fn=self.preexec)
            if r.returncode and not ignore:
                raise AssertionError(f"{self.name} {key}={line}: exit {r.returncode}\n"
                                     f"{r.stdout}{r.stderr}\nlog:\n{self.logtext()}")

    def logtext(self):
        with open(self.log) as f:
            return f.read()

    def start(self, ready_socket):
        """ExecStart in the background; ready as for Type=notify: READY=1 on
        $NOTIFY_SOCKET, and by then the control socket is up; then
        ExecStartPost."""
        for d in self.keys.get("RuntimeDirectory", []):
            os.makedirs(f"/run/{d}", mode=0o700, exist_ok=True)
        assert len(self.keys["ExecStart"]) == 1
        assert self.keys.get("Type") == ["notify"], self.keys.get("Type")
        argv, _ = self.argv(self.keys["ExecStart"][0])
        nsdir = tempfile.mkdtemp(prefix="xs-notify-")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(f"{nsdir}/notify")
        notify.settimeout(0.1)
        log = open(self.log, "a")
        self.main = subprocess.Popen(self.sandbox(argv), stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, NOTIFY_SOCKET=f"{nsdir}/notify",
                                              **self.env),
                                     preexec_fn=self.preexec)
        log.close()
        deadline = time.monotonic() + 30
        try:
            while True:
                try:
                    if "READY=1" in notify.recv(4096).decode().split("\n"):
                        break
                except socket.timeout:
                    pass
                if self.main.poll() is not None:
                    raise AssertionError(f"{self.name} exited {self.main.returncode}:\n"
                                         f"{self.logtext()}")
                if time.monotonic() > deadline:
                    raise AssertionError(f"{self.name}: no READY=1\n{self.logtext()}")
        finally:
            notify.close()
            shutil.rmtree(nsdir, ignore_errors=True)
        assert os.path.exists(ready_socket), f"READY=1 before {ready_socket} exists"
        self.exec_line("ExecStartPost")

    def reload(self):
        self.exec_line("ExecReload", {"MAINPID": str(self.main.pid)})

    def stop(self):
        """ExecStop, then SIGTERM (KillSignal) to the main process."""
        self.exec_line("ExecStop", {"MAINPID": str(self.main.pid)})
        if self.main.poll() is None:
            self.main.send_signal(signal.SIGTERM)
        rc = self.main.wait(timeout=30)
        assert rc == 0, f"{self.name} exited {rc}:\n{self.logtext()}"

    def crash(self):
        self.main.send_signal(signal.SIGKILL)
        self.main.wait(timeout=30)


def package_files():
    out = run("dpkg", "-L", "xdpsec").stdout.split("\n")
    return [p for p in out if p and not os.path.isdir(p)]


def main():
    deb, upstream = sys.argv[1], sys.argv[2]
    scratch_root()
    step("scratch root: overlays on /usr /etc /var, own bpffs and /run/xdpsec")

    run("dpkg", "-i", deb)
    files = package_files()
    for p in ("/usr/sbin/xdpsec", "/usr/sbin/xdpsec-ike", f"{UNITS}/xdpsec@.service",
              f"{UNITS}/xdpsec-ike@.service", "/usr/share/man/man8/xdpsec.8.gz",
              "/usr/share/man/man8/xdpsec-ike.8.gz", "/usr/share/man/man5/xdpsec-ike.conf.5.gz",
              "/usr/share/bash-completion/completions/xdpsec",
              "/usr/share/bash-completion/completions/xdpsec-ike",
              "/etc/xdpsec/examples/host-to-host.conf", "/etc/xdpsec/examples/datapath.env"):
        assert p in files, f"{p} not in the package"
    conffiles = run("dpkg-query", "-W", "-f", "${Conffiles}", "xdpsec").stdout
    assert "/etc/xdpsec/examples/host-to-host.conf" in conffiles, conffiles
    assert "/etc/xdpsec/examples/datapath.env" in conffiles, conffiles
    assert os.stat("/etc/xdpsec").st_mode & 0o777 == 0o700
    for prog in ("xdpsec", "xdpsec-ike"):
        assert run(prog, "--version").stdout == f"{prog} {upstream}\n"
    assert run("man", "-w", "xdpsec-ike.conf").stdout.strip() == \
        "/usr/share/man/man5/xdpsec-ike.conf.5.gz"
    # No instance is enabled by installing.
    wants = [p for p in run("find", "/etc/systemd/system", "-name", "xdpsec*").stdout.split()]
    assert wants == [], wants
    r = run("systemd-analyze", "verify", f"{UNITS}/xdpsec@{INSTANCE}.service",
            f"{UNITS}/xdpsec-ike@{INSTANCE}.service")
    assert r.stdout == r.stderr == "", r.stdout + r.stderr
    step("dpkg -i: files, conffiles, /etc/xdpsec 0700, --version, man -w, "
         "nothing enabled, systemd-analyze verify on the installed units")

    # The instance: a veth pair in this namespace; the agent on one end.
    run("ip", "link", "set", "lo", "up")
    run("ip", "link", "add", "xa", "type", "veth", "peer", "name", "xb")
    for dev, addr in (("xa", "10.77.0.1/24"), ("xb", "10.77.0.2/24")):
        run("ip", "addr", "add", addr, "dev", dev)
        run("ip", "link", "set", dev, "up")
    with open("/etc/xdpsec/examples/datapath.env") as f:
        env = f.read()
    env = env.replace("XDPSEC_IFACE=eth0", "XDPSEC_IFACE=xa")
    env = env.replace('XDPSEC_ATTACH_OPTS="mode auto"',
                      'XDPSEC_ATTACH_OPTS="mode generic workers 1"')
    assert "XDPSEC_IFACE=xa" in env and "workers 1" in env
    with open(f"/etc/xdpsec/{INSTANCE}.env", "w") as f:
        f.write(env)
    with open("/etc/xdpsec/examples/host-to-host.conf") as f:
        conf = f.read()
    conf = conf.replace("192.0.2.1", "10.77.0.1").replace("192.0.2.2", "10.77.0.2")
    conf = conf.replace("start_action = start", "start_action = none")
    with open(f"/etc/xdpsec/{INSTANCE}.conf", "w") as f:
        f.write(conf)

    dp = Unit("xdpsec@.service", INSTANCE)
    dp.start(f"/run/xdpsec/{INSTANCE}.sock")
    status = run("xdpsec", "-i", INSTANCE, "status").stdout
    assert re.search(r"^\s+xa ifindex \d+ mode generic", status, re.M), status
    pins = f"/sys/fs/bpf/xdpsec/{INSTANCE}"
    assert os.path.isdir(pins) and os.listdir(pins), pins
    assert "xdpgeneric" in run("ip", "link", "show", "xa").stdout
    step("xdpsec@test: ExecStart (bounded capabilities), ExecStartPost attached xa, pins")

    ike = Unit("xdpsec-ike@.service", INSTANCE)
    ike.start(f"/run/xdpsec/{INSTANCE}-ike.sock")
    run("xdpsec-ike", "-i", INSTANCE, "-j", "stats")
    ike.reload()
    deadline = time.monotonic() + 10
    while "reloaded" not in ike.logtext():
        assert time.monotonic() < deadline, ike.logtext()
        time.sleep(0.1)
    assert ike.main.poll() is None, "the agent died on SIGHUP"
    run("xdpsec-ike", "-i", INSTANCE, "stats")
    step("xdpsec-ike@test: ExecStart (CAP_NET_BIND_SERVICE only), serves, "
         "ExecReload (SIGHUP) reloaded")

    ike.stop()
    dp.stop()
    assert not os.path.exists(pins), os.listdir(pins)
    assert "xdp" not in run("ip", "link", "show", "xa").stdout
    step("stop: agent exited 0, ExecStop detached xa, pins gone")

    # A datapath that dies is not detached: its pins stay (fail-closed).
    dp = Unit("xdpsec@.service", INSTANCE)
    dp.start(f"/run/xdpsec/{INSTANCE}.sock")
    dp.crash()
    assert os.listdir(pins)
    step("crash: SIGKILL leaves the programs and pins (fail-closed)")

    run("dpkg", "-r", "xdpsec")
    assert not os.path.exists("/usr/sbin/xdpsec")
    assert os.path.exists("/etc/xdpsec/examples/datapath.env")
    assert os.path.exists(f"/etc/xdpsec/{INSTANCE}.env")
    step("dpkg -r: binaries gone, configuration kept")

    run("dpkg", "--purge", "xdpsec")
    assert not os.path.exists("/etc/xdpsec")
    assert not os.path.exists("/sys/fs/bpf/xdpsec"), os.listdir("/sys/fs/bpf/xdpsec")
    left = [p for p in files if os.path.lexists(p)]
    assert left == [], left
    r = run("dpkg-query", "-W", "-f", "${Status}", "xdpsec", check=False)
    assert "installed" not in r.stdout or "not-installed" in r.stdout, r.stdout
    step("dpkg --purge: /etc/xdpsec gone, nothing in bpffs, no file left")


if __name__ == "__main__":
    main()
