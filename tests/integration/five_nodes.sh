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
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init five
# Five nodes share two cores: a deeper receive ring, longer idle sleeps.
LAB_VDEV_ARGS=",framecnt=4096"
LAB_IDLE_US=50
lab_cluster 5 sink swim=fast "sync_interval_ms = 5000"
lab_keys "$LAB_DIR/otherkeys"

# deliver ID...: messages (COUNT, default 2000) through the first node
# listed; each must reach the owner that the ring of exactly these
# members names, once.
deliver() {
	local i count=${COUNT:-2000}
	for i in "$@"; do lab_wait_ring "$i" "$#"; done
	lab_ring_conf "$LAB_DIR/expect.conf" "$1" "$@"
	if ! lab_udptest "$LAB_DIR/expect.conf" "$1" --count "$count" \
			--channels 500 --rate 4000; then
		for i in "$@"; do
			echo "node $i: $(lab_view "$i")" \
				"rx=$(lab_stat "$i" rx) tx=$(lab_stat "$i" tx)" \
				"forwarded=$(lab_stat "$i" forwarded)" \
				"delivered=$(lab_stat "$i" delivered)" \
				"drops: $(lab_drops "$i")"
		done
		die "deliveries to ring of $*"
	fi
	echo "ok: $count messages reached their owners on the ring of $*"
}

# refused WHAT COUNTER OPTION: node 5, configured with OPTION, starts but
# never joins the four, and node 1 counts COUNTER up (by REFUSED).
refused() {
	local before after i
	before=$(lab_ctl_stat 1 "$2")
	lab_conf 5 "$3"
	lab_up 5
	sleep 8
	for i in 1 2 3 4; do
		[ "$(lab_view "$i")" = "1:alive 2:alive 3:alive 4:alive 5:left " ] ||
			die "node $i let the $1 node in: $(lab_view "$i")"
	done
	after=$(lab_ctl_stat 1 "$2")
	[ "${after:-0}" -gt "${before:-0}" ] || die "node 1 counted no $2"
	REFUSED=$((after - before))
}

ALL5="1:alive 2:alive 3:alive 4:alive 5:alive "
say "start five nodes"
lab_up 1 2 3 4 5
for i in 1 2 3 4 5; do lab_wait_view "$i" "$ALL5" 60; done
echo "ok: one view of five members on every node"
deliver 1 2 3 4 5

say "kill -9 node 5 (both processes)"
lab_kill9 5
for i in 1 2 3 4; do
	lab_wait_view "$i" "1:alive 2:alive 3:alive 4:alive 5:dead " 30
done
echo "ok: nodes 1-4 hold node 5 dead"
deliver 1 2 3 4

say "restart node 5: it rejoins"
lab_up 5
for i in 1 2 3 4 5; do lab_wait_view "$i" "$ALL5" 60; done
echo "ok: node 5 alive again in every view"
deliver 1 2 3 4 5

say "kill -9 rumor-control of node 3: forwarding goes on"
inc_before=$(lab_ctl_stat 3 control.incarnation)
lab_kill9 3 control
# Within a few seconds the others hold node 3 dead (nobody answers its
# pings any more) and route its channels elsewhere, so where each message
# ends up depends on the moment; what must hold is that node 3's
# dataplane, on its last table, sends on every message it receives.
before=$(( $(lab_stat 3 forwarded) + $(lab_stat 3 delivered) ))
lab_udptest "$LAB_DIR/n3.conf" 3 --count 2000 --channels 500 --rate 4000 \
	--wait 500 >"$LAB_DIR/udptest-nocontrol.out" || true
sleep 1
after=$(( $(lab_stat 3 forwarded) + $(lab_stat 3 delivered) ))
expect_eq "messages node 3 sent on without rumor-control" \
	"$((after - before))" 2000
sleep 3
lab_up 3
lab_wait_view 3 "$ALL5" 60
inc_after=$(lab_ctl_stat 3 control.incarnation)
[ "${inc_after:-0}" -gt "${inc_before:-0}" ] ||
	die "incarnation after resync ${inc_after:-?} not above ${inc_before:-?}"
echo "ok: rumor-control of node 3 resynchronised, incarnation $inc_before -> $inc_after"
for i in 1 2 4 5; do lab_wait_view "$i" "$ALL5" 60; done

say "partition {1,2,3} | {4,5}, then heal"
"${NS[@]}" ip link add br1 type bridge
"${NS[@]}" ip link set br1 up
"${NS[@]}" ip link set n4 master br1
"${NS[@]}" ip link set n5 master br1
for i in 1 2 3; do
	lab_wait_view "$i" "1:alive 2:alive 3:alive 4:dead 5:dead " 40
done
for i in 4 5; do
	lab_wait_view "$i" "1:dead 2:dead 3:dead 4:alive 5:alive " 40
done
echo "ok: the views split"
"${NS[@]}" ip link set n4 master br0
"${NS[@]}" ip link set n5 master br0
for i in 1 2 3 4 5; do lab_wait_view "$i" "$ALL5" 60; done
echo "ok: healed into one view with no manual step"
deliver 1 2 3 4 5

say "wrong key, then wrong label: never joins"
lab_stop 5 || die "stop node 5"
for i in 1 2 3 4; do
	lab_wait_view "$i" "1:alive 2:alive 3:alive 4:alive 5:left " 30
done
echo "ok: node 5 left gracefully"
refused wrong-key control.rx_forged keys="$LAB_DIR/otherkeys"
[ "$(lab_view 5)" = "5:alive " ] || die "wrong-key node 5 sees: $(lab_view 5)"
echo "ok: wrong key refused ($REFUSED forged at node 1)"
lab_stop 5 || die "stop node 5"
refused wrong-label control.rx_wrong_label label=otherlab
echo "ok: wrong label refused ($REFUSED at node 1)"

for i in 1 2 3 4 5; do
	lab_stop "$i" || true
done
echo "PASS"
