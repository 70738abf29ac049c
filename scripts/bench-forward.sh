#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Forwarding benchmark. A pcap of rumor DATA messages (1,024 channels over
# a ring of 4 members, about 3/4 owned by other members) is replayed from
# memory by net_pcap (infinite_rx=1) into rumor-dataplane with one
# forwarding lcore; everything leaves through a net_null (no-rx=1) sink.
# In the same invocation dpdk-testpmd runs 5tswap and io on the same vdevs
# and cores. Each of the three runs RUNS times, interleaved; medians are
# compared.
#
#   scripts/bench-forward.sh [-r RUNS] [-s SECONDS] [-l LCORES] [-p PAYLOAD]
#
# LCORES forwarding lcores (default 1; more use one net_pcap RX queue
# each, and share CPUs when there are fewer CPUs than lcores). Last line:
# forward: rumor=<Mpps> testpmd_5tswap=<Mpps> testpmd_io=<Mpps> ratio_5tswap=<x>
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
runs=3
secs=5
lcores=1
payload=16
while getopts "r:s:l:p:h" o; do
	case $o in
	r) runs=$OPTARG ;;
	s) secs=$OPTARG ;;
	l) lcores=$OPTARG ;;
	p) payload=$OPTARG ;;
	*) sed -n '2,16p' "$0"; exit 2 ;;
	esac
done
[ "$runs" -ge 1 ] && [ "$secs" -ge 2 ] && [ "$lcores" -ge 1 ] ||
	{ echo "bench-forward: bad arguments" >&2; exit 2; }

bash "$top/scripts/setup.sh" "$top/build" >/dev/null
B=$top/build
tmp=$(mktemp -d /tmp/rumor-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The main lcore on CPU 0 and forwarding lcore i on CPU i; with more lcores
# than CPUs they wrap around (the main lcore mostly sleeps).
cpus=$(nproc)
map="0@0"
for i in $(seq 1 "$lcores"); do
	map+=",$i@$((i % cpus))"
done
eal=(--no-huge --no-shconf --no-pci -m 256 --lcores "$map" --log-level=error
	--file-prefix "rbench$$")
rxq=""
for _ in $(seq 1 "$lcores"); do
	rxq+=",rx_pcap=$tmp/in.pcap"
done
vdevs=(--vdev="net_pcap0,${rxq#,},infinite_rx=1" --vdev=net_null0,no-rx=1)

# net_pcap's MAC is set by the driver: ask the binary rather than guess.
"$B/tests/tools/rumor-pcapgen" -o "$tmp/probe.pcap" \
	--dst-mac 02:00:00:00:00:01 --dst-ip 10.77.0.1 --count 1 >/dev/null
mac=$("$B/dataplane/rumor-dataplane" "${eal[@]}" \
	--vdev="net_pcap0,rx_pcap=$tmp/probe.pcap" --vdev=net_null0,no-rx=1 \
	-- --list-ports 2>/dev/null | awk '$4 == "net_pcap0" { print $8 }')
[ -n "$mac" ] || { echo "bench-forward: cannot read net_pcap's MAC" >&2; exit 1; }

cat >"$tmp/node.conf" <<EOF
# Node 1 of 4; members reached through port 1 (the net_null sink).
node_id = 1
address = 10.77.0.1
dpdk_port = 1
control_socket = $tmp/node.ctl
sink = 10.77.0.100:9001 mac=02:00:00:00:00:64
member = 1 10.77.0.1
member = 2 10.77.0.2 mac=02:00:00:00:00:02
member = 3 10.77.0.3 mac=02:00:00:00:00:03
member = 4 10.77.0.4 mac=02:00:00:00:00:04
EOF
"$B/tests/tools/rumor-pcapgen" -o "$tmp/in.pcap" --dst-mac "$mac" \
	--dst-ip 10.77.0.1 --count 4096 --channels 1024 --payload "$payload" \
	--config "$tmp/node.conf" | sed 's/^/pcap: /'

# rumor: transmitted frames per second over the run, from its exit report.
run_rumor() {
	"$B/dataplane/rumor-dataplane" "${eal[@]}" "${vdevs[@]}" -- \
		-c "$tmp/node.conf" --duration "$secs" 2>&1 |
		awk '$1 == "rate_tx_pps" { printf "%.3f\n", $2 / 1e6 }'
}

# testpmd: median of port 1's Tx-pps samples, the first two dropped.
# Its stdin is held open (it would quit at EOF before forwarding).
run_testpmd() {
	local mode=$1
	# With --stats-period testpmd runs until signalled.
	{ timeout -s INT -k 5 $((secs + 2)) dpdk-testpmd "${eal[@]}" \
		"${vdevs[@]}" -- --forward-mode="$mode" \
		--total-num-mbufs=16383 --nb-cores="$lcores" --rxq="$lcores" \
		--txq="$lcores" --stats-period 1 --auto-start \
		< <(sleep $((secs + 10))) 2>&1 || true; } |
		awk '/NIC statistics for port 1/ { p = 1 } /NIC statistics for port 0/ { p = 0 }
		     p && /Tx-pps:/ { print $2 }' | tail -n +3 | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.3f\n", v[int((NR + 1) / 2)] / 1e6 }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }

: >"$tmp/rumor"; : >"$tmp/5tswap"; : >"$tmp/io"
for i in $(seq 1 "$runs"); do
	r=$(run_rumor); t=$(run_testpmd 5tswap); o=$(run_testpmd io)
	echo "run $i: rumor $r Mpps, testpmd 5tswap $t Mpps, testpmd io $o Mpps"
	echo "$r" >>"$tmp/rumor"; echo "$t" >>"$tmp/5tswap"; echo "$o" >>"$tmp/io"
done
r=$(median <"$tmp/rumor"); t=$(median <"$tmp/5tswap"); o=$(median <"$tmp/io")
ratio=$(awk -v a="$r" -v b="$t" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
echo "lcores $lcores, payload $payload bytes, $runs runs of ${secs}s, medians:"
echo "forward: rumor=$r testpmd_5tswap=$t testpmd_io=$o ratio_5tswap=$ratio"
