#!/usr/bin/env bash
# The xdpsec demo: two container hosts joined by one link. Each host has a
# bridge with two pods; xdpsec on each host protects pod-to-pod traffic
# between the hosts with an ESP tunnel (AES-128-GCM), while the link carries
# nothing else. Run as root after `scripts/setup.sh && make`. Cleans up on
# exit.
set -euo pipefail
cd "$(dirname "$0")/.."
X=$PWD/build/xdpsec
[ -x "$X" ] || { echo "demo: build first: make" >&2; exit 1; }
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
		nsx "$tag-$h" "$X" -i "$tag-$h" detach "out-$h" >/dev/null 2>&1
		[ -f "/run/xdpsec/$tag-$h.pid" ] && kill "$(cat "/run/xdpsec/$tag-$h.pid")" 2>/dev/null
		pkill -f "xdpsec -i $tag-$h daemon" 2>/dev/null
		for p in 1 2; do ip netns del "$tag-$h-pod$p" 2>/dev/null; done
		ip netns del "$tag-$h" 2>/dev/null
	done
	rm -f "/tmp/$tag.pcap"
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
ip link add out-a netns "$tag-a" type veth peer name out-b netns "$tag-b"
for h in "${hosts[@]}"; do
	o=${outer[$h]}; peer=$([ "$h" = a ] && echo b || echo a)
	nsx "$tag-$h" ip addr add "$o/24" dev "out-$h"
	nsx "$tag-$h" ip link set "out-$h" up
	nsx "$tag-$h" ip route add "${podnet[$peer]}.0/24" via "${outer[$peer]}"
done

say "xdpsec on both hosts (static keys; the IKE agent will negotiate them)"
K_AB=0x$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
K_BA=0x$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
for h in "${hosts[@]}"; do
	i="$tag-$h"
	nsx "$i" "$X" -i "$i" daemon
	nsx "$i" "$X" -i "$i" attach "out-$h"
	for dir in ab ba; do
		s=${outer[${dir:0:1}]}; d=${outer[${dir:1:1}]}
		spi=$([ $dir = ab ] && echo 0xa0001001 || echo 0xb0002002)
		key=$([ $dir = ab ] && echo "$K_AB" || echo "$K_BA")
		nsx "$i" "$X" -i "$i" sa add src "$s" dst "$d" proto esp spi "$spi" \
			mode tunnel aead 'rfc4106(gcm(aes))' "$key" 128 >/dev/null
	done
	peer=$([ "$h" = a ] && echo b || echo a)
	spi=$([ "$h" = a ] && echo 0xa0001001 || echo 0xb0002002)
	nsx "$i" "$X" -i "$i" policy add src "${podnet[$h]}.0/24" dst "${podnet[$peer]}.0/24" \
		dir out spi "$spi" >/dev/null
done
nsx "$tag-a" "$X" -i "$tag-a" status
nsx "$tag-a" "$X" -i "$tag-a" sa list

say "capture on the link while pods talk across it"
nsx "$tag-a" tcpdump -U -ni out-a -w "/tmp/$tag.pcap" -c 400 >/dev/null 2>&1 &
cap=$!
sleep 1
nsx "$tag-a-pod1" ping -c 3 -i 0.2 "${podnet[b]}.11"
nsx "$tag-b-pod2" sh -c "iperf3 -s -1 -D" ; sleep 0.5
nsx "$tag-a-pod2" iperf3 -c "${podnet[b]}.12" -t 3 | tail -3
say "same-host pods talk over the bridge, never through ESP"
nsx "$tag-a-pod1" ping -c 2 -i 0.2 "${podnet[a]}.12"
sleep 1; kill "$cap" 2>/dev/null || true; wait "$cap" 2>/dev/null || true

say "what the wire carried (first packets)"
tcpdump -nr "/tmp/$tag.pcap" -c 6 2>/dev/null || true
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
