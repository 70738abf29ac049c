#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Membership benchmark: rumor-sim (the SWIM code of control/ over a
# simulated network) at 1,000 and 10,000 nodes with memberlist's LAN
# timings (probe 1 s, timeout 500 ms, suspicion multiplier 4, gossip
# 200 ms to 3 nodes), figures printed beside their targets:
#   - first detection of a crash, p50 <= 2 probe periods;
#   - every live node knows it, p99 <= suspicion timeout + 3 s, where the
#     timeout is 4 x ceil(log10(n)) probe periods;
#   - no false death in one simulated hour at 5% loss, 1% of nodes slow;
#   - bytes per node per second at 10,000 nodes <= 1.5 x at 1,000, both
#     counted after the warm-up (the join storm is measured apart);
#   - all views complete after the join storm within 15 s.
#
#   scripts/bench-membership.sh [-s SEED] [-q]   (-q: 1,000 nodes only)
# Last line:
# membership: n=10000 detect_p99_s=<x> false_deaths=<n> bytes_per_node_s=<x>
set -euo pipefail

. "$(dirname "$0")/bench-lib.sh"
seed=1
sizes="1000 10000"
bench_options "s=seed q=sizes=1000" "$@"
bench_build
lab_begin membench
sim=$B/tests/sim/rumor-sim

# field FILE PATTERN N: the Nth number on the first line matching PATTERN.
field() { grep -m1 "$2" "$1" | grep -oE '[0-9]+(\.[0-9]+)?' | sed -n "${3}p"; }
log10c() { awk -v n="$1" 'BEGIN { l = 0; for (p = 1; p < n; p *= 10) l++; print (l > 0 ? l : 1) }'; }
verdict() { awk -v a="$1" -v b="$2" 'BEGIN { print ((a + 0 <= b + 0) ? "met" : "NOT met") }'; }

printf '%-7s %-28s %10s %10s %s\n' nodes figure value target result
for n in $sizes; do
	out=$LAB_DIR/crash$n
	# The warm-up lets the join storm settle before crashes start and
	# bytes are counted: a 10,000-node storm takes minutes of gossip.
	warmup=90
	[ "$n" -ge 10000 ] && warmup=240
	"$sim" --nodes "$n" --seed "$seed" --crashes 10 --seconds 120 \
		--warmup "$warmup" >"$out" || true
	join=$(field "$out" '^join:' 1)
	grep -q never "$out" && join=never
	first50=$(field "$out" '^crashes' 3)
	all99=$(field "$out" '^crashes' 9)
	bytes=$(grep -m1 '^membership:' "$out" | sed 's/.*bytes_per_node_s=//')
	timeout=$((4 * $(log10c "$n") + 3))
	# The join-storm target is for 1,000 nodes; larger storms are shown.
	if [ "$n" -le 1000 ]; then
		printf '%-7s %-28s %10s %10s %s\n' "$n" \
			"join storm, one view (s)" "$join" 15 \
			"$(verdict "${join/never/999}" 15)"
	else
		printf '%-7s %-28s %10s %10s\n' "$n" \
			"join storm, one view (s)" "$join" -
	fi
	printf '%-7s %-28s %10s %10s %s\n' "$n" "first detection p50 (s)" \
		"$first50" 2 "$(verdict "$first50" 2)"
	printf '%-7s %-28s %10s %10s %s\n' "$n" "everyone knows p99 (s)" \
		"$all99" "$timeout" "$(verdict "$all99" "$timeout")"
	printf '%-7s %-28s %10s %10s\n' "$n" "bytes per node per second" \
		"$bytes" -
	eval "bytes_$n=$bytes detect_$n=$all99"
	grep -m1 'reproduce' "$out" || true
done

# One simulated hour, lossy with slow nodes, for false deaths.
n=${sizes%% *}
"$sim" --nodes "$n" --seed "$seed" --crashes 0 --seconds 3600 --loss 5 \
	--slow 1 >"$LAB_DIR/hour" || true
fd=$(grep -m1 '^membership:' "$LAB_DIR/hour" | sed 's/.*false_deaths=\([0-9]*\).*/\1/')
printf '%-7s %-28s %10s %10s %s\n' "$n" "false deaths, 1 h lossy" "$fd" 0 \
	"$(verdict "$fd" 0)"
if [ "$sizes" != 1000 ]; then
	ratio=$(bench_ratio "$bytes_10000" "$bytes_1000" 2)
	printf '%-7s %-28s %10s %10s %s\n' 10000 "bytes ratio 10,000/1,000" \
		"$ratio" 1.5 "$(verdict "$ratio" 1.5)"
fi
last=${sizes##* }
detect=detect_$last bytes=bytes_$last
bench_report membership "n=$last" "detect_p99_s=${!detect}" \
	"false_deaths=$fd" "bytes_per_node_s=${!bytes}"
