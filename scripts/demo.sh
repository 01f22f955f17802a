#!/usr/bin/env bash
# The xdpsec demo: two container hosts joined by one link. Each host has a
# bridge with two pods; xdpsec on each host protects pod-to-pod traffic
# between the hosts with an ESP tunnel (AES-128-GCM) that the IKE agents
# negotiate (IKEv2, pre-shared key), while the link carries nothing else. Run as root after `scripts/setup.sh && make`. Cleans up on
# exit.
set -euo pipefail
cd "$(dirname "$0")/.."
X=$PWD/build/xdpsec
XI=$PWD/build/xdpsec-ike
[ -x "$X" ] && [ -x "$XI" ] || { echo "demo: build first: make" >&2; exit 1; }
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

tag="xd$$"
hosts=(a b)
declare -A outer=([a]=192.168.77.1 [b]=192.168.77.2)
declare -A podnet=([a]=10.77.1 [b]=10.77.2)
nsx() { local ns=$1; shift; nsenter --net=/run/netns/"$ns" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
	set +e
	for h in "${hosts[@]}"; do
		pkill -f "xdpsec-ike -i $tag-$h daemon" 2>/dev/null
		nsx "$tag-$h" "$X" -i "$tag-$h" detach "out-$h" >/dev/null 2>&1
		[ -f "/run/xdpsec/$tag-$h.pid" ] && kill "$(cat "/run/xdpsec/$tag-$h.pid")" 2>/dev/null
		pkill -f "xdpsec -i $tag-$h daemon" 2>/dev/null
		for p in 1 2; do ip netns del "$tag-$h-pod$p" 2>/dev/null; done
		ip netns del "$tag-$h" 2>/dev/null
	done
	ip netns del "$tag-wire" 2>/dev/null
	rm -rf "/tmp/$tag.pcap" "/tmp/$tag"
}
trap cleanup EXIT

say "two hosts, each with a bridge and two pods"
for h in "${hosts[@]}"; do
	ip netns add "$tag-$h"
	nsx "$tag-$h" ip link set lo up
	nsx "$tag-$h" sysctl -qw net.ipv4.ip_forward=1
	nsx "$tag-$h" ip link add br0 type bridge
	nsx "$tag-$h" ip addr add "${podnet[$h]}.1/24" dev br0
	nsx "$tag-$h" ip link set br0 up
	for p in 1 2; do
		pod="$tag-$h-pod$p"
		ip netns add "$pod"
		ip link add "p$p" netns "$pod" type veth peer name "v$h$p" netns "$tag-$h"
		nsx "$pod" ip link set lo up
		nsx "$pod" ip addr add "${podnet[$h]}.1$p/24" dev "p$p"
		nsx "$pod" ip link set "p$p" up
		nsx "$pod" ip route add default via "${podnet[$h]}.1"
		nsx "$tag-$h" ip link set "v$h$p" master br0 up
		echo "  pod $pod: ${podnet[$h]}.1$p"
	done
done
# The link between the hosts runs through a bridge in a third namespace,
# where the demo captures: on the hosts themselves XDP hands ESP to xdpsec
# before any capture point sees it.
ip netns add "$tag-wire"
nsx "$tag-wire" ip link add wire type bridge
nsx "$tag-wire" ip link set wire up
for h in "${hosts[@]}"; do
	ip link add "out-$h" netns "$tag-$h" type veth peer name "w$h" netns "$tag-wire"
	nsx "$tag-wire" ip link set "w$h" master wire up
done
for h in "${hosts[@]}"; do
	o=${outer[$h]}; peer=$([ "$h" = a ] && echo b || echo a)
	nsx "$tag-$h" ip addr add "$o/24" dev "out-$h"
	nsx "$tag-$h" ip link set "out-$h" up
	nsx "$tag-$h" ip route add "${podnet[$peer]}.0/24" via "${outer[$peer]}"
done

say "xdpsec and its IKE agent on both hosts: IKEv2 (PSK) negotiates the ESP tunnel"
PSK=0x$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "/tmp/$tag"
for h in "${hosts[@]}"; do
	i="$tag-$h"
	peer=$([ "$h" = a ] && echo b || echo a)
	start=$([ "$h" = a ] && echo start || echo none)
	cat > "/tmp/$tag/$h.conf" <<CONF
connections {
	pods {
		local_addrs = ${outer[$h]}
		remote_addrs = ${outer[$peer]}
		proposals = aes128gcm16-prfsha256-x25519
		local { auth = psk
			id = host-$h.demo }
		remote { auth = psk
			id = host-$peer.demo }
		children {
			pods {
				local_ts = ${podnet[$h]}.0/24
				remote_ts = ${podnet[$peer]}.0/24
				esp_proposals = aes128gcm16
				mode = tunnel
				start_action = $start
			}
		}
	}
}
secrets {
	ike-pods {
		id-a = host-a.demo
		id-b = host-b.demo
		secret = $PSK
	}
}
CONF
	chmod 600 "/tmp/$tag/$h.conf"
	nsx "$i" "$X" -i "$i" daemon
	nsx "$i" "$X" -i "$i" attach "out-$h"
done
# The responder listens first; then the initiator's start action runs.
for h in b a; do
	nsx "$tag-$h" "$XI" -i "$tag-$h" daemon --config "/tmp/$tag/$h.conf" --log "/tmp/$tag/$h-ike.log"
done
for _ in $(seq 50); do
	nsx "$tag-a" "$X" -i "$tag-a" sa list | grep -q 'dir in' &&
		nsx "$tag-b" "$X" -i "$tag-b" sa list | grep -q 'dir in' && break
	sleep 0.2
done
nsx "$tag-a" "$XI" -i "$tag-a" list-sas
nsx "$tag-a" "$X" -i "$tag-a" status
nsx "$tag-a" "$X" -i "$tag-a" sa list

say "capture on the link while pods talk across it"
nsx "$tag-wire" tcpdump -U -ni wire -w "/tmp/$tag.pcap" -c 400 >/dev/null 2>&1 &
cap=$!
sleep 1
nsx "$tag-a-pod1" ping -c 3 -i 0.2 "${podnet[b]}.11"
nsx "$tag-b-pod2" sh -c "iperf3 -s -1 -D" ; sleep 0.5
nsx "$tag-a-pod2" iperf3 -c "${podnet[b]}.12" -t 3 | tail -3
say "same-host pods talk over the bridge, never through ESP"
nsx "$tag-a-pod1" ping -c 2 -i 0.2 "${podnet[a]}.12"
sleep 1; kill "$cap" 2>/dev/null || true; wait "$cap" 2>/dev/null || true

say "what the wire between the hosts carried (first packets)"
tcpdump -nr "/tmp/$tag.pcap" -c 6 esp 2>/dev/null || true
total=$(tcpdump -nr "/tmp/$tag.pcap" 2>/dev/null | wc -l)
esp=$(tcpdump -nr "/tmp/$tag.pcap" esp 2>/dev/null | wc -l)
clear=$(tcpdump -nr "/tmp/$tag.pcap" 'tcp or udp or icmp' 2>/dev/null | wc -l)
echo "  $total packets captured: $esp ESP, $clear in clear (TCP/UDP/ICMP)"

say "counters on host a"
nsx "$tag-a" "$X" -i "$tag-a" stats | awk '$3 != 0 || NR == 1'
say "the same maps through bpftool"
bpftool map dump pinned "/sys/fs/bpf/xdpsec/$tag-a/xs_spi"
bpftool map show pinned "/sys/fs/bpf/xdpsec/$tag-a/xs_xdp_stats"
say "done; cleaning up"
