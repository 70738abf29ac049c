#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Forwarding benchmark. A pcap of rumor DATA messages (1,024 channels over
# a ring of 4 members, about 3/4 owned by other members) is replayed from
# memory by net_pcap (infinite_rx=1) into rumor-dataplane with one
# forwarding lcore; everything leaves through a net_null (no-rx=1) sink.
# In the same invocation dpdk-testpmd runs 5tswap and io on the same vdevs
# and cores, and rumor again with node credentials (node_key, roster), so
# that every forwarded message gets its auth block (docs/protocol.md,
# "Auth block"). Each of the four runs RUNS times, interleaved; medians
# are compared.
#
#   scripts/bench-forward.sh [-r RUNS] [-s SECONDS] [-l LCORES] [-p PAYLOAD]
#
# LCORES forwarding lcores (default 1; more use one net_pcap RX queue
# each, and share CPUs when there are fewer CPUs than lcores). Last line:
# forward: rumor=<Mpps> testpmd_5tswap=<Mpps> testpmd_io=<Mpps> ratio_5tswap=<x> auth=<Mpps> ratio_auth=<x>
# (ratio_auth: authenticated over unauthenticated rumor, same run).
set -euo pipefail

. "$(dirname "$0")/bench-lib.sh"
runs=3
secs=5
lcores=1
payload=16
bench_options "r=runs s=secs l=lcores p=payload" "$@"
[ "$runs" -ge 1 ] && [ "$secs" -ge 2 ] && [ "$lcores" -ge 1 ] ||
	{ echo "bench-forward: bad arguments" >&2; exit 2; }

bench_build
lab_begin fwd

# The main lcore on CPU 0 and forwarding lcore i on CPU i; with more lcores
# than CPUs they wrap around (the main lcore mostly sleeps).
cpus=$(nproc)
map="0@0"
for i in $(seq 1 "$lcores"); do
	map+=",$i@$((i % cpus))"
done
bench_eal eal 256 "$map"
bench_vdevs vdevs "$LAB_DIR/in.pcap" "$lcores"
mac=$(bench_pcap_mac eal 10.77.0.1)

bench_sink_conf "$LAB_DIR/node.conf" 10.77.0 4
mkdir -p "$LAB_DIR/creds"
bench_creds "$LAB_DIR/creds" 4
bench_sink_conf "$LAB_DIR/node-auth.conf" 10.77.0 4 "$LAB_DIR/creds"
"$B/tests/tools/rumor-pcapgen" -o "$LAB_DIR/in.pcap" --dst-mac "$mac" \
	--dst-ip 10.77.0.1 --count 4096 --channels 1024 --payload "$payload" \
	--config "$LAB_DIR/node.conf" | sed 's/^/pcap: /'

# rumor [CONF]: transmitted frames per second over the run, from its exit
# report; CONF defaults to node.conf (no credentials).
run_rumor() {
	"$B/dataplane/rumor-dataplane" "${eal[@]}" "${vdevs[@]}" -- \
		-c "$LAB_DIR/${1:-node.conf}" --duration "$secs" 2>&1 |
		awk '$1 == "rate_tx_pps" { printf "%.3f\n", $2 / 1e6 }'
}

# testpmd MODE: the same vdevs and lcores, forwarding in that mode.
run_testpmd() {
	bench_testpmd "$secs" "${eal[@]}" "${vdevs[@]}" -- \
		--forward-mode="$1" --nb-cores="$lcores" --rxq="$lcores" \
		--txq="$lcores"
}

for i in $(seq 1 "$runs"); do
	r=$(run_rumor); a=$(run_rumor node-auth.conf)
	t=$(run_testpmd 5tswap); o=$(run_testpmd io)
	echo "run $i: rumor $r Mpps, rumor with auth $a Mpps, testpmd 5tswap $t Mpps, testpmd io $o Mpps"
	bench_sample rumor "$r"; bench_sample auth "$a"
	bench_sample 5tswap "$t"; bench_sample io "$o"
done
r=$(bench_median_of rumor 3)
a=$(bench_median_of auth 3)
t=$(bench_median_of 5tswap 3)
o=$(bench_median_of io 3)
echo "lcores $lcores, payload $payload bytes, $runs runs of ${secs}s, medians:"
bench_report forward "rumor=$r" "testpmd_5tswap=$t" "testpmd_io=$o" \
	"ratio_5tswap=$(bench_ratio "$r" "$t" 3)" "auth=$a" \
	"ratio_auth=$(bench_ratio "$a" "$r" 3)"
