# SPDX-License-Identifier: GPL-2.0-only
"""What an attached xdpsec instance leaves in the kernel, as bpftool sees
it: programs on the outside device and the steer veth, the pinned maps of
include/xdpsec/abi.h with their types and sizes, the inbound SPI map, the
SPD trie and rules, counters equal to `xdpsec -j stats`; and nothing left
after `detach`. Namespaces as in test_datapath.py (netns.Link). Needs root,
bpffs, build/xdpsec."""
import json
import re
import time

import netns
from netns import stat

PIN_MAPS = {
    # pinned name: (bpftool type, max_entries or None)
    "xs_spi": ("hash", None),
    "xs_spi_filter": ("array", 65536),
    "xs_xsks": ("xskmap", None),
    "xs_xdp_stats": ("percpu_array", len(netns.abi_counter_names("XS_XDP_COUNTERS"))),
    "xs_spd_in_v4": ("lpm_trie", None),
    "xs_spd_in_v6": ("lpm_trie", None),
    "xs_spd_v4": ("lpm_trie", None),
    "xs_spd_v6": ("lpm_trie", None),
    "xs_spd_rules": ("array", None),
    "xs_steer_ifs": ("array", None),
    "xs_gso_ifs": ("array", None),
    "xs_tc_stats": ("percpu_array", len(netns.abi_counter_names("XS_TC_COUNTERS"))),
    "xs_steer_xsks": ("xskmap", None),
    "xs_steer_stats": ("percpu_array", len(netns.abi_counter_names("XS_STEER_COUNTERS"))),
    "xs_policy_store": ("array", None),
    "xs_spd_entries": ("array", 2 * (1 << 20)),
    "xs_policy_stats": ("percpu_array", None),
    "xs_acquire": ("array", None),
    "xs_events": ("ringbuf", None),
}


def bpftool_json(ns, *args):
    p = ns.run(["bpftool", "-j"] + list(args)) if ns else netns.sh(["bpftool", "-j"] + list(args))
    return json.loads(p.stdout)


def abi_define(name):
    m = re.search(r"#define\s+%s\s+(\d+)" % name, netns.ABI_H.read_text())
    return int(m.group(1))


def key_bytes(v, n):
    """A key field from bpftool -j: an int (BTF, host order) or hex strings."""
    if isinstance(v, list):
        if v and isinstance(v[0], str):
            return bytes(int(h, 16) for h in v)
        return bytes(v)
    return int(v).to_bytes(n, "little")


def list_ids(pin_dir, value):
    """The rule indexes of a trie value {start, count}: entries of
    xs_spd_entries (u64, rule index in the low 32 bits)."""
    ids = []
    for i in range(value["start"], value["start"] + value["count"]):
        ent = bpftool_json(None, "map", "lookup", "pinned", str(pin_dir / "xs_spd_entries"),
                           "key", *[str(b) for b in i.to_bytes(4, "little")])
        v = ent.get("formatted", ent)["value"]
        v = v if isinstance(v, int) else int.from_bytes(key_bytes(v, 8), "little")
        ids.append(v & 0xffffffff)
    return ids


def test_programs_maps_and_detach(ipsec_pair):
    pair = ipsec_pair(mode="esp-tunnel", family=4, alg="gcm")
    lk, da = pair.link, pair.da
    ifindex = lk.a.link(lk.dev_a)["ifindex"]
    steer_w = f"xs{ifindex}w"
    steer_s = f"xs{ifindex}s"
    tap = f"xs{ifindex}t"

    # Programs: XDP (driver mode) on the device and on the steer worker side,
    # TC on the device's egress.
    net = bpftool_json(lk.a, "net", "show")[0]
    xdp = {e["devname"]: e for e in net["xdp"]}
    assert xdp.get(lk.dev_a, {}).get("mode") == "driver", net
    assert xdp.get(steer_w, {}).get("mode") == "driver", net
    progs = {e["devname"]: bpftool_json(None, "prog", "show", "id", str(e["id"]))["name"]
             for e in net["xdp"]}
    # xs_xdp_ingress is attached through libxdp's dispatcher (an extension
    # program of it), or alone where the kernel cannot run the dispatcher.
    ingress_id = {e["devname"]: e["id"] for e in net["xdp"]}[lk.dev_a]
    if progs[lk.dev_a] == "xdp_dispatcher":
        ext = [p for p in bpftool_json(None, "prog", "show")
               if p.get("name") == "xs_xdp_ingress" and p.get("type") == "ext"]
        assert ext, "no xs_xdp_ingress extension behind the dispatcher"
        ingress_id = ext[-1]["id"]
    else:
        assert progs[lk.dev_a] == "xs_xdp_ingress", progs
    assert progs[steer_w] == "xs_xdp_steer", progs
    tc = [e for e in net["tc"] if e["devname"] == lk.dev_a]
    assert len(tc) == 1 and tc[0]["kind"] == "clsact/egress" and \
        tc[0]["name"].startswith("xs_tc_egress"), net["tc"]
    link = lk.a.link(lk.dev_a, details=True)
    assert link.get("gso_max_segs") == 1, "the daemon sets gso_max_segs 1 on the device"
    # The GSO tap, in xs_gso_ifs for worker 0 (docs/bpf.md).
    tap_ifindex = lk.a.link(tap)["ifindex"]
    gso_ifs = bpftool_json(None, "map", "lookup", "pinned", str(da.pin_dir / "xs_gso_ifs"),
                           "key", "0", "0", "0", "0")
    value = gso_ifs.get("formatted", gso_ifs)["value"]
    value = value if isinstance(value, int) else int.from_bytes(key_bytes(value, 4), "little")
    assert value == tap_ifindex, (gso_ifs, tap_ifindex)

    # Pinned maps: every one of abi.h, with its type and size.
    for name, (mtype, entries) in PIN_MAPS.items():
        info = bpftool_json(None, "map", "show", "pinned", str(da.pin_dir / name))
        assert info["type"] == mtype, (name, info)
        if entries is not None:
            assert info["max_entries"] == entries, (name, info)
    spi_info = bpftool_json(None, "map", "show", "pinned", str(da.pin_dir / "xs_spi"))
    assert spi_info["max_entries"] == abi_define("XS_SPI_MAX")

    # The SPI map steers the inbound SA only: SPI as on the wire, proto 50.
    keys = []
    for ent in bpftool_json(None, "map", "dump", "pinned", str(da.pin_dir / "xs_spi")):
        ent = ent.get("formatted", ent)
        k = ent["key"]
        if isinstance(k, dict):
            keys.append((int.from_bytes(key_bytes(k["spi"], 4), "big"), k["proto"]))
        else:
            kb = key_bytes(k, 8)
            keys.append((int.from_bytes(kb[:4], "big"), kb[4]))
    assert keys == [(pair.spi_ba, 50)], keys

    # The SPD: B's address as a /32 in the IPv4 trie, its rule PROTECT.
    trie = bpftool_json(None, "map", "dump", "pinned", str(da.pin_dir / "xs_spd_v4"))
    entries = [e.get("formatted", e) for e in trie]
    want = bytes(int(x) for x in pair.addr_b.split("."))
    found = [e for e in entries if isinstance(e["key"], dict) and e["key"]["prefixlen"] == 32
             and key_bytes(e["key"]["addr"], 4) == want]
    assert len(found) == 1, entries
    rule_ids = list_ids(da.pin_dir, found[0]["value"])
    rules = {e.get("formatted", e)["key"]: e.get("formatted", e)["value"] for e in
             bpftool_json(None, "map", "dump", "pinned", str(da.pin_dir / "xs_spd_rules"))}
    assert any(rules[i]["action"] == 3 and rules[i]["family"] == 4 for i in rule_ids), \
        [rules[i] for i in rule_ids]

    # The inbound SPD: B's address (the dir in policy's src) as a /32 in
    # the inbound trie, its rule PROTECT with A's address as the local prefix.
    trie = bpftool_json(None, "map", "dump", "pinned", str(da.pin_dir / "xs_spd_in_v4"))
    entries = [e.get("formatted", e) for e in trie]
    found = [e for e in entries if isinstance(e["key"], dict) and e["key"]["prefixlen"] == 32
             and key_bytes(e["key"]["addr"], 4) == want]
    assert len(found) == 1, entries
    local = bytes(int(x) for x in pair.addr_a.split("."))
    in_ids = list_ids(da.pin_dir, found[0]["value"])
    assert any(rules[i]["action"] == 3 and rules[i]["family"] == 4 and
               rules[i]["src_plen"] == 32 and
               key_bytes(rules[i]["src"][0], 4) == local
               for i in in_ids), [rules[i] for i in in_ids]
    assert not set(in_ids) & set(rule_ids), (in_ids, rule_ids)

    # One rules array for both directions: the map both programs use is the
    # pinned one (libbpf reused the pin for the second object).
    rules_id = bpftool_json(None, "map", "show", "pinned",
                            str(da.pin_dir / "xs_spd_rules"))["id"]
    in_maps = bpftool_json(None, "prog", "show", "id", str(ingress_id))["map_ids"]
    tc_maps = bpftool_json(None, "prog", "show", "id", str(tc[0]["id"]))["map_ids"]
    assert rules_id in in_maps and rules_id in tc_maps, (rules_id, in_maps, tc_maps)

    # Counters: bpftool on the pins reads what `xdpsec -j stats` reports.
    r = lk.a.ping(pair.addr_b, count=20, interval=0.01)
    assert r["received"] == 20, (r, pair.diag())
    time.sleep(0.2)
    st = da.stats()
    for group, mname, macro in (("xdp", "xs_xdp_stats", "XS_XDP_COUNTERS"),
                                ("tc", "xs_tc_stats", "XS_TC_COUNTERS"),
                                ("steer", "xs_steer_stats", "XS_STEER_COUNTERS")):
        vals = netns.bpftool_percpu_counters(da.pin_dir / mname)
        for i, name in enumerate(netns.abi_counter_names(macro)):
            assert vals.get(i, (0, 0))[0] == stat(st, group, name), (group, name, vals)
    assert stat(st, "tc", "protect_policy") >= 20 and stat(st, "xdp", "redirect_esp") >= 20

    # detach removes programs, steer veth and pins.
    da.cli("detach", lk.dev_a)
    da.attached.remove(lk.dev_a)
    net = bpftool_json(lk.a, "net", "show")[0]
    assert not net["xdp"] and not [e for e in net["tc"] if e["devname"] == lk.dev_a], net
    names = [l["ifname"] for l in json.loads(lk.a.run(["ip", "-j", "link", "show"]).stdout)]
    assert steer_s not in names and steer_w not in names and tap not in names, names
    assert not da.pin_dir.exists() or not any(da.pin_dir.iterdir()), list(da.pin_dir.iterdir())
