#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end benchmark: a publisher, two nodes, a subscriber.
#
# rumor: node A (id 1) and node B (id 2), two rumor-dataplane processes
# with one forwarding lcore each, linked by net_memif. Channels are owned
# by B; the subscriber subscribed at B; the publisher publishes at A, so
# every message goes publisher -> A (forwarded to the owner) -> B (stamped,
# history, DELIVER) -> subscriber.
#   - rate: A's input is a pcap of PUBLISH replayed by net_pcap
#     (infinite_rx=1), as fast as A takes it; B's subscriber is behind a
#     net_pcap port that read one SUBSCRIBE per channel from a pcap and
#     drops what it is sent. Messages a second: B's DELIVERs a second.
#   - latency, device path: every link a net_memif. A's process also
#     hosts the probe (rumor-dataplane --bench-probe), polled by A's
#     forwarding lcore: a publisher on a port whose memif peer is A's
#     ingress port, sending at --rate, and a subscriber on a port whose
#     memif peer is B's subscriber-facing port; each message carries its
#     send time (CLOCK_MONOTONIC), its DELIVER is timed on arrival.
#   - latency, user-facing path (-T leaves it out): the same nodes with
#     net_tap ports instead, each in its own network namespace:
#     rumor-krelay gen publishes at --rate through A's tap and
#     rumor-krelay sink, subscribed through B's tap, measures the one-way
#     latency (both on this host's clock).
# kernel: the same path on loopback UDP sockets, rumor-krelay gen ->
# relay A -> relay B -> sink, the relays one pinned core each
# (recvmmsg/sendmmsg batches), the same DATA messages: flat out for the
# rate; for the device-path latency the probe in relay A's thread as in
# node A's lcore (relay --probe-sink), relays blocking in the kernel
# (their design: the figure compared) and, as a second configuration,
# polling their sockets without sleeping as rumor's lcores do (--poll);
# for the user-facing latency, gen and sink processes of their own.
#
# Each path forwards on two cores, one per hop, and each core moves every
# message: messages a second per forwarding core is the path's rate.
# Each measurement runs RUNS times, interleaved; medians are reported.
#
#   scripts/bench-e2e.sh [-r RUNS] [-s SECONDS] [-p PAYLOAD] [-R RATE] [-T]
#
# PAYLOAD bytes a message (default 64), RATE messages a second of the
# latency runs (default 10000). BUILD=DIR uses that build directory
# (default build/); IDLE_OPT="--idle-sleep US" is given to both nodes in
# the latency runs (default: none, the nodes poll without sleeping).
# Last line:
# e2e: rumor_mps=<x> kernel_mps=<x> rumor_p50_us=<x> kernel_p50_us=<x>
# with the device-path latencies (kernel: blocking relays).
set -euo pipefail

. "$(dirname "$0")/bench-lib.sh"
runs=3
secs=6
payload=64
rate=10000
idle_opt=${IDLE_OPT:-}
taps=1
bench_options "r=runs s=secs p=payload R=rate T=taps=0" "$@"
[ "$runs" -ge 1 ] && [ "$secs" -ge 4 ] && [ "$payload" -ge 20 ] &&
	[ "$payload" -le 1344 ] && [ "$rate" -ge 1 ] ||
	{ echo "bench-e2e: bad arguments" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench-e2e: run as root (namespaces)" >&2; exit 1; }

bench_build
lab_begin e2e
GEN=$B/tests/tools/rumor-pcapgen
KR=$B/tests/tools/rumor-krelay
tmp=$LAB_DIR
id=$$
# Node A's namespace and node B's, for the user-facing path.
lab_netns a
lab_netns b
nsa=$LAB-a
nsb=$LAB-b

mac_a=02:00:00:79:00:01
mac_b=02:00:00:79:00:02
cat >"$tmp/a.conf" <<EOF
# Node A: publishers come in on port 0, B is reached on port 1 (memif).
# Channels unreplicated: the path from publisher to subscriber alone.
node_id = 1
replicas = 1
client_auth = none
address = 10.79.0.1
dpdk_port = 1
control_socket = $tmp/a.ctl
member = 1 10.79.0.1
member = 2 10.79.0.2 mac=$mac_b
EOF
cat >"$tmp/b.conf" <<EOF
# Node B: A on port 0 (memif), subscribers on port 1.
node_id = 2
replicas = 1
client_auth = none
address = 10.79.0.2
dpdk_port = 0
control_socket = $tmp/b.ctl
member = 1 10.79.0.1 mac=$mac_a
member = 2 10.79.0.2
EOF

# Node A's forwarding lcore on CPU 1, B's on CPU 0; each main lcore (the
# control thread, which sleeps between rounds) on the other CPU.
bench_eal eal_a 512 0@0,1@1 a
bench_eal eal_b 512 0@1,1@0 b
memif_b=$(bench_memif 0 server "$tmp/ab.sock" "$mac_b")
memif_a=$(bench_memif 1 client "$tmp/ab.sock" "$mac_a")
# The device-path probe: A's ingress (port 0) and the probe's publisher
# (A's port 2) share pa.sock; B's subscriber-facing port (1) and the
# probe's subscriber (A's port 3) share bs.sock.
mac_bs=02:00:00:79:00:12
probe_b=$(bench_memif 1 server "$tmp/bs.sock" "$mac_bs")
probe_a=(--vdev="$(bench_memif 0 server "$tmp/pa.sock" 02:00:00:79:00:11)"
	--vdev="$memif_a"
	--vdev="$(bench_memif 2 client "$tmp/pa.sock" 02:00:00:79:00:50)"
	--vdev="$(bench_memif 3 client "$tmp/bs.sock" 02:00:00:79:00:60)")

pmac=$(bench_pcap_mac eal_a 10.79.0.1)
# 16 channels owned by B: PUBLISH into A, SUBSCRIBE into B.
"$GEN" -o "$tmp/pub.pcap" --dst-mac "$pmac" --dst-ip 10.79.0.1 \
	--src-ip 10.79.0.50 --count 4096 --channels 16 --payload "$payload" \
	--config "$tmp/a.conf" --owned-by 2 >/dev/null
"$GEN" -o "$tmp/sub.pcap" --dst-mac "$pmac" --dst-ip 10.79.0.2 \
	--src-ip 10.79.0.60 --src-port 9000 --channels 16 --subscribe \
	--config "$tmp/b.conf" --owned-by 2 >/dev/null
# The latency runs use one of them: the name of the first DATA frame.
chan=$(python3 - "$tmp/pub.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
f = d[24 + 16:]
n = struct.unpack('>H', f[42 + 6:42 + 8])[0]
print(f[42 + 40:42 + 40 + n].decode())
EOF
)

# Per-second increments of one counter in a dataplane's --stats-interval 1
# output, while the publisher runs: the first three (A starting, the link
# coming up) and the last two (A stopping) dropped; the median.
counter_rate() {
	bench_per_second "$1" | tail -n +4 | head -n -2 | bench_median 1
}

# rumor, rate: B first (memif server), then A; B's DELIVERs a second.
rumor_rate() {
	rm -f "$tmp/ab.sock"
	"$DP" "${eal_b[@]}" --vdev="$memif_b" \
		--vdev="net_pcap1,rx_pcap=$tmp/sub.pcap" -- -c "$tmp/b.conf" \
		--duration $((secs + 4)) --stats-interval 1 >"$tmp/b.log" 2>&1 &
	local pb=$!
	lab_pid "$pb"
	sleep 1
	"$DP" "${eal_a[@]}" --vdev="net_pcap0,rx_pcap=$tmp/pub.pcap,infinite_rx=1" \
		--vdev="$memif_a" -- -c "$tmp/a.conf" --duration $((secs + 2)) \
		>"$tmp/a.log" 2>&1 || true
	wait "$pb" || true
	counter_rate chan_delivered <"$tmp/b.log"
}

# rumor, latency: the nodes in their namespaces with taps; krelay gen in
# A's namespace, krelay sink (subscribed at B) in B's.
rumor_latency() {
	local ta=rka$id tb=rkb$id pa pb ps
	rm -f "$tmp/ab.sock"
	ip netns exec "$nsb" "$DP" "${eal_b[@]}" --vdev="$memif_b" \
		--vdev="net_tap1,iface=$tb" -- -c "$tmp/b.conf" $idle_opt \
		--duration $((secs + 6)) >"$tmp/bl.log" 2>&1 &
	pb=$!
	lab_pid "$pb"
	sleep 1
	ip netns exec "$nsa" "$DP" "${eal_a[@]}" --vdev="net_tap0,iface=$ta" \
		--vdev="$memif_a" -- -c "$tmp/a.conf" $idle_opt \
		--duration $((secs + 4)) \
		>"$tmp/al.log" 2>&1 &
	pa=$!
	lab_pid "$pa"
	for _ in $(seq 50); do
		ip -n "$nsa" link show "$ta" >/dev/null 2>&1 &&
			ip -n "$nsb" link show "$tb" >/dev/null 2>&1 && break
		sleep 0.1
	done
	ip -n "$nsa" addr add 10.79.0.50/24 dev "$ta"
	ip -n "$nsa" link set "$ta" up
	ip -n "$nsb" addr add 10.79.0.60/24 dev "$tb"
	ip -n "$nsb" link set "$tb" up
	sleep 1
	ip netns exec "$nsb" "$KR" sink --listen 10.79.0.60:9000 \
		--subscribe 10.79.0.2:7946 --channel "$chan" \
		--duration $((secs + 1)) --skip 1.5 >"$tmp/sink.log" 2>&1 &
	ps=$!
	lab_pid "$ps"
	sleep 0.5
	ip netns exec "$nsa" "$KR" gen --to 10.79.0.1:7946 --channel "$chan" \
		--size "$payload" --rate "$rate" --duration "$secs" \
		>/dev/null 2>&1 || true
	wait "$ps" || true
	wait "$pa" || true
	wait "$pb" || true
	bench_fields krelay: p50_us p99_us received <"$tmp/sink.log"
}

# rumor, latency on the device path: B (memif server of the A link and
# of the subscriber's port), then A with the probe (--bench-probe), whose
# "probe:" line gives p50, p99 and the messages counted.
rumor_probe() {
	local pb spec="gen=2,to=0,sink=3,node=10.79.0.2:7946,node-mac=$mac_bs"
	spec+=",channel=$chan,rate=$rate,size=$payload,secs=$secs,skip=1.5"
	rm -f "$tmp/ab.sock" "$tmp/bs.sock" "$tmp/pa.sock"
	"$DP" "${eal_b[@]}" --vdev="$memif_b" --vdev="$probe_b" \
		-- -c "$tmp/b.conf" $idle_opt --duration $((secs + 6)) \
		>"$tmp/bp.log" 2>&1 &
	pb=$!
	lab_pid "$pb"
	sleep 1
	"$DP" "${eal_a[@]}" "${probe_a[@]}" -- -c "$tmp/a.conf" $idle_opt \
		--duration $((secs + 4)) --bench-probe "$spec" \
		>"$tmp/ap.log" 2>&1 || true
	wait "$pb" || true
	bench_fields probe: p50_us p99_us counted <"$tmp/ap.log"
}

# kernel, latency on the device path: relay B, then relay A hosting the
# probe (it publishes to itself and is the sink), pinned as the nodes'
# lcores are; $1 is "" (block in the kernel) or --poll.
kernel_probe() {
	local mode=$1 base=$((20000 + id % 20000)) pb
	taskset -c 0 "$KR" relay --listen 127.0.0.1:$((base + 2)) \
		--to 127.0.0.1:$((base + 3)) --duration $((secs + 2)) $mode \
		>/dev/null 2>&1 &
	pb=$!
	lab_pid "$pb"
	sleep 0.3
	taskset -c 1 "$KR" relay --listen 127.0.0.1:$((base + 1)) \
		--to 127.0.0.1:$((base + 2)) --duration $((secs + 1)) $mode \
		--probe-sink 127.0.0.1:$((base + 3)) --rate "$rate" \
		--size "$payload" --probe-secs "$secs" --skip 1.5 \
		>"$tmp/kprobe.log" 2>&1 || true
	wait "$pb" || true
	bench_fields krelay: p50_us p99_us received <"$tmp/kprobe.log"
}

# kernel: sink, relay B, relay A, gen on loopback; the relays pinned as
# the nodes' lcores are (A on CPU 1, B on CPU 0).
kernel_run() {
	local r=$1 skip=$2 base=$((20000 + id % 20000)) ps pa pb
	"$KR" sink --listen 127.0.0.1:$((base + 3)) --duration $((secs + 1)) \
		--skip "$skip" >"$tmp/ksink.log" 2>&1 &
	ps=$!
	taskset -c 0 "$KR" relay --listen 127.0.0.1:$((base + 2)) \
		--to 127.0.0.1:$((base + 3)) --duration $((secs + 1)) \
		>/dev/null 2>&1 &
	pb=$!
	taskset -c 1 "$KR" relay --listen 127.0.0.1:$((base + 1)) \
		--to 127.0.0.1:$((base + 2)) --duration $((secs + 1)) \
		>/dev/null 2>&1 &
	pa=$!
	lab_pid "$ps" "$pb" "$pa"
	sleep 0.3
	"$KR" gen --to 127.0.0.1:$((base + 1)) --size "$payload" --rate "$r" \
		--duration "$secs" >/dev/null 2>&1 || true
	wait "$ps" "$pb" "$pa" || true
	bench_fields krelay: rate p50_us p99_us <"$tmp/ksink.log"
}

for i in $(seq 1 "$runs"); do
	# Called without a subshell (output to a file), so that the exit
	# trap knows every process started.
	rumor_rate >"$tmp/o"; rm=$(cat "$tmp/o")
	kernel_run 0 2 >"$tmp/o"; km=$(awk '{ print $1 }' "$tmp/o")
	rumor_probe >"$tmp/o"; rp=$(cat "$tmp/o")
	kernel_probe "" >"$tmp/o"; kp=$(cat "$tmp/o")
	kernel_probe --poll >"$tmp/o"; kq=$(cat "$tmp/o")
	echo "run $i: rate rumor $rm msg/s, kernel $km msg/s; device-path latency us p50/p99 (received): rumor ${rp:-none}, kernel ${kp:-none}, kernel polling ${kq:-none}"
	bench_sample r_mps "$rm"; bench_sample k_mps "${km:-0}"
	bench_sample rp_lat "${rp:-0 0 0}"; bench_sample kp_lat "${kp:-0 0 0}"
	bench_sample kq_lat "${kq:-0 0 0}"
	if [ "$taps" = 1 ]; then
		rumor_latency >"$tmp/o"; rl=$(cat "$tmp/o")
		kernel_run "$rate" 1.5 >"$tmp/o"; kl=$(awk '{ print $2, $3 }' "$tmp/o")
		echo "run $i: user-facing latency us p50/p99 (received): rumor through taps ${rl:-none}, kernel ${kl:-none}"
		bench_sample r_lat "${rl:-0 0 0}"; bench_sample k_lat "${kl:-0 0}"
	fi
done
# col NAME FIELD: the median of that field of NAME's samples.
col() { bench_median_of "$1" 2 "$2"; }
ratio() { bench_ratio "$1" "$2" 2; }
rm=$(bench_median_of r_mps 1); km=$(bench_median_of k_mps 1)
rp50=$(col rp_lat 1); rp99=$(col rp_lat 2)
kp50=$(col kp_lat 1); kp99=$(col kp_lat 2)
kq50=$(col kq_lat 1); kq99=$(col kq_lat 2)
echo "payload $payload bytes, $runs runs of ${secs}s, latency at $rate msg/s, medians:"
echo "rate per forwarding core: rumor $rm msg/s, kernel $km msg/s (rumor/kernel $(ratio "$rm" "$km"))"
if [ "$taps" = 1 ]; then
	rl50=$(col r_lat 1); rl99=$(col r_lat 2)
	kl50=$(col k_lat 1); kl99=$(col k_lat 2)
	echo "latency, user-facing path (kernel clients; rumor through taps): rumor p50 $rl50 us p99 $rl99 us, kernel p50 $kl50 us p99 $kl99 us (rumor/kernel p50 $(ratio "$rl50" "$kl50"))"
fi
echo "latency, kernel relays polling: kernel p50 $kq50 us p99 $kq99 us (rumor/kernel p50 $(ratio "$rp50" "$kq50"))"
echo "latency: rumor p50 $rp50 us p99 $rp99 us, kernel p50 $kp50 us p99 $kp99 us (device path, kernel relays blocking; rumor/kernel p50 $(ratio "$rp50" "$kp50"))"
bench_report e2e "rumor_mps=$rm" "kernel_mps=$km" "rumor_p50_us=$rp50" \
	"kernel_p50_us=$kp50"
