#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Node credentials rotated and revoked on a running cluster
# (docs/security.md, "Credentials"): three nodes with node keys and one
# roster, both processes each, started by scripts/rumor-node.sh. No node
# but the rotated one restarts. Checks:
#   1. all three see each other alive, and messages sent through node 1
#      reach the owners the ring of three names;
#   2. rotation of node 2: a second key issued (the roster holds both)
#      and SIGHUP to both programs of every node; the new key file put
#      where node 2's node_key points, and SIGHUP there; the old key
#      retired (the others reloaded first, node 2 last); then node 2
#      restarted on its new key alone.
#      After each step all three are alive in every view, every message
#      reaches its owner, and nodes 1 and 3 have refused nothing
#      (dataplane auth_bad_tag, control.rx_forged);
#   3. revocation of node 3: its lines removed from the roster and SIGHUP
#      to nodes 1 and 2 only, node 3 still running on its revoked key.
#      What node 3's dataplane forwards is refused at once by node 1
#      (auth_unknown_sender), its control messages too
#      (control.rx_forged), SWIM on nodes 1 and 2 declares it dead within
#      30 s, and messages through node 1 reach the owners the ring of
#      {1, 2} names.
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init rot
lab_cluster 3 sink swim=fast
ROSTER=$LAB_DIR/roster
ALL3="1:alive 2:alive 3:alive "

# show ID...: each node's view and counters, for the log of a failure.
show() {
	local i
	for i in "$@"; do
		echo "node $i: $(lab_view "$i")" \
			"rx=$(lab_stat "$i" rx) tx=$(lab_stat "$i" tx)" \
			"forwarded=$(lab_stat "$i" forwarded)" \
			"delivered=$(lab_stat "$i" delivered)" \
			"forged=$(lab_ctl_stat "$i" control.rx_forged)" \
			"drops: $(lab_drops "$i")"
	done
}

# fail WHAT: die with every running node's state.
fail() {
	local i
	for i in 1 2 3; do
		[ -z "$(lab_node_pid "$i" dataplane)" ] || show "$i"
	done
	"$RUMORCTL" cred show --roster "$ROSTER" || true
	die "$*"
}

# deliver ID...: messages (COUNT, default 1000) through the first node
# listed; each must reach the owner that the ring of exactly these
# members names, once.
deliver() {
	local i count=${COUNT:-1000}
	for i in "$@"; do lab_wait_ring "$i" "$#"; done
	lab_ring_conf "$LAB_DIR/expect.conf" "$1" "$@"
	lab_udptest "$LAB_DIR/expect.conf" "$1" --count "$count" \
		--channels 500 --rate 4000 || fail "deliveries to ring of $*"
	echo "ok: $count messages reached their owners on the ring of $*"
}

reloaded() {
	[ "$(lab_stat "$1" config_reloaded)" -gt "$2" ] &&
		[ "$(lab_ctl_stat "$1" control.seal_creds_loaded)" -gt "$3" ]
}

# hup ID...: SIGHUP to both programs of each node at once, then wait
# until both have taken the files in again (a reload refused fails the
# test).
hup() {
	local id dp=() cp=()
	for id in "$@"; do
		dp[id]=$(lab_stat "$id" config_reloaded)
		cp[id]=$(lab_ctl_stat "$id" control.seal_creds_loaded)
	done
	for id in "$@"; do
		kill -HUP "$(lab_node_pid "$id" dataplane)" \
			"$(lab_node_pid "$id" control)"
	done
	for id in "$@"; do
		lab_wait 10 reloaded "$id" "${dp[id]}" "${cp[id]}" ||
			{ tail -n 5 "$LAB_DIR"/node-"$id".*.log;
			fail "node $id did not reload its credentials"; }
		[ "$(lab_stat "$id" config_reload_failed)" = 0 ] ||
			fail "node $id refused its configuration"
	done
}

# all_alive WHAT: every node sees all three alive.
all_alive() {
	local i
	for i in 1 2 3; do lab_wait_view "$i" "$ALL3" 60; done
	echo "ok: all three alive in every view $1"
}

# nothing_refused WHAT: nodes 1 and 3 (never restarted) have refused no
# frame and no control message.
nothing_refused() {
	local i
	for i in 1 3; do
		[ "$(lab_stat "$i" auth_bad_tag)" = 0 ] &&
			[ "$(lab_ctl_stat "$i" control.rx_forged)" = 0 ] ||
			fail "node $i refused honest traffic $1"
	done
	echo "ok: nodes 1 and 3 refused nothing $1"
}

# keys_of ID: how many keys the roster lists for node ID.
keys_of() {
	"$RUMORCTL" cred show --roster "$ROSTER" | awk -v id="$1" '
		$1 == "node" && $2 == id { n = $4 + 0 } END { print n + 0 }'
}

say "1. three nodes with node credentials"
lab_up 1 2 3
all_alive "at start"
deliver 1 2 3

say "2. rotate node 2's key"
"$RUMORCTL" cred issue --id 2 --roster "$ROSTER" \
	--out "$LAB_DIR/n2.key2" >/dev/null || fail "cred issue (rotation)"
expect_eq "node 2's keys in the roster" "$(keys_of 2)" 2
hup 1 2 3
all_alive "with two keys for node 2"
deliver 1 2 3
nothing_refused "with two keys for node 2"

# The new key file where node 2's node_key names its key (both programs
# read the file again on SIGHUP; its path in the configuration is read at
# start only).
mv -f "$LAB_DIR/n2.key2" "$LAB_DIR/n2.key"
hup 2
grep -q "node key changed" "$LAB_DIR/node-2.dataplane.log" ||
	fail "node 2's dataplane did not take its new key"
all_alive "with node 2 on its new key"
deliver 1 2 3
nothing_refused "with node 2 on its new key"

"$RUMORCTL" cred retire --id 2 --roster "$ROSTER" >/dev/null ||
	fail "cred retire"
expect_eq "node 2's keys in the roster" "$(keys_of 2)" 1
hup 1 3
hup 2
all_alive "with node 2's old key retired"
deliver 1 2 3
nothing_refused "with node 2's old key retired"

lab_stop 2 || fail "stop node 2"
lab_up 2
all_alive "after node 2 restarted on its new key alone"
deliver 1 2 3
nothing_refused "after node 2's restart"

say "3. revoke node 3"
forged_before=$(lab_ctl_stat 1 control.rx_forged)
unknown_before=$(lab_stat 1 auth_unknown_sender)
"$RUMORCTL" cred revoke --id 3 --roster "$ROSTER" >/dev/null ||
	fail "cred revoke"
expect_eq "node 3's keys in the roster" "$(keys_of 3)" 0
t0=$(date +%s%N)
hup 1 2
# Node 3 still forwards on its ring of three: the part of these messages
# that nodes 1 and 2 own goes to them and is refused.
lab_ring_conf "$LAB_DIR/n3ring.conf" 3 1 2 3
lab_udptest "$LAB_DIR/n3ring.conf" 3 --count 1000 --channels 500 \
	--rate 4000 --wait 500 >/dev/null || true
unknown=$(( $(lab_stat 1 auth_unknown_sender) - unknown_before ))
[ "$unknown" -gt 0 ] ||
	fail "node 1 refused no frame of node 3 (node 3's ring:" \
		"$(lab_info 3 ring_members) members)"
echo "ok: node 1 refused $unknown frames node 3 forwarded (auth_unknown_sender)"
for i in 1 2; do lab_wait_view "$i" "1:alive 2:alive 3:dead " 30; done
echo "ok: nodes 1 and 2 hold node 3 dead" \
	"$(( ($(date +%s%N) - t0) / 1000000 )) ms after the revocation"
forged=$(( $(lab_ctl_stat 1 control.rx_forged) - forged_before ))
[ "$forged" -gt 0 ] || fail "node 1 refused no control message of node 3"
echo "ok: node 1 refused $forged control messages of node 3 (control.rx_forged)"
deliver 1 2

for i in 1 2 3; do
	lab_stop "$i" || true
done
echo "PASS"
