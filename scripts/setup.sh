#!/usr/bin/env bash
# Installs every Debian package xdpsec needs and mounts bpffs. Idempotent;
# run as root on Debian 12.
set -euo pipefail

pkgs=(
	build-essential pkg-config clang llvm
	libbpf-dev libxdp-dev bpftool libelf-dev zlib1g-dev
	libssl-dev libcmocka-dev
	python3-pytest python3-scapy
	iproute2 iputils-ping ethtool tcpdump iperf3 procps nftables openssl
	strongswan-charon strongswan-swanctl libcharon-extra-plugins
	libstrongswan-standard-plugins libstrongswan-extra-plugins
	debhelper lintian systemd man-db xdp-tools prometheus
)
# Intel's multi-buffer IPsec library exists for x86-64 only.
[ "$(dpkg --print-architecture)" = amd64 ] && pkgs+=(libipsec-mb-dev)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! mountpoint -q /sys/fs/bpf; then
	mount -t bpf bpf /sys/fs/bpf
fi
echo "setup: ok"
