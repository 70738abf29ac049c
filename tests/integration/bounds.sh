#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bounded work per datagram on a subscriber node (docs/channels.md,
# "Bounds"), on three rumor-dataplane nodes with a static member list:
# a subscriber on node 1 follows ordered channels and a broadcast
# channel published from node 3, and an attacker on the bridge sends
# node 1 forged datagrams from members' addresses (raw IP, the source
# spoofed; no authentication in between):
#
#   - FANOUTs of a new stream, seq 1 then seq 2^62, and GONE with last
#     2^63 - 1, from a member that does not own the channel: refused
#     (drop_chan_not_from_owner), the channel's genuine stream goes on;
#   - the same from the owner's own address on one sacrificial channel
#     (what only authentication refuses): one GAP decision, no stall;
#   - GOSSIP with boot 2^64 - 1, and one over the maximum size: refused
#     (drop_gossip_boot_ahead, drop_gossip_too_big), later genuine
#     broadcasts still delivered;
#   - a FANOUT whose channel hash is not its name's (drop_chan_hash_bad).
#
# Then every genuine message published after the attack must reach the
# subscriber exactly once, in order, with no reset, and node 1 must keep
# answering. Before the bounds, the seq 2^62 FANOUT or the GONE sent the
# lcore through one step per sequence, and nothing came after.
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init bd
lab_need "$RUMOR"
CHANNELS=12
BEFORE=5
AFTER=10

for n in 1 2 3; do
	cat >"$LAB_DIR/n$n.conf" <<EOF
# node $n of the bounds test
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
	lab_node $n "$LAB_DIR/n$n.conf" --mbufs 32767
done

total() {
	echo $(($(lab_stat 1 "$1") + $(lab_stat 2 "$1") + $(lab_stat 3 "$1")))
}

chans=()
for i in $(seq 0 $((CHANNELS - 1))); do
	chans+=("bd-$i")
done

# The owner of each channel: the node whose chan_stamped grows when one
# message is published to it (through node 3).
say "owners of $CHANNELS channels"
victims=(victim-0 victim-1 victim-2 victim-3)
lab_sub own 1 --quiet "${chans[@]}" "@bd" "${victims[@]}"
lab_wait_subscribed own $((CHANNELS + 1 + ${#victims[@]}))
lab_wait_audience 1 $((CHANNELS + ${#victims[@]}))
# stamped: chan_stamped of nodes 1, 2 and 3, one line.
stamped() {
	python3 - /var/run/dpdk/"${LAB}"n{1,2,3}/dpdk_telemetry.v2 <<'PY'
import json, socket, sys
out = []
for path in sys.argv[1:]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.recv(4096)
    s.send(b"/rumor/stats")
    out.append(str(json.loads(s.recv(1 << 20))["/rumor/stats"]["chan_stamped"]))
print(" ".join(out))
PY
}
declare -A OWNER
for c in "${chans[@]}" "${victims[@]}"; do
	read -r s1 s2 s3 < <(stamped)
	"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 --count 1 "$c" \
		"message" >/dev/null || die "rumor pub $c"
	for i in $(seq 1 50); do
		read -r t1 t2 t3 < <(stamped)
		if [ "$t1" != "$s1" ]; then
			OWNER[$c]=1
		elif [ "$t2" != "$s2" ]; then
			OWNER[$c]=2
		elif [ "$t3" != "$s3" ]; then
			OWNER[$c]=3
		fi
		[ -z "${OWNER[$c]:-}" ] || break
		sleep 0.1
	done
	[ -n "${OWNER[$c]:-}" ] || die "no owner ordered $c"
done
echo "owners: $(for c in "${chans[@]}" "${victims[@]}"; do
	printf '%s=%s ' "$c" "${OWNER[$c]}"; done)"
# The sacrificial channel: one node 1 follows from another owner.
victim=
for c in "${victims[@]}"; do
	[ "${OWNER[$c]}" = 1 ] || { victim=$c; break; }
done
[ -n "$victim" ] || die "node 1 owns every victim channel"
for c in "${chans[@]}" "${victims[@]}"; do
	"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 --count $((BEFORE - 1)) \
		--rate 5000 "$c" "message" >/dev/null || die "rumor pub $c"
done
"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 --count "$BEFORE" \
	--rate 5000 "@bd" "message" >/dev/null || die "rumor pub @bd"
sleep 1

# forge SPEC...: raw datagrams to node 1's port, each SPEC
# "SRC TYPE CHANNEL ARG..." (see the Python below).
forge() {
	"${NS[@]}" python3 - "$@" <<'PY'
import ctypes, socket, struct, sys
xx = ctypes.CDLL("libxxhash.so.0")
xx.XXH3_64bits.restype = ctypes.c_uint64
xx.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
T = {"FANOUT": 8, "GONE": 13, "GOSSIP": 14}

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(src, typ, chan, payload, origin, seq=0, bad_hash=False):
    name = chan.encode()
    h = xx.XXH3_64bits(name, len(name)) ^ (1 if bad_hash else 0)
    rum = struct.pack("!HBBBBHIHHQQQ", 0x524d, 1, T[typ], 0, 16, len(name),
                      origin, len(payload), 0, 0, seq, h) + name + payload
    udp = struct.pack("!HHHH", 7946, 7946, 8 + len(rum), 0) + rum
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000,
                     64, 17, 0, socket.inet_aton(src),
                     socket.inet_aton("10.77.0.1"))
    ph = socket.inet_aton(src) + socket.inet_aton("10.77.0.1") + \
        struct.pack("!BBH", 0, 17, len(udp))
    c = csum(ph + udp) or 0xffff
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    return ip + udp

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
FORGED = 0x0bad0bad0bad0bad
for spec in sys.argv[1:]:
    a = spec.split()
    src, typ, chan = "10.77.0." + a[0], a[1], a[2]
    origin = int(a[0])
    if typ == "FANOUT":
        seq = int(a[3], 0)
        p = struct.pack("!QQ", FORGED, seq) + b"forged"
        f = frame(src, typ, chan, p, origin, seq,
                  bad_hash=len(a) > 4 and a[4] == "badhash")
    elif typ == "GONE":
        p = struct.pack("!QQQ", FORGED, 1, int(a[3], 0))
        f = frame(src, typ, chan, p, origin)
    else:  # GOSSIP BOOT LEN LANE
        boot, n, lane = int(a[3], 0), int(a[4]), int(a[5])
        p = struct.pack("!Q", boot) + b"x" * n
        f = frame(src, typ, chan, p, origin, lane << 56 | 1000)
    s.sendto(f, ("10.77.0.1", 0))
PY
}

# A member that does not own channel $1 and is not node 1.
not_owner() { [ "${OWNER[$1]}" = 2 ] && echo 3 || echo 2; }

say "attacks on node 1"
nf0=$(lab_stat 1 drop_chan_not_from_owner 2>/dev/null || echo 0)
specs=()
expected_refusals=0
for c in "${chans[@]}"; do
	x=$(not_owner "$c")
	specs+=("$x FANOUT $c 1" "$x FANOUT $c 0x4000000000000000"
		"$x GONE $c 0x7fffffffffffffff")
	expected_refusals=$((expected_refusals + 3))
done
# The sacrificial channel, from its owner's address: taken (only the
# frame's authentication tells), but as one GAP, not a step a sequence.
vo=${OWNER[$victim]}
specs+=("$vo FANOUT $victim 1" "$vo FANOUT $victim 0x4000000000000000"
	"$vo GONE $victim 0x7fffffffffffffff")
# Gossip poisoning, every lane node 3 could use; one over the size.
for lane in 0 1 2 3; do
	specs+=("3 GOSSIP @bd 0xffffffffffffffff 10 $lane")
done
# @bd carries up to 1,472 - 40 - 3 - 40 = 1,389 bytes; the datagram
# still fits (40 + 3 + 8 + 1,418 <= 1,472).
specs+=("3 GOSSIP @bd 1 1418 0")
specs+=("2 FANOUT bd-0 1 badhash")
forge "${specs[@]}"
lab_stat 1 rx >/dev/null || die "node 1 does not answer after the attack"

say "genuine traffic after the attack: $AFTER messages a channel"
for c in "${chans[@]}"; do
	"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 --count "$AFTER" \
		--rate 5000 "$c" "message" >/dev/null || die "rumor pub $c"
done
"${NS[@]}" "$RUMOR" pub --node 10.77.0.3:7946 --count "$AFTER" \
	--rate 5000 "@bd" "message" >/dev/null || die "rumor pub @bd"
sleep 1
lab_sub_stop own

python3 - "$LAB_DIR/own.out" $((BEFORE + AFTER)) "${chans[@]}" "@bd" \
	<<'PY' || die "genuine deliveries after the attack"
import re, sys
path, want, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
pat = re.compile(r'^(\S+): received (\d+) gaps (\d+) \(missing (\d+)\) '
                 r'duplicates (\d+) reordered (\d+) resets (\d+)$')
got = {}
for line in open(path):
    m = pat.match(line.strip())
    if m:
        got[m.group(1)] = tuple(map(int, m.groups()[1:]))
bad = [(n, got.get(n)) for n in names
       if got.get(n) != (want, 0, 0, 0, 0, 0)]
for n, g in bad:
    print("  %s: %s, want %d received, nothing else" % (n, g, want))
print("sacrificial: %s" % ({n: g for n, g in got.items()
                            if n.startswith("victim")},))
sys.exit(1 if bad else 0)
PY
echo "ok: every genuine message after the attack delivered, exactly once"

refused=$(($(lab_stat 1 drop_chan_not_from_owner) - nf0))
echo "refused: not from the owner $refused," \
	"hash $(lab_stat 1 drop_chan_hash_bad)," \
	"gossip boot $(lab_stat 1 drop_gossip_boot_ahead)," \
	"gossip size $(lab_stat 1 drop_gossip_too_big)"
# A GONE for a stream not followed is dropped before the check.
[ "$refused" -ge $((expected_refusals * 2 / 3)) ] ||
	die "refused $refused forged stream changes, want at least" \
		"$((expected_refusals * 2 / 3))"
expect_eq "forged channel hash refused" "$(lab_stat 1 drop_chan_hash_bad)" 1
expect_eq "gossip boots far ahead refused" \
	"$(lab_stat 1 drop_gossip_boot_ahead)" 4
expect_eq "gossip over the size refused" \
	"$(lab_stat 1 drop_gossip_too_big)" 1

say "clean stop"
for n in 1 2 3; do
	kill -TERM "${LAB_NODE_PID[$n]}"
done
for n in 1 2 3; do
	wait "${LAB_NODE_PID[$n]}" || die "node $n exit status"
done
echo "bounds: refused=$refused"
echo "PASS"
