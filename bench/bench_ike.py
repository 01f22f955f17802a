#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The IKE benchmark: IKE SA + first Child SA setups per second against a
responder on this machine, xdpsec's agent (with its datapath daemon
installing every Child SA) against strongSwan's charon (kernel-libipsec),
in one run, with one and the same load generator.

    initiator ns (charon, ADDRS addresses) ── veth ── responder ns
    10.203.0.11 .. 10.203.0.(10+ADDRS)               10.203.0.1

The load generator is charon (kernel-libipsec, so it installs its Child SAs
in userspace too) with CONNS connections: ADDRS local addresses times
PER_ADDR connections each (at most 16 at once per address: both responders
hold at most 16 half-open SAs per peer address). Every connection has distinct /32 traffic selectors inside
172.16.0.0/16 <-> 172.17.0.0/16, which both responders narrow to (one
connection there, remote %any). IKE aes128gcm16-prfsha256-x25519, ESP
aes128gcm16, PSK.

Two measurements per responder:

  parallel    ROUNDS rounds; each starts a fresh responder and a fresh
              initiator, loads the credentials, then times
              `swanctl --load-conns` with start_action = start on every
              connection (charon initiates them all at once) until
              charon reports CONNS IKE SAs and no half-open one, and
              checks that CONNS CHILD_SAs are INSTALLED. setups/s =
              CONNS / that time; the median round is reported.
  sequential  SEQ one-at-a-time `swanctl --initiate` (each blocks until its
              CHILD_SA is up): the latency of one setup, swanctl's own
              start-up included (the same for both responders).

Fairness: both responders demand cookies above 10 half-open SAs (xdpsec:
IKE_HALF_OPEN_COOKIE; charon: cookie_threshold = 10) and refuse more
than 16 half-open SAs per peer address (xdpsec: IKE_HALF_OPEN_PER_ADDR;
charon: block_threshold = 16, its default of 5 would make the load
generator wait for retransmissions). charon's responder runs its default
16 worker threads; xdpsec's agent is one thread. Both share the machine's
cores with the load generator.

It prints numbers and never asserts; it exits 1 only when a responder
could not be measured at all. The last line is always

    ike setups_per_s xdpsec=<x> strongswan=<y>

Run as root after `make`: `make bench-ike`, or bench/bench_ike.py [--build
DIR] [--addrs N] [--per-addr N] [--rounds N] [--seq N]. See
docs/ike-tests.md.
"""
import argparse
import os
import pathlib
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve()
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

import netns as nn          # noqa: E402  namespaces, xdpsec daemons, cleanup
import strongswan as sw     # noqa: E402  charon with kernel-libipsec
import ike_topo as it       # noqa: E402  the xdpsec IKE agent

NET = "10.203.0"
RESP = f"{NET}.1"
IKE_PROPOSAL = "aes128gcm16-prfsha256-x25519"
ESP_PROPOSAL = "aes128gcm16"
TS_I, TS_R = "172.16.0.0/16", "172.17.0.0/16"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------- topology

class Topology:
    def __init__(self, tag, n_addrs, n_conns):
        self.i = nn.Netns(f"{tag}-ini")
        self.r = nn.Netns(f"{tag}-resp")
        nn.sh(["ip", "link", "add", "ini0", "netns", self.i.name, "type", "veth",
               "peer", "name", "resp0", "netns", self.r.name])
        self.addrs = [f"{NET}.{11 + k}" for k in range(n_addrs)]
        for a in self.addrs:
            self.i.run(["ip", "addr", "add", f"{a}/24", "dev", "ini0"])
        self.r.run(["ip", "addr", "add", f"{RESP}/24", "dev", "resp0"])
        for ns, dev in ((self.i, "ini0"), (self.r, "resp0")):
            ns.run(["ip", "link", "set", dev, "up"])
        mac_i, mac_r = self.i.mac("ini0"), self.r.mac("resp0")
        self.i.run(["ip", "neigh", "replace", RESP, "lladdr", mac_r, "dev", "ini0",
                    "nud", "permanent"])
        for a in self.addrs:
            self.r.run(["ip", "neigh", "replace", a, "lladdr", mac_i, "dev", "resp0",
                        "nud", "permanent"])
        # Each connection's selectors are local addresses of their side:
        # libipsec routes the remote selector into its TUN device with a
        # local source address, and refuses a source that is not local.
        batch_i, batch_r = [], []
        for n in range(n_conns):
            li, ri = ts_pair(n)
            batch_i.append(f"address add {li} dev lo")
            batch_r.append(f"address add {ri} dev lo")
        self.i.run(["ip", "-batch", "-"], input="\n".join(batch_i) + "\n")
        self.r.run(["ip", "-batch", "-"], input="\n".join(batch_r) + "\n")

    def delete(self):
        self.i.delete()
        self.r.delete()


# ---------------------------------------------------------- configuration

def ts_pair(n):
    """Distinct /32 selectors of connection n (initiator's view)."""
    return f"172.16.{n // 250}.{n % 250 + 1}/32", f"172.17.{n // 250}.{n % 250 + 1}/32"


def initiator_conns(topo, per_addr, psk, start):
    """swanctl.conf text of the load generator: per_addr connections per
    address, start_action = start when start."""
    conns, n = {}, 0
    for a in topo.addrs:
        for _ in range(per_addr):
            li, ri = ts_pair(n)
            conns[f"b{n}"] = {
                "version": 2, "local_addrs": a, "remote_addrs": RESP,
                "proposals": IKE_PROPOSAL, "mobike": False, "keyingtries": 1,
                "local": {"auth": "psk", "id": a},
                "remote": {"auth": "psk", "id": RESP},
                "children": {f"b{n}": {
                    "local_ts": li, "remote_ts": ri, "esp_proposals": ESP_PROPOSAL,
                    "mode": "tunnel", "start_action": "start" if start else "none"}},
            }
            n += 1
    tree = {"connections": conns, "secrets": {"ike-bench": {"secret": psk}}}
    return sw.render_settings(tree) + "\n"


def charon_responder_conf(psk):
    tree = {
        "connections": {"bench": {
            "version": 2, "local_addrs": RESP, "remote_addrs": "%any",
            "proposals": IKE_PROPOSAL, "mobike": False,
            "local": {"auth": "psk", "id": RESP},
            "remote": {"auth": "psk", "id": "%any"},
            "children": {"bench": {"local_ts": TS_R, "remote_ts": TS_I,
                                   "esp_proposals": ESP_PROPOSAL, "mode": "tunnel"}},
        }},
        "secrets": {"ike-bench": {"secret": psk}},
    }
    return sw.render_settings(tree) + "\n"


def xdpsec_responder_conf(psk):
    return it.agent_conf([it.IkeConn(
        "bench", RESP, None, psk, local_id=RESP, proposals=IKE_PROPOSAL,
        children=[it.IkeChild("bench", local_ts=(TS_R,), remote_ts=(TS_I,),
                              esp_proposals=ESP_PROPOSAL)])])


# ------------------------------------------------------------ responders

class XdpsecResponder:
    name = "xdpsec"

    def __init__(self, topo, build, workdir, tag):
        self.topo, self.build, self.workdir = topo, build, workdir
        self.instance = f"{tag}r"[:31]
        self.daemon = nn.Daemon(topo.r, self.instance, build / "xdpsec", workdir)
        self.daemon.start()
        self.daemon.attach("resp0")
        self.agent = None

    def start(self, psk):
        self.agent = it.Agent(self.topo.r, self.instance, it.agent_path(self.build),
                              self.workdir)
        self.agent.write_config(text=xdpsec_responder_conf(psk))
        self.agent.start()

    def established(self):
        return len(it.established(self.agent))

    def stop(self):
        if self.agent is not None:
            self.agent.cleanup()
            self.agent = None
        # Nothing may be left in the datapath for the next round.
        left = self.daemon.cli("sa", "list", json_out=True) or []
        if left:
            log(f"bench-ike: xdpsec: {len(left)} datapath SAs left after the agent stopped")

    def log_tail(self):
        return self.agent.log_tail(3000) if self.agent else ""

    def close(self):
        self.stop()
        self.daemon.cleanup()


class CharonResponder:
    name = "strongswan"

    def __init__(self, topo, build, workdir, tag):
        self.topo, self.workdir = topo, workdir
        self.charon = None
        self.n = 0

    def start(self, psk):
        self.n += 1
        self.charon = sw.Charon(self.topo.r, self.workdir / f"charon-resp{self.n}",
                                extra={"cookie_threshold": 10, "block_threshold": 16})
        self.charon.start()
        self.charon.swanctl_file.write_text(charon_responder_conf(psk))
        self.charon.swanctl("--load-all", "--clear", "--file", self.charon.swanctl_file)

    def established(self):
        return sum(1 for s in self.charon.list_sas().values() if s.get("state") == "ESTABLISHED")

    def stop(self):
        if self.charon is not None:
            self.charon.stop()
            self.charon = None

    def log_tail(self):
        return self.charon.log_tail(3000) if self.charon else ""

    def close(self):
        self.stop()


# ---------------------------------------------------------- load generator

class Initiator:
    def __init__(self, topo, workdir, n):
        self.topo = topo
        # One IKE SA per connection: charon would otherwise put every
        # CHILD_SA of connections that differ only in their selectors into
        # one IKE SA.
        self.charon = sw.Charon(topo.i, workdir / f"charon-ini{n}",
                                extra={"reuse_ikesa": False})
        self.charon.start()
        self.file = self.charon.swanctl_file

    def stats(self):
        """(IKE SAs, half-open) from `swanctl --stats`."""
        out = self.charon.swanctl("--stats").stdout
        m = re.search(r"IKE_SAs:\s*(\d+)\s+total,\s*(\d+)\s+half-open", out)
        if not m:
            raise RuntimeError(f"swanctl --stats: {out}")
        return int(m.group(1)), int(m.group(2))

    def installed(self):
        n = 0
        for ike in self.charon.list_sas().values():
            if ike.get("state") != "ESTABLISHED":
                continue
            for ch in (ike.get("child-sas") or {}).values():
                if ch.get("state") == "INSTALLED":
                    n += 1
        return n

    def stop(self):
        self.charon.stop()


def parallel_round(topo, resp, workdir, conns_text, n_conns, round_no, timeout):
    """Seconds until n_conns IKE + Child SAs are up (None when not all came
    up within timeout), and how many did."""
    resp.start(PSK)
    ini = Initiator(topo, workdir, f"{resp.name}-{round_no}")
    try:
        # Credentials first; loading the connections starts them all.
        ini.file.write_text(conns_text)
        os.chmod(ini.file, 0o600)
        ini.charon.swanctl("--load-creds", "--file", ini.file)
        t0 = time.monotonic()
        ini.charon.swanctl("--load-conns", "--file", ini.file, timeout=120)
        deadline = t0 + timeout
        done = None
        while time.monotonic() < deadline:
            total, half = ini.stats()
            if total >= n_conns and half == 0:
                done = time.monotonic() - t0
                break
            time.sleep(0.02)
        up = ini.installed()
        if done is not None and up < n_conns:
            # established but not every CHILD_SA installed yet: wait for it
            while time.monotonic() < deadline and up < n_conns:
                time.sleep(0.02)
                up = ini.installed()
            done = time.monotonic() - t0 if up >= n_conns else None
        return done, up
    finally:
        ini.stop()
        resp.stop()


def sequential(topo, resp, workdir, conns_text, count):
    """Median seconds of one `swanctl --initiate` (IKE + Child SA) against
    resp, and how many succeeded."""
    resp.start(PSK)
    ini = Initiator(topo, workdir, f"{resp.name}-seq")
    times, ok = [], 0
    try:
        ini.file.write_text(conns_text)
        os.chmod(ini.file, 0o600)
        ini.charon.swanctl("--load-all", "--file", ini.file, timeout=120)
        for n in range(count):
            t0 = time.monotonic()
            p = ini.charon.swanctl("--initiate", "--child", f"b{n}", "--timeout", "10",
                                   check=False, timeout=30)
            if p.returncode == 0:
                times.append(time.monotonic() - t0)
                ok += 1
        return (statistics.median(times) if times else None), ok
    finally:
        ini.stop()
        resp.stop()


PSK = "0x" + os.urandom(32).hex()


# ------------------------------------------------------------------ main

def default_build():
    env = os.environ.get("XS_BUILD")
    return pathlib.Path(env) if env else REPO / "build"


def check_prereqs(build):
    missing = []
    for p in (build / "xdpsec", build / "xdpsec-ike"):
        if not p.exists():
            missing.append(f"{p} (run `make`)")
    if not sw.available():
        missing.append("strongSwan (apt-get install strongswan-charon strongswan-swanctl "
                       "libcharon-extra-plugins libstrongswan-standard-plugins "
                       "libstrongswan-extra-plugins)")
    return missing


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


def run(args):
    build = args.build.resolve()
    missing = check_prereqs(build)
    if missing:
        log("bench-ike: missing: " + "; ".join(missing))
        return 2
    if os.geteuid() != 0:
        log("bench-ike: needs root (namespaces, XDP, bpffs)")
        return 2
    nn.ensure_bpffs()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    tag = f"xsbi{os.getpid()}"
    workdir = pathlib.Path(tempfile.mkdtemp(prefix=f"{tag}-"))
    n_conns = args.addrs * args.per_addr
    topo = Topology(tag, args.addrs, n_conns)
    log(f"bench-ike: namespaces {tag}-*, logs in {workdir}; {n_conns} connections "
        f"({args.addrs} addresses x {args.per_addr}), {args.rounds} rounds, "
        f"{args.seq} sequential")
    par_text = initiator_conns(topo, args.per_addr, PSK, start=True)
    seq_text = initiator_conns(topo, args.per_addr, PSK, start=False)
    results = {}
    failed = []
    for cls in (XdpsecResponder, CharonResponder):
        resp = None
        r = results.setdefault(cls.name, {"rounds": [], "ups": [], "seq": None, "seq_ok": 0})
        try:
            resp = cls(topo, build, workdir, tag)
            for k in range(args.rounds):
                secs, up = parallel_round(topo, resp, workdir, par_text, n_conns, k,
                                          args.timeout)
                r["rounds"].append(secs)
                r["ups"].append(up)
                log(f"bench-ike: {cls.name}: round {k + 1}: {up}/{n_conns} up"
                    + (f" in {secs:.3f}s ({n_conns / secs:.1f}/s)" if secs else
                       f", not all within {args.timeout}s"))
            if args.seq:
                med, ok = sequential(topo, resp, workdir, seq_text, min(args.seq, n_conns))
                r["seq"], r["seq_ok"] = med, ok
                log(f"bench-ike: {cls.name}: sequential: {ok}/{args.seq} up, median "
                    + (f"{med * 1000:.1f} ms" if med else "n/a"))
        except Exception as e:
            log(f"bench-ike: {cls.name} failed: {e}")
            if resp is not None:
                log(resp.log_tail())
        finally:
            if resp is not None:
                resp.close()
        if not [s for s in r["rounds"] if s]:
            failed.append(cls.name)
    topo.delete()
    if not failed and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        log(f"bench-ike: not measured: {', '.join(failed)}; logs kept in {workdir}")

    def rate(name):
        ok = [s for s in results[name]["rounds"] if s]
        return n_conns / statistics.median(ok) if ok else None

    print()
    print(f"IKE benchmark: IKE SA + Child SA setups, {IKE_PROPOSAL}, ESP {ESP_PROPOSAL}, "
          f"PSK; load generator charon (kernel-libipsec)")
    print(f"  {'responder':<11} {'parallel setups/s':>17} {'best':>7}  {'rounds (s)':<34} "
          f"{'sequential ms/setup':>19}")
    for name in ("xdpsec", "strongswan"):
        r = results[name]
        rounds = " ".join(f"{s:.2f}" if s else f"fail({u})" for s, u in zip(r["rounds"], r["ups"]))
        rt = rate(name)
        ok = [x for x in r["rounds"] if x]
        par = f"{rt:.1f}" if rt else "n/a"
        best = f"{n_conns / min(ok):.1f}" if ok else "n/a"
        seq = f"{r['seq'] * 1000:.1f}" if r["seq"] else "n/a"
        print(f"  {name:<11} {par:>17} {best:>7}  {rounds:<34} {seq:>19}")
    x, s = rate("xdpsec"), rate("strongswan")
    print(f"  {n_conns} parallel initiations per round from {args.addrs} addresses; "
          f"median of {args.rounds} rounds")
    print(f"ike setups_per_s xdpsec={x or 0:.1f} strongswan={s or 0:.1f}", flush=True)
    return 1 if failed else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=pathlib.Path, default=default_build())
    ap.add_argument("--addrs", type=int, default=4, help="initiator addresses")
    ap.add_argument("--per-addr", type=int, default=16,
                    help="connections per address (xdpsec allows 16 IKE SAs per peer)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seq", type=int, default=16, help="sequential initiations (0: none)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per parallel round")
    ap.add_argument("--keep", action="store_true", help="keep the logs (charon, agent)")
    return run(ap.parse_args(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
