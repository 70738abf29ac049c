#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Channels end to end (docs/channels.md) on three rumor-dataplane nodes
# with a static member list, and kernel clients using the `rumor` command:
#
# 1. subscribers on nodes 1 and 2, a publisher on node 3, 100 ordered
#    channels: every subscriber receives every message exactly once, in
#    sequence order per channel, and the owners' counters agree;
# 2. the same with 5% loss on every link into a node (tc netem): NACKs
#    bring back what was lost between nodes, and whatever could not be
#    recovered is reported as a gap, never skipped silently;
# 3. broadcast (a channel named @...): two more nodes join (a reload of
#    the member list, which also lowers node 1's chan_subs_per_client),
#    and one message reaches a subscriber on each of the five nodes
#    exactly once, then a hundred messages do;
# 4. malformed client packets and a SUBSCRIBE flood are counted, the
#    flood meeting the per-client limit set by that reload, and the nodes
#    go on delivering.
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init ch
lab_need "$RUMOR"
CHANNELS=100
PER_CHANNEL=${PER_CHANNEL:-20}
SUBS_PER_CLIENT=256	# node 1's chan_subs_per_client from the reload on

# Node credentials: messages between the nodes carry the auth block.
lab_keys "$LAB_DIR/keys" 5
for n in 1 2 3; do
	cat >"$LAB_DIR/n$n.conf" <<EOF
# node $n of the channels test
node_id = $n
client_auth = none
address = 10.77.0.$n
node_key = $LAB_DIR/n$n.key
roster = $LAB_DIR/roster
control_socket = $LAB_DIR/n$n.ctl
member = 1 10.77.0.1
member = 2 10.77.0.2
member = 3 10.77.0.3
EOF
done
for n in 1 2 3; do
	lab_port $n
done
for n in 1 2 3; do
	lab_node $n "$LAB_DIR/n$n.conf" --mbufs 32767
done

chans=()
for i in $(seq 0 $((CHANNELS - 1))); do
	chans+=("news-$i")
done

# total NAME: a counter summed over the three nodes.
total() {
	echo $(($(lab_stat 1 "$1") + $(lab_stat 2 "$1") + $(lab_stat 3 "$1")))
}

# start_sub TAG NODE CHANNEL...: a subscriber in the background.
start_sub() { lab_sub "$1" "$2" --quiet "${@:3}"; }

# publish_all COUNT: COUNT numbered messages to every channel, via node 3.
publish_all() {
	local c
	for c in "${chans[@]}"; do
		"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 --count "$1" \
			--rate 5000 "$c" "message" >/dev/null ||
			die "rumor pub $c failed"
	done
}

# check_exact TAG COUNT: every channel received COUNT messages, none
# missing, duplicated, reordered or from a second stream.
check_exact() {
	python3 - "$LAB_DIR/$1.out" "$2" "$CHANNELS" <<'PY' || die "subscriber $1"
import re, sys
path, want, channels = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
pat = re.compile(r'^(\S+): received (\d+) gaps (\d+) \(missing (\d+)\) '
                 r'duplicates (\d+) reordered (\d+) resets (\d+)$')
seen, bad = 0, []
for line in open(path):
    m = pat.match(line.strip())
    if not m:
        continue
    seen += 1
    name, rx, gaps, miss, dup, reord, resets = m.group(1), *map(int, m.groups()[1:])
    if (rx, gaps, miss, dup, reord, resets) != (want, 0, 0, 0, 0, 0):
        bad.append(line.strip())
print(f"{path}: {seen} channels, {len(bad)} not exact")
for b in bad[:10]:
    print("  " + b)
sys.exit(0 if seen == channels and not bad else 1)
PY
}

say "subscribers on nodes 1 and 2, $CHANNELS channels"
start_sub s1 1 "${chans[@]}"
start_sub s2 2 "${chans[@]}"
lab_wait_audience 1 "$CHANNELS"
lab_wait_audience 2 "$CHANNELS"

say "publisher on node 3: $PER_CHANNEL messages to each channel"
publish_all "$PER_CHANNEL"
sleep 1
lab_sub_stop s1
lab_sub_stop s2
check_exact s1 "$PER_CHANNEL"
check_exact s2 "$PER_CHANNEL"
expect_eq "messages ordered by the owners" "$(total chan_stamped)" \
	$((CHANNELS * PER_CHANNEL))
expect_eq "NACKs without loss" "$(total chan_nack_sent)" 0
for n in 1 2 3; do
	expect_eq "node $n fan-out copies dropped" \
		$(($(lab_stat $n drop_chan_nomem) + $(lab_stat $n drop_chan_no_route))) 0
done
grep -h "fan-out copies" "$LAB_DIR"/n*.log || true

# mark_counters, settled: whether each subscriber node has delivered or
# given up every message the owners ordered since the mark.
# (One telemetry request a node and a poll: the host is busy enough.)
read_marks() {
	local s1 s2 s3
	read -r s1 dl_1 lost_1 < <(lab_statf 1 \
		"{chan_stamped} {chan_delivered} {chan_lost}")
	read -r s2 dl_2 lost_2 < <(lab_statf 2 \
		"{chan_stamped} {chan_delivered} {chan_lost}")
	s3=$(lab_statf 3 "{chan_stamped}")
	stamped=$((s1 + s2 + s3))
}
mark_counters() {
	read_marks
	stamped0=$stamped dl0_1=$dl_1 dl0_2=$dl_2 lost0_1=$lost_1 lost0_2=$lost_2
}
settled() {
	local want
	read_marks
	want=$((stamped - stamped0))
	[ $((dl_1 - dl0_1 + lost_1 - lost0_1)) -ge "$want" ] &&
	[ $((dl_2 - dl0_2 + lost_2 - lost0_2)) -ge "$want" ]
}

# sum_counts TAG: "received missing duplicates reordered gaps resets".
sum_counts() {
	tr -d '()' <"$LAB_DIR/$1.out" | awk '$2 == "received" {
		r += $3; g += $5; m += $7; d += $9; o += $11; s += $13 }
		END { print r + 0, m + 0, d + 0, o + 0, g + 0, s + 0 }'
}

say "5% loss on every link into a node"
loss=netem
for n in 1 2 3; do
	if ! "${NS[@]}" tc qdisc add dev "n$n" root netem loss 5% 2>/dev/null; then
		loss=injected
		break
	fi
done
if [ "$loss" = injected ]; then
	# Without sch_netem, each node drops 5% of the node-to-node channel
	# messages it receives (FANOUT, RETRANSMIT, NACK, GONE, INTEREST and
	# its answer), which is what loss on the links between nodes does to
	# channels; the clients' links stay lossless.
	for n in 1 2 3; do
		"${NS[@]}" tc qdisc del dev "n$n" root 2>/dev/null || true
	done
	echo "tc netem is not available here (no sch_netem): the nodes drop" \
		"5% of node-to-node channel messages on arrival instead" \
		"(telemetry /rumor/chan_loss)"
	for n in 1 2 3; do
		lab_tel $n /rumor/chan_loss,5 >/dev/null
	done
fi
if true; then
	lchans=()
	for i in $(seq 0 $((CHANNELS - 1))); do
		lchans+=("lossy-$i")
	done
	mark_counters
	start_sub l1 1 "${lchans[@]}"
	start_sub l2 2 "${lchans[@]}"
	lab_wait_subscribed l1 "$CHANNELS"
	lab_wait_subscribed l2 "$CHANNELS"
	sleep 0.3
	lab_wait_audience 1 "$CHANNELS"
	lab_wait_audience 2 "$CHANNELS"
	LOSS_COUNT=50
	for c in "${lchans[@]}"; do
		"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 \
			--count "$LOSS_COUNT" --rate 5000 "$c" "message" \
			>/dev/null || die "rumor pub $c"
	done
	for i in $(seq 1 200); do
		settled && break
		sleep 0.2
	done
	settled || echo "warning: not every message delivered or given up"
	lab_sub_stop l1
	lab_sub_stop l2
	stamped=$(($(total chan_stamped) - stamped0))
	published=$((CHANNELS * LOSS_COUNT))
	echo "published $published, ordered by the owners $stamped" \
		"($((published - stamped)) lost on the publisher's link," \
		"before ordering)"
	echo "NACKs $(total chan_nack_sent), RETRANSMITs" \
		"$(total chan_retransmit_sent), GONE $(total chan_gone_sent)," \
		"given up $(total chan_lost)"
	for t in l1 l2; do
		read -r rx miss dup reord gaps resets < <(sum_counts "$t")
		echo "$t: received $rx, missing $miss in $gaps gap(s)," \
			"duplicates $dup, reordered $reord, resets $resets"
		expect_eq "$t received + missing" $((rx + miss)) "$stamped"
		expect_eq "$t duplicates" "$dup" 0
		expect_eq "$t reordered" "$reord" 0
		expect_eq "$t missing (all within history)" "$miss" 0
	done
	[ "$(total chan_retransmit_sent)" -gt 0 ] ||
		die "no RETRANSMIT: did netem drop anything?"
	if [ "$loss" = netem ]; then
		for n in 1 2 3; do
			"${NS[@]}" tc qdisc del dev "n$n" root
		done
	else
		echo "messages dropped as lost: $(total drop_chan_injected_loss)"
		for n in 1 2 3; do
			lab_tel $n /rumor/chan_loss,0 >/dev/null
		done
	fi
fi

say "broadcast: nodes 4 and 5 join, one message reaches all five"
for n in 1 2 3 4 5; do
	{
		echo "# node $n of the channels test, five members"
		echo "node_id = $n"
		echo "client_auth = none"
		echo "address = 10.77.0.$n"
		echo "node_key = $LAB_DIR/n$n.key"
		echo "roster = $LAB_DIR/roster"
		echo "control_socket = $LAB_DIR/n$n.ctl"
		for m in 1 2 3 4 5; do
			echo "member = $m 10.77.0.$m"
		done
		# Applied live; the SUBSCRIBE flood below meets it.
		if [ "$n" = 1 ]; then
			echo "chan_subs_per_client = $SUBS_PER_CLIENT"
		fi
	} >"$LAB_DIR/n$n.conf"
done
lab_port 4
lab_port 5
lab_node 4 "$LAB_DIR/n4.conf" --mbufs 16383
lab_node 5 "$LAB_DIR/n5.conf" --mbufs 16383
kill -HUP "${LAB_NODE_PID[1]}" "${LAB_NODE_PID[2]}" "${LAB_NODE_PID[3]}"
for n in 1 2 3 4 5; do
	lab_wait_ring $n 5
done
for i in $(seq 1 50); do
	grep -q "channel limits now: chan_subs_per_client $SUBS_PER_CLIENT," \
		"$LAB_DIR/n1.log" && break
	[ "$i" -lt 50 ] || { cat "$LAB_DIR/n1.log"; die "node 1: no new limits"; }
	sleep 0.1
done

# gossip_total NAME: a counter summed over the five nodes.
gossip_total() {
	local n s=0
	for n in 1 2 3 4 5; do
		s=$((s + $(lab_stat $n "$1")))
	done
	echo "$s"
}

# broadcast_round TAG NODE COUNT: a subscriber on every node, COUNT
# messages published through NODE, each delivered once on every node.
broadcast_round() {
	local tag=$1 via=$2 count=$3 n
	for n in 1 2 3 4 5; do
		start_sub "$tag$n" "$n" @alerts
	done
	for n in 1 2 3 4 5; do
		lab_wait_subscribed "$tag$n" 1
	done
	if [ "$count" = 1 ]; then
		"${NS[@]}" "$RUMOR" pub --node "10.77.0.$via:7946" @alerts \
			"to everyone" || die "rumor pub @alerts"
	else
		"${NS[@]}" "$RUMOR" pub --node "10.77.0.$via:7946" \
			--count "$count" --rate 2000 @alerts "many" >/dev/null ||
			die "rumor pub @alerts"
	fi
	sleep 1
	for n in 1 2 3 4 5; do
		lab_sub_stop "$tag$n"
		grep -q "^@alerts: received $count gaps 0 (missing 0) duplicates 0" \
			"$LAB_DIR/$tag$n.out" ||
			{ cat "$LAB_DIR/$tag$n.out"; die "node $n: not exactly once"; }
		echo "ok: node $n delivered $count broadcast(s), each once"
	done
}
broadcast_round b 3 1
expect_eq "nodes that took the broadcast" "$(gossip_total gossip_rx)" 5
echo "gossip copies $(gossip_total gossip_forwarded)," \
	"duplicates dropped $(gossip_total gossip_dup)"
broadcast_round c 5 100

say "malformed client packets and a SUBSCRIBE flood, into node 1"
declare -A before
for c in drop_chan_unexpected drop_chan_not_member drop_chan_ctl_bad \
		drop_chan_too_big drop_sub_rate sub_granted sub_refused_client \
		drop_sub_punt_full; do
	before[$c]=$(lab_stat 1 "$c")
done
"${NS[@]}" python3 - 10.77.0.1 7946 <<'PY'
import ctypes, socket, struct, sys
node = (sys.argv[1], int(sys.argv[2]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
# The channel hash is checked against the name: XXH3-64, as senders do.
xx = ctypes.CDLL("libxxhash.so.0")
xx.XXH3_64bits.restype = ctypes.c_uint64
xx.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
def msg(typ, name, payload, origin=0, seq=1, hop=8):
    return struct.pack('>HBBBBHIHHQQQ', 0x524d, 1, typ, 0, hop, len(name),
                       origin, len(payload), 0, 0, seq,
                       xx.XXH3_64bits(name, len(name))) + name + payload
def send(b, n):
    for _ in range(n):
        s.sendto(b, node)
# SUB_ACK, a type that never goes to a node.
send(msg(5, b'news-1', bytes(12)), 100)
# FANOUT claiming to come from member 2.
send(msg(8, b'news-1', struct.pack('>QQ', 7, 1) + b'x', origin=2), 100)
# SUBSCRIBE with a lease over 300 s: refused by the decoder.
send(msg(3, b'news-1', struct.pack('>II', 400000, 0)), 100)
# A broadcast PUBLISH above the largest message.
send(msg(1, b'@big', bytes(1432 - 4)), 100)
# The flood: 30,000 SUBSCRIBEs to distinct channels, as fast as it goes.
for i in range(30000):
    s.sendto(msg(3, b'flood-%d' % i, struct.pack('>II', 0, 0), seq=i + 1),
             node)
PY
sleep 1
for c in drop_chan_unexpected drop_chan_not_member drop_chan_ctl_bad \
		drop_chan_too_big; do
	expect_eq "node 1 $c" $(($(lab_stat 1 "$c") - ${before[$c]})) 100
done
granted=$(($(lab_stat 1 sub_granted) - ${before[sub_granted]}))
refused=$(($(lab_stat 1 sub_refused_client) - ${before[sub_refused_client]}))
rate=$(($(lab_stat 1 drop_sub_rate) - ${before[drop_sub_rate]}))
full=$(($(lab_stat 1 drop_sub_punt_full) - ${before[drop_sub_punt_full]}))
echo "flood of 30000: granted $granted, refused ($SUBS_PER_CLIENT per" \
	"client) $refused, over the rate $rate, punt ring full $full"
expect_eq "flood subscriptions granted" "$granted" "$SUBS_PER_CLIENT"
[ "$rate" -gt 0 ] || die "the flood never met the rate limit"
[ "$refused" -gt 0 ] || die "the flood never met the client limit"

say "after all that, ordered channels still deliver exactly once"
start_sub f1 1 "${chans[@]:0:10}"
lab_wait_subscribed f1 10
sleep 0.3
lab_wait_audience 1 10
for c in "${chans[@]:0:10}"; do
	"${NS[@]}" "$RUMOR" pub --node 10.77.0.2:7946 --count 20 --rate 5000 \
		"$c" "again" >/dev/null || die "rumor pub $c"
done
sleep 1
lab_sub_stop f1
CHANNELS=10 check_exact f1 20

say "clean stop"
for n in 1 2 3 4 5; do
	kill -TERM "${LAB_NODE_PID[$n]}"
done
for n in 1 2 3 4 5; do
	wait "${LAB_NODE_PID[$n]}" || die "node $n exit status"
done
echo "PASS"
