-- SPDX-License-Identifier: BSD-3-Clause
--
-- Wireshark dissector for the rumor wire protocol (docs/protocol.md,
-- include/rumor/wire.h): a 40-byte header in network byte order, then
-- channel_len bytes of channel name, then payload_len bytes of payload,
-- filling one UDP datagram exactly. A sealed control message (type 2,
-- include/rumor/seal.h) shows its clear header; its body is encrypted.
-- Channel messages (types 3 to 16, docs/channels.md and
-- include/rumor/chan_wire.h) show the fields of their fixed part and the
-- message after it. COOKIE (17) and replication's types (18 to 22,
-- docs/replication.md) are named, their payload shown as bytes.
--
-- Use:
--   wireshark -X lua_script:scripts/rumor.lua capture.pcap
--   tshark -X lua_script:scripts/rumor.lua -r capture.pcap -V
-- or copy the file to the personal Lua plugins folder (Help > About >
-- Folders). UDP port 7946 is decoded as rumor; for another port, change
-- the "UDP port" preference of the protocol, use "Decode As..." (UDP
-- port, RUMOR), or give tshark -d udp.port==PORT,rumor.

local RUMOR_MAGIC = 0x524d
local RUMOR_VERSION = 1
local RUMOR_HDR_LEN = 40
local RUMOR_CHANNEL_MAX = 255
local RUMOR_DATAGRAM_MAX = 1472
local RUMOR_DEFAULT_PORT = 7946
local RUMOR_F_ACK = 0x04	-- PUBLISH and SUBSCRIBE only (replication).
local RUMOR_F_KNOWN = RUMOR_F_ACK
local RUMOR_F_AUTH = 0x01	-- The 16-byte auth block follows the header.
local RUMOR_AUTH_LEN = 16
local RUMOR_T_CONTROL = 2
local SEAL_HDR_LEN = 40
local SEAL_TAG_LEN = 16

local rumor = Proto("rumor", "rumor message transport")

-- Message types from 1, and SUB_ACK statuses from 0 (enum rumor_type,
-- enum chan_status).
local types = {
	"DATA", "CONTROL", "SUBSCRIBE", "UNSUBSCRIBE", "SUB_ACK", "DELIVER",
	"GAP", "FANOUT", "RETRANSMIT", "INTEREST", "INTEREST_ACK", "NACK",
	"GONE", "GOSSIP", "HANDOFF_REQ", "HANDOFF", "COOKIE", "PUB_ACK",
	"REPLICATE", "REPL_ACK", "REPL_SYNC", "REPL_STATE", "STATE_WRITE",
	"STATE_READ", "STATE_REPLY", "STATE_DELTA", "STATE_DIGEST",
}
local statuses = {
	[0] = "OK", "NOT_SUBSCRIBED", "CLIENT_LIMIT", "NODE_LIMIT",
	"CLIENTS_LIMIT", "CHANNEL_LIMIT", "INTEREST_LIMIT", "OWNED_LIMIT",
}

-- What a sealed control body carries (enum seal_proto).
local seal_protos = {
	[1] = "SWIM",
}

-- The fields: name in rumor.fields, kind, filter name, label, and the
-- display base or the names of the values.
local f = rumor.fields
for _, d in ipairs({
	{ "magic", "uint16", "rumor.magic",
		"Magic", base.HEX },
	{ "version", "uint8", "rumor.version",
		"Version", base.DEC },
	{ "type", "uint8", "rumor.type",
		"Type", base.DEC, types },
	{ "flags", "uint8", "rumor.flags",
		"Flags", base.HEX },
	{ "auth_lane", "uint8", "rumor.auth.lane",
		"Auth lane (255: control thread)", base.DEC },
	{ "auth_counter", "uint64", "rumor.auth.counter",
		"Auth counter (56 bits)", base.DEC },
	{ "auth_tag", "bytes", "rumor.auth.tag",
		"Auth tag (SipHash-2-4, under K(sender -> receiver))" },
	{ "hop_limit", "uint8", "rumor.hop_limit",
		"Hop limit", base.DEC },
	{ "channel_len", "uint16", "rumor.channel_len",
		"Channel length", base.DEC },
	{ "origin", "uint32", "rumor.origin",
		"Origin", base.DEC },
	{ "payload_len", "uint16", "rumor.payload_len",
		"Payload length", base.DEC },
	{ "reserved", "uint16", "rumor.reserved",
		"Reserved", base.HEX },
	{ "epoch", "uint64", "rumor.epoch",
		"Ring epoch", base.DEC },
	{ "seq", "uint64", "rumor.seq",
		"Sequence", base.DEC },
	{ "channel_hash", "uint64", "rumor.channel_hash",
		"Channel hash", base.HEX },
	{ "channel", "string", "rumor.channel",
		"Channel" },
	{ "payload", "bytes", "rumor.payload",
		"Payload" },
	{ "lease_ms", "uint32", "rumor.chan.lease_ms",
		"Lease (ms)", base.DEC },
	{ "status", "uint8", "rumor.chan.status",
		"Status", base.DEC, statuses },
	{ "limit", "uint32", "rumor.chan.limit",
		"Limit", base.DEC },
	{ "stream", "uint64", "rumor.chan.stream",
		"Stream", base.HEX },
	{ "next_seq", "uint64", "rumor.chan.next_seq",
		"Next sequence", base.DEC },
	{ "chan_seq", "uint64", "rumor.chan.seq",
		"Channel sequence", base.DEC },
	{ "first", "uint64", "rumor.chan.first",
		"First", base.DEC },
	{ "last", "uint64", "rumor.chan.last",
		"Last", base.DEC },
	{ "count", "uint32", "rumor.chan.count",
		"Count", base.DEC },
	{ "boot", "uint64", "rumor.chan.boot",
		"Origin boot", base.DEC },
	{ "node", "uint32", "rumor.chan.node",
		"Node", base.DEC },
	{ "node_lease_ms", "uint32", "rumor.chan.node_lease_ms",
		"Lease left (ms)", base.DEC },
	{ "chan_reserved", "bytes", "rumor.chan.reserved",
		"Reserved" },
	{ "message", "bytes", "rumor.chan.message",
		"Message" },
	{ "ctl_proto", "uint8", "rumor.ctl.proto",
		"Sealed protocol", base.DEC, seal_protos },
	{ "ctl_reserved", "uint8", "rumor.ctl.reserved",
		"Reserved", base.HEX },
	{ "ctl_body_len", "uint16", "rumor.ctl.body_len",
		"Body length", base.DEC },
	{ "ctl_label_tag", "uint64", "rumor.ctl.label_tag",
		"Label tag", base.HEX },
	{ "ctl_sender", "uint32", "rumor.ctl.sender",
		"Sender", base.DEC },
	{ "ctl_reserved2", "uint32", "rumor.ctl.reserved2",
		"Reserved", base.HEX },
	{ "ctl_boot", "uint64", "rumor.ctl.boot",
		"Boot", base.DEC },
	{ "ctl_counter", "uint64", "rumor.ctl.counter",
		"Counter", base.DEC },
	{ "ctl_body", "bytes", "rumor.ctl.body",
		"Sealed body" },
	{ "ctl_tag", "bytes", "rumor.ctl.tag",
		"Authentication tag" },
}) do
	f[d[1]] = ProtoField[d[2]](d[3], d[4], d[5], d[6])
end

-- The findings: name in rumor.experts, filter name, group and text;
-- every one an error.
local e = rumor.experts
for _, d in ipairs({
	{ "short", "rumor.short", "MALFORMED",
		"Shorter than the 40-byte header" },
	{ "magic", "rumor.bad_magic", "MALFORMED",
		"Bad magic (expected 0x524d)" },
	{ "version", "rumor.bad_version", "PROTOCOL",
		"Unsupported version" },
	{ "type", "rumor.bad_type", "PROTOCOL",
		"Unknown message type" },
	{ "flags", "rumor.bad_flags", "PROTOCOL",
		"Unknown flag bits set, or ACK on a type without it" },
	{ "reserved", "rumor.bad_reserved", "PROTOCOL",
		"Reserved is not zero" },
	{ "channel", "rumor.bad_channel", "MALFORMED",
		"Channel length out of range (1 to 255)" },
	{ "length", "rumor.bad_length", "MALFORMED",
		"Length mismatch: 40 (+ 16 with AUTH) + channel_len + " ..
		"payload_len != UDP payload" },
	{ "too_long", "rumor.too_long", "MALFORMED",
		"Datagram longer than 1472 bytes" },
	{ "ctl_short", "rumor.ctl.short", "MALFORMED",
		"Shorter than the 56 bytes of a sealed message" },
	{ "ctl_proto", "rumor.ctl.bad_proto", "PROTOCOL",
		"Unknown sealed protocol" },
	{ "ctl_length", "rumor.ctl.bad_length", "MALFORMED",
		"Length mismatch: 56 + body_len != UDP payload" },
	{ "ctl_sender", "rumor.ctl.bad_sender", "PROTOCOL",
		"Sender is 0" },
	{ "chan_fixed", "rumor.chan.bad_fixed", "MALFORMED",
		"Payload too short for the type's fixed part" },
	{ "chan_count", "rumor.chan.bad_count", "MALFORMED",
		"More than 128 nodes (CHAN_HANDOFF_NODES_MAX)" },
}) do
	e[d[1]] = ProtoExpert.new(d[2], d[4], expert.group[d[3]],
		expert.severity.ERROR)
end

rumor.prefs.port = Pref.uint("UDP port", RUMOR_DEFAULT_PORT,
	"UDP port decoded as rumor")

local udp_table = DissectorTable.get("udp.port")
local registered_port = RUMOR_DEFAULT_PORT

function rumor.prefs_changed()
	if rumor.prefs.port ~= registered_port then
		udp_table:remove(registered_port, rumor)
		registered_port = rumor.prefs.port
		udp_table:add(registered_port, rumor)
	end
end

-- Add the len-byte field at off to t, flagged with the expert finding
-- when bad(value) holds. Returns the value and the item.
local function add_checked(t, field, tvb, off, len, finding, bad)
	local v = tvb(off, len):uint()
	local item = t:add(field, tvb(off, len))
	if bad(v) then
		item:add_proto_expert_info(finding)
	end
	return v, item
end

local function nonzero(v)
	return v ~= 0
end

-- The clear header of a sealed control message, len bytes (at least 40):
-- what the first check of seal_open would refuse is flagged. Returns the
-- text for the Info column.
local function dissect_control(tvb, t, len, have)
	local proto = add_checked(t, f.ctl_proto, tvb, 4, 1, e.ctl_proto,
		function(v) return seal_protos[v] == nil end)
	add_checked(t, f.ctl_reserved, tvb, 5, 1, e.reserved, nonzero)
	local body_len = add_checked(t, f.ctl_body_len, tvb, 6, 2,
		e.ctl_length,
		function(v) return SEAL_HDR_LEN + v + SEAL_TAG_LEN ~= len end)
	t:add(f.ctl_label_tag, tvb(8, 8))
	local sender = add_checked(t, f.ctl_sender, tvb, 16, 4, e.ctl_sender,
		function(v) return v == 0 end)
	add_checked(t, f.ctl_reserved2, tvb, 20, 4, e.reserved, nonzero)

	local boot = tvb(24, 8):uint64()
	t:add(f.ctl_boot, tvb(24, 8))
	local counter = tvb(32, 8):uint64()
	t:add(f.ctl_counter, tvb(32, 8))

	if len < SEAL_HDR_LEN + SEAL_TAG_LEN then
		t:add_proto_expert_info(e.ctl_short)
	end
	if len > RUMOR_DATAGRAM_MAX then
		t:add_proto_expert_info(e.too_long)
	end

	-- The sealed body and the tag as body_len places them, never beyond
	-- what was captured.
	local n = math.min(body_len, have - SEAL_HDR_LEN)
	if n > 0 then
		t:add(f.ctl_body, tvb(SEAL_HDR_LEN, n))
	end
	local off = SEAL_HDR_LEN + body_len
	if off + SEAL_TAG_LEN <= have then
		t:add(f.ctl_tag, tvb(off, SEAL_TAG_LEN))
	end

	local name = seal_protos[proto] or string.format("proto %u", proto)
	t:append_text(string.format(", CONTROL, %s, sender %u", name, sender))
	return string.format("CONTROL %s sender=%u boot=%s counter=%s len=%u",
		name, sender, tostring(boot), tostring(counter), body_len)
end

-- The fixed part of each channel type after the name (chan_wire.h): its
-- length, whether the message follows it, its fields (each at an offset,
-- of a length), and what the Info column says of it. A HANDOFF's is 24
-- bytes, then 8 per node.
local HANDOFF_NODE_LEN = 8
local HANDOFF_NODES_MAX = 128

local function u64(tvb, off)
	return tostring(tvb(off, 8):uint64())
end

local function ack_info(tvb, off)
	local st = tvb(off, 1):uint()
	return string.format(" status=%s lease=%u",
		statuses[st] or tostring(st), tvb(off + 4, 4):uint())
end

local lease = { len = 8, fields = { { f.lease_ms, 0, 4 },
	{ f.chan_reserved, 4, 4 } },
	info = function(tvb, off)
		return string.format(" lease=%u", tvb(off, 4):uint())
	end }
local ack = { len = 12, fields = { { f.status, 0, 1 },
	{ f.chan_reserved, 1, 3 }, { f.lease_ms, 4, 4 }, { f.limit, 8, 4 } },
	info = ack_info }
local iack = { len = 28, fields = { { f.status, 0, 1 },
	{ f.chan_reserved, 1, 3 }, { f.lease_ms, 4, 4 }, { f.limit, 8, 4 },
	{ f.stream, 12, 8 }, { f.next_seq, 20, 8 } },
	info = function(tvb, off)
		return ack_info(tvb, off) .. " next=" .. u64(tvb, off + 20)
	end }
local ord = { len = 16, msg = true, fields = { { f.stream, 0, 8 },
	{ f.chan_seq, 8, 8 } },
	info = function(tvb, off)
		return " chan_seq=" .. u64(tvb, off + 8)
	end }
local range = { len = 24, fields = { { f.stream, 0, 8 }, { f.first, 8, 8 },
	{ f.last, 16, 8 } },
	info = function(tvb, off)
		return string.format(" first=%s last=%s", u64(tvb, off + 8),
			u64(tvb, off + 16))
	end }
local nack = { len = 24, fields = { { f.stream, 0, 8 }, { f.first, 8, 8 },
	{ f.count, 16, 4 }, { f.chan_reserved, 20, 4 } },
	info = function(tvb, off)
		return string.format(" first=%s count=%u", u64(tvb, off + 8),
			tvb(off + 16, 4):uint())
	end }
local gossip = { len = 8, msg = true, fields = { { f.boot, 0, 8 } } }
local handoff = { len = 24, fields = { { f.stream, 0, 8 },
	{ f.next_seq, 8, 8 }, { f.count, 16, 4 }, { f.chan_reserved, 20, 4 } },
	info = function(tvb, off, count)
		return string.format(" next=%s nodes=%u", u64(tvb, off + 8),
			count)
	end }
local empty = { len = 0, fields = {} }
local fixed = {
	[3] = lease, [4] = empty, [5] = ack, [6] = ord, [7] = range,
	[8] = ord, [9] = ord, [10] = lease, [11] = iack, [12] = nack,
	[13] = range, [14] = gossip, [15] = empty, [16] = handoff,
}

-- The fixed part of a channel message (n bytes at off, the whole
-- payload) and the message after it. Returns text for the Info column.
local function dissect_fixed(tvb, t, mtype, off, n)
	local part = fixed[mtype]
	local need, count = part.len, 0
	if part == handoff and n >= need then
		count = tvb(off + 16, 4):uint()
		need = need + HANDOFF_NODE_LEN * count
	end
	if n < need or (not part.msg and n ~= need) then
		t:add_proto_expert_info(e.chan_fixed)
		return ""
	end
	for _, fd in ipairs(part.fields) do
		local item = t:add(fd[1], tvb(off + fd[2], fd[3]))
		if fd[1] == f.count and count > HANDOFF_NODES_MAX then
			item:add_proto_expert_info(e.chan_count)
		end
	end
	for i = 0, count - 1 do
		local p = off + 24 + HANDOFF_NODE_LEN * i
		local node = t:add(f.node, tvb(p, 4))
		node:add(f.node_lease_ms, tvb(p + 4, 4))
	end
	if part.msg and n > need then
		t:add(f.message, tvb(off + need, n - need))
	end
	return part.info and part.info(tvb, off, count) or ""
end

function rumor.dissector(tvb, pinfo, tree)
	local len = tvb:reported_length_remaining()
	local have = tvb:captured_len()

	pinfo.cols.protocol = "RUMOR"
	local t = tree:add(rumor, tvb(), "rumor")

	if len < RUMOR_HDR_LEN then
		t:add_proto_expert_info(e.short)
		pinfo.cols.info = "rumor: short datagram"
		return len
	end

	local magic = add_checked(t, f.magic, tvb, 0, 2, e.magic,
		function(v) return v ~= RUMOR_MAGIC end)
	add_checked(t, f.version, tvb, 2, 1, e.version,
		function(v) return v ~= RUMOR_VERSION end)
	local mtype = add_checked(t, f.type, tvb, 3, 1, e.type,
		function(v) return types[v] == nil end)

	-- After the first 4 bytes, a control message has a layout of its own.
	if mtype == RUMOR_T_CONTROL then
		pinfo.cols.info = dissect_control(tvb, t, len, have)
		if magic ~= RUMOR_MAGIC then
			pinfo.cols.info = "rumor: bad magic"
		end
		return len
	end

	-- ACK is known on PUBLISH (1) and SUBSCRIBE (3) alone.
	local flags = add_checked(t, f.flags, tvb, 4, 1, e.flags, function(v)
		return bit.band(v, bit.bnot(bit.bor(RUMOR_F_KNOWN,
			RUMOR_F_AUTH))) ~= 0 or (bit.band(v, RUMOR_F_ACK) ~= 0
			and mtype ~= 1 and mtype ~= 3)
	end)
	-- With AUTH, the 16-byte auth block follows the header.
	local auth_len = 0
	if bit.band(flags, RUMOR_F_AUTH) ~= 0 then
		auth_len = RUMOR_AUTH_LEN
	end
	local hop = tvb(5, 1):uint()
	t:add(f.hop_limit, tvb(5, 1))
	local chan_len = add_checked(t, f.channel_len, tvb, 6, 2, e.channel,
		function(v) return v == 0 or v > RUMOR_CHANNEL_MAX end)
	t:add(f.origin, tvb(8, 4))
	local payload_len = add_checked(t, f.payload_len, tvb, 12, 2,
		e.length,
		function(v) return RUMOR_HDR_LEN + auth_len + chan_len + v ~= len end)
	add_checked(t, f.reserved, tvb, 14, 2, e.reserved, nonzero)
	t:add(f.epoch, tvb(16, 8))
	local seq = tvb(24, 8):uint64()
	t:add(f.seq, tvb(24, 8))
	t:add(f.channel_hash, tvb(32, 8))

	if len > RUMOR_DATAGRAM_MAX then
		t:add_proto_expert_info(e.too_long)
	end

	-- Show what the datagram holds, never beyond what was captured.
	local off = RUMOR_HDR_LEN
	local auth = ""
	if auth_len > 0 and have >= off + auth_len then
		local at = t:add(rumor, tvb(off, auth_len), "Auth block")
		at:add(f.auth_lane, tvb(off, 1))
		at:add(f.auth_counter, tvb(off + 1, 7))
		at:add(f.auth_tag, tvb(off + 8, 8))
		auth = string.format(" auth=%u/%s", tvb(off, 1):uint(),
			tostring(tvb(off + 1, 7):uint64()))
	end
	off = off + auth_len
	local n = math.min(chan_len, have - off)
	local channel = ""
	if n > 0 then
		channel = tvb(off, n):string()
		t:add(f.channel, tvb(off, n))
	end
	off = off + n
	n = math.min(payload_len, have - off)
	local extra = ""
	if n > 0 then
		local pt = t:add(f.payload, tvb(off, n))
		-- With ACK the fixed part is replication's: bytes here.
		if fixed[mtype] ~= nil and n == payload_len and
				bit.band(flags, RUMOR_F_ACK) == 0 then
			extra = dissect_fixed(tvb, pt, mtype, off, n)
		end
	end

	local name = types[mtype] or string.format("type %u", mtype)
	pinfo.cols.info = string.format("%s channel=%s seq=%s hop=%u len=%u%s%s",
		name, channel, tostring(seq), hop, payload_len, extra, auth)
	if magic ~= RUMOR_MAGIC then
		pinfo.cols.info = "rumor: bad magic"
	end
	t:append_text(string.format(", %s, channel %s, seq %s", name,
		channel, tostring(seq)))
	return len
end

udp_table:add(RUMOR_DEFAULT_PORT, rumor)
udp_table:add_for_decode_as(rumor)
