#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Failover of replicated channels (docs/replication.md, "Failover") on
# five real nodes (both processes each, Raft voters 1-3, learners 4 and
# 5, R = 3, node credentials), with kernel clients:
#
#   - subscribers on nodes 1 and 2 follow FAILOVER_CHANNELS (300) ordered
#     channels; a publisher on its own host sends FAILOVER_RATE (300)
#     messages a second round them through node 1, each PUBLISH asking
#     for an acknowledgement at quorum, numbered per channel, sent again
#     with its number when unanswered (rumor's client library does the
#     same);
#   - kill -9 of node 5, then (node 5 back) of node 4, then of node 3 (a
#     voter), each owning about a fifth of the channels, and last the
#     kill -9 of node 5 while node 4 leaves gracefully; after each, the
#     survivors' new epoch, and the killed node restarted;
#
# It prints
#   failover: acked=<n> lost_acked=<n> duplicates=<n> resets=<n> unacked_lost=<n>
# (deliveries over both subscribers: lost_acked, acknowledged messages a
# subscriber never got; duplicates, messages a subscriber got twice;
# resets, new streams it saw; unacked_lost, messages never acknowledged
# and never delivered) and passes when lost_acked, duplicates and resets
# are 0, every message was acknowledged in the end, and some channel
# failed over. FAILOVER_CHANNELS and FAILOVER_RATE change the set-up;
# KEEP_LAB=1 keeps the logs and the clients' output (scripts/lab.sh).
. "$(dirname "$0")/../../scripts/lab.sh"

CHANNELS=${FAILOVER_CHANNELS:-300}
RATE=${FAILOVER_RATE:-300}
STEADY=2	# seconds of publishing between the changes

lab_init fo
# Five nodes share two cores: a deeper receive ring, longer idle sleeps.
LAB_VDEV_ARGS=",framecnt=4096"
LAB_IDLE_US=50
ATTACK=$BUILD/tests/tools/rumor-attack
lab_need "$RUMOR" "$ATTACK"
python3 -c 'import ctypes; ctypes.CDLL("libxxhash.so.0")' 2>/dev/null ||
	skip "needs libxxhash.so.0 (the publisher hashes channel names)"
lab_cluster 5 label=failover swim=fast voters="1 2 3"
lab_host cli 10.77.0.66
CLI=(ip netns exec "$LAB-cli")

# The publisher: acked PUBLISHes (docs/replication.md: flag ACK, the
# 40-byte request, then the message "pK", K the channel's own number),
# round the channels at a steady rate until SIGTERM, each sent again
# every 300 ms until a PUB_ACK answers it; after SIGTERM it keeps asking
# for the unanswered ones for 10 s more. It writes what it sent and how
# each was answered.
cat >"$LAB_DIR/pub.py" <<'PY'
import ctypes, json, os, select, signal, socket, struct, sys, time
node, port, prefix, nchan, rate, out = (sys.argv[1], int(sys.argv[2]),
    sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
xxh = ctypes.CDLL("libxxhash.so.0").XXH3_64bits
xxh.restype = ctypes.c_uint64
xxh.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
if xxh(b"news", 4) != 0xcea6a9c08ead0124:
    sys.exit("pub.py: libxxhash's XXH3_64bits is not rumor's channel hash")
names = [("%s%d" % (prefix, i)).encode() for i in range(nchan)]
index = {n: i for i, n in enumerate(names)}
hashes = [xxh(n, len(n)) for n in names]
LEVEL_QUORUM = 2
stop_at = None
def on_signal(sig, frame):
    global stop_at
    stop_at = time.monotonic()
signal.signal(signal.SIGTERM, on_signal)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.66", 41000))
s.connect((node, port))
counts = [0] * nchan
pending = {}            # (c, k) -> [bytes, last send]
answers = {}            # "c/k" -> [status, stream, seq]
sent = resent = 0
def datagram(c, k):
    payload = b"p%d" % k
    req = struct.pack(">QQB", 0, k, LEVEL_QUORUM) + bytes(23)
    body = req + payload
    return struct.pack(">HBBBBHIHHQQQ", 0x524D, 1, 1, 0x04, 8,
                       len(names[c]), 0, len(body), 0, 0, sent + 1,
                       hashes[c]) + names[c] + body
def take_answers():
    while select.select([s], [], [], 0)[0]:
        d = s.recv(2048)
        if len(d) < 40 or d[3] != 18:
            continue
        clen = struct.unpack(">H", d[6:8])[0]
        name = d[40:40 + clen]
        f = d[40 + clen:40 + clen + 40]
        if name not in index or len(f) != 40:
            continue
        number, stream, seq = struct.unpack(">QQQ", f[:24])
        status = f[37]
        c = index[name]
        if pending.pop((c, number), None) is not None or \
                "%d/%d" % (c, number) not in answers:
            answers["%d/%d" % (c, number)] = [status, stream, seq]
t0 = time.monotonic()
while True:
    now = time.monotonic()
    if stop_at is not None and (not pending or now - stop_at > 10):
        break
    due = int((now - t0) * rate) if stop_at is None else sent
    while sent < due:
        c = sent % nchan
        counts[c] += 1
        d = datagram(c, counts[c])
        try:
            s.send(d)
        except OSError:
            pass
        pending[(c, counts[c])] = [d, now]
        sent += 1
    for key, p in list(pending.items()):
        if now - p[1] >= 0.3:
            try:
                s.send(p[0])
            except OSError:
                pass
            p[1] = now
            resent += 1
    take_answers()
    time.sleep(0.002)
with open(out + ".tmp", "w") as f:
    json.dump({"sent": sent, "resent": resent, "seconds": time.monotonic() - t0,
               "counts": {n.decode(): k for n, k in zip(names, counts)},
               "answers": answers}, f)
os.rename(out + ".tmp", out)
PY

# The judge: the publisher's record against what each subscriber printed
# ("CHANNEL SEQUENCE pK") and its counts at exit.
cat >"$LAB_DIR/judge.py" <<'PY'
import json, re, sys
pub = json.load(open(sys.argv[1]))
names = list(pub["counts"])
acked = set()
for key, (status, stream, seq) in pub["answers"].items():
    c, k = map(int, key.split("/"))
    if status in (0, 1):            # OK, DUPLICATE
        acked.add((names[c], k))
sent = {(ch, k) for ch, n in pub["counts"].items() for k in range(1, n + 1)}
count_re = re.compile(r"^(\S+): received \d+ gaps \d+ \(missing \d+\) "
                      r"duplicates (\d+) reordered \d+ resets (\d+)$")
lost_acked = dups = resets = unacked_lost = 0
for path in sys.argv[2:]:
    got = {}
    for line in open(path):
        m = count_re.match(line.rstrip("\n"))
        if m:
            dups += int(m.group(2))
            resets += int(m.group(3))
            continue
        f = line.split()
        if len(f) == 3 and f[2].startswith("p") and f[2][1:].isdigit():
            key = (f[0], int(f[2][1:]))
            got[key] = got.get(key, 0) + 1
    dups += sum(n - 1 for n in got.values() if n > 1)
    missing = sent - set(got)
    lost_acked += len(missing & acked)
    unacked_lost += len(missing - acked)
    for ch, k in sorted(missing & acked)[:3]:
        print("   %s: %s p%d acknowledged, never delivered" % (path, ch, k))
# Why the ones never acknowledged were not: the status that answered
# them last, or none.
why = {}
for c, k in sorted(sent - acked):
    a = pub["answers"].get("%d/%d" % (names.index(c), k))
    w = "status %d" % a[0] if a else "no answer"
    why[w] = why.get(w, 0) + 1
    if why[w] <= 3:
        print("   %s p%d never acknowledged: %s" % (c, k, w))
print("failover: acked=%d lost_acked=%d duplicates=%d resets=%d "
      "unacked_lost=%d" % (len(acked), lost_acked, dups, resets,
                           unacked_lost))
print("TOTAL", len(sent), len(acked), lost_acked, dups, resets, unacked_lost)
PY

chans=()
for i in $(seq 0 $((CHANNELS - 1))); do chans+=("fo$i"); done
ALL5="1:alive 2:alive 3:alive 4:alive 5:alive "

# restart ID: node ID back, until every node holds it alive again and
# every dataplane forwards on one epoch of five.
restart() {
	lab_up "$1"
	for i in 1 2 3 4 5; do lab_wait_view "$i" "$ALL5" 60; done
	lab_wait_epoch 5 1 2 3 4 5
	echo "   node $1 back: ring epoch $EPOCH of five"
}

# crash ID: kill -9 of node ID, until the others forward on an epoch
# without it.
crash() {
	local others=() i
	for i in 1 2 3 4 5; do [ "$i" = "$1" ] || others+=("$i"); done
	lab_kill9 "$1"
	lab_wait_epoch 4 "${others[@]}"
	echo "   node $1 killed: ring epoch $EPOCH of four"
}

say "five nodes (voters 1, 2, 3), subscribers on nodes 1 and 2"
lab_up 1 2 3 4 5
for i in 1 2 3 4 5; do lab_wait_view "$i" "$ALL5" 60; done
lab_wait_epoch 5 1 2 3 4 5
for t in 1 2; do lab_sub "s$t" "$t" --lease 300000 "${chans[@]}"; done
for t in 1 2; do
	lab_wait_subscribed "s$t" "$CHANNELS" 30
	lab_wait_audience "$t" "$CHANNELS" 30
done

say "publishing at quorum; crashes of nodes 5, 4 and 3 in turn"
"${CLI[@]}" python3 "$LAB_DIR/pub.py" 10.77.0.1 7946 fo "$CHANNELS" "$RATE" \
	"$LAB_DIR/pub.json" 2>"$LAB_DIR/pub.err" &
PUB_PID=$!
lab_pid "$PUB_PID"
sleep "$STEADY"
crash 5
sleep "$STEADY"
restart 5
sleep "$STEADY"
crash 4
sleep "$STEADY"
restart 4
sleep "$STEADY"
crash 3
sleep "$STEADY"
restart 3
sleep "$STEADY"
say "node 4 leaves gracefully while node 5 is killed"
lab_stop 4 &
lab_pid "$!"
lab_kill9 5
lab_wait_epoch 3 1 2 3
echo "   ring epoch $EPOCH of three"
sleep "$STEADY"

kill -0 "$PUB_PID" 2>/dev/null ||
	{ cat "$LAB_DIR/pub.err"; die "the publisher exited early"; }
kill -TERM "$PUB_PID"
wait "$PUB_PID" || { cat "$LAB_DIR/pub.err"; die "the publisher failed"; }
sleep 3
for t in 1 2; do kill -INT "${LAB_SUB_PID[s$t]}" 2>/dev/null || true; done
for t in 1 2; do wait "${LAB_SUB_PID[s$t]}" 2>/dev/null || true; done
for i in 1 2 3; do
	lab_statf "$i" "   node $i: failover {repl_failover},\
 asked {repl_failover_asked}, continued {handoff_continued},\
 fresh {handoff_fresh}, window held {handoff_held},\
 handed {repl_handed}/{repl_handed_rx}, drops: $(lab_drops "$i")"
done
python3 "$LAB_DIR/judge.py" "$LAB_DIR/pub.json" "$LAB_DIR/s1.out" \
	"$LAB_DIR/s2.out" >"$LAB_DIR/judge.out" || die "judging failed"
grep -v '^TOTAL ' "$LAB_DIR/judge.out"
read -r _ SENT ACKED LOST_ACKED DUPS RESETS UNACKED_LOST \
	< <(grep '^TOTAL ' "$LAB_DIR/judge.out")
FAILOVERS=0
for i in 1 2 3; do
	FAILOVERS=$((FAILOVERS + $(lab_stat "$i" repl_failover)))
done
expect_eq "messages acknowledged (of $SENT sent)" "$ACKED" "$SENT"
expect_eq "acknowledged messages lost" "$LOST_ACKED" 0
expect_eq "duplicates" "$DUPS" 0
expect_eq "resets (new streams)" "$RESETS" 0
[ "$FAILOVERS" -gt 0 ] || die "no channel failed over"
echo "ok: $FAILOVERS channel(s) failed over"
echo "PASS"
