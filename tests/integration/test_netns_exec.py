# SPDX-License-Identifier: GPL-2.0-only
"""The datapath daemon started with `ip netns exec` works as with
`nsenter --net` (issue #10, "good citizen"; loader/pins.c).

`ip netns exec NS` runs its command in a mount namespace of its own with a
fresh sysfs on /sys, so the bpffs on /sys/fs/bpf is out of sight there. A
daemon started the usual way binds that bpffs at /run/xdpsec/bpf, which
`ip netns exec` leaves alone; a daemon that finds no bpffs on /sys/fs/bpf
pins there: the same pins, so they outlive it like any other.

    test_ip_netns_exec_attaches_and_serves   B's daemon started through
        nsenter (it makes the bind), A's through `ip netns exec`: A's
        attaches, pins under /run/xdpsec/bpf (seen on /sys/fs/bpf from the
        host), an SA pair passes ping; A killed (kill -9) and started again
        the same way takes its pins and the tunnel back over
    test_no_bpffs_says_what_to_do   neither bpffs (a mount namespace where
        the bind is gone): the daemon refuses to start and says how
"""
import pathlib
import subprocess
import time

import netns

PIN_SYS = pathlib.Path("/sys/fs/bpf/xdpsec")


def start_ip_netns_exec(d):
    """Starts netns.Daemon d through `ip netns exec` instead of nsenter."""
    d.proc = subprocess.Popen(
        ["ip", "netns", "exec", d.ns.name, d.binary, "-i", d.instance, "daemon",
         "--foreground", "--log", str(d.log)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while d.cli_raw(["status"]).returncode != 0:
        assert d.proc.poll() is None, f"daemon exited {d.proc.returncode}: {d.log_text()}"
        assert time.monotonic() < deadline, d.log_text()
        time.sleep(0.05)


def ping_ab(pair):
    p = pair.link.a.run(["ping", "-n", "-c", "5", "-i", "0.2", "-W", "2", pair.addr_b],
                        check=False)
    return p.stdout


def a_back(pair, policies):
    """A attached again with the same SAs; after a detach its policies too
    (after kill -9 the attach takes them back from the pins, README)."""
    a = pair.da
    a.attach(pair.link.dev_a)
    pair.add_sas(side="a")
    if policies:
        for words in pair.policy_words(pair.addr_a, pair.addr_b, pair.spi_ab, pair.spi_ba):
            a.cli(*words)


def test_ip_netns_exec_attaches_and_serves(ipsec_pair):
    pair = ipsec_pair()          # both daemons up through nsenter, attached
    a = pair.da
    inst = a.instance
    assert " 5 received" in ping_ab(pair)
    # A again, through ip netns exec: its pins move to the /run bind.
    a.stop(detach=True)
    start_ip_netns_exec(a)
    st = a.cli("status", json_out=True)
    assert st["pin_dir"] == f"/run/xdpsec/bpf/xdpsec/{inst}", st
    a_back(pair, policies=True)
    assert (PIN_SYS / inst / "xs_spi").exists(), "pins not in the shared bpffs"
    out = ping_ab(pair)
    assert " 5 received" in out, out + a.log_text()
    # Pins outlive the process: kill -9, same start, same tunnel.
    a.kill9()
    start_ip_netns_exec(a)
    a_back(pair, policies=False)
    assert len(a.cli("policy", "list", json_out=True)) == 2
    out = ping_ab(pair)
    assert " 5 received" in out, out + a.log_text()
    assert pair.sa_info(a, pair.spi_ab, "out")["packets"] >= 5


def test_no_bpffs_says_what_to_do(link, xdpsec_bin):
    # A mount namespace without the /run bind: `ip netns exec` inside it
    # leaves the daemon no bpffs at all.
    inst = netns.unique_name("nobpf")[-30:]
    script = ("umount -l /run/xdpsec/bpf 2>/dev/null; "
              f"exec ip netns exec {link.a.name} {xdpsec_bin} -i {inst} daemon --foreground")
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert "no bpffs" in p.stderr and "nsenter --net" in p.stderr, p.stderr
    assert not pathlib.Path(f"/run/xdpsec/{inst}.sock").exists()
