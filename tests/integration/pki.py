# SPDX-License-Identifier: GPL-2.0-only
"""A test PKI made at run time with the openssl command line (Debian
package openssl): CAs, intermediates, end-entity certificates with the
subjectAltNames, key usage and validity a test asks for, revocation and
CRLs, and the files laid out as swanctl's folders.

    p = Pki(tmpdir)
    root = p.ca("root", "rsa:3072")
    im = p.ca("im-a", "ec:P-384", issuer=root)
    moon = p.cert("moon", "rsa:3072", im, san=["DNS:moon.example.org"])
    old = p.cert("old", "ec:P-256", im, san=[...], start="-10d", end="-1d")
    p.revoke(im, old)
    crl = p.crl(im)                      # PEM file of im's CRL
    moon.cert, moon.key                  # file paths (PEM)

Key types: "rsa:BITS", "ec:P-256|P-384|P-521", "ed25519". Validity
offsets are "+Nd", "-Nd" (days, relative to now). Every CA keeps an
`openssl ca` database, so revocation and CRLs are the real thing.
Generating RSA-4096 keys is slow: a test session makes its PKI once.
"""
import dataclasses
import datetime
import pathlib
import shutil
import subprocess

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
DN_BASE = "/C=CH/O=xdpsec test"


class PkiError(RuntimeError):
    pass


def _run(args, cwd=None):
    p = subprocess.run([OPENSSL] + [str(a) for a in args], cwd=cwd,
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise PkiError(f"openssl {' '.join(map(str, args))} failed:\n"
                       f"{p.stdout}{p.stderr}")
    return p


def _when(offset):
    """'+10d' / '-1d' -> the YYYYMMDDHHMMSSZ form openssl ca takes."""
    sign = -1 if offset.startswith("-") else 1
    days = int(offset.strip("+-").rstrip("d"))
    t = datetime.datetime.now(datetime.timezone.utc) + sign * datetime.timedelta(days=days)
    return t.strftime("%Y%m%d%H%M%SZ")


@dataclasses.dataclass
class Cred:
    name: str
    cert: pathlib.Path          # PEM
    key: pathlib.Path           # PEM, PKCS#8
    subject: str                # openssl form, /C=../CN=..
    ca: bool = False
    dir: pathlib.Path = None    # CA database directory

    @property
    def dn(self):
        """The subject as swanctl writes it: "C=CH, O=..., CN=..."."""
        return ", ".join(self.subject.strip("/").split("/"))


class Pki:
    def __init__(self, workdir):
        self.dir = pathlib.Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.serial = 0x1000

    def key(self, name, ktype):
        path = self.dir / f"{name}.key"
        if ktype.startswith("rsa:"):
            _run(["genpkey", "-algorithm", "RSA", "-pkeyopt",
                  f"rsa_keygen_bits:{ktype[4:]}", "-out", path])
        elif ktype.startswith("ec:"):
            _run(["genpkey", "-algorithm", "EC", "-pkeyopt",
                  f"ec_paramgen_curve:{ktype[3:]}", "-out", path])
        elif ktype in ("ed25519", "ed448"):
            _run(["genpkey", "-algorithm", ktype.upper(), "-out", path])
        else:
            raise PkiError(f"unknown key type {ktype}")
        return path

    def _ca_db(self, cred):
        d = self.dir / f"{cred.name}.db"
        d.mkdir(exist_ok=True)
        (d / "index.txt").touch()
        if not (d / "crlnumber").exists():
            (d / "crlnumber").write_text("1000\n")
        conf = d / "ca.cnf"
        conf.write_text(f"""
[ ca ]
default_ca = this
[ this ]
dir = {d}
database = {d}/index.txt
new_certs_dir = {d}
certificate = {cred.cert}
private_key = {cred.key}
crlnumber = {d}/crlnumber
rand_serial = yes
default_md = sha256
default_crl_days = 30
crl_extensions = crl_ext
policy = anything
unique_subject = no
copy_extensions = none
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ anything ]
countryName = optional
organizationName = optional
commonName = supplied
""")
        return conf

    def ca(self, name, ktype, issuer=None, cn=None, end="+3650d"):
        """A CA certificate: self-signed (issuer None) or issued by issuer."""
        key = self.key(name, ktype)
        subject = f"{DN_BASE}/CN={cn or name}"
        ext = ("basicConstraints=critical,CA:TRUE\n"
               "keyUsage=critical,keyCertSign,cRLSign\n"
               "subjectKeyIdentifier=hash\n"
               + ("authorityKeyIdentifier=keyid:always\n" if issuer else ""))
        cred = self._issue(name, key, subject, issuer, ext, start="-1d", end=end)
        cred.ca = True
        self._ca_db(cred)
        return cred

    def cert(self, name, ktype, issuer, san=(), cn=None, start="-1d", end="+365d",
             ku="digitalSignature", key=None):
        """An end-entity certificate issued by issuer (a CA Cred)."""
        key = key or self.key(name, ktype)
        subject = f"{DN_BASE}/CN={cn or name}"
        ext = ("basicConstraints=CA:FALSE\nsubjectKeyIdentifier=hash\n"
               "authorityKeyIdentifier=keyid:always\n")
        if ku:
            ext += f"keyUsage={ku}\n"
        if san:
            ext += "subjectAltName=" + ",".join(san) + "\n"
        return self._issue(name, key, subject, issuer, ext, start=start, end=end)

    def _issue(self, name, key, subject, issuer, ext, start, end):
        csr = self.dir / f"{name}.csr"
        cert = self.dir / f"{name}.pem"
        extfile = self.dir / f"{name}.ext"
        extfile.write_text("[ ext ]\n" + ext)
        _run(["req", "-new", "-key", key, "-subj", subject, "-out", csr])
        if issuer is None:
            # self-signed: the CA database of this very key
            tmp = Cred(name, self.dir / f"{name}.self.pem", key, subject)
            _run(["req", "-x509", "-key", key, "-subj", subject, "-days", "3650",
                  "-out", tmp.cert])
            conf = self._ca_db(tmp)
            _run(["ca", "-batch", "-config", conf, "-selfsign", "-in", csr,
                  "-out", cert, "-startdate", _when(start), "-enddate", _when(end),
                  "-extfile", extfile, "-extensions", "ext", "-notext"])
        else:
            conf = self._ca_db(issuer)
            _run(["ca", "-batch", "-config", conf, "-in", csr, "-out", cert,
                  "-startdate", _when(start), "-enddate", _when(end),
                  "-extfile", extfile, "-extensions", "ext", "-notext"])
        return Cred(name, cert, key, subject)

    def revoke(self, issuer, cred):
        _run(["ca", "-batch", "-config", self._ca_db(issuer), "-revoke", cred.cert])

    def crl(self, issuer):
        """issuer's CRL (PEM) listing what revoke() revoked."""
        out = self.dir / f"{issuer.name}.crl"
        _run(["ca", "-batch", "-config", self._ca_db(issuer), "-gencrl", "-out", out])
        return out


def swanctl_dir(base, conf_text, own=(), cas=(), crls=(), key_secret=None):
    """A swanctl directory: base/swanctl.conf, x509/ with the own Creds'
    certificates, private/ with their keys (encrypted PKCS#8 under
    key_secret when given, to go with a secrets { private-... } section),
    x509ca/ with the CA Creds, x509crl/ with CRL files. Returns the path
    of swanctl.conf."""
    base = pathlib.Path(base)
    for sub in ("x509", "x509ca", "x509crl", "private"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    for c in own:
        shutil.copy(c.cert, base / "x509" / f"{c.name}Cert.pem")
        dst = base / "private" / f"{c.name}Key.pem"
        if key_secret:
            _run(["pkcs8", "-topk8", "-in", c.key, "-out", dst, "-v2", "aes256",
                  "-passout", f"pass:{key_secret}"])
        else:
            shutil.copy(c.key, dst)
        dst.chmod(0o600)
    for c in cas:
        shutil.copy(c.cert, base / "x509ca" / f"{c.name}Cert.pem")
    for i, crl in enumerate(crls):
        shutil.copy(crl, base / "x509crl" / f"crl{i}.pem")
    conf = base / "swanctl.conf"
    conf.write_text(conf_text)
    conf.chmod(0o600)
    return conf
