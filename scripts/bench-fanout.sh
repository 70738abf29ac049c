#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fan-out benchmark. rumor-dataplane, node 1 of a ring of 5, owns 16
# channels in each of which the 4 other members are interested; a pcap
# replayed from memory by net_pcap (infinite_rx=1) publishes to them, and
# one forwarding lcore stamps each message and sends it as a FANOUT to the
# 4 members through a net_null (no-rx=1) sink. In the same invocation:
# the same with --fanout-copy (each copy made by rte_pktmbuf_copy), and
# dpdk-testpmd --forward-mode=txonly sending frames of the same size on
# the same sink and core; and zero-copy again with node credentials
# (node_key, roster), each FANOUT copy with its auth block under its
# member's key and the INTERESTs of the pcap with theirs. Each runs RUNS
# times, interleaved; medians of packets out per second are compared.
# Payloads of 1,344 bytes, then 64.
#
#   scripts/bench-fanout.sh [-r RUNS] [-s SECONDS] [-p "PAYLOADS"]
#
# BUILD=DIR uses that build directory (default build/). Last line (the
# first payload, 1,344 bytes unless -p says otherwise):
# fanout: k=4 zerocopy=<Mpps> copy=<Mpps> testpmd_txonly=<Mpps> auth=<Mpps> ratio_auth=<x>
# (auth: zero-copy with credentials; ratio_auth: over zero-copy without).
set -euo pipefail

. "$(dirname "$0")/bench-lib.sh"
runs=3
secs=6
payloads="1344 64"
bench_options "r=runs s=secs p=payloads" "$@"
[ "$runs" -ge 1 ] && [ "$secs" -ge 4 ] && [ -n "$payloads" ] ||
	{ echo "bench-fanout: bad arguments" >&2; exit 2; }

bench_build
lab_begin fanout

# The main lcore on CPU 0, the forwarding lcore on CPU 1 (testpmd: the
# same map, its forwarding core on CPU 1).
bench_eal eal 512 0@0,1@1
bench_vdevs vdevs "$LAB_DIR/in.pcap"
mac=$(bench_pcap_mac eal 10.78.0.1)

bench_sink_conf "$LAB_DIR/node.conf" 10.78.0 5
mkdir -p "$LAB_DIR/creds"
bench_creds "$LAB_DIR/creds" 5
bench_sink_conf "$LAB_DIR/node-auth.conf" 10.78.0 5 "$LAB_DIR/creds"

# rumor: FANOUT copies a second. --stats-interval 1 prints the counters
# every second; the median of the per-second increments of chan_fanout,
# the first two (start-up, interests not yet in force) and the last two
# (the exit report's own short interval) dropped.
# With credentials: run_rumor_conf node-auth.conf auth.pcap.
run_rumor() { run_rumor_conf node.conf in.pcap "$@"; }
run_rumor_conf() {
	local conf=$1 pcap=$2
	shift 2
	bench_vdevs vdevs "$LAB_DIR/$pcap"
	"$B/dataplane/rumor-dataplane" "${eal[@]}" "${vdevs[@]}" -- \
		-c "$LAB_DIR/$conf" --duration "$secs" --stats-interval 1 \
		--mbufs 32767 --bench-chained-tx "$@" 2>&1 |
		bench_per_second chan_fanout 1e6 6 | tail -n +3 | head -n -2 |
		bench_median 3
}

# testpmd txonly on the sink alone (--portmask 0x2), frames of the size
# rumor sends.
run_testpmd() {
	bench_testpmd "$secs" "${eal[@]}" "${vdevs[@]}" -- \
		--forward-mode=txonly --txpkts="$1" --portmask=0x2 --nb-cores=1
}

first=()
for p in $payloads; do
	"$B/tests/tools/rumor-pcapgen" -o "$LAB_DIR/in.pcap" --dst-mac "$mac" \
		--dst-ip 10.78.0.1 --count 4096 --channels 16 --payload "$p" \
		--config "$LAB_DIR/node.conf" --owned-by 1 --interest 4 >/dev/null
	"$B/tests/tools/rumor-pcapgen" -o "$LAB_DIR/auth.pcap" --dst-mac "$mac" \
		--dst-ip 10.78.0.1 --count 4096 --channels 16 --payload "$p" \
		--config "$LAB_DIR/node.conf" --owned-by 1 --interest 4 \
		--creds "$LAB_DIR/creds" >/dev/null
	# The frame rumor sends is the PUBLISH frame and FANOUT's 16-byte
	# fixed part (names differ in length: the median frame).
	frame=$(tshark -r "$LAB_DIR/in.pcap" -T fields -e frame.len \
		-Y "frame.number > 64" 2>/dev/null | bench_median 3)
	frame=$((${frame%.*} + 16))
	for i in $(seq 1 "$runs"); do
		z=$(run_rumor); c=$(run_rumor --fanout-copy)
		a=$(run_rumor_conf node-auth.conf auth.pcap)
		t=$(run_testpmd "$frame")
		echo "payload $p (frames of $frame bytes) run $i: zero-copy $z Mpps, copy $c Mpps, zero-copy with auth $a Mpps, testpmd txonly $t Mpps"
		bench_sample "zc$p" "$z"; bench_sample "cp$p" "$c"
		bench_sample "au$p" "$a"; bench_sample "tx$p" "$t"
	done
	z=$(bench_median_of "zc$p" 3)
	c=$(bench_median_of "cp$p" 3)
	a=$(bench_median_of "au$p" 3)
	t=$(bench_median_of "tx$p" 3)
	echo "payload $p: medians of $runs runs of ${secs}s: zero-copy $z Mpps, copy $c Mpps, with auth $a Mpps, testpmd txonly $t Mpps; zero-copy/txonly $(bench_ratio "$z" "$t" 3), zero-copy/copy $(bench_ratio "$z" "$c" 2), auth/zero-copy $(bench_ratio "$a" "$z" 3)"
	[ ${#first[@]} -gt 0 ] || first=("k=4" "zerocopy=$z" "copy=$c" "testpmd_txonly=$t" "auth=$a" "ratio_auth=$(bench_ratio "$a" "$z" 3)")
done
bench_report fanout "${first[@]}"
