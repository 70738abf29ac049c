#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Check that scripts/rumor.lua decodes every field of the rumor header,
# the clear header of a sealed control message, and the fixed parts of
# HANDOFF_REQ and HANDOFF: write pcaps of rumor frames by hand, dissect
# them with tshark, and compare each field with what was written. Exits
# 77 (skipped) without tshark or python3.
. "$(dirname "$0")/../../scripts/lab.sh"

lua=${RUMOR_LUA:-$LAB_TOP/scripts/rumor.lua}
for tool in tshark python3; do
	command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
if [ ! -r "$lua" ]; then
	echo "FAIL: no dissector at $lua"
	exit 1
fi

lab_begin dis
tmp=$LAB_DIR
# Keep personal Wireshark settings and plugins out of the test.
export HOME="$tmp" XDG_CONFIG_HOME="$tmp"

# frames.py: Ethernet, IPv4 and UDP around a message, from 10.0.0.2 to
# 10.0.0.1, and the pcap file that holds such frames.
cat >"$tmp/frames.py" <<'PY'
import struct

def cksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(msg, sport=7946, dport=7946):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(msg), 0) + msg
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0x4000,
                     64, 17, 0, bytes([10, 0, 0, 2]), bytes([10, 0, 0, 1]))
    ip = ip[:10] + struct.pack("!H", cksum(ip)) + ip[12:]
    return bytes.fromhex("020000000001" "020000000002" "0800") + ip + udp

def write(path, frames):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, f in enumerate(frames):
            out.write(struct.pack("<IIII", 1700000000 + i, 0, len(f),
                                  len(f)))
            out.write(f)
PY

# Four frames from 10.0.0.2 to 10.0.0.1:
#  1. port 7946 -> 7946: channel "news", payload "hello", every field set.
#  2. port 40000 -> 9000: channel "sports" (decoded only with Decode As).
#  3. payload_len 10 but 5 bytes of payload: length mismatch.
#  4. magic 0x1234 and version 2.
PYTHONPATH=$tmp python3 - "$tmp/rumor.pcap" <<'PY'
import struct, sys
from frames import frame, write

def rumor(chan, payload, magic=0x524d, version=1, mtype=1, flags=0, hop=8,
          origin=7, epoch=3, seq=42, chash=0xcea6a9c08ead0124,
          payload_len=None):
    pl = len(payload) if payload_len is None else payload_len
    return struct.pack("!HBBBBHIHHQQQ", magic, version, mtype, flags, hop,
                       len(chan), origin, pl, 0, epoch, seq, chash) + \
        chan + payload

frames = [
    frame(rumor(b"news", b"hello")),
    frame(rumor(b"sports", b"goal", hop=0, origin=0, epoch=9, seq=43,
                chash=0x0123456789abcdef), sport=40000, dport=9000),
    frame(rumor(b"news", b"hello", payload_len=10)),
    frame(rumor(b"news", b"hello", magic=0x1234, version=2)),
]
write(sys.argv[1], frames)
PY

fields="rumor.magic rumor.version rumor.type rumor.flags rumor.hop_limit
	rumor.channel_len rumor.origin rumor.payload_len rumor.reserved
	rumor.epoch rumor.seq rumor.channel_hash rumor.channel rumor.payload
	_ws.expert.message"
set --
for f in $fields; do
	set -- "$@" -e "$f"
done

tshark -X "lua_script:$lua" -d udp.port==9000,rumor -r "$tmp/rumor.pcap" \
	-T fields -E separator='|' "$@" >"$tmp/fields.txt" 2>"$tmp/err.txt" || {
	cat "$tmp/err.txt"
	echo "FAIL: tshark could not dissect the capture"
	exit 1
}
tshark -X "lua_script:$lua" -d udp.port==9000,rumor -r "$tmp/rumor.pcap" -V \
	>"$tmp/verbose.txt" 2>>"$tmp/err.txt"
tshark -X "lua_script:$lua" -r "$tmp/rumor.pcap" -T fields -e rumor.channel \
	>"$tmp/noport.txt" 2>>"$tmp/err.txt"

cat >"$tmp/want.txt" <<'WANT'
0x524d|1|1|0x00|8|4|7|5|0x0000|3|42|0xcea6a9c08ead0124|news|68656c6c6f|
0x524d|1|1|0x00|0|6|0|4|0x0000|9|43|0x0123456789abcdef|sports|676f616c|
0x524d|1|1|0x00|8|4|7|10|0x0000|3|42|0xcea6a9c08ead0124|news|68656c6c6f|Length mismatch: 40 (+ 16 with AUTH) + channel_len + payload_len != UDP payload
0x1234|2|1|0x00|8|4|7|5|0x0000|3|42|0xcea6a9c08ead0124|news|68656c6c6f|Bad magic (expected 0x524d),Unsupported version
WANT

fail=0
if ! diff -u "$tmp/want.txt" "$tmp/fields.txt"; then
	echo "FAIL: fields decoded differently (- expected, + decoded)"
	fail=1
fi
for line in 'Type: DATA (1)' 'Channel: news' 'Sequence: 42' \
		'Channel: sports' 'Sequence: 43' 'Hop limit: 0' \
		'Channel hash: 0xcea6a9c08ead0124'; do
	if ! grep -qF "$line" "$tmp/verbose.txt"; then
		echo "FAIL: '$line' missing from tshark -V"
		fail=1
	fi
done
# Without Decode As, port 9000 is not rumor: frame 2 has no channel.
if [ "$(sed -n 2p "$tmp/noport.txt")" != "" ] ||
		[ "$(sed -n 1p "$tmp/noport.txt")" != "news" ]; then
	echo "FAIL: port registration: got $(tr '\n' ' ' <"$tmp/noport.txt")"
	fail=1
fi

# Two sealed control messages (type 2), from 10.0.0.2 to 10.0.0.1 on port
# 7946; the body and the tag are opaque bytes, since only the clear header
# is dissected:
#  1. a SWIM body of 24 bytes from node 7, boot 1700000000000000, counter 3.
#  2. proto 9, both reserved fields set, sender 0, body_len 30 for 24 bytes.
#  3. the header and 5 bytes: shorter than any sealed message.
PYTHONPATH=$tmp python3 - "$tmp/control.pcap" <<'PY'
import struct, sys
from frames import frame, write

def sealed(proto=1, reserved=0, body_len=None, sender=7, reserved2=0,
           body=bytes(range(24)), tag=bytes(range(0xe0, 0xf0))):
    bl = len(body) if body_len is None else body_len
    return struct.pack("!HBBBBHQIIQQ", 0x524d, 1, 2, proto, reserved, bl,
                       0x0123456789abcdef, sender, reserved2,
                       1700000000000000, 3) + body + tag

frames = [
    frame(sealed()),
    frame(sealed(proto=9, reserved=1, body_len=30, sender=0, reserved2=1)),
    frame(sealed(body=b"", tag=b"12345")),
]
write(sys.argv[1], frames)
PY

set --
for f in rumor.magic rumor.version rumor.type rumor.ctl.proto \
		rumor.ctl.reserved rumor.ctl.body_len rumor.ctl.label_tag \
		rumor.ctl.sender rumor.ctl.reserved2 rumor.ctl.boot \
		rumor.ctl.counter rumor.ctl.body rumor.ctl.tag rumor.channel \
		_ws.expert.message; do
	set -- "$@" -e "$f"
done
tshark -X "lua_script:$lua" -r "$tmp/control.pcap" -T fields \
	-E separator='|' "$@" >"$tmp/control.txt" 2>>"$tmp/err.txt" || {
	cat "$tmp/err.txt"
	echo "FAIL: tshark could not dissect the control capture"
	exit 1
}
tshark -X "lua_script:$lua" -r "$tmp/control.pcap" -V \
	>"$tmp/control-verbose.txt" 2>>"$tmp/err.txt"
tshark -X "lua_script:$lua" -r "$tmp/control.pcap" \
	>"$tmp/control-summary.txt" 2>>"$tmp/err.txt"

cat >"$tmp/control-want.txt" <<'WANT'
0x524d|1|2|1|0x00|24|0x0123456789abcdef|7|0x00000000|1700000000000000|3|000102030405060708090a0b0c0d0e0f1011121314151617|e0e1e2e3e4e5e6e7e8e9eaebecedeeef||
0x524d|1|2|9|0x01|30|0x0123456789abcdef|0|0x00000001|1700000000000000|3|000102030405060708090a0b0c0d0e0f1011121314151617e0e1e2e3e4e5|||Unknown sealed protocol,Reserved is not zero,Length mismatch: 56 + body_len != UDP payload,Sender is 0,Reserved is not zero
0x524d|1|2|1|0x00|0|0x0123456789abcdef|7|0x00000000|1700000000000000|3||||Length mismatch: 56 + body_len != UDP payload,Shorter than the 56 bytes of a sealed message
WANT
if ! diff -u "$tmp/control-want.txt" "$tmp/control.txt"; then
	echo "FAIL: control fields decoded differently (- expected, + decoded)"
	fail=1
fi
for line in 'Type: CONTROL (2)' 'Sealed protocol: SWIM (1)' 'Sender: 7' \
		'Boot: 1700000000000000' 'Counter: 3' 'Body length: 24'; do
	if ! grep -qF "$line" "$tmp/control-verbose.txt"; then
		echo "FAIL: '$line' missing from tshark -V (control)"
		fail=1
	fi
done
if ! grep -qF 'CONTROL SWIM sender=7 boot=1700000000000000 counter=3 len=24' \
		"$tmp/control-summary.txt"; then
	echo "FAIL: Info column of a control message:"
	cat "$tmp/control-summary.txt"
	fail=1
fi

# Channel messages from node 3 (10.0.0.2) to node 9 (10.0.0.1), port 7946:
#  1. HANDOFF_REQ from node 9, request 5: no fixed part.
#  2. HANDOFF answering it: stream 0x5eed000000000007, next_seq 43, nodes
#     2 (25,000 ms left) and 5 (1,000 ms).
#  3. HANDOFF pushed unasked (seq 0) with no state and no node.
#  4. HANDOFF whose count (3) is one more than its nodes.
#  5. HANDOFF_REQ with 8 bytes of payload.
#  6. HANDOFF of 129 nodes: count above 128, the length agreeing.
PYTHONPATH=$tmp python3 - "$tmp/handoff.pcap" <<'PY'
import struct, sys
from frames import frame, write

def chan(mtype, body=b"", origin=3, seq=5):
    return struct.pack("!HBBBBHIHHQQQ", 0x524d, 1, mtype, 0, 8, 4, origin,
                       len(body), 0, 9, seq, 0xcea6a9c08ead0124) + \
        b"news" + body

def handoff(stream, next_seq, nodes, count=None):
    return struct.pack("!QQII", stream, next_seq,
                       len(nodes) if count is None else count, 0) + \
        b"".join(struct.pack("!II", n, l) for n, l in nodes)

two = ((2, 25000), (5, 1000))
frames = [
    frame(chan(15, origin=9)),
    frame(chan(16, handoff(0x5eed000000000007, 43, two))),
    frame(chan(16, handoff(0, 0, ()), seq=0)),
    frame(chan(16, handoff(0x5eed000000000007, 43, two, count=3))),
    frame(chan(15, bytes(8), origin=9)),
    frame(chan(16, handoff(7, 1, tuple((i + 1, 1000)
                                       for i in range(129))))),
]
write(sys.argv[1], frames)
PY

set --
for f in rumor.type rumor.origin rumor.seq rumor.payload_len \
		rumor.chan.stream rumor.chan.next_seq rumor.chan.count \
		rumor.chan.reserved rumor.chan.node rumor.chan.node_lease_ms \
		_ws.expert.message; do
	set -- "$@" -e "$f"
done
tshark -X "lua_script:$lua" -r "$tmp/handoff.pcap" -Y 'frame.number <= 5' \
	-T fields -E separator='|' "$@" >"$tmp/handoff.txt" \
	2>>"$tmp/err.txt" || {
	cat "$tmp/err.txt"
	echo "FAIL: tshark could not dissect the handoff capture"
	exit 1
}
tshark -X "lua_script:$lua" -r "$tmp/handoff.pcap" -Y 'frame.number == 6' \
	-T fields -E separator='|' -e rumor.chan.count \
	-e _ws.expert.message >>"$tmp/handoff.txt" 2>>"$tmp/err.txt"
tshark -X "lua_script:$lua" -r "$tmp/handoff.pcap" -Y 'frame.number == 6' \
	-T fields -E occurrence=l -e rumor.chan.node \
	-e rumor.chan.node_lease_ms >>"$tmp/handoff.txt" 2>>"$tmp/err.txt"
tshark -X "lua_script:$lua" -r "$tmp/handoff.pcap" -V \
	>"$tmp/handoff-verbose.txt" 2>>"$tmp/err.txt"
tshark -X "lua_script:$lua" -r "$tmp/handoff.pcap" \
	>"$tmp/handoff-summary.txt" 2>>"$tmp/err.txt"

cat >"$tmp/handoff-want.txt" <<'WANT'
15|9|5|0|||||||
16|3|5|40|0x5eed000000000007|43|2|00000000|2,5|25000,1000|
16|3|0|24|0x0000000000000000|0|0|00000000|||
16|3|5|40|||||||Payload too short for the type's fixed part
15|9|5|8|||||||Payload too short for the type's fixed part
129|More than 128 nodes (CHAN_HANDOFF_NODES_MAX)
129	1000
WANT
if ! diff -u "$tmp/handoff-want.txt" "$tmp/handoff.txt"; then
	echo "FAIL: handoff fields decoded differently (- expected, + decoded)"
	fail=1
fi
for line in 'Type: HANDOFF_REQ (15)' 'Type: HANDOFF (16)' \
		'Stream: 0x5eed000000000007' 'Next sequence: 43' 'Count: 2' \
		'Node: 2' 'Lease left (ms): 25000' 'Node: 5' \
		'Lease left (ms): 1000'; do
	if ! grep -qF "$line" "$tmp/handoff-verbose.txt"; then
		echo "FAIL: '$line' missing from tshark -V (handoff)"
		fail=1
	fi
done
for line in 'HANDOFF_REQ channel=news seq=5 hop=8 len=0' \
		'HANDOFF channel=news seq=5 hop=8 len=40 next=43 nodes=2' \
		'HANDOFF channel=news seq=0 hop=8 len=24 next=0 nodes=0'; do
	if ! grep -qF "$line" "$tmp/handoff-summary.txt"; then
		echo "FAIL: Info column '$line' missing:"
		cat "$tmp/handoff-summary.txt"
		fail=1
	fi
done

if grep -qi 'lua.*error\|error.*lua' "$tmp/err.txt"; then
	cat "$tmp/err.txt"
	echo "FAIL: the Lua script reported an error"
	fail=1
fi
[ "$fail" -eq 0 ] && echo "PASS: rumor.lua decodes every field"
exit "$fail"
