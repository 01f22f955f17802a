# SPDX-License-Identifier: GPL-2.0-only
"""An attacker on the link between two xdpsec gateways (test_failclosed.py).

    client -- gateway A ==== gateway B -- server
                         |
                      attacker X
    The outside link is topo.SiteToSite's netns.Link: a bridge in namespace
    M joins A, B and now X too (veth x0 in X, mxx in M). X has an address on
    the link, sends what it likes onto it with scapy (netns.py inject), and
    holds the keys of one more inbound SA on B ("tunnel X": SPI spi_x, outer
    source X's address, a `dir in` policy for X's own inner net extra_net
    -> the server net), as a peer with its own tunnel to B would. Its inner
    packets must come from extra_net; everything else it puts in the SA is
    what the selector check must refuse.
"""
import os
import random
import secrets
import subprocess

import netns
import topo
from netns import Capture, Netns, unique_name

from scapy.compat import raw
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.layers.l2 import Ether


class AttackSite:
    """topo.SiteToSite plus the attacker X and tunnel X on B."""

    def __init__(self, family, binary, logdir):
        self.family = family
        self.site = topo.SiteToSite(family, binary, logdir)
        self.x = None
        try:
            self._attacker()
            self._tunnel_x()
        except BaseException:
            self.delete()
            raise

    # ------------------------------------------------------------ set up

    def _attacker(self):
        lk = self.site.link
        tag = lk.a.name.rsplit("-", 1)[0].rsplit("-", 1)[-1]
        self.x = Netns(unique_name(f"{tag}-x"))
        netns.sh(["ip", "link", "add", "x0", "netns", self.x.name, "type", "veth",
                  "peer", "name", "mxx", "netns", lk.m.name])
        lk.m.run(["ip", "link", "set", "mxx", "master", "br0", "up"])
        self.x.sysctl("net.ipv6.conf.all.disable_ipv6", 0)
        self.x.run(["ip", "link", "set", "x0", "up"])
        v4 = lk.v4[0].rsplit(".", 1)[0] + ".3"
        v6 = lk.v6[0].rsplit("::", 1)[0] + "::3"
        self.x.run(["ip", "addr", "add", f"{v4}/24", "dev", "x0"])
        self.x.run(["ip", "-6", "addr", "add", f"{v6}/64", "dev", "x0", "nodad"])
        self.x_addr = v4 if self.family == 4 else v6
        self.x_mac = self.x.mac("x0")

    def _tunnel_x(self):
        s = self.site
        r = int(s.client_net.split(".")[2]) if self.family == 4 else random.randint(1, 254)
        self.extra_net = f"172.20.{r}.0/24" if self.family == 4 else f"fd10:{r:x}:20::/64"
        self.extra_host = f"172.20.{r}.5" if self.family == 4 else f"fd10:{r:x}:20::5"
        self.spi_x = secrets.randbelow(0x10000000) + 0x20000000
        self.key_x = os.urandom(20)
        outer_b = s.tunnel.outer_b
        s.tunnel.db.cli("sa", "add", "src", self.x_addr, "dst", outer_b, "proto", "esp",
                        "spi", hex(self.spi_x), "mode", "tunnel", "dir", "in",
                        *topo.gcm_words(self.key_x))
        s.tunnel.db.cli("policy", "add", "src", self.extra_net, "dst", s.server_net,
                        "dir", "in", "spi", hex(self.spi_x))
        self.seq_x = 0

    # ------------------------------------------------------------ sending

    def sa_x(self, outer=None):
        hdr = outer or (IP(src=self.x_addr, dst=self.site.tunnel.outer_b) if self.family == 4
                        else IPv6(src=self.x_addr, dst=self.site.tunnel.outer_b))
        return SecurityAssociation(ESP, spi=self.spi_x, crypt_algo="AES-GCM",
                                   crypt_key=self.key_x, tunnel_header=hdr)

    def inner(self, src, dst, dport, seq, size=200, sport=40000):
        cls = IP if self.family == 4 else IPv6
        return cls(src=src, dst=dst) / UDP(sport=sport, dport=dport) / \
            netns.udp_payload(seq, size)

    def esp_x(self, inner, outer=None):
        """inner sealed in tunnel X, as an IP packet (the next sequence
        number of X's own counter)."""
        self.seq_x += 1
        pkt = self.sa_x(outer).encrypt(inner, seq_num=self.seq_x)
        return pkt.__class__(raw(pkt))

    def to_b(self, l3):
        return Ether(src=self.x_mac, dst=self.site.link.mac_b) / l3

    def send(self, frames):
        """Frames onto the link from X's device."""
        data = "".join(bytes(f).hex() + "\n" for f in frames)
        p = subprocess.run(self.x.cmd([netns.PYTHON, str(netns.HERE), "inject", "x0"]),
                           input=data, capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"inject failed: {p.stderr}")

    def capture_server(self, bpf_filter="", pcap=None):
        return Capture(self.site.server, self.site.server_dev, bpf_filter, pcap)

    def delete(self):
        if self.x:
            self.x.delete()
        self.site.delete()


def udp_receiver(ns, port):
    """A netns udp-recv in stream mode: every datagram's seq on a line."""
    h = ns.helper("udp-recv", port, "--stream", "--idle", 3)
    h.wait_ready()
    return h


def seqs_seen(h, wait=1.5):
    """The seqs a udp_receiver got (after wait seconds for stragglers)."""
    import time
    time.sleep(wait)
    return sorted({int(ln.split()[1]) for ln in list(h.lines) if ln.startswith("seq ")})
