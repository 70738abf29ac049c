#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Install every Debian package rumor needs (only what is missing; apt-get
# update at most once), then configure and build.
#
#   scripts/setup.sh [--no-build] [BUILD_DIR] [meson options...]
#
# BUILD_DIR defaults to build/ at the top of the tree. Run as root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

# Build: compiler, meson, DPDK, liburcu, libnuma, xxHash, libsodium.
# Tests: clang and its runtimes (libFuzzer, ASan, UBSan), iproute2 and
# ethtool for the namespaces, python3 for telemetry queries, tshark for the dissector.
packages=(
	build-essential pkg-config meson ninja-build
	dpdk dpdk-dev libdpdk-dev liburcu-dev libnuma-dev libxxhash-dev
	libsodium-dev
	clang libclang-rt-14-dev
	iproute2 ethtool python3 tshark
)

build=1
if [ "${1:-}" = "--no-build" ]; then
	build=0
	shift
fi
builddir=${1:-$top/build}
[ $# -gt 0 ] && shift

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "setup: missing packages: ${missing[*]}; run as root" >&2
		exit 1
	fi
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ $build = 1 ] || exit 0
if [ -f "$builddir/build.ninja" ]; then
	meson configure "$builddir" "$@" >/dev/null
else
	meson setup "$builddir" "$top" "$@"
fi
ninja -C "$builddir"
