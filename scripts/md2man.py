#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turns the Markdown sources in man/ into man pages (roff with tbl).

The subset: a first line `% NAME SECTION`; `#` headings (.SH), `##` (.SS),
`###` (a bold line); paragraphs; `- ` lists; code blocks indented by four
spaces or fenced with ```; pipe tables; inline `code`, **bold**, *italic*
and [text](link). A line `{{include FILE: Heading; Other heading}}` inlines
those `##` sections of FILE (a doc in docs/, with their subsections) one
heading level up, so a page and its doc cannot disagree. @VERSION@ and the
other @names@ are left for make to substitute.

Anything outside the subset, and any character roff would need an escape
for that is not in GLYPHS, is an error: a page either converts cleanly or
the build stops.

Usage: md2man.py IN.md OUT
"""
import os
import re
import sys

GLYPHS = {
    "\u2713": r"\[OK]", "\u2014": r"\[em]", "\u2013": r"\[en]",
    "\u2192": r"\[->]", "\u2190": r"\[<-]", "\u2194": r"\[<>]",
    "\u2026": "...", "\u00a7": r"\[sc]", "\u2248": r"\[~~]",
    "\u2264": r"\[<=]", "\u2265": r"\[>=]", "\u00d7": r"\[mu]",
    "\u2260": r"\[!=]", "\u00b5": r"\[mc]", "\u2011": r"\-",
}


class ManError(Exception):
    pass


def esc(text, where):
    """Escapes plain text for roff (no font changes)."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append(r"\e")
        elif ch == "-":
            out.append(r"\-")
        elif ch in GLYPHS:
            out.append(GLYPHS[ch])
        elif ord(ch) > 126 or (ord(ch) < 32 and ch != "\t"):
            raise ManError(f"{where}: no roff glyph for {ch!r} (add it to GLYPHS)")
        else:
            out.append(ch)
    return "".join(out)


INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])"
                    r"|(?<!\w)_([^_\s][^_]*?)_(?!\w)|\[([^\]]+)\]\(([^)]+)\)")


def inline(text, where):
    """Inline Markdown to roff font escapes."""
    out, pos = [], 0
    for m in INLINE.finditer(text):
        out.append(esc(text[pos:m.start()], where))
        code, bold, ital, ital2, ltext, _link = m.groups()
        if code is not None:
            c = esc(code, where)
            if len(code) > 30:
                # A long word may break after a dash or a comma.
                c = c.replace(r"\-", r"\-\:").replace(",", r",\:")
            out.append(r"\fB" + c + r"\fR")
        elif bold is not None:
            out.append(r"\fB" + inline(bold, where) + r"\fR")
        elif ital is not None or ital2 is not None:
            out.append(r"\fI" + inline(ital or ital2, where) + r"\fR")
        else:
            out.append(inline(ltext, where))
        pos = m.end()
    out.append(esc(text[pos:], where))
    s = "".join(out)
    # A line may not start with a control character.
    if s.startswith((".", "'")):
        s = r"\&" + s
    return s


def include(spec, base, where):
    """The lines of the named `##` sections of a doc, one level up."""
    m = re.fullmatch(r"\{\{include ([^:]+):(.+)\}\}", spec.strip())
    if not m:
        raise ManError(f"{where}: bad include line")
    path = os.path.join(base, m.group(1).strip())
    wanted = [w.strip() for w in m.group(2).split(";") if w.strip()]
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    sections, cur, fence = {}, None, False
    for line in lines:
        if line.startswith("```"):
            fence = not fence
        if not fence and re.match(r"## ", line):
            cur = line[3:].strip()
            sections[cur] = []
            sections[cur].append("# " + cur)
            continue
        if not fence and re.match(r"# ", line):
            cur = None
            continue
        if cur is not None:
            if not fence and line.startswith("###"):
                line = line[1:]
            sections[cur].append(line)
    out = []
    for w in wanted:
        hits = [k for k in sections if k.replace("`", "").startswith(w)]
        if len(hits) != 1:
            raise ManError(f"{where}: include '{w}' matches {len(hits)} sections of {path}")
        out += sections[hits[0]] + [""]
    return out


def table(rows, where):
    """A pipe table to tbl; every cell is a text block so it may wrap."""
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    if len(cells) < 2 or not re.fullmatch(r"[\s|:-]+", rows[1]):
        raise ManError(f"{where}: a table needs a header and a |---| line")
    head, body = cells[0], cells[2:]
    n = len(head)
    for r in body:
        if len(r) != n:
            raise ManError(f"{where}: table row with {len(r)} cells, header has {n}")
    if n > 3:
        # Too narrow as columns: each row becomes a tagged paragraph.
        out = []
        for r in body:
            out += [".TP", inline(r[0], where),
                    "; ".join(inline(f"{h}: {c}", where) for h, c in zip(head[1:], r[1:])
                              if c)]
        return out
    out = [".TS", "allbox tab(@);", " ".join(["lb"] * n),
           " ".join(["l"] * (n - 1) + ["lx"]) + "."]
    for r in [head] + body:
        out.append("@".join("T{\n" + inline(c, where) + "\nT}" for c in r))
    out.append(".TE")
    return out


def convert(src, text):
    base = os.path.dirname(os.path.abspath(src))
    lines = text.split("\n")
    m = re.fullmatch(r"% (\S+) (\d)", lines[0])
    if not m:
        raise ManError(f"{src}:1: the first line must be '% NAME SECTION'")
    name, sect = m.groups()
    manual = {"5": "File Formats", "8": "System Administration"}.get(sect, "xdpsec")
    body = []
    for i, line in enumerate(lines[1:], 2):
        if line.startswith("{{include"):
            body += include(line, base, f"{src}:{i}")
        else:
            body.append(line)

    # Left-adjusted, no hyphenation: long option and key names stay whole.
    out = ["'\\\" t", f'.TH {name.upper()} {sect} "" "xdpsec @VERSION@" "{manual}"',
           ".ad l", ".nh"]
    i, n, where = 0, len(body), src
    para = []

    def flush():
        if para:
            out.append(".PP")
            out.append(inline(" ".join(para), where))
            para.clear()

    while i < n:
        line = body[i]
        where = f"{src}: near '{line[:40]}'"
        if not line.strip():
            flush()
            i += 1
        elif line.startswith("```"):
            flush()
            j = i + 1
            code = []
            while j < n and not body[j].startswith("```"):
                code.append(body[j])
                j += 1
            if j == n:
                raise ManError(f"{where}: unclosed ```")
            out += [".PP", ".RS 4", ".nf", r"\f(CR"] + \
                [(r"\&" if c.startswith((".", "'")) else "") + esc(c, where) for c in code] + \
                [r"\fR", ".fi", ".RE"]
            i = j + 1
        elif line.startswith("    ") and not para:
            code = []
            while i < n and (body[i].startswith("    ") or
                             (not body[i].strip() and i + 1 < n and body[i + 1].startswith("    "))):
                code.append(body[i][4:])
                i += 1
            out += [".PP", ".RS 4", ".nf", r"\f(CR"] + \
                [(r"\&" if c.startswith((".", "'")) else "") + esc(c, where) for c in code] + \
                [r"\fR", ".fi", ".RE"]
        elif re.match(r"#{1,3} ", line):
            flush()
            level = len(line.split(" ")[0])
            title = inline(line[level + 1:].replace("`", "").strip(), where)
            out.append({1: ".SH ", 2: ".SS ", 3: ".TP\n.B "}[level] +
                       (f'"{title}"' if level < 3 else title))
            if level == 3:
                out[-1] += "\n.PD 0\n.PP\n.PD"
            i += 1
        elif line.startswith("|"):
            flush()
            rows = []
            while i < n and body[i].startswith("|"):
                rows.append(body[i])
                i += 1
            out += table(rows, where)
        elif re.match(r"- ", line):
            flush()
            while i < n and re.match(r"- ", body[i]):
                item = [body[i][2:].strip()]
                i += 1
                while i < n and body[i].startswith("  ") and body[i].strip():
                    item.append(body[i].strip())
                    i += 1
                out += [".IP \\(bu 2", inline(" ".join(item), where)]
            # A list ends at a blank line.
        elif line.startswith(": "):
            # Definition: the previous paragraph is the term.
            if not para:
                raise ManError(f"{where}: a ': ' definition needs a term line")
            term = inline(" ".join(para), where)
            para.clear()
            desc = [line[2:].strip()]
            i += 1
            while i < n and body[i].startswith("  ") and body[i].strip():
                desc.append(body[i].strip())
                i += 1
            out += [".TP", term, inline(" ".join(desc), where)]
        else:
            para.append(line.strip())
            i += 1
    flush()
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: md2man.py IN.md OUT")
    src, dst = sys.argv[1], sys.argv[2]
    try:
        with open(src, encoding="utf-8") as f:
            roff = convert(src, f.read())
    except (ManError, OSError) as e:
        sys.exit(f"md2man: {e}")
    with open(dst + ".tmp", "w", encoding="utf-8") as f:
        f.write(roff)
    os.replace(dst + ".tmp", dst)


if __name__ == "__main__":
    main()
