-- SPDX-License-Identifier: BSD-3-Clause
--
-- Wireshark dissector for the rumor wire protocol (docs/protocol.md,
-- include/rumor/wire.h): a 40-byte header in network byte order, then
-- channel_len bytes of channel name, then payload_len bytes of payload,
-- filling one UDP datagram exactly. A sealed control message (type 2,
-- include/rumor/seal.h) shows its clear header; its body is encrypted.
-- Channel messages (types 3 to 16, docs/channels.md and
-- include/rumor/chan_wire.h) show the fields of their fixed part and the
-- message after it.
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
local RUMOR_F_KNOWN = 0x00
local RUMOR_T_CONTROL = 2
local SEAL_HDR_LEN = 40
local SEAL_TAG_LEN = 16

local rumor = Proto("rumor", "rumor message transport")

local types = {
	[1] = "DATA",
	[2] = "CONTROL",
	[3] = "SUBSCRIBE",
	[4] = "UNSUBSCRIBE",
	[5] = "SUB_ACK",
	[6] = "DELIVER",
	[7] = "GAP",
	[8] = "FANOUT",
	[9] = "RETRANSMIT",
	[10] = "INTEREST",
	[11] = "INTEREST_ACK",
	[12] = "NACK",
	[13] = "GONE",
	[14] = "GOSSIP",
	[15] = "HANDOFF_REQ",
	[16] = "HANDOFF",
}

-- The fixed part of each channel type after the name (chan_wire.h):
-- its layout, its length, and whether the message follows it. A
-- HANDOFF's is 24 bytes, then 8 per node.
local LAYOUT_LEASE, LAYOUT_ACK, LAYOUT_IACK = 1, 2, 3
local LAYOUT_ORD, LAYOUT_RANGE, LAYOUT_NACK, LAYOUT_GOSSIP = 4, 5, 6, 7
local LAYOUT_HANDOFF = 8
local HANDOFF_NODE_LEN = 8
local HANDOFF_NODES_MAX = 128
local fixed = {
	[3] = { LAYOUT_LEASE, 8, false },
	[4] = { nil, 0, false },
	[5] = { LAYOUT_ACK, 12, false },
	[6] = { LAYOUT_ORD, 16, true },
	[7] = { LAYOUT_RANGE, 24, false },
	[8] = { LAYOUT_ORD, 16, true },
	[9] = { LAYOUT_ORD, 16, true },
	[10] = { LAYOUT_LEASE, 8, false },
	[11] = { LAYOUT_IACK, 28, false },
	[12] = { LAYOUT_NACK, 24, false },
	[13] = { LAYOUT_RANGE, 24, false },
	[14] = { LAYOUT_GOSSIP, 8, true },
	[15] = { nil, 0, false },
	[16] = { LAYOUT_HANDOFF, 24, false },
}

local statuses = {
	[0] = "OK",
	[1] = "NOT_SUBSCRIBED",
	[2] = "CLIENT_LIMIT",
	[3] = "NODE_LIMIT",
	[4] = "CLIENTS_LIMIT",
	[5] = "CHANNEL_LIMIT",
	[6] = "INTEREST_LIMIT",
	[7] = "OWNED_LIMIT",
}

-- What a sealed control body carries (enum seal_proto).
local seal_protos = {
	[1] = "SWIM",
}

local f = rumor.fields
f.magic = ProtoField.uint16("rumor.magic", "Magic", base.HEX)
f.version = ProtoField.uint8("rumor.version", "Version", base.DEC)
f.type = ProtoField.uint8("rumor.type", "Type", base.DEC, types)
f.flags = ProtoField.uint8("rumor.flags", "Flags", base.HEX)
f.hop_limit = ProtoField.uint8("rumor.hop_limit", "Hop limit", base.DEC)
f.channel_len = ProtoField.uint16("rumor.channel_len", "Channel length",
	base.DEC)
f.origin = ProtoField.uint32("rumor.origin", "Origin", base.DEC)
f.payload_len = ProtoField.uint16("rumor.payload_len", "Payload length",
	base.DEC)
f.reserved = ProtoField.uint16("rumor.reserved", "Reserved", base.HEX)
f.epoch = ProtoField.uint64("rumor.epoch", "Ring epoch", base.DEC)
f.seq = ProtoField.uint64("rumor.seq", "Sequence", base.DEC)
f.channel_hash = ProtoField.uint64("rumor.channel_hash", "Channel hash",
	base.HEX)
f.channel = ProtoField.string("rumor.channel", "Channel")
f.payload = ProtoField.bytes("rumor.payload", "Payload")
f.lease_ms = ProtoField.uint32("rumor.chan.lease_ms", "Lease (ms)", base.DEC)
f.status = ProtoField.uint8("rumor.chan.status", "Status", base.DEC,
	statuses)
f.limit = ProtoField.uint32("rumor.chan.limit", "Limit", base.DEC)
f.stream = ProtoField.uint64("rumor.chan.stream", "Stream", base.HEX)
f.next_seq = ProtoField.uint64("rumor.chan.next_seq", "Next sequence",
	base.DEC)
f.chan_seq = ProtoField.uint64("rumor.chan.seq", "Channel sequence",
	base.DEC)
f.first = ProtoField.uint64("rumor.chan.first", "First", base.DEC)
f.last = ProtoField.uint64("rumor.chan.last", "Last", base.DEC)
f.count = ProtoField.uint32("rumor.chan.count", "Count", base.DEC)
f.boot = ProtoField.uint64("rumor.chan.boot", "Origin boot", base.DEC)
f.node = ProtoField.uint32("rumor.chan.node", "Node", base.DEC)
f.node_lease_ms = ProtoField.uint32("rumor.chan.node_lease_ms",
	"Lease left (ms)", base.DEC)
f.chan_reserved = ProtoField.bytes("rumor.chan.reserved", "Reserved")
f.message = ProtoField.bytes("rumor.chan.message", "Message")
f.ctl_proto = ProtoField.uint8("rumor.ctl.proto", "Sealed protocol",
	base.DEC, seal_protos)
f.ctl_reserved = ProtoField.uint8("rumor.ctl.reserved", "Reserved",
	base.HEX)
f.ctl_body_len = ProtoField.uint16("rumor.ctl.body_len", "Body length",
	base.DEC)
f.ctl_label_tag = ProtoField.uint64("rumor.ctl.label_tag", "Label tag",
	base.HEX)
f.ctl_sender = ProtoField.uint32("rumor.ctl.sender", "Sender", base.DEC)
f.ctl_reserved2 = ProtoField.uint32("rumor.ctl.reserved2", "Reserved",
	base.HEX)
f.ctl_boot = ProtoField.uint64("rumor.ctl.boot", "Boot", base.DEC)
f.ctl_counter = ProtoField.uint64("rumor.ctl.counter", "Counter", base.DEC)
f.ctl_body = ProtoField.bytes("rumor.ctl.body", "Sealed body")
f.ctl_tag = ProtoField.bytes("rumor.ctl.tag", "Authentication tag")

local e = rumor.experts
e.short = ProtoExpert.new("rumor.short", "Shorter than the 40-byte header",
	expert.group.MALFORMED, expert.severity.ERROR)
e.magic = ProtoExpert.new("rumor.bad_magic", "Bad magic (expected 0x524d)",
	expert.group.MALFORMED, expert.severity.ERROR)
e.version = ProtoExpert.new("rumor.bad_version", "Unsupported version",
	expert.group.PROTOCOL, expert.severity.ERROR)
e.type = ProtoExpert.new("rumor.bad_type", "Unknown message type",
	expert.group.PROTOCOL, expert.severity.ERROR)
e.flags = ProtoExpert.new("rumor.bad_flags", "Unknown flag bits set",
	expert.group.PROTOCOL, expert.severity.ERROR)
e.reserved = ProtoExpert.new("rumor.bad_reserved", "Reserved is not zero",
	expert.group.PROTOCOL, expert.severity.ERROR)
e.channel = ProtoExpert.new("rumor.bad_channel",
	"Channel length out of range (1 to 255)",
	expert.group.MALFORMED, expert.severity.ERROR)
e.length = ProtoExpert.new("rumor.bad_length",
	"Length mismatch: 40 + channel_len + payload_len != UDP payload",
	expert.group.MALFORMED, expert.severity.ERROR)
e.too_long = ProtoExpert.new("rumor.too_long",
	"Datagram longer than 1472 bytes",
	expert.group.MALFORMED, expert.severity.ERROR)
e.ctl_short = ProtoExpert.new("rumor.ctl.short",
	"Shorter than the 56 bytes of a sealed message",
	expert.group.MALFORMED, expert.severity.ERROR)
e.ctl_proto = ProtoExpert.new("rumor.ctl.bad_proto",
	"Unknown sealed protocol",
	expert.group.PROTOCOL, expert.severity.ERROR)
e.ctl_length = ProtoExpert.new("rumor.ctl.bad_length",
	"Length mismatch: 56 + body_len != UDP payload",
	expert.group.MALFORMED, expert.severity.ERROR)
e.ctl_sender = ProtoExpert.new("rumor.ctl.bad_sender", "Sender is 0",
	expert.group.PROTOCOL, expert.severity.ERROR)
e.chan_fixed = ProtoExpert.new("rumor.chan.bad_fixed",
	"Payload too short for the type's fixed part",
	expert.group.MALFORMED, expert.severity.ERROR)
e.chan_count = ProtoExpert.new("rumor.chan.bad_count",
	"More than 128 nodes (CHAN_HANDOFF_NODES_MAX)",
	expert.group.MALFORMED, expert.severity.ERROR)

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

-- The clear header of a sealed control message, len bytes (at least 40):
-- what the first check of seal_open would refuse is flagged. Returns the
-- text for the Info column.
local function dissect_control(tvb, t, len, have)
	local proto = tvb(4, 1):uint()
	local item = t:add(f.ctl_proto, tvb(4, 1))
	if seal_protos[proto] == nil then
		item:add_proto_expert_info(e.ctl_proto)
	end

	item = t:add(f.ctl_reserved, tvb(5, 1))
	if tvb(5, 1):uint() ~= 0 then
		item:add_proto_expert_info(e.reserved)
	end

	local body_len = tvb(6, 2):uint()
	item = t:add(f.ctl_body_len, tvb(6, 2))
	if SEAL_HDR_LEN + body_len + SEAL_TAG_LEN ~= len then
		item:add_proto_expert_info(e.ctl_length)
	end

	t:add(f.ctl_label_tag, tvb(8, 8))

	local sender = tvb(16, 4):uint()
	item = t:add(f.ctl_sender, tvb(16, 4))
	if sender == 0 then
		item:add_proto_expert_info(e.ctl_sender)
	end

	item = t:add(f.ctl_reserved2, tvb(20, 4))
	if tvb(20, 4):uint() ~= 0 then
		item:add_proto_expert_info(e.reserved)
	end

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

-- The fixed part of a channel message (n bytes at off, the whole
-- payload) and the message after it. Returns text for the Info column.
local function dissect_fixed(tvb, t, mtype, off, n)
	local layout, need, has_msg = fixed[mtype][1], fixed[mtype][2],
		fixed[mtype][3]
	local count = 0
	if layout == LAYOUT_HANDOFF and n >= need then
		count = tvb(off + 16, 4):uint()
		need = need + HANDOFF_NODE_LEN * count
	end
	if n < need or (not has_msg and n ~= need) then
		t:add_proto_expert_info(e.chan_fixed)
		return ""
	end
	local info = ""
	if layout == LAYOUT_LEASE then
		t:add(f.lease_ms, tvb(off, 4))
		t:add(f.chan_reserved, tvb(off + 4, 4))
		info = string.format(" lease=%u", tvb(off, 4):uint())
	elseif layout == LAYOUT_ACK or layout == LAYOUT_IACK then
		t:add(f.status, tvb(off, 1))
		t:add(f.chan_reserved, tvb(off + 1, 3))
		t:add(f.lease_ms, tvb(off + 4, 4))
		t:add(f.limit, tvb(off + 8, 4))
		local st = tvb(off, 1):uint()
		info = string.format(" status=%s lease=%u",
			statuses[st] or tostring(st), tvb(off + 4, 4):uint())
		if layout == LAYOUT_IACK then
			t:add(f.stream, tvb(off + 12, 8))
			t:add(f.next_seq, tvb(off + 20, 8))
			info = info .. string.format(" next=%s",
				tostring(tvb(off + 20, 8):uint64()))
		end
	elseif layout == LAYOUT_ORD then
		t:add(f.stream, tvb(off, 8))
		t:add(f.chan_seq, tvb(off + 8, 8))
		info = string.format(" chan_seq=%s",
			tostring(tvb(off + 8, 8):uint64()))
	elseif layout == LAYOUT_RANGE then
		t:add(f.stream, tvb(off, 8))
		t:add(f.first, tvb(off + 8, 8))
		t:add(f.last, tvb(off + 16, 8))
		info = string.format(" first=%s last=%s",
			tostring(tvb(off + 8, 8):uint64()),
			tostring(tvb(off + 16, 8):uint64()))
	elseif layout == LAYOUT_NACK then
		t:add(f.stream, tvb(off, 8))
		t:add(f.first, tvb(off + 8, 8))
		t:add(f.count, tvb(off + 16, 4))
		t:add(f.chan_reserved, tvb(off + 20, 4))
		info = string.format(" first=%s count=%u",
			tostring(tvb(off + 8, 8):uint64()), tvb(off + 16, 4):uint())
	elseif layout == LAYOUT_GOSSIP then
		t:add(f.boot, tvb(off, 8))
	elseif layout == LAYOUT_HANDOFF then
		t:add(f.stream, tvb(off, 8))
		t:add(f.next_seq, tvb(off + 8, 8))
		local item = t:add(f.count, tvb(off + 16, 4))
		if count > HANDOFF_NODES_MAX then
			item:add_proto_expert_info(e.chan_count)
		end
		t:add(f.chan_reserved, tvb(off + 20, 4))
		for i = 0, count - 1 do
			local p = off + 24 + HANDOFF_NODE_LEN * i
			local node = t:add(f.node, tvb(p, 4))
			node:add(f.node_lease_ms, tvb(p + 4, 4))
		end
		info = string.format(" next=%s nodes=%u",
			tostring(tvb(off + 8, 8):uint64()), count)
	end
	if has_msg and n > need then
		t:add(f.message, tvb(off + need, n - need))
	end
	return info
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

	local magic = tvb(0, 2):uint()
	local item = t:add(f.magic, tvb(0, 2))
	if magic ~= RUMOR_MAGIC then
		item:add_proto_expert_info(e.magic)
	end

	local version = tvb(2, 1):uint()
	item = t:add(f.version, tvb(2, 1))
	if version ~= RUMOR_VERSION then
		item:add_proto_expert_info(e.version)
	end

	local mtype = tvb(3, 1):uint()
	item = t:add(f.type, tvb(3, 1))
	if types[mtype] == nil then
		item:add_proto_expert_info(e.type)
	end

	-- After the first 4 bytes, a control message has a layout of its own.
	if mtype == RUMOR_T_CONTROL then
		pinfo.cols.info = dissect_control(tvb, t, len, have)
		if magic ~= RUMOR_MAGIC then
			pinfo.cols.info = "rumor: bad magic"
		end
		return len
	end

	local flags = tvb(4, 1):uint()
	item = t:add(f.flags, tvb(4, 1))
	if bit.band(flags, bit.bnot(RUMOR_F_KNOWN)) ~= 0 then
		item:add_proto_expert_info(e.flags)
	end

	local hop = tvb(5, 1):uint()
	t:add(f.hop_limit, tvb(5, 1))

	local chan_len = tvb(6, 2):uint()
	item = t:add(f.channel_len, tvb(6, 2))
	if chan_len == 0 or chan_len > RUMOR_CHANNEL_MAX then
		item:add_proto_expert_info(e.channel)
	end

	t:add(f.origin, tvb(8, 4))

	local payload_len = tvb(12, 2):uint()
	local len_item = t:add(f.payload_len, tvb(12, 2))

	item = t:add(f.reserved, tvb(14, 2))
	if tvb(14, 2):uint() ~= 0 then
		item:add_proto_expert_info(e.reserved)
	end

	t:add(f.epoch, tvb(16, 8))
	local seq = tvb(24, 8):uint64()
	t:add(f.seq, tvb(24, 8))
	t:add(f.channel_hash, tvb(32, 8))

	if RUMOR_HDR_LEN + chan_len + payload_len ~= len then
		len_item:add_proto_expert_info(e.length)
	end
	if len > RUMOR_DATAGRAM_MAX then
		t:add_proto_expert_info(e.too_long)
	end

	-- Show what the datagram holds, never beyond what was captured.
	local off = RUMOR_HDR_LEN
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
		if fixed[mtype] ~= nil and n == payload_len then
			extra = dissect_fixed(tvb, pt, mtype, off, n)
		end
	end

	local name = types[mtype] or string.format("type %u", mtype)
	pinfo.cols.info = string.format("%s channel=%s seq=%s hop=%u len=%u%s",
		name, channel, tostring(seq), hop, payload_len, extra)
	if magic ~= RUMOR_MAGIC then
		pinfo.cols.info = "rumor: bad magic"
	end
	t:append_text(string.format(", %s, channel %s, seq %s", name,
		channel, tostring(seq)))
	return len
end

udp_table:add(RUMOR_DEFAULT_PORT, rumor)
udp_table:add_for_decode_as(rumor)
