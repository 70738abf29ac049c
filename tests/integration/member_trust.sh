#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Who may send what between nodes (docs/channels.md, "Who may send what"),
# on three rumor-dataplane nodes with a static member list. An attacker
# on the bridge writes datagrams whose source is node 2's address and
# port (a raw socket: the address proves nothing more than that), into
# node 1:
#
# 1. INTERESTs naming node 3 as origin: refused (a member speaks only
#    for itself), so nothing is sent to node 3 for them;
# 2. NACKs naming node 3: no RETRANSMIT or GONE goes anywhere (answers go
#    to the member that asked, and only the owner relays for another);
# 3. a NACK flood, as a member itself, for the 64 messages a channel's
#    owner holds: the RETRANSMITs it answers are bounded by that
#    member's NACK answer rate, not 64 per NACK;
# 4. HANDOFFs with 128 node ids, and HANDOFF_REQs for channels node 2
#    does not own: no interest taken, no HANDOFF answered;
# 5. a SUBSCRIBE flood from a client while node 2's INTERESTs come in:
#    the clients meet their rate, the members' control does not.
# Then ordered channels still deliver exactly once.
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init mt
lab_need "$RUMOR"

for n in 1 2 3; do
	cat >"$LAB_DIR/n$n.conf" <<EOF
# node $n of the member trust test
node_id = $n
client_auth = none
address = 10.77.0.$n
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
	lab_node $n "$LAB_DIR/n$n.conf" --mbufs 16383
done

# attack KIND [SRC DST ARGS]: datagrams from node SRC's address (2) to
# node DST (1), as python3 below.
attack() {
	"${NS[@]}" python3 - "$1" "${2:-2}" "${3:-1}" "${@:4}" <<'PY'
import ctypes, socket, struct, sys, time
kind = sys.argv[1]
src, dst, port = '10.77.0.' + sys.argv[2], '10.77.0.' + sys.argv[3], 7946
raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
xx = ctypes.CDLL("libxxhash.so.0")
xx.XXH3_64bits.restype = ctypes.c_uint64
xx.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)

def msg(typ, name, payload, origin, seq=1, epoch=0, hop=8, h=None):
    if h is None:   # checked against the name: XXH3-64, as senders do
        h = xx.XXH3_64bits(name, len(name))
    return struct.pack('>HBBBBHIHHQQQ', 0x524d, 1, typ, 0, hop, len(name),
                       origin, len(payload), 0, epoch, seq, h) + name + payload

def spoof(payload, sport=port):
    udp = struct.pack('>HHHH', sport, port, 8 + len(payload), 0) + payload
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17,
                     0, socket.inet_aton(src), socket.inet_aton(dst))
    while True:
        try:
            raw.sendto(ip + udp, (dst, 0))
            return
        except BlockingIOError:
            time.sleep(0.001)

SUBSCRIBE, INTEREST, NACK, HANDOFF_REQ, HANDOFF = 3, 10, 12, 15, 16
# 64 channels: under the ring, some are node 1's, some node 2's or 3's.
names = [b'victim-%d' % i for i in range(64)]
if kind == 'interest':
    for nm in names:
        for _ in range(4):
            spoof(msg(INTEREST, nm, struct.pack('>II', 300000, 0), 3))
elif kind == 'nack-other':
    for nm in names:
        for _ in range(4):
            spoof(msg(NACK, nm, struct.pack('>QQI4x', 77, 1, 64), 3))
elif kind == 'publish':
    # A client of node 1 on channel "amp": 64 messages, and their stream.
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(2)
    c.sendto(msg(SUBSCRIBE, b'amp', struct.pack('>II', 0, 0), 0),
             (dst, port))
    c.recv(2048)
    time.sleep(0.5)
    for i in range(64):
        c.sendto(msg(1, b'amp', b'm%d' % i, 0), (dst, port))
        time.sleep(0.002)
    stream = 0
    for i in range(64):
        d = c.recv(2048)
        if d[3] == 6:
            stream = struct.unpack('>Q', d[43:51])[0]
    print(stream)
elif kind == 'nack-flood':
    stream, asker = int(sys.argv[4]), int(sys.argv[2])
    for i in range(20000):
        spoof(msg(NACK, b'amp', struct.pack('>QQI4x', stream, 1, 64), asker,
                  seq=i + 1))
elif kind == 'handoff':
    nodes = b''.join(struct.pack('>II', 1000 + i, 300000) for i in range(128))
    for nm in names:
        spoof(msg(HANDOFF, nm, struct.pack('>QQII', 5, 1 << 62, 128, 0) +
                  nodes, 2, seq=0))
        spoof(msg(HANDOFF, nm, struct.pack('>QQII', 5, 9, 128, 0) + nodes,
                  2, seq=0))
        spoof(msg(HANDOFF_REQ, nm, b'', 2, seq=7))
elif kind == 'subflood':
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    for i in range(30000):
        c.sendto(msg(SUBSCRIBE, b'flood-%d' % i, struct.pack('>II', 0, 0), 0,
                     seq=i + 1), (dst, port))
elif kind == 'interests':
    # Node 2's own interest (origin 2), withdrawn at once, over a second.
    for i in range(500):
        spoof(msg(INTEREST, names[i % 64], struct.pack('>II', 0, 0), 2,
                  seq=i + 1))
        time.sleep(0.002)
PY
}

# delta NAME: counter NAME of node 1 since mark.
declare -A base
mark() {
	local c
	for c in "$@"; do
		base[$c]=$(lab_stat 1 "$c")
	done
}
delta() { echo $(($(lab_stat 1 "$1") - ${base[$1]})); }
sent_to_3() { lab_stat 3 rx_chan; }

say "INTERESTs naming node 3, from node 2's address"
mark drop_chan_not_sender interest_granted
rx3=$(sent_to_3)
attack interest
sleep 0.5
expect_eq "INTERESTs refused as not from their origin" \
	"$(delta drop_chan_not_sender)" 256
expect_eq "interests granted for node 3" "$(delta interest_granted)" 0
expect_eq "channel messages node 3 got" "$(($(sent_to_3) - rx3))" 0

say "NACKs naming node 3, from node 2's address"
mark drop_chan_nack_not_relay chan_gone_sent chan_retransmit_sent \
	drop_chan_not_owner
attack nack-other
sleep 0.5
refused=$(delta drop_chan_nack_not_relay)
echo "NACKs for node 3 refused: $refused (the rest: channels node 2 owns," \
	"relays node 1 does not order: $(delta drop_chan_not_owner))"
[ "$refused" -gt 0 ] || die "no NACK naming another node was refused"
expect_eq "GONEs sent" "$(delta chan_gone_sent)" 0
expect_eq "RETRANSMITs sent" "$(delta chan_retransmit_sent)" 0
expect_eq "channel messages node 3 got" "$(($(sent_to_3) - rx3))" 0

say "a NACK flood, as a member itself, at the owner of a channel"
declare -A st0
for n in 1 2 3; do
	st0[$n]=$(lab_stat $n chan_stamped)
done
stream=$(attack publish)
owner=0
for n in 1 2 3; do
	[ $(($(lab_stat $n chan_stamped) - ${st0[$n]})) -eq 64 ] && owner=$n
done
[ "$owner" != 0 ] && [ "$stream" != 0 ] ||
	die "channel amp: no owner stamped 64 messages (stream $stream)"
asker=$((owner % 3 + 1))
echo "channel amp: owner node $owner, stream $stream; NACKs as node $asker"
r0=$(lab_stat "$owner" chan_retransmit_sent)
o0=$(lab_stat "$owner" drop_chan_nack_rate)
n0=$(lab_stat "$owner" chan_nack_rx)
t0=$(date +%s%N)
attack nack-flood "$asker" "$owner" "$stream"
t1=$(date +%s%N)
sleep 0.3
rtx=$(($(lab_stat "$owner" chan_retransmit_sent) - r0))
over=$(($(lab_stat "$owner" drop_chan_nack_rate) - o0))
nacks=$(($(lab_stat "$owner" chan_nack_rx) - n0))
ms=$(((t1 - t0) / 1000000 + 300))
echo "NACKs taken $nacks (asking for $((nacks * 64))), RETRANSMITs sent" \
	"$rtx, over the rate $over, in about $ms ms"
[ "$over" -gt 0 ] || die "the NACK flood never met the answer rate"
# Bucket: a burst of 2,048 and 20,000 a second (DP_NACK_BURST, _RATE).
[ "$rtx" -le $((2048 + 20 * ms)) ] || die "RETRANSMITs beyond the rate"

say "forged HANDOFFs and HANDOFF_REQs"
mark handoff_interests handoff_refused handoff_not_owner handoff_sent \
	handoff_sent_empty handoff_req_refused handoff_req_early
attack handoff
sleep 0.5
echo "HANDOFFs refused $(delta handoff_refused), not owner" \
	"$(delta handoff_not_owner); HANDOFF_REQs refused" \
	"$(delta handoff_req_refused), early $(delta handoff_req_early)"
expect_eq "interests taken from forged HANDOFFs" \
	"$(delta handoff_interests)" 0
[ "$(delta handoff_refused)" -gt 0 ] || die "no HANDOFF refused"
[ "$(delta handoff_req_refused)" -gt 0 ] || die "no HANDOFF_REQ refused"

say "a SUBSCRIBE flood beside node 2's INTERESTs"
mark drop_sub_rate drop_member_rate drop_member_punt_full member_punted
attack interests &
members=$!
attack subflood
wait "$members"
sleep 1
echo "clients over their rate $(delta drop_sub_rate); members' control" \
	"punted $(delta member_punted), over its rate $(delta drop_member_rate)"
[ "$(delta drop_sub_rate)" -gt 0 ] || die "the flood never met the rate"
expect_eq "members' control over its rate" "$(delta drop_member_rate)" 0
expect_eq "members' control ring full" "$(delta drop_member_punt_full)" 0
# And the INTEREST_ACKs of node 1's own INTERESTs for the flood.
[ "$(delta member_punted)" -ge 500 ] || die "members' control lost"
echo "ok: every member INTEREST punted"

say "ordered channels still deliver exactly once"
chans=(a-1 a-2 a-3 a-4 a-5 a-6 a-7 a-8)
lab_sub f1 1 --quiet "${chans[@]}"
lab_sub f2 2 --quiet "${chans[@]}"
lab_wait_subscribed f1 8
lab_wait_subscribed f2 8
sleep 0.3
lab_wait_audience 1 8
lab_wait_audience 2 8
for c in "${chans[@]}"; do
	"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 --count 20 --rate 5000 \
		"$c" "again" >/dev/null || die "rumor pub $c"
done
sleep 1
lab_sub_stop f1
lab_sub_stop f2
for t in f1 f2; do
	n=$(grep -c "received 20 gaps 0 (missing 0) duplicates 0 reordered 0 resets 0$" \
		"$LAB_DIR/$t.out" || true)
	expect_eq "$t channels delivered exactly once" "$n" 8
done

say "clean stop"
for n in 1 2 3; do
	kill -TERM "${LAB_NODE_PID[$n]}"
done
for n in 1 2 3; do
	wait "${LAB_NODE_PID[$n]}" || die "node $n exit status"
done
echo "PASS"
