#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Publish acknowledgements (docs/replication.md) on three full nodes with
# node credentials (voters 1-3): a client's acked PUBLISH, through a node
# that does not own the channel, is ordered once by the owner and
# answered back through its entry node. Checks:
#   1. `rumor pub --ack owner` of 200 messages through a non-owner: every
#      one acknowledged OK, each delivered once to a subscriber, in order;
#   2. the same number sent three times: ordered once (the subscriber
#      sees it once), answered OK, then DUPLICATE with the same sequence;
#   3. a number below the client's window: TOO_OLD, not ordered;
#   4. a channel nobody subscribes to: ordered and kept (one stream, its
#      sequences following), the owner counts the channel it booked;
#   5. a client that writes another client's id and a victim's return
#      path into its request: the entry node writes over both, the answer
#      comes back to the client itself, the victim gets nothing;
#   6. a PUB_ACK forged from a member's address with a victim's return
#      path: refused (no auth block), nothing reaches the victim;
#   7. --ack quorum and --ack all (R = 3): every message met the level,
#      the replicas kept them; rumor bench --ack quorum: every one acked;
#   8. a REPLICATE forged from the owner's address: refused;
#   9. a replica crashes: on the ring of the two left, every message is
#      held by both (all);
#  10. it comes back: a retry to it of a number its stand-in ordered is
#      answered DUPLICATE with the stand-in's sequence, not ordered again.
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init pack
LAB_VDEV_ARGS=",framecnt=4096"
LAB_IDLE_US=50
ATTACK=$BUILD/tests/tools/rumor-attack
lab_need "$RUMOR" "$ATTACK"
lab_cluster 3 label=puback swim=fast voters="1 2 3"
lab_host cli 10.77.0.66
lab_host vic 10.77.0.200
CLI=(ip netns exec "$LAB-cli" env ASAN_OPTIONS=detect_leaks=0 "$ATTACK")
BRIDGE=("${NS[@]}" env ASAN_OPTIONS=detect_leaks=0 "$ATTACK")

say "three nodes (voters 1, 2, 3), a client host and a victim"
lab_up 1 2 3
lab_wait_epoch 3 1 2 3

# chan PREFIX: a channel name owned by node 3 on the ring of 1..3, so
# that node 1 is never its owner; sets CH.
chan() { lab_chan_owned "$1" 3 3; }

# ackpub ARGS...: acked PUBLISHes from the client host (10.77.0.66:41000)
# into node 1; the PUB_ACKs in $LAB_DIR/ackpub.out.
ackpub() {
	"${CLI[@]}" ackpub --dst 10.77.0.1:7946 --src 10.77.0.66:41000 \
		--seconds 1.5 "$@" >"$LAB_DIR/ackpub.out" ||
		die "rumor-attack ackpub $*"
	cat "$LAB_DIR/ackpub.out"
}

# field NAME LINE: the value of NAME=... in LINE of ackpub.out.
field() {
	sed -n "${2}p" "$LAB_DIR/ackpub.out" | tr ' ' '\n' |
		sed -n "s/^$1=//p"
}

say "1. 200 acked messages through node 1, the owner node 3"
chan ack1
lab_sub s1 2 --count 200 --timeout 30 "$CH"
sleep 1
"${NS[@]}" "$RUMOR" pub --node 10.77.0.1:7946 --ack owner --count 200 \
	--rate 400 "$CH" m >"$LAB_DIR/pub1.out" 2>&1 ||
	{ cat "$LAB_DIR/pub1.out"; die "rumor pub --ack"; }
cat "$LAB_DIR/pub1.out"
grep -q "^acked 200 of 200 (ok 200," "$LAB_DIR/pub1.out" ||
	die "not every message acknowledged OK"
wait "${LAB_SUB_PID[s1]}" || true
got=$(grep -c "m [0-9]" "$LAB_DIR/s1.out" || true)
expect_eq "messages the subscriber got" "$got" 200
# In order, each once: "m 1" .. "m 200".
python3 - "$LAB_DIR/s1.out" <<'PY' || die "deliveries out of order"
import re, sys
seen = [int(m.group(1)) for m in re.finditer(r"\bm (\d+)\b",
        open(sys.argv[1]).read())]
sys.exit(seen != list(range(1, 201)))
PY
echo "ok: delivered once each, in order"
[ "$(lab_stat 3 pub_ack_sent)" -ge 200 ] || die "node 3 sent too few"
[ "$(lab_stat 1 pub_ack_relayed)" -ge 200 ] || die "node 1 relayed too few"

say "2. one number three times: ordered once"
chan dup
lab_sub s2 2 --timeout 4 "$CH"
sleep 1
ackpub --channel "$CH" --number 7 --count 3 --payload once
expect_eq "answers" "$(grep -c '^pub_ack' "$LAB_DIR/ackpub.out")" 3
expect_eq "first answer" "$(field status 1)" ok
seq=$(field seq 1)
for l in 2 3; do
	expect_eq "answer $l" "$(field status $l)" duplicate
	expect_eq "answer $l's sequence" "$(field seq $l)" "$seq"
done
wait "${LAB_SUB_PID[s2]}" || true
expect_eq "deliveries of the message" \
	"$(grep -c 'once' "$LAB_DIR/s2.out" || true)" 1

say "3. a number below the client's window"
ackpub --channel "$CH" --number 100 --payload late
expect_eq "number 100" "$(field status 1)" ok
ackpub --channel "$CH" --number 20 --payload early
grep -q "status=too old stream=0 seq=0" "$LAB_DIR/ackpub.out" ||
	die "number 20 (window 64 below 100) not refused as too old"
echo "ok: number 20 refused: too old"

say "4. no subscriber: ordered and kept"
chan kept
before=$(lab_stat 3 pub_kept)
ackpub --channel "$CH" --number 1 --count 3 --vary-seq --payload k
expect_eq "answers" "$(grep -c 'status=ok' "$LAB_DIR/ackpub.out")" 3
s1=$(field stream 1)
for l in 1 2 3; do
	expect_eq "stream of answer $l" "$(field stream $l)" "$s1"
	expect_eq "sequence of answer $l" "$(field seq $l)" "$l"
done
true "${before:=0}"
[ "$(lab_stat 3 pub_kept)" -gt "$before" ] ||
	die "node 3 did not count the channel it kept"

say "5. a client writes another's id and a victim's return path"
lab_bg_count() {
	ip netns exec "$LAB-vic" env ASAN_OPTIONS=detect_leaks=0 "$ATTACK" \
		count --iface vic-h --to 10.77.0.200 --seconds "$1" \
		>"$LAB_DIR/vic.out" &
	lab_pid "$!"
	VIC_PID=$!
}
lab_bg_count 3
chan forge
ackpub --channel "$CH" --number 1 --client 0x8000000a4d000001 \
	--via 10.77.0.200:5000 --payload forged
expect_eq "answers to the client itself" "$(field status 1)" ok
wait "$VIC_PID" || true
cat "$LAB_DIR/vic.out"
grep -q "^count frames=0 " "$LAB_DIR/vic.out" ||
	die "the victim received frames"

say "6. a PUB_ACK forged from node 3's address"
lab_bg_count 2
relayed=$(lab_stat 1 pub_ack_relayed)
"${BRIDGE[@]}" send --iface br0 --dst-mac "$(lab_mac 1)" \
	--dst 10.77.0.1:7946 --src 10.77.0.3:7946 --type 18 --origin 3 \
	--channel "$CH" --seq 9 --stream 5 --oseq 1 --via 10.77.0.200:5000 \
	--count 20 >/dev/null
wait "$VIC_PID" || true
grep -q "^count frames=0 " "$LAB_DIR/vic.out" ||
	die "the victim received frames: $(cat "$LAB_DIR/vic.out")"
expect_eq "PUB_ACKs node 1 relayed" "$(lab_stat 1 pub_ack_relayed)" \
	"$relayed"
echo "node 1 drops: $(lab_drops 1)"

say "7. quorum and all: two replicas (nodes 1 and 2) hold each message"
taken1=$(lab_stat 1 repl_taken)
for level in quorum all; do
	chan "repl-$level"
	"${NS[@]}" "$RUMOR" pub --node 10.77.0.1:7946 --ack "$level" \
		--count 100 --rate 400 "$CH" m >"$LAB_DIR/pub7.out" 2>&1 ||
		{ cat "$LAB_DIR/pub7.out"; die "rumor pub --ack $level"; }
	cat "$LAB_DIR/pub7.out"
	grep -q "^acked 100 of 100 (ok 100,.*level $level met by 100" \
		"$LAB_DIR/pub7.out" || die "not every message met $level"
done
"${NS[@]}" "$RUMOR" bench --node 10.77.0.1:7946 --ack quorum --rate 500 \
	--duration 1 --channels 4 >"$LAB_DIR/bench7.out" 2>&1 ||
	{ cat "$LAB_DIR/bench7.out"; die "rumor bench --ack quorum"; }
tail -n 1 "$LAB_DIR/bench7.out"
grep -Eq "^bench: sent=500 acked=500 .* below=0 refused=0 lost=0$" \
	"$LAB_DIR/bench7.out" || die "rumor bench --ack: not every one acked"
rc=0
"$RUMOR" bench --node 10.77.0.1:7946 --ack most --rate 1 --duration 1 \
	2>/dev/null || rc=$?
expect_eq "rumor bench --ack most: exit status" "$rc" 2
[ "$(lab_stat 1 repl_taken)" -ge $((taken1 + 200)) ] ||
	die "node 1 kept too few replicated messages"
echo "node 3 (owner): repl_sent=$(lab_stat 3 repl_sent)" \
	"repl_ack_rx=$(lab_stat 3 repl_ack_rx) repl_resent=$(lab_stat 3 repl_resent)"

say "8. a REPLICATE forged from node 3's address"
taken1=$(lab_stat 1 repl_taken)
"${BRIDGE[@]}" send --iface br0 --dst-mac "$(lab_mac 1)" \
	--dst 10.77.0.1:7946 --src 10.77.0.3:7946 --type 19 --origin 3 \
	--channel "$CH" --seq 9 --stream 5 --oseq 1 --count 20 \
	--payload forged >/dev/null
sleep 1
expect_eq "REPLICATEs node 1 kept" "$(lab_stat 1 repl_taken)" "$taken1"

say "9. node 2 crashes: the owner and node 1 hold every message"
lab_kill9 2
lab_wait_epoch 2 1 3
chan after
"${NS[@]}" "$RUMOR" pub --node 10.77.0.1:7946 --ack all --count 50 \
	--rate 200 "$CH" m >"$LAB_DIR/pub9.out" 2>&1 ||
	{ cat "$LAB_DIR/pub9.out"; die "rumor pub --ack all, node 2 down"; }
cat "$LAB_DIR/pub9.out"
grep -q "^acked 50 of 50 (ok 50,.*level all met by 50" "$LAB_DIR/pub9.out" ||
	die "not every message met all on the ring of two"

say "10. node 2 back: a retry to it of what its stand-in ordered"
# A channel node 2 owns on the ring of three, ordered meanwhile by the
# node that stands in for it; once node 2 has it back, the stand-in has
# told it the numbers it ordered, so the retry is not ordered again.
k=0
while :; do
	read -r CH owner _ < <("$ATTACK" owner --members 3 "back-$k")
	[ "$owner" = 2 ] && break
	k=$((k + 1))
done
lab_sub s10 1 --timeout 12 "$CH"
lab_wait_subscribed s10 1 10
ackpub --channel "$CH" --number 5 --payload told
expect_eq "the stand-in's answer" "$(field status 1)" ok
seq=$(field seq 1)
lab_up 2
lab_wait_epoch 3 1 2 3
sleep 1
ackpub --channel "$CH" --number 5 --payload told
echo "told node 2: $(lab_stat 1 repl_handed) from node 1," \
	"$(lab_stat 3 repl_handed) from node 3; node 2 took" \
	"$(lab_stat 2 repl_handed_rx)"
expect_eq "node 2's answer to the retry" "$(field status 1)" duplicate
expect_eq "its sequence" "$(field seq 1)" "$seq"
[ "$(lab_stat 2 repl_handed_rx)" -ge 1 ] ||
	die "node 2 was told no publish number"
wait "${LAB_SUB_PID[s10]}" || true
expect_eq "deliveries of the message" \
	"$(grep -c ' told$' "$LAB_DIR/s10.out" || true)" 1

for i in 1 2 3; do lab_stop "$i" || true; done
echo "PASS"
