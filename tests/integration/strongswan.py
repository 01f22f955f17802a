# SPDX-License-Identifier: GPL-2.0-only
"""strongSwan's charon as a peer inside a network namespace.

Runs the IKE daemon of strongSwan 5.9 (Debian packages strongswan-charon,
strongswan-swanctl, libcharon-extra-plugins, libstrongswan-standard-plugins,
libstrongswan-extra-plugins) with its userspace ESP datapath, the
kernel-libipsec plugin, so no in-kernel XFRM is needed. Used by the tunnel
benchmark (bench/bench_tunnel.py) and by the IKE interop tests.

Everything an instance touches lives in one private directory:

    DIR/strongswan.conf   charon's settings (STRONGSWAN_CONF points here)
    DIR/swanctl.conf      connections and secrets, loaded over VICI
    DIR/charon.vici       the VICI socket swanctl talks to
    DIR/charon.log        charon's file log
    DIR/run/              bind-mounted over /run in charon's private mount
                          namespace: charon writes /var/run/charon.pid at a
                          fixed path and must not meet another instance there

Facts this module relies on (docs/bench-tunnel.md, shared strongSwan notes):
kernel-libipsec supports tunnel mode only, always UDP-encapsulates ESP (it
fakes a NAT so IKE floats to 4500), and sends and receives cleartext through
a TUN device it routes the remote traffic selectors into (routing table 220
by default). With load_modular = no the plugin list must name kdf (5.9.8
derives keys through it) and kernel-libipsec before kernel-netlink.

Typical use, with `ns` a namespace name or any object with a `.name`
(tests/integration/netns.py's Netns):

    conn = SiteToSite(name="gw", local_addr="192.0.2.1", remote_addr="192.0.2.2",
                      psk=secret, local_ts=["10.1.0.0/24"], remote_ts=["10.2.0.0/24"])
    a = Charon(ns_a, tmpdir / "a").start()
    a.load([conn])
    ...   # the peer loads conn.mirrored()
    a.initiate("gw")                      # blocks until the CHILD_SA is up
    sa = a.wait_child_sa("gw")            # {"spi-in": ..., "state": "INSTALLED", ...}
    a.terminate("gw")
    a.stop()

Every Charon is also registered for teardown at interpreter exit, so a
failing caller leaves no daemon behind.
"""
import atexit
import dataclasses
import os
import pathlib
import signal
import subprocess
import threading
import time

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "/usr/sbin/swanctl"

# kernel-libipsec must come before kernel-netlink (it registers the IPsec
# interface, netlink keeps routes and addresses); kdf is needed by 5.9.8.
PLUGINS = ("random nonce openssl aes sha1 sha2 hmac kdf gcm chapoly curve25519 "
           "kernel-libipsec kernel-netlink socket-default vici")

IKE_PROPOSAL = "aes128gcm16-prfsha256-x25519"
ESP_PROPOSAL = "aes128gcm16"

# Log levels (Charon(log_levels=...)) that make charon.log carry the IKE and
# CHILD_SA keys, SPIs and algorithms, e.g. to decrypt a capture.
KEY_LOG_LEVELS = {"ike": 4, "chd": 4, "mgr": 2, "esp": 2}

_live = set()
_live_lock = threading.Lock()


def _stop_all():
    with _live_lock:
        left = list(_live)
    for c in left:
        try:
            c.stop()
        except Exception:  # teardown goes on
            pass


atexit.register(_stop_all)


class StrongswanError(RuntimeError):
    """A swanctl command failed or charon did not behave in time."""


def available():
    """True when charon, swanctl and the kernel-libipsec plugin are installed."""
    plugin = pathlib.Path("/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so")
    return (os.access(CHARON, os.X_OK) and os.access(SWANCTL, os.X_OK)
            and plugin.exists())


def _ns_name(ns):
    return ns if isinstance(ns, str) else ns.name


def _netns_cmd(ns, args):
    return ["nsenter", f"--net=/run/netns/{_ns_name(ns)}", "--"] + [str(a) for a in args]


# ---------------------------------------------------------- configuration

def _quote(value):
    """One swanctl.conf / strongswan.conf value: booleans as yes/no, lists
    comma-joined, strings with blanks or specials double-quoted."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ",".join(_quote(v) for v in value)
    s = str(value)
    if s == "" or any(ch in s for ch in ' \t"{}=#,\\'):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def render_settings(tree, indent=0):
    """Renders a nested dict as strongSwan settings text (the syntax of
    both strongswan.conf and swanctl.conf). Dict values become sections;
    None values are left out."""
    pad = "\t" * indent
    out = []
    for key, value in tree.items():
        if value is None:
            continue
        if isinstance(value, dict):
            out.append(f"{pad}{key} {{")
            out.append(render_settings(value, indent + 1))
            out.append(f"{pad}}}")
        else:
            out.append(f"{pad}{key} = {_quote(value)}")
    return "\n".join(line for line in out if line != "")


@dataclasses.dataclass
class SiteToSite:
    """A PSK-authenticated IKEv2 connection with one tunnel-mode CHILD_SA
    between two sets of traffic selectors (subnets, or host prefixes).

    name names the connection, its CHILD_SA and its secret. The identities
    default to the outer addresses. conn_extra, child_extra, local_extra and
    remote_extra are merged into the generated sections (swanctl.conf keys,
    e.g. {"rekey_time": "0"} or {"dpd_delay": "5s"}), so a test can set any
    knob without this class knowing it.
    """
    name: str
    local_addr: str
    remote_addr: str
    psk: str
    local_ts: list
    remote_ts: list
    local_id: str = None
    remote_id: str = None
    ike_proposals: str = IKE_PROPOSAL
    esp_proposals: str = ESP_PROPOSAL
    mode: str = "tunnel"
    start_action: str = "none"
    conn_extra: dict = dataclasses.field(default_factory=dict)
    child_extra: dict = dataclasses.field(default_factory=dict)
    local_extra: dict = dataclasses.field(default_factory=dict)
    remote_extra: dict = dataclasses.field(default_factory=dict)

    def mirrored(self, **changes):
        """The same connection as the peer sees it (local and remote
        swapped), with optional field changes."""
        m = dataclasses.replace(
            self, local_addr=self.remote_addr, remote_addr=self.local_addr,
            local_id=self.remote_id, remote_id=self.local_id,
            local_ts=list(self.remote_ts), remote_ts=list(self.local_ts),
            local_extra=dict(self.remote_extra), remote_extra=dict(self.local_extra))
        return dataclasses.replace(m, **changes) if changes else m

    def connection(self):
        """The connections.<name> section as a dict."""
        conn = {
            "version": 2,
            "local_addrs": self.local_addr,
            "remote_addrs": self.remote_addr,
            "proposals": self.ike_proposals,
            "mobike": False,
            "local": dict({"auth": "psk", "id": self.local_id or self.local_addr},
                          **self.local_extra),
            "remote": dict({"auth": "psk", "id": self.remote_id or self.remote_addr},
                           **self.remote_extra),
            "children": {
                self.name: dict({
                    "local_ts": list(self.local_ts),
                    "remote_ts": list(self.remote_ts),
                    "esp_proposals": self.esp_proposals,
                    "mode": self.mode,
                    "start_action": self.start_action,
                }, **self.child_extra),
            },
        }
        conn.update(self.conn_extra)
        return conn

    def secret(self):
        """The secrets.ike-<name> section as a dict (both identities)."""
        return {
            "id-local": self.local_id or self.local_addr,
            "id-remote": self.remote_id or self.remote_addr,
            "secret": self.psk,
        }


def swanctl_conf(conns):
    """swanctl.conf text for the given SiteToSite connections."""
    tree = {
        "connections": {c.name: c.connection() for c in conns},
        "secrets": {f"ike-{c.name}": c.secret() for c in conns},
    }
    return render_settings(tree) + "\n"


def strongswan_conf(workdir, plugins=PLUGINS, log_levels=None, fwmark=None,
                    allow_peer_ts=False, extra=None):
    """strongswan.conf text for one charon living in workdir.

    fwmark: with traffic selectors that cover the peers' own addresses
    (host-to-host), charon's IKE/ESP packets would be routed into its own
    TUN device; marking charon's socket with fwmark and letting the routing
    rule skip that mark (with allow_peer_ts) keeps them on the wire.
    extra: a dict merged into the charon section (nested dicts are
    sections), e.g. {"plugins": {"kernel-libipsec": {"mtu": 1400}}}.
    """
    workdir = pathlib.Path(workdir)
    levels = {"default": 1}
    levels.update(log_levels or {})
    plug = {"vici": {"socket": f"unix://{workdir / 'charon.vici'}"}}
    if fwmark is not None:
        plug["socket-default"] = {"fwmark": f"0x{fwmark:x}"}
        plug["kernel-netlink"] = {"fwmark": f"!0x{fwmark:x}"}
    if allow_peer_ts:
        plug["kernel-libipsec"] = {"allow_peer_ts": True}
    charon = {
        "load_modular": False,
        "load": plugins,
        "install_virtual_ip": False,
        "retransmit_tries": 3,
        "retransmit_timeout": 1.0,
        "filelog": {
            "main": dict({"path": str(workdir / "charon.log"), "time_format": "%H:%M:%S",
                          "ike_name": True, "append": False, "flush_line": True},
                         **levels),
        },
        # No syslog: the host's log is not ours to fill.
        "syslog": {"daemon": {"default": -1}},
        "plugins": plug,
    }
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(charon.get(key), dict):
            merged = dict(charon[key])
            for k, v in value.items():
                if isinstance(v, dict) and isinstance(merged.get(k), dict):
                    merged[k] = dict(merged[k], **v)
                else:
                    merged[k] = v
            charon[key] = merged
        else:
            charon[key] = value
    return render_settings({"charon": charon}) + "\n"


# ------------------------------------------------------ swanctl --pretty

def parse_pretty(text):
    """Parses `swanctl ... --pretty` output into a list of (event, dict).

    The format is one item per line: `name {` opens a section, `}` closes
    it, `key = [` opens a list closed by `]`, `key = value` is a value (the
    rest of the line, blanks included), a bare line inside a list is an item.
    """
    events = []
    stack = []          # open containers; stack[0] is the event's dict
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not stack:
            if line.endswith("{"):
                ev = {}
                events.append((line[:-1].strip(), ev))
                stack.append(ev)
            continue
        top = stack[-1]
        if line == "}" or line == "]":
            stack.pop()
            continue
        if isinstance(top, list):
            top.append(line)
            continue
        if line.endswith("{") and " = " not in line:
            sec = {}
            top[line[:-1].strip()] = sec
            stack.append(sec)
            continue
        key, sep, value = line.partition(" = ")
        if not sep:
            key, sep, value = line.partition("=")
        if value == "[":
            lst = []
            top[key.strip()] = lst
            stack.append(lst)
        else:
            top[key.strip()] = value
    return events


# ----------------------------------------------------------------- charon

class Charon:
    """One charon in network namespace ns with its own private directory.

    start() returns once the VICI socket answers. stop() terminates charon
    (SIGTERM; it removes its TUN device, routes and routing rule) and kills
    it if it lingers. The working directory is kept for post-mortems.
    """

    def __init__(self, ns, workdir, log_levels=None, fwmark=None, allow_peer_ts=False,
                 extra=None, plugins=PLUGINS):
        self.ns = ns
        self.workdir = pathlib.Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "run").mkdir(exist_ok=True)
        self.conf = self.workdir / "strongswan.conf"
        self.swanctl_file = self.workdir / "swanctl.conf"
        self.vici = self.workdir / "charon.vici"
        self.log = self.workdir / "charon.log"
        self.conf.write_text(strongswan_conf(self.workdir, plugins, log_levels, fwmark,
                                             allow_peer_ts, extra))
        self.proc = None
        self._out = None

    @property
    def uri(self):
        return f"unix://{self.vici}"

    def env(self):
        e = dict(os.environ)
        e["STRONGSWAN_CONF"] = str(self.conf)
        return e

    def start(self, timeout=10):
        """Starts charon in its namespace, in a private mount namespace whose
        /run is self.workdir/run. Returns self."""
        if self.proc is not None and self.proc.poll() is None:
            raise StrongswanError("charon already running")
        try:
            self.vici.unlink()
        except FileNotFoundError:
            pass
        run = self.workdir / "run"
        script = f'mount --bind "{run}" /run && exec "{CHARON}"'
        self._out = open(self.workdir / "charon.stdout", "w")
        self.proc = subprocess.Popen(
            _netns_cmd(self.ns, ["unshare", "--mount", "--propagation", "private",
                                 "sh", "-c", script]),
            stdin=subprocess.DEVNULL, stdout=self._out, stderr=subprocess.STDOUT,
            env=self.env(), start_new_session=True)
        with _live_lock:
            _live.add(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StrongswanError(f"charon exited with {self.proc.returncode}:\n"
                                      f"{self.log_tail()}")
            if self.vici.exists():
                p = self.swanctl("--stats", check=False)
                if p.returncode == 0:
                    return self
            time.sleep(0.05)
        raise StrongswanError(f"charon not ready in {timeout}s:\n{self.log_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def swanctl(self, *args, check=True, timeout=30):
        """Runs swanctl against this charon (in its namespace); returns the
        CompletedProcess, raising StrongswanError on failure when check."""
        cmd = _netns_cmd(self.ns, [SWANCTL] + [str(a) for a in args] + ["--uri", self.uri])
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           env=self.env())
        if check and p.returncode != 0:
            raise StrongswanError(f"swanctl {' '.join(map(str, args))} failed "
                                  f"({p.returncode}):\n{p.stdout}{p.stderr}\n"
                                  f"charon log:\n{self.log_tail()}")
        return p

    def load(self, conns):
        """Writes swanctl.conf for the SiteToSite connections and loads
        connections and secrets (replacing what was loaded before)."""
        self.swanctl_file.write_text(swanctl_conf(conns))
        os.chmod(self.swanctl_file, 0o600)
        return self.swanctl("--load-all", "--clear", "--file", self.swanctl_file)

    def initiate(self, child, ike=None, timeout=20):
        """Initiates CHILD_SA child (and its IKE_SA); blocks until it is
        established or failed, raising StrongswanError on failure."""
        args = ["--initiate", "--child", child, "--timeout", str(timeout)]
        if ike:
            args += ["--ike", ike]
        return self.swanctl(*args, timeout=timeout + 10)

    def terminate(self, ike, timeout=10, force=False):
        """Terminates IKE_SA ike (with its CHILD_SAs)."""
        args = ["--terminate", "--ike", ike, "--timeout", str(timeout)]
        if force:
            args.append("--force")
        return self.swanctl(*args, timeout=timeout + 10)

    def list_sas(self, ike=None):
        """{ike_name: ike_sa_dict} from swanctl --list-sas --pretty; each
        IKE_SA dict has a "child-sas" dict keyed "<name>-<uniqueid>"."""
        args = ["--list-sas", "--pretty", "--noblock"]
        if ike:
            args += ["--ike", ike]
        out = {}
        for event, body in parse_pretty(self.swanctl(*args).stdout):
            if event.startswith("list-sa"):
                out.update(body)
        return out

    def child_sas(self, child):
        """Every CHILD_SA named child, as dicts (state, spi-in, spi-out,
        encap, local-ts, remote-ts, bytes-in, ...)."""
        found = []
        for ike in self.list_sas().values():
            for sa in (ike.get("child-sas") or {}).values():
                if sa.get("name") == child:
                    found.append(sa)
        return found

    def wait_child_sa(self, child, timeout=20, state="INSTALLED"):
        """Waits until a CHILD_SA named child is in state; returns its dict."""
        deadline = time.monotonic() + timeout
        while True:
            for sa in self.child_sas(child):
                if sa.get("state") == state:
                    return sa
            if time.monotonic() >= deadline or not self.alive():
                raise StrongswanError(f"no {state} CHILD_SA {child} in {timeout}s:\n"
                                      f"{self.log_tail()}")
            time.sleep(0.1)

    def tun_devices(self):
        """The TUN devices (names) in charon's namespace: libipsec's is one."""
        p = subprocess.run(_netns_cmd(self.ns, ["ip", "-o", "link", "show", "type", "tun"]),
                           capture_output=True, text=True, timeout=10)
        return [ln.split(":")[1].strip().split("@")[0] for ln in p.stdout.splitlines()
                if ln.count(":") >= 2]

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, chars=4000):
        return self.log_text()[-chars:] or "(no charon log)"

    def stop(self, timeout=10):
        """SIGTERM (charon tears down its SAs, TUN device and routes), then
        SIGKILL if it is still there after timeout seconds. Idempotent."""
        with _live_lock:
            _live.discard(self)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._out is not None:
            self._out.close()
            self._out = None
