#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ARP from an attacker on the segment. Two rumor-dataplane nodes on one
# bridge (as in two_nodes.sh, no static MACs) resolve each other and their
# sinks; then an attacker namespace on the same bridge sends, with raw
# AF_PACKET sockets, gratuitous ARP and unsolicited replies claiming node
# 2's address and the sink's, requests for node 1 that claim node 2's
# address, and a flood of all of them while honest traffic runs. Each
# case prints its effect; the nodes' peer MACs must not change
# (arp_mac_changed 0, /rumor/peers as before), the refusals must be
# counted, and no honest message may be lost.
. "$(dirname "$0")/../../scripts/lab.sh"

command -v python3 >/dev/null || skip "needs python3 (the attacker)"
lab_init arp
lab_need "$UDPTEST"
for n in 1 2; do
	cat >"$LAB_DIR/n$n.conf" <<EOF
# node $n of the ARP spoofing test
node_id = $n
client_auth = none
address = 10.77.0.$n
sink = 10.77.0.100:900$n
control_socket = $LAB_DIR/n$n.ctl
member = 1 10.77.0.1
member = 2 10.77.0.2
EOF
done
cp "$LAB_DIR/n1.conf" "$LAB_DIR/client.conf"
lab_port 1
lab_port 2
lab_node 1 "$LAB_DIR/n1.conf"
lab_node 2 "$LAB_DIR/n2.conf"

# The attacker: a veth on br0 whose peer is alone in namespace $LAB-atk.
ATK_MAC=02:66:66:66:66:66
lab_netns atk
"${NS[@]}" ip link add atk type veth peer name atk-x
"${NS[@]}" ip link set atk-x netns "$LAB-atk"
"${NS[@]}" ip link set atk master br0 up
ip netns exec "$LAB-atk" ip link set atk-x address "$ATK_MAC"
ip netns exec "$LAB-atk" ip link set atk-x up

MAC1=$(ip netns exec "$LAB-n1" cat /sys/class/net/n1-dp/address)
MAC2=$(ip netns exec "$LAB-n2" cat /sys/class/net/n2-dp/address)

# attack COUNT|-SECONDS KIND,VICTIM_IP,TARGET_MAC,TARGET_IP...: ARP
# frames from the attacker's MAC claiming VICTIM_IP, the kinds in turn.
# KIND: garp-request and garp-reply (broadcast, target the victim
# itself), reply (unicast to TARGET, as if answering it), request
# (broadcast, asking for TARGET_IP). Prints how many it sent. A negative
# count sends for that many seconds, at ATK_RATE frames a second: far
# beyond what a node punts (1,000 a second per lcore), and within what
# the lab's net_af_packet links carry beside honest traffic on a loaded
# machine (an unpaced flood overflows their receive rings, which no rule
# of rumor's can help).
ATK_RATE=${ATK_RATE:-4000}
cat >"$LAB_DIR/attack.py" <<'PY'
import socket, struct, sys, time
mac = lambda s: bytes.fromhex(s.replace(":", ""))
me, rate, count = mac(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
bc, zero = b"\xff" * 6, b"\0" * 6
def arp(dst, op, v, tha, tpa):
    f = dst + me + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, op)
    return (f + me + v + tha + tpa).ljust(60, b"\0")
frames = []
for spec in sys.argv[4:]:
    kind, victim, tmac, tip = spec.split(",")
    v, t = socket.inet_aton(victim), socket.inet_aton(tip)
    frames.append({
        "garp-request": arp(bc, 1, v, zero, v),
        "garp-reply": arp(bc, 2, v, bc, v),
        "reply": arp(mac(tmac), 2, v, mac(tmac), t),
        "request": arp(bc, 1, v, zero, t),
    }[kind])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("atk-x", 0))
n = 0
start = time.monotonic()
end = start - count if count < 0 else None
while (n < count) if end is None else (time.monotonic() < end):
    try:
        s.send(frames[n % len(frames)])
        n += 1
    except OSError:
        time.sleep(0.001)
    if end is not None and n % 50 == 0:
        ahead = n / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
print(n)
PY
attack() {
	ip netns exec "$LAB-atk" python3 "$LAB_DIR/attack.py" "$ATK_MAC" \
		"$ATK_RATE" "$@"
}
BC=ff:ff:ff:ff:ff:ff

run_udptest() { lab_udptest "$LAB_DIR/client.conf" 1 "$@"; }

# peer_macs ID: node ID's peers, "id=MAC" each, sorted.
peer_macs() {
	lab_tel "$1" /rumor/peers | python3 -c 'import json, sys
d = json.load(sys.stdin)["/rumor/peers"]
print(" ".join(sorted("%s=%s" % (k, v.split()[1]) for k, v in d.items()
	if isinstance(v, str) and len(v.split()) > 1)))'
}

# delta ID COUNTER: its growth on node ID since snap ID.
declare -A SNAP
snap() {
	local c fmt= k v
	for c in drop_arp_not_self drop_arp_punt_rate drop_arp_punt_full \
			arp_in arp_unsolicited arp_hint arp_learnt \
			arp_mac_changed arp_change_refused arp_conflict \
			arp_request_sent arp_reply_sent; do
		fmt="$fmt$c {$c}"$'\n'
	done
	while read -r k v; do
		SNAP[$1.$k]=$v
	done < <(lab_statf "$1" "$fmt")
}
delta() { echo $(($(lab_stat "$1" "$2") - ${SNAP[$1.$2]})); }

CASES=0
PASSED=0
# check_case NAME: the peer MACs of both nodes are those first resolved,
# and no MAC changed; prints what the case cost.
check_case() {
	local n bad=
	CASES=$((CASES + 1))
	for n in 1 2; do
		[ "$(peer_macs "$n")" = "${PEERS[$n]}" ] ||
			{ echo "node $n peers now: $(peer_macs "$n")"; bad=1; }
		[ "$(lab_stat "$n" arp_mac_changed)" = 0 ] || bad=1
	done
	echo "$1: node 1 not_self=+$(delta 1 drop_arp_not_self)" \
		"punt_rate=+$(delta 1 drop_arp_punt_rate)" \
		"unsolicited=+$(delta 1 arp_unsolicited)" \
		"hint=+$(delta 1 arp_hint) refused=+$(delta 1 arp_change_refused)" \
		"conflict=+$(delta 1 arp_conflict)" \
		"replies=+$(delta 1 arp_reply_sent)" \
		"requests=+$(delta 1 arp_request_sent)" \
		"mac_changed=$(lab_stat 1 arp_mac_changed)"
	[ -z "$bad" ] || die "$1: a peer MAC changed"
	PASSED=$((PASSED + 1))
}

say "honest traffic resolves every peer"
run_udptest --count 2000 --channels 500 --rate 5000 || die "deliveries"
declare -A PEERS
for n in 1 2; do
	PEERS[$n]=$(peer_macs "$n")
	echo "node $n peers: ${PEERS[$n]}"
done
grep -q "2=$MAC2" <<<"${PEERS[1]}" || die "node 1 did not resolve node 2"
grep -q "sink=" <<<"${PEERS[1]}" || die "node 1 did not resolve its sink"
grep -q "sink=" <<<"${PEERS[2]}" || die "node 2 did not resolve its sink"

say "gratuitous ARP claiming node 2 and the sink"
snap 1
attack 800 garp-request,10.77.0.2,$BC,0 garp-request,10.77.0.100,$BC,0 \
	garp-reply,10.77.0.2,$BC,0 garp-reply,10.77.0.100,$BC,0 >/dev/null
sleep 0.3
check_case gratuitous
[ "$(delta 1 drop_arp_not_self)" -gt 0 ] ||
	die "gratuitous ARP not dropped by node 1's lcores"

say "unsolicited replies to node 1 claiming node 2 and the sink"
snap 1
attack 400 "reply,10.77.0.2,$MAC1,10.77.0.1" \
	"reply,10.77.0.100,$MAC1,10.77.0.1" >/dev/null
sleep 0.3
check_case unsolicited
[ "$(delta 1 arp_unsolicited)" -gt 0 ] || die "unsolicited replies not counted"
[ "$(delta 1 arp_learnt)" = 0 ] || die "node 1 learnt from them"

say "requests for node 1 claiming node 2's address"
snap 1
attack 50 "request,10.77.0.2,$BC,10.77.0.1" >/dev/null
sleep 1.5
check_case requests
[ "$(delta 1 arp_hint)" -gt 0 ] || die "claims in requests not counted"
[ "$(delta 1 arp_reply_sent)" -gt 0 ] || die "requests not answered"
# Answered one for one, a reply no larger than the request: no
# amplification; and at most one early refresh per second (the slack is
# the honest hosts' own ARP and the nodes' regular refreshes).
[ "$(delta 1 arp_reply_sent)" -le 55 ] || die "more replies than requests"
[ "$(delta 1 arp_request_sent)" -le 6 ] || die "early refreshes not limited"

say "a flood of all of them for 4 s ($ATK_RATE frames/s), with honest traffic"
snap 1
snap 2
attack -4 "request,10.77.0.2,$BC,10.77.0.1" \
	"reply,10.77.0.2,$MAC1,10.77.0.1" "reply,10.77.0.100,$MAC2,10.77.0.2" \
	"garp-reply,10.77.0.100,$BC,0" >"$LAB_DIR/flood.out" &
FLOOD=$!
lab_pid $FLOOD
sleep 0.2
run_udptest --count 6000 --channels 1000 --rate 2000 ||
	die "honest messages lost under the ARP flood"
wait $FLOOD
echo "attacker sent $(cat "$LAB_DIR/flood.out") frames"
sleep 1.5
check_case flood
[ "$(delta 1 drop_arp_punt_rate)" -gt 0 ] ||
	echo "note: the flood stayed under node 1's ARP punt rate"
echo "flood: node 2 not_self=+$(delta 2 drop_arp_not_self)" \
	"punt_rate=+$(delta 2 drop_arp_punt_rate)" \
	"unsolicited=+$(delta 2 arp_unsolicited)"

say "honest traffic after the attacks"
run_udptest --count 2000 --channels 500 --rate 5000 ||
	die "deliveries after the attacks"
expect_eq "node 1 ARP timeouts" "$(lab_stat 1 drop_arp_timeout)" 0

echo "arp_spoof: cases=$CASES passed=$PASSED" \
	"mac_changed=$(($(lab_stat 1 arp_mac_changed) + $(lab_stat 2 arp_mac_changed)))"
echo "PASS"
