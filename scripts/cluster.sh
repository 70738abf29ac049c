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

. "$top/scripts/lab.sh"
say "building in build/ (scripts/setup.sh installs what is missing first)"
bash "$top/scripts/setup.sh" "$top/build" >/dev/null
BUILD=$top/build
lab_init cluster
LAB_VDEV_ARGS=",framecnt=4096"
LAB_LAUNCHER_OUT=/dev/null
lab_cluster "$nodes" label=cluster-sh sink seeds=1
lab_up $(seq 1 "$nodes")

say "$nodes nodes up; waiting for one view"
all=
for n in $(seq 1 "$nodes"); do all+="$n:alive "; done
for n in $(seq 1 "$nodes"); do lab_wait_view "$n" "$all" 60; done
for n in $(seq 1 "$nodes"); do lab_wait_ring "$n" "$nodes"; done
lab_ctl 1 members

say "sending $count messages over 1000 channels into node 1"
lab_ring_conf "$LAB_DIR/ring.conf" 1 $(seq 1 "$nodes")
lab_udptest --show "$LAB_DIR/ring.conf" 1 --count "$count" --channels 1000 \
	--rate 20000 || status=$?

for n in $(seq 1 "$nodes"); do
	lab_stop "$n" || true
	say "node $n"
	sed -n '/rumor-dataplane statistics/,$p' "$LAB_DIR/node-$n.dataplane.log" |
		awk 'NR == 1 || $2 != 0'
done
exit "${status:-0}"
