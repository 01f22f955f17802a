#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks that the IKE state machine's files call one another one way only
(docs/architecture.md, "IKE agent: state machine modules").

    scripts/ike-layers.py BUILD_DIR

Reads the symbols of BUILD_DIR/ike/*.o with nm, builds the file-level call
graph among the state machine's files and fails (exit 1) if it has a cycle
or if a file calls a file of a higher layer than the table below allows.
Prints the graph either way. The shell's files (sockets, timers, installs,
control, logging, configuration, codec, crypto) are outside the graph:
the state machine calls them through agent.h and they call it only
through agent.h's entries.
"""
import pathlib
import subprocess
import sys

# Lowest first; a file may call files of its own layer (listed order among
# exchanges) or below.
LAYERS = [
    ["proposal", "ts"],
    ["ike_sa"],
    ["window"],
    ["exch_child", "exch_info", "exch_auth", "exch_init"],
    ["outcome"],
    ["dispatch"],
    ["input", "sa_entry"],
]
# Within the exchange layer: exch_init -> exch_auth -> exch_child only.
SAME_LAYER_OK = {("exch_init", "exch_auth"), ("exch_auth", "exch_child")}


def symbols(obj):
    out = subprocess.run(["nm", str(obj)], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDBRW":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
    return defined, undefined


def main(argv):
    build = pathlib.Path(argv[1] if len(argv) > 1 else "build")
    files = [f for layer in LAYERS for f in layer]
    rank = {f: i for i, layer in enumerate(LAYERS) for f in layer}
    defs, undefs = {}, {}
    for f in files:
        obj = build / "ike" / f"{f}.o"
        if not obj.exists():
            print(f"ike-layers: {obj} missing (run make)", file=sys.stderr)
            return 1
        defs[f], undefs[f] = symbols(obj)
    graph = {f: sorted(g for g in files if g != f and undefs[f] & defs[g]) for f in files}
    bad = []
    for f, deps in graph.items():
        print(f"{f:>10} -> {', '.join(deps) or '(nothing)'}")
        for g in deps:
            if rank[g] > rank[f] or (rank[g] == rank[f] and (f, g) not in SAME_LAYER_OK):
                bad.append(f"{f} calls {g} ({', '.join(sorted(undefs[f] & defs[g]))})")
    # a cycle needs an upward or sideways call, but say so directly too
    state = {}

    def visit(f, path):
        state[f] = 1
        for g in graph[f]:
            if state.get(g) == 1:
                bad.append("cycle: " + " -> ".join(path + [f, g]))
            elif not state.get(g):
                visit(g, path + [f])
        state[f] = 2
    for f in files:
        if not state.get(f):
            visit(f, [])
    for b in bad:
        print(f"ike-layers: {b}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
