#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fan-out benchmark. rumor-dataplane, node 1 of a ring of 5, owns 16
# channels in each of which the 4 other members are interested; a pcap
# replayed from memory by net_pcap (infinite_rx=1) publishes to them, and
# one forwarding lcore stamps each message and sends it as a FANOUT to the
# 4 members through a net_null (no-rx=1) sink. In the same invocation:
# the same with --fanout-copy (each copy made by rte_pktmbuf_copy), and
# dpdk-testpmd --forward-mode=txonly sending frames of the same size on
# the same sink and core. Each runs RUNS times, interleaved; medians of
# packets out per second are compared. Payloads of 1,400 bytes, then 64.
#
#   scripts/bench-fanout.sh [-r RUNS] [-s SECONDS] [-p "PAYLOADS"]
#
# BUILD=DIR uses that build directory (default build/). Last line (the
# first payload, 1,400 bytes unless -p says otherwise):
# fanout: k=4 zerocopy=<Mpps> copy=<Mpps> testpmd_txonly=<Mpps>
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=3
secs=6
payloads="1400 64"
while getopts "r:s:p:h" o; do
	case $o in
	r) runs=$OPTARG ;;
	s) secs=$OPTARG ;;
	p) payloads=$OPTARG ;;
	*) sed -n '2,18p' "$0"; exit 2 ;;
	esac
done
[ "$runs" -ge 1 ] && [ "$secs" -ge 4 ] && [ -n "$payloads" ] ||
	{ echo "bench-fanout: bad arguments" >&2; exit 2; }

B=${BUILD:-$top/build}
bash "$top/scripts/setup.sh" "$B" >/dev/null
tmp=$(mktemp -d /tmp/rumor-fanout.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The main lcore on CPU 0, the forwarding lcore on CPU 1 (testpmd: the
# same map, its forwarding core on CPU 1).
eal=(--no-huge --no-shconf --no-pci -m 512 --lcores 0@0,1@1
	--log-level=error --file-prefix "rfanout$$")
vdevs=(--vdev="net_pcap0,rx_pcap=$tmp/in.pcap,infinite_rx=1"
	--vdev=net_null0,no-rx=1)

"$B/tests/tools/rumor-pcapgen" -o "$tmp/probe.pcap" \
	--dst-mac 02:00:00:00:00:01 --dst-ip 10.78.0.1 --count 1 >/dev/null
mac=$("$B/dataplane/rumor-dataplane" "${eal[@]}" \
	--vdev="net_pcap0,rx_pcap=$tmp/probe.pcap" --vdev=net_null0,no-rx=1 \
	-- --list-ports 2>/dev/null | awk '$4 == "net_pcap0" { print $8 }')
[ -n "$mac" ] || { echo "bench-fanout: cannot read net_pcap's MAC" >&2; exit 1; }

cat >"$tmp/node.conf" <<EOF
# Node 1 of 5; members reached through port 1 (the net_null sink).
node_id = 1
address = 10.78.0.1
dpdk_port = 1
control_socket = $tmp/node.ctl
sink = 10.78.0.100:9001 mac=02:00:00:00:00:64
member = 1 10.78.0.1
member = 2 10.78.0.2 mac=02:00:00:00:00:02
member = 3 10.78.0.3 mac=02:00:00:00:00:03
member = 4 10.78.0.4 mac=02:00:00:00:00:04
member = 5 10.78.0.5 mac=02:00:00:00:00:05
EOF

# rumor: FANOUT copies a second. --stats-interval 1 prints the counters
# every second; the median of the per-second increments of chan_fanout,
# the first two (start-up, interests not yet in force) and the last two
# (the exit report's own short interval) dropped.
run_rumor() {
	"$B/dataplane/rumor-dataplane" "${eal[@]}" "${vdevs[@]}" -- \
		-c "$tmp/node.conf" --duration "$secs" --stats-interval 1 \
		--mbufs 32767 --bench-chained-tx "$@" 2>&1 |
		awk '/^rumor-dataplane statistics/ { t = $(NF - 1); sub(/\(/, "", t) }
		     $1 == "chan_fanout" { if (n++ && t > pt)
				printf "%.6f\n", ($2 - pv) / (t - pt) / 1e6
			pv = $2; pt = t }' | tail -n +3 | head -n -2 | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.3f\n", v[int((NR + 1) / 2)]; else print 0 }'
}

# testpmd txonly on the sink alone (--portmask 0x2), frames of the size
# rumor sends: median of its per-second Tx-pps, the first two dropped.
run_testpmd() {
	{ timeout -s INT -k 5 $((secs + 2)) dpdk-testpmd "${eal[@]}" \
		"${vdevs[@]}" -- --forward-mode=txonly --txpkts="$1" \
		--portmask=0x2 --total-num-mbufs=16383 --nb-cores=1 \
		--stats-period 1 --auto-start \
		< <(sleep $((secs + 10))) 2>&1 || true; } |
		awk '/NIC statistics for port 1/ { p = 1 } /NIC statistics for port 0/ { p = 0 }
		     p && /Tx-pps:/ { print $2 }' | tail -n +3 | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.3f\n", v[int((NR + 1) / 2)] / 1e6; else print 0 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }

last=""
for p in $payloads; do
	"$B/tests/tools/rumor-pcapgen" -o "$tmp/in.pcap" --dst-mac "$mac" \
		--dst-ip 10.78.0.1 --count 4096 --channels 16 --payload "$p" \
		--config "$tmp/node.conf" --owned-by 1 --interest 4 >/dev/null
	# The frame rumor sends is the PUBLISH frame and FANOUT's 16-byte
	# fixed part (names differ in length: the median frame).
	frame=$(tshark -r "$tmp/in.pcap" -T fields -e frame.len \
		-Y "frame.number > 64" 2>/dev/null | median)
	frame=$((${frame%.*} + 16))
	: >"$tmp/zc"; : >"$tmp/cp"; : >"$tmp/tx"
	for i in $(seq 1 "$runs"); do
		z=$(run_rumor); c=$(run_rumor --fanout-copy)
		t=$(run_testpmd "$frame")
		echo "payload $p (frames of $frame bytes) run $i: zero-copy $z Mpps, copy $c Mpps, testpmd txonly $t Mpps"
		echo "$z" >>"$tmp/zc"; echo "$c" >>"$tmp/cp"; echo "$t" >>"$tmp/tx"
	done
	z=$(median <"$tmp/zc"); c=$(median <"$tmp/cp"); t=$(median <"$tmp/tx")
	zt=$(awk -v a="$z" -v b="$t" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
	zc=$(awk -v a="$z" -v b="$c" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
	echo "payload $p: medians of $runs runs of ${secs}s: zero-copy $z Mpps, copy $c Mpps, testpmd txonly $t Mpps; zero-copy/txonly $zt, zero-copy/copy $zc"
	[ -n "$last" ] || last="fanout: k=4 zerocopy=$z copy=$c testpmd_txonly=$t"
done
echo "$last"
