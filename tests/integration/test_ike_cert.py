# SPDX-License-Identifier: GPL-2.0-only
"""IKE with certificates: X.509 authentication against strongSwan's charon
and between two xdpsec agents, refused certificates, and RFC 7383
fragmentation on a 1280-octet link.

The PKI is made once per session with the openssl command line (pki.py):
a root CA (RSA-3072), intermediate A (ECDSA P-384) issuing moon's
certificates, intermediate B (ECDSA P-256) issuing sun's; moon = xdpsec on
host A, sun = charon (or a second agent) on host B. Each side's x509ca/
holds the root and its own intermediate only, so the peer's intermediate
must arrive in CERT payloads (and is sent, being in x509ca/). Both sides
load their directory as swanctl does: x509/, x509ca/, x509crl/,
private/ (xdpsec's key encrypted, its passphrase in secrets { private-moon
}), `xdpsec-ike daemon --config DIR/...conf`.

test_cert_interop   RSA-3072, ECDSA (P-256 / P-384) and Ed25519 on both
                    sides, charon initiating and xdpsec initiating: the
                    IKE SA and the Child SA come up on both sides with the
                    same SPIs, each side logs the scheme it verified
                    (RFC 7427), ping goes both ways through the tunnel.
test_cert_interop_pss
                    RSASSA-PSS both ways (charon rsa_pss = yes, xdpsec
                    auth = rsa/pss on both rounds).
test_cert_refused   charon presents an expired, a not yet valid, an
                    untrusted (other root), a revoked (CRL of B), a
                    wrong-SAN and a wrong-key-usage certificate; xdpsec
                    refuses each with AUTHENTICATION_FAILED as responder
                    and with an INFORMATIONAL (AUTHENTICATION_FAILED +
                    DELETE) as initiator, counts the reason and says it in
                    one log line; charon holds no SA afterwards.
test_cert_refused_by_charon
                    the other way: moon's revoked certificate is refused
                    by charon (A's CRL); xdpsec hears AUTHENTICATION_FAILED
                    and keeps nothing.
test_fragmentation_charon, test_fragmentation_xdpsec
                    link MTU 1280 (veths and bridge), IP fragments dropped
                    on the bridge (nftables), RSA-4096 chains: IKE_AUTH
                    only gets through as RFC 7383 fragments, in both
                    directions, with charon and between two agents; the
                    capture shows SKF payloads both ways, no packet
                    above 1280 octets and no IP fragment; with
                    fragmentation = no the same IKE_AUTH is sent as IP
                    fragments and never arrives.

Needs root, bpffs, build/xdpsec, build/xdpsec-ike, openssl and strongSwan
(scripts/setup.sh). About 1.5 minutes (RSA-4096 key generation included).
"""
import re
import time

import pytest

import ike_topo as it
import netns
import pki
import strongswan as sw

FWMARK = 0x77
PASS = "moon key pass"
# charon's load list with certificates (shared notes, strongswan.md);
# kernel-libipsec stays before kernel-netlink
PLUGINS = sw.PLUGINS.replace(
    "curve25519 ", "curve25519 x509 pem pkcs1 pkcs8 pubkey revocation constraints ")
IKE = "aes128gcm16-prfsha256-x25519"


# ------------------------------------------------------------------- PKI

@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """Every certificate the tests use, made once."""
    p = pki.Pki(tmp_path_factory.mktemp("pki"))
    c = {"pki": p}
    c["root"] = p.ca("root", "rsa:3072", cn="xdpsec Root CA")
    c["imA"] = p.ca("imA", "ec:P-384", issuer=c["root"], cn="Intermediate A")
    c["imB"] = p.ca("imB", "ec:P-256", issuer=c["root"], cn="Intermediate B")
    c["other"] = p.ca("other", "ec:P-256", cn="Other Root CA")
    moon_san, sun_san = ["DNS:moon.example.org"], ["DNS:sun.example.org"]
    for alg, kt_moon, kt_sun in (("rsa", "rsa:3072", "rsa:3072"),
                                 ("ecdsa", "ec:P-256", "ec:P-384"),
                                 ("ed25519", "ed25519", "ed25519")):
        c[f"moon-{alg}"] = p.cert(f"moon-{alg}", kt_moon, c["imA"], san=moon_san,
                                  cn="moon.example.org")
        c[f"sun-{alg}"] = p.cert(f"sun-{alg}", kt_sun, c["imB"], san=sun_san,
                                 cn="sun.example.org")
    # what xdpsec must refuse
    c["sun-expired"] = p.cert("sun-expired", "ec:P-256", c["imB"], san=sun_san,
                              start="-30d", end="-1d")
    c["sun-notyet"] = p.cert("sun-notyet", "ec:P-256", c["imB"], san=sun_san,
                             start="+2d", end="+30d")
    c["sun-untrusted"] = p.cert("sun-untrusted", "ec:P-256", c["other"], san=sun_san)
    c["sun-revoked"] = p.cert("sun-revoked", "ec:P-256", c["imB"], san=sun_san)
    c["sun-wrongsan"] = p.cert("sun-wrongsan", "ec:P-256", c["imB"],
                               san=["DNS:mars.example.org"], cn="mars.example.org")
    c["sun-ku"] = p.cert("sun-ku", "ec:P-256", c["imB"], san=sun_san,
                         ku="keyEncipherment")
    c["moon-revoked"] = p.cert("moon-revoked", "ec:P-256", c["imA"], san=moon_san)
    p.revoke(c["imB"], c["sun-revoked"])
    p.revoke(c["imA"], c["moon-revoked"])
    c["crlA"], c["crlB"] = p.crl(c["imA"]), p.crl(c["imB"])
    return c


@pytest.fixture(scope="session")
def big_certs(tmp_path_factory):
    """RSA-4096 everywhere: an IKE_AUTH well above 1280 octets."""
    p = pki.Pki(tmp_path_factory.mktemp("pki4096"))
    c = {"root": p.ca("root", "rsa:4096", cn="xdpsec Root CA 4096")}
    c["im"] = p.ca("im", "rsa:4096", issuer=c["root"], cn="Intermediate 4096")
    c["moon"] = p.cert("moon", "rsa:4096", c["im"], san=["DNS:moon.example.org"])
    c["sun"] = p.cert("sun", "rsa:4096", c["im"], san=["DNS:sun.example.org"])
    return c


# ----------------------------------------------------------------- configs

def xdpsec_conf(a, b, moon_cert, remote_extra="", conn_extra="", ike=IKE,
                child="c", me="moon", peer="sun", local_auth="pubkey",
                remote_auth="pubkey"):
    """moon's swanctl.conf: certificate from x509/, encrypted key in
    private/ with its passphrase in secrets (me/peer: the names in the
    identities, so a second agent can be sun)."""
    return f"""connections {{
    c {{
        local_addrs = {a}
        remote_addrs = {b}
        proposals = {ike}
        {conn_extra}
        local {{
            auth = {local_auth}
            certs = {moon_cert}Cert.pem
            id = {me}.example.org
        }}
        remote {{
            auth = {remote_auth}
            id = {peer}.example.org
            {remote_extra}
        }}
        children {{
            {child} {{
                local_ts = {a}/32
                remote_ts = {b}/32
                esp_proposals = aes128gcm16
            }}
        }}
    }}
}}
secrets {{
    private-{me} {{
        file = {moon_cert}Key.pem
        secret = "{PASS}"
    }}
}}
"""


def charon_conf(a, b, sun_cert, local_id="sun.example.org", extra=""):
    return f"""connections {{
    c {{
        version = 2
        local_addrs = {b}
        remote_addrs = {a}
        proposals = {IKE}
        mobike = no
        {extra}
        local {{
            auth = pubkey
            certs = {sun_cert}Cert.pem
            {"id = " + local_id if local_id else ""}
        }}
        remote {{
            auth = pubkey
            id = moon.example.org
        }}
        children {{
            c {{
                local_ts = {b}/32
                remote_ts = {a}/32
                esp_proposals = aes128gcm16
            }}
        }}
    }}
}}
"""


@pytest.fixture(scope="module")
def ike_bin(build_dir):
    p = it.agent_path(build_dir)
    if not p.exists():
        pytest.fail(f"{p} missing: run `make`")
    return p


@pytest.fixture(scope="module")
def charon_ok():
    if not sw.available():
        pytest.fail("strongSwan with kernel-libipsec is not installed "
                    "(scripts/setup.sh)")


@pytest.fixture
def interop(link, build_dir, xdpsec_bin, ike_bin, charon_ok, tmp_path):
    """(xdpsec host on A, charon on B); both stopped at teardown."""
    link.a.run(["ip", "route", "replace", f"{link.v4[1]}/32", "dev", link.dev_a,
                "mtu", 1400])
    host = it.IkeHost(link.a, link.dev_a, link.v4[0], build_dir, tmp_path / "moon",
                      "x")
    charon = sw.Charon(link.b, tmp_path / "charon", fwmark=FWMARK, allow_peer_ts=True,
                       plugins=PLUGINS, log_levels={"ike": 2, "cfg": 2, "net": 1})
    try:
        charon.start()
        yield host, charon
    finally:
        charon.stop()
        host.stop()


def load_charon(charon, certs, sun, text, crls=()):
    conf = pki.swanctl_dir(charon.workdir / "swanctl", text, own=[certs[sun]],
                           cas=[certs["root"], certs["imB"]], crls=crls)
    charon.swanctl("--load-all", "--clear", "--file", conf)


def start_moon(host, certs, moon, text, crls=()):
    conf = pki.swanctl_dir(host.agent.workdir, text, own=[certs[moon]],
                           cas=[certs["root"], certs["imA"]], crls=crls,
                           key_secret=PASS)
    # the agent reads its config where swanctl's folders are
    host.agent.conf = conf
    host.agent.start()


def diag_of(host, charon):
    return lambda: host.diag() + "\n--- charon log (tail):\n" + charon.log_tail(6000)


# ----------------------------------------------------------------- interop

ALGS = [
    # (id, cert suffix, what xdpsec logs of charon's AUTH, charon's of ours)
    ("rsa", "rsa", "RSA/PKCS1 with SHA-256 (RFC 7427), RSA-3072 key",
     "RSA_EMSA_PKCS1_SHA2_256"),
    ("ecdsa", "ecdsa", "ECDSA with SHA-384 (RFC 7427), ECDSA P-384 key",
     "ECDSA_WITH_SHA256_DER"),
    ("ed25519", "ed25519", "Ed25519 (RFC 8420), Ed25519 key", "ED25519"),
]


@pytest.mark.parametrize("initiator", ["charon", "xdpsec"])
@pytest.mark.parametrize("alg", ALGS, ids=[a[0] for a in ALGS])
def test_cert_interop(link, interop, certs, initiator, alg):
    host, charon = interop
    name, sfx, xlog, clog = alg
    a, b = link.v4
    load_charon(charon, certs, f"sun-{sfx}", charon_conf(a, b, f"sun-{sfx}"))
    start_moon(host, certs, f"moon-{sfx}", xdpsec_conf(a, b, f"moon-{sfx}"))
    diag = diag_of(host, charon)

    if initiator == "charon":
        charon.initiate("c")
    else:
        host.agent.initiate("c")
    xsa = it.wait_established(host.agent, "c", 1, 20, diag)
    csa = charon.wait_child_sa("c", timeout=20)
    ch = xsa["children"][0]
    assert int(ch["spi_in"], 16) == int(csa["spi-out"], 16) and \
        int(ch["spi_out"], 16) == int(csa["spi-in"], 16), (ch, csa)
    # each side verified the other's signature with the expected scheme,
    # the intermediate coming from the peer's CERT payloads
    assert f"peer authenticated with {xlog}" in host.agent.log_text(), diag()
    clog_text = charon.log_text()
    assert re.search(r"authentication of 'moon.example.org' with \S*" + clog +
                     r"\S* successful", clog_text), diag()
    assert "Intermediate A" in clog_text, "charon never saw moon's intermediate"
    st = host.agent.stats()["ike"]
    assert st["auth_failed"] == 0, st

    for ns, dst in ((link.a, b), (link.b, a)):
        r = ns.ping(dst, count=5, interval=0.05)
        assert r["received"] == 5, f"ping {ns.name} -> {dst}: {r}\n{diag()}"
    host.agent.terminate("c")
    it.wait_no_sas(host, timeout=10, diag=diag)
    it.wait_for(lambda: not charon.child_sas("c"), 10, "charon's SA deleted", diag)


def test_cert_interop_pss(link, build_dir, xdpsec_bin, ike_bin, charon_ok, certs,
                          tmp_path):
    """RSASSA-PSS both ways: charon with rsa_pss = yes, xdpsec with
    auth = rsa/pss (and demanding PSS of charon)."""
    a, b = link.v4
    host = it.IkeHost(link.a, link.dev_a, a, build_dir, tmp_path / "moon", "x")
    charon = sw.Charon(link.b, tmp_path / "charon", fwmark=FWMARK, allow_peer_ts=True,
                       plugins=PLUGINS, log_levels={"ike": 2},
                       extra={"rsa_pss": True})
    try:
        charon.start()
        load_charon(charon, certs, "sun-rsa", charon_conf(a, b, "sun-rsa"))
        start_moon(host, certs, "moon-rsa",
                   xdpsec_conf(a, b, "moon-rsa", local_auth="rsa/pss",
                               remote_auth="rsa/pss"))
        diag = diag_of(host, charon)
        host.agent.initiate("c")
        it.wait_established(host.agent, "c", 1, 20, diag)
        charon.wait_child_sa("c", timeout=20)
        assert "peer authenticated with RSA/PSS with SHA-256 (RFC 7427), RSA-3072 key" \
            in host.agent.log_text(), diag()
        assert re.search(r"authentication of 'moon.example.org' with RSA_EMSA_PSS\S* "
                         r"successful", charon.log_text()), diag()
    finally:
        charon.stop()
        host.stop()


# ---------------------------------------------------------------- refusals

REFUSED = [
    # (id, charon's certificate, xdpsec's counter, what xdpsec's log says)
    ("expired", "sun-expired", "auth_cert_expired",
     "certificate 'C=CH, O=xdpsec test, CN=sun-expired' expired"),
    ("not-yet-valid", "sun-notyet", "auth_cert_not_yet_valid",
     "certificate 'C=CH, O=xdpsec test, CN=sun-notyet' not valid before"),
    ("untrusted", "sun-untrusted", "auth_cert_untrusted",
     "does not chain to a trusted CA"),
    ("revoked", "sun-revoked", "auth_cert_revoked",
     "certificate 'C=CH, O=xdpsec test, CN=sun-revoked' revoked by a CRL of its issuer"),
    ("wrong-san", "sun-wrongsan", "auth_id_mismatch",
     "identity 'sun.example.org' is not in certificate 'C=CH, O=xdpsec test, "
     "CN=mars.example.org'"),
    ("key-usage", "sun-ku", "auth_cert_key_usage",
     "neither digitalSignature nor nonRepudiation"),
]


@pytest.mark.parametrize("initiator", ["charon", "xdpsec"])
@pytest.mark.parametrize("case", REFUSED, ids=[r[0] for r in REFUSED])
def test_cert_refused(link, interop, certs, initiator, case):
    host, charon = interop
    name, sun, counter, why = case
    a, b = link.v4
    # charon also trusts the other root, so it uses its untrusted cert
    load_charon(charon, certs, sun, charon_conf(a, b, sun))
    if name == "untrusted":
        shutil_copy(certs["other"].cert, charon.workdir / "swanctl" / "x509ca")
        charon.swanctl("--load-all", "--clear", "--file",
                       charon.workdir / "swanctl" / "swanctl.conf")
    start_moon(host, certs, "moon-ecdsa", xdpsec_conf(a, b, "moon-ecdsa"),
               crls=[certs["crlB"]])
    diag = diag_of(host, charon)

    if initiator == "charon":
        p = charon.swanctl("--initiate", "--child", "c", "--timeout", "10",
                           check=False, timeout=20)
        assert p.returncode != 0, f"charon got through:\n{p.stdout}\n{diag()}"
    else:
        host.agent.initiate("c", wait=False)
    st = it.wait_for(lambda: (lambda s: s if s[counter] == 1 else None)(
        host.agent.stats()["ike"]), 10, f"{counter} counted", diag)
    assert st["auth_failed"] == 1, st
    it.wait_no_sas(host, timeout=10, diag=diag)
    # one line saying exactly why
    lines = [ln for ln in host.agent.log_text().splitlines()
             if "authentication failed:" in ln]
    assert len(lines) == 1 and why in lines[0], f"{lines}\n{diag()}"
    # charon was told, and keeps nothing
    it.wait_for(lambda: not charon.list_sas(), 10, "charon without SAs", diag)
    clog = charon.log_text()
    if initiator == "charon":
        assert "received AUTHENTICATION_FAILED notify error" in clog, diag()
    else:
        assert re.search(r"received AUTHENTICATION_FAILED|deleting IKE_SA|"
                         r"received DELETE for IKE_SA", clog), diag()


@pytest.mark.parametrize("initiator", ["charon", "xdpsec"])
def test_cert_refused_by_charon(link, interop, certs, initiator):
    """moon's certificate is revoked and charon has the CRL: refused,
    and xdpsec lets go of its side as soon as charon says so."""
    host, charon = interop
    a, b = link.v4
    load_charon(charon, certs, "sun-ecdsa", charon_conf(a, b, "sun-ecdsa"),
                crls=[certs["crlA"]])
    start_moon(host, certs, "moon-revoked", xdpsec_conf(a, b, "moon-revoked"))
    diag = diag_of(host, charon)

    if initiator == "charon":
        # charon authenticates us last (RFC 7296 §1.2): it tells us with
        # an INFORMATIONAL after our IKE_AUTH response
        p = charon.swanctl("--initiate", "--child", "c", "--timeout", "10",
                           check=False, timeout=20)
        assert p.returncode != 0, f"charon got through:\n{p.stdout}\n{diag()}"
        it.wait_for(lambda: "peer reports AUTHENTICATION_FAILED" in
                    host.agent.log_text(), 10, "charon's INFORMATIONAL", diag)
    else:
        host.agent.initiate("c", wait=False)
        it.wait_for(lambda: host.agent.stats()["ike"]["auth_failed"] == 1, 10,
                    "AUTHENTICATION_FAILED from charon", diag)
        assert "peer sent AUTHENTICATION_FAILED" in host.agent.log_text(), diag()
    assert "certificate was revoked" in charon.log_text(), diag()
    it.wait_no_sas(host, timeout=10, diag=diag)
    it.wait_for(lambda: not charon.list_sas(), 10, "charon without SAs", diag)


def shutil_copy(src, dst):
    import shutil
    shutil.copy(src, dst)


# ----------------------------------------------------------- fragmentation

MTU = 1280
NFT_NO_FRAGMENTS = """
table bridge xsfrag {
    chain xsfwd {
        type filter hook forward priority 0; policy accept;
        ip frag-off & 0x3fff != 0 counter drop
    }
}
"""


def small_link(link):
    """Every device of the segment at MTU 1280; the bridge drops IP
    fragments, so a datagram above the MTU never arrives."""
    it.need_nft()
    for ns, dev in ((link.a, link.dev_a), (link.b, link.dev_b), (link.m, link.tap_a),
                    (link.m, link.tap_b), (link.m, "br0")):
        ns.run(["ip", "link", "set", "dev", dev, "mtu", MTU])
    link.m.run(["nft", "-f", "-"], input=NFT_NO_FRAGMENTS)


def wire(pcap, a, b):
    """From a capture: (IKE datagrams A->B, B->A) as (length, next
    payload) with the non-ESP marker stripped, the largest IP packet, and
    the number of IP fragments."""
    from scapy.all import IP, UDP, rdpcap
    out = {a: [], b: []}
    largest, frags = 0, 0
    for pkt in rdpcap(str(pcap)):
        if IP not in pkt:
            continue
        ip = pkt[IP]
        largest = max(largest, ip.len)
        if ip.flags.MF or ip.frag:
            frags += 1
            continue
        if UDP not in ip or ip.src not in out:
            continue
        data = bytes(ip[UDP].payload)
        if ip[UDP].sport == 4500:
            if data[:4] != b"\0\0\0\0":
                continue        # ESP in UDP
            data = data[4:]
        if len(data) >= 28:
            out[ip.src].append((len(data), data[16]))
    return out[a], out[b], largest, frags


SKF = 53


def assert_fragmented(pcap, a, b, diag):
    ab, ba, largest, frags = wire(pcap, a, b)
    skf_ab = [d for d in ab if d[1] == SKF]
    skf_ba = [d for d in ba if d[1] == SKF]
    assert len(skf_ab) >= 2 and len(skf_ba) >= 2, \
        f"RFC 7383 fragments A->B {skf_ab}, B->A {skf_ba}\n{diag()}"
    assert largest <= MTU, f"an IP packet of {largest} octets on a {MTU} link"
    assert frags == 0, f"{frags} IP fragments on the wire"


@pytest.fixture
def frag_interop(link, build_dir, xdpsec_bin, ike_bin, charon_ok, tmp_path):
    small_link(link)
    host = it.IkeHost(link.a, link.dev_a, link.v4[0], build_dir, tmp_path / "moon",
                      "x")
    charon = sw.Charon(link.b, tmp_path / "charon", fwmark=FWMARK, allow_peer_ts=True,
                       plugins=PLUGINS, log_levels={"ike": 2, "net": 2},
                       extra={"plugins": {"kernel-libipsec": {"mtu": 1200}}})
    try:
        charon.start()
        yield host, charon
    finally:
        charon.stop()
        host.stop()


def test_fragmentation_charon(link, frag_interop, big_certs):
    """IKE_AUTH with RSA-4096 chains to and from charon on a 1280 link."""
    host, charon = frag_interop
    a, b = link.v4
    certs = {"moon": big_certs["moon"], "sun": big_certs["sun"],
             "root": big_certs["root"], "imA": big_certs["im"],
             "imB": big_certs["im"]}
    load_charon(charon, certs, "sun", charon_conf(a, b, "sun"))
    start_moon(host, certs, "moon", xdpsec_conf(a, b, "moon",
                                                conn_extra="fragmentation = yes"))
    diag = diag_of(host, charon)
    pcap = host.workdir / "frag.pcap"
    cap = link.capture(f"host {a} and host {b}", pcap=str(pcap))
    host.agent.initiate("c")
    it.wait_established(host.agent, "c", 1, 20, diag)
    charon.wait_child_sa("c", timeout=20)
    for ns, dst in ((link.a, b), (link.b, a)):
        r = ns.ping(dst, count=3, interval=0.05)
        assert r["received"] == 3, f"ping {ns.name} -> {dst}: {r}\n{diag()}"
    cap.stop()
    st = host.agent.stats()["ike"]
    assert st["frag_tx"] >= 2 and st["frag_reassembled"] >= 1, st
    assert re.search(r"received fragment #\d+ of \d+", charon.log_text()), diag()
    assert_fragmented(pcap, a, b, diag)


def test_fragmentation_xdpsec(link, build_dir, xdpsec_bin, ike_bin, big_certs,
                              tmp_path):
    """The same between two agents; then with fragmentation = no the
    IKE_AUTH request leaves as IP fragments and never arrives."""
    small_link(link)
    a, b = link.v4
    hosts = []
    try:
        ha = it.IkeHost(link.a, link.dev_a, a, build_dir, tmp_path / "a", "a")
        hosts.append(ha)
        hb = it.IkeHost(link.b, link.dev_b, b, build_dir, tmp_path / "b", "b")
        hosts.append(hb)
        certs = {"moon": big_certs["moon"], "sun": big_certs["sun"],
                 "root": big_certs["root"], "imA": big_certs["im"]}

        def sun_conf(frag):
            return xdpsec_conf(b, a, "sun", conn_extra=f"fragmentation = {frag}",
                               me="sun", peer="moon")

        def moon_conf(frag):
            return xdpsec_conf(a, b, "moon", conn_extra=f"fragmentation = {frag}")

        def diag():
            return ha.diag() + "\n" + hb.diag()

        start_moon(hb, certs, "sun", sun_conf("yes"))
        start_moon(ha, certs, "moon", moon_conf("yes"))
        pcap = tmp_path / "frag.pcap"
        cap = link.capture(f"host {a} and host {b}", pcap=str(pcap))
        ha.agent.initiate("c")
        it.wait_established(ha.agent, "c", 1, 20, diag)
        it.wait_established(hb.agent, "c", 1, 10, diag)
        r = link.a.ping(b, count=3, interval=0.05)
        assert r["received"] == 3, f"{r}\n{diag()}"
        cap.stop()
        for h in (ha, hb):
            st = h.agent.stats()["ike"]
            assert st["frag_tx"] >= 2 and st["frag_reassembled"] == 1, st
        assert_fragmented(pcap, a, b, diag)

        # without RFC 7383 the IKE_AUTH request is IP-fragmented by the
        # kernel, and the bridge drops what the path would not carry
        ha.agent.terminate("c")
        it.wait_no_sas(ha, timeout=10, diag=diag)
        it.wait_no_sas(hb, timeout=10, diag=diag)
        ha.agent.write_config(text=moon_conf("no"))
        ha.agent.reload()
        rx_b = hb.agent.stats()["ike"]["rx"]
        pcap2 = tmp_path / "nofrag.pcap"
        cap = link.capture(f"host {a} and host {b}", pcap=str(pcap2))
        ha.agent.initiate("c", wait=False)
        time.sleep(3)
        cap.stop()
        assert not it.established(ha.agent, "c", 0), diag()
        assert not it.established(hb.agent, "c", 0), diag()
        ab, ba, largest, frags = wire(pcap2, a, b)
        assert frags >= 2, f"no IP fragments seen ({ab}, {ba})"
        assert not [d for d in ab + ba if d[1] == SKF], (ab, ba)
        # B heard IKE_SA_INIT and nothing of IKE_AUTH
        assert hb.agent.stats()["ike"]["rx"] - rx_b == 1, diag()
    finally:
        for h in hosts:
            h.stop()
