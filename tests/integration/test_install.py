# SPDX-License-Identifier: GPL-2.0-only
"""`make install` / `make uninstall`, the systemd units, the man pages and
bash completion, each checked against the binaries' own `--help`.

- install DESTDIR=tmp gives exactly the expected tree with its modes, the
  binaries print the version scripts/version.sh gives, an existing example
  is never overwritten, and uninstall leaves no file behind (an edited
  example excepted, which it names);
- `systemd-analyze verify` passes on both units with no message;
- every man page renders through man(1) and groff without a warning, and
  every option and command syntax of `--help` is in its page word for word;
- completion offers exactly the commands of `--help`, the keywords of a
  command, and the alternatives of a keyword.
"""
import gzip
import os
import re
import shutil
import stat
import subprocess

import pytest

from conftest import REPO


def make(build_dir, *args, **kw):
    cmd = ["make", "-s", "-C", str(REPO), f"BUILD={build_dir}", *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def version():
    return subprocess.run([str(REPO / "scripts/version.sh")], check=True,
                          capture_output=True, text=True).stdout.strip()


def help_text(build_dir, prog):
    r = subprocess.run([str(build_dir / prog), "--help"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def help_syntax(text):
    """(options, command syntaxes) of a --help text, as the completion
    script reads them (completion/xdpsec, header comment)."""
    opts, syns, cur, in_cmds = [], [], None, False
    # Descriptions in a column: where the first one on a command's line
    # starts is where every syntax ends.
    col = None
    m = re.search(r"^commands:\n(?:.*\n)*?(  [a-z]\S*(?: \S+)* {2,})\S", text, re.M)
    if m:
        col = len(m.group(1))
    for line in text.split("\n"):
        if col and len(line) > col and line[col - 1] == " " and re.match(r"  [a-z]", line):
            line = line[:col].rstrip() + "  " + line[col:]
        if line == "commands:":
            in_cmds = True
        elif not in_cmds and re.match(r"  -\S", line):
            opts += [w.rstrip(",") for w in re.split(r"\s{2,}", line.strip())[0].split()
                     if w.startswith("-")]
        elif in_cmds and not line.strip():
            break
        elif in_cmds and re.match(r"  [a-z]", line):
            if cur:
                syns.append(cur)
            cur = re.split(r"\s{2,}", line[2:])[0]
        elif in_cmds and re.match(r"    +\[", line):
            cur += " " + re.split(r"\s{2,}", line.strip())[0]
    if cur:
        syns.append(cur)
    return opts, syns


EXPECTED = {
    "etc/xdpsec": 0o40700,
    "etc/xdpsec/examples": 0o40700,
    "etc/xdpsec/examples/datapath.env": 0o100600,
    "etc/xdpsec/examples/host-to-host.conf": 0o100600,
    "lib/systemd/system/xdpsec@.service": 0o100644,
    "lib/systemd/system/xdpsec-ike@.service": 0o100644,
    "sbin/xdpsec": 0o100755,
    "sbin/xdpsec-ike": 0o100755,
    "share/bash-completion/completions/xdpsec": 0o100644,
    "share/bash-completion/completions/xdpsec-ike": "link:xdpsec",
    "share/man/man5/xdpsec-ike.conf.5.gz": 0o100644,
    "share/man/man8/xdpsec-ike.8.gz": 0o100644,
    "share/man/man8/xdpsec.8.gz": 0o100644,
}


def tree(root):
    """Every file and link under root, and the directories we own."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            out[rel] = "link:" + os.readlink(p)
        elif not p.is_dir() or rel in EXPECTED:
            out[rel] = p.lstat().st_mode
    return out


def test_install_uninstall(build_dir, tmp_path):
    dest = tmp_path / "dest"
    make(build_dir, "install", f"DESTDIR={dest}")
    prefix = dest / "usr/local"
    assert tree(prefix) == EXPECTED
    assert sorted(p.name for p in dest.iterdir()) == ["usr"]

    # The installed binaries know their version, and so do their pages.
    v = version()
    for prog in ("xdpsec", "xdpsec-ike"):
        for flag in ("--version", "-V"):
            r = subprocess.run([str(prefix / "sbin" / prog), flag], capture_output=True,
                               text=True)
            assert (r.returncode, r.stdout, r.stderr) == (0, f"{prog} {v}\n", "")
    for page in ("man8/xdpsec.8.gz", "man8/xdpsec-ike.8.gz", "man5/xdpsec-ike.conf.5.gz"):
        roff = gzip.decompress((prefix / "share/man" / page).read_bytes()).decode()
        assert f'"xdpsec {v}"' in roff.split("\n")[1], page
        assert "@" + "sysconfdir@" not in roff and "/usr/local/etc/xdpsec/" in roff
    unit = (prefix / "lib/systemd/system/xdpsec@.service").read_text()
    assert "ExecStart=/usr/local/sbin/xdpsec -i %i daemon --foreground\n" in unit
    assert "EnvironmentFile=/usr/local/etc/xdpsec/%i.env\n" in unit
    assert (prefix / "etc/xdpsec/examples/host-to-host.conf").read_bytes() == \
        (REPO / "ike/examples/host-to-host.conf").read_bytes()

    # A second install keeps an example the administrator changed.
    edited = prefix / "etc/xdpsec/examples/datapath.env"
    edited.write_text("XDPSEC_IFACE=wan0\n")
    r = make(build_dir, "install", f"DESTDIR={dest}")
    assert "kept" in r.stdout and str(edited) in r.stdout
    assert edited.read_text() == "XDPSEC_IFACE=wan0\n"
    # An instance configuration next to the examples.
    (prefix / "etc/xdpsec/vpn0.env").write_text("XDPSEC_IFACE=eth1\n")

    # Uninstall removes what install copied, and nothing of the admin's.
    r = make(build_dir, "uninstall", f"DESTDIR={dest}")
    assert str(edited) in r.stdout
    assert sorted(tree(prefix)) == ["etc/xdpsec", "etc/xdpsec/examples",
                                    "etc/xdpsec/examples/datapath.env", "etc/xdpsec/vpn0.env"]
    edited.unlink()
    (prefix / "etc/xdpsec/vpn0.env").unlink()
    make(build_dir, "uninstall", f"DESTDIR={dest}")
    left = [p for p in dest.rglob("*") if not p.is_dir() or p.name == "xdpsec"]
    assert left == []


@pytest.fixture(scope="module")
def prefix_install(build_dir, tmp_path_factory):
    """An install with PREFIX in a scratch directory: the units name
    binaries that exist, as systemd-analyze wants."""
    prefix = tmp_path_factory.mktemp("prefix")
    make(build_dir, "install", f"PREFIX={prefix}")
    return prefix


def test_units_verify(prefix_install):
    units = prefix_install / "lib/systemd/system"
    env = dict(os.environ, MANPATH=str(prefix_install / "share/man"))
    r = subprocess.run(["systemd-analyze", "verify", str(units / "xdpsec@test.service"),
                        str(units / "xdpsec-ike@test.service")],
                       capture_output=True, text=True, env=env)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    # A broken unit does make it complain: the check can fail.
    bad = units / "xdpsec-bad@.service"
    bad.write_text((units / "xdpsec@.service").read_text()
                   .replace("ProtectHome=yes", "ProtectHome=maybe"))
    r = subprocess.run(["systemd-analyze", "verify", str(units / "xdpsec-bad@t.service")],
                       capture_output=True, text=True, env=env)
    bad.unlink()
    assert "xdpsec-bad@.service:" in r.stderr and "maybe" in r.stderr


UNIT_CAPS = {
    "xdpsec@.service": {"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_BPF", "CAP_PERFMON",
                        "CAP_IPC_LOCK", "CAP_SYS_ADMIN"},
    "xdpsec-ike@.service": {"CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN"},
}


def test_units_capabilities_documented(prefix_install):
    """Each capability a unit keeps is explained in docs/operations.md."""
    doc = (REPO / "docs/operations.md").read_text()
    for unit, caps in UNIT_CAPS.items():
        text = (prefix_install / "lib/systemd/system" / unit).read_text()
        line = re.search(r"^CapabilityBoundingSet=(.*)$", text, re.M).group(1)
        assert set(line.split()) == caps, unit
        for cap in caps:
            assert re.search(rf"^\| `{cap}` \|", doc, re.M), f"{cap} not in docs/operations.md"


PAGES = [("xdpsec", "man8/xdpsec.8.gz"), ("xdpsec-ike", "man8/xdpsec-ike.8.gz"),
         (None, "man5/xdpsec-ike.conf.5.gz")]


def render(page):
    """man(1) output, one paragraph per line (no wrapping); warnings fail."""
    env = dict(os.environ, MANWIDTH="4000", MAN_KEEP_FORMATTING="", LC_ALL="C.UTF-8")
    r = subprocess.run(["man", "--warnings=all", "-l", str(page)], capture_output=True,
                       text=True, env=env)
    assert (r.returncode, r.stderr) == (0, ""), page
    return re.sub(r"\s+", " ", r.stdout)


@pytest.mark.parametrize("prog,page", PAGES)
def test_man_page(build_dir, prefix_install, prog, page):
    path = prefix_install / "share/man" / page
    r = subprocess.run(["groff", "-t", "-ww", "-man", "-z"],
                       input=gzip.decompress(path.read_bytes()).decode(),
                       capture_output=True, text=True)
    assert (r.returncode, r.stderr) == (0, "")
    text = render(path)
    if prog is None:
        # The file format: every key of docs/ike-config.md's tables.
        doc = (REPO / "docs/ike-config.md").read_text()
        keys = re.findall(r"^\| `([a-z_]+)`", doc, re.M)
        assert len(keys) > 20
        for k in keys:
            assert k in text, k
        return
    opts, syns = help_syntax(help_text(build_dir, prog))
    assert opts and syns
    for o in opts + ["--version", "-V"]:
        assert re.search(rf"(^| ){re.escape(o)}[ ,]", text), f"{prog}(8) lacks {o}"
    for s in syns:
        assert " " + re.sub(r"\s+", " ", s) + " " in text, f"{prog}(8) lacks '{s}'"


def complete(prog_dir, *words, cwd=None):
    """What completion/xdpsec offers after the words (the last is the
    word being completed), as bash would call it."""
    script = f"""
source {REPO}/completion/xdpsec
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
_xdpsec
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    env = dict(os.environ, PATH=f"{prog_dir}:{os.environ['PATH']}")
    r = subprocess.run(["bash", "-c", script, "bash", *words], capture_output=True,
                       text=True, env=env, cwd=cwd)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    return set(r.stdout.split())


def test_completion_follows_help(build_dir):
    for prog in ("xdpsec", "xdpsec-ike"):
        opts, syns = help_syntax(help_text(build_dir, prog))
        firsts = {s.split()[0] for s in syns}
        aliases = set(re.findall(r"^  ([a-z][a-z0-9-]*)  +[a-z]", help_text(build_dir, prog)
                                 .partition("\naliases:\n")[2].partition("\n\n")[0], re.M))
        assert complete(build_dir, prog, "") == firsts | aliases
        assert set(opts) | {"--version", "-V"} <= complete(build_dir, prog, "-")
        # Global options anywhere before the command.
        assert complete(build_dir, prog, "-j", "") == firsts | aliases
        # Every keyword of every command, after the command's words.
        for s in syns:
            # The command's words: the first, and a second that a plain
            # word or an optional group follows ("sa add src ADDR", "sa
            # flush [proto ...]"; not "attach DEV").
            words = s.split()
            head = words[:1]
            if len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1]) and \
                    (len(words) == 2 or re.fullmatch(r"[a-z][a-z-]*|\[.*", words[2])):
                head.append(words[1])
            kws = set(re.findall(r"\[(-{0,2}[a-z][a-z0-9-]*)", s))
            # A placeholder right after them (attach DEV) takes a word.
            if len(words) > len(head) and re.fullmatch(r"[A-Z]+", words[len(head)]):
                head.append("x")
            got = complete(build_dir, prog, *head, "-" if all(k.startswith("-")
                                                                for k in kws) else "")
            assert kws <= got, f"{s}: {kws - got}"


def test_completion_values(build_dir, tmp_path):
    (tmp_path / "vpn0.conf").write_text("")
    (tmp_path / "sub").mkdir()
    c = lambda *w: complete(build_dir, "xdpsec", *w)  # noqa: E731
    sa_verbs = {"add", "del", "get", "show", "list", "count", "flush", "deleteall"}
    assert c("sa", "") == sa_verbs
    assert c("policy", "") == {"add", "del", "list", "show", "update", "count", "flush",
                               "deleteall"}
    # ip xfrm's name for an SA: an alias, completed like sa.
    assert "state" in c("st")
    assert c("state", "") == sa_verbs
    assert c("state", "add", "proto", "") == {"esp", "ah"}
    assert c("sa", "deleteall", "") == {"src", "dst", "proto", "reqid", "dir", "mode"}
    # -j after the command does not disturb it; -batch takes a file.
    assert c("sa", "-j", "flush", "") == {"proto"}
    assert complete(build_dir, "xdpsec", "-batch", "", cwd=tmp_path) == {"sub", "vpn0.conf"}
    assert c("sa", "add", "proto", "") == {"esp", "ah"}
    assert c("sa", "add", "mode", "t") == {"tunnel", "transport"}
    assert c("sa", "add", "backend", "") == {"auto", "openssl", "ipsecmb"}
    assert c("policy", "add", "action", "") == {"protect", "bypass", "discard", "trap"}
    # Placeholders only (N|N-M) offer nothing.
    assert c("policy", "add", "sport", "") == set()
    # The ALG lines: their keywords, then what follows each.
    assert {"aead", "enc", "auth-trunc", "alg"} <= c("sa", "add", "")
    assert c("sa", "add", "aead", "") == {r"rfc4106\(gcm\(aes\)\)",
                                         r"rfc7539esp\(chacha20\,poly1305\)"}
    assert "aes128gcm16" in c("sa", "add", "alg", "")
    # A keyword given is not offered again; its values were consumed.
    got = c("sa", "add", "src", "10.0.0.1", "dst", "10.0.0.2", "")
    assert "src" not in got and "dst" not in got and "spi" in got
    # DEV: the interfaces of this namespace.
    assert "lo" in c("attach", "")
    assert c("attach", "lo", "mode", "") == {"native", "generic", "auto"}
    ike = lambda *w: complete(build_dir, "xdpsec-ike", *w, cwd=tmp_path)  # noqa: E731
    assert {"--config", "--foreground", "--log", "--fake-nat"} <= ike("daemon", "--")
    assert ike("daemon", "--config", "") == {"sub", "vpn0.conf"}


def test_completion_column_help(build_dir):
    """xdpsec-ike's help puts descriptions in a column, one space after
    'terminate [-t S] CONN', or on the next line after the longer
    'initiate [-t S] CONN [CHILD]': none of its words is taken for a
    keyword (only the option -t is offered)."""
    assert complete(build_dir, "xdpsec-ike", "initiate", "conn", "") == {"-t"}
    assert complete(build_dir, "xdpsec-ike", "terminate", "conn", "") == {"-t"}
    assert complete(build_dir, "xdpsec-ike", "list-sas", "") == {"--json"}
