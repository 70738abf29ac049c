#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Failover of a replicated channel (docs/replication.md, "Failover"):
# three full nodes with node credentials (voters 1-3), R = 3. A client
# publishes 600 messages acknowledged at quorum through node 1 into a
# channel node 3 owns (its replicas: nodes 1 and 2) while a subscriber
# on node 2 follows it; two seconds in, node 3 is killed (kill -9 of both
# processes). Checks:
#   1. every message is acknowledged at quorum: none lost, none refused
#      (those in flight to the dead owner are retried with their number);
#   2. the new owner asked the old replica set (REPL_SYNC) and continued
#      the same stream (repl_failover), with no new stream (no reset at
#      the subscriber, no handoff_fresh);
#   3. the subscriber received every one of the 600 messages, in order
#      of sequence, and at most the failover's one gap (the window the
#      new owner jumps past, never a message that was acknowledged).
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init fover
LAB_VDEV_ARGS=",framecnt=4096"
LAB_IDLE_US=50
ATTACK=$BUILD/tests/tools/rumor-attack
lab_need "$RUMOR" "$ATTACK"
lab_cluster 3 label=failover swim=fast voters="1 2 3"

say "three nodes (voters 1, 2, 3)"
lab_up 1 2 3
lab_wait_epoch 3 1 2 3

# A channel node 3 owns on the ring of 1..3.
k=0
while :; do
	read -r CH owner _ < <("$ATTACK" owner --members 3 "fo-$k")
	[ "$owner" = 3 ] && break
	k=$((k + 1))
done
echo "   channel $CH, owned by node 3, replicas 1 and 2"

say "600 messages acknowledged at quorum; node 3 killed two seconds in"
lab_sub s 2 --timeout 20 "$CH"
sleep 1
"${NS[@]}" "$RUMOR" pub --node 10.77.0.1:7946 --ack quorum --count 600 \
	--rate 100 "$CH" m >"$LAB_DIR/pub.out" 2>&1 &
lab_pid "$!"
pub=$!
sleep 2
lab_kill9 3
rc=0
wait "$pub" || rc=$?
cat "$LAB_DIR/pub.out"
[ "$rc" = 0 ] || die "rumor pub --ack quorum failed ($rc)"
grep -q "^acked 600 of 600 (ok 600,.*level quorum met by 600" \
	"$LAB_DIR/pub.out" || die "not every message acknowledged at quorum"
echo "ok: 600 of 600 acknowledged at quorum across the failover"

wait "${LAB_SUB_PID[s]}" || true
tail -1 "$LAB_DIR/s.out"
for i in 1 2; do
	echo "node $i: failover=$(lab_stat "$i" repl_failover)" \
		"asked=$(lab_stat "$i" repl_failover_asked)" \
		"fresh=$(lab_stat "$i" handoff_fresh)" \
		"timeout=$(lab_stat "$i" handoff_timeout)" \
		"continued=$(lab_stat "$i" handoff_continued)"
done
failovers=$(( $(lab_stat 1 repl_failover) + $(lab_stat 2 repl_failover) ))
fresh=$(( $(lab_stat 1 handoff_fresh) + $(lab_stat 2 handoff_fresh) ))
[ "$failovers" -ge 1 ] || die "no failover continued the stream"
expect_eq "new streams started" "$fresh" 0

# The subscriber's lines: CHANNEL SEQUENCE MESSAGE; then its summary.
python3 - "$LAB_DIR/s.out" "$CH" <<'PY' || die "the subscriber's stream"
import re, sys
path, ch = sys.argv[1], sys.argv[2]
seqs, msgs = [], []
summary = ""
for line in open(path):
    m = re.match(r"^%s (\d+) m (\d+)$" % re.escape(ch), line.strip())
    if m:
        seqs.append(int(m.group(1)))
        msgs.append(int(m.group(2)))
    elif line.startswith(ch + ":"):
        summary = line
got = set(msgs)
missing = sorted(set(range(1, 601)) - got)
resets = int(re.search(r"resets (\d+)", summary).group(1))
gaps = int(re.search(r"gaps (\d+)", summary).group(1))
print("subscriber: %d messages, %d distinct, missing %s, resets %d, "
      "gaps %d" % (len(msgs), len(got), missing[:10], resets, gaps))
ok = not missing and resets == 0 and gaps <= 1 and seqs == sorted(seqs)
sys.exit(0 if ok else 1)
PY
echo "ok: every message delivered, one stream, in order"

for i in 1 2; do lab_stop "$i" || true; done
echo "PASS"
