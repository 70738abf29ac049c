#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: install what is missing, build, and run a local cluster of
# rumor-dataplane nodes on virtual devices. Each node runs in its own
# network namespace on a net_af_packet port of a veth pair; the pairs meet
# on a bridge in another namespace, where a kernel UDP client publishes
# DATA messages for many channels into the first node. Every message must
# reach the sink of the node that owns its channel. Prints each node's
# statistics, then removes everything it created.
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

members=""
for n in $(seq 1 "$nodes"); do
	members+="member = $n 10.77.0.$n"$'\n'
done
sinks=()
for n in $(seq 1 "$nodes"); do
	cat >"$LAB_DIR/n$n.conf" <<CONF
node_id = $n
address = 10.77.0.$n
sink = 10.77.0.100:$((9000 + n))
$members
CONF
	sinks+=(--sink "$n=$((9000 + n))")
	lab_port "n$n"
done
for n in $(seq 1 "$nodes"); do
	lab_node "n$n" "$LAB_DIR/n$n.conf"
done
say "$nodes nodes up; sending $count messages over 1000 channels into node 1"
"${NS[@]}" "$BUILD/tests/tools/rumor-udptest" --config "$LAB_DIR/n1.conf" \
	--node 10.77.0.1:7946 --bind 10.77.0.100 "${sinks[@]}" \
	--count "$count" --channels 1000 --rate 20000 || status=$?
for n in $(seq 1 "$nodes"); do
	pid_var=NODE_PID_n$n
	kill -TERM "${!pid_var}"
	wait "${!pid_var}" || true
	say "node $n"
	sed -n '/rumor-dataplane statistics/,$p' "$LAB_DIR/n$n.log" |
		awk 'NR == 1 || $2 != 0'
done
exit "${status:-0}"
