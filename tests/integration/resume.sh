#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Resume (docs/replication.md, "Resume") on three full nodes (voters
# 1-3): a client subscribes with the last (stream, seq) it has and gets
# what it missed from the channel's history, then the live stream, each
# sequence once and in order. Channels solo-* have no replicas (R = 1),
# so that only their owner, node 3, holds their history. Checks:
#   1. a run of 40 messages, then 30 more nobody hears: `rumor sub --from`
#      through node 2 (no history there: NACKs to the owner) gets the 30,
#      sequences 41 to 70, nothing else;
#   2. the same through node 3, the owner, from its own history;
#   3. a resume while 400 messages flow: every sequence after the resume
#      point once, in order, the history and the live stream joined;
#   4. a resume point older than the history (256): one GAP, then the
#      rest in order up to the last;
#   5. a stream the channel no longer has: a GAP to its end, then the
#      live stream;
#   6. a replicated channel (R = 3) through node 2, a replica: from its
#      own history;
#   7. malformed resuming SUBSCRIBEs: each dropped and counted; a flood
#      of resumers on one channel stays within its bound, and node 2
#      still serves;
#   8. the owner (node 3) crashes while the node that takes its channel
#      over lacks the last 40 messages acknowledged at quorum: it fetches
#      them from the other replica before it goes on, and a resume
#      through it gets every one; of a second channel it held nothing:
#      it fetches the whole stream, which goes on (no new stream);
#   9. history = 32 on node 2, by SIGHUP: a resume from 1 through it
#      gets the last 32 of 100, and a GAP of the rest.
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init resm
LAB_VDEV_ARGS=",framecnt=4096"
LAB_IDLE_US=50
ATTACK=$BUILD/tests/tools/rumor-attack
lab_need "$RUMOR" "$ATTACK"
lab_cluster 3 label=resume swim=fast voters="1 2 3" \
	"replicas_for = solo-* 1"
lab_host cli 10.77.0.66

say "three nodes (voters 1, 2, 3) and a client host"
lab_up 1 2 3
lab_wait_epoch 3 1 2 3

# chan PREFIX: a channel name owned by node 3 on the ring of 1..3; sets CH.
chan() { lab_chan_owned "$1" 3 3; }

# pub N WORD: N acked messages "WORD 1" .. "WORD N" on $CH through node 1.
pub() {
	"${NS[@]}" "$RUMOR" pub --node 10.77.0.1:7946 --ack owner \
		--count "$1" --rate "${3:-400}" "$CH" "$2" \
		>"$LAB_DIR/pub.out" 2>&1 ||
		{ cat "$LAB_DIR/pub.out"; die "rumor pub"; }
	grep -q "^acked $1 of $1 (ok $1," "$LAB_DIR/pub.out" ||
		{ cat "$LAB_DIR/pub.out"; die "not every message acked"; }
}

# last TAG: the STREAM:SEQ subscriber TAG printed last for $CH.
last() {
	sed -n "s/^$CH: last \(0x[0-9a-f]*:[0-9]*\)$/\1/p" "$LAB_DIR/$1.out"
}

# check TAG FIRST LAST [GAPS]: subscriber TAG got sequences FIRST to
# LAST of one stream, each once, in order, and reported GAPS gaps
# (default 0) in its counts.
check() {
	python3 - "$LAB_DIR/$1.out" "$CH" "$2" "$3" <<'PY' ||
import sys
path, ch, first, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
seqs = [int(l.split()[1]) for l in open(path)
        if l.startswith(ch + " ") and l.split()[1].isdigit()]
want = list(range(first, last + 1))
if seqs != want:
    print(f"got {len(seqs)} sequences {seqs[:5]}..{seqs[-5:]}, "
          f"want {first}..{last}")
    sys.exit(1)
PY
		{ cat "$LAB_DIR/$1.err"; for i in 2 3; do echo "node $i:" \
			$(lab_tel $i /rumor/stats | tr ',' '\n' |
			grep -E 'resume|nack|gone|retrans'); done
		die "subscriber $1: not $2..$3 once each in order"; }
	grep -q "^$CH: received .* gaps ${4:-0} " "$LAB_DIR/$1.out" ||
		die "subscriber $1: $(grep "^$CH:" "$LAB_DIR/$1.out")"
	echo "ok: $1 got $2..$3 in order, ${4:-0} gap(s)"
}

say "1. 40 messages heard, 30 missed, resumed through node 2"
chan solo
lab_sub s1 2 --count 40 --timeout 20 --quiet "$CH"
lab_wait_subscribed s1 1
sleep 0.5
pub 40 a
wait "${LAB_SUB_PID[s1]}" || die "subscriber s1"
POS=$(last s1)
[ "${POS#*:}" = 40 ] || die "s1 ended at '$POS', not at 40"
STREAM=${POS%:*}
SOLO=$CH
pub 30 b
nacks=$(( $(lab_stat 2 resume_nack_sent) + $(lab_stat 2 chan_nack_sent) ))
lab_sub r1 2 --from "$STREAM:40" --count 30 --timeout 10 "$CH"
wait "${LAB_SUB_PID[r1]}" || die "resumer r1: $(cat "$LAB_DIR/r1.err")"
check r1 41 70
grep -q "^$CH 41 b 1$" "$LAB_DIR/r1.out" || die "r1: sequence 41 not 'b 1'"
asked=$(( $(lab_stat 2 resume_nack_sent) + $(lab_stat 2 chan_nack_sent) ))
[ "$asked" -gt "$nacks" ] || die "node 2 asked the owner for nothing"
[ "$(lab_stat 2 resume_done)" -ge 1 ] || die "node 2: resume not done"

say "2. the same through node 3, the owner, from its history"
nacks=$(lab_stat 3 resume_nack_sent)
lab_sub r2 3 --from "$STREAM:10" --count 60 --timeout 10 "$CH"
wait "${LAB_SUB_PID[r2]}" || die "resumer r2: $(cat "$LAB_DIR/r2.err")"
check r2 11 70
expect_eq "node 3's NACKs" "$(lab_stat 3 resume_nack_sent)" "$nacks"
[ "$(lab_stat 3 resume_delivered)" -ge 60 ] ||
	die "node 3 delivered $(lab_stat 3 resume_delivered) from history"

say "3. a resume while 400 messages flow"
pub 400 c 200 &
PUB=$!
lab_pid "$PUB"
sleep 0.7
lab_sub r3 2 --from "$STREAM:70" --count 400 --timeout 15 "$CH"
wait "$PUB" || die "publisher of 400"
wait "${LAB_SUB_PID[r3]}" || die "resumer r3: $(cat "$LAB_DIR/r3.err")"
check r3 71 470

say "4. a resume point older than the history"
pub 300 d 1000
lab_sub r4 2 --from "$STREAM:100" --count 256 --timeout 10 "$CH"
wait "${LAB_SUB_PID[r4]}" || die "resumer r4: $(cat "$LAB_DIR/r4.err")"
check r4 515 770 1
# One gap for the client (the node may report it in several GAPs).
grep -q "^$CH: .* gaps 1 (missing 414) " "$LAB_DIR/r4.out" ||
	{ cat "$LAB_DIR/r4.err"; die "r4: not 101..514 lost"; }
[ "$(lab_stat 2 resume_gap)" -ge 1 ] || die "node 2 counted no GAP"

say "5. a stream the channel no longer has"
lab_sub r5 2 --from "0x1234:5" --count 5 --timeout 10 "$CH"
sleep 1
pub 5 e
wait "${LAB_SUB_PID[r5]}" || die "resumer r5: $(cat "$LAB_DIR/r5.err")"
check r5 771 775 0
grep -q "stream 0x1234 ended; lost 0 " "$LAB_DIR/r5.err" ||
	{ cat "$LAB_DIR/r5.err"; die "r5: no gap of stream 0x1234"; }

say "6. a replicated channel through node 2, a replica"
chan repl
lab_sub s6 1 --count 50 --timeout 20 --quiet "$CH"
lab_wait_subscribed s6 1
sleep 0.5
pub 50 f
wait "${LAB_SUB_PID[s6]}" || die "subscriber s6"
POS=$(last s6)
pub 20 g
nacks=$(lab_stat 2 resume_nack_sent)
lab_sub r6 2 --from "${POS%:*}:30" --count 40 --timeout 10 "$CH"
wait "${LAB_SUB_PID[r6]}" || die "resumer r6: $(cat "$LAB_DIR/r6.err")"
check r6 31 70
expect_eq "node 2's NACKs (a replica)" "$(lab_stat 2 resume_nack_sent)" \
	"$nacks"

say "7. malformed resuming SUBSCRIBEs, and a flood of resumers"
CH=$SOLO
bad=$(lab_stat 2 drop_resume_bad)
read -r _ _ HASH < <("$ATTACK" owner --members 3 "$CH")
ip netns exec "$LAB-cli" python3 - "$CH" "$HASH" <<'PY' || die "python sender"
import socket, struct, sys
name, chash = sys.argv[1].encode(), int(sys.argv[2], 16)
def dgram(stream, seq, reserved=0, size=24, lease=0):
    fixed = struct.pack(">IIQQ", lease, reserved, stream, seq)[:size]
    hdr = struct.pack(">HBBBBHIHHQQQ", 0x524d, 1, 3, 4, 8, len(name), 0,
                      len(fixed), 0, 0, 1, chash)
    return hdr + name + fixed
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for d in (dgram(0, 5), dgram(5, 0), dgram(5, 5, reserved=1),
          dgram(5, 5, size=16), dgram(5, 1 << 63), dgram(5, 5, lease=10**6)):
    s.sendto(d, ("10.77.0.2", 7946))
# A flood: 200 resumers of one channel from as many ports.
for port in range(20000, 20200):
    f = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    f.bind(("10.77.0.66", port))
    f.sendto(dgram(5, 1), ("10.77.0.2", 7946))
    f.close()
PY
sleep 1
echo "node 2 drops: $(lab_drops 2)"
expect_eq "malformed resumes node 2 dropped" \
	"$(( $(lab_stat 2 drop_resume_bad) - bad ))" 6
refused=$(lab_stat 2 resume_refused)
[ "$refused" -ge 1 ] || die "node 2 refused no resumer of the flood"
echo "node 2: resume_refused=$refused resume_started=$(lab_stat 2 resume_started)"
pub 5 h
lab_sub r7 2 --from "$STREAM:775" --count 5 --timeout 10 "$CH"
wait "${LAB_SUB_PID[r7]}" || die "resumer r7: $(cat "$LAB_DIR/r7.err")"
check r7 776 780
echo "node 2 drops: $(lab_drops 2)"

say "8. the owner crashes; its successor lacked 40 messages: fetched"
chan fo
read -r _ X _ < <("$ATTACK" owner --members 2 "$CH")	# Owner of 1, 2.
Y=$((3 - X))
"${NS[@]}" "$RUMOR" pub --node "10.77.0.$Y:7946" --ack quorum "$CH" \
	"f 0" >"$LAB_DIR/pub8.out" 2>&1 || { cat "$LAB_DIR/pub8.out"; die "pub"; }
FO_STREAM=$(sed -n 's/^acked: stream \(0x[0-9a-f]*\) seq 1 .*/\1/p' \
	"$LAB_DIR/pub8.out")
[ -n "$FO_STREAM" ] || { cat "$LAB_DIR/pub8.out"; die "no stream acked"; }
"${NS[@]}" "$RUMOR" pub --node "10.77.0.$Y:7946" --ack quorum --count 9 \
	--rate 200 "$CH" f >"$LAB_DIR/pub8.out" 2>&1 || die "pub 9"
sleep 0.5
# A second channel that node X takes over too, of which it will hold
# nothing at all: it fetches the whole stream.
k=0
while :; do
	read -r CH2 o3 _ < <("$ATTACK" owner --members 3 "fb-$k")
	read -r _ o2 _ < <("$ATTACK" owner --members 2 "fb-$k")
	[ "$o3" = 3 ] && [ "$o2" = "$X" ] && break
	k=$((k + 1))
done
lab_tel "$X" /rumor/chan_loss,100 >/dev/null	# X holds 1..10 alone.
for c in "$CH" "$CH2"; do
	"${NS[@]}" "$RUMOR" pub --node "10.77.0.$Y:7946" --ack quorum \
		--count 40 --rate 200 "$c" g >"$LAB_DIR/pub8.out" 2>&1 ||
		{ cat "$LAB_DIR/pub8.out"; die "pub 40 with node $X deaf"; }
	grep -q "^acked 40 of 40 (ok 40,.*level quorum met by 40" \
		"$LAB_DIR/pub8.out" ||
		{ cat "$LAB_DIR/pub8.out"; die "not at quorum"; }
done
lab_kill9 3
lab_tel "$X" /rumor/chan_loss,0 >/dev/null
lab_wait_epoch 2 1 2
# The next PUBLISH finds node X the owner: it asks node 3, gets no
# answer, and fails over from the replicas (docs/replication.md).
for c in "$CH" "$CH2"; do
	"${NS[@]}" "$RUMOR" pub --node "10.77.0.$Y:7946" --ack quorum "$c" \
		"h 1" >"$LAB_DIR/pub8.out" 2>&1 || { cat "$LAB_DIR/pub8.out";
		die "the first PUBLISH after the crash"; }
	cat "$LAB_DIR/pub8.out"
done
grep -q "^acked: stream .* seq 105 " "$LAB_DIR/pub8.out" ||
	die "$CH2: the stream did not go on at 40 + 64 + 1"
fetched() { [ "$(lab_stat "$X" repl_fetched)" -ge 80 ]; }
lab_wait 10 fetched || { lab_tel "$X" /rumor/stats | tr ',' '\n' |
	grep -E '"(repl|ho)_' | grep -v ':0$' | tr '\n' ' '
	die "node $X fetched $(lab_stat "$X" repl_fetched) of 40"; }
echo "node $X: repl_fetched=$(lab_stat "$X" repl_fetched)" \
	"repl_failover=$(lab_stat "$X" repl_failover)"
lab_sub r8 "$X" --from "$FO_STREAM:1" --count 50 --timeout 6 "$CH"
wait "${LAB_SUB_PID[r8]}" || die "resumer r8: $(cat "$LAB_DIR/r8.err")"
# 2..50 from the new owner's history, the failover's jump (64 sequences
# that never existed) as a GAP, then the first message it ordered.
python3 - "$LAB_DIR/r8.out" "$CH" <<'PY' ||
import sys
seqs = [int(l.split()[1]) for l in open(sys.argv[1])
        if l.startswith(sys.argv[2] + " ")]
sys.exit(seqs != list(range(2, 51)) + [115])
PY
	{ cat "$LAB_DIR/r8.out" "$LAB_DIR/r8.err"; die "r8: not 2..50, 115"; }
grep -q "lost 64 message(s) of 51 \.\. 114" "$LAB_DIR/r8.err" ||
	{ cat "$LAB_DIR/r8.err"; die "r8: the jump not a GAP"; }
echo "ok: r8 got 2..50 from the new owner, the jump as a GAP, then 115"

say "9. history = 32 on node 2 (SIGHUP): what is older, a GAP"
lab_chan_owned solo-h 2 2	# Node 2's on the ring of nodes 1 and 2.
echo "history = 32" >>"$LAB_DIR/n2.conf"
kill -HUP "$(lab_node_pid 2 dataplane)"
sleep 1
"${NS[@]}" "$RUMOR" pub --node 10.77.0.1:7946 --ack owner "$CH" "k 0" \
	>"$LAB_DIR/pub9.out" 2>&1 || { cat "$LAB_DIR/pub9.out"; die "pub"; }
H_STREAM=$(sed -n 's/^acked: stream \(0x[0-9a-f]*\) seq 1 .*/\1/p' \
	"$LAB_DIR/pub9.out")
[ -n "$H_STREAM" ] || { cat "$LAB_DIR/pub9.out"; die "no stream acked"; }
pub 99 k 1000
lab_sub r9 2 --from "$H_STREAM:1" --count 32 --timeout 6 "$CH"
wait "${LAB_SUB_PID[r9]}" || die "resumer r9: $(cat "$LAB_DIR/r9.err")"
check r9 69 100 1
grep -q "^$CH: .* gaps 1 (missing 67) " "$LAB_DIR/r9.out" ||
	die "r9: not 2..68 lost"
say "resume: PASS"
