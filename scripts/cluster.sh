#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: install what is missing, build, and run a local cluster of
# rumor nodes on virtual devices. Each node (rumor-dataplane and
# rumor-control, started by scripts/rumor-node.sh) runs in its own network
# namespace on a net_af_packet port of a veth pair; the pairs meet on a
# bridge in another namespace. Each node's configuration names only
# itself: the nodes find each other through a seed, by SWIM membership
# over sealed control messages, and the live members form the ring. Then
# a kernel UDP client publishes DATA messages for many channels into the
# first node, and every message must reach the sink of the node that owns
# its channel on the ring of all the nodes. Prints the member table and
# each node's statistics, then stops the nodes (a graceful leave) and
# removes everything it created.
#
#   scripts/cluster.sh [NODES (2-8, default 3)] [MESSAGES (default 20000)]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
nodes=${1:-3}
count=${2:-20000}
case $nodes in [2-8]) ;; *) echo "usage: $0 [NODES 2-8] [MESSAGES]" >&2; exit 2 ;; esac

bash "$top/scripts/setup.sh" "$top/build" >/dev/null
export BUILD=$top/build
source "$top/tests/integration/lib.sh"
lab_init cl
RUN=$LAB_DIR/run
RUMORCTL=$BUILD/control/rumorctl
mkdir -p "$RUN"

stop_all() {
	local n f
	for n in $(seq 1 "$nodes"); do
		[ -f "$LAB_DIR/n$n.conf" ] || continue
		ip netns exec "$LAB-n$n" bash "$top/scripts/rumor-node.sh" stop \
			--config "$LAB_DIR/n$n.conf" --run-dir "$RUN" \
			>/dev/null 2>&1 || true
	done
	for f in "$RUN"/*.pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true
	done
	lab_cleanup
}
trap stop_all EXIT

"$RUMORCTL" keygen >"$LAB_DIR/keys"
chmod 600 "$LAB_DIR/keys"
sinks=()
for n in $(seq 1 "$nodes"); do
	cat >"$LAB_DIR/n$n.conf" <<CONF
node_id = $n
address = 10.77.0.$n
sink = 10.77.0.100:$((9000 + n))
control_socket = $LAB_DIR/n$n.ctl
admin_socket = $LAB_DIR/n$n.admin
keyring = $LAB_DIR/keys
label = cluster-sh
seed = 10.77.0.1
member = $n 10.77.0.$n
CONF
	sinks+=(--sink "$n=$((9000 + n))")
	lab_port "n$n"
done
# The ring every node should build once they all know each other.
{
	echo "node_id = 1"
	echo "address = 10.77.0.1"
	for n in $(seq 1 "$nodes"); do echo "member = $n 10.77.0.$n"; done
} >"$LAB_DIR/ring.conf"

for n in $(seq 1 "$nodes"); do
	LAB_PREFIXES+=("${LAB}n$n")
	ip netns exec "$LAB-n$n" bash "$top/scripts/rumor-node.sh" start \
		--config "$LAB_DIR/n$n.conf" --build "$BUILD" \
		--log-dir "$LAB_DIR" --run-dir "$RUN" -- \
		--no-huge --no-shconf --no-pci -m 256 -l 0-1 \
		--file-prefix "${LAB}n$n" --log-level=lib.eal:error \
		--vdev="net_af_packet0,iface=n$n-dp,qdisc_bypass=1,framecnt=4096" \
		-- --idle-sleep 20 >/dev/null ||
		{ tail -n 20 "$LAB_DIR"/node-"$n".*.log; die "node $n did not start"; }
done

say "$nodes nodes up; waiting for one view"
for n in $(seq 1 "$nodes"); do
	for i in $(seq 1 300); do
		alive=$("$RUMORCTL" --socket "$LAB_DIR/n$n.admin" members \
			2>/dev/null | awk '$3 == "alive" { k++ } END { print k + 0 }')
		[ "$alive" = "$nodes" ] && break
		sleep 0.2
	done
	[ "$alive" = "$nodes" ] || die "node $n sees $alive of $nodes alive"
done
for n in $(seq 1 "$nodes"); do wait_ring "${LAB}n$n" "$nodes"; done
"$RUMORCTL" --socket "$LAB_DIR/n1.admin" members

say "sending $count messages over 1000 channels into node 1"
"${NS[@]}" "$BUILD/tests/tools/rumor-udptest" --config "$LAB_DIR/ring.conf" \
	--node 10.77.0.1:7946 --bind 10.77.0.100 "${sinks[@]}" \
	--count "$count" --channels 1000 --rate 20000 || status=$?

for n in $(seq 1 "$nodes"); do
	ip netns exec "$LAB-n$n" bash "$top/scripts/rumor-node.sh" stop \
		--config "$LAB_DIR/n$n.conf" --run-dir "$RUN" >/dev/null 2>&1 || true
	say "node $n"
	sed -n '/rumor-dataplane statistics/,$p' "$LAB_DIR/node-$n.dataplane.log" |
		awk 'NR == 1 || $2 != 0'
done
exit "${status:-0}"
