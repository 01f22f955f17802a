# SPDX-License-Identifier: GPL-2.0-only
"""Cross-check of the packet engine against an independent implementation:
scapy 2.5's SecurityAssociation (scapy/layers/ipsec.py).

Every combination below runs N_PACKETS random packets (payloads of 0 bytes,
every length 1..32, 1,500-byte frames, a few jumbo frames, the rest random)
through one xs_harness process, in both directions:

  engine seal -> scapy decrypt, compared with the original packet; and,
      for a share of the packets, scapy re-encrypts the original with the
      IV, sequence number and outer IPv4 ID/TOS/DF the engine chose, which
      must give the engine's output byte for byte;
  scapy encrypt (its own random IV) -> engine open (half through xs_esp_open
      / xs_ah_open, half through xs_open on the SA database), compared with
      the original, delivered in shuffled order; half of those packets are
      first "forwarded" (TTL/hop limit decremented, DSCP and flow label
      changed, mutable IPv6 option data rewritten) as routers may do.

The engine's own wire choices are checked too: tunnel outer header (TTL 64,
DSCP/ECN and DF copied from the inner header, RFC 4301 §5.1.2.1, §8.1,
RFC 6040 §4.1), RFC 3948 UDP header, SPI, sequence numbers, AEAD IV = seq.

What scapy 2.5 cannot do or gets wrong, and how this file copes:
  * AEAD keys: scapy splits crypt_key into key || salt (salt_size 4) exactly
    like the engine's enc_key, so both get the same bytes.
  * ESN: scapy puts the high 32 bits into the AEAD AAD (RFC 4106 §5, RFC 7634
    §2.1) and after the packet for AH (RFC 4302 §2.5.1), but its HMAC for
    ESP ignores them (RFC 4303 §2.2.1: they are part of the ICV input,
    after the trailer). The HMAC suites with ESN therefore use _EsnHmac
    below, scapy's own HMAC with the high bits appended.
  * Sequence number 0 (ESN low half after a wrap): scapy treats seq_num=0 as
    "use the SA's counter", so every scapy SA here is created with
    seq_num=0 and esn=0 and the values are passed per packet.
  * NAT-T over IPv4: scapy writes UDP length 8 (header only); the packets it
    seals are repaired (fix_scapy_natt) before comparing or opening.
  * Decrypting IPv6 transport mode with a Routing header before ESP, scapy
    re-dissects the payload with the wrong class and raises; the payload is
    kept Raw (parse_for_decrypt), only bytes are compared anyway.
  * IPv6 transport mode: scapy (like Linux) keeps a Destination Options
    header that is not followed by a Routing header in front of ESP/AH;
    the engine puts ESP/AH in front of it (RFC 8200 §4.1 order). RFC 4303
    §3.1.1 allows both, so such packets are checked by decryption in both
    directions but not byte for byte.

Also here: AH over IPv6 with sender-chosen ICV padding (RFC 4302
§3.3.3.2.1), and the harness's handling of malformed command lines.

Environment: XS_SCAPY_PACKETS (default 1000), XS_SCAPY_SEED (default 0).
"""
import multiprocessing
import os
import random
import socket
import struct
import zlib

import pytest

from scapy.compat import raw
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.ipsec import (AH, AUTH_ALGOS, ESP, IPSecIntegrityError, SecurityAssociation,
                                zero_mutable_fields)
from scapy.packet import Raw

N_PACKETS = int(os.environ.get("XS_SCAPY_PACKETS", "1000"))
SEED = int(os.environ.get("XS_SCAPY_SEED", "0"))
# Every packet of the first EXACT_HEAD (all the special sizes) and every
# EXACT_EVERY-th after that is also compared byte for byte.
EXACT_HEAD = 48
EXACT_EVERY = 5

SUITES = {
    # name: scapy crypt_algo, scapy auth_algo, enc key bytes, auth key bytes, IV bytes
    "aes128gcm16": ("AES-GCM", None, 16 + 4, 0, 8),
    "aes256gcm16": ("AES-GCM", None, 32 + 4, 0, 8),
    "chacha20poly1305": ("CHACHA20-POLY1305", None, 32 + 4, 0, 8),
    "aes128cbc-sha256": ("AES-CBC", "SHA2-256-128", 16, 32, 16),
    "aes256cbc-sha256": ("AES-CBC", "SHA2-256-128", 32, 32, 16),
    "null-sha256": ("NULL", "SHA2-256-128", 0, 32, 0),
}
BACKENDS = ("openssl", "ipsecmb")
# (mode, outer family, inner family)
LAYOUTS = (
    ("tunnel", 4, 4), ("tunnel", 4, 6), ("tunnel", 6, 4), ("tunnel", 6, 6),
    ("transport", 4, 4), ("transport", 6, 6),
)


class Combo:
    def __init__(self, proto, suite, mode, outer, inner, backend, esn=False, natt=None):
        self.proto = proto
        self.suite = suite
        self.mode = mode
        self.outer = outer
        self.inner = inner
        self.backend = backend
        self.esn = esn
        self.natt = natt  # None or (engine sport, engine dport)

    @property
    def id(self):
        lay = (f"tunnel-{self.inner}in{self.outer}" if self.mode == "tunnel"
               else f"transport-{self.outer}")
        s = f"{self.proto}-{self.suite}-{lay}-{self.backend}"
        if self.esn:
            s += "-esn"
        if self.natt:
            s += f"-natt{self.natt[0]}-{self.natt[1]}"
        return s


def _combos():
    out = []
    for backend in BACKENDS:
        for suite in SUITES:
            for mode, o, i in LAYOUTS:
                out.append(Combo("esp", suite, mode, o, i, backend))
    # ESN: AEAD suites natively in scapy, an HMAC suite through _EsnHmac;
    # the layouts differ so each backend sees tunnel and transport mode.
    esn_plan = {
        "openssl": [("aes128gcm16", LAYOUTS[0], None), ("chacha20poly1305", LAYOUTS[5], None),
                    ("aes128cbc-sha256", LAYOUTS[3], None)],
        "ipsecmb": [("aes256gcm16", LAYOUTS[4], None), ("chacha20poly1305", LAYOUTS[1],
                                                        (4500, 4500)),
                    ("null-sha256", LAYOUTS[5], None)],
    }
    for backend, plan in esn_plan.items():
        for suite, (mode, o, i), natt in plan:
            out.append(Combo("esp", suite, mode, o, i, backend, esn=True, natt=natt))
    # UDP encapsulation (RFC 3948), tunnel mode with an IPv4 outer header:
    # both ports 4500, or a NAT-mapped peer port.
    natt_plan = [("aes128gcm16", 4, (4500, 4500)), ("chacha20poly1305", 6, (4500, 31337)),
                 ("aes256cbc-sha256", 4, (4500, 31337)), ("null-sha256", 6, (4500, 4500))]
    for n, backend in enumerate(BACKENDS):
        for suite, inner, natt in natt_plan:
            out.append(Combo("esp", suite, "tunnel", 4, inner if n == 0 else 10 - inner,
                             backend, natt=natt))
    # AH, HMAC-SHA2-256-128.
    for backend in BACKENDS:
        for mode, o, i in LAYOUTS:
            out.append(Combo("ah", "sha256", mode, o, i, backend))
    out.append(Combo("ah", "sha256", "transport", 6, 6, "openssl", esn=True))
    out.append(Combo("ah", "sha256", "tunnel", 4, 4, "ipsecmb", esn=True))
    return out


COMBOS = _combos()


# --------------------------------------------------------------------------
# Packet construction, byte by byte so nothing depends on scapy's builder.

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_header(rng, src, dst, proto, plen, options=b"", tos=None, ttl=None, ident=None,
                df=None):
    ihl = 5 + len(options) // 4
    tos = rng.randrange(256) if tos is None else tos
    ttl = rng.randrange(1, 256) if ttl is None else ttl
    ident = rng.randrange(65536) if ident is None else ident
    df = rng.random() < 0.5 if df is None else df
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, ihl * 4 + plen, ident,
                                0x4000 if df else 0, ttl, proto, 0, src, dst) + options)
    struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
    return bytes(hdr)


def ipv6_header(rng, src, dst, nh, plen, tc=None, fl=None, hlim=None):
    tc = rng.randrange(256) if tc is None else tc
    fl = rng.randrange(1 << 20) if fl is None else fl
    hlim = rng.randrange(1, 256) if hlim is None else hlim
    return struct.pack("!IHBB16s16s", 6 << 28 | tc << 20 | fl, plen, nh, hlim, src, dst)


def ipv4_options(rng):
    """IPv4 options that scapy dissects and re-serialises faithfully: Router
    Alert (immutable for AH), Record Route (mutable: zeroed whole, RFC 4302
    §3.3.3.1.1.2), NOPs; always a multiple of 4 bytes."""
    choice = rng.randrange(4)
    if choice == 0:
        return bytes([0x94, 4, 0, 0])
    if choice == 1:
        return bytes([7, 7, 8]) + os_bytes(rng, 4) + bytes([1])
    if choice == 2:
        return bytes([0x94, 4, 0, 0, 7, 11, 4]) + bytes(8) + bytes([1])
    return bytes([1, 1, 1, 1])


def os_bytes(rng, n):
    return rng.getrandbits(8 * n).to_bytes(n, "big") if n else b""


def tlv_options(rng, mutable):
    """Options for a Hop-by-Hop or Destination Options header, padded so the
    header is a multiple of 8 bytes. Returns (bytes, [(offset, len)] of
    mutable option data relative to the options start)."""
    opts = bytearray()
    spans = []
    if rng.random() < 0.5:
        opts += bytes([0x05, 2, 0, 0])          # Router Alert, immutable
    if mutable:
        # Type 0x3e: skip if unknown, "may change en route" bit set, RFC 8200 §4.2.
        spans.append((len(opts) + 2, 4))
        opts += bytes([0x3E, 4]) + os_bytes(rng, 4)
    if rng.random() < 0.5:
        opts += bytes([0x1E, 2]) + os_bytes(rng, 2)  # immutable, skip if unknown
    pad = (-(len(opts) + 2)) % 8
    if pad == 1:
        opts += b"\0"
    elif pad:
        opts += bytes([1, pad - 2]) + bytes(pad - 2)
    return bytes(opts), spans


def ext_header(nh, kind, rng, mutable=False):
    """Returns (bytes, spans relative to the header start)."""
    if kind == "rt":
        # Type 0 with no addresses and Segments Left 0: what the final
        # destination sees, so AH needs no address reordering.
        return bytes([nh, 0, 0, 0, 0, 0, 0, 0]), []
    opts, spans = tlv_options(rng, mutable)
    hdr = bytes([nh, (len(opts) + 2) // 8 - 1]) + opts
    return hdr, [(o + 2, n) for o, n in spans]


EXT_CHAINS = (
    # (chain, scapy and the engine put ESP/AH at the same place)
    (("hbh",), True),
    (("hbh", "rt"), True),
    (("dst", "rt"), True),
    (("rt", "dst"), True),
    (("hbh", "dst", "rt", "dst"), True),
    (("dst",), False),
    (("hbh", "dst"), False),
)
EXT_NH = {"hbh": 0, "dst": 60, "rt": 43}


def l4_payload(rng, family, n):
    """n bytes after the IP headers; returns (protocol, bytes)."""
    r = rng.random()
    if n >= 8 and r < 0.3:
        sport, dport = rng.randrange(1, 65536), rng.randrange(1, 65536)
        return 17, struct.pack("!HHHH", sport, dport, n, rng.randrange(65536)) + os_bytes(rng, n - 8)
    if n >= 20 and r < 0.5:
        hdr = struct.pack("!HHIIBBHHH", rng.randrange(1, 65536), rng.randrange(1, 65536),
                          rng.getrandbits(32), rng.getrandbits(32), 5 << 4,
                          rng.choice((0x02, 0x10, 0x18, 0x11)), rng.randrange(65536),
                          rng.randrange(65536), 0)
        return 6, hdr + os_bytes(rng, n - 20)
    if n >= 8 and r < 0.65:
        if family == 4:
            return 1, struct.pack("!BBHHH", 8, 0, rng.randrange(65536), rng.randrange(65536),
                                  rng.randrange(65536)) + os_bytes(rng, n - 8)
        return 58, struct.pack("!BBHHH", 128, 0, rng.randrange(65536), rng.randrange(65536),
                               rng.randrange(65536)) + os_bytes(rng, n - 8)
    # RFC 3692 experimental protocol numbers: scapy keeps them as Raw, which
    # re-serialises even an empty payload exactly.
    return rng.choice((253, 254)), os_bytes(rng, n)


def rand_addr(rng, family):
    if family == 4:
        return bytes([rng.randrange(1, 224)]) + os_bytes(rng, 3)
    return bytes([0x20, 0x01, 0x0D, 0xB8]) + os_bytes(rng, 12)


class Plain:
    """One original packet and what the test knows about it."""

    def __init__(self, data, exact_ok=True, spans=()):
        self.data = data
        self.exact_ok = exact_ok    # scapy's split point equals the engine's
        self.spans = list(spans)    # mutable IPv6 option data (offset, len)


def make_packet(rng, combo, ends, size, total=None):
    """An inner datagram (tunnel) or the packet to protect (transport).
    size: bytes after all IP headers; total: whole datagram length instead.
    ends: the SA's (src, dst), which transport mode protects traffic of."""
    family = combo.inner
    if combo.mode == "transport":
        src, dst = ends
    else:
        src, dst = rand_addr(rng, family), rand_addr(rng, family)
    if family == 4:
        opts = ipv4_options(rng) if combo.mode == "transport" and rng.random() < 0.2 else b""
        if total is not None:
            size = total - 20 - len(opts)
        proto, pl = l4_payload(rng, 4, size)
        return Plain(ipv4_header(rng, src, dst, proto, len(pl), opts) + pl)
    chain, exact_ok = ((), True)
    if combo.mode == "transport" and rng.random() < 0.4:
        chain, exact_ok = rng.choice(EXT_CHAINS)
    mutable_hbh = combo.proto == "ah" or rng.random() < 0.5
    exts = []
    for kind in chain:
        exts.append((kind, ext_header(0, kind, rng, mutable=(kind == "hbh" and mutable_hbh))))
    ext_len = sum(len(h) for _, (h, _) in exts)
    if total is not None:
        size = total - 40 - ext_len
    proto, pl = l4_payload(rng, 6, size)
    # Chain the next-header fields back to front.
    blob = bytearray()
    spans = []
    nh = proto
    for kind, (hdr, sp) in reversed(exts):
        hdr = bytes([nh]) + hdr[1:]
        blob[0:0] = hdr
        spans = [(o + len(hdr), n) for o, n in spans]
        spans[0:0] = sp
        nh = EXT_NH[kind]
    spans = [(o + 40, n) for o, n in spans]
    hdr = ipv6_header(rng, src, dst, nh, len(blob) + len(pl))
    return Plain(hdr + bytes(blob) + pl, exact_ok, spans)


def packet_sizes(rng, combo, n):
    """(size, total) pairs; special sizes first so they are all compared
    byte for byte."""
    sizes = [(0, None)] + [(i, None) for i in range(1, 33)]
    sizes += [(None, 1500)] * 6 + [(1500, None)] * 2
    # Jumbo frames: the engine handles up to XS_PKT_MAX (9216) bytes sealed.
    sizes += [(None, 9000), (rng.randrange(3000, 8900), None)]
    while len(sizes) < n:
        r = rng.random()
        if r < 0.7:
            sizes.append((rng.randrange(0, 1460), None))
        elif r < 0.9:
            sizes.append((rng.randrange(0, 64), None))
        else:
            sizes.append((None, rng.randrange(1400, 1501)))
    return sizes[:n]


# --------------------------------------------------------------------------
# scapy side.

class _EsnHmac:
    """scapy's SHA2-256-128 for ESP with the ESN high bits appended to the
    ICV input (RFC 4303 §2.2.1, §3.3.2.1), which scapy 2.5's ESP omits."""

    def __init__(self):
        self.base = AUTH_ALGOS["SHA2-256-128"]
        self.icv_size = self.base.icv_size
        self.hi = 0

    def _mac(self, key, data):
        mac = self.base.new_mac(key)
        mac.update(data + struct.pack("!L", self.hi))
        return mac.finalize()[:self.icv_size]

    def sign(self, pkt, key, esn_en=False, esn=0):
        pkt[ESP].data += self._mac(key, raw(pkt[ESP]))
        return pkt

    def verify(self, pkt, key, esn_en=False, esn=0):
        icv = pkt.data[-self.icv_size:]
        clone = pkt.copy()
        clone.data = clone.data[:-self.icv_size]
        if self._mac(key, raw(clone)) != icv:
            raise IPSecIntegrityError("ESN HMAC mismatch")


def scapy_sa(combo, spi, ekey, akey, tunnel_header=None, natt=None):
    kw = dict(seq_num=0, esn_en=combo.esn, esn=0)
    if combo.mode == "tunnel":
        kw["tunnel_header"] = tunnel_header
    if combo.proto == "ah":
        return SecurityAssociation(AH, spi=spi, auth_algo="SHA2-256-128", auth_key=akey, **kw)
    crypt, auth, _, _, _ = SUITES[combo.suite]
    if auth:
        kw.update(auth_algo=auth, auth_key=akey)
    if natt:
        kw["nat_t_header"] = UDP(sport=natt[0], dport=natt[1])
    sa = SecurityAssociation(ESP, spi=spi, crypt_algo=crypt, crypt_key=ekey or None, **kw)
    if combo.esn and auth:
        sa.auth_algo = _EsnHmac()
    return sa


def set_esn_hi(sa, hi):
    if isinstance(sa.auth_algo, _EsnHmac):
        sa.auth_algo.hi = hi


def parse_l3(data):
    return IP(data) if data[0] >> 4 == 4 else IPv6(data)


def parse_for_decrypt(data):
    """The packet for scapy's decrypt(). scapy 2.5 re-dissects the opened
    payload with the class the *base* IPv6 header's next-header field names,
    not the header in front of ESP, so with a Routing header before ESP it
    parses the payload as a Routing header and fails. Only bytes are
    compared here, so the payload is kept Raw."""
    pkt = parse_l3(data)
    pkt.guess_payload_class = lambda payload: Raw
    return pkt


def fix_scapy_natt(s):
    """scapy 2.5 builds the IPv4 + UDP header before appending ESP, so its
    UDP length field says 8 (header only) instead of 8 + ESP (RFC 768,
    RFC 3948 §2.1). Repair it, as any receiver validating UDP would need."""
    ihl = (s[0] & 15) * 4
    return s[:ihl + 4] + struct.pack("!H", len(s) - ihl) + s[ihl + 6:]


def tunnel_header(family, src, dst, fields):
    return IP(src=src, dst=dst, **fields) if family == 4 else IPv6(src=src, dst=dst, **fields)


def outer_fields(data, family):
    """The outer header fields the engine chose, for scapy to copy."""
    if family == 4:
        tos, ident, frag, ttl = data[1], *struct.unpack("!HH", data[4:8]), data[8]
        return dict(tos=tos, id=ident, flags=frag >> 13, ttl=ttl)
    word, = struct.unpack("!I", data[:4])
    return dict(tc=(word >> 20) & 0xFF, fl=word & 0xFFFFF, hlim=data[7])


# --------------------------------------------------------------------------
# scapy work, run in a process pool (two cores: scapy is the slow part).
# Each job gets the picklable SA description and a chunk of packets, and
# returns failures as (category, detail, {name: bytes}).

def job_verify(ctx, items):
    """scapy decrypts what the engine sealed and, for packets marked exact,
    re-seals the original with the engine's choices to compare bytes.
    Returns (failures, number of byte-for-byte comparisons made)."""
    combo = ctx["combo"]
    rx = scapy_sa(combo, ctx["spi_out"], *ctx["keys_out"],
                  tunnel_header(combo.outer, ctx["a_s"], ctx["b_s"], {}), combo.natt)
    tx = scapy_sa(combo, ctx["spi_out"], *ctx["keys_out"], None, combo.natt)
    out = []
    compared = 0
    for i, data, e, seq, off, exact in items:
        hi, lo = seq >> 32, seq & 0xFFFFFFFF
        set_esn_hi(rx, hi)
        try:
            d = raw(rx.decrypt(parse_for_decrypt(e), esn_en=combo.esn, esn=hi))
        except Exception as ex:  # scapy raises several types on bad input
            out.append(("scapy cannot open the engine's packet",
                        f"packet {i} seq {seq}: {ex!r}", dict(input=data, sealed=e)))
            continue
        if d != data:
            out.append(("scapy's decryption of the engine's packet differs from the input",
                        f"packet {i} seq {seq}", dict(input=data, sealed=e, scapy_opened=d)))
            continue
        if not exact:
            continue
        kw = {}
        iv_len = ctx["iv_len"]
        if combo.proto == "esp" and iv_len:
            kw["iv"] = e[off + 8:off + 8 + iv_len]
        if combo.mode == "tunnel":
            tx.tunnel_header = tunnel_header(combo.outer, ctx["a_s"], ctx["b_s"],
                                             outer_fields(e, combo.outer))
        set_esn_hi(tx, hi)
        try:
            s = raw(tx.encrypt(parse_l3(data), seq_num=lo, esn_en=combo.esn, esn=hi, **kw))
        except Exception as ex:
            out.append(("scapy cannot seal", f"packet {i}: {ex!r}", dict(input=data)))
            continue
        if combo.natt:
            s = fix_scapy_natt(s)
        compared += 1
        if s != e:
            out.append(("engine and scapy sealed different bytes", f"packet {i} seq {seq}",
                        dict(input=data, engine=e, scapy=s)))
    return out, compared


def job_seal(ctx, items):
    """scapy seals packets for the engine to open; returns (i, bytes|None,
    failure|None)."""
    combo = ctx["combo"]
    tx = scapy_sa(combo, ctx["spi_in"], *ctx["keys_in"], None, ctx["natt_in"])
    out = []
    for i, data, seq, fields in items:
        hi, lo = seq >> 32, seq & 0xFFFFFFFF
        if combo.mode == "tunnel":
            tx.tunnel_header = tunnel_header(combo.outer, ctx["b_s"], ctx["a_s"], fields)
        set_esn_hi(tx, hi)
        try:
            s = raw(tx.encrypt(parse_l3(data), seq_num=lo, esn_en=combo.esn, esn=hi))
        except Exception as ex:
            out.append((i, None, ("scapy cannot seal", f"packet {i}: {ex!r}", dict(input=data))))
            continue
        if combo.natt:
            s = fix_scapy_natt(s)
        out.append((i, s, None))
    return out


def chunks(items, n):
    k = max(1, -(-len(items) // n))
    return [items[j:j + k] for j in range(0, len(items), k)]


# --------------------------------------------------------------------------
# Routers along the way: change what RFC 4302 §3.3.3.1 calls mutable.

def forward(data, rng, spans, family):
    b = bytearray(data)
    if family == 4:
        b[1] = (rng.randrange(64) << 2) | (b[1] & 3)   # DSCP; ECN left alone
        b[8] = max(1, b[8] - rng.randrange(1, 4))
        if rng.random() < 0.5:
            b[6] |= 0x40                                # a router may set DF
        ihl = (b[0] & 15) * 4
        b[10:12] = b"\0\0"
        b[10:12] = struct.pack("!H", csum(bytes(b[:ihl])))
    else:
        word, = struct.unpack("!I", b[:4])
        ecn = (word >> 20) & 3
        word = 6 << 28 | (rng.randrange(64) << 2 | ecn) << 20 | rng.randrange(1 << 20)
        b[:4] = struct.pack("!I", word)
        b[7] = max(1, b[7] - rng.randrange(1, 4))
        for off, n in spans:
            b[off:off + n] = os_bytes(rng, n)
    return bytes(b)


def copy_mutable(want, fwd, spans, family):
    """The original with the mutable header fields a router changed."""
    b = bytearray(want)
    if family == 4:
        b[1] = fwd[1]
        b[6] = (b[6] & 0xBF) | (fwd[6] & 0x40)
        b[8] = fwd[8]
        ihl = (b[0] & 15) * 4
        b[10:12] = b"\0\0"
        b[10:12] = struct.pack("!H", csum(bytes(b[:ihl])))
    else:
        b[0:4] = fwd[0:4]
        b[7] = fwd[7]
        for off, n in spans:   # Hop-by-Hop only: in front of ESP/AH
            b[off:off + n] = fwd[off:off + n]
    return bytes(b)


def swap_addrs(data, family):
    b = bytearray(data)
    if family == 4:
        b[12:16], b[16:20] = data[16:20], data[12:16]
    else:
        b[8:24], b[24:40] = data[24:40], data[8:24]
    return bytes(b)


# --------------------------------------------------------------------------

class Failures:
    """Mismatches grouped by kind, with the first examples of each."""

    EXAMPLES_PER_KIND = 2
    MAX_KINDS = 8

    def __init__(self, combo, seed):
        self.combo = combo
        self.seed = seed
        self.kinds = {}

    def add(self, kind, detail, blobs=None):
        n, examples = self.kinds.get(kind, (0, []))
        if len(examples) < self.EXAMPLES_PER_KIND:
            lines = [f"    {detail}"] + [f"      {k}: {v.hex()}" for k, v in (blobs or {}).items()]
            examples.append("\n".join(lines))
        self.kinds[kind] = (n + 1, examples)

    def check(self):
        if not self.kinds:
            return
        total = sum(n for n, _ in self.kinds.values())
        msg = [f"{self.combo.id} (seed {self.seed}): {total} mismatches"]
        for kind, (n, examples) in list(self.kinds.items())[:self.MAX_KINDS]:
            msg.append(f"  {n} x {kind}")
            msg.extend(examples)
        pytest.fail("\n".join(msg), pytrace=False)


def sa_line(name, combo, spi, src, dst, ekey, akey, seq, natt, db):
    parts = [f"sa {name} proto={combo.proto} mode={combo.mode} family={combo.outer}",
             f"suite={combo.suite} spi={spi:#x} src={src} dst={dst}",
             f"esn={int(combo.esn)} seq={seq} window=4096 backend={combo.backend}"]
    if ekey:
        parts.append(f"ekey={ekey.hex()}")
    if akey:
        parts.append(f"akey={akey.hex()}")
    if natt:
        parts.append(f"encap={natt[0]},{natt[1]}")
    if db:
        parts.append("db=1")
    return " ".join(parts)


class Setup:
    """The two SAs of one combination. OUT: the engine seals, scapy
    decrypts. IN: scapy encrypts, the engine opens. Addresses are from the
    sender's point of view."""

    def __init__(self, combo, rng):
        self.combo = combo
        fam = socket.AF_INET if combo.outer == 4 else socket.AF_INET6
        self.a, self.b = rand_addr(rng, combo.outer), rand_addr(rng, combo.outer)
        while self.b == self.a:
            self.b = rand_addr(rng, combo.outer)
        self.a_s, self.b_s = socket.inet_ntop(fam, self.a), socket.inet_ntop(fam, self.b)
        self.spi_out = rng.randrange(256, 1 << 32)
        self.spi_in = rng.randrange(256, 1 << 32)
        while self.spi_in == self.spi_out:
            self.spi_in = rng.randrange(256, 1 << 32)
        if combo.proto == "ah":
            ekey_len, akey_len, self.iv_len = 0, 32, 0
        else:
            _, _, ekey_len, akey_len, self.iv_len = SUITES[combo.suite]
        self.keys_out = (os_bytes(rng, ekey_len), os_bytes(rng, akey_len))
        self.keys_in = (os_bytes(rng, ekey_len), os_bytes(rng, akey_len))
        if combo.esn:
            # Cross 2^32 in the middle of the batch, so half the packets
            # carry high bits 1 that the receiver has to infer (RFC 4303
            # Appendix A2.2).
            self.seq_out0 = (1 << 32) - N_PACKETS // 2 - 1
            self.seq_in0 = self.seq_out0
        else:
            self.seq_out0 = rng.randrange(0, (1 << 32) - 2 * N_PACKETS)
            self.seq_in0 = rng.randrange(0, (1 << 32) - 2 * N_PACKETS)
        # The engine sends from natt[0] to natt[1]; scapy answers the other way.
        self.natt_in = (combo.natt[1], combo.natt[0]) if combo.natt else None
        self.ipsec_off = (20 if combo.outer == 4 else 40) + (8 if combo.natt else 0)

    def sa_lines(self):
        return [
            sa_line("out", self.combo, self.spi_out, self.a_s, self.b_s, *self.keys_out,
                    self.seq_out0, self.combo.natt, False),
            sa_line("in", self.combo, self.spi_in, self.b_s, self.a_s, *self.keys_in,
                    0, self.natt_in, True),
        ]

    def ctx(self):
        return dict(combo=self.combo, spi_out=self.spi_out, spi_in=self.spi_in,
                    keys_out=self.keys_out, keys_in=self.keys_in, a_s=self.a_s,
                    b_s=self.b_s, natt_in=self.natt_in, iv_len=self.iv_len)


def inner_tos(data):
    if data[0] >> 4 == 4:
        return data[1]
    return (struct.unpack("!I", data[:4])[0] >> 20) & 0xFF


def check_sealed(st, p, e, i, seq, fails):
    """The engine's headers around the cryptography: RFC 4301 §5.1.2 outer
    header, RFC 3948 §2.1 UDP header, SPI and sequence number. Returns the
    ESP/AH offset or None."""
    combo = st.combo
    want_proto = 50 if combo.proto == "esp" else 51
    if combo.mode == "tunnel":
        want_ip = 17 if combo.natt else want_proto
        if len(e) < st.ipsec_off + 12:
            fails.add("sealed packet too short", f"packet {i}", dict(sealed=e))
            return None
        if combo.outer == 4:
            ok = (e[0] == 0x45 and e[9] == want_ip and e[8] == 64 and
                  e[12:16] == st.a and e[16:20] == st.b and
                  struct.unpack("!H", e[2:4])[0] == len(e) and csum(e[:20]) == 0 and
                  struct.unpack("!H", e[6:8])[0] & 0xBFFF == 0)
        else:
            ok = (e[0] >> 4 == 6 and e[6] == want_ip and e[7] == 64 and
                  e[8:24] == st.a and e[24:40] == st.b and
                  struct.unpack("!H", e[4:6])[0] == len(e) - 40)
        if not ok:
            fails.add("bad outer header (version/length/protocol/TTL 64/addresses/checksum)",
                      f"packet {i}", dict(input=p.data, sealed=e))
            return None
        # RFC 4301 §5.1.2.1 copies DSCP, RFC 6040 §4.1 (normal mode) copies
        # ECN: the outer TOS / traffic class is the inner one.
        if inner_tos(e) != inner_tos(p.data):
            fails.add("outer TOS/traffic class is not the inner one (RFC 4301 §5.1.2.1, "
                      "RFC 6040 §4.1)",
                      f"packet {i}: outer {inner_tos(e):#04x}, inner {inner_tos(p.data):#04x}",
                      dict(input=p.data, sealed=e))
        if combo.outer == 4:
            # The engine's policy (RFC 4301 §8.1): DF copied from an inner
            # IPv4 header, set for inner IPv6.
            df = bool(e[6] & 0x40)
            want_df = bool(p.data[6] & 0x40) if p.data[0] >> 4 == 4 else True
            if df != want_df:
                fails.add("outer DF is not the inner DF (IPv4) / set (IPv6)",
                          f"packet {i}: DF {int(df)}", dict(input=p.data, sealed=e))
        if combo.natt:
            sp, dp, ulen, uck = struct.unpack("!HHHH", e[20:28])
            if (sp, dp) != tuple(combo.natt) or ulen != len(e) - 20 or uck != 0:
                fails.add("bad UDP encapsulation header (RFC 3948 §2.1)", f"packet {i}",
                          dict(sealed=e))
                return None
        off = st.ipsec_off
    else:
        try:
            off = transport_offset(e, want_proto)
        except IndexError:
            off = None
        if off is None:
            fails.add(f"no {combo.proto} header found", f"packet {i}",
                      dict(input=p.data, sealed=e))
            return None
    field = off if combo.proto == "esp" else off + 4
    spi_w, seq_w = struct.unpack("!II", e[field:field + 8])
    if spi_w != st.spi_out or seq_w != seq & 0xFFFFFFFF:
        fails.add("wrong SPI or sequence number",
                  f"packet {i}: {spi_w:#x}/{seq_w}, want {st.spi_out:#x}/{seq & 0xFFFFFFFF}",
                  dict(sealed=e))
        return None
    if combo.proto == "esp" and st.iv_len == 8 and e[off + 8:off + 16] != struct.pack("!Q", seq):
        # RFC 8221 §3 and the engine's contract: the AEAD explicit IV is the
        # 64-bit sequence number.
        fails.add("AEAD explicit IV is not the sequence number", f"packet {i} seq {seq}",
                  dict(sealed=e))
    return off


def transport_offset(e, want):
    if e[0] >> 4 == 4:
        return (e[0] & 15) * 4 if e[9] == want else None
    n, nh = 40, e[6]
    while nh != want:
        if nh not in (0, 43, 60):
            return None
        nh = e[n]
        n += (e[n + 1] + 1) * 8
    return n


def phase_seal(h, st, pkts, fails):
    """The engine seals every packet; returns the jobs for scapy to check
    them."""
    sealed = h.batch(f"seal out {p.data.hex()}" for p in pkts)
    items = []
    seq = st.seq_out0
    for i, (p, ans) in enumerate(zip(pkts, sealed)):
        if not ans.startswith("ok "):
            fails.add(f"engine seal answered {ans!r}", f"packet {i}", dict(input=p.data))
            continue
        seq += 1
        e = bytes.fromhex(ans[3:])
        off = check_sealed(st, p, e, i, seq, fails)
        if off is None:
            continue
        exact = p.exact_ok and (i < EXACT_HEAD or i % EXACT_EVERY == 0)
        items.append((i, p.data, e, seq, off, exact))
    return items


def prepare_open(st, pkts, rng):
    """What scapy seals for the engine: shuffled delivery inside the window;
    with ESN only shuffled locally and the first packet first, as a receiver
    can follow the high-order bits only within its window (RFC 4303
    Appendix A2.2)."""
    combo = st.combo
    order = list(range(len(pkts)))
    if combo.esn:
        for k in range(1, len(order), 32):
            chunk = order[k:k + 32]
            rng.shuffle(chunk)
            order[k:k + 32] = chunk
    else:
        rng.shuffle(order)
    items = []
    for i in order:
        p = pkts[i]
        fields = None
        if combo.mode == "tunnel":
            # An outer header as a peer might build it; ECN not-ECT so the
            # decapsulation rules of RFC 6040 leave the inner header alone.
            if combo.outer == 4:
                fields = dict(id=rng.randrange(65536), tos=rng.randrange(64) << 2,
                              ttl=rng.randrange(1, 256), flags=rng.choice((0, 2)))
            else:
                fields = dict(tc=rng.randrange(64) << 2, fl=rng.randrange(1 << 20),
                              hlim=rng.randrange(1, 256))
            data = p.data
        else:
            data = swap_addrs(p.data, combo.outer)   # the peer's packet
        items.append((i, data, st.seq_in0 + i + 1, fields))
    return items


def phase_open(h, st, pkts, sealed_by_scapy, rng, fails):
    """The engine opens what scapy sealed, half of it through xs_open on the
    SA database, half of it forwarded by a router first. Returns the number
    of packets sent."""
    combo = st.combo
    cmds, expect = [], []
    for k, (i, data, s) in enumerate(sealed_by_scapy):
        want = data
        if rng.random() < 0.5:
            s = forward(s, rng, pkts[i].spans, combo.outer)
            if combo.mode == "transport":
                # Mutable fields are part of the reconstructed packet.
                want = copy_mutable(want, s, pkts[i].spans, combo.outer)
        via_db = k % 2 == 1
        cmds.append(f"xopen {s.hex()}" if via_db else f"open in {s.hex()}")
        expect.append((i, s, want, via_db))
    opened = h.batch(cmds)
    for (i, s, want, via_db), ans in zip(expect, opened):
        prefix = "ok in " if via_db else "ok "
        if not ans.startswith(prefix):
            how = "xs_open" if via_db else "xs_" + combo.proto + "_open"
            fails.add(f"engine {how} answered {ans[:60]!r}", f"packet {i}",
                      dict(scapy_sealed=s, original=want))
            continue
        got = bytes.fromhex(ans[len(prefix):])
        if got != want:
            fails.add("the engine's opened packet differs from the original", f"packet {i}",
                      dict(scapy_sealed=s, original=want, engine_opened=got))
    return len(cmds)


def parse_stats(line):
    assert line.startswith("ok "), line
    return {k: int(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


@pytest.fixture(scope="module")
def pool():
    workers = max(1, min(4, os.cpu_count() or 1))
    with multiprocessing.get_context("fork").Pool(workers) as p:
        p.workers = workers
        yield p


@pytest.mark.parametrize("combo", COMBOS, ids=[c.id for c in COMBOS])
def test_engine_vs_scapy(combo, harness_factory, pool):
    seed = zlib.crc32(combo.id.encode()) ^ SEED
    rng = random.Random(seed)
    fails = Failures(combo, seed)
    st = Setup(combo, rng)
    ctx = st.ctx()

    h = harness_factory()
    ans = h.batch(st.sa_lines())
    assert ans == ["ok", "ok"], f"SA setup failed: {ans}"

    pkts = [make_packet(rng, combo, (st.a, st.b), size, total)
            for size, total in packet_sizes(rng, combo, N_PACKETS)]
    assert len(pkts) == N_PACKETS

    # scapy seals for the engine while the engine seals for scapy.
    open_items = prepare_open(st, pkts, rng)
    seal_jobs = [pool.apply_async(job_seal, (ctx, c))
                 for c in chunks(open_items, 2 * pool.workers)]
    verify_items = phase_seal(h, st, pkts, fails)
    verify_jobs = [pool.apply_async(job_verify, (ctx, c))
                   for c in chunks(verify_items, 2 * pool.workers)]

    sent = {i: data for i, data, _, _ in open_items}
    sealed_by_scapy = []
    for job in seal_jobs:
        for i, s, failure in job.get():
            if failure:
                fails.add(*failure)
            else:
                sealed_by_scapy.append((i, sent[i], s))
    n_in = phase_open(h, st, pkts, sealed_by_scapy, rng, fails)
    compared = 0
    for job in verify_jobs:
        failures, n = job.get()
        compared += n
        for failure in failures:
            fails.add(*failure)
    fails.check()
    # The byte-for-byte comparison really ran (all the special sizes at least).
    assert compared >= min(N_PACKETS, EXACT_HEAD) // 2, compared

    n_out = len(verify_items)
    for name, n in (("out", n_out), ("in", n_in)):
        stats = parse_stats(h.cmd(f"stats {name}"))
        assert stats["packets"] == n, f"{name}: {stats}"
        drops = {k: v for k, v in stats.items() if k not in ("packets", "bytes", "seq") and v}
        assert not drops, f"{name} counted drops: {drops}"
    assert parse_stats(h.cmd("stats out"))["seq"] == st.seq_out0 + n_out



# --------------------------------------------------------------------------
# AH over IPv6 pads its ICV field to 8-byte alignment (RFC 4302 §2.6). The
# padding content is the sender's choice and is "included in the ICV
# calculation ... transmitted ... to enable the receiver to perform the ICV
# calculation" (§3.3.3.2.1): a receiver must use the bytes it got, zeroing
# only the ICV itself. scapy's verify() does exactly that.

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mode", ("transport", "tunnel"))
def test_ah6_icv_padding_from_sender(backend, mode, harness):
    rng = random.Random(zlib.crc32(f"ah6pad-{backend}-{mode}".encode()) ^ SEED)
    combo = Combo("ah", "sha256", mode, 6, 6, backend)
    st = Setup(combo, rng)
    assert harness.batch(st.sa_lines()) == ["ok", "ok"]
    tx = scapy_sa(combo, st.spi_in, *st.keys_in,
                  tunnel_header(6, st.b_s, st.a_s, {}), None)
    mac_algo = AUTH_ALGOS["SHA2-256-128"]
    cmds, wants, sealed = [], [], []
    for n in range(64):
        p = make_packet(rng, combo, (st.a, st.b), rng.randrange(0 if n else 1, 200) or 1)
        want = p.data if mode == "tunnel" else swap_addrs(p.data, 6)
        pkt = IPv6(raw(tx.encrypt(parse_l3(want), seq_num=n + 1)))
        ah = pkt[AH]
        assert ah.payloadlen == 6 and len(ah.icv) == 20, "scapy's AH layout changed"
        ah.icv, ah.padding = b"\0" * 16, os_bytes(rng, 4)
        clone = zero_mutable_fields(pkt.copy(), sending=False)
        mac = mac_algo.new_mac(st.keys_in[1])
        mac.update(raw(clone))
        ah.icv = mac.finalize()[:16]
        s = raw(pkt)
        # scapy itself accepts the packet: the padding is covered as sent.
        check = scapy_sa(combo, st.spi_in, *st.keys_in, tunnel_header(6, st.b_s, st.a_s, {}),
                         None)
        assert raw(check.decrypt(IPv6(s))) == want
        cmds.append(f"open in {s.hex()}")
        wants.append(want)
        sealed.append(s)
    bad = [(s, ans) for s, want, ans in zip(sealed, wants, harness.batch(cmds))
           if ans != f"ok {want.hex()}"]
    if bad:
        pytest.fail(f"{len(bad)}/{len(cmds)} AH packets with non-zero ICV padding refused; "
                    f"first: {bad[0][1][:40]!r} for\n  {bad[0][0].hex()}", pytrace=False)


# --------------------------------------------------------------------------
# The harness itself: every malformed line gets an answer, nothing crashes.

def test_harness_survives_bad_input(harness):
    key = "00" * 20
    lines = [
        "frobnicate", "sa", "sa x", "sa x proto=esp spi=0x1000 suite=nope",
        "sa x proto=gre", "sa x family=5", "sa x spi=99999999999", "sa x spi=-1",
        "sa x ekey=zz", f"sa x ekey={key}{key}{key}", "sa x encap=1", "sa x encap=70000,1",
        "sa x src=1.2.3.4 family=6 suite=aes128gcm16 spi=0x1000 ekey=" + key,
        "sa x suite=aes128gcm16 spi=0x10 ekey=" + key,           # reserved SPI
        "sa x suite=aes128gcm16 spi=0x1000 ekey=00",              # short key
        "sa x suite=aes128gcm16 spi=0x1000 backend=foo ekey=" + key,
        "sa x suite=aes128gcm16 spi=0x1000 window=100 ekey=" + key,
        "sa x noequals", "sa " + "n" * 40 + " suite=aes128gcm16 ekey=" + key,
        "seal", "seal nope 4500", "open nope 00", "xopen", "stats", "stats nope", "del nope",
        "a " * 40,
        f"sa x suite=aes128gcm16 spi=0x1000 ekey={key} db=1",
        f"sa x suite=aes128gcm16 spi=0x1001 ekey={key}",          # duplicate name
        f"sa y suite=aes128gcm16 spi=0x1000 ekey={key} db=1",     # duplicate SPI in db
        "seal x", "seal x 4", "seal x 0g", "seal x " + "00" * 10000,
        "seal x 4500 iv=", "seal x 4500 foo",
        "seal x 450000140001000040fd00000102030405060708 iv=01",   # GCM needs 8
        "seal x 450000140001000040fd00000102030405060708 iv=0102030405060708",
        "seal x 6000000000003b40" + "00" * 32,
        "open x", "open x 45", "open x " + "ff" * 64, "xopen 45", "xopen 4500001c" + "00" * 24,
        "xopen " + "60" + "00" * 100,
        "stats x", "del x", "del x", "seal x 4500",
    ]
    answers = harness.batch(lines + ["quit"])
    assert len(answers) == len(lines) + 1
    assert answers[-1] == "ok"
    by_line = dict(zip(lines, answers))
    for line, ans in by_line.items():
        assert ans.split()[0] in ("ok", "err", "drop"), (line, ans)
    assert by_line["frobnicate"].startswith("err")
    assert by_line["seal x " + "00" * 10000].startswith("err")
    assert by_line[f"sa x suite=aes128gcm16 spi=0x1000 ekey={key} db=1"] == "ok"
    assert by_line[f"sa x suite=aes128gcm16 spi=0x1001 ekey={key}"].startswith("err")
    assert by_line[f"sa y suite=aes128gcm16 spi=0x1000 ekey={key} db=1"].startswith("err")
    assert by_line["seal x 450000140001000040fd00000102030405060708 iv=01"].startswith("err")
    forced = by_line["seal x 450000140001000040fd00000102030405060708 iv=0102030405060708"]
    assert forced.startswith("ok ") and "0102030405060708" in forced, forced
    assert by_line["open x 45"].startswith("drop")
    assert by_line["stats x"].startswith("ok packets=")
    assert harness.close() == 0
