#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Three rumor nodes, each rumor-dataplane plus rumor-control started by
# scripts/rumor-node.sh in its own network namespace (net_af_packet on a
# veth pair to one bridge), sharing a keyring and two seeds. Each
# configuration lists only its own node as a member: the rings the nodes
# forward with come from the membership.
# - the memberships converge, and DATA follows the three-member ring;
# - a node killed with SIGKILL (both processes) is declared dead, the
#   ring shrinks, and the node rejoins when it is started again;
# - rumor-control killed alone: the dataplane keeps forwarding, and the
#   restarted rumor-control resynchronises with a higher incarnation;
# - the dataplane killed alone: rumor-control waits for the restarted one
#   and gives it the membership's table;
# - a graceful stop is seen as "left" by the others;
# - rumorctl stats shows both processes' counters; rumorctl errors.
source "$(dirname "$0")/lib.sh"

lab_init cs
TOP=$(cd "$(dirname "$0")/../.." && pwd)
NODE=$TOP/scripts/rumor-node.sh
RUMORCTL=$BUILD/control/rumorctl
UDPTEST=$BUILD/tests/tools/rumor-udptest
[ -x "$BUILD/control/rumor-control" ] || die "no rumor-control: build first"
RUN=$LAB_DIR/run
NODES="1 2 3"

"$RUMORCTL" keygen >"$LAB_DIR/cluster.key"
chmod 600 "$LAB_DIR/cluster.key"
for n in $NODES; do
	cat >"$LAB_DIR/n$n.conf" <<EOF
# node $n of the control-plane smoke test
node_id = $n
address = 10.77.0.$n
sink = 10.77.0.100:900$n
member = $n 10.77.0.$n
control_socket = $LAB_DIR/n$n.ctl
admin_socket = $LAB_DIR/n$n.admin
keyring = $LAB_DIR/cluster.key
label = smoke
zone = $n
seed = 10.77.0.1
seed = 10.77.0.2
probe_interval_ms = 500
EOF
	lab_port "n$n"
done

smoke_cleanup() {
	local n
	for n in $NODES; do
		"$NODE" stop --config "$LAB_DIR/n$n.conf" --run-dir "$RUN" \
			--timeout 3 >/dev/null 2>&1 || true
	done
	lab_cleanup
}
trap smoke_cleanup EXIT

# node_start N: both processes of node N, or whichever is not running.
node_start() {
	local prefix="${LAB}n$1"
	LAB_PREFIXES+=("$prefix")
	ip netns exec "$LAB-n$1" "$NODE" start --config "$LAB_DIR/n$1.conf" \
		--build "$BUILD" --log-dir "$LAB_DIR" --run-dir "$RUN" \
		--timeout 60 -- \
		--no-huge --no-shconf --no-pci -m 256 -l 0-1 \
		--file-prefix "$prefix" --log-level=lib.eal:error \
		--vdev="net_af_packet0,iface=n$1-dp,qdisc_bypass=1,framecnt=4096" \
		-- --idle-sleep 20 || die "node $1 did not start"
}

members() { "$RUMORCTL" --config "$LAB_DIR/n$1.conf" members; }

# state_of N ID: node ID's state as node N sees it.
state_of() { members "$1" | awk -v id="$2" '$1 == id { print $3 }'; }
inc_of() { members "$1" | awk -v id="$2" '$1 == id { print $4 }'; }

# wait_state N ID STATE SECONDS
wait_state() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(state_of "$1" "$2")" = "$3" ] && return 0
		sleep 0.1
	done
	members "$1" || true
	die "node $1 does not see node $2 $3 after $4 s"
}

# wait_ring N COUNT: node N's dataplane forwards with a ring of COUNT
# members (rumor-control publishes a table shortly after a change).
wait_ring() {
	local i got=
	for ((i = 0; i < 50; i++)); do
		got=$(tel "${LAB}n$1" /rumor/info | python3 -c \
			'import json,sys; print(json.load(sys.stdin)["/rumor/info"]["ring_members"])')
		[ "$got" = "$2" ] && return 0
		sleep 0.1
	done
	die "node $1 forwards with $got ring members, not $2"
}

# client_conf ENTRY IDS...: a member list for udptest, which computes
# owners from it and expects one hop less from every node but ENTRY.
client_conf() {
	local entry=$1
	shift
	{
		echo "node_id = $entry"
		echo "address = 10.77.0.$entry"
		for id in "$@"; do
			echo "member = $id 10.77.0.$id"
		done
	} >"$LAB_DIR/client.conf"
}

# traffic N IDS...: DATA into node N; owners by the ring of IDS.
traffic() {
	local node=$1 sinks=() id
	shift
	client_conf "$node" "$@"
	for id in "$@"; do
		sinks+=(--sink "$id=900$id")
	done
	"${NS[@]}" "$UDPTEST" --config "$LAB_DIR/client.conf" \
		--node "10.77.0.$node:7946" --bind 10.77.0.100 "${sinks[@]}" \
		--count 2000 --channels 500 --rate 5000 >"$LAB_DIR/udptest.out" ||
		{ cat "$LAB_DIR/udptest.out"; die "deliveries through node $node"; }
	grep -q "udptest: PASS" "$LAB_DIR/udptest.out" || die "udptest"
	echo "ok: 2000 messages into node $node reached the owners on the ring of $*"
}

say "start three nodes"
for n in $NODES; do
	node_start "$n"
done

say "memberships converge"
for n in $NODES; do
	for id in $NODES; do
		wait_state "$n" "$id" alive 20
	done
done
for n in $NODES; do
	wait_ring "$n" 3
done
members 1
members 1 | grep -q "^1 .*(this node)$" || die "this node is not marked"
[ "$(members 2 | awk '$1 == 3 { print $5 }')" = 3 ] || die "zone of node 3"
traffic 1 1 2 3
traffic 3 1 2 3

say "rumorctl stats: both processes"
"$RUMORCTL" --config "$LAB_DIR/n1.conf" stats >"$LAB_DIR/stats.out"
grep -q "^control.link_connected 1$" "$LAB_DIR/stats.out" || die "link"
grep -q "^control.rx_swim [1-9]" "$LAB_DIR/stats.out" || die "rx_swim"
grep -q "^control.rx_forged 0$" "$LAB_DIR/stats.out" || die "rx_forged"
grep -q "^dataplane\." "$LAB_DIR/stats.out" || die "no dataplane counters"
echo "ok: $(grep -c '^control\.' "$LAB_DIR/stats.out") control and" \
	"$(grep -c '^dataplane\.' "$LAB_DIR/stats.out") dataplane counters"

say "node 3 killed (SIGKILL, both processes): declared dead"
kill -KILL "$(cat "$RUN/node-3.control.pid")" "$(cat "$RUN/node-3.dataplane.pid")"
wait_state 1 3 dead 60
wait_state 2 3 dead 30
members 1
wait_ring 1 2
wait_ring 2 2
traffic 1 1 2
traffic 2 1 2

say "node 3 started again: rejoins"
node_start 3
for n in $NODES; do
	wait_state "$n" 3 alive 20
	wait_ring "$n" 3
done
traffic 3 1 2 3
traffic 1 1 2 3

say "rumor-control of node 2 killed alone: its dataplane keeps forwarding"
INC_BEFORE=$(inc_of 1 2)
kill -KILL "$(cat "$RUN/node-2.control.pid")"
traffic 2 1 2 3
"$NODE" status --config "$LAB_DIR/n2.conf" --build "$BUILD" \
	--run-dir "$RUN" >"$LAB_DIR/status.out" && die "status: both running?"
grep -q "rumor-dataplane: running" "$LAB_DIR/status.out" || die "status"

say "rumor-control of node 2 restarted: resynchronises"
node_start 2
for n in $NODES; do
	wait_state "$n" 2 alive 20
done
INC_AFTER=$(inc_of 1 2)
[ "$INC_AFTER" -gt "$INC_BEFORE" ] ||
	die "node 2 incarnation $INC_AFTER, was $INC_BEFORE"
echo "ok: node 2 incarnation $INC_BEFORE -> $INC_AFTER"
for n in $NODES; do
	wait_ring "$n" 3
done
traffic 2 1 2 3

say "dataplane of node 3 killed alone: rumor-control waits, then resumes"
kill -KILL "$(cat "$RUN/node-3.dataplane.pid")"
for ((i = 0; i < 50; i++)); do
	"$RUMORCTL" --config "$LAB_DIR/n3.conf" stats |
		grep -q "^dataplane: not connected" && break
	sleep 0.1
done
[ $i -lt 50 ] || die "rumor-control of node 3 did not notice"
node_start 3
for n in $NODES; do
	wait_state "$n" 3 alive 30
	wait_ring "$n" 3
done
grep -q "membership paused until rumor-dataplane is back" \
	"$LAB_DIR/node-3.control.log" || die "no pause logged"
grep -q "control link back: membership resumed" \
	"$LAB_DIR/node-3.control.log" || die "no resume logged"
traffic 3 1 2 3

say "rumorctl errors"
"$RUMORCTL" --socket "$LAB_DIR/none.admin" members 2>"$LAB_DIR/err.out" &&
	die "rumorctl on a missing socket succeeded"
grep -q "cannot reach rumor-control at $LAB_DIR/none.admin: .*(is the node running?)" \
	"$LAB_DIR/err.out" || die "rumorctl error: $(cat "$LAB_DIR/err.out")"

say "node 1 stopped gracefully: left"
"$NODE" stop --config "$LAB_DIR/n1.conf" --run-dir "$RUN"
wait_state 2 1 left 5
wait_state 3 1 left 5
grep -q "leaving the cluster" "$LAB_DIR/node-1.control.log" || die "no leave"
[ ! -e "$LAB_DIR/n1.admin" ] || die "admin socket left behind"
echo "PASS"
