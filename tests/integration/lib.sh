# SPDX-License-Identifier: BSD-3-Clause
# Shared helpers of the integration tests: a private network namespace
# with a bridge, rumor-dataplane nodes on net_af_packet ports of veth
# pairs, telemetry queries, and cleanup that runs even on failure.
#
# Source it, then call lab_init NAME. Everything it creates carries a
# unique id ($LAB) and is removed by the EXIT trap.

set -euo pipefail

LAB_PIDS=()
LAB_NODE_NS=()

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }
say() { echo "== $*"; }

lab_cleanup() {
	local pid
	for pid in "${LAB_PIDS[@]:-}"; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
	done
	sleep 0.5
	for pid in "${LAB_PIDS[@]:-}"; do
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
	done
	for ns in "${LAB_NODE_NS[@]:-}" "${LAB_NS:-}"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "${LAB_DIR:-}" ] && [ -z "${KEEP_LAB:-}" ]; then
		rm -rf "$LAB_DIR"
	fi
	for p in "${LAB_PREFIXES[@]:-}"; do
		[ -n "$p" ] && rm -rf "/var/run/dpdk/$p"
	done
}

# lab_init NAME: namespace, bridge br0 with 10.77.0.100/24, no IPv6.
lab_init() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	command -v ip >/dev/null || skip "needs iproute2"
	BUILD=${BUILD:-$(cd "$(dirname "$0")/../../build" && pwd)}
	DP=$BUILD/dataplane/rumor-dataplane
	[ -x "$DP" ] || die "no $DP: build first"
	LAB="rmr$1$$"
	LAB_NS="$LAB"
	LAB_PREFIXES=()
	LAB_DIR=$(mktemp -d "/tmp/$LAB.XXXXXX")
	trap lab_cleanup EXIT
	ip netns add "$LAB_NS"
	NS=(ip netns exec "$LAB_NS")
	"${NS[@]}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	"${NS[@]}" ip link set lo up
	# Bridged frames must not meet netfilter (its defragmenter would hold
	# the fragments the tests inject) where br_netfilter is loaded.
	"${NS[@]}" sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 \
		net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
	"${NS[@]}" ip link add br0 type bridge
	"${NS[@]}" ip link set br0 up
	"${NS[@]}" ip addr add 10.77.0.100/24 dev br0
	# Checksums complete in software: frames taken by AF_PACKET from a
	# veth would otherwise carry partial UDP checksums.
	if command -v ethtool >/dev/null; then
		"${NS[@]}" ethtool -K br0 tx off >/dev/null 2>&1 || true
	fi
}

# lab_port NAME: a veth pair NAME (on br0) / NAME-dp, the latter alone in
# namespace $LAB-NAME where its node runs: no kernel address there, so
# the kernel never answers ARP on the node's wire.
lab_port() {
	local ns="$LAB-$1"
	ip netns add "$ns"
	LAB_NODE_NS+=("$ns")
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	"${NS[@]}" ip link add "$1" type veth peer name "$1-dp"
	"${NS[@]}" ip link set "$1-dp" netns "$ns"
	"${NS[@]}" ip link set "$1" master br0 up
	ip netns exec "$ns" ip link set "$1-dp" up
	if command -v ethtool >/dev/null; then
		ip netns exec "$ns" ethtool -K "$1-dp" tx off >/dev/null 2>&1 || true
	fi
}

# lab_node TAG CONF [rumor options...]: start a node on port TAG-dp.
# Sets NODE_PID_TAG and NODE_PREFIX_TAG; its log is $LAB_DIR/TAG.log.
# LAB_VDEV_ARGS, if set, is appended to the port's vdev arguments.
lab_node() {
	local tag=$1 conf=$2
	shift 2
	local prefix="${LAB}$tag"
	LAB_PREFIXES+=("$prefix")
	ip netns exec "$LAB-$tag" ${DP_WRAP:-} "$DP" --no-huge --no-shconf --no-pci -m 256 -l 0-1 \
		--file-prefix "$prefix" --log-level=lib.eal:error \
		--vdev="net_af_packet0,iface=$tag-dp,qdisc_bypass=1${LAB_VDEV_ARGS:-}" \
		-- -c "$conf" --idle-sleep 20 "$@" \
		>"$LAB_DIR/$tag.log" 2>&1 &
	local pid=$!
	LAB_PIDS+=("$pid")
	eval "NODE_PID_$tag=$pid"
	eval "NODE_PREFIX_$tag=$prefix"
	local i
	for i in $(seq 1 200); do
		if grep -q "forwarding on" "$LAB_DIR/$tag.log"; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || { cat "$LAB_DIR/$tag.log"; die "node $tag exited"; }
		sleep 0.1
	done
	cat "$LAB_DIR/$tag.log"
	die "node $tag did not start"
}

# tel PREFIX COMMAND: one DPDK telemetry request; prints the JSON reply.
tel() {
	python3 - "/var/run/dpdk/$1/dpdk_telemetry.v2" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(4096)
s.send(sys.argv[2].encode())
print(s.recv(1 << 20).decode())
PY
}

# stat PREFIX NAME: one counter of /rumor/stats.
stat() {
	tel "$1" /rumor/stats | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["/rumor/stats"][sys.argv[1]])' "$2"
}

# drops PREFIX: the non-zero drop and handoff counters of that node, one
# line (for the log when a check fails).
drops() {
	tel "$1" /rumor/stats 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)["/rumor/stats"]
print(" ".join("%s=%s" % (k, v) for k, v in sorted(d.items())
	if v and (k.startswith("drop_") or k.startswith("handoff_") or
	k in ("epoch_behind", "chan_rerouted", "arp_wait")))
	or "none")' 2>/dev/null || echo "(no telemetry)"
}

# wait_ring PREFIX N [SECONDS]: until that node's dataplane forwards on a
# ring of N members (rumor-control publishes a table shortly after its
# view changes, not at the same instant).
wait_ring() {
	local i got=
	for i in $(seq 1 $((${3:-30} * 5))); do
		got=$(tel "$1" /rumor/info 2>/dev/null | python3 -c \
			'import json,sys; print(json.load(sys.stdin)["/rumor/info"].get("ring_members", ""))' \
			2>/dev/null || true)
		[ "$got" = "$2" ] && return 0
		sleep 0.2
	done
	die "$1: ring of ${got:-?} members, want $2"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" != "$3" ]; then
		die "$1: got $2, want $3"
	fi
	echo "ok: $1 = $2"
}
