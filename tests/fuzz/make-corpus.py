#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the fuzz targets into corpus/<target>/.

Small valid and near-valid inputs, a few KB in all. The frame seeds are
addressed to the receiver fuzz_frame.c uses (02:00:00:00:00:01, 10.0.0.2,
UDP port 7946). Run it again after changing it; the output is fixed.
"""
import hashlib
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


def link_table(table_id, total, first, members):
    body = struct.pack("=QIIII", table_id, total, first, len(members), 0)
    for mid, ip, port, zone, weight in members:
        body += struct.pack("=I4sHBBI", mid, ip, port, zone, 0, weight)
    return ctl(5, body)


def ctl_pkts(*pkts):
    """The fuzz_link_proto input: packets, each after a 2-byte length."""
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


# Sealed control messages (include/rumor/seal.h): XChaCha20-Poly1305 as
# RFC 8439 and the XChaCha draft define it, written out here so that the
# seeds need nothing beyond Python itself. fuzz_seal.c opens them with
# the same keys and label.
SEAL_KEYS = (bytes(range(32)), bytes(range(32, 64)))
SEAL_LABEL = b"fuzz"
SEAL_BOOT = 1700000000000000
M32 = 0xFFFFFFFF
CHACHA_CONST = struct.unpack("<4I", b"expand 32-byte k")


def chacha_rounds(s):
    def quarter(a, b, c, d):
        for x, y, z, n in ((a, b, d, 16), (c, d, b, 12), (a, b, d, 8),
                           (c, d, b, 7)):
            s[x] = (s[x] + s[y]) & M32
            v = s[z] ^ s[x]
            s[z] = ((v << n) & M32) | (v >> (32 - n))
    for _ in range(10):
        quarter(0, 4, 8, 12)
        quarter(1, 5, 9, 13)
        quarter(2, 6, 10, 14)
        quarter(3, 7, 11, 15)
        quarter(0, 5, 10, 15)
        quarter(1, 6, 11, 12)
        quarter(2, 7, 8, 13)
        quarter(3, 4, 9, 14)


def chacha_block(key, counter, nonce):
    init = (list(CHACHA_CONST) + list(struct.unpack("<8I", key)) +
            [counter] + list(struct.unpack("<3I", nonce)))
    s = init[:]
    chacha_rounds(s)
    return struct.pack("<16I", *((a + b) & M32 for a, b in zip(s, init)))


def hchacha(key, nonce16):
    s = (list(CHACHA_CONST) + list(struct.unpack("<8I", key)) +
         list(struct.unpack("<4I", nonce16)))
    chacha_rounds(s)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


def poly1305(key, msg):
    r = int.from_bytes(key[:16], "little") & \
        0x0FFFFFFC0FFFFFFC0FFFFFFC0FFFFFFF
    acc, p = 0, (1 << 130) - 5
    for i in range(0, len(msg), 16):
        acc = (acc + int.from_bytes(msg[i:i + 16] + b"\1", "little")) * r % p
    acc = (acc + int.from_bytes(key[16:], "little")) & ((1 << 128) - 1)
    return acc.to_bytes(16, "little")


def xchacha_seal(key, nonce24, ad, plain):
    """XChaCha20-Poly1305 (IETF): ciphertext, then the 16-byte tag."""
    sub = hchacha(key, nonce24[:16])
    nonce = b"\0" * 4 + nonce24[16:]
    ct = bytearray(plain)
    for i in range(0, len(ct), 64):
        ks = chacha_block(sub, 1 + i // 64, nonce)
        for j in range(i, min(i + 64, len(ct))):
            ct[j] ^= ks[j - i]
    ct = bytes(ct)

    def pad(b):
        return b"\0" * (-len(b) % 16)
    mac = ad + pad(ad) + ct + pad(ct) + struct.pack("<QQ", len(ad), len(ct))
    return ct + poly1305(chacha_block(sub, 0, nonce)[:32], mac)


def sealed(body, key=SEAL_KEYS[0], label=SEAL_LABEL, sender=1, counter=1,
           proto=1, body_len=None, reserved=0, reserved2=0, mtype=2):
    """A sealed control datagram: clear header, ciphertext, tag."""
    tag = hashlib.blake2b(label, digest_size=32).digest()[:8]
    hdr = struct.pack("!HBBBBH8sIIQQ", 0x524D, 1, mtype, proto, reserved,
                      len(body) if body_len is None else body_len, tag,
                      sender, reserved2, SEAL_BOOT, counter)
    return hdr + xchacha_seal(key, hdr[16:40], hdr + label, body)


def keyring(*keys):
    return b"".join(k.hex().encode() + b"\n" for k in keys)


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
# Every limit of channel audiences (docs/configuration.md).
CHAN_LIMITS = b"""chan_subs_per_client = 256
chan_subs_per_node = 4096
chan_clients = 1024   # clients with a subscription
chan_subs_per_channel = 512
chan_interest_set = 16
chan_owned = 8192
"""
# Replication: R, and R per channel-name pattern (first match wins).
REPLICAS = b"""replicas = 2
replicas_for = orders.* 5
replicas_for = log?.*x 1
replicas_for = *.eu 3
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
        "control": eth(ipv4_udp(b"RM\x01\x02" + bytes(range(60)))),
        "control-head-only": eth(ipv4_udp(b"RM\x01\x02")) + b"\0" * 14,
        "arp-request": arp(),
        "vlan": eth(b"\x00\x05\x08\x00" + ipv4_udp(rumor()), 0x8100),
        "short": eth(b"\x45\x00"),
        "repl-ack-flag": eth(ipv4_udp(rumor(flags=4))),
        "repl-type": eth(ipv4_udp(rumor(mtype=21, payload=b""))),
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
        "ack-flag": rumor(flags=4),
        "ack-flag-wrong-type": rumor(mtype=8, flags=4),
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
    "fuzz_link_proto": {
        "hello": ctl_pkts(ctl(1, struct.pack("=II", 4242, 0))),
        "state-table": ctl_pkts(
            ctl(2, struct.pack("=I4sHBBIIQI", 2, SELF_IP, PORT, 0, 0, 1,
                               3, 9, 2)),
            link_table(0, 2, 0, [(2, SELF_IP, PORT, 0, 1)]),
            link_table(0, 2, 1, [(3, NODE3_IP, PORT, 1, 5)])),
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
        "chan-limits.conf": CONFIG + CHAN_LIMITS,
        "chan-limits-max.conf": CONFIG + b"chan_subs_per_node = 65536\n"
        b"chan_interest_set = 65535\n",
        "chan-limits-zero.conf": CONFIG + b"chan_owned = 0\n",
        "chan-limits-over.conf": CONFIG + b"chan_interest_set = 65536\n",
        "chan-limits-twice.conf": CONFIG + b"chan_clients = 5\n"
        b"chan_clients = 6\n",
        "replicas.conf": CONFIG + REPLICAS,
        "replicas-bad.conf": CONFIG + b"replicas_for = a*b 6\n",
    },
    # The first byte chooses: 0 open a datagram, 1 seal and open a body,
    # 2 parse a keyring.
    "fuzz_seal": {
        "open-ping": b"\0" + sealed(swim(SWIM_PING, sender=1, seq=1,
                                          target=2)),
        "open-ack": b"\0" + sealed(swim(SWIM_ACK, sender=1, seq=1,
                                         updates=SWIM_UPDATES), counter=9),
        "open-empty": b"\0" + sealed(b""),
        "open-old-key": b"\0" + sealed(b"hello", key=SEAL_KEYS[1]),
        "open-wrong-label": b"\0" + sealed(b"hello", label=b"other"),
        "open-forged": b"\0" + sealed(b"hello", key=bytes(32)),
        "open-bad-reserved": b"\0" + sealed(b"hello", reserved2=1),
        "open-bad-proto": b"\0" + sealed(b"hello", proto=2),
        "open-bad-length": b"\0" + sealed(b"hello", body_len=6),
        "open-data-type": b"\0" + sealed(b"hello", mtype=1),
        "open-sender-0": b"\0" + sealed(b"hello", sender=0),
        "open-short": b"\0" + sealed(b"")[:39],
        "wrap-ping": b"\1" + swim(SWIM_PING, sender=1, seq=1, target=2),
        "wrap-empty": b"\1",
        "wrap-max": b"\1" + bytes(range(256)) * 5 + bytes(136),
        "keyring": b"\2# primary first\n" + keyring(*SEAL_KEYS),
        "keyring-crlf": b"\2" + keyring(*SEAL_KEYS).replace(b"\n", b"\r\n"),
        "keyring-bad-hex": b"\2" + keyring(SEAL_KEYS[0])[:-2] + b"zz\n",
        "keyring-duplicate": b"\2" + keyring(*SEAL_KEYS, SEAL_KEYS[0]),
        "keyring-empty": b"\2# nothing\n\n",
    },
}

# Requests on rumor-control's admin socket (include/rumor/admin_req.h).
SEEDS["fuzz_admin"] = {
    "members": b"members\n",
    "stats": b"stats",
    "blanks": b" \tstats\r\n",
    "args": b"members all\n",
    "unknown": b"frobnicate",
    "binary": b"stats\x00\x01",
    "too-long": b"members" + b" " * 250,
    "raft-snapshot": b"raft snapshot\n",
    "raft-bad-args": b"raft snapshot 3",
    "raft-add-voter": b"raft add-voter 4\n",
    "raft-remove-voter": b" raft\tremove-voter 4294967295",
    "raft-bad-id": b"raft add-voter 04",
}


# Channel messages (include/rumor/chan_wire.h, docs/channels.md).
def chan(mtype, body=b"", channel=b"news", origin=1, seq=42, chan_len=None,
         body_len=None):
    """A channel message: the rumor header, the name, then body."""
    return struct.pack(
        "!HBBBBHIHHQQQ", 0x524D, 1, mtype, 0, 8,
        len(channel) if chan_len is None else chan_len, origin,
        len(body) if body_len is None else body_len, 0, 1, seq,
        0xCEA6A9C08EAD0124) + channel + body


def chan_ack(status=0, lease=30000, limit=0):
    return struct.pack("!BBHII", status, 0, 0, lease, limit)


def chan_iack(status=0, lease=30000, limit=0, stream=0x5EED, next_seq=5):
    return chan_ack(status, lease, limit) + struct.pack("!QQ", stream,
                                                         next_seq)


def chan_ord(stream=0x5EED, seq=5, msg=b"hello"):
    return struct.pack("!QQ", stream, seq) + msg


def chan_range(stream=0x5EED, first=5, last=9):
    return struct.pack("!QQQ", stream, first, last)


def chan_nack(stream=0x5EED, first=5, count=3, reserved=0):
    return struct.pack("!QQII", stream, first, count, reserved)


def chan_lease(ms=30000):
    return struct.pack("!II", ms, 0)


def chan_handoff(stream=0x5EED, next_seq=43, nodes=((2, 25000), (5, 1000)),
                 count=None, reserved=0):
    """A HANDOFF's fixed part: stream, next_seq, count, then the nodes."""
    return struct.pack("!QQII", stream, next_seq,
                       len(nodes) if count is None else count,
                       reserved) + b"".join(
        struct.pack("!II", nid, lease) for nid, lease in nodes)


SEEDS["fuzz_chan_wire"] = {
    "publish": chan(1, b"hello", origin=0),
    "publish-stamped": chan(1, b"hello"),
    "subscribe": chan(3, chan_lease(), origin=0, seq=1),
    "unsubscribe": chan(4, origin=0, seq=2),
    "sub-ack": chan(5, chan_ack(), seq=1),
    "sub-ack-refused": chan(5, chan_ack(2, 0, 1024), seq=1),
    "deliver": chan(6, chan_ord()),
    "deliver-broadcast": chan(6, chan_ord(0, 0), channel=b"@news"),
    "gap": chan(7, chan_range()),
    "fanout": chan(8, chan_ord(msg=b"x" * 200)),
    "retransmit": chan(9, chan_ord(seq=6)),
    "interest": chan(10, chan_lease(), origin=2, seq=3),
    "interest-withdraw": chan(10, chan_lease(0), origin=2, seq=4),
    "interest-ack": chan(11, chan_iack(), seq=3),
    "interest-ack-refused": chan(11, chan_iack(6, 0, 256, 0, 0), seq=3),
    "nack": chan(12, chan_nack(), origin=2),
    "gone": chan(13, chan_range(last=5)),
    "gossip": chan(14, struct.pack("!Q", 1700000000000000) + b"alert",
                   channel=b"@alerts"),
    "long-channel": chan(6, chan_ord(), channel=b"c" * 255),
    "bad-origin": chan(3, chan_lease(), origin=9),
    "bad-kind": chan(14, struct.pack("!Q", 1) + b"alert"),
    "bad-boot": chan(14, struct.pack("!Q", 0) + b"alert", channel=b"@a"),
    "bad-lease": chan(3, chan_lease(300001), origin=0),
    "bad-seq": chan(8, chan_ord(seq=1 << 63)),
    "bad-range": chan(7, chan_range(first=9, last=5)),
    "bad-nack-count": chan(12, chan_nack(count=65), origin=2),
    "bad-length": chan(5, chan_ack(), body_len=11),
    "short": chan(3, chan_lease(), origin=0)[:39],
    "part-ack": chan_ack(),
    "part-interest-ack": chan_iack(),
    "part-nack": chan_nack(),
    "part-range": chan_range(),
    "handoff-req": chan(15, origin=9, seq=5),
    "handoff": chan(16, chan_handoff(), origin=3, seq=5),
    "handoff-no-state": chan(16, chan_handoff(0, 0, ()), origin=3, seq=0),
    "handoff-max": chan(16, chan_handoff(
        nodes=tuple((i + 1, 1000 + i) for i in range(128))), origin=3),
    "bad-handoff-count": chan(16, chan_handoff(count=3), origin=3),
    "part-handoff": chan_handoff(),
}


# Replication's messages (include/rumor/repl_wire.h, docs/replication.md).
def repl(mtype, body=b"", flags=0, origin=3, seq=42, channel=b"news",
         chan_len=None, body_len=None):
    """A replication message: the rumor header, the name, then body."""
    return struct.pack(
        "!HBBBBHIHHQQQ", 0x524D, 1, mtype, flags, 8,
        len(channel) if chan_len is None else chan_len, origin,
        len(body) if body_len is None else body_len, 0, 1, seq,
        0xCEA6A9C08EAD0124) + channel + body


# A return path as an entry node writes it (13 opaque bytes, REPL_VIA_LEN).
REPL_VIA = bytes(range(0x90, 0x9D))


def repl_req(client=0, number=1, level=2, via=bytes(13), reserved=0):
    """Ack request: reserved sets its last byte (39), after via."""
    return struct.pack("!QQB", client, number, level) + bytes(7) + via + \
        bytes(2) + struct.pack("!B", reserved)


def repl_pub_ack(number=42, stream=0x5EED, seq=5, via=bytes(13), status=0,
                 level=2, held=2):
    return struct.pack("!QQQ", number, stream, seq) + via + \
        struct.pack("!BBB", status, level, held)


def repl_replicate(stream=0x5EED, seq=5, client=0x8000000A00000102,
                   number=1, committed=4, msg=b"hello"):
    return struct.pack("!QQQQQ", stream, seq, client, number,
                       committed) + msg


def repl_ack(stream=0x5EED, held=5, status=0, reserved=0):
    return struct.pack("!QQB", stream, held, status) + bytes(6) + \
        struct.pack("!B", reserved)


def repl_state(stream=0x5EED, held=9, first=3, committed=7):
    return struct.pack("!QQQQ", stream, held, first, committed)


def repl_resume(ms=30000, stream=0x5EED, seq=5, reserved=0):
    return struct.pack("!IIQQ", ms, reserved, stream, seq)


SEEDS["fuzz_repl_wire"] = {
    "publish": repl(1, repl_req() + b"hello", flags=4, origin=0),
    "publish-forwarded": repl(1, repl_req(client=0x8000000A00000102,
                                          via=REPL_VIA) + b"hello",
                              flags=4, origin=7),
    "publish-forwarded-origin0": repl(1, repl_req(client=0x8000000A00000102,
                                                  via=REPL_VIA) + b"hello",
                                      flags=4, origin=0),
    "resume": repl(3, repl_resume(), flags=4, origin=0, seq=1),
    "pub-ack": repl(18, repl_pub_ack(), origin=1),
    "pub-ack-refused": repl(18, repl_pub_ack(stream=0, seq=0, status=2,
                                             level=0, held=0), origin=1),
    "pub-ack-via": repl(18, repl_pub_ack(via=REPL_VIA, held=5), origin=2),
    "pub-ack-duplicate-stream": repl(18, repl_pub_ack(seq=0, status=1),
                                     origin=1),
    "pub-ack-owned-limit": repl(18, repl_pub_ack(stream=0, seq=0,
                                                 via=REPL_VIA, status=6,
                                                 level=0, held=0),
                                origin=2),
    "replicate": repl(19, repl_replicate()),
    "replicate-plain": repl(19, repl_replicate(client=0, number=0)),
    "repl-ack": repl(20, repl_ack(), origin=4),
    "repl-ack-stale": repl(20, repl_ack(status=2), origin=4),
    "repl-sync": repl(21, origin=5, seq=9),
    "repl-state": repl(22, repl_state(), origin=4, seq=9),
    "repl-state-none": repl(22, repl_state(0, 0, 0, 0), origin=4, seq=9),
    "long-channel": repl(19, repl_replicate(), channel=b"c" * 255),
    "bad-flag": repl(19, repl_replicate(), flags=4),
    "bad-no-flag": repl(1, repl_req() + b"hello", origin=0),
    "bad-origin": repl(3, repl_resume(), flags=4, origin=2),
    "bad-kind": repl(21, channel=b"@news"),
    "bad-level": repl(1, repl_req(level=4) + b"x", flags=4, origin=0),
    "bad-reserved": repl(20, repl_ack(reserved=1), origin=4),
    "bad-reserved-req": repl(1, repl_req(via=REPL_VIA, reserved=1) + b"x",
                             flags=4, origin=0),
    "bad-held": repl(18, repl_pub_ack(held=6), origin=1),
    "bad-committed": repl(19, repl_replicate(committed=5)),
    "bad-number": repl(18, repl_pub_ack(number=41), origin=1),
    "bad-state": repl(22, repl_state(first=10), origin=4),
    "bad-length": repl(20, repl_ack(), origin=4, body_len=23),
    "short": repl(21)[:39],
    "part-req": repl_req(),
    "part-pub-ack": repl_pub_ack(),
    "part-req-via": repl_req(client=5, via=REPL_VIA),
    "part-pub-ack-via": repl_pub_ack(via=REPL_VIA),
    "part-replicate": repl_replicate(),
    "part-ack": repl_ack(),
    "part-state": repl_state(),
    "part-resume": repl_resume(),
}


def raft_hdr(mtype, flags=0, sender=1, to=2, term=5, reserved=0):
    """The header of a Raft message (include/rumor/raft_wire.h)."""
    return struct.pack("!BBHIIQ", mtype, flags, reserved, sender, to, term)


def raft_entry(term, index, etype, payload=b"", reserved=0):
    return struct.pack("!QQBBH", term, index, etype, reserved,
                       len(payload)) + payload


def raft_epoch(epoch=7, members=((1, 7946, 1), (2, 7946, 10)), n=None):
    body = struct.pack("!QHHI", epoch, len(members) if n is None else n,
                       0, 0)
    for mid, port, weight in members:
        body += struct.pack("!I4sHHI", mid, PEER_IP, port, 0, weight)
    return body


def raft_append(prev_index=3, prev_term=4, commit=3, entries=(), n=None,
                term=5):
    return raft_hdr(5, term=term) + struct.pack(
        "!QQQHH", prev_index, prev_term, commit,
        len(entries) if n is None else n, 0) + b"".join(entries)


def raft_snapshot(index=10, term=4, total=5, offset=0, chunk=b"hello",
                  voters=(1, 2, 3)):
    return raft_hdr(9) + struct.pack(
        "!QQIIHBB", index, term, total, offset, len(chunk), len(voters),
        0) + b"".join(struct.pack("!I", v) for v in voters) + chunk


VOTER_ADD = struct.pack("!BBHI", 1, 0, 0, 4)


def raft_member(mid, port=7946, weight=1):
    return struct.pack("!I4sHHI", mid, bytes([10, 0, 0, mid & 0xff]), port, 0,
                       weight)


def raft_delta(epoch=8, base=7, hashv=0, n_members=None, removed=(),
               upserts=(), reserved=0):
    """A RING_DELTA payload (include/rumor/raft_wire.h)."""
    if n_members is None:
        n_members = 3 - len(removed) + len(upserts)
    return struct.pack("!QQQHHHH", epoch, base, hashv, n_members,
                       len(removed), len(upserts), reserved) + \
        b"".join(struct.pack("!I", r) for r in removed) + \
        b"".join(raft_member(*u) for u in upserts)
SEEDS["fuzz_raft_wire"] = {
    "prevote": raft_hdr(1, term=6) + struct.pack("!QQ", 3, 4),
    "vote-transfer": raft_hdr(3, flags=2, term=6) + struct.pack("!QQ", 3, 4),
    "prevote-resp-reject": raft_hdr(2, flags=1),
    "vote-resp": raft_hdr(4),
    "append-heartbeat-like": raft_append(),
    "append-3": raft_append(entries=(
        raft_entry(4, 4, 2, raft_epoch()), raft_entry(5, 5, 1),
        raft_entry(5, 6, 3, VOTER_ADD))),
    "append-resp-reject": raft_hdr(6, flags=1) + struct.pack("!QQQ", 9, 5, 3),
    "append-resp-ok": raft_hdr(6) + struct.pack("!QQQ", 9, 0, 0),
    "append-resp-lost": raft_hdr(6, flags=5) + struct.pack("!QQQ", 9, 0, 0),
    "append-delta": raft_append(entries=(
        raft_entry(4, 4, 4, raft_delta(removed=(2,), upserts=((5,),))),)),
    "heartbeat": raft_hdr(7) + struct.pack("!Q", 3),
    "heartbeat-resp": raft_hdr(8),
    "snapshot-chunk": raft_snapshot(),
    "snapshot-empty": raft_snapshot(total=0, chunk=b""),
    "snapshot-resp": raft_hdr(10) + struct.pack("!QII", 10, 5, 0),
    "timeout-now": raft_hdr(11),
    "entry-alone": raft_entry(4, 4, 2, raft_epoch()),
    "epoch-alone": raft_epoch(),
    "voter-alone": VOTER_ADD,
    "bad-type": raft_hdr(12),
    "bad-flags": raft_hdr(1, flags=1, term=6) + struct.pack("!QQ", 3, 4),
    "bad-count": raft_append(entries=(raft_entry(4, 4, 1),), n=2),
    "bad-sequence": raft_append(entries=(raft_entry(4, 5, 1),)),
    "bad-epoch": raft_append(entries=(
        raft_entry(4, 4, 2, raft_epoch(members=((2, 1, 1), (1, 1, 1)))),)),
    "bad-snapshot": raft_snapshot(total=3),
    "short": raft_hdr(1)[:19],
    # The envelope of include/rumor/raft_env.h: kind, reserved, voter-set hash.
    "env-msg": struct.pack("!B3xQ", 1, 0x1234) + raft_hdr(1, term=6) +
    struct.pack("!QQ", 3, 4),
    "env-voters-bad-hash": struct.pack("!B3xQB3xIII", 2, 0x1234, 3, 1, 2, 3),
}


# Ring epochs and deltas (the hash is left wrong: the fuzzer finds the
# right one only by luck, but every other check runs).
SEEDS["fuzz_raft_epoch"] = {
    "delta-join": raft_delta(upserts=((4,),)),
    "delta-leave": raft_delta(removed=(2,)),
    "delta-both": raft_delta(removed=(1, 3), upserts=((2, 7946, 5), (9,))),
    "delta-first": raft_delta(epoch=1, base=0, n_members=2,
                              upserts=((1,), (2,))),
    "delta-bad-order": raft_delta(removed=(3, 1)),
    "delta-bad-both": raft_delta(removed=(2,), upserts=((2,),)),
    "delta-bad-first": raft_delta(epoch=1, base=0, removed=(1,),
                                  upserts=((2,),)),
    "epoch": raft_epoch(),
    "epoch-bad": raft_epoch(members=((2, 1, 1), (1, 1, 1))),
    "short": raft_delta()[:20],
}


# Client tokens: the first byte chooses what fuzz_token.c does with the
# rest: 0 verify it as a token (signature and all), 1 sign it as a body
# (a token without its signature) with the target's fixed key and verify
# that, 2 decode it as text, 3 parse it as an OPS:PATTERN argument.
def token_body(n=None, caps=((3, b"chat.*"), (1, b"@alert")), version=1,
               reserved=0, client=42, not_before=1000, not_after=2000):
    b = struct.pack("!BBHQQQ", version, len(caps) if n is None else n,
                    reserved, client, not_before, not_after)
    for ops, pat in caps:
        b += struct.pack("!BB", ops, len(pat)) + pat
    return b


SEEDS["fuzz_token"] = {
    "sign-ok": b"\1" + token_body(),
    "sign-all": b"\1" + token_body(caps=((3, b"*"),)),
    "sign-bad-count": b"\1" + token_body(n=3),
    "sign-bad-pattern": b"\1" + token_body(caps=((1, b"a*b"),)),
    "sign-bad-ops": b"\1" + token_body(caps=((4, b"a"),)),
    "sign-bad-times": b"\1" + token_body(not_after=1000),
    "verify-unsigned": b"\0" + token_body() + bytes(64),
    "text": b"\2AQEAAAAAAAAAACoAAAAAAAAD6AAAAAAAAAfQAwFhAAAA",
    "cap-ok": b"\3sub,pub:chat.*",
    "cap-bad": b"\3get:a*b",
}


def client_frame(mtype=3, payload=struct.pack("!II", 30000, 0), flags=1,
                 token=None, cookie=bytes(16), stamp=1):
    """A client datagram: the header, its blocks, the name, the payload."""
    plain = bytearray(rumor(channel=b"news", payload=payload, mtype=mtype,
                            flags=flags))
    struct.pack_into("!I", plain, 8, 0)     # origin 0: a client
    blocks = b""
    if flags & 2:
        blocks += struct.pack("!HH", len(token), 0) + cookie + token
    if flags & 1:
        blocks += struct.pack("!Q", stamp) + bytes(8)
    return bytes(plain[:40]) + blocks + bytes(plain[40:])


TOKEN_SEED = token_body() + bytes(64)
SEEDS["fuzz_token"].update({
    "client-auth": b"\4" + client_frame(),
    "client-publish": b"\4" + client_frame(mtype=1, payload=b"hello"),
    "client-cred": b"\4" + client_frame(flags=2, token=TOKEN_SEED),
    "client-both": b"\4" + client_frame(flags=3, token=TOKEN_SEED),
    "client-stamp0": b"\4" + client_frame(stamp=0),
})

def authed(msg, lane=0, counter=1, tag=0):
    """msg (a plain rumor message) with RUMOR_F_AUTH and its 16-byte
    block; the tag is not computed (the fuzz target supplies right tags
    itself)."""
    block = struct.pack("!Q", lane << 56 | counter) + struct.pack("<Q", tag)
    return msg[:4] + bytes([msg[4] | 1]) + msg[5:40] + block + msg[40:]


SEEDS["fuzz_node_auth"] = {
    "fanout": authed(rumor(mtype=8, payload=b"\0" * 16 + b"hello")),
    "nack": authed(rumor(mtype=12, payload=b"\0" * 20), lane=255,
                   counter=1 << 40),
    "data": authed(rumor(), lane=3, counter=99),
    "no-block": rumor(mtype=8),
    "short-block": authed(rumor())[:50],
    "tag-odd": authed(rumor(payload=b"hello!"), tag=1) + b"",
}
SEEDS["fuzz_rumor_hdr"]["auth"] = authed(rumor())
SEEDS["fuzz_rumor_hdr"]["auth-no-block"] = rumor(flags=1)


# Programs of fuzz_state_store.c, step by step. Each step's first byte
# picks it (0 write, 2 raw merge, 3 mutated state, 4 sync; its top bit
# moves the wall clock on by the next u16 ms). Keys and fields are 'a'
# and 'b' strings, sent as their length and a bit per letter; kinds 1
# counter, 2 register, 3 presence, 4 map; op the index of one of the
# kind's (map: set, incr, del; presence: enter, update, leave).
SS_NOW = 1700000000000


def ss_key(k):
    return bytes([len(k), sum(1 << i for i, c in enumerate(k) if c == "b")])


def ss_write(store, kind, op=0, key="", field=None, value=b"", by=1,
             client=1, node=1, inc=1, dest=3, cap=None, clock=0):
    """A write at store, its delta merged into the others that dest's
    bits 0 and 1 name, twice if bit 2 (bit 3: into cap bytes)."""
    out = bytes([0x80, clock >> 8, clock & 0xFF]) if clock else b"\0"
    out += bytes([store, kind - 1, op]) + ss_key(key)
    if kind == 4:
        out += b"\0" + ss_key(field or "a")
    else:
        out += b"\0" if field is None else b"\x80" + ss_key(field)
    out += bytes([len(value)]) + value
    if -128 < by < 128:
        out += struct.pack("!b", by)
    else:
        out += b"\x80" + struct.pack("!q", by)
    out += bytes([client, node, inc, dest])
    return out + (bytes([cap]) if dest & 8 else b"")


def ss_raw(store, kind, key, body, hdr=True):
    """body, behind a valid header of kind if hdr, merged into store
    (the byte after kind, a write's op, is not read)."""
    return bytes([2, store, kind - 1, 0]) + ss_key(key) + bytes(
        [(0x80 if hdr else 0) | len(body)]) + body


def ss_mutate(src, dst, obj, pos, xor):
    """src's object obj encoded, byte pos xored (0: cut), into dst."""
    return bytes([3, src, dst, obj, pos >> 8, pos & 0xFF, xor])


def ss_sync(a, b):
    return bytes([4, a, (b - a - 1) % 3])


def ss_register(ts, writer, value=b""):
    """A register's state without its header."""
    return struct.pack("!QII", ts, writer, len(value)) + value


SEEDS["fuzz_state_store"] = {
    "counters": b"".join(ss_write(i % 3, 1, key="ab"[:i % 3], by=i - 3,
                                  dest=i & 3) for i in range(8)) +
    ss_sync(0, 1),
    "registers": ss_write(0, 2, key="a", value=b"one", dest=0) +
    ss_write(1, 2, key="a", value=b"two", dest=0) +
    ss_write(2, 2, key="a", value=b"three", dest=4 | 1, clock=5) +
    ss_sync(0, 2),
    "presence": ss_write(0, 3, 0, client=1, value=b"hi") +
    ss_write(1, 3, 0, client=2, node=2, dest=0) +
    ss_write(2, 3, 2, client=1, dest=1) +
    ss_write(1, 3, 1, client=2, node=2, inc=2, value=b"away", dest=2) +
    ss_write(0, 3, 2, client=3),
    "map": ss_write(0, 4, 0, key="m", field="a", value=b"x") +
    ss_write(1, 4, 1, key="m", field="b", by=5, dest=0) +
    ss_write(2, 4, 1, key="m", field="a", by=-2, dest=1) +
    ss_write(1, 4, 2, key="m", field="a", dest=3) +
    ss_write(0, 4, 0, key="m", field="bab", value=b"y" * 32, dest=4 | 2),
    "full": b"".join(ss_write(0, 1 + i % 4, key="a" * i, value=b"v",
                              dest=0) for i in range(5)) +
    b"".join(ss_write(1, 1, key="b" * i, dest=0) for i in range(1, 6)) +
    ss_sync(0, 1),
    "invalid": ss_write(0, 1, 0, field="a") +
    ss_write(1, 4, 0, field="") + ss_write(2, 2, value=b"v" * 33) +
    ss_write(0, 3, 0, client=0) + ss_write(0, 4, 0, field="a" * 9) +
    bytes([0, 0, 0xF0, 0xF3]) + ss_key("a") + bytes(9),
    "overflow": ss_write(0, 1, by=2 ** 63 - 1) +
    ss_write(0, 1, by=2 ** 63 - 1) + ss_write(0, 1, by=2 ** 63 - 1) +
    ss_write(1, 1, by=-2 ** 63),
    "raw": ss_raw(0, 2, "a", ss_register(SS_NOW << 16, 7, b"raw")) +
    ss_raw(1, 2, "a", ss_register((SS_NOW + 3600000) << 16, 7, b"late")) +
    ss_raw(2, 1, "", struct.pack("!IIQQ", 1, 9, 3, 1)) +
    ss_raw(2, 3, "b", b"\0" * 12, hdr=False) + ss_sync(1, 2),
    # A remote timestamp at the drift bound, counter full: the writer's
    # next one carries past the bound, and every store refuses it.
    "drift-edge": ss_raw(0, 2, "a", ss_register(
        (SS_NOW + 60000) << 16 | 0xFFFF, 7)) +
    ss_write(0, 2, key="a", value=b"x"),
    "mutate": ss_write(0, 3, 0, key="p", value=b"data") +
    ss_write(1, 4, 0, key="m", field="f", value=b"x") +
    ss_mutate(0, 1, 0, 11, 0x40) + ss_mutate(1, 2, 0, 20, 0) +
    ss_mutate(1, 0, 0, 7, 0x01),
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
