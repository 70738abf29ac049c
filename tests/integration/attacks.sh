#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hostile networks (docs/security.md): a real three-node cluster (both
# processes each, Raft voters 1, 2 and 3, started by scripts/rumor-node.sh)
# with honest clients, and an attacker on the same bridge in a namespace
# of its own (10.77.0.66, tests/tools/attack.c: AF_PACKET frames with any
# source MAC, address and port, and ordinary UDP sockets as a rogue
# client), without any key. A victim host (10.77.0.200) counts what is
# reflected to it; the bridge ports of the nodes count what a node sends
# to another.
#
# Each attack is a case of its own, on channels of its own, run while
# honest traffic flows: subscribers on nodes 1 and 2 (the rumor command,
# bound to 10.77.0.100:5001 and :5002) hold one channel owned by each node
# (and node 1's subscriber one more, owned by node 1, that no other node
# follows); publishers through node 3 send CASE_MSGS numbered messages
# "hIDX K" to each at CASE_RATE a second. A case measures:
#   injected     deliveries no honest publisher sent: another payload, or
#                an honest message delivered twice
#   honest_lost  honest messages a subscriber did not get (after 1 s)
#   amplification  bytes the victim received because of the attack / bytes
#                the attacker sent for it
#   stall_ms     the longest pause of a node's rx counter (a heartbeat
#                host keeps it moving) beyond that of the baseline case
#                (no attack), as telemetry samples it
# and prints "case NAME PASS|FAIL effect...". Some cases also check a
# counter that shows forged work was done (a member seen dead, frames sent
# to the attacker, forged messages held). A case that leaves a node that
# does not forward is followed by a restart of the cluster. The last line:
#   attacks: cases=<n> passed=<n> injected=<n> honest_lost=<n>
#            amplification_max=<x> stall_ms_max=<x>
# Exit 0 only if every case passed (injected=0, honest_lost=0,
# amplification_max <= 1.0 and stall_ms_max <= 50 follow from that).
#
#   attacks.sh [CASE...]   the baseline and the named cases (default all)
# CASE_MSGS (100) and CASE_RATE (50) set the honest traffic; KEEP_LAB=1
# keeps the logs and the clients' output (scripts/lab.sh).
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init atk
LAB_VDEV_ARGS=",framecnt=4096"
LAB_IDLE_US=50
ATTACK=$BUILD/tests/tools/rumor-attack
lab_need "$RUMOR" "$ATTACK"
MSGS=${CASE_MSGS:-100}
RATE=${CASE_RATE:-50}
PUB_SECS=$(((MSGS + RATE - 1) / RATE))
# The rx counter is read through telemetry by a sampler that shares the
# two cores with three nodes, publishers and attackers: the baselines'
# own longest pauses come out between 70 and 120 ms, and a case's up to
# 20 ms above them with no attack at work (two CI runs). 50 ms over the
# baseline is well above that jitter and far below the stalls an attack
# causes (seconds: docs/security.md). ATTACKS_STALL_MAX sets it.
STALL_MAX=${ATTACKS_STALL_MAX:-50}
SEQ_MAX=0x7fffffffffffffff

lab_cluster 3 label=attacks swim=fast voters="1 2 3" clients=token
# The honest clients hold tokens (run_case issues them); the attacker
# has none.
lab_host atk 10.77.0.66
lab_host vic 10.77.0.200
# A heartbeat host: 1,000 harmless frames a second to each node (GONEs
# from a non-member, refused), so that a node's rx counter always moves
# while its forwarding lcore runs (lab_rx_gaps samples it every
# millisecond or so through DPDK telemetry).
lab_host hb 10.77.0.201
# The attacker tool's own leaks at exit are not the node's: not checked.
ATK=(ip netns exec "$LAB-atk" env ASAN_OPTIONS=detect_leaks=0 "$ATTACK")
VIC=(ip netns exec "$LAB-vic" env ASAN_OPTIONS=detect_leaks=0 "$ATTACK")
BRIDGE=("${NS[@]}" env ASAN_OPTIONS=detect_leaks=0 "$ATTACK")

say "three nodes (voters 1, 2, 3), an attacker and a victim on the bridge"
lab_up 1 2 3
lab_wait_epoch 3 1 2 3
declare -A MAC
for i in 1 2 3; do MAC[$i]=$(lab_mac "$i"); done
VIC_MAC=$(ip netns exec "$LAB-vic" cat /sys/class/net/vic-h/address)
echo "   ring epoch $EPOCH; nodes at ${MAC[1]} ${MAC[2]} ${MAC[3]}"
# The honest clients' host is a Linux kernel, which a gratuitous ARP on
# the segment poisons (it updates an entry it holds): its entries for
# the nodes are static, so that what is measured is the nodes' defence,
# not the kernel's lack of one.
for i in 1 2 3; do
	"${NS[@]}" ip neigh replace "10.77.0.$i" lladdr "${MAC[$i]}" \
		dev br0 nud permanent
done

# The stamper: each line a subscriber prints, with the time it came.
cat >"$LAB_DIR/stamp.py" <<'PY'
import sys, time
for line in sys.stdin:
    sys.stdout.write("%.6f %s" % (time.time(), line))
    sys.stdout.flush()
PY

# The judge of one case: the subscribers' stamped lines against what
# the publishers sent. Arguments: IDX MSGS T0 T1, then TAG=FILE=CHANNELS
# (comma-separated) for each subscriber. Prints "injected lost gap_ms
# detail", gap_ms the longest pause between a subscriber's honest
# deliveries from its first after T0 until T1 (seconds since the epoch).
cat >"$LAB_DIR/judge.py" <<'PY'
import re, sys
idx, msgs, t0, t1 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \
    float(sys.argv[4])
honest = re.compile(r"^h(\d+) (\d+)$")
injected = lost = 0
gap = 0.0
detail = []
for arg in sys.argv[5:]:
    tag, path, chans = arg.split("=", 2)
    chans = chans.split(",")
    got = {c: set() for c in chans}
    times = []
    bad = 0
    try:
        lines = open(path).read().splitlines()
    except OSError:
        lines = []
    for line in lines:
        f = line.split(" ", 3)
        if len(f) < 3 or f[1].endswith(":"):
            continue
        ts, ch, payload = float(f[0]), f[1], f[3] if len(f) > 3 else ""
        m = honest.match(payload)
        if m and m.group(1) == idx and ch in got:
            n = int(m.group(2))
            if n in got[ch]:
                injected += 1     # delivered twice: a replay
                bad += 1
            got[ch].add(n)
            if t0 <= ts <= t1:
                times.append(ts)
        elif m:
            continue              # a straggler of an earlier case
        else:
            injected += 1
            bad += 1
    missing = sum(msgs - len(s & set(range(1, msgs + 1)))
                  for s in got.values())
    lost += missing
    # From the first honest delivery (the publishers start one by one)
    # to the end of publishing: a node that stops delivering shows too.
    times = sorted(times)
    times = times + [t1 - 0.2] if times else [t0, t1]
    g = max(b - a for a, b in zip(times, times[1:]))
    gap = max(gap, g)
    detail.append("%s:lost=%d,forged=%d,gap=%.0fms" % (tag, missing, bad,
                                                      g * 1000))
print(injected, lost, "%.0f" % (gap * 1000), " ".join(detail))
PY

now() { date +%s.%N; }

# pick IDX: the case's channels. C[1..3]: owned by nodes 1..3, followed
# by both subscribers; V: owned by node 1, followed by node 1's alone;
# B: a broadcast channel, when the case asks for one (WANT_BCAST=1). H[]
# and HV: their hashes.
declare -A C H
pick() {
	local k=0 name owner hash n=0 have=()
	C=() H=() V= HV=
	while [ $n -lt 4 ]; do
		read -r name owner hash < <("$ATTACK" owner --members 3 \
			"a$1-$k")
		k=$((k + 1))
		if [ -z "${C[$owner]:-}" ]; then
			C[$owner]=$name H[$owner]=$hash n=$((n + 1))
		elif [ "$owner" = 1 ] && [ -z "$V" ]; then
			V=$name HV=$hash n=$((n + 1))
		fi
	done
	B=
	[ "${WANT_BCAST:-0}" = 0 ] || B="@a$1"
}

# sub_start TAG NODE PORT CHANNEL...: a subscriber through NODE from
# 10.77.0.100:PORT, its lines stamped into $LAB_DIR/TAG.out.
declare -A SUBPID STAMPPID
sub_start() {
	local tag=$1 node=$2 port=$3
	shift 3
	rm -f "$LAB_DIR/$tag.fifo"
	mkfifo "$LAB_DIR/$tag.fifo"
	python3 -u "$LAB_DIR/stamp.py" <"$LAB_DIR/$tag.fifo" \
		>"$LAB_DIR/$tag.out" &
	STAMPPID[$tag]=$!
	lab_pid "$!"
	"${NS[@]}" "$RUMOR" sub --node "10.77.0.$node:7946" \
		--token "@$LAB_DIR/honest.tok" \
		--bind "10.77.0.100:$port" --lease 30000 "$@" \
		>"$LAB_DIR/$tag.fifo" 2>"$LAB_DIR/$tag.err" &
	SUBPID[$tag]=$!
	lab_pid "$!"
}

sub_stop() {
	kill -INT "${SUBPID[$1]}" 2>/dev/null || true
	wait "${SUBPID[$1]}" 2>/dev/null || true
	wait "${STAMPPID[$1]}" 2>/dev/null || true
}

sub_granted() {
	[ "$(grep -c '^rumor sub: subscribed to' "$LAB_DIR/$1.err")" -ge "$2" ]
}

# sub_ready TAG NODE N: until the subscriber holds N channels and its node
# has every interest answered (5 s at most); status 1 if not.
sub_ready() {
	lab_wait 5 sub_granted "$1" "$3" || return 1
	lab_wait 3 lab_audience_is "$2" 0 || return 1
}

# atk_send NODE ARGS...: rumor-attack send to NODE's port from the
# attacker's namespace; adds the bytes it sent to ATK_BYTES.
ATK_BYTES=0
atk_send() {
	local node=$1 out
	shift
	out=$("${ATK[@]}" send --iface atk-h --dst-mac "${MAC[$node]}" \
		--dst "10.77.0.$node:7946" "$@") || die "rumor-attack send: $*"
	ATK_BYTES=$((ATK_BYTES + $(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' <<<"$out")))
}

# count_start FILE (bridge|vic|atk) ARGS...: rumor-attack count in the
# background; count_bytes FILE waits for it and prints the bytes.
count_start() {
	local f=$1 where=$2
	shift 2
	case $where in
	bridge) "${BRIDGE[@]}" count "$@" >"$f" & ;;
	vic) "${VIC[@]}" count --iface vic-h "$@" >"$f" & ;;
	atk) "${ATK[@]}" count --iface atk-h "$@" >"$f" & ;;
	esac
	COUNTPID=$!
	lab_pid "$COUNTPID"
}
count_bytes() {
	wait "$COUNTPID" 2>/dev/null || true
	COUNT=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' "$1")
	COUNT=${COUNT:-0}
}

# vic_seen: the victim sends a frame, so that the bridge, which saw its
# MAC on the attacker's port, takes it back.
vic_seen() {
	"${VIC[@]}" send --udp --src 10.77.0.200:9 --dst 10.77.0.100:9 \
		--type 3 --channel hello >/dev/null 2>&1 || true
}

# ratio A B: A / B with two decimals (0 when B is 0).
ratio() { python3 -c "import sys; a, b = map(float, sys.argv[1:]); print('%.2f' % (a / b if b else 0))" "$1" "$2"; }

# stat_delta NODE NAME BEFORE: the counter's growth.
stat_delta() { echo $(($(lab_stat "$1" "$2" 2>/dev/null || echo "$3") - $3)); }

# A node that no longer forwards (its lcore stuck in a loop a forged
# message started) is restarted with the others, so that the next case
# meets a cluster that works.
healthy() {
	local g
	g=$(lab_rx_gaps 0.6 1 2 3)
	! grep -Eq ':(dead|59[0-9]|6[0-9][0-9])( |$)' <<<"$g"
}
restart_cluster() {
	local i k p pids=()
	echo "   a node stopped forwarding: the cluster starts again"
	for i in 1 2 3; do
		pids+=($(lab_node_pid "$i" control) $(lab_node_pid "$i" dataplane))
		lab_kill9 "$i"
	done
	# Gone for good, sockets and all, before they start again.
	for p in "${pids[@]}"; do
		for k in $(seq 1 100); do
			lab_gone "$p" && break
			sleep 0.1
		done
	done
	lab_up 1 2 3
	lab_wait_epoch 3 1 2 3
}

# --- the cases: each function is called with "pre" (before the honest
# subscribers subscribe), "during" (0.5 s after the publishers started)
# and "post" (after the settling time). It sets AMP, EFFECT (words for
# the line) and, for a check of its own that failed, CHECK_FAIL.

case_baseline() { :; }

# A FANOUT with a new stream from the owner's address, then a GONE for
# that stream up to 2^63-1: the subscriber node gives up the whole range.
case_fanout_gone() {
	[ "$1" = during ] || return 0
	atk_send 1 --src 10.77.0.3:7946 --type 8 --channel "${C[3]}" \
		--origin 3 --epoch "$EPOCH" --seq 77 --stream 0xbad1 --oseq 1 \
		--payload ATTACK-fanout
	sleep 0.05
	atk_send 1 --src 10.77.0.3:7946 --type 13 --channel "${C[3]}" \
		--origin 3 --epoch "$EPOCH" --seq 78 --stream 0xbad1 --first 2 \
		--last "$SEQ_MAX"
}

# Two FANOUTs of a new stream, seq 1 then 2^62: a jump far beyond the
# window.
case_fanout_jump() {
	[ "$1" = during ] || return 0
	atk_send 2 --src 10.77.0.1:7946 --type 8 --channel "${C[1]}" \
		--origin 1 --epoch "$EPOCH" --seq 79 --stream 0xbad2 --oseq 1 \
		--payload ATTACK-jump
	sleep 0.05
	atk_send 2 --src 10.77.0.1:7946 --type 8 --channel "${C[1]}" \
		--origin 1 --epoch "$EPOCH" --seq 80 --stream 0xbad2 \
		--oseq 0x4000000000000000 --payload ATTACK-jump
}

# One FANOUT with a new stream: injected, and the genuine stream becomes
# the previous one, whose messages are then dropped as stale.
case_fanout_silence() {
	[ "$1" = during ] || return 0
	atk_send 1 --src 10.77.0.2:7946 --type 8 --channel "${C[2]}" \
		--origin 2 --epoch "$EPOCH" --seq 81 --stream 0xbad3 --oseq 1 \
		--payload ATTACK-silence
}

# Node 2's address with node 3's origin: a FANOUT to node 1, and a
# stamped PUBLISH to node 3 (the owner orders and fans it out).
case_origin_spoof() {
	[ "$1" = during ] || return 0
	atk_send 1 --src 10.77.0.2:7946 --type 8 --channel "${C[3]}" \
		--origin 3 --epoch "$EPOCH" --seq 82 --stream 0xbad4 --oseq 1 \
		--payload ATTACK-origin
	atk_send 3 --src 10.77.0.1:7946 --type 1 --channel "${C[3]}" \
		--origin 2 --epoch "$EPOCH" --seq 0xabcdef --payload ATTACK-origin
}

# NACKs with node 2's origin (from node 2's address) for the stream a
# rogue subscription revealed: node 1's RETRANSMITs go to node 2.
case_nack_amp() {
	local stream seq first v
	[ "$1" = during ] || return 0
	read -r stream seq < <("${ATK[@]}" learn --dst 10.77.0.1:7946 \
		--src 10.77.0.66:6000 --channel "${C[1]}" --seconds 1.5 |
		sed 's/stream=\([0-9]*\) seq=\([0-9]*\)/\1 \2/')
	[ "${stream:-0}" != 0 ] || stream=1 seq=1
	first=$((seq > 63 ? seq - 63 : 1))
	count_start "$LAB_DIR/victim" bridge --iface n2 --from 10.77.0.1 \
		--to 10.77.0.2 --types 9,13 --hash "${H[1]}" --seconds 1.5
	sleep 0.1
	ATK_BYTES=0
	atk_send 1 --src 10.77.0.2:7946 --type 12 --channel "${C[1]}" \
		--origin 2 --epoch "$EPOCH" --seq 1 --vary-seq --stream "$stream" \
		--first "$first" --nack-count 64 --count 100 --rate 200
	count_bytes "$LAB_DIR/victim"
	v=$COUNT
	AMP=$(ratio "$v" "$ATK_BYTES")
	EFFECT="stream_learnt=$((stream != 1)) victim_bytes=$v"
}

# A forged INTEREST naming node 2 for a channel only node 1's clients
# follow: node 1 fans it out to node 2.
case_interest_victim() {
	local v
	[ "$1" = during ] || return 0
	count_start "$LAB_DIR/victim" bridge --iface n2 --from 10.77.0.1 \
		--to 10.77.0.2 --types 8 --hash "$HV" --seconds 2
	sleep 0.1
	ATK_BYTES=0
	atk_send 1 --src 10.77.0.2:7946 --type 10 --channel "$V" --origin 2 \
		--epoch "$EPOCH" --seq 83 --lease 300000
	count_bytes "$LAB_DIR/victim"
	v=$COUNT
	AMP=$(ratio "$v" "$ATK_BYTES")
	EFFECT="victim_bytes=$v"
}

# A forged INTEREST with lease 0 in node 2's name: node 1 stops sending
# node 2 a channel node 2's client follows.
case_interest_withdraw() {
	[ "$1" = during ] || return 0
	atk_send 1 --src 10.77.0.2:7946 --type 10 --channel "${C[1]}" \
		--origin 2 --epoch "$EPOCH" --seq 84 --lease 0
}

# HANDOFF_REQs in node 2's name: node 1 answers node 2 with HANDOFFs.
case_handoff_req_amp() {
	local v
	[ "$1" = during ] || return 0
	count_start "$LAB_DIR/victim" bridge --iface n2 --from 10.77.0.1 \
		--to 10.77.0.2 --types 16 --seconds 1.5
	sleep 0.1
	ATK_BYTES=0
	atk_send 1 --src 10.77.0.2:7946 --type 15 --channel "${C[1]}" \
		--origin 2 --epoch "$EPOCH" --seq 1 --vary-seq --count 50 \
		--rate 200
	atk_send 1 --src 10.77.0.2:7946 --type 15 --channel "${C[2]}" \
		--origin 2 --epoch "$((EPOCH - 1))" --seq 100 --vary-seq \
		--count 50 --rate 200
	count_bytes "$LAB_DIR/victim"
	v=$COUNT
	AMP=$(ratio "$v" "$ATK_BYTES")
	EFFECT="victim_bytes=$v"
}

# A HANDOFF with seq 0 from node 1's address to the owner of a channel:
# a stream of the attacker's, next_seq near the end, and 128 node ids
# with 300 s leases.
case_handoff_hijack() {
	case $1 in
	pre) HO0=$(lab_stat 3 handoff_interests) NP0=$(lab_stat 3 drop_no_peer) ;;
	during)
		atk_send 3 --src 10.77.0.1:7946 --type 16 --channel "${C[3]}" \
			--origin 1 --epoch "$EPOCH" --seq 0 --stream 0xbad5 \
			--next-seq 0x7fffffffffffff00 --nodes 128 ;;
	post)
		local ho np
		ho=$(stat_delta 3 handoff_interests "$HO0")
		np=$(stat_delta 3 drop_no_peer "$NP0")
		EFFECT="interests_taken=$ho fanout_to_no_peer=$np"
		[ "$ho" = 0 ] && [ "$np" = 0 ] ||
			CHECK_FAIL="node 3 took forged interested nodes" ;;
	esac
}

# GOSSIP in node 3's name with boot 2^64-1 for lanes 0 to 3: every later
# broadcast node 3 stamps is "old" on the nodes that took it.
case_gossip_poison() {
	local lane n
	[ "$1" = during ] || return 0
	for n in 1 2; do
		for lane in 0 1 2 3; do
			atk_send "$n" --src 10.77.0.3:7946 --type 14 \
				--channel "$B" --origin 3 --epoch "$EPOCH" \
				--seq $(((lane << 56) + 1)) --boot 0xffffffffffffffff \
				--payload ATTACK-gossip
		done
	done
}

# A SUBSCRIBE in the victim's name (10.77.0.200:9999): node 1 delivers
# the channel to the victim.
case_sub_reflect() {
	local v
	[ "$1" = during ] || return 0
	count_start "$LAB_DIR/victim" vic --to 10.77.0.200 --seconds 2
	sleep 0.1
	ATK_BYTES=0
	atk_send 1 --src 10.77.0.200:9999 --src-mac "$VIC_MAC" --type 3 \
		--channel "${C[1]}" --seq 1 --lease 300000
	vic_seen
	count_bytes "$LAB_DIR/victim"
	v=$COUNT
	AMP=$(ratio "$v" "$ATK_BYTES")
	EFFECT="victim_bytes=$v"
}

# UNSUBSCRIBEs in a real client's name (node 1's subscriber).
case_unsub_forged() {
	local i
	[ "$1" = during ] || return 0
	for i in 1 2 3; do
		atk_send 1 --src 10.77.0.100:5001 --type 4 --channel "${C[$i]}" \
			--seq $((90 + i))
	done
	atk_send 1 --src 10.77.0.100:5001 --type 4 --channel "$V" --seq 94
}

# A refresh in a real client's name (node 2's subscriber) with the
# shortest lease: its subscriptions lapse long before its own refresh.
case_refresh_forged() {
	local i
	[ "$1" = during ] || return 0
	for i in 1 2 3; do
		atk_send 2 --src 10.77.0.100:5002 --type 3 --channel "${C[$i]}" \
			--seq $((95 + i)) --lease 1000
	done
}

# 4,096 forged subscribers at the victim's address: each message of the
# channel becomes 4,096 DELIVERs to it.
case_sub_4096() {
	local v
	[ "$1" = during ] || return 0
	count_start "$LAB_DIR/victim" vic --to 10.77.0.200 --seconds 2
	sleep 0.1
	ATK_BYTES=0
	atk_send 1 --src 10.77.0.200:10000 --src-mac "$VIC_MAC" \
		--vary-port 4096 --count 4096 --type 3 --channel "${C[1]}" \
		--seq 1 --lease 300000 --rate 15000
	vic_seen
	count_bytes "$LAB_DIR/victim"
	v=$COUNT
	AMP=$(ratio "$v" "$ATK_BYTES")
	EFFECT="victim_bytes=$v"
}

# 65,536 subscriptions of 16,384 forged clients (leases of 12 s) fill
# node 1's tables before the honest clients subscribe.
case_sub_exhaust() {
	local v
	case $1 in
	pre)
		SG0=$(lab_stat 1 sub_granted)
		count_start "$LAB_DIR/victim" vic --to 10.77.0.200 --seconds 5
		ATK_BYTES=0
		atk_send 1 --src 10.77.0.200:20000 --src-mac "$VIC_MAC" \
			--vary-port 16384 --vary-channel 4 --name-every 16384 \
			--count 65536 --type 3 --channel "x$IDX" --seq 1 \
			--lease 12000 --rate 18000
		vic_seen ;;
	post)
		count_bytes "$LAB_DIR/victim"
		v=$COUNT
		AMP=$(ratio "$v" "$ATK_BYTES")
		EFFECT="forged_granted=$(stat_delta 1 sub_granted "$SG0")"
		EFFECT="$EFFECT victim_bytes=$v" ;;
	esac
}

# 4,096 subscriptions (four clients of the attacker's own, 1,024 each)
# to names whose hashes share their low 12 bits, before the honest
# traffic.
case_hash_flood() {
	[ "$1" = pre ] || return 0
	atk_send 1 --src 10.77.0.66:30000 --vary-port 4 --port-every 1024 \
		--vary-channel 4096 --hash-bits 12 --count 4096 --type 3 \
		--channel "z$IDX" --seq 1 --lease 20000 --rate 15000
	sleep 0.5
}

# 8,192 stamped PUBLISHes in node 1's name with an epoch far above the
# ring's: each is held by node 3 instead of refused.
case_hold_exhaust() {
	case $1 in
	pre) EB0=$(lab_stat 3 epoch_behind) HF0=$(lab_stat 3 drop_handoff_hold_full) ;;
	during)
		atk_send 3 --src 10.77.0.1:7946 --type 1 --channel "y$IDX" \
			--vary-channel 8192 --count 8192 --origin 1 \
			--epoch $((EPOCH + 1000000)) --seq 1 --vary-seq \
			--payload ATTACK-hold --rate 20000 ;;
	post)
		local eb hf
		eb=$(stat_delta 3 epoch_behind "$EB0")
		hf=$(stat_delta 3 drop_handoff_hold_full "$HF0")
		EFFECT="held=$eb hold_full=$hf"
		[ "$eb" = 0 ] && [ "$hf" = 0 ] ||
			CHECK_FAIL="node 3 held forged messages" ;;
	esac
}

# A SUBSCRIBE flood from the attacker's own address into node 2 (40,000
# a second for 3 s, 1,024 subscriptions refreshed again and again) while
# the honest subscriber on node 2 subscribes and its INTERESTs go out.
case_sub_starve() {
	case $1 in
	pre)
		"${ATK[@]}" send --iface atk-h --dst-mac "${MAC[2]}" \
			--dst 10.77.0.2:7946 --src 10.77.0.66:40000 \
			--vary-port 64 --vary-channel 16 --name-every 64 \
			--count 120000 --type 3 --channel "f$IDX" --seq 1 \
			--lease 2000 --rate 40000 >"$LAB_DIR/flood.out" &
		FLOODPID=$!
		lab_pid "$FLOODPID"
		sleep 0.3 ;;
	post) wait "$FLOODPID" 2>/dev/null || true ;;
	esac
}

# Forged sealed CONTROL (the right label, node 3 as sender, no key) into
# node 1, 30,000 a second for 2 s: it shares the punt rate with SWIM and
# Raft, so most of node 3's own probes and acks are dropped with it while
# it lasts, and node 1 may suspect node 3 meanwhile (what any loss that
# heavy does); the attack fails if a member is taken for dead, or is not
# alive again within 5 s of the flood's end (Lifeguard's refutation).
case_control_flood() {
	local view pr k
	case $1 in
	pre) PR0=$(lab_stat 1 drop_punt_rate) ;;
	during)
		atk_send 1 --src 10.77.0.3:7946 --type 2 --label attacks \
			--origin 3 --count 60000 --rate 30000 ;;
	post)
		pr=$(stat_delta 1 drop_punt_rate "$PR0")
		for k in $(seq 1 50); do
			view=$(lab_view 1)
			case $view in
			*dead*|*left*) break ;;
			"1:alive 2:alive 3:alive ") break ;;
			esac
			sleep 0.1
		done
		EFFECT="punt_rate_drops=$pr view=[${view% }] view_polls=$k"
		[ "$view" = "1:alive 2:alive 3:alive " ] ||
			CHECK_FAIL="node 1 took a member for dead, or not alive again within 5 s" ;;
	esac
}

# Gratuitous ARP and unsolicited replies to node 1 naming node 2's
# address at the attacker's MAC: frames for node 2 come to the attacker.
case_arp_spoof() {
	local amac v
	amac=$(ip netns exec "$LAB-atk" cat /sys/class/net/atk-h/address)
	case $1 in
	during)
		count_start "$LAB_DIR/diverted" atk --from 10.77.0.1 \
			--to 10.77.0.2 --seconds 2
		"${ATK[@]}" arp --iface atk-h --dst-mac "${MAC[1]}" \
			--src 10.77.0.2 --dst 10.77.0.1 --op gratuitous \
			--count 10 --rate 20 >/dev/null
		"${ATK[@]}" arp --iface atk-h --dst-mac "${MAC[1]}" \
			--src 10.77.0.2 --dst 10.77.0.1 --op reply \
			--count 10 --rate 20 >/dev/null ;;
	post)
		count_bytes "$LAB_DIR/diverted"
		v=$COUNT
		EFFECT="diverted_bytes=$v"
		[ "$v" = 0 ] || CHECK_FAIL="node 1 sent node 2's frames to the attacker"
		# Put node 2's MAC back where the attack changed it.
		"${ATK[@]}" arp --iface atk-h --dst-mac "${MAC[1]}" \
			--src 10.77.0.2 --dst 10.77.0.1 --op reply \
			--claim-mac "${MAC[2]}" --count 3 >/dev/null ;;
	esac
}

# A genuine PUBLISH stamped by node 3 on its way to an owner (a PUBLISH
# with an origin is only ever between nodes), captured by the attacker while the bridge floods every frame to
# every port (ageing 0: a hub, as a shared segment or a mirror port shows
# the traffic), then sent again 20 times.
case_replay() {
	[ "$1" = during ] || return 0
	"${NS[@]}" ip link set br0 type bridge ageing_time 0
	"${ATK[@]}" capture --iface atk-h --types 1,8 --with-origin \
		--seconds 1.5 --file "$LAB_DIR/captured" \
		>"$LAB_DIR/capture.out" || true
	"${NS[@]}" ip link set br0 type bridge ageing_time 30000
	if [ -s "$LAB_DIR/captured" ]; then
		"${ATK[@]}" replay --iface atk-h --file "$LAB_DIR/captured" \
			--count 20 --rate 100 >/dev/null
		EFFECT="captured=1"
	else
		EFFECT="captured=0"
		CHECK_FAIL="nothing to replay was captured"
	fi
}

CASES=(fanout_gone fanout_jump fanout_silence origin_spoof nack_amp
	interest_victim interest_withdraw handoff_req_amp handoff_hijack
	gossip_poison sub_reflect unsub_forged refresh_forged sub_4096
	sub_exhaust hash_flood hold_exhaust sub_starve control_flood
	replay arp_spoof)
[ $# = 0 ] || CASES=("$@")

IDX=0 N_CASES=0 N_PASSED=0 T_INJ=0 T_LOST=0 AMP_MAX=0 STALL_MAX_SEEN=0
BASE_RX=() BASE_GAP=0

# run_case NAME: one case, its line.
run_case() {
	local name=$1 fn=case_$1 t0 t1 inj lost gap detail rx stall
	local i g c ok=PASS pubs=() n1 n2 chans
	IDX=$((IDX + 1))
	AMP=0 EFFECT= CHECK_FAIL=
	WANT_BCAST=0
	[ "$name" != gossip_poison ] && [ "$name" != baseline ] || WANT_BCAST=1
	pick "$IDX"
	# A client id a case: its seven clients stay within the sessions one
	# client id may hold on a node.
	lab_token "$LAB_DIR/honest.tok" $((100 + IDX)) 'sub,pub:*'
	chans=("${C[1]}" "${C[2]}" "${C[3]}")
	[ -z "$B" ] || chans+=("$B")
	"$fn" pre
	sub_start s1 1 5001 "${chans[@]}" "$V"
	sub_start s2 2 5002 "${chans[@]}"
	n1=$((${#chans[@]} + 1)) n2=${#chans[@]}
	sub_ready s1 1 "$n1" || EFFECT="$EFFECT s1_not_ready"
	sub_ready s2 2 "$n2" || EFFECT="$EFFECT s2_not_ready"
	sleep 0.2
	for i in 1 2 3; do
		ip netns exec "$LAB-hb" env ASAN_OPTIONS=detect_leaks=0 \
			"$ATTACK" send --iface hb-h \
			--dst-mac "${MAC[$i]}" --dst "10.77.0.$i:7946" \
			--src 10.77.0.201:7946 --type 13 --channel heartbeat \
			--stream 1 --first 1 --last 1 \
			--count $(((PUB_SECS + 3) * 1000)) --rate 1000 \
			>/dev/null 2>&1 &
		lab_pid "$!"
	done
	sleep 0.2
	lab_rx_gaps "$PUB_SECS" 1 2 3 >"$LAB_DIR/rx.$IDX" &
	local rxpid=$!
	lab_pid "$rxpid"
	t0=$(now)
	rm -f "$LAB_DIR"/pubend.*
	for c in "${chans[@]}" "$V"; do
		# Each publisher, then the time it ended: the attack may last
		# longer than the honest traffic.
		{
			"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 \
				--token "@$LAB_DIR/honest.tok" \
				--count "$MSGS" --rate "$RATE" "$c" "h$IDX" \
				>/dev/null 2>&1 || true
			now >"$LAB_DIR/pubend.$c"
		} &
		pubs+=($!)
		lab_pid "$!"
	done
	sleep 0.5
	"$fn" during
	for i in "${pubs[@]}"; do wait "$i" || true; done
	t1=$(sort -n "$LAB_DIR"/pubend.* | tail -n 1)
	wait "$rxpid" || true
	sleep 0.7
	"$fn" post
	sub_stop s1
	sub_stop s2
	read -r inj lost gap detail < <(python3 "$LAB_DIR/judge.py" "$IDX" \
		"$MSGS" "$t0" "$t1" \
		"s1=$LAB_DIR/s1.out=$(IFS=,; echo "${chans[*]},$V")" \
		"s2=$LAB_DIR/s2.out=$(IFS=,; echo "${chans[*]}")")
	rx=$(cat "$LAB_DIR/rx.$IDX")
	if [ "$name" = baseline ]; then
		# The longest pauses of two runs without attack.
		[ "$gap" -le "$BASE_GAP" ] || BASE_GAP=$gap
		for g in $rx; do
			i=${g%%:*} g=${g#*:}
			[ "$g" != dead ] || die "node $i: no telemetry"
			[ "$g" -le "${BASE_RX[$i]:-0}" ] || BASE_RX[$i]=$g
		done
		echo "case baseline rx_gap_ms=[$rx] delivery_gap_ms=$gap" \
			"$detail (${SECONDS}s)"
		return 0
	fi
	# A stall is the forwarding lcore's: the rx counter, which the
	# heartbeat moves every millisecond. The subscribers' delivery gap
	# follows the publishers' schedule; it is shown, and losses count.
	stall=0
	EFFECT="$EFFECT delivery_gap_ms=$gap"
	for g in $rx; do
		i=${g%%:*} g=${g#*:}
		[ "$g" != dead ] || g=$((PUB_SECS * 1000))
		g=$((g - ${BASE_RX[$i]:-0}))
		[ "$g" -le "$stall" ] || stall=$g
	done
	[ "$inj" = 0 ] && [ "$lost" = 0 ] && [ "$stall" -le $STALL_MAX ] &&
		python3 -c "import sys; sys.exit(float(sys.argv[1]) > 1.0)" \
			"$AMP" && [ -z "$CHECK_FAIL" ] || ok=FAIL
	N_CASES=$((N_CASES + 1))
	[ $ok = FAIL ] || N_PASSED=$((N_PASSED + 1))
	T_INJ=$((T_INJ + inj)) T_LOST=$((T_LOST + lost))
	AMP_MAX=$(python3 -c "print(max(float('$AMP'), float('$AMP_MAX')))")
	[ "$stall" -le "$STALL_MAX_SEEN" ] || STALL_MAX_SEEN=$stall
	echo "case $name $ok injected=$inj honest_lost=$lost" \
		"amplification=$AMP stall_ms=$stall${EFFECT:+ $EFFECT}" \
		"rx_gap_ms=[$rx] ($detail, ${SECONDS}s)${CHECK_FAIL:+: $CHECK_FAIL}"
	healthy || restart_cluster
}

say "baseline: honest traffic alone, twice"
run_case baseline
run_case baseline
say "attacks"
for c in "${CASES[@]}"; do
	declare -F "case_$c" >/dev/null || die "no case $c"
	run_case "$c"
done
echo "attacks: cases=$N_CASES passed=$N_PASSED injected=$T_INJ" \
	"honest_lost=$T_LOST amplification_max=$AMP_MAX" \
	"stall_ms_max=$STALL_MAX_SEEN"
[ "$N_PASSED" = "$N_CASES" ] && [ "$T_INJ" = 0 ] && [ "$T_LOST" = 0 ] &&
	python3 -c "import sys; sys.exit(float(sys.argv[1]) > 1.0)" "$AMP_MAX" &&
	[ "$STALL_MAX_SEEN" -le $STALL_MAX ]
