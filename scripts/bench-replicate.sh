#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Replicated publishes: the time from a publish to its acknowledgement,
# and acknowledged messages a second, rumor against NATS JetStream.
#
# rumor: three full nodes (rumor-dataplane and rumor-control each, Raft
# voters 1-3, node credentials, R = 3: every channel has all three as
# replicas) on the lab's bridge (scripts/lab.sh: each node's port a
# net_af_packet on a veth, in a namespace of its own), and a publisher,
# `rumor bench --ack LEVEL`, on a host of the bridge, through node 1: the
# channels' owners are spread over the three, so most publishes are
# forwarded once before they are stamped, replicated to the two others
# and acknowledged back through node 1.
#   - latency: RATE messages a second (default 2,000) for SECONDS, each
#     timed from the publish to its PUB_ACK;
#   - rate: as fast as the publisher's window of 64 acknowledgements in
#     flight allows, for SECONDS; acknowledged messages a second.
# Each at `owner` and at `quorum`.
# JetStream: three nats-server processes in a cluster on 127.0.0.1
# (scripts/jetstream-lib.sh), a stream of 3 replicas in memory, and
# rumor-jsbench (tests/tools, built with libnats-dev): the same two
# runs, js_Publish one at a time for the latency and js_PublishAsync
# with at most 64 acknowledgements outstanding for the rate, the same
# message size.
#
# Both on the same two cores; the three rumor nodes sleep IDLE_US
# (default 20) between empty polls, as the lab runs them. rumor's path
# goes through veths and the kernel's bridge, JetStream's through
# loopback TCP. Each measurement runs RUNS times, interleaved; medians
# are reported. The rumor nodes' drops are printed at the end.
#
#   scripts/bench-replicate.sh [-r RUNS] [-s SECONDS] [-p PAYLOAD]
#                              [-R RATE] [-C CHANNELS] [-J]
#
# PAYLOAD bytes a message (default 64), CHANNELS the channels published
# round (default 16), -J leaves JetStream out. BUILD=DIR uses that build
# directory (default build/). Last line:
# replicate: quorum_p50_us=<x> jetstream_p50_us=<x> quorum_mps=<x>
#   jetstream_mps=<x> lost_acked=<n>
# (lost_acked: rumor's acked publishes given up or refused, all runs).
set -euo pipefail

. "$(dirname "$0")/bench-lib.sh"
. "$(dirname "$0")/jetstream-lib.sh"
runs=3
secs=5
payload=64
rate=2000
channels=16
js=1
bench_options "r=runs s=secs p=payload R=rate C=channels J=js=0" "$@"
[ "$runs" -ge 1 ] && [ "$secs" -ge 1 ] && [ "$payload" -ge 1 ] &&
	[ "$payload" -le 1300 ] && [ "$rate" -ge 1 ] &&
	[ "$channels" -ge 1 ] ||
	{ echo "bench-replicate: bad arguments" >&2; exit 2; }
[ "$(id -u)" = 0 ] ||
	{ echo "bench-replicate: run as root (namespaces)" >&2; exit 1; }

bench_build
JSB=$BUILD/tests/tools/rumor-jsbench
if [ "$js" = 1 ]; then
	command -v nats-server >/dev/null && [ -x "$JSB" ] ||
		bench_fail "JetStream needs nats-server and libnats-dev" \
			"(apt-get install nats-server libnats-dev, then" \
			"rebuild), or -J to leave it out"
fi

lab_init rp
LAB_IDLE_US=${IDLE_US:-20}
lab_cluster 3 label=replicate voters="1 2 3" "replicas = 3"
lab_host cli 10.77.0.66
CLI=(ip netns exec "$LAB-cli")
lab_up 1 2 3
ALL3="1:alive 2:alive 3:alive "
for i in 1 2 3; do lab_wait_view "$i" "$ALL3" 60; done
lab_wait_epoch 3 1 2 3
if [ "$js" = 1 ]; then
	js_cluster_up "$LAB_DIR/js"
	lab_at_exit js_cluster_down
	"$JSB" --servers "$JS_URLS" --subject rp.bench --stream RPBENCH \
		--replicas 3 --create >/dev/null ||
		bench_fail "could not create the JetStream stream"
fi

lost=0
# rumor_run LEVEL RATE NAME: one rumor bench run, its p50 and rate kept.
rumor_run() {
	local out
	out=$("${CLI[@]}" "$RUMOR" bench --node 10.77.0.1:7946 \
		--bind 10.77.0.66 --ack "$1" --rate "$2" --duration "$secs" \
		--channels "$channels" --size "$payload" 2>&1) || true
	read -r p50 p99 mps below refused gone < <(echo "$out" |
		bench_fields bench: p50_us p99_us rate below refused lost)
	[ -n "${mps:-}" ] || bench_fail "rumor bench failed: $out"
	lost=$((lost + refused + gone))
	bench_sample "$3_p50" "$p50"
	bench_sample "$3_p99" "$p99"
	bench_sample "$3_mps" "$mps"
	echo "   $3: p50 ${p50} us, p99 ${p99} us, ${mps}/s" \
		"(below the level $below, refused $refused, lost $gone)"
}

# js_run MODE NAME: one rumor-jsbench run, its p50 or rate kept.
js_run() {
	local out
	local how=(--rate "$rate")
	[ "$1" = latency ] || how=(--window 64)
	out=$("$JSB" --servers "$JS_URLS" --subject rp.bench --mode "$1" \
		"${how[@]}" --duration "$secs" --size "$payload" 2>&1) ||
		bench_fail "rumor-jsbench failed: $out"
	if [ "$1" = latency ]; then
		read -r p50 p99 < <(echo "$out" |
			bench_fields jsbench: p50_us p99_us)
		bench_sample "$2_p50" "$p50"
		bench_sample "$2_p99" "$p99"
		echo "   $2: p50 ${p50} us, p99 ${p99} us"
	else
		read -r mps < <(echo "$out" | bench_fields jsbench: mps)
		bench_sample "$2_mps" "$mps"
		echo "   $2: ${mps}/s"
	fi
}

# A second of warm-up: every node's routes and ARP entries in place.
"${CLI[@]}" "$RUMOR" bench --node 10.77.0.1:7946 --bind 10.77.0.66 \
	--ack quorum --rate 1000 --duration 1 --channels "$channels" \
	--size "$payload" >/dev/null 2>&1 || true
for r in $(seq 1 "$runs"); do
	say "run $r of $runs"
	rumor_run owner "$rate" owner_lat
	rumor_run quorum "$rate" quorum_lat
	rumor_run owner 1000000 owner_rate
	rumor_run quorum 1000000 quorum_rate
	if [ "$js" = 1 ]; then
		js_run latency js_lat
		js_run rate js_rate
	fi
done

q_p50=$(bench_median_of quorum_lat_p50 1)
j_p50=$(bench_median_of js_lat_p50 1)
q_mps=$(bench_median_of quorum_rate_mps 0)
j_mps=$(bench_median_of js_rate_mps 0)
say "medians of $runs runs, $payload-byte messages"
echo "   latency at $rate/s: owner p50 $(bench_median_of owner_lat_p50 1)" \
	"p99 $(bench_median_of owner_lat_p99 1) us; quorum p50 $q_p50" \
	"p99 $(bench_median_of quorum_lat_p99 1) us; JetStream p50 $j_p50" \
	"p99 $(bench_median_of js_lat_p99 1) us"
echo "   acknowledged a second: owner $(bench_median_of owner_rate_mps 0)," \
	"quorum $q_mps, JetStream $j_mps"
[ "$js" = 0 ] || echo "   quorum against JetStream: p50" \
	"$(bench_ratio "$q_p50" "$j_p50" 3)x, rate" \
	"$(bench_ratio "$q_mps" "$j_mps" 2)x"
for i in 1 2 3; do echo "   node $i drops: $(lab_drops "$i")"; done
bench_report replicate quorum_p50_us="$q_p50" jetstream_p50_us="$j_p50" \
	quorum_mps="$q_mps" jetstream_mps="$j_mps" lost_acked="$lost"
