#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Five real nodes, each rumor-dataplane + rumor-control started by
# scripts/rumor-node.sh inside its own network namespace, on one L2
# segment (veth pairs to a bridge in a separate namespace, net_af_packet
# ports, --idle-sleep so that five nodes share two cores). Checks:
#   1. all five converge to one view;
#   2. kill -9 of a node's two processes: the other four hold it dead, and
#      their dataplanes route its channels to the survivors (every message
#      reaches the owner the four-member ring names, exactly once);
#   3. restarted, it rejoins (alive in every view again);
#   4. kill -9 of one rumor-control: its dataplane keeps forwarding; a new
#      rumor-control resynchronises with a higher incarnation;
#   5. a partition ({1,2,3} | {4,5}: their links moved to another bridge)
#      splits the views, and healing merges them with no manual step;
#   6. a node with the wrong key, then one with the wrong label, never
#      joins, and the others count what they refused.
. "$(dirname "$0")/lib.sh"

lab_init five
CTL=$BUILD/control/rumor-control
RUMORCTL=$BUILD/control/rumorctl
UDPTEST=$BUILD/tests/tools/rumor-udptest
NODE_SH=$(cd "$(dirname "$0")/../../scripts" && pwd)/rumor-node.sh
[ -x "$CTL" ] && [ -x "$RUMORCTL" ] || die "build rumor-control first"
RUN=$LAB_DIR/run
mkdir -p "$RUN"

# Processes started by rumor-node.sh are not in LAB_PIDS: kill them too.
five_cleanup() {
	local f
	for f in "$RUN"/*.pid; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true
	done
	lab_cleanup
}
trap five_cleanup EXIT

"$RUMORCTL" keygen >"$LAB_DIR/keys"
"$RUMORCTL" keygen >"$LAB_DIR/otherkeys"
chmod 600 "$LAB_DIR/keys" "$LAB_DIR/otherkeys"

# conf I [KEYS] [LABEL]: node I's configuration file.
conf() {
	local i=$1 keys=${2:-$LAB_DIR/keys} label=${3:-lab}
	cat >"$LAB_DIR/n$i.conf" <<EOF
node_id = $i
address = 10.77.0.$i
udp_port = 7946
sink = 10.77.0.100:900$i
control_socket = $LAB_DIR/n$i.ctl
admin_socket = $LAB_DIR/n$i.admin
keyring = $keys
label = $label
seed = 10.77.0.1
seed = 10.77.0.2
probe_interval_ms = 500
probe_timeout_ms = 200
suspicion_mult = 3
gossip_interval_ms = 100
sync_interval_ms = 5000
member = $i 10.77.0.$i
EOF
}

# start I: both processes of node I, in its namespace.
start() {
	ip netns exec "$LAB-n$1" bash "$NODE_SH" start \
		--config "$LAB_DIR/n$1.conf" --build "$BUILD" \
		--log-dir "$LAB_DIR" --run-dir "$RUN" --timeout 60 -- \
		--no-huge --no-shconf --no-pci -m 256 -l 0-1 \
		--file-prefix "${LAB}n$1" --log-level=lib.eal:error \
		--vdev="net_af_packet0,iface=n$1-dp,qdisc_bypass=1,framecnt=4096" \
		-- --idle-sleep 50 >>"$LAB_DIR/launcher.log" 2>&1 ||
		{ tail -n 30 "$LAB_DIR"/node-"$1".*.log; die "node $1 did not start"; }
	LAB_PREFIXES+=("${LAB}n$1")
}

kill9() { kill -KILL "$(cat "$RUN/node-$1.$2.pid")" 2>/dev/null || true; }

members() { "$RUMORCTL" --socket "$LAB_DIR/n$1.admin" members 2>/dev/null; }

# view I: "id:state ..." of node I's member table, sorted by id.
view() {
	members "$1" | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9.]+:[0-9]+$/ { printf "%s:%s ", $1, $3 }'
}

# wait_view I WANT TIMEOUT: until node I's view is exactly WANT.
wait_view() {
	local i=$1 want=$2 t=$3 k
	for k in $(seq 1 $((t * 5))); do
		[ "$(view "$i")" = "$want" ] && return 0
		sleep 0.2
	done
	echo "node $i sees: $(view "$i")"
	members "$i" || true
	die "node $i: view is not '$want' after ${t}s"
}

ctl_stat() {
	"$RUMORCTL" --socket "$LAB_DIR/n$1.admin" stats 2>/dev/null |
		awk -v k="$2" '$1 == k { print $2 }'
}

# deliver ID...: messages (COUNT, default 2000) through the first node
# listed; each must reach the owner that the ring of exactly these
# members names, once.
deliver() {
	local ids=("$@") args=() i count=${COUNT:-2000}
	{
		echo "node_id = ${ids[0]}"
		echo "address = 10.77.0.${ids[0]}"
		for i in "${ids[@]}"; do echo "member = $i 10.77.0.$i"; done
	} >"$LAB_DIR/expect.conf"
	for i in "${ids[@]}"; do
		args+=(--sink "$i=900$i")
		wait_ring "${LAB}n$i" "${#ids[@]}"
	done
	"${NS[@]}" "$UDPTEST" --config "$LAB_DIR/expect.conf" \
		--node "10.77.0.${ids[0]}:7946" --bind 10.77.0.100 \
		"${args[@]}" --count "$count" --channels 500 --rate 4000 \
		>"$LAB_DIR/udptest.out" 2>&1 || true
	grep -q "udptest: PASS" "$LAB_DIR/udptest.out" ||
		{ cat "$LAB_DIR/udptest.out"; die "deliveries to ring of ${ids[*]}"; }
	echo "ok: $count messages reached their owners on the ring of ${ids[*]}"
}

ALL5="1:alive 2:alive 3:alive 4:alive 5:alive "
for i in 1 2 3 4 5; do
	lab_port "n$i"
	conf "$i"
done

say "start five nodes"
for i in 1 2 3 4 5; do start "$i"; done
for i in 1 2 3 4 5; do wait_view "$i" "$ALL5" 60; done
echo "ok: one view of five members on every node"
deliver 1 2 3 4 5

say "kill -9 node 5 (both processes)"
kill9 5 control
kill9 5 dataplane
for i in 1 2 3 4; do
	wait_view "$i" "1:alive 2:alive 3:alive 4:alive 5:dead " 30
done
echo "ok: nodes 1-4 hold node 5 dead"
deliver 1 2 3 4

say "restart node 5: it rejoins"
start 5
for i in 1 2 3 4 5; do wait_view "$i" "$ALL5" 60; done
echo "ok: node 5 alive again in every view"
deliver 1 2 3 4 5

say "kill -9 rumor-control of node 3: forwarding goes on"
inc_before=$(ctl_stat 3 control.incarnation)
kill9 3 control
# Within a few seconds the others hold node 3 dead (nobody answers its
# pings any more) and route its channels elsewhere, so where each message
# ends up depends on the moment; what must hold is that node 3's
# dataplane, on its last table, sends on every message it receives.
p3="${LAB}n3"
before=$(( $(stat "$p3" forwarded) + $(stat "$p3" delivered) ))
"${NS[@]}" "$UDPTEST" --config "$LAB_DIR/n3.conf" --node 10.77.0.3:7946 \
	--bind 10.77.0.100 --sink 3=9003 --count 2000 --channels 500 \
	--rate 4000 --wait 500 >"$LAB_DIR/udptest-nocontrol.out" 2>&1 || true
sleep 1
after=$(( $(stat "$p3" forwarded) + $(stat "$p3" delivered) ))
expect_eq "messages node 3 sent on without rumor-control" \
	"$((after - before))" 2000
sleep 3
start 3
wait_view 3 "$ALL5" 60
inc_after=$(ctl_stat 3 control.incarnation)
[ "${inc_after:-0}" -gt "${inc_before:-0}" ] ||
	die "incarnation after resync ${inc_after:-?} not above ${inc_before:-?}"
echo "ok: rumor-control of node 3 resynchronised, incarnation $inc_before -> $inc_after"
for i in 1 2 4 5; do wait_view "$i" "$ALL5" 60; done

say "partition {1,2,3} | {4,5}, then heal"
"${NS[@]}" ip link add br1 type bridge
"${NS[@]}" ip link set br1 up
"${NS[@]}" ip link set n4 master br1
"${NS[@]}" ip link set n5 master br1
for i in 1 2 3; do
	wait_view "$i" "1:alive 2:alive 3:alive 4:dead 5:dead " 40
done
for i in 4 5; do
	wait_view "$i" "1:dead 2:dead 3:dead 4:alive 5:alive " 40
done
echo "ok: the views split"
"${NS[@]}" ip link set n4 master br0
"${NS[@]}" ip link set n5 master br0
for i in 1 2 3 4 5; do wait_view "$i" "$ALL5" 60; done
echo "ok: healed into one view with no manual step"
deliver 1 2 3 4 5

say "wrong key, then wrong label: never joins"
ip netns exec "$LAB-n5" bash "$NODE_SH" stop --config "$LAB_DIR/n5.conf" \
	--run-dir "$RUN" >>"$LAB_DIR/launcher.log" 2>&1 || die "stop node 5"
for i in 1 2 3 4; do
	wait_view "$i" "1:alive 2:alive 3:alive 4:alive 5:left " 30
done
echo "ok: node 5 left gracefully"
forged0=$(ctl_stat 1 control.rx_forged)
conf 5 "$LAB_DIR/otherkeys"
start 5
sleep 8
for i in 1 2 3 4; do
	[ "$(view "$i")" = "1:alive 2:alive 3:alive 4:alive 5:left " ] ||
		die "node $i let the wrong-key node in: $(view "$i")"
done
[ "$(view 5)" = "5:alive " ] || die "wrong-key node 5 sees: $(view 5)"
forged1=$(ctl_stat 1 control.rx_forged)
[ "${forged1:-0}" -gt "${forged0:-0}" ] || die "node 1 counted no forged message"
echo "ok: wrong key refused ($((forged1 - forged0)) forged at node 1)"
ip netns exec "$LAB-n5" bash "$NODE_SH" stop --config "$LAB_DIR/n5.conf" \
	--run-dir "$RUN" >>"$LAB_DIR/launcher.log" 2>&1 || die "stop node 5"
label0=$(ctl_stat 1 control.rx_wrong_label)
conf 5 "$LAB_DIR/keys" otherlab
start 5
sleep 8
for i in 1 2 3 4; do
	[ "$(view "$i")" = "1:alive 2:alive 3:alive 4:alive 5:left " ] ||
		die "node $i let the wrong-label node in: $(view "$i")"
done
label1=$(ctl_stat 1 control.rx_wrong_label)
[ "${label1:-0}" -gt "${label0:-0}" ] || die "node 1 counted no wrong label"
echo "ok: wrong label refused ($((label1 - label0)) at node 1)"

for i in 1 2 3 4 5; do
	ip netns exec "$LAB-n$i" bash "$NODE_SH" stop \
		--config "$LAB_DIR/n$i.conf" --run-dir "$RUN" \
		>>"$LAB_DIR/launcher.log" 2>&1 || true
done
echo "PASS"
