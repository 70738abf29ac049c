#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The control link of one rumor-dataplane (net_af_packet on a veth pair,
# in a private network namespace), driven by rumor-linktest standing in
# for rumor-control, with kernel UDP sockets on the bridge as clients,
# sink and peers:
# - STATE and TABLE describe the configuration;
# - a published TABLE changes the ring, and DATA follows it;
# - SEND reaches a kernel socket at an address ARP resolves on demand,
#   with valid checksums;
# - a CONTROL datagram arrives as PUNT with its source;
# - a flood of CONTROL datagrams is held to the punt rate while DATA
#   sent during it is all delivered;
# - malformed link messages, a second client, a client killed with
#   SIGKILL: counted, forwarding goes on, the next client is served.
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init cl
CTLTEST=$BUILD/tests/tools/rumor-linktest
lab_need "$CTLTEST"
SOCK=$LAB_DIR/n1.ctl

# Member 3 exists only in the configuration file: a table from the
# control link replaces it with member 2, whose "node" is a kernel socket
# on the bridge (10.77.0.100:9002) receiving what node 1 forwards to it.
cat >"$LAB_DIR/n1.conf" <<EOF
node_id = 1
client_auth = none
address = 10.77.0.1
zone = 3
sink = 10.77.0.100:9001
control_socket = $SOCK
member = 1 10.77.0.1 zone=3
member = 3 10.77.0.100 udp=9003 weight=2 zone=4
EOF
# The ring is a function of ids and weights alone: udptest checks owners
# with member 2 at node 1's address, since node 1 is what sends to it.
cat >"$LAB_DIR/client.conf" <<EOF
node_id = 1
client_auth = none
address = 10.77.0.1
member = 1 10.77.0.1
member = 2 10.77.0.1 udp=7947
EOF
lab_port 1
# A deeper receive ring than the 512 frames of the default: during the
# flood below, the test's own processes share the two cores with the
# forwarding lcore, and the kernel drops what arrives while it waits for
# a core, before the dataplane sees it.
LAB_VDEV_ARGS=",framecnt=4096"
# A socket file nobody serves, as a killed dataplane leaves: replaced.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind(sys.argv[1])' "$SOCK"
[ -S "$SOCK" ] || die "no stale socket to start with"
lab_node 1 "$LAB_DIR/n1.conf"
PID=${LAB_NODE_PID[1]}

info() { lab_info 1 "$1"; }

run_udptest() { lab_udptest "$LAB_DIR/client.conf" 1 "$@"; }

# ctl ARGS...: rumor-linktest on node 1's socket.
ctl() { "$CTLTEST" "$SOCK" "$@"; }

# ctlstat NAME: one counter from the link's STATS reply.
ctlstat() { ctl stats | awk -v n="$1" '$1 == n { print $2 }'; }

attached_is() { [ "$(info control_attached)" = "$1" ]; }

# wait_attached 0|1: until /rumor/info says so (5 s at most).
wait_attached() {
	lab_wait 5 attached_is "$1" || die "control_attached never became $1"
}

# control_dgrams N RATE SPORT: N CONTROL datagrams from the kernel side,
# about RATE a second, from 10.77.0.100:SPORT to node 1.
control_dgrams() {
	"${NS[@]}" python3 - "$@" <<'PY'
import socket, sys, time
n, rate, sport = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.77.0.100", sport))
msg = b"RM\x01\x02" + bytes(range(60))
start = time.monotonic()
for i in range(n):
    s.sendto(msg, ("10.77.0.1", 7946))
    if i % 200 == 199:
        ahead = (i + 1) / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
PY
}

[ -S "$SOCK" ] || die "no control socket at $SOCK"
[ "$(stat -c %a "$SOCK")" = 600 ] || die "control socket mode is not 0600"
expect_eq "control_attached at start" "$(info control_attached)" 0

say "a second dataplane on the same socket refuses to start"
cp "$LAB_DIR/n1.conf" "$LAB_DIR/n1b.conf"
lab_prefix "${LAB}n1b"
ip netns exec "$LAB-n1" "$DP" --no-huge --no-shconf --no-pci -m 128 -l 0-1 \
	--file-prefix "${LAB}n1b" --log-level=lib.eal:error \
	--vdev=net_null0 -- -c "$LAB_DIR/n1b.conf" --idle-sleep 100 \
	>"$LAB_DIR/n1b.log" 2>&1 && die "second dataplane started"
grep -q "control_socket $SOCK: another process serves it" "$LAB_DIR/n1b.log" ||
	{ cat "$LAB_DIR/n1b.log"; die "no clear error for a socket in use"; }
[ -S "$SOCK" ] || die "the refused dataplane removed the socket"

say "STATE and TABLE describe the configuration"
ctl state | tee "$LAB_DIR/state.out"
grep -qx "state node 1 address 10.77.0.1 udp_port 7946 zone 3 weight 1 incarnation 0 ring_epoch 1 members 2" \
	"$LAB_DIR/state.out" || die "STATE"
grep -qx "member 1 10.77.0.1:7946 weight 1 zone 3" "$LAB_DIR/state.out" ||
	die "TABLE: member 1"
grep -qx "member 3 10.77.0.100:9003 weight 2 zone 4" "$LAB_DIR/state.out" ||
	die "TABLE: member 3"
# The refused dataplane's probe was a connection too.
expect_eq "links accepted" "$(lab_stat 1 link_accepted)" 2
expect_eq "links closed" "$(lab_stat 1 link_closed)" 2

say "a table without this node is refused"
ctl table 2:10.77.0.100:9002:1 >"$LAB_DIR/refused.out"
expect_eq "tables refused" "$(awk '$1 == "table_refused" { print $2 }' "$LAB_DIR/refused.out")" 1
expect_eq "ring epoch after a refused table" "$(info ring_epoch)" 1
grep -q "refused, tables unchanged: this node (1) is not a member" "$LAB_DIR/n1.log" ||
	die "refused table not logged"

say "a published table changes the ring, and DATA follows it"
ctl table 1:10.77.0.1:7946:1:3 2:10.77.0.100:9002:1:5 >"$LAB_DIR/table.out"
expect_eq "tables applied" "$(awk '$1 == "table_applied" { print $2 }' "$LAB_DIR/table.out")" 1
expect_eq "ring epoch" "$(info ring_epoch)" 2
expect_eq "ring members" "$(info ring_members)" 2
lab_tel 1 /rumor/peers >"$LAB_DIR/peers.json"
grep -q '"2":"10.77.0.100:9002 ' "$LAB_DIR/peers.json" || die "member 2 not in the peer table"
# Member 3 left with this table; it stays routable while the ring before
# it is kept, so that it can hand its channels over (docs/channels.md).
grep -q '"3":' "$LAB_DIR/peers.json" || die "member 3 of the ring before not in the peer table"
run_udptest --count 3000 --channels 500 --rate 5000 || die "deliveries on the new ring"
O2=$(awk '$1 == "expect_owned" && $2 == "node2" { print $3 }' "$LAB_DIR/udptest.out")
[ "$O2" -gt 0 ] || die "member 2 owns no channel"
ctl state >"$LAB_DIR/state2.out"
grep -qx "member 2 10.77.0.100:9002 weight 1 zone 5" "$LAB_DIR/state2.out" ||
	{ cat "$LAB_DIR/state2.out"; die "STATE's table is not the published one"; }

say "SIGHUP keeps the members rumor-control published"
kill -HUP "$PID"
sleep 0.5
expect_eq "reloads" "$(lab_stat 1 config_reloaded)" 1
expect_eq "ring members after SIGHUP" "$(info ring_members)" 2
grep -q "reloaded .*n1.conf: 2 member(s) (kept from rumor-control)" "$LAB_DIR/n1.log" ||
	die "reload did not say the members were kept"
run_udptest --count 1000 --channels 500 --rate 5000 || die "deliveries after SIGHUP"

say "INCARNATION is remembered across clients"
ctl incarnation 42
ctl state | grep -q "incarnation 42 " || die "incarnation not in STATE"

say "SEND reaches a kernel socket, ARP resolved on demand"
"${NS[@]}" ip addr add 10.77.0.200/24 dev br0
"${NS[@]}" python3 - "$LAB_DIR/send.out" <<'PY' &
import socket, struct, sys

def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s

out = open(sys.argv[1], "w")
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
raw.bind(("br0", 0))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("10.77.0.200", 6000))
raw.settimeout(10)
u.settimeout(10)
print("ready", file=out, flush=True)
while True:
    f = raw.recv(2048)
    ip = f[14:34]
    if ip[9] != 17 or ip[16:20] != bytes([10, 77, 0, 200]):
        continue
    tot = struct.unpack("!H", ip[2:4])[0]
    udp = f[34:14 + tot]
    if struct.unpack("!H", udp[2:4])[0] != 6000:
        continue
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
    print("ip_cksum_ok", cksum(ip) == 0xFFFF, file=out)
    print("udp_cksum_ok", udp[6:8] != b"\0\0" and cksum(pseudo + udp) == 0xFFFF,
          file=out)
    print("df", (struct.unpack("!H", ip[6:8])[0] & 0x4000) != 0, file=out)
    print("ttl", ip[8], file=out)
    print("src %d.%d.%d.%d:%d" % (*ip[12:16], struct.unpack("!H", udp[0:2])[0]),
          file=out)
    break
data, peer = u.recvfrom(2048)
print("socket", peer[0], peer[1], data.hex(), file=out, flush=True)
PY
SNIFF=$!
lab_pid "$SNIFF"
for i in $(seq 1 50); do
	grep -q ready "$LAB_DIR/send.out" 2>/dev/null && break
	sleep 0.1
done
ctl send 10.77.0.200 6000 68656c6c6f20726f6d6f72 >/dev/null
wait "$SNIFF" || die "SEND never reached 10.77.0.200:6000"
cat "$LAB_DIR/send.out"
grep -qx "ip_cksum_ok True" "$LAB_DIR/send.out" || die "SEND: IPv4 checksum"
grep -qx "udp_cksum_ok True" "$LAB_DIR/send.out" || die "SEND: UDP checksum"
grep -qx "df True" "$LAB_DIR/send.out" || die "SEND: DF"
grep -qx "ttl 64" "$LAB_DIR/send.out" || die "SEND: TTL"
grep -qx "src 10.77.0.1:7946" "$LAB_DIR/send.out" || die "SEND: source"
grep -qx "socket 10.77.0.1 7946 68656c6c6f20726f6d6f72" "$LAB_DIR/send.out" ||
	die "SEND: the kernel socket got something else"
expect_eq "SEND frames held for ARP" "$(lab_stat 1 send_arp_wait)" 1
expect_eq "SEND frames queued" "$(lab_stat 1 send_queued)" 1
expect_eq "SEND timeouts" "$(lab_stat 1 drop_send_timeout)" 0

say "a CONTROL datagram arrives as PUNT with its source"
"$CTLTEST" "$SOCK" punts 1 5000 >"$LAB_DIR/punt.out" &
CLIENT=$!
lab_pid "$CLIENT"
wait_attached 1
control_dgrams 1 1000 5555
wait "$CLIENT" || { cat "$LAB_DIR/punt.out"; die "no PUNT"; }
grep -qx "punt 10.77.0.100 5555 524d0102$(python3 -c 'print(bytes(range(60)).hex())')" \
	"$LAB_DIR/punt.out" || { cat "$LAB_DIR/punt.out"; die "PUNT content"; }
expect_eq "CONTROL frames received" "$(lab_stat 1 rx_control)" 1
expect_eq "PUNTs sent" "$(lab_stat 1 punt_sent)" 1
wait_attached 0

say "without a client, punted datagrams are counted and dropped"
control_dgrams 5 1000 5556
sleep 0.3
expect_eq "punts without a client" "$(lab_stat 1 drop_punt_no_client)" 5

say "malformed link messages are counted, the link stays up"
ctl garbage >"$LAB_DIR/garbage.out"
expect_eq "bad link messages" "$(awk '$1 == "link_bad" { print $2 }' "$LAB_DIR/garbage.out")" 7
expect_eq "bad table chunks" "$(awk '$1 == "table_chunk_bad" { print $2 }' "$LAB_DIR/garbage.out")" 1
ctl raw 0700010000000000 >/dev/null || die "a first message other than HELLO must close the link"
ctl raw 01000200080000000100000000000000 >/dev/null ||
	die "a HELLO of another version must close the link"
expect_eq "connections without a good HELLO" "$(lab_stat 1 link_hello_bad)" 2

say "a flood of CONTROL datagrams is held to the punt rate; DATA still flows"
"$CTLTEST" "$SOCK" punts 1000000 60000 >"$LAB_DIR/flood-punts.out" &
CLIENT=$!
lab_pid "$CLIENT"
wait_attached 1
declare -A before
for c in rx_control punted drop_punt_rate drop_punt_full delivered forwarded; do
	before[$c]=$(lab_stat 1 "$c")
done
T0=$(date +%s.%N)
control_dgrams 200000 50000 5557 &
FLOOD=$!
lab_pid "$FLOOD"
run_udptest --count 5000 --channels 500 --rate 2000 || { lab_tel 1 /ethdev/stats,0; lab_tel 1 /rumor/stats; die "DATA lost during the flood"; }
wait "$FLOOD"
T1=$(date +%s.%N)
sleep 0.5
RX=$(($(lab_stat 1 rx_control) - ${before[rx_control]}))
PUNTED=$(($(lab_stat 1 punted) - ${before[punted]}))
RATE=$(($(lab_stat 1 drop_punt_rate) - ${before[drop_punt_rate]}))
FULL=$(($(lab_stat 1 drop_punt_full) - ${before[drop_punt_full]}))
echo "flood: $RX CONTROL frames received, $PUNTED punted, $RATE over rate, $FULL ring full"
lab_tel 1 /ethdev/stats,0
[ "$RATE" -gt 0 ] || die "the punt rate held back nothing"
expect_eq "CONTROL frames accounted for" $((PUNTED + RATE + FULL)) "$RX"
# One lcore at 10,000 a second, plus a full bucket of 256.
LIMIT=$(python3 -c "import math; print(math.ceil(($T1 - $T0 + 1) * 10000) + 256)")
[ "$PUNTED" -le "$LIMIT" ] || die "punted $PUNTED, more than the rate allows ($LIMIT)"
[ "$(info control_attached)" = 1 ] || die "the client was dropped during the flood"

say "a client killed with SIGKILL: forwarding goes on, the next is served"
ctl state >/dev/null 2>&1 && die "a second client was served"
expect_eq "second connections refused" "$(lab_stat 1 link_refused)" 1
CLOSED=$(lab_stat 1 link_closed)
kill -KILL "$CLIENT"
wait "$CLIENT" 2>/dev/null || true
wait_attached 0
expect_eq "links closed" "$(lab_stat 1 link_closed)" $((CLOSED + 1))
grep -q "detached: end of connection; forwarding goes on with ring epoch 3" "$LAB_DIR/n1.log" ||
	die "detach not logged"
run_udptest --count 2000 --channels 500 --rate 5000 || die "deliveries after the client died"
ctl state >"$LAB_DIR/state3.out" || die "a new client was not served"
grep -q "^state node 1 .* incarnation 42 ring_epoch 3 members 2$" "$LAB_DIR/state3.out" ||
	{ cat "$LAB_DIR/state3.out"; die "STATE after reconnect"; }

say "clean stop removes the socket"
kill -TERM "$PID"
wait "$PID" || die "node 1 exit status"
[ -e "$SOCK" ] && die "control socket left behind"
grep -q "^  link_accepted" "$LAB_DIR/n1.log" || die "no link counters in the exit report"
echo "PASS"
