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
. "$(dirname "$0")/bench-lib.sh"
rounds=5
bench_options "b=BUILD r=rounds" "$@"
set +e +o pipefail
set -u

lab_init rebal
# The graceful phase below runs handoff.sh on the same build.
export BUILD
RINGLAB=$BUILD/tests/tools/rumor-ringlab
LAB_IDLE_US=50
lab_cluster 5 label=bench swim=fast voters="1 2 3"

# until_ring N IDS...: until each node's ring has N members; timed out: 1.
until_ring() { lab_ring_poll "$1" 60 members "${@:2}" >/dev/null; }

now_ms() { date +%s%3N; }

lab_up 1 2 3 4 5
until_ring 5 1 2 3 4 5 || die "no ring of 5 members"

kills=()
for r in $(seq 1 "$rounds"); do
	t0=$(now_ms)
	lab_kill9 5
	until_ring 4 1 2 3 4 || die "round $r: no ring of 4 members"
	t1=$(now_ms)
	kills+=($((t1 - t0)))
	echo "round $r: kill -9 of node 5 to a 4-member table on all 4: $((t1 - t0)) ms"
	lab_up 5
	until_ring 5 1 2 3 4 5 || die "round $r: node 5 not back"
done

grep -ho "committed in [0-9]* ms" "$LAB_DIR"/node-*.control.log |
	awk '{ print $3 }' >"$LAB_DIR/commit_ms"
c50=$(bench_pct 50 <"$LAB_DIR/commit_ms")
c99=$(bench_pct 99 <"$LAB_DIR/commit_ms")
k50=$(printf '%s\n' "${kills[@]}" | bench_pct 50)
echo "epoch commits: $(wc -l <"$LAB_DIR/commit_ms"), p50 $c50 ms, p99 $c99 ms"
echo "kill -9 to new table on every survivor: p50 $k50 ms" \
	"(rounds: ${kills[*]}; probe 500 ms, suspicion x3)"

# The graceful changes run in a cluster of their own: stop this one
# first, so that the two do not share the cores.
for i in 1 2 3 4 5; do
	lab_kill9 "$i"
done
sleep 0.5
bash "$LAB_TOP/tests/integration/handoff.sh" --graceful >"$LAB_DIR/handoff.out" 2>&1
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
bench_report rebalance "commit_p50_ms=$c50" "kill_to_table_ms=$k50" \
	"lost_graceful=$lost_graceful" "peak_mean=$peak" "moved_ratio=$moved"
