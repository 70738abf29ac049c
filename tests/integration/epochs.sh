#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Raft on ring epochs with five real nodes (as five_nodes.sh): voters 1,
# 2 and 3, learners 4 and 5, each with its own raft_dir. Checks:
#   1. every dataplane reaches one ring epoch of five members, and
#      messages reach their owners on that ring;
#   2. kill -9 of a learner: a new epoch without it on the four others;
#   3. kill -9 of the leader: another voter leads, and an epoch without
#      the dead leader is committed on the three others;
#   4. restarted, the old leader rejoins and a new epoch includes it;
#   5. snapshots: learner 4's rumor-control is down while the others take
#      snapshots and compact their logs (rumorctl raft snapshot); back, it
#      catches up from the leader's snapshot;
#   6. a voter whose snapshot file is corrupt sets it aside at start,
#      says that it does not vote until it has caught up, fetches the
#      state from the leader, and votes again;
#   7. learner 4's raft_dir (a tmpfs) fills up: a snapshot fails, the
#      node says so and stays a follower, the others go on; read-only, it
#      refuses to start and names the field; writable again, it is back;
#   8. voters at run time: {1,2,3} -> {1,2,3,4,5} with rumorctl raft
#      add-voter on the leader (the refusals first: a follower names the
#      leader; too few voters; not a member; not a voter), persisted
#      across a restart while the voter lines stay {1,2,3}; the five
#      commit an epoch with two founding voters down; a node whose voter
#      lines were edited refuses to start and names the founding set; the
#      leader asked to remove itself hands leadership over; then back to
#      {1,2,3};
#   9. a fresh node configured with another voter set refuses to start,
#      and its log names both sets.
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init epochs
# Five nodes share two cores: a deeper receive ring, longer idle sleeps.
LAB_VDEV_ARGS=",framecnt=4096"
LAB_IDLE_US=50
lab_cluster 5 sink swim=fast "sync_interval_ms = 5000" voters="1 2 3"

raft_is() { [ "$(lab_raft_get "$1" "$2")" = "$3" ]; }

# leader ID...: the first of these nodes that reports itself the leader.
leader() {
	local i
	for i in "$@"; do
		raft_is "$i" role leader && { echo "$i"; return 0; }
	done
	return 0
}

# deliver ID...: messages through the first node listed; each must reach
# the owner that the ring of exactly these members names, once.
deliver() {
	local i
	lab_ring_conf "$LAB_DIR/expect.conf" "$1" "$@"
	if ! lab_udptest "$LAB_DIR/expect.conf" "$1" --count 1000 \
			--channels 300 --rate 4000; then
		for i in 1 2 3 4 5; do
			echo "node $i: $(lab_drops "$i")"
		done
		die "deliveries to ring of $*"
	fi
	echo "ok: messages reached their owners on the committed ring of $*"
}

# Node 4's Raft state on a small tmpfs of its own, to turn read-only.
mkdir -p "$LAB_DIR/raft4"
lab_at_exit 'umount "$LAB_DIR/raft4" 2>/dev/null || umount -l "$LAB_DIR/raft4"'
mount -t tmpfs -o size=4m,mode=0700 rumor-raft4 "$LAB_DIR/raft4" ||
	die "cannot mount a tmpfs for node 4's raft_dir"

say "start five nodes: voters 1,2,3, learners 4,5"
lab_up 1 2 3 4 5
lab_wait_epoch 5 1 2 3 4 5
e5=$EPOCH
echo "ok: all five dataplanes on ring epoch $e5 of 5 members"
grep -h "proposed ring epoch" "$LAB_DIR"/node-[123].control.log | tail -n 1 |
	grep -q "joined or changed, [0-9]* left ([0-9]* bytes)" ||
	die "the leader did not propose the epoch as a delta"
for i in 4 5; do
	[ "$(lab_raft_get "$i" voter)" = no ] || die "node $i is not a learner"
done
deliver 1 2 3 4 5

say "kill -9 learner 5"
lab_kill9 5
lab_wait_epoch 4 1 2 3 4
[ "$EPOCH" -gt "$e5" ] || die "epoch $EPOCH not above $e5"
echo "ok: epoch $EPOCH without node 5 on nodes 1-4"
deliver 1 2 3 4

say "kill -9 the leader"
old=$(leader 1 2 3)
[ -n "$old" ] || die "no leader among 1, 2, 3"
e_before=$EPOCH
rest=()
for i in 1 2 3 4; do [ "$i" = "$old" ] || rest+=("$i"); done
lab_kill9 "$old"
lab_wait_epoch 3 "${rest[@]}"
[ "$EPOCH" -gt "$e_before" ] || die "epoch $EPOCH not above $e_before"
new=$(leader 1 2 3)
[ -n "$new" ] && [ "$new" != "$old" ] || die "no new leader (old $old)"
echo "ok: node $new leads after node $old; epoch $EPOCH without it on ${rest[*]}"
deliver "${rest[@]}"

say "restart node $old: it rejoins"
lab_up "$old"
lab_wait_epoch 4 1 2 3 4
echo "ok: epoch $EPOCH includes node $old again on nodes 1-4"
deliver 1 2 3 4

say "learner 4 down while the others compact: it catches up from a snapshot"
lab_kill9 4 control
lab_wait_epoch 3 1 2 3
for i in 1 2 3; do
	out=$(lab_ctl "$i" raft snapshot) ||
		die "node $i: rumorctl raft snapshot failed: $out"
	echo "node $i: $out"
done
lead=$(leader 1 2 3)
[ -n "$lead" ] || die "no leader among 1, 2, 3"
[ "$(lab_raft_get "$lead" snapshot_index)" -gt 0 ] || die "the leader took no snapshot"
[ "$(lab_raft_get "$lead" log_entries)" -le 1 ] ||
	die "the leader's log keeps $(lab_raft_get "$lead" log_entries) entries after its snapshot"
lab_up 4
lab_wait_epoch 4 1 2 3 4
[ "$(lab_raft_get 4 snapshots_installed)" -ge 1 ] ||
	{ raft 4; die "node 4 caught up without a snapshot"; }
[ "$(lab_raft_get 4 epoch)" = "$(lab_raft_get "$lead" epoch)" ] ||
	die "node 4 holds epoch $(lab_raft_get 4 epoch), the leader $(lab_raft_get "$lead" epoch)"
grep -q "installed the leader's snapshot" "$LAB_DIR/node-4.control.log" ||
	die "node 4's log does not tell of the snapshot"
echo "ok: node 4 caught up from node $lead's snapshot (sent $(lab_raft_get "$lead" snapshots_sent) chunk(s)), epoch $EPOCH"

say "a voter's snapshot is corrupt: set aside, fetched again"
lead=$(leader 1 2 3)
v=
for i in 1 2 3; do [ "$i" = "$lead" ] || { v=$i; break; }; done
lab_ctl "$v" raft snapshot >/dev/null ||
	die "node $v: no snapshot"
lab_kill9 "$v" control
lab_wait_epoch 3 $(for i in 1 2 3 4; do [ "$i" = "$v" ] || echo "$i"; done)
python3 - "$LAB_DIR/raft$v/snapshot" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 0x20
open(p, "wb").write(bytes(b))
PY
lab_up "$v"
grep -q "snapshot failed its checksum: set aside" "$LAB_DIR/node-$v.control.log" ||
	{ tail -n 20 "$LAB_DIR/node-$v.control.log"; die "node $v did not set its snapshot aside"; }
grep -q "it does not vote until a leader has it hold them again" \
	"$LAB_DIR/node-$v.control.log" || die "node $v did not say that it withholds its vote"
[ -f "$LAB_DIR/raft$v/snapshot.corrupt" ] || die "no snapshot.corrupt"
lab_wait_epoch 4 1 2 3 4
lab_wait 20 raft_is "$v" lost no || { raft "$v"; die "node $v is still lost"; }
[ "$(lab_raft_get "$v" snapshots_installed)" -ge 1 ] ||
	{ raft "$v"; die "node $v did not fetch a snapshot"; }
grep -q "it votes again" "$LAB_DIR/node-$v.control.log" ||
	die "node $v did not say that it votes again"
echo "ok: node $v set its corrupt snapshot aside, caught up from node $(leader 1 2 3) and votes again; epoch $EPOCH"

say "learner 4's raft_dir fills up, then is read-only at start"
# Full: the next write (a snapshot) fails with ENOSPC.
dd if=/dev/zero of="$LAB_DIR/raft4/filler" bs=64k 2>/dev/null || true
if out=$(lab_ctl 4 raft snapshot 2>&1); then
	die "a snapshot on a full disk succeeded: $out"
fi
echo "$out" | grep -q "No space left on device" || die "rumorctl said: $out"
lab_raft_get 4 disk | grep -q "No" || { raft 4; die "node 4's disk is not shown failed"; }
[ "$(lab_raft_get 4 role)" = follower ] || die "node 4 is $(lab_raft_get 4 role)"
grep -q "cannot write $LAB_DIR/raft4: No space left on device: this node stops" \
	"$LAB_DIR/node-4.control.log" || die "node 4's log does not say that its disk failed"
lead=$(leader 1 2 3)
lab_ctl "$lead" raft snapshot >/dev/null
echo "ok: on a full disk node 4 refuses writes, says so and stays a follower; node $lead goes on"
# Read-only at start: rumor-control refuses to start and names the field.
lab_kill9 4 control
rm -f "$LAB_DIR/raft4/filler"
mount -o remount,ro "$LAB_DIR/raft4" || die "cannot remount node 4's raft_dir read-only"
if lab_start 4; then
	die "node 4 started on a read-only raft_dir"
fi
grep -q "field 'raft_dir': $LAB_DIR/raft4: Read-only file system" \
	"$LAB_DIR/node-4.control.log" ||
	{ tail -n 5 "$LAB_DIR/node-4.control.log"; die "node 4 did not name its read-only raft_dir"; }
echo "ok: on a read-only raft_dir node 4 refuses to start:" \
	"$(grep "field 'raft_dir'" "$LAB_DIR/node-4.control.log" | tail -n 1 | sed 's/^.*error *//')"
mount -o remount,rw "$LAB_DIR/raft4" || die "cannot remount node 4's raft_dir"
lab_up 4
lab_wait_epoch 4 1 2 3 4
[ "$(lab_raft_get 4 disk)" = ok ] || die "node 4's disk: $(lab_raft_get 4 disk)"
echo "ok: restarted on a writable disk, node 4 is back on epoch $EPOCH"

# rctl I ARGS...: rumorctl against node I; its output, stderr included.
rctl() { lab_ctl "$@" 2>&1; }

voters_match() {
	local want=$1 i
	shift
	for i in "$@"; do
		raft_is "$i" voters "$want" || return 1
	done
}

# voters_are SET IDS...: every listed node has the current voter SET.
voters_are() {
	local want=$1 i
	lab_wait 10 voters_match "$@" && return 0
	shift
	for i in "$@"; do echo "node $i: voters $(lab_raft_get "$i" voters)"; done
	die "nodes $*: voters are not $want"
}

say "voters at run time: {1,2,3} -> {1,2,3,4,5} -> {1,2,3}"
lab_up 5
lab_wait_epoch 5 1 2 3 4 5
lead=$(leader 1 2 3)
[ -n "$lead" ] || die "no leader among 1, 2, 3"
f=
for i in 1 2 3; do [ "$i" = "$lead" ] || { f=$i; break; }; done
out=$(rctl "$f" raft add-voter 4) && die "a follower added a voter: $out"
echo "$out" | grep -q "does not lead: node $lead does; ask it" ||
	die "the follower said: $out"
echo "ok: follower $f refuses: $out"
out=$(rctl "$lead" raft remove-voter 3) && die "removed a voter of three: $out"
echo "$out" | grep -q "would leave 2 voters {1,2}" || die "the leader said: $out"
echo "ok: $out"
out=$(rctl "$lead" raft add-voter 9) && die "added a stranger: $out"
echo "$out" | grep -q "node 9 is not a live member" || die "the leader said: $out"
out=$(rctl "$lead" raft remove-voter 4) && die "removed a learner: $out"
echo "$out" | grep -q "node 4 is not a voter" || die "the leader said: $out"
echo "ok: the leader refuses a stranger and a learner's removal"
# A restarted member is live again in the leader's view once its own
# word reaches the leader (docs/control.md, "Claims only a member
# makes"): wait for that before asking.
lab_wait_state "$lead" 4 alive 20
lab_wait_state "$lead" 5 alive 20
out=$(rctl "$lead" raft add-voter 4) || die "add-voter 4: $out"
echo "$out" | grep -q "node 4 is a voter: voters {1,2,3,4}" || die "add-voter 4 said: $out"
echo "$out" | grep -q "4 voters tolerate no more failures than 3; add one more" ||
	die "no even-count note: $out"
echo "$out"
out=$(rctl "$lead" raft add-voter 5) || die "add-voter 5: $out"
echo "$out" | grep -q "node 5 is a voter: voters {1,2,3,4,5}" || die "add-voter 5 said: $out"
echo "$out"
voters_are "{1,2,3,4,5}" 1 2 3 4 5
for i in 1 2 3 4 5; do
	[ "$(lab_raft_get "$i" founding_voters)" = "{1,2,3}" ] ||
		die "node $i: founding voters $(lab_raft_get "$i" founding_voters)"
done
[ "$(lab_raft_get 4 voter)" = yes ] && [ "$(lab_raft_get 5 voter)" = yes ] ||
	die "nodes 4 and 5 do not see themselves as voters"
echo "ok: voters {1,2,3,4,5} on every node; the voter lines still say {1,2,3}"
lab_kill9 5 control
lab_up 5
voters_are "{1,2,3,4,5}" 5
[ "$(lab_raft_get 5 voter)" = yes ] || die "node 5 restarted as a learner"
lab_wait_epoch 5 1 2 3 4 5
echo "ok: restarted, node 5 is still a voter (raft_dir holds the change)"

# Two founding voters down: the leader, 4 and 5 are a quorum of five.
down=()
for i in 1 2 3; do [ "$i" = "$lead" ] || down+=("$i"); done
for i in "${down[@]}"; do lab_kill9 "$i" control; done
lab_wait_epoch 3 "$lead" 4 5
echo "ok: with nodes ${down[*]} down, nodes $lead, 4 and 5 commit epoch $EPOCH"
for i in "${down[@]}"; do
	lab_up "$i"
done
lab_wait_epoch 5 1 2 3 4 5
lead=$(leader 1 2 3 4 5)
[ -n "$lead" ] || die "no leader"

# Voter lines edited to the current set: refused, the founding set named.
lab_kill9 4 control
lab_conf 4 voters="1 2 3 4 5"
if lab_start 4; then die "node 4 started with edited voter lines"; fi
grep -q "field 'voter': the voter lines name {1,2,3,4,5}, but $LAB_DIR/raft4 was founded with voters {1,2,3} (now {1,2,3,4,5})" \
	"$LAB_DIR/node-4.control.log" ||
	{ tail -n 5 "$LAB_DIR/node-4.control.log"; die "node 4 did not name its founding voters"; }
echo "ok: edited voter lines refused:" \
	"$(grep "field 'voter'" "$LAB_DIR/node-4.control.log" | tail -n 1 | sed 's/^.*error *//')"
lab_conf 4
lab_up 4
lab_wait_epoch 5 1 2 3 4 5
lead=$(leader 1 2 3 4 5)

# The leader does not remove itself: it hands leadership over.
out=$(rctl "$lead" raft remove-voter "$lead") && die "the leader removed itself: $out"
echo "$out" | grep -q "node $lead leads and cannot remove itself" || die "the leader said: $out"
echo "ok: $out"
for k in $(seq 1 50); do
	new=$(leader 1 2 3 4 5)
	[ -n "$new" ] && [ "$new" != "$lead" ] && break
	sleep 0.2
done
[ -n "$new" ] && [ "$new" != "$lead" ] || die "leadership stayed with node $lead"
lead=$new
voters_are "{1,2,3,4,5}" 1 2 3 4 5
echo "ok: node $lead leads now; the voters are unchanged"

# remove_voter ID SET: on the leader (handing leadership over first if
# it is ID); the reply must name the voters SET after it.
remove_voter() {
	local id=$1 want=$2 k l out
	for k in $(seq 1 50); do
		l=$(leader 1 2 3 4 5)
		if [ -n "$l" ] && [ "$l" = "$id" ]; then
			rctl "$l" raft remove-voter "$id" >/dev/null || true
			sleep 0.5
		elif [ -n "$l" ]; then
			break
		fi
		sleep 0.2
	done
	[ -n "$l" ] && [ "$l" != "$id" ] || die "no leader other than node $id"
	out=$(rctl "$l" raft remove-voter "$id") || die "remove-voter $id: $out"
	echo "$out" | grep -q "node $id is a learner: voters $want" ||
		die "remove-voter $id said: $out"
	echo "$out"
}
remove_voter 5 "{1,2,3,4}"
remove_voter 4 "{1,2,3}"
voters_are "{1,2,3}" 1 2 3 4 5
[ "$(lab_raft_get 4 voter)" = "no" ] && [ "$(lab_raft_get 5 voter)" = "no" ] ||
	die "nodes 4 and 5 are not learners again"
lab_wait_epoch 5 1 2 3 4 5
echo "ok: back to voters {1,2,3}; epoch $EPOCH on all five"

say "a fresh node 5 with voters 1,2,4 refuses to start"
lab_kill9 5
rm -rf "$LAB_DIR/raft5"
lab_wait_epoch 4 1 2 3 4
lab_conf 5 voters="1 2 4"
lines=$(wc -l <"$LAB_DIR/launcher.log")
if lab_start 5; then
	tail -n 5 "$LAB_DIR/launcher.log"
	die "the launcher reported node 5 up"
fi
tail -n +"$((lines + 1))" "$LAB_DIR/launcher.log" >"$LAB_DIR/start5.log"
grep -q "rumor-control exited" "$LAB_DIR/start5.log" ||
	{ cat "$LAB_DIR/start5.log"; die "the launcher did not say that rumor-control exited"; }
echo "ok: the launcher reports that node 5's rumor-control exited"
grep -q "voter set differs from node [0-9]*'s: {1,2,4} here, {1,2,3} there" \
	"$LAB_DIR/node-5.control.log" ||
	{ tail -n 20 "$LAB_DIR/node-5.control.log"; die "no voter-set error in node 5's log"; }
grep -q "refusing to start" "$LAB_DIR/node-5.control.log" ||
	die "node 5 did not refuse to start"
if [ -f "$LAB_RUN/node-5.control.pid" ] &&
		kill -0 "$(cat "$LAB_RUN/node-5.control.pid")" 2>/dev/null; then
	cat "$LAB_DIR/start5.log"
	ps -o pid,args -p "$(cat "$LAB_RUN/node-5.control.pid")" || true
	die "node 5's rumor-control still runs"
fi
grep "voter set differs" "$LAB_DIR/node-5.control.log" | tail -n 1
lab_wait_epoch 4 1 2 3 4
echo "ok: the others stay on epoch $EPOCH"

for i in 1 2 3 4 5; do
	lab_stop "$i" || true
done
echo "PASS"
