# SPDX-License-Identifier: GPL-2.0-only
"""xdpsec as a good citizen on the host (issue #10):

  1. test_coexists_with_xdp_loader   another XDP program, loaded with
     xdp-loader (libxdp's dispatcher), runs beside xdpsec's: both listed by
     `xdp-loader status`, the tunnel passes traffic (ESP steered), the other
     program counts the frames meant for it, and detach leaves it alone.
     Skipped, saying why, where the kernel refuses the dispatcher's
     extension programs (libxdp then attaches programs alone).
  2. test_foreign_program_needs_force  a program attached without the
     dispatcher (ip link ... xdpdrv) is not replaced unless attach says
     force; with force it is.
  3. test_detach_restores_interface  gso_max_segs and the clsact qdisc are
     as before attach after detach, also when a restarted daemon detaches
     and when clsact was the administrator's.

The programs of the other party are built here (clang). Needs root, bpffs,
build/xdpsec, xdp-tools, iproute2. Namespaces as in test_datapath.py.
"""
import json
import secrets
import shutil
import subprocess

import pytest

import netns
from netns import Daemon, stat

from scapy.layers.l2 import Ether
from scapy.packet import Raw

# A program of "someone else": counts frames of the local experimental
# ethertype (IEEE 802 0x88B5) in an array and passes everything.
COUNT_PROG = r"""
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} citizen_seen SEC(".maps");

SEC("xdp")
int citizen_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 key = 0;
	__u64 *n;

	if ((void *)(eth + 1) <= end && eth->h_proto == bpf_htons(0x88b5)) {
		n = bpf_map_lookup_elem(&citizen_seen, &key);
		if (n)
			__sync_fetch_and_add(n, 1);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
"""

# The same without maps, for ip link (any iproute2 loads it).
PASS_PROG = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int citizen_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
"""

ETHERTYPE = 0x88B5


def build_prog(tmp_path, name, src):
    if not shutil.which("clang"):
        pytest.skip("clang missing")
    triplet = subprocess.run(["gcc", "-dumpmachine"], capture_output=True, text=True,
                             check=True).stdout.strip()
    c = tmp_path / f"{name}.bpf.c"
    o = tmp_path / f"{name}.bpf.o"
    c.write_text(src)
    subprocess.run(["clang", "-O2", "-g", "-target", "bpf", f"-I/usr/include/{triplet}",
                    "-c", str(c), "-o", str(o)], check=True, capture_output=True)
    return o


def xdp_prog_names(ns, dev):
    """Names of the XDP programs on dev: the dispatcher's components too."""
    out = ns.run(["xdp-loader", "status", dev], check=False).stdout
    return out


def attached_prog(ns, dev):
    """(id, name) of the program attached to dev (ip link's view)."""
    link = ns.link(dev, details=True)
    xdp = link.get("xdp") or {}
    prog = xdp.get("prog") or {}
    if not prog and xdp.get("attached"):
        prog = xdp["attached"][0].get("prog", {})
    return prog.get("id"), prog.get("name")


def qdiscs(ns, dev):
    return sorted(q["kind"] for q in json.loads(ns.run(["tc", "-j", "qdisc", "show", "dev",
                                                        dev]).stdout))


def gso_max_segs(ns, dev):
    return ns.link(dev, details=True)["gso_max_segs"]


def read_count(pin):
    p = netns.sh(["bpftool", "-j", "map", "dump", "pinned", str(pin)])
    ent = json.loads(p.stdout)[0]
    ent = ent.get("formatted", ent)
    v = ent["value"]
    if isinstance(v, list):
        v = int.from_bytes(bytes(int(b, 16) if isinstance(b, str) else b for b in v), "little")
    return int(v)


@pytest.fixture
def pin_dir():
    d = netns.PIN_ROOT.parent / f"citizen-{secrets.token_hex(4)}"
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_coexists_with_xdp_loader(link, ipsec_pair, tmp_path, pin_dir):
    if not shutil.which("xdp-loader"):
        pytest.skip("xdp-tools missing")
    lk = link
    obj = build_prog(tmp_path, "citizen_count", COUNT_PROG)
    pin_dir.mkdir()
    # The other program first: libxdp makes the dispatcher, or falls back
    # to attaching it alone where the kernel refuses extension programs.
    lk.a.run(["xdp-loader", "load", "-m", "native", "-p", pin_dir, lk.dev_a, obj])
    status = xdp_prog_names(lk.a, lk.dev_a)
    if "xdp_dispatcher" not in status:
        lk.a.run(["xdp-loader", "unload", lk.dev_a, "--all"], check=False)
        probe = lk.a.run(["xdp-loader", "load", "-vv", "-m", "native", lk.dev_a, obj],
                         check=False)
        lk.a.run(["xdp-loader", "unload", lk.dev_a, "--all"], check=False)
        why = [ln.strip() for ln in probe.stderr.splitlines()
               if "dispatcher" in ln or "not permitted" in ln.lower()]
        pytest.skip("libxdp's dispatcher does not run on this kernel (extension "
                    "programs refused), so no two XDP programs share a device: "
                    + " | ".join(why[-3:]))

    # xdpsec joins the dispatcher (it runs first: priority 20 < 50).
    pair = ipsec_pair(mode="esp-tunnel", family=4, alg="gcm")
    status = xdp_prog_names(lk.a, lk.dev_a)
    assert "xs_xdp_ingress" in status and "citizen_count" in status, status

    # ESP is steered: the tunnel works and XDP redirected it.
    r = lk.a.ping(pair.addr_b, count=10, interval=0.02)
    assert r["received"] == 10, (r, pair.diag())
    assert stat(pair.da.stats(), "xdp", "redirect_esp") >= 10, pair.diag()

    # What is not xdpsec's continues down the chain to the other program.
    count_pin = pin_dir / "citizen_seen"
    before = read_count(count_pin)
    frames = [Ether(src=lk.mac_b, dst=lk.mac_a, type=ETHERTYPE) / Raw(b"citizen" * 8)
              for _ in range(40)]
    lk.inject(frames, side="to_a")
    got = read_count(count_pin) - before
    assert got == 40, f"the other program saw {got} of 40 frames\n{status}"
    assert stat(pair.da.stats(), "xdp", "pass_not_ip") >= 40

    # detach removes xdpsec's program only.
    pair.da.cli("detach", lk.dev_a)
    pair.da.attached.remove(lk.dev_a)
    status = xdp_prog_names(lk.a, lk.dev_a)
    assert "xs_xdp_ingress" not in status and "citizen_count" in status, status
    lk.inject(frames[:5], side="to_a")
    assert read_count(count_pin) - before == 45
    lk.a.run(["xdp-loader", "unload", lk.dev_a, "--all"], check=False)


def test_foreign_program_needs_force(link, xdpsec_bin, tmp_path):
    lk = link
    obj = build_prog(tmp_path, "citizen_pass", PASS_PROG)
    # Attached alone, the way pre-libxdp tools do it.
    lk.a.run(["ip", "link", "set", "dev", lk.dev_a, "xdpdrv", "obj", obj, "sec", "xdp"])
    foreign_id, name = attached_prog(lk.a, lk.dev_a)
    assert foreign_id and name == "citizen_pass", lk.a.link(lk.dev_a, details=True)

    d = Daemon(lk.a, f"t{secrets.token_hex(4)}c", xdpsec_bin, tmp_path).start()
    try:
        p = d.cli_raw(["attach", lk.dev_a])
        assert p.returncode != 0, p.stdout
        msg = p.stderr + p.stdout
        assert "citizen_pass" in msg and f"id {foreign_id}" in msg and "force" in msg, msg
        # Refused before anything changed: the program, no steer veth, no pins.
        assert attached_prog(lk.a, lk.dev_a)[0] == foreign_id
        names = [ln["ifname"] for ln in json.loads(lk.a.run(["ip", "-j", "link"]).stdout)]
        assert not [n for n in names if n.startswith("xs")], names
        assert gso_max_segs(lk.a, lk.dev_a) != 1

        d.attach(lk.dev_a, "force")
        pid, pname = attached_prog(lk.a, lk.dev_a)
        assert pid != foreign_id, "force did not replace the foreign program"
        status = xdp_prog_names(lk.a, lk.dev_a)
        assert "xs_xdp_ingress" in status and "citizen_pass" not in status, status
        # The metrics say whether XDP is shared, as xdp-loader sees it.
        shared = [ln for ln in d.cli("metrics").splitlines()
                  if ln.startswith("xdpsec_interface_xdp_dispatcher{")]
        assert len(shared) == 1 and \
            shared[0].endswith(" 1" if "xdp_dispatcher" in status else " 0"), (shared, status)
        d.cli("detach", lk.dev_a)
        d.attached.remove(lk.dev_a)
        assert attached_prog(lk.a, lk.dev_a)[0] is None
    finally:
        d.cleanup()


def test_detach_restores_interface(link, xdpsec_bin, tmp_path):
    lk = link
    dev = lk.dev_a
    d = Daemon(lk.a, f"t{secrets.token_hex(4)}r", xdpsec_bin, tmp_path).start()
    try:
        # 1. Nothing of ours before: clsact made by attach goes at detach.
        gso0, q0 = gso_max_segs(lk.a, dev), qdiscs(lk.a, dev)
        assert gso0 != 1 and "clsact" not in q0, (gso0, q0)
        d.attach(dev)
        assert gso_max_segs(lk.a, dev) == 1 and "clsact" in qdiscs(lk.a, dev)
        d.cli("detach", dev)
        d.attached.remove(dev)
        assert (gso_max_segs(lk.a, dev), qdiscs(lk.a, dev)) == (gso0, q0)

        # 2. The administrator's clsact and gso_max_segs, and a daemon that
        # died in between: the next one restores from the pinned record.
        lk.a.run(["ip", "link", "set", "dev", dev, "gso_max_segs", "1000"])
        lk.a.run(["tc", "qdisc", "add", "dev", dev, "clsact"])
        q1 = qdiscs(lk.a, dev)
        d.attach(dev)
        assert gso_max_segs(lk.a, dev) == 1
        d.kill9()
        d.start()
        d.attach(dev)
        assert gso_max_segs(lk.a, dev) == 1
        d.cli("detach", dev)
        d.attached.remove(dev)
        assert gso_max_segs(lk.a, dev) == 1000
        assert qdiscs(lk.a, dev) == q1, "the administrator's clsact must stay"
        filters = lk.a.run(["tc", "filter", "show", "dev", dev, "egress"]).stdout
        assert "xs_tc_egress" not in filters, filters
        assert attached_prog(lk.a, dev)[0] is None
    finally:
        d.cleanup()
