# SPDX-License-Identifier: GPL-2.0-only
"""IKE test topologies: xdpsec datapath daemons with their IKE agents
(build/xdpsec-ike) in network namespaces, built on netns.py (namespaces,
daemons, captures, cleanup registry) and strongswan.py (charon peers).

    IkeConn / IkeChild   one connection of the agent's swanctl-shaped
                         config (docs/ike-config.md), rendered by
                         agent_conf(); IkeConn.mirrored() is the peer's view
    Agent                one `xdpsec-ike daemon --foreground` per instance:
                         list_sas(), stats(), initiate(), terminate(), ...
    IkeHost              a namespace with its xdpsec daemon attached to its
                         device and its agent (same instance name)
    IkePair              hosts A and B of a netns.Link (bridge namespace M
                         sees the wire), each an IkeHost
    NatTopo              initiator I -- NAT box N (nftables masquerade)
                         -- responder R, an IkeHost on I and on R

Waiting helpers (wait_for, wait_established, wait_no_sas) poll
`xdpsec-ike list-sas --json` and `xdpsec sa list --json`; their failure
messages carry both sides' agent logs and counters.

Also run as a script inside a namespace (bad-input probes):

    nsenter --net=/run/netns/NS /usr/bin/python3 ike_topo.py udp-probe \\
        ADDR PORT [--sport N] [--wait S]

reads one hex datagram a line on stdin, sends each from one UDP socket
and prints a JSON object {"answers": [[hex, ...] per datagram]} with
every datagram that came back within --wait seconds after it.

    ... ike_topo.py frame-flood IFNAME --pps N --seconds S

reads one hex Ethernet frame a line on stdin, then sends them round-robin
out of IFNAME (AF_PACKET) at N frames/s for S seconds and prints
{"sent": n}. spoofed_init_frames() makes such frames: IKE_SA_INIT
requests from many on-link addresses that never answer ARP
(init_flood() runs the helper).
"""
import dataclasses
import json
import os
import pathlib
import random
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))

import netns                       # noqa: E402
from netns import Daemon, Netns, register_cleanup, run_cleanup, sh, unique_name  # noqa: E402
import strongswan as sw           # noqa: E402

PYTHON = netns.PYTHON
RUN_DIR = netns.RUN_DIR

IKE_PROPOSAL = "aes128gcm16-prfsha256-x25519"
ESP_PROPOSAL = "aes128gcm16"


# ------------------------------------------------------------ configuration

@dataclasses.dataclass
class IkeChild:
    """children.NAME of an agent connection. None leaves a key out (the
    agent's default applies); extra is merged into the section."""
    name: str
    local_ts: tuple = ("dynamic",)
    remote_ts: tuple = ("dynamic",)
    esp_proposals: str = ESP_PROPOSAL
    ah_proposals: str = None
    mode: str = "tunnel"
    start_action: str = None
    dpd_action: str = None
    rekey_time: str = None
    life_time: str = None
    rand_time: str = None
    extra: dict = dataclasses.field(default_factory=dict)

    def section(self):
        d = {
            "local_ts": list(self.local_ts),
            "remote_ts": list(self.remote_ts),
            "mode": self.mode,
        }
        if self.ah_proposals:
            d["ah_proposals"] = self.ah_proposals
        else:
            d["esp_proposals"] = self.esp_proposals
        for key in ("start_action", "dpd_action", "rekey_time", "life_time",
                    "rand_time"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        d.update(self.extra)
        return d

    def mirrored(self, **changes):
        m = dataclasses.replace(self, local_ts=tuple(self.remote_ts),
                                remote_ts=tuple(self.local_ts), start_action=None)
        return dataclasses.replace(m, **changes) if changes else m


@dataclasses.dataclass
class IkeConn:
    """connections.NAME of the agent's config with its secret. remote_addr
    None means %any (responder only). local_id/remote_id default to the
    addresses (remote: %any when remote_addr is None)."""
    name: str
    local_addr: str
    remote_addr: str
    psk: str
    children: list = dataclasses.field(default_factory=list)
    local_id: str = None
    remote_id: str = None
    proposals: str = IKE_PROPOSAL
    rekey_time: str = None
    over_time: str = None
    rand_time: str = None
    dpd_delay: str = None
    dpd_timeout: str = None
    encap: bool = None
    keyingtries: int = None
    extra: dict = dataclasses.field(default_factory=dict)

    def lid(self):
        return self.local_id or self.local_addr

    def rid(self):
        return self.remote_id or self.remote_addr or "%any"

    def section(self):
        d = {
            "version": 2,
            "local_addrs": self.local_addr,
            "remote_addrs": self.remote_addr or "%any",
            "proposals": self.proposals,
        }
        for key in ("rekey_time", "over_time", "rand_time", "dpd_delay", "dpd_timeout",
                    "encap", "keyingtries"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        d["local"] = {"auth": "psk", "id": self.lid()}
        d["remote"] = {"auth": "psk", "id": self.rid()}
        d["children"] = {c.name: c.section() for c in self.children}
        d.update(self.extra)
        return d

    def secret(self):
        ids = {"id-local": self.lid()}
        if self.rid() != "%any":
            ids["id-remote"] = self.rid()
        return dict(ids, secret=self.psk)

    def mirrored(self, **changes):
        """The peer's view: addresses, identities and selectors swapped,
        no start actions."""
        m = dataclasses.replace(
            self, local_addr=self.remote_addr, remote_addr=self.local_addr,
            local_id=self.remote_id, remote_id=self.local_id,
            children=[c.mirrored() for c in self.children])
        return dataclasses.replace(m, **changes) if changes else m


def agent_conf(conns):
    """The agent's config text for IkeConns (docs/ike-config.md). The
    syntax is swanctl.conf's, rendered like charon's (strongswan.py)."""
    tree = {
        "connections": {c.name: c.section() for c in conns},
        "secrets": {f"ike-{c.name}": c.secret() for c in conns},
    }
    return sw.render_settings(tree) + "\n"


def need_nft():
    """nftables is needed for NAT and packet drops (scripts/setup.sh
    installs it); without it the test fails with this message."""
    if not shutil.which("nft"):
        raise RuntimeError("nft (nftables) missing: run scripts/setup.sh or "
                           "apt-get install nftables")


def new_psk():
    return "0x" + secrets.token_hex(32)


# -------------------------------------------------------------------- agent

def agent_path(build_dir):
    return pathlib.Path(build_dir) / "xdpsec-ike"


class AgentError(RuntimeError):
    pass


class Agent:
    """`xdpsec-ike -i INSTANCE daemon --config FILE --foreground --log FILE`
    in namespace ns (its pid is ours to SIGTERM or SIGKILL). The config and
    the log live in workdir."""

    def __init__(self, ns, instance, binary, workdir, fake_nat=False):
        self.ns = ns
        self.instance = instance
        self.binary = str(binary)
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf = self.workdir / f"{instance}-ike.conf"
        self.log = self.workdir / f"{instance}-ike.log"
        self.fake_nat = fake_nat
        self.proc = None
        self._key = register_cleanup(self._cleanup)

    def write_config(self, conns=None, text=None):
        self.conf.write_text(text if text is not None else agent_conf(conns))
        os.chmod(self.conf, 0o600)

    def start(self, timeout=10):
        assert self.proc is None or self.proc.poll() is not None
        args = [self.binary, "-i", self.instance, "daemon", "--config", self.conf,
                "--foreground", "--log", self.log]
        if self.fake_nat:
            args.append("--fake-nat")
        self.proc = subprocess.Popen(self.ns.cmd(args), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AgentError(f"agent {self.instance} exited with "
                                 f"{self.proc.returncode}:\n{self.log_tail()}")
            if self.cli_raw(["list-sas"]).returncode == 0:
                return self
            time.sleep(0.05)
        raise AgentError(f"agent {self.instance} not ready in {timeout}s:\n{self.log_tail()}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cli_raw(self, words, json_out=False, timeout=30):
        args = [self.binary, "-i", self.instance] + (["-j"] if json_out else [])
        return self.ns.run(args + [str(w) for w in words], check=False, timeout=timeout)

    def cli(self, *words, json_out=False, timeout=30):
        p = self.cli_raw(words, json_out, timeout)
        if p.returncode != 0:
            raise AgentError(f"xdpsec-ike -i {self.instance} {' '.join(map(str, words))}: "
                             f"rc {p.returncode}: {p.stderr.strip()} {p.stdout.strip()}\n"
                             f"log:\n{self.log_tail()}")
        if json_out:
            return json.loads(p.stdout)
        return p.stdout

    def list_sas(self):
        return self.cli("list-sas", json_out=True)

    def stats(self):
        return self.cli("stats", json_out=True)

    def counter(self, group, name):
        return int(self.stats()[group][name])

    @staticmethod
    def _wait_words(wait, timeout):
        if not wait:
            return ["--timeout", "0"]
        return ["--timeout", str(timeout)] if timeout is not None else []

    def initiate(self, conn, child=None, wait=True, timeout=None):
        """Waits for the outcome (raises AgentError if it fails) unless
        wait=False (--timeout 0: returns once the exchange is started)."""
        return self.cli("initiate", *self._wait_words(wait, timeout), conn,
                        *([child] if child else []), timeout=(timeout or 30) + 30)

    def terminate(self, conn, wait=True, timeout=None):
        return self.cli("terminate", *self._wait_words(wait, timeout), conn,
                        timeout=(timeout or 30) + 30)

    def reload(self):
        return self.cli("reload")

    def log_text(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, chars=5000):
        return self.log_text()[-chars:] or "(empty agent log)"

    def kill9(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout=10):
        """SIGTERM: the agent deletes its SAs (DELETE to peers, datapath
        SAs removed) and exits; SIGKILL if it lingers."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def _cleanup(self):
        try:
            self.stop()
        finally:
            for suffix in ("-ike.sock", "-ike.lock"):
                try:
                    (RUN_DIR / f"{self.instance}{suffix}").unlink()
                except OSError:
                    pass

    def cleanup(self):
        run_cleanup(self._key)


# --------------------------------------------------------------------- hosts

def instance_name(tag):
    """A unique instance name (at most 31 characters)."""
    return f"k{os.getpid() % 100000}{secrets.token_hex(3)}{tag}"[:31]


class IkeHost:
    """One side: namespace ns, its device dev with address addr, an xdpsec
    daemon attached to dev and an agent of the same instance."""

    def __init__(self, ns, dev, addr, build_dir, workdir, tag, datapath=True,
                 fake_nat=False):
        self.ns, self.dev, self.addr = ns, dev, addr
        self.instance = instance_name(tag)
        self.workdir = pathlib.Path(workdir)
        self.daemon = None
        if datapath:
            self.daemon = Daemon(ns, self.instance, netns.xdpsec_path(build_dir), workdir)
            self.daemon.start()
            self.daemon.attach(dev)
        self.agent = Agent(ns, self.instance, agent_path(build_dir), workdir, fake_nat)

    def start_agent(self, conns=None, text=None):
        self.agent.write_config(conns, text)
        return self.agent.start()

    def dp_sas(self):
        """`xdpsec sa list --json` of this host's datapath."""
        return self.daemon.cli("sa", "list", json_out=True) or []

    def dp_counters(self):
        """Nonzero rows of `xdpsec stats --json` as {group: {name: packets}}."""
        st = self.daemon.stats()
        return {g: {k: v["packets"] for k, v in rows.items() if v.get("packets")}
                for g, rows in st.items() if isinstance(rows, dict)}

    def dp_policies(self):
        return self.daemon.cli("policy", "list", json_out=True) or []

    def ping(self, addr, count=5, interval=0.1, timeout=2.0):
        return self.ns.ping(addr, count=count, interval=interval, timeout=timeout)

    def diag(self):
        out = [f"--- {self.instance} ({self.ns.name})"]
        try:
            if self.agent.alive():
                out.append("list-sas: " + json.dumps(self.agent.list_sas()))
                out.append("stats: " + json.dumps(self.agent.stats()))
            else:
                out.append(f"agent not running (rc {self.agent.proc and self.agent.proc.poll()})")
        except Exception as e:
            out.append(f"agent query failed: {e}")
        if self.daemon is not None:
            try:
                if self.daemon.alive():
                    sas = self.dp_sas()
                    out.append("datapath counters: " + json.dumps(self.dp_counters()))
                    out.append("datapath SAs: " + json.dumps(
                        [{k: s.get(k) for k in ("spi", "dir", "mode", "encap", "packets",
                                                "bytes", "drops") if k in s}
                         for s in sas]))
                else:
                    out.append(f"daemon log: {self.daemon.log_text()}")
            except Exception as e:
                out.append(f"datapath query failed: {e}")
        out.append("agent log (tail):\n" + self.agent.log_tail(3000))
        return "\n".join(out)

    def stop(self):
        self.agent.cleanup()
        if self.daemon is not None:
            self.daemon.cleanup()


class IkePair:
    """Hosts A and B of a netns.Link (IPv4 addresses link.v4), each with an
    xdpsec daemon attached to its device and an agent. configure() writes
    both configs (B's is A's mirrored unless given) and starts the agents,
    B (the responder) first."""

    def __init__(self, link, build_dir, workdir, family=4, datapath_b=True):
        self.link = link
        self.family = family
        self.addr_a, self.addr_b = link.addrs(family)
        link.route_mtu(family)
        self.a = self.b = None
        try:
            self.a = IkeHost(link.a, link.dev_a, self.addr_a, build_dir, workdir, "a")
            self.b = IkeHost(link.b, link.dev_b, self.addr_b, build_dir, workdir, "b",
                             datapath=datapath_b)
        except BaseException:
            self.stop()
            raise

    def conn(self, name="c", psk=None, children=None, **kw):
        """A's view of a connection A -> B."""
        return IkeConn(name=name, local_addr=self.addr_a, remote_addr=self.addr_b,
                       psk=psk or new_psk(), children=children or [], **kw)

    def configure(self, conns_a, conns_b=None):
        conns_b = conns_b if conns_b is not None else [c.mirrored() for c in conns_a]
        self.b.start_agent(conns_b)
        self.a.start_agent(conns_a)

    def capture(self, bpf_filter="", pcap=None, snaplen=0):
        return self.link.capture(bpf_filter, pcap, snaplen)

    def diag(self):
        return "\n".join(h.diag() for h in (self.a, self.b) if h is not None)

    def stop(self):
        for h in (self.a, self.b):
            if h is not None:
                h.stop()


class NatTopo:
    """initiator I -- NAT box N -- responder R, all IPv4:

        I i0 10.X.1.2/24 --- n-i 10.X.1.1 [N] n-r 10.X.2.1 --- r0 10.X.2.2/24 R

    N forwards and masquerades what leaves n-r (nftables), and forwards
    nothing but UDP 500/4500 (and ICMP errors tied to them): traffic between
    I and R can only go through the tunnel. R has a route to I's subnet via
    N, so sealed replies leave towards N (their outer destination is N's
    address after NAT). xdpsec + agent on I (i0) and R (r0); captures on
    N's devices see both sides of the NAT."""

    def __init__(self, build_dir, workdir):
        need_nft()
        tag = secrets.token_hex(2)
        x = random.randint(1, 254)
        self.net_i, self.net_r = f"10.{x}.1", f"10.{x}.2"
        self.addr_i, self.addr_n_i = f"{self.net_i}.2", f"{self.net_i}.1"
        self.addr_n_r, self.addr_r = f"{self.net_r}.1", f"{self.net_r}.2"
        self.i = self.n = self.r = None
        self.hi = self.hr = None
        try:
            self.i = Netns(unique_name(f"{tag}-nati"))
            self.n = Netns(unique_name(f"{tag}-natn"))
            self.r = Netns(unique_name(f"{tag}-natr"))
            sh(["ip", "link", "add", "i0", "netns", self.i.name, "type", "veth",
                "peer", "name", "n-i", "netns", self.n.name])
            sh(["ip", "link", "add", "r0", "netns", self.r.name, "type", "veth",
                "peer", "name", "n-r", "netns", self.n.name])
            for ns, dev, addr in ((self.i, "i0", self.addr_i), (self.n, "n-i", self.addr_n_i),
                                  (self.n, "n-r", self.addr_n_r), (self.r, "r0", self.addr_r)):
                ns.run(["ip", "addr", "add", f"{addr}/24", "dev", dev])
                ns.run(["ip", "link", "set", dev, "up"])
            self.i.run(["ip", "route", "add", "default", "via", self.addr_n_i])
            self.r.run(["ip", "route", "add", f"{self.net_i}.0/24", "via", self.addr_n_r,
                        "mtu", 1400])
            self.i.run(["ip", "route", "replace", f"{self.net_r}.0/24", "via", self.addr_n_i,
                        "mtu", 1400])
            self.n.sysctl("net.ipv4.ip_forward", 1)
            for ns, dev, addr, peer_ns, peer_dev in (
                    (self.i, "i0", self.addr_n_i, self.n, "n-i"),
                    (self.n, "n-i", self.addr_i, self.i, "i0"),
                    (self.n, "n-r", self.addr_r, self.r, "r0"),
                    (self.r, "r0", self.addr_n_r, self.n, "n-r")):
                ns.run(["ip", "neigh", "replace", addr, "lladdr", peer_ns.mac(peer_dev),
                        "dev", dev, "nud", "permanent"])
            self.n.run(["nft", "-f", "-"], input=self.nft_rules())
            self.hi = IkeHost(self.i, "i0", self.addr_i, build_dir, workdir, "i")
            self.hr = IkeHost(self.r, "r0", self.addr_r, build_dir, workdir, "r")
        except BaseException:
            self.delete()
            raise

    def nft_rules(self):
        return """
table ip xsnat {
    chain xsfwd {
        type filter hook forward priority 0; policy drop;
        udp dport { 500, 4500 } accept
        udp sport { 500, 4500 } accept
        ct state established,related ip protocol icmp accept
    }
    chain xspost {
        type nat hook postrouting priority 100;
        oifname "n-r" masquerade
    }
}
"""

    def capture(self, side="r", bpf_filter="", pcap=None, snaplen=0):
        """On N's device facing R ("r": after NAT) or I ("i": before)."""
        return netns.Capture(self.n, "n-r" if side == "r" else "n-i", bpf_filter, pcap,
                             snaplen)

    def diag(self):
        return "\n".join(h.diag() for h in (self.hi, self.hr) if h is not None)

    def delete(self):
        for h in (self.hi, self.hr):
            if h is not None:
                h.stop()
        for ns in (self.i, self.n, self.r):
            if ns is not None:
                ns.delete()


# ------------------------------------------------------------------ waiting

def wait_for(pred, timeout, what, diag=None, step=0.1):
    """Polls pred() until it returns something truthy (returned); raises
    AssertionError naming what (with diag() appended) after timeout."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while True:
        try:
            v = pred()
            if v:
                return v
        except AgentError as e:
            last_exc = e
        if time.monotonic() >= deadline:
            msg = f"timed out after {timeout}s waiting for {what}"
            if last_exc:
                msg += f"\nlast error: {last_exc}"
            if diag:
                msg += "\n" + diag()
            raise AssertionError(msg)
        time.sleep(step)


def established(agent, conn=None, children=1):
    """The established IKE SAs of agent (of conn) with at least `children`
    Child SAs."""
    return [s for s in agent.list_sas()
            if s["state"] == "established" and (conn is None or s["conn"] == conn)
            and len(s["children"]) >= children]


def wait_established(agent, conn=None, children=1, timeout=20, diag=None):
    """Waits for an established IKE SA of conn with `children` Child SAs;
    returns it."""
    return wait_for(lambda: (established(agent, conn, children) or [None])[0], timeout,
                    f"{agent.instance}: established IKE SA {conn or ''} with "
                    f"{children} Child SA(s)", diag)


def wait_no_sas(host, timeout=25, diag=None, datapath=True):
    """Waits until host's agent lists no IKE SA and (datapath) its xdpsec
    daemon holds no SA and no policy."""
    def empty():
        if host.agent.list_sas():
            return False
        if datapath and host.daemon is not None and (host.dp_sas() or host.dp_policies()):
            return False
        return True
    return wait_for(empty, timeout, f"{host.instance}: no IKE SAs and an empty datapath",
                    diag)


def ike_spis(sas):
    """The set of (spi_i, spi_r) of a list-sas listing."""
    return {(s["spi_i"], s["spi_r"]) for s in sas}


def dp_spis(host):
    """The set of (spi, dir) of host's datapath SAs."""
    return {(s["spi"], s["dir"]) for s in host.dp_sas()}


# ------------------------------------------------------ loss attribution

def kernel_counters(ns):
    """The kernel's drop counters of namespace ns: {"Ip": {...}, "Udp":
    {...}} from /proc/net/snmp (per namespace) and {"link": {dev: {"rx_dropped",
    "tx_dropped", "rx_errors", "tx_errors", "rx_over_errors"}}} from
    `ip -s link`."""
    out = {}
    lines = ns.run(["cat", "/proc/net/snmp"]).stdout.splitlines()
    for names, values in zip(lines[::2], lines[1::2]):
        group, keys = names.split(":", 1)
        _, vals = values.split(":", 1)
        if group in ("Ip", "Udp"):
            out[group] = {k: int(v) for k, v in zip(keys.split(), vals.split())}
    out["link"] = {}
    for dev in json.loads(ns.run(["ip", "-s", "-j", "link"]).stdout):
        st = dev.get("stats64") or dev.get("stats") or {}
        rx, tx = st.get("rx", {}), st.get("tx", {})
        out["link"][dev["ifname"]] = {
            "rx_dropped": rx.get("dropped", 0), "tx_dropped": tx.get("dropped", 0),
            "rx_errors": rx.get("errors", 0), "tx_errors": tx.get("errors", 0),
            "rx_over_errors": rx.get("over_errors", 0)}
    return out


def counter_delta(before, after):
    """after - before of nested {group: {name: n}} dicts (missing = 0);
    only the names that changed."""
    out = {}
    for g in set(before) | set(after):
        b, a = before.get(g, {}), after.get(g, {})
        if isinstance(a, dict) or isinstance(b, dict):
            d = counter_delta(b if isinstance(b, dict) else {}, a if isinstance(a, dict) else {})
            if d:
                out[g] = d
        else:
            if int(a or 0) - int(b or 0):
                out[g] = int(a or 0) - int(b or 0)
    return out


# ---------------------------------------------------------- udp-probe helper

def _udp_probe(addr, port, sport, wait):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", sport))
    answers = []
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        s.sendto(bytes.fromhex(line), (addr, port))
        got = []
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            r, _, _ = select.select([s], [], [], left)
            if not r:
                break
            data, _peer = s.recvfrom(65536)
            got.append(data.hex())
        answers.append(got)
    print(json.dumps({"answers": answers, "sport": s.getsockname()[1]}), flush=True)


def udp_probe(ns, addr, datagrams, port=500, sport=0, wait=0.5, timeout=None):
    """Sends datagrams (bytes) from ns to addr:port one by one; returns,
    per datagram, the list of datagrams (bytes) that came back within wait
    seconds."""
    data = "".join(bytes(d).hex() + "\n" for d in datagrams)
    p = subprocess.run(ns.cmd([PYTHON, str(HERE), "udp-probe", addr, port, "--sport", sport,
                               "--wait", wait]),
                       input=data, capture_output=True, text=True,
                       timeout=timeout or (len(datagrams) * (wait + 0.2) + 30))
    if p.returncode != 0:
        raise RuntimeError(f"udp-probe failed ({p.returncode}): {p.stderr}")
    res = json.loads(p.stdout.strip().splitlines()[-1])
    return [[bytes.fromhex(h) for h in got] for got in res["answers"]]


# ------------------------------------------------- spoofed IKE_SA_INIT flood

def init_request(spi=None):
    """An IKE_SA_INIT request (RFC 7296 §1.2) an agent answers: SA
    (AES-GCM-16-128, PRF-HMAC-SHA2-256, Curve25519), KE, Ni; random SPI,
    public value and nonce."""
    import struct
    spi = spi or secrets.token_bytes(8)

    def xf(last, ttype, tid, keylen=None):
        attrs = struct.pack("!HH", 0x800E, keylen) if keylen else b""
        return struct.pack("!BBHBBH", 0 if last else 3, 0, 8 + len(attrs), ttype, 0,
                           tid) + attrs
    xfs = xf(False, 1, 20, 128) + xf(False, 2, 5) + xf(True, 4, 31)
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(xfs), 1, 1, 0, 3) + xfs
    ke = struct.pack("!HH", 31, 0) + secrets.token_bytes(32)
    nonce = secrets.token_bytes(32)
    # SA(33) -> KE(34) -> Nonce(40)
    body = (struct.pack("!BBH", 34, 0, 4 + len(prop)) + prop +
            struct.pack("!BBH", 40, 0, 4 + len(ke)) + ke +
            struct.pack("!BBH", 0, 0, 4 + len(nonce)) + nonce)
    return struct.pack("!8s8sBBBBII", spi, bytes(8), 33, 0x20, 34, 0x08, 0,
                       28 + len(body)) + body


def spoofed_init_frames(dst_mac, dst_addr, subnet_prefix, hosts, per_host=4):
    """Ethernet frames carrying IKE_SA_INIT requests to dst_addr:500 from
    the on-link addresses subnet_prefix.<h> for h in hosts (IPv4, e.g.
    "10.1.2" and range(100, 164)), per_host each with fresh SPIs. Nobody
    has those addresses: the target's answers wait for ARP that never
    resolves."""
    from scapy.all import Ether, IP, UDP, Raw
    frames = []
    for h in hosts:
        src_mac = "02:66:6c:%02x:%02x:%02x" % (h >> 16 & 0xff, h >> 8 & 0xff, h & 0xff)
        for _ in range(per_host):
            frames.append(bytes(Ether(src=src_mac, dst=dst_mac) /
                                IP(src=f"{subnet_prefix}.{h}", dst=dst_addr) /
                                UDP(sport=500, dport=500) / Raw(init_request())))
    return frames


def init_flood(ns, ifname, frames, pps, seconds):
    """Starts the frame-flood helper in ns (frames round-robin out of
    ifname); returns the Popen. Its last stdout line is {"sent": n}."""
    p = subprocess.Popen(ns.cmd([PYTHON, str(HERE), "frame-flood", ifname, "--pps", pps,
                                 "--seconds", seconds]),
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    register_cleanup(lambda: p.poll() is None and (p.kill(), p.wait(10)))
    p.stdin.write("".join(bytes(f).hex() + "\n" for f in frames))
    p.stdin.close()
    return p


def _frame_flood(ifname, pps, seconds):
    frames = [bytes.fromhex(line.strip()) for line in sys.stdin if line.strip()]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    t0 = time.monotonic()
    n = 0
    while frames:
        now = time.monotonic() - t0
        if now >= seconds:
            break
        # paced in bursts of up to 10 ms worth
        due = int(now * pps)
        while n < due:
            try:
                s.send(frames[n % len(frames)])
            except OSError:
                pass
            n += 1
        time.sleep(0.01)
    print(json.dumps({"sent": n}), flush=True)


def _main(argv):
    import argparse
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("udp-probe")
    p.add_argument("addr")
    p.add_argument("port", type=int)
    p.add_argument("--sport", type=int, default=0)
    p.add_argument("--wait", type=float, default=0.5)
    p = sub.add_parser("frame-flood")
    p.add_argument("ifname")
    p.add_argument("--pps", type=float, default=1000)
    p.add_argument("--seconds", type=float, default=10)
    a = ap.parse_args(argv)
    if a.cmd == "frame-flood":
        _frame_flood(a.ifname, a.pps, a.seconds)
    else:
        _udp_probe(a.addr, a.port, a.sport, a.wait)


if __name__ == "__main__":
    import atexit
    atexit.unregister(netns._cleanup_all)
    _main(sys.argv[1:])
