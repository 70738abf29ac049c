#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Rebalancing benchmark on a real 5-node cluster in network namespaces
# (as tests/integration/epochs.sh: voters 1, 2, 3, learners 4, 5; root
# needed). It prints:
#   - epoch commit latency, p50 and p99: from a leader's proposal to its
#     commit, as every leader's rumor-control logs it ("ring epoch E
#     committed in X ms");
#   - kill -9 to new table: from a kill -9 of node 5 to the moment every
#     surviving dataplane forwards on a ring without it (telemetry
#     /rumor/info ring_members, polled every 20 ms), per round;
#   - messages lost over graceful changes: the graceful phase of
#     tests/integration/handoff.sh (run with --graceful, in a cluster of
#     its own once this one is stopped): subscribers on two nodes hold
#     1,000 channels that a third node's publisher feeds at 2,000
#     messages a second while a node joins and another leaves
#     gracefully; the deliveries that never reached a subscriber (one
#     message missing at both is 2), n/a if that run did not finish;
#   - ring balance and movement of the ring table for 5 to 1,000
#     members, from rumor-ringlab -a rumor.
#
#   scripts/bench-rebalance.sh [-b BUILD] [-r ROUNDS]   (default 5 rounds)
# Last line:
# rebalance: commit_p50_ms=<x> kill_to_table_ms=<x> lost_graceful=<n or n/a> peak_mean=<x> moved_ratio=<x>
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=5
BUILD=${BUILD:-$top/build}
while getopts "b:r:h" o; do
	case $o in
	b) BUILD=$OPTARG ;;
	r) rounds=$OPTARG ;;
	*) sed -n '2,24p' "$0"; exit 2 ;;
	esac
done
BUILD=$(cd "$BUILD" && pwd)
export BUILD
. "$top/tests/integration/lib.sh"
set +e +o pipefail
set -u

lab_init rebal
RUMORCTL=$BUILD/control/rumorctl
RINGLAB=$BUILD/tests/tools/rumor-ringlab
NODE_SH=$top/scripts/rumor-node.sh
RUN=$LAB_DIR/run
mkdir -p "$RUN"
bench_cleanup() {
	local f
	for f in "$RUN"/*.pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	done
	lab_cleanup
}
trap bench_cleanup EXIT
"$RUMORCTL" keygen >"$LAB_DIR/keys"
chmod 600 "$LAB_DIR/keys"

conf() {
	cat >"$LAB_DIR/n$1.conf" <<EOF2
node_id = $1
address = 10.77.0.$1
udp_port = 7946
control_socket = $LAB_DIR/n$1.ctl
admin_socket = $LAB_DIR/n$1.admin
keyring = $LAB_DIR/keys
label = bench
seed = 10.77.0.1
seed = 10.77.0.2
probe_interval_ms = 500
probe_timeout_ms = 200
suspicion_mult = 3
gossip_interval_ms = 100
member = $1 10.77.0.$1
raft_dir = $LAB_DIR/raft$1
voter = 1
voter = 2
voter = 3
EOF2
}

start() {
	ip netns exec "$LAB-n$1" bash "$NODE_SH" start \
		--config "$LAB_DIR/n$1.conf" --build "$BUILD" \
		--log-dir "$LAB_DIR" --run-dir "$RUN" --timeout 60 -- \
		--no-huge --no-shconf --no-pci -m 256 -l 0-1 \
		--file-prefix "${LAB}n$1" --log-level=lib.eal:error \
		--vdev="net_af_packet0,iface=n$1-dp,qdisc_bypass=1" \
		-- --idle-sleep 50 >>"$LAB_DIR/launcher.log" 2>&1 ||
		die "node $1 did not start"
	LAB_PREFIXES+=("${LAB}n$1")
}

members_of() {
	tel "${LAB}n$1" /rumor/info 2>/dev/null | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["/rumor/info"].get("ring_members", ""))' \
		2>/dev/null
}

# until_ring N IDS...: until each node's ring has N members; timed out: 1.
until_ring() {
	local n=$1 k i ok
	shift
	for k in $(seq 1 3000); do
		ok=1
		for i in "$@"; do
			[ "$(members_of "$i")" = "$n" ] || { ok=0; break; }
		done
		[ $ok = 1 ] && return 0
		sleep 0.02
	done
	return 1
}

now_ms() { date +%s%3N; }

for i in 1 2 3 4 5; do lab_port "n$i"; conf "$i"; done
for i in 1 2 3 4 5; do start "$i"; done
until_ring 5 1 2 3 4 5 || die "no ring of 5 members"

kills=()
for r in $(seq 1 "$rounds"); do
	t0=$(now_ms)
	kill -KILL "$(cat "$RUN/node-5.control.pid")" \
		"$(cat "$RUN/node-5.dataplane.pid")" 2>/dev/null
	until_ring 4 1 2 3 4 || die "round $r: no ring of 4 members"
	t1=$(now_ms)
	kills+=($((t1 - t0)))
	echo "round $r: kill -9 of node 5 to a 4-member table on all 4: $((t1 - t0)) ms"
	start 5
	until_ring 5 1 2 3 4 5 || die "round $r: node 5 not back"
done

# Percentile P of the numbers on stdin (nearest rank).
pct() { sort -n | awk -v p="$1" '{ v[NR] = $1 } END {
	if (NR == 0) { print "n/a"; exit }
	i = int((NR - 1) * p / 100) + 1; print v[i] }'; }

grep -ho "committed in [0-9]* ms" "$LAB_DIR"/node-*.control.log |
	awk '{ print $3 }' >"$LAB_DIR/commit_ms"
c50=$(pct 50 <"$LAB_DIR/commit_ms")
c99=$(pct 99 <"$LAB_DIR/commit_ms")
k50=$(printf '%s\n' "${kills[@]}" | pct 50)
echo "epoch commits: $(wc -l <"$LAB_DIR/commit_ms"), p50 $c50 ms, p99 $c99 ms"
echo "kill -9 to new table on every survivor: p50 $k50 ms" \
	"(rounds: ${kills[*]}; probe 500 ms, suspicion x3)"

# The graceful changes run in a cluster of their own: stop this one
# first, so that the two do not share the cores.
for f in "$RUN"/*.pid; do
	[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
	rm -f "$f"
done
sleep 0.5
bash "$top/tests/integration/handoff.sh" --graceful >"$LAB_DIR/handoff.out" 2>&1
line=$(grep '^handoff: lost_graceful=' "$LAB_DIR/handoff.out" | tail -n 1)
lost_graceful=$(echo "$line" | sed -n 's/.*lost_graceful=\([0-9]*\).*/\1/p')
if [ -n "$lost_graceful" ]; then
	echo "messages lost over a join and a graceful leave:" \
		"$lost_graceful deliveries (2 subscribers, 1,000 channels," \
		"2,000 a second); duplicates" \
		"$(echo "$line" | sed -n 's/.*dup_graceful=\([0-9]*\).*/\1/p')," \
		"new streams $(echo "$line" | sed -n 's/.*resets=\([0-9]*\).*/\1/p')"
else
	lost_graceful=n/a
	echo "messages lost over graceful changes: n/a" \
		"(tests/integration/handoff.sh --graceful did not finish)"
	tail -n 5 "$LAB_DIR/handoff.out"
fi

"$RINGLAB" -a rumor -n 5,10,100,1000 -w equal -r 3 | tee "$LAB_DIR/ringlab"
peak=$(awk '$3 == "N=5" { print $6 }' "$LAB_DIR/ringlab")
moved=$(awk '$3 == "N=5" { print $8 }' "$LAB_DIR/ringlab")
echo "rebalance: commit_p50_ms=$c50 kill_to_table_ms=$k50" \
	"lost_graceful=$lost_graceful peak_mean=$peak moved_ratio=$moved"
