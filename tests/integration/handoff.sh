#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Channel handoff across membership changes, on five real nodes (both
# processes each, started by scripts/rumor-node.sh as in epochs.sh: Raft
# voters 1, 2 and 3, learners 4 and 5), with kernel clients:
#
#   - nodes 1 to 4 start, on one ring epoch of four members;
#   - a `rumor sub` on node 1 and one on node 2 each subscribe to 1,000
#     ordered channels (ho0 .. ho999); a publisher on node 3 sends
#     HANDOFF_RATE (2,000) messages a second round them, each numbered
#     per channel, for the whole of each phase;
#   - graceful phase: node 5 joins (a five-member epoch on every
#     dataplane), then node 4 leaves (SIGTERM to its rumor-control; a
#     four-member epoch on 1, 2, 3 and 5; its dataplane runs on for
#     HANDOFF_LINGER (3) seconds to hand its channels over, then stops).
#     Every subscriber must receive every message published, each once:
#     no gap, nothing missing, no duplicate (by sequence or by message),
#     nothing reordered and no new stream (reset);
#   - kill phase, with new subscribers and a new run of the publisher:
#     kill -9 of node 5's two processes (a three-member epoch on 1, 2 and
#     3). The messages lost must stay within HANDOFF_KILL_BOUND, by
#     default what both subscribers expect of node 5's channels from the
#     kill until the survivors' new table, plus 500 ms (node 5's
#     ordering rate, measured before the kill, x that time x 2
#     subscribers): the bound docs/channels.md gives.
#
# Losses and duplicates count deliveries: one message missing at both
# subscribers is 2 lost. Whatever the verdict, once both phases ran it
# prints
#   handoff: lost_graceful=<n> dup_graceful=<n> lost_kill=<n> resets=<n>
# (resets: new streams the subscribers saw in the graceful phase), then
# PASS, or one FAIL line per check that failed (on stderr, exit 1).
#
#   handoff.sh             both phases (the test)
#   handoff.sh --graceful  the graceful phase alone, for
#                          scripts/bench-rebalance.sh (lost_kill=n/a)
# HANDOFF_CHANNELS (1,000; at most 1,024, a client's limit),
# HANDOFF_RATE, HANDOFF_LINGER and HANDOFF_KILL_BOUND change the set-up;
# HANDOFF_LOSS=P drops P percent of the node-to-node channel messages
# each node receives, from the start of the graceful phase until node 4
# left (for hosts without tc netem: telemetry /rumor/chan_loss), so that
# the changes happen while NACKs recover what is lost;
# KEEP_LAB=1 keeps the logs and the clients' output (scripts/lab.sh).
. "$(dirname "$0")/../../scripts/lab.sh"

mode=full
case ${1:-} in
"") ;;
--graceful) mode=graceful ;;
*) lab_usage; exit 2 ;;
esac

CHANNELS=${HANDOFF_CHANNELS:-1000}
RATE=${HANDOFF_RATE:-2000}
LINGER=${HANDOFF_LINGER:-3}
LOSS=${HANDOFF_LOSS:-0}
STEADY=3	# seconds of publishing before and after each change

lab_init ho
# Five nodes share two cores: deeper receive rings, longer idle sleeps.
# PUBLISHes here ask for no acknowledgement, so one the kernel drops for
# want of room in the owner's ring (a node kept off its core a while,
# as the join keeps node 5 busy) is lost for good: 16,384 frames, some
# 1.5 s of this traffic.
LAB_VDEV_ARGS=",framecnt=16384"
LAB_IDLE_US=50
lab_need "$RUMOR"
python3 -c 'import ctypes; ctypes.CDLL("libxxhash.so.0")' 2>/dev/null ||
	skip "needs libxxhash.so.0 (the publisher hashes channel names)"

# counter I NAME: a counter of node I's /rumor/stats ("?" if unreachable).
counter() { lab_stat "$1" "$2" 2>/dev/null || echo "?"; }

now_ms() { date +%s%3N; }
# at WHAT: a line stamped with the time since the publisher started.
at() {
	local t=$(($(now_ms) - PUB_T0))
	printf '   t+%d.%03ds %s\n' $((t / 1000)) $((t % 1000)) "$*"
}

# The publisher: PUBLISH datagrams (docs/channels.md), round the
# channels at a steady rate, the k-th message of a channel carrying "pk",
# until SIGTERM; then it writes how many it sent to each channel.
cat >"$LAB_DIR/pub.py" <<'PY'
import ctypes, json, os, signal, socket, struct, sys, time
node, port, prefix, nchan, rate, out = (sys.argv[1], int(sys.argv[2]),
    sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
xxh = ctypes.CDLL("libxxhash.so.0").XXH3_64bits
xxh.restype = ctypes.c_uint64
xxh.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
# docs/channels.md: "news" hashes to 0xcea6a9c08ead0124.
if xxh(b"news", 4) != 0xcea6a9c08ead0124:
    sys.exit("pub.py: libxxhash's XXH3_64bits is not rumor's channel hash")
names = [("%s%d" % (prefix, i)).encode() for i in range(nchan)]
hashes = [xxh(n, len(n)) for n in names]
stop = False
def on_signal(sig, frame):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGINT, on_signal)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect((node, port))
counts = [0] * nchan
sent = errors = 0
t0 = time.monotonic()
while not stop:
    due = int((time.monotonic() - t0) * rate)
    burst = 0
    while sent < due and burst < 64 and not stop:
        c = sent % nchan
        payload = b"p%d" % (counts[c] + 1)
        msg = struct.pack(">HBBBBHIHHQQQ", 0x524D, 1, 1, 0, 8,
                          len(names[c]), 0, len(payload), 0, 0, sent + 1,
                          hashes[c]) + names[c] + payload
        try:
            s.send(msg)
        except OSError:
            errors += 1      # not sent: the same message again
            time.sleep(0.001)
            continue
        counts[c] += 1
        sent += 1
        burst += 1
    time.sleep(0.002)
elapsed = time.monotonic() - t0
with open(out + ".tmp", "w") as f:
    json.dump({"sent": sent, "seconds": elapsed, "send_errors": errors,
               "counts": {n.decode(): k for n, k in zip(names, counts)}}, f)
os.rename(out + ".tmp", out)
PY

# The judge: a phase's published counts against what each subscriber
# printed, message by message ("CHANNEL SEQUENCE pK") and by its own
# counts at exit. Prints one line per subscriber, a few of the channels
# that went wrong, then "TOTAL expected received lost dup gaps missing
# reordered resets channels_short".
cat >"$LAB_DIR/judge.py" <<'PY'
import json, re, sys
pub = json.load(open(sys.argv[1]))["counts"]
nchan = len(pub)
count_re = re.compile(r"^(\S+): received (\d+) gaps (\d+) \(missing (\d+)\) "
                      r"duplicates (\d+) reordered (\d+) resets (\d+)$")
tot = dict(expected=0, received=0, lost=0, dup=0, gaps=0, missing=0,
           reordered=0, resets=0, short=0)
for arg in sys.argv[2:]:
    tag, path = arg.split("=", 1)
    got = {}          # channel -> set of message numbers
    printed = {}      # channel -> delivery lines
    stats = {}
    for line in open(path):
        m = count_re.match(line.rstrip("\n"))
        if m:
            stats[m.group(1)] = list(map(int, m.groups()[1:]))
            continue
        f = line.split()
        if len(f) == 3 and f[2].startswith("p") and f[2][1:].isdigit():
            got.setdefault(f[0], set()).add(int(f[2][1:]))
            printed[f[0]] = printed.get(f[0], 0) + 1
    s = dict(expected=0, received=0, lost=0, dup=0, gaps=0, missing=0,
             reordered=0, resets=0, short=0)
    bad = []
    silent = 0
    for ch, n in pub.items():
        st = stats.get(ch)
        if st is None:
            s["short"] += 1
            st = [0] * 6
        rx, gaps, miss, dup, reord, resets = st
        uniq = len(got.get(ch, set()) & set(range(1, n + 1)))
        twice = printed.get(ch, 0) - len(got.get(ch, set()))
        lost = n - uniq
        # Its last messages never came, and no new stream either.
        if lost and not resets and got.get(ch) and \
                len(got[ch]) == max(got[ch]) and max(got[ch]) < n:
            silent += 1
        s["expected"] += n
        s["received"] += rx
        s["lost"] += lost
        s["dup"] += dup + twice
        s["gaps"] += gaps
        s["missing"] += miss
        s["reordered"] += reord
        s["resets"] += resets
        if lost or dup or twice or gaps or miss or reord or resets or \
                rx != n or ch not in stats:
            bad.append((-lost, -(dup + twice), -gaps, ch,
                        "%s: published %d, received %d, lost %d, gaps %d "
                        "(missing %d), duplicates %d (by sequence %d, by "
                        "message %d), reordered %d, resets %d"
                        % (ch, n, rx, lost, gaps, miss, dup + twice, dup,
                           twice, reord, resets)))
    print("   %s: expected %d received %d lost %d duplicates %d gaps %d "
          "(missing %d) reordered %d resets %d; %d of %d channels not "
          "exact (%d with losses%s)%s"
          % (tag, s["expected"], s["received"], s["lost"], s["dup"],
             s["gaps"], s["missing"], s["reordered"], s["resets"], len(bad),
             nchan, sum(1 for b in bad if b[0] < 0),
             ", %d of them silent after some message: no new stream, "
             "nothing more" % silent if silent else "",
             ", %d without counts" % s["short"] if s["short"] else ""))
    for b in sorted(bad)[:3]:
        print("      " + b[-1])
    for k in tot:
        tot[k] += s[k]
print("TOTAL", *(tot[k] for k in ("expected", "received", "lost", "dup",
      "gaps", "missing", "reordered", "resets", "short")))
PY

chans=()
for i in $(seq 0 $((CHANNELS - 1))); do chans+=("ho$i"); done

# sub_start TAG NODE: a subscriber of every channel through NODE. The
# longest lease: no refresh, and no burst of a thousand acknowledgements
# at the client's socket, falls within a phase.
sub_start() { lab_sub "$1" "$2" --lease 300000 "${chans[@]}"; }

# sub_ready TAG NODE: until the subscriber holds every channel and its
# node has every channel's interest granted by the owner.
sub_ready() {
	lab_wait_subscribed "$1" "$CHANNELS" 30
	lab_wait_audience "$2" "$CHANNELS" 30
}

# pub_start TAG: the publisher, through node 3.
pub_start() {
	"${NS[@]}" python3 "$LAB_DIR/pub.py" 10.77.0.3 7946 ho "$CHANNELS" \
		"$RATE" "$LAB_DIR/$1.json" 2>"$LAB_DIR/$1.err" &
	PUB_PID=$!
	lab_pid "$PUB_PID"
	PUB_T0=$(now_ms)
}

pub_stop() {
	local rc=0
	kill -0 "$PUB_PID" 2>/dev/null ||
		{ cat "$LAB_DIR/$1.err"; die "the publisher exited early"; }
	kill -TERM "$PUB_PID"
	wait "$PUB_PID" || rc=$?
	[ $rc = 0 ] && [ -s "$LAB_DIR/$1.json" ] ||
		{ cat "$LAB_DIR/$1.err"; die "the publisher failed ($rc)"; }
	python3 -c 'import json,sys; d = json.load(open(sys.argv[1]))
print("   published %d messages in %.1f s (%.0f a second), %d send errors retried"
      % (d["sent"], d["seconds"], d["sent"] / d["seconds"], d["send_errors"]))' \
		"$LAB_DIR/$1.json"
	PUBLISHED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent"])' \
		"$LAB_DIR/$1.json")
}

# settle N TAGS...: until the subscribers have printed N deliveries each,
# or nothing more came for 2 s (at most 15 s).
settle() {
	local want=$1 k t n all seen last= still=0
	shift
	for k in $(seq 1 150); do
		all=1 seen=
		for t in "$@"; do
			n=$(grep -c ' p[0-9]*$' "$LAB_DIR/$t.out" || true)
			seen="$seen $n"
			[ "$n" -ge "$want" ] || all=0
		done
		[ $all = 1 ] && return 0
		if [ "$seen" = "$last" ]; then
			still=$((still + 1))
			[ $still -lt 20 ] || return 0
		else
			still=0 last=$seen
		fi
		sleep 0.1
	done
}

# counters I...: a few channel counters of each node listed, for the log.
counters() {
	local i
	for i in "$@"; do
		lab_statf "$i" "   node $i counters: ordered {chan_stamped},\
 fan-out {chan_fanout}, delivered {chan_delivered},\
 stale stream {chan_stale_stream}, given up {chan_lost},\
 joined mid-way {chan_rx_joined}, caught up {chan_catchup},\
 no audience {drop_chan_no_audience}, no sink {drop_no_sink},\
 no peer {drop_no_peer}
   node $i handoff: held {handoff_held}, asked {handoff_req_sent},\
 continued {handoff_continued}, fresh {handoff_fresh},\
 timeout {handoff_timeout}, stale {handoff_stale},\
 asked of it {handoff_req_rx}, early {handoff_req_early},\
 sent {handoff_sent}, empty {handoff_sent_empty},\
 pushed {handoff_pushed}, rx {handoff_rx},\
 not owner {handoff_not_owner}, behind {epoch_behind},\
 rerouted {chan_rerouted}"
		echo "   node $i drops: $(lab_tel "$i" /rumor/stats 2>/dev/null |
			python3 -c 'import json,sys
d = json.load(sys.stdin)["/rumor/stats"]
print(" ".join("%s=%s" % (k, v) for k, v in sorted(d.items())
	if v and (k.startswith(("drop_", "auth_unknown", "auth_bad",
		"auth_missing", "auth_replay", "auth_no_key", "epoch_too_far",
		"epoch_hold_full", "epoch_expired")))) or
	"none")' 2>/dev/null)"
	done
}

# judge PHASE SUBTAGS...: sets LOST DUP RESETS GAPS MISSING REORDERED
# RECEIVED EXPECTED SHORT for the phase.
judge() {
	local phase=$1 args=() t
	shift
	for t in "$@"; do args+=("$t=$LAB_DIR/$t.out"); done
	python3 "$LAB_DIR/judge.py" "$LAB_DIR/$phase.json" "${args[@]}" \
		>"$LAB_DIR/$phase.judge" || die "judging the $phase phase failed"
	grep -v '^TOTAL ' "$LAB_DIR/$phase.judge"
	read -r _ EXPECTED RECEIVED LOST DUP GAPS MISSING REORDERED RESETS SHORT \
		< <(grep '^TOTAL ' "$LAB_DIR/$phase.judge")
}

# udp_drops: datagrams the kernel dropped at the clients' sockets for
# want of buffer space (RcvbufErrors of the namespace the clients run in):
# losses on the last hop that no node can help, when the host is too
# busy to run the subscribers in time.
udp_drops() {
	"${NS[@]}" awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $6 }' /proc/net/snmp
}

FAILS=() NOTES=()
check() { # check WHAT GOT WANT
	if [ "$2" = "$3" ]; then
		echo "ok: $1 = $2"
	else
		echo "not ok: $1 = $2, want $3"
		FAILS+=("$1: $2, want $3")
	fi
}

# With node credentials, as a production cluster runs.
lab_cluster 5 label=handoff swim=fast "sync_interval_ms = 5000" voters="1 2 3"

say "nodes 1 to 4 (voters 1, 2, 3): one ring epoch of four members"
lab_up 1 2 3 4
lab_wait_epoch 4 1 2 3 4
echo "ok: nodes 1-4 on ring epoch $EPOCH of 4 members"

say "graceful phase: subscribers on nodes 1 and 2, $CHANNELS channels each; publisher on node 3, $RATE a second"
sub_start g1 1
sub_start g2 2
sub_ready g1 1
sub_ready g2 2
echo "ok: both subscribers hold $CHANNELS channels, every interest granted"
drops0=$(udp_drops)
pub_start graceful
at "publishing"
loss() {
	local i
	for i in "$@"; do
		lab_tel "$i" "/rumor/chan_loss,$LOSS" >/dev/null 2>&1 || true
	done
}
if [ "$LOSS" != 0 ]; then
	loss 1 2 3 4
	at "${LOSS}% of the node-to-node channel messages dropped on arrival (telemetry /rumor/chan_loss)"
fi
sleep $STEADY
at "node 5 starts"
lab_up 5
lab_wait_epoch 5 1 2 3 4 5
[ "$LOSS" = 0 ] || loss 5
at "ring epoch $EPOCH of 5 members on every dataplane"
sleep $STEADY
at "SIGTERM to node 4's rumor-control (a graceful leave)"
kill -TERM "$(lab_node_pid 4 control)"
lab_wait_epoch 4 1 2 3 5
at "ring epoch $EPOCH of 4 members on nodes 1, 2, 3, 5; node 4's dataplane runs on for ${LINGER} s"
sleep "$LINGER"
counters 4
[ "$LOSS" = 0 ] || { LOSS=0 loss 1 2 3 5; at "loss injection off"; }
lab_stop 4 || true
at "node 4 stopped"
sleep $STEADY
at "publisher stops"
pub_stop graceful
settle "$PUBLISHED" g1 g2
lab_sub_stop g1
lab_sub_stop g2
counters 1 2 3 5
drops=$(($(udp_drops) - drops0))
echo "   clients' sockets: $drops datagrams dropped for want of buffer space"
judge graceful g1 g2
lost_graceful=$LOST dup_graceful=$DUP resets_graceful=$RESETS
check "graceful: deliveries received (of $PUBLISHED published x 2 subscribers)" \
	"$RECEIVED" "$EXPECTED"
check "graceful: deliveries lost" "$LOST" 0
check "graceful: gaps" "$GAPS" 0
check "graceful: sequences missing" "$MISSING" 0
check "graceful: duplicates" "$DUP" 0
check "graceful: reordered" "$REORDERED" 0
check "graceful: resets (new streams)" "$RESETS" 0
check "graceful: channels without counts" "$SHORT" 0
[ "$drops" = 0 ] || NOTES+=("graceful: the clients' own sockets dropped $drops datagrams for want of buffer space (a host too busy to run them): losses there are not the nodes'")

lost_kill=n/a
if [ $mode = full ]; then
	say "kill phase: new subscribers and publisher, then kill -9 of node 5"
	sub_start k1 1
	sub_start k2 2
	sub_ready k1 1
	sub_ready k2 2
	drops0=$(udp_drops)
	pub_start kill
	at "publishing"
	s0=$(counter 5 chan_stamped) t0=$(now_ms)
	sleep $STEADY
	s1=$(counter 5 chan_stamped) t1=$(now_ms)
	case $s0$s1 in *[!0-9]*) die "node 5's chan_stamped: '$s0', '$s1'" ;; esac
	echo "   node 5 ordered $((s1 - s0)) messages in $((t1 - t0)) ms"
	at "kill -9 of node 5 (rumor-control and rumor-dataplane)"
	lab_kill9 5
	tk=$(now_ms)
	lab_wait_epoch 3 1 2 3
	tk=$(($(now_ms) - tk))
	at "ring epoch $EPOCH of 3 members on nodes 1, 2, 3 ($tk ms after the kill)"
	# The documented bound (docs/channels.md, "Handoff"): what was routed
	# to the dead owner from its crash until the survivors' ring left it
	# out, plus 500 ms for the entry node's own table and the TX queues;
	# at node 5's measured rate, for both subscribers.
	bound=$(( (s1 - s0) * (tk + 500) * 2 / (t1 - t0) ))
	echo "   bound: node 5's channels for $((tk + 500)) ms: $bound deliveries"
	bound=${HANDOFF_KILL_BOUND:-$bound}
	sleep $STEADY
	at "publisher stops"
	pub_stop kill
	settle "$PUBLISHED" k1 k2
	lab_sub_stop k1
	lab_sub_stop k2
	counters 1 2 3
	drops=$(($(udp_drops) - drops0))
	echo "   clients' sockets: $drops datagrams dropped for want of buffer space"
	judge kill k1 k2
	lost_kill=$LOST
	echo "   kill: lost $LOST deliveries (bound $bound), duplicates $DUP," \
		"gaps $GAPS (missing $MISSING), resets $RESETS"
	if [ "$LOST" -le "$bound" ]; then
		echo "ok: kill: deliveries lost $LOST <= $bound"
	else
		echo "not ok: kill: deliveries lost $LOST > $bound"
		FAILS+=("kill: deliveries lost: $LOST, want at most $bound (the survivors' table changed $tk ms after the kill)")
	fi
fi

echo "handoff: lost_graceful=$lost_graceful dup_graceful=$dup_graceful" \
	"lost_kill=$lost_kill resets=$resets_graceful"
if [ ${#FAILS[@]} -gt 0 ]; then
	for f in "${FAILS[@]}"; do echo "FAIL: $f" >&2; done
	for f in "${NOTES[@]}"; do echo "note: $f" >&2; done
	exit 1
fi
echo "PASS"
