#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the fuzz targets into corpus/<target>/.

Small valid and near-valid inputs, a few KB in all. The frame seeds are
addressed to the receiver fuzz_frame.c uses (02:00:00:00:00:01, 10.0.0.2,
UDP port 7946). Run it again after changing it; the output is fixed.
"""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SELF_MAC = bytes([0x02, 0, 0, 0, 0, 0x01])
PEER_MAC = bytes([0x02, 0, 0, 0, 0, 0x02])
SELF_IP = bytes([10, 0, 0, 2])
PEER_IP = bytes([10, 0, 0, 1])
PORT = 7946


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def rumor(channel=b"orders", payload=b"hello", version=1, mtype=1, flags=0,
          hop=8, chan_len=None, payload_len=None, reserved=0):
    return struct.pack(
        "!HBBBBHIHHQQQ", 0x524D, version, mtype, flags, hop,
        len(channel) if chan_len is None else chan_len, 7,
        len(payload) if payload_len is None else payload_len, reserved,
        1, 42, 0x0123456789ABCDEF) + channel + payload


def ipv4_udp(body, dst=SELF_IP, dport=PORT, proto=17, frag=0x4000,
             bad_cksum=False):
    udp = struct.pack("!HHHH", PORT, dport, 8 + len(body), 0) + body
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x1234, frag,
                     64, proto, 0, PEER_IP, dst)
    c = cksum(ip) ^ (1 if bad_cksum else 0)
    return ip[:10] + struct.pack("!H", c) + ip[12:] + udp


def eth(body, etype=0x0800, dst=SELF_MAC):
    return dst + PEER_MAC + struct.pack("!H", etype) + body


def arp(op=1, sha=PEER_MAC, spa=PEER_IP, tha=b"\0" * 6, tpa=SELF_IP,
        src=None, dst=b"\xff" * 6, htype=1):
    body = struct.pack("!HHBBH6s4s6s4s", htype, 0x0800, 6, 4, op, sha, spa,
                       tha, tpa)
    return dst + (sha if src is None else src) + b"\x08\x06" + body


def swim(kind=1, sender=1, seq=7, target=2, target_ip=b"\0" * 4,
         target_port=0, updates=(), n=None, reserved=0, reserved2=0):
    """A membership message (include/rumor/swim_wire.h)."""
    return struct.pack(
        "!BBHIII4sHH", kind, len(updates) if n is None else n, reserved,
        sender, seq, target, target_ip, target_port,
        reserved2) + b"".join(updates)


def ctl(mtype, body):
    """A control-link packet (host byte order, as on the local socket)."""
    return struct.pack("=HHI", mtype, 1, len(body)) + body


def ctl_table(table_id, total, first, members):
    body = struct.pack("=QIIII", table_id, total, first, len(members), 0)
    for mid, ip, port, zone, weight in members:
        body += struct.pack("=I4sHBBI", mid, ip, port, zone, 0, weight)
    return ctl(5, body)


def ctl_pkts(*pkts):
    """The fuzz_ctl_proto input: packets, each after a 2-byte length."""
    return b"".join(struct.pack(">H", len(p)) + p for p in pkts)


def member(mid, ip=PEER_IP, port=PORT, state=0, incarnation=0, weight=1,
           reserved=0):
    """One member update of a membership message."""
    return struct.pack("!I4sHBBII", mid, ip, port, state, reserved,
                       incarnation, weight)


SWIM_PING, SWIM_ACK, SWIM_PING_REQ, SWIM_NACK = 1, 2, 3, 4
SWIM_ALIVE, SWIM_SUSPECT, SWIM_DEAD, SWIM_LEFT = 0, 1, 2, 3
NODE3_IP = bytes([10, 0, 0, 3])
SWIM_UPDATES = (
    member(1, PEER_IP, PORT, SWIM_ALIVE, 0, 1),
    member(3, NODE3_IP, PORT + 1, SWIM_SUSPECT, 4, 1000),
)


CONFIG = b"""# A three-node cluster, seen from node 2.
node_id = 2
address = 10.0.0.2
udp_port = 7000
dpdk_port = 1
sink = 10.0.0.100:9000 mac=02:00:00:00:00:64

member = 3 10.0.0.3 weight=2 mac=02:00:00:00:00:03
member = 1 10.0.0.1 udp=7001
member = 2 10.0.0.2   # this node
"""

SEEDS = {
    "fuzz_frame": {
        "data": eth(ipv4_udp(rumor())),
        "data-padded": eth(ipv4_udp(rumor(b"c", b""))) + b"\0" * 12,
        "data-bad-ip-cksum": eth(ipv4_udp(rumor(), bad_cksum=True)),
        "data-fragment": eth(ipv4_udp(rumor(), frag=0x2000)),
        "data-bad-magic": eth(ipv4_udp(b"XX" + rumor()[2:])),
        "data-bad-lengths": eth(ipv4_udp(rumor(payload_len=9))),
        "data-other-port": eth(ipv4_udp(rumor(), dport=53)),
        "arp-request": arp(),
        "vlan": eth(b"\x00\x05\x08\x00" + ipv4_udp(rumor()), 0x8100),
        "short": eth(b"\x45\x00"),
    },
    "fuzz_arp": {
        "request": arp(),
        "reply": arp(op=2, sha=SELF_MAC, spa=SELF_IP, tha=PEER_MAC,
                     tpa=PEER_IP, dst=PEER_MAC),
        "probe": arp(spa=b"\0" * 4),
        "padded": arp() + b"\0" * 18,
        "bad-op": arp(op=3),
        "bad-sender": arp(src=SELF_MAC),
        "bad-htype": arp(htype=6),
    },
    "fuzz_rumor_hdr": {
        "valid": rumor(),
        "empty-payload": rumor(b"a", b""),
        "long-channel": rumor(b"c" * 255, b"p" * 16),
        "bad-version": rumor(version=2),
        "bad-flags": rumor(flags=0x80),
        "bad-lengths": rumor(payload_len=4),
        "channel-0": rumor(b"", b"xyz"),
        "short": rumor()[:39],
    },
    "fuzz_swim_wire": {
        "ping": swim(SWIM_PING, sender=1, seq=1, target=2),
        "ack-2-updates": swim(SWIM_ACK, sender=2, seq=1, target=0,
                              updates=SWIM_UPDATES),
        "ping-req": swim(SWIM_PING_REQ, sender=1, seq=9, target=3,
                         target_ip=NODE3_IP, target_port=PORT + 1,
                         updates=SWIM_UPDATES[:1]),
        "nack": swim(SWIM_NACK, sender=2, seq=9, target=0),
        "bad-kind": swim(200),
        "bad-reserved": swim(SWIM_ACK, reserved2=1),
        "bad-length": swim(SWIM_ACK, updates=SWIM_UPDATES, n=1),
        "bad-sender": swim(SWIM_ACK, sender=0, updates=SWIM_UPDATES),
        "bad-update": swim(SWIM_ACK, updates=(
            member(4, NODE3_IP, PORT, SWIM_LEFT, 1, 1001),)),
        "short": swim(SWIM_PING)[:23],
    },
    "fuzz_ctl_proto": {
        "hello": ctl_pkts(ctl(1, struct.pack("=II", 4242, 0))),
        "state-table": ctl_pkts(
            ctl(2, struct.pack("=I4sHBBIIQI", 2, SELF_IP, PORT, 0, 0, 1,
                               3, 9, 2)),
            ctl_table(0, 2, 0, [(2, SELF_IP, PORT, 0, 1)]),
            ctl_table(0, 2, 1, [(3, NODE3_IP, PORT, 1, 5)])),
        "punt": ctl_pkts(ctl(3, struct.pack("=4sHH", PEER_IP, PORT, 5) +
                             b"RM\x01\x02\x01")),
        "send": ctl_pkts(ctl(4, struct.pack("=4sHH", PEER_IP, PORT, 3) +
                             b"abc")),
        "incarnation-stats": ctl_pkts(ctl(6, struct.pack("=I", 7)),
                                      ctl(7, b""),
                                      ctl(8, b"rx 1\ntx 2\n")),
        "bad-version": ctl_pkts(struct.pack("=HHI", 7, 2, 0)),
    },
    "fuzz_config": {
        "full.conf": CONFIG,
        "minimal.conf": b"node_id=1\naddress=10.1.1.1\nmember=1 10.1.1.1\n",
        "crlf.conf": CONFIG.replace(b"\n", b"\r\n"),
        "bad-member.conf": CONFIG.replace(b"weight=2", b"weight=0"),
        "duplicate.conf": CONFIG + b"member = 3 10.0.0.4\n",
        "no-self.conf": CONFIG.replace(b"node_id = 2", b"node_id = 4"),
    },
}


def main():
    for target, seeds in SEEDS.items():
        d = os.path.join(HERE, "corpus", target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
