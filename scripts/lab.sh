# SPDX-License-Identifier: BSD-3-Clause
# The lab: what the integration tests, scripts/cluster.sh and the
# benchmarks share to run rumor nodes on one host. Sourced, never run.
#
#   lab_begin NAME    a unique name ($LAB), a directory ($LAB_DIR) and the
#                     clean-up that runs on exit, even on failure; no root
#   lab_init NAME     lab_begin, then a network namespace ($LAB, commands
#                     in it through "${NS[@]}") with a bridge br0 at
#                     10.77.0.100/24; root
#   lab_port ID       node ID's wire: a veth nID on br0 whose peer nID-dp
#                     is alone in namespace $LAB-nID, where the node runs
#   lab_node ID CONF  a dataplane-only node (rumor-dataplane) on that port
#   lab_cluster N     keys, ports and configurations of full nodes 1..N
#                     (rumor-dataplane and rumor-control, Raft voters and
#                     learners if asked), lab_up ID... starts them through
#                     scripts/rumor-node.sh, lab_kill9 ID kills one
#   lab_wait*         until a condition, a ring, an epoch, a view holds
#   lab_stat, lab_info, lab_tel, lab_ctl, lab_raft_get: what a node says
#
# Node ID is always called nID: its port and namespace, its DPDK file
# prefix ${LAB}nID, its configuration $LAB_DIR/nID.conf, its sockets
# $LAB_DIR/nID.ctl and nID.admin, its address 10.77.0.ID and its sink
# 10.77.0.100:(9000 + ID). Everything the lab creates carries $LAB and is
# removed at exit: processes, namespaces (with their veths, taps and
# bridges), DPDK run directories, mounts registered with lab_at_exit, and
# $LAB_DIR with its files and sockets (kept with KEEP_LAB=1).
#
# Variables read: BUILD (the build directory, default build/ at the
# top), LAB_VDEV_ARGS (appended to each node's net_af_packet arguments,
# e.g. ",framecnt=4096"), LAB_IDLE_US (--idle-sleep of each node, default
# 20), LAB_LAUNCHER_OUT (where rumor-node.sh's own lines go, default
# $LAB_DIR/launcher.log, "-" for the script's own output), DP_WRAP (a
# command rumor-dataplane runs under in lab_node, e.g. "valgrind -q").
# Set by lab_begin: DP, RUMORCTL, UDPTEST and RUMOR, the programs'
# paths in the build.

set -euo pipefail

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_NODE_SH=$LAB_TOP/scripts/rumor-node.sh
LAB_PIDS=()
LAB_NETNS=()
LAB_PREFIXES=()
LAB_AT_EXIT=()
declare -A LAB_NODE_PID=()
declare -A LAB_SUB_PID=()
LAB_CONF_OPTS=()

skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FAIL: $*" >&2; exit 1; }
say() { echo "== $*"; }

# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" != "$3" ]; then
		die "$1: got $2, want $3"
	fi
	echo "ok: $1 = $2"
}

# lab_usage: the comment block at the top of the script, its help text.
lab_usage() { awk 'NR > 1 { if (!/^#/) exit; print }' "$0"; }

# lab_need FILE...: each program must be built.
lab_need() {
	local p
	for p in "$@"; do
		[ -x "$p" ] || die "no $p: build first"
	done
}

# lab_pid PID...: processes this shell started, stopped at exit.
lab_pid() { LAB_PIDS+=("$@"); }

# lab_prefix PREFIX: a DPDK file prefix whose run directory goes at exit.
lab_prefix() { LAB_PREFIXES+=("$1"); }

# lab_at_exit COMMAND: run (by eval) at exit, once the processes are gone
# and before the namespaces and $LAB_DIR are removed; the last first.
lab_at_exit() { LAB_AT_EXIT=("$1" "${LAB_AT_EXIT[@]}"); }

# lab_gone PID: the process has exited (or is a zombie).
lab_gone() {
	[ ! -r "/proc/$1/stat" ] ||
		[ "$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null |
			cut -d' ' -f1)" = Z ]
}

# lab_child PID: the process is still a child of this shell (its pid has
# not gone to another program since).
lab_child() {
	[ "$(awk '$1 == "PPid:" { print $2 }' "/proc/$1/status" 2>/dev/null)" = \
		"$$" ]
}

lab_cleanup() {
	local pid f exe i cmd ns p alive left=()
	# Whatever fails here, the rest of the clean-up still runs.
	set +e
	for pid in "${LAB_PIDS[@]}"; do
		lab_child "$pid" && kill -TERM "$pid" 2>/dev/null &&
			left+=("$pid")
	done
	# Processes that rumor-node.sh started: by their pid files, if they
	# still are the programs that wrote them.
	for f in "${LAB_RUN:-/nonexistent}"/*.pid; do
		[ -f "$f" ] || continue
		read -r pid <"$f" 2>/dev/null || continue
		exe=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" |
			head -n 1)
		case ${exe##*/} in
		rumor-dataplane|rumor-control)
			kill -KILL "$pid" 2>/dev/null && left+=("$pid") ;;
		esac
	done
	for ((i = 0; i < 20; i++)); do
		alive=0
		for pid in "${left[@]}"; do
			lab_gone "$pid" || { alive=1; break; }
		done
		[ $alive = 1 ] || break
		sleep 0.1
	done
	for pid in "${left[@]}"; do
		lab_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	done
	for cmd in "${LAB_AT_EXIT[@]}"; do
		eval "$cmd"
	done
	for ns in "${LAB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${LAB_DIR:-}" ] && [ -z "${KEEP_LAB:-}" ]; then
		rm -rf "$LAB_DIR"
	fi
	for p in "${LAB_PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p"
	done
}

# lab_begin NAME: $LAB (rmr, NAME, this shell's pid), $LAB_DIR, the
# programs' paths, and the clean-up on exit. A signal ends the script
# through exit, so that the clean-up runs.
lab_begin() {
	BUILD=${BUILD:-$LAB_TOP/build}
	[ ! -d "$BUILD" ] || BUILD=$(cd "$BUILD" && pwd)
	DP=$BUILD/dataplane/rumor-dataplane
	RUMORCTL=$BUILD/control/rumorctl
	UDPTEST=$BUILD/tests/tools/rumor-udptest
	RUMOR=$BUILD/lib/client/rumor
	LAB="rmr$1$$"
	LAB_DIR=$(mktemp -d "/tmp/$LAB.XXXXXX")
	LAB_RUN=$LAB_DIR/run
	LAB_LAUNCHER_OUT=${LAB_LAUNCHER_OUT:-$LAB_DIR/launcher.log}
	LAB_IDLE_US=${LAB_IDLE_US:-20}
	LAB_VDEV_ARGS=${LAB_VDEV_ARGS:-}
	trap lab_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# lab_netns NAME: an empty namespace $LAB-NAME (loopback up, no IPv6),
# removed at exit.
lab_netns() {
	local ns="$LAB-$1"
	ip netns add "$ns"
	LAB_NETNS+=("$ns")
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" ip link set lo up
}

# lab_init NAME: lab_begin, then the namespace $LAB with bridge br0 at
# 10.77.0.100/24 and no IPv6; "${NS[@]}" runs a command there.
lab_init() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	command -v ip >/dev/null || skip "needs iproute2"
	lab_begin "$1"
	lab_need "$DP"
	ip netns add "$LAB"
	LAB_NETNS+=("$LAB")
	NS=(ip netns exec "$LAB")
	"${NS[@]}" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	"${NS[@]}" ip link set lo up
	# ARP answered only on the interface that holds the address: a
	# test's second bridge (five_nodes.sh partitions onto br1) would
	# otherwise answer for 10.77.0.100 with its own MAC, which the nodes
	# behind it keep sending the sink to, after the heal, until their
	# next refresh.
	"${NS[@]}" sysctl -qw net.ipv4.conf.all.arp_ignore=1
	# Bridged frames must not meet netfilter (its defragmenter would hold
	# the fragments the tests inject) where br_netfilter is loaded.
	"${NS[@]}" sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 \
		net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
	# A fixed MAC: a bridge otherwise takes its lowest port's, so adding
	# a port may change it, and nodes learn a MAC change only through
	# their next ARP refresh (docs/architecture.md, "ARP").
	"${NS[@]}" ip link add br0 address 02:77:00:00:00:64 type bridge
	"${NS[@]}" ip link set br0 up
	"${NS[@]}" ip addr add 10.77.0.100/24 dev br0
	# Checksums complete in software: frames taken by AF_PACKET from a
	# veth would otherwise carry partial UDP checksums.
	if command -v ethtool >/dev/null; then
		"${NS[@]}" ethtool -K br0 tx off >/dev/null 2>&1 || true
	fi
}

# lab_port ID: a veth pair nID (on br0) / nID-dp, the latter alone in
# namespace $LAB-nID where node ID runs: no kernel address there, so the
# kernel never answers ARP on the node's wire.
lab_port() {
	local p="n$1" ns="$LAB-n$1"
	lab_netns "n$1"
	"${NS[@]}" ip link add "$p" type veth peer name "$p-dp"
	"${NS[@]}" ip link set "$p-dp" netns "$ns"
	"${NS[@]}" ip link set "$p" master br0 up
	ip netns exec "$ns" ip link set "$p-dp" up
	if command -v ethtool >/dev/null; then
		ip netns exec "$ns" ethtool -K "$p-dp" tx off >/dev/null 2>&1 ||
			true
	fi
}

# lab_eal ID: LAB_EAL, node ID's EAL options (its port nID-dp, its file
# prefix, two lcores, no hugepages).
lab_eal() {
	lab_prefix "${LAB}n$1"
	LAB_EAL=(--no-huge --no-shconf --no-pci -m 256 -l 0-1
		--file-prefix "${LAB}n$1" --log-level=lib.eal:error
		--vdev="net_af_packet0,iface=n$1-dp,qdisc_bypass=1$LAB_VDEV_ARGS")
}

# lab_node ID CONF [rumor options...]: rumor-dataplane alone as node ID,
# until it forwards. Its pid is ${LAB_NODE_PID[ID]}, its log
# $LAB_DIR/nID.log.
lab_node() {
	local id=$1 conf=$2 pid i
	shift 2
	lab_eal "$id"
	ip netns exec "$LAB-n$id" ${DP_WRAP:-} "$DP" "${LAB_EAL[@]}" \
		-- -c "$conf" --idle-sleep "$LAB_IDLE_US" "$@" \
		>"$LAB_DIR/n$id.log" 2>&1 &
	pid=$!
	lab_pid "$pid"
	LAB_NODE_PID[$id]=$pid
	for i in $(seq 1 200); do
		if grep -q "forwarding on" "$LAB_DIR/n$id.log" 2>/dev/null; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null ||
			{ cat "$LAB_DIR/n$id.log"; die "node n$id exited"; }
		sleep 0.1
	done
	cat "$LAB_DIR/n$id.log"
	die "node n$id did not start"
}

# lab_keys [FILE [N]]: a new cluster key in FILE (default $LAB_DIR/keys).
# Without FILE, the lab's node credentials start anew too: an empty
# roster $LAB_DIR/roster, to which each node's key $LAB_DIR/nID.key is
# added when lab_conf first configures it (lab_cred), or at once for
# nodes 1 to N when N is given.
lab_keys() {
	local f=${1:-$LAB_DIR/keys} n=${2:-0} i
	lab_need "$RUMORCTL"
	"$RUMORCTL" keygen >"$f"
	chmod 600 "$f"
	if [ $# -eq 0 ] || [ "$n" -gt 0 ]; then
		rm -f "$LAB_DIR/roster" "$LAB_DIR"/n*.key
		: >"$LAB_DIR/roster"
	fi
	for i in $(seq 1 "$n"); do lab_cred "$i"; done
}

# lab_cred ID: node ID's key file $LAB_DIR/nID.key and its line in
# $LAB_DIR/roster, issued by rumorctl cred, unless the key file exists.
lab_cred() {
	[ -e "$LAB_DIR/n$1.key" ] && return 0
	lab_need "$RUMORCTL"
	"$RUMORCTL" cred issue --id "$1" --roster "$LAB_DIR/roster" \
		--out "$LAB_DIR/n$1.key" >/dev/null ||
		die "lab_cred: cannot issue node $1's credentials"
}

# lab_conf ID [OPTION...]: node ID's configuration as a full node,
# $LAB_DIR/nID.conf. Its member list names only itself: the others come
# from the membership. The options of lab_cluster come first; of two
# that set the same thing, the later wins:
#   label=NAME     the cluster's label (default lab)
#   keys=FILE      the keyring (default $LAB_DIR/keys)
#   seeds="IDS"    the seeds (default "1 2")
#   sink           a sink on the bridge, 10.77.0.100:(9000 + ID)
#   swim=fast      probes every 500 ms, timeout 200 ms, suspicion x3,
#                  gossip every 100 ms
#   voters="IDS"   Raft: raft_dir $LAB_DIR/raftID and these voters
#   creds=no       no node credentials (node_key, roster): development
#                  mode; by default node ID gets them (lab_cred)
#   clients=token  clients need tokens (client_auth = token) signed by
#                  the lab's token key, made once (lab_token issues them);
#                  by default client_auth = none (development)
#   "KEY = VALUE"  a line as it is; "{id}" in it stands for ID
lab_conf() {
	local id=$1 o label=lab keys=$LAB_DIR/keys seeds="1 2" sink= swim=
	local voters= lines=() s creds=yes clients=none
	shift
	for o in "${LAB_CONF_OPTS[@]}" "$@"; do
		case $o in
		label=*) label=${o#label=} ;;
		keys=*) keys=${o#keys=} ;;
		seeds=*) seeds=${o#seeds=} ;;
		sink) sink=1 ;;
		swim=fast) swim=fast ;;
		voters=*) voters=${o#voters=} ;;
		creds=yes | creds=no) creds=${o#creds=} ;;
		clients=none | clients=token) clients=${o#clients=} ;;
		*" = "*) lines+=("${o//\{id\}/$id}") ;;
		*) die "lab_conf: unknown option '$o'" ;;
		esac
	done
	[ "$creds" = no ] || lab_cred "$id"
	[ "$clients" = none ] || [ -f "$LAB_DIR/token.pub" ] ||
		"$RUMORCTL" token keygen --dir "$LAB_DIR" >/dev/null ||
		die "rumorctl token keygen"
	{
		echo "node_id = $id"
		echo "address = 10.77.0.$id"
		[ -z "$sink" ] || echo "sink = 10.77.0.100:$((9000 + id))"
		echo "control_socket = $LAB_DIR/n$id.ctl"
		echo "admin_socket = $LAB_DIR/n$id.admin"
		echo "keyring = $keys"
		if [ "$creds" = yes ]; then
			echo "node_key = $LAB_DIR/n$id.key"
			echo "roster = $LAB_DIR/roster"
		fi
		echo "label = $label"
		echo "client_auth = $clients"
		[ "$clients" = none ] ||
			echo "token_pub = $LAB_DIR/token.pub"
		for s in $seeds; do echo "seed = 10.77.0.$s"; done
		if [ -n "$swim" ]; then
			echo "probe_interval_ms = 500"
			echo "probe_timeout_ms = 200"
			echo "suspicion_mult = 3"
			echo "gossip_interval_ms = 100"
		fi
		for s in "${lines[@]}"; do echo "$s"; done
		echo "member = $id 10.77.0.$id"
		if [ -n "$voters" ]; then
			echo "raft_dir = $LAB_DIR/raft$id"
			for s in $voters; do echo "voter = $s"; done
		fi
	} >"$LAB_DIR/n$id.conf"
}

# lab_cluster N [OPTION...]: a key ($LAB_DIR/keys), then for each node 1
# to N a port and a configuration (lab_conf ID OPTION...); the options
# stay the defaults of later lab_conf calls. Nothing is started.
lab_cluster() {
	local n=$1 i
	shift
	lab_need "$BUILD/control/rumor-control" "$RUMORCTL"
	LAB_CONF_OPTS=("$@")
	lab_keys
	mkdir -p "$LAB_RUN"
	for i in $(seq 1 "$n"); do
		lab_port "$i"
		lab_conf "$i"
	done
}

# lab_start ID: both processes of node ID, whichever is not running, in
# its namespace (scripts/rumor-node.sh start); its status. The logs are
# $LAB_DIR/node-ID.dataplane.log and node-ID.control.log, the pid files
# in $LAB_RUN, rumor-node.sh's own lines in $LAB_LAUNCHER_OUT.
lab_start() {
	lab_eal "$1"
	lab_launcher "$1" start --build "$BUILD" --log-dir "$LAB_DIR" \
		--timeout 60 -- "${LAB_EAL[@]}" -- --idle-sleep "$LAB_IDLE_US"
}

# lab_launcher ID COMMAND [OPTIONS...]: scripts/rumor-node.sh COMMAND for
# node ID, in its namespace, its lines to $LAB_LAUNCHER_OUT.
lab_launcher() {
	local cmd=(ip netns exec "$LAB-n$1" bash "$LAB_NODE_SH" "$2"
		--config "$LAB_DIR/n$1.conf" --run-dir "$LAB_RUN" "${@:3}")
	if [ "$LAB_LAUNCHER_OUT" = - ]; then
		"${cmd[@]}"
	else
		"${cmd[@]}" >>"$LAB_LAUNCHER_OUT" 2>&1
	fi
}

# lab_up ID...: lab_start each, or fail with the end of its logs.
lab_up() {
	local id
	for id in "$@"; do
		lab_start "$id" && continue
		tail -n 30 "$LAB_DIR"/node-"$id".*.log
		die "node $id did not start"
	done
}

# lab_stop ID: a graceful stop of node ID (rumor-control leaves the
# cluster, then its dataplane stops); rumor-node.sh's status.
lab_stop() { lab_launcher "$1" stop; }

# lab_node_pid ID control|dataplane: that process's pid, or nothing.
lab_node_pid() { cat "$LAB_RUN/node-$1.$2.pid" 2>/dev/null || true; }

# lab_kill9 ID [control|dataplane]: SIGKILL to that process of node ID,
# or to both (rumor-control first).
lab_kill9() {
	local p pids=()
	for p in ${2:-control dataplane}; do
		pids+=("$(lab_node_pid "$1" "$p")")
	done
	kill -KILL "${pids[@]}" 2>/dev/null || true
}

# lab_tel ID COMMAND: one DPDK telemetry request to node ID's dataplane;
# prints the JSON reply.
lab_tel() {
	python3 - "/var/run/dpdk/${LAB}n$1/dpdk_telemetry.v2" "$2" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(4096)
s.send(sys.argv[2].encode())
print(s.recv(1 << 20).decode())
PY
}

# lab_field COMMAND KEY: KEY of the telemetry reply to COMMAND on stdin.
lab_field() {
	python3 -c 'import json, sys
print(json.load(sys.stdin)[sys.argv[1]][sys.argv[2]])' "$1" "$2"
}

# lab_stat ID NAME: one counter of node ID's /rumor/stats (one process:
# tests poll counters in loops, on hosts kept busy by the nodes).
lab_stat() {
	python3 - "/var/run/dpdk/${LAB}n$1/dpdk_telemetry.v2" "$2" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(4096)
s.send(b"/rumor/stats")
print(json.loads(s.recv(1 << 20).decode())["/rumor/stats"][sys.argv[2]])
PY
}

# lab_statf ID FORMAT: FORMAT with each {counter} replaced by that counter
# of node ID's /rumor/stats ("?" for one it lacks): one telemetry request
# however many counters, so that a log line costs no time under load.
lab_statf() {
	lab_tel "$1" /rumor/stats 2>/dev/null | python3 -c 'import json, sys
class Stats(dict):
	def __missing__(self, key):
		return "?"
try:
	d = Stats(json.load(sys.stdin)["/rumor/stats"])
except (ValueError, KeyError):
	d = Stats()
print(sys.argv[1].format_map(d))' "$2"
}

# lab_info ID KEY: one field of node ID's /rumor/info; nothing if it
# cannot say.
lab_info() {
	lab_tel "$1" /rumor/info 2>/dev/null |
		lab_field /rumor/info "$2" 2>/dev/null || true
}

# lab_drops ID: the non-zero drop and handoff counters of node ID, one
# line (for the log when a check fails).
lab_drops() {
	lab_tel "$1" /rumor/stats 2>/dev/null | python3 -c 'import json, sys
d = json.load(sys.stdin)["/rumor/stats"]
print(" ".join("%s=%s" % (k, v) for k, v in sorted(d.items())
	if v and (k.startswith("drop_") or k.startswith("handoff_") or
	k.startswith("auth_unknown") or k.startswith("auth_bad") or
	k.startswith("auth_missing") or k.startswith("auth_replay") or
	k.startswith("auth_no_key") or
	k in ("epoch_behind", "chan_rerouted", "arp_wait")))
	or "none")' 2>/dev/null || echo "(no telemetry)"
}

# lab_ctl ID ARGS...: rumorctl against node ID's rumor-control.
lab_ctl() {
	local id=$1
	shift
	"$RUMORCTL" --socket "$LAB_DIR/n$id.admin" "$@"
}

# lab_ctl_stat ID NAME: a counter of "rumorctl stats" on node ID.
lab_ctl_stat() {
	lab_ctl "$1" stats 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

# lab_raft_get ID KEY: a field of "rumorctl raft" on node ID.
lab_raft_get() {
	lab_ctl "$1" raft 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

# lab_members ID: node ID's member table (rumorctl members).
lab_members() { lab_ctl "$1" members 2>/dev/null; }

# lab_view ID: "id:state " for each member node ID knows, by id.
lab_view() {
	lab_members "$1" | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^[0-9.]+:[0-9]+$/ {
		printf "%s:%s ", $1, $3 }'
}

# lab_wait SECONDS COMMAND...: until COMMAND succeeds, every 100 ms; its
# last status.
lab_wait() {
	local t=$1 i
	shift
	for ((i = 1; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

lab_view_is() { [ "$(lab_view "$1")" = "$2" ]; }

# lab_wait_view ID WANT SECONDS: until node ID's view is exactly WANT.
lab_wait_view() {
	lab_wait "$3" lab_view_is "$1" "$2" && return 0
	echo "node $1 sees: $(lab_view "$1")"
	lab_members "$1" || true
	die "node $1: view is not '$2' after ${3}s"
}

lab_state_is() {
	[ "$(lab_members "$1" | awk -v id="$2" '$1 == id { print $3 }')" = \
		"$3" ]
}

# lab_wait_state ID OTHER STATE SECONDS: until node ID holds node OTHER
# in STATE (alive, suspect, dead, left).
lab_wait_state() {
	lab_wait "$4" lab_state_is "$1" "$2" "$3" && return 0
	lab_members "$1" || true
	die "node $1 does not see node $2 $3 after $4 s"
}

# lab_ring_poll MEMBERS SECONDS epoch|members ID...: until every listed
# node's dataplane forwards on a ring of MEMBERS members (epoch: all on
# one ring epoch, printed); one telemetry connection a node, asked every
# 20 ms, so that the time it takes is the time the change took. Status 1
# on timeout, with what each node said.
lab_ring_poll() {
	local want=$1 limit=$2 mode=$3 i socks=()
	shift 3
	for i in "$@"; do
		socks+=("/var/run/dpdk/${LAB}n$i/dpdk_telemetry.v2")
	done
	python3 - "$want" "$limit" "$mode" "${socks[@]}" <<'PY'
import json, socket, sys, time
want, limit, mode = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
paths = sys.argv[4:]
conns = {}
def ask(path):
    try:
        if path not in conns:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.settimeout(1)
            s.connect(path)
            s.recv(4096)
            conns[path] = s
        s = conns[path]
        s.send(b"/rumor/info")
        return json.loads(s.recv(1 << 20))["/rumor/info"]
    except (OSError, ValueError, KeyError):
        conns.pop(path, None)
        return {}
end = time.monotonic() + limit
while True:
    seen = [ask(p) for p in paths]
    epochs = {i.get("ring_epoch") for i in seen}
    if all(i.get("ring_members") == want for i in seen) and \
            (mode == "members" or len(epochs) == 1):
        print(epochs.pop() if len(epochs) == 1 else "")
        sys.exit(0)
    if time.monotonic() > end:
        for p, i in zip(paths, seen):
            print("%s: ring_epoch %s, %s members" % (p, i.get("ring_epoch"),
                  i.get("ring_members")))
        sys.exit(1)
    time.sleep(0.02)
PY
}

# lab_wait_ring ID N [SECONDS]: until node ID's dataplane forwards on a
# ring of N members (rumor-control publishes a table shortly after its
# view changes, not at the same instant); default 30 s.
lab_wait_ring() {
	local out
	out=$(lab_ring_poll "$2" "${3:-30}" members "$1") ||
		{ echo "$out"; die "node $1: no ring of $2 members"; }
}

# lab_wait_epoch N ID...: until every listed node's dataplane forwards on
# one ring epoch of N members (60 s at most); sets EPOCH to it.
lab_wait_epoch() {
	local n=$1 i out
	shift
	if out=$(lab_ring_poll "$n" 60 epoch "$@"); then
		EPOCH=$out
		return 0
	fi
	echo "$out"
	for i in "$@"; do
		echo "node $i: raft epoch $(lab_raft_get "$i" epoch)," \
			"role $(lab_raft_get "$i" role)"
	done
	die "nodes $*: no common ring epoch of $n members"
}

# lab_ring_conf FILE ENTRY ID...: a configuration for rumor-udptest: the
# ring of exactly these members, messages sent into node ENTRY.
lab_ring_conf() {
	local f=$1 entry=$2 id
	shift 2
	{
		echo "node_id = $entry"
		echo "address = 10.77.0.$entry"
		for id in "$@"; do echo "member = $id 10.77.0.$id"; done
	} >"$f"
}

# lab_udptest [--show] CONF ENTRY [udptest options...]: rumor-udptest
# from the bridge into node ENTRY, each member of CONF's ring listening
# on its sink; PASS or not. Its output goes to $LAB_DIR/udptest.out
# (and to stdout with --show; on failure it is printed anyway).
lab_udptest() {
	local show= run id rc=0
	[ "$1" != --show ] || { show=1; shift; }
	run=("${NS[@]}" "$UDPTEST" --config "$1" --node "10.77.0.$2:7946"
		--bind 10.77.0.100)
	for id in $(awk -F'[ =]+' '$1 == "member" { print $2 }' "$1"); do
		run+=(--sink "$id=$((9000 + id))")
	done
	shift 2
	if [ -n "$show" ]; then
		"${run[@]}" "$@" | tee "$LAB_DIR/udptest.out" || rc=$?
	else
		"${run[@]}" "$@" >"$LAB_DIR/udptest.out" 2>&1 || rc=$?
	fi
	grep -q "udptest: PASS" "$LAB_DIR/udptest.out" && return 0
	[ -n "$show" ] || cat "$LAB_DIR/udptest.out"
	return $((rc ? rc : 1))
}

# lab_sub TAG NODE [rumor sub options and channels...]: a subscriber
# (the rumor command) on the bridge, through node NODE; its output in
# $LAB_DIR/TAG.out and TAG.err.
lab_sub() {
	local tag=$1 node=$2
	shift 2
	"${NS[@]}" "$RUMOR" sub --node "10.77.0.$node:7946" "$@" \
		>"$LAB_DIR/$tag.out" 2>"$LAB_DIR/$tag.err" &
	lab_pid "$!"
	LAB_SUB_PID[$tag]=$!
}

# lab_sub_stop TAG: SIGINT; the subscriber prints its counts as it
# leaves, and must exit 0.
lab_sub_stop() {
	local rc=0
	kill -INT "${LAB_SUB_PID[$1]}" 2>/dev/null || true
	wait "${LAB_SUB_PID[$1]}" || rc=$?
	[ $rc = 0 ] || { tail -n 5 "$LAB_DIR/$1.err";
		die "subscriber $1 exited with status $rc"; }
}

lab_sub_granted() {
	kill -0 "${LAB_SUB_PID[$1]}" 2>/dev/null ||
		{ tail -n 5 "$LAB_DIR/$1.err"; die "subscriber $1 exited"; }
	[ "$(grep -c '^rumor sub: subscribed to' "$LAB_DIR/$1.err")" -ge "$2" ]
}

# lab_wait_subscribed TAG N [SECONDS]: until subscriber TAG holds N
# leases (default 15 s).
lab_wait_subscribed() {
	lab_wait "${3:-15}" lab_sub_granted "$1" "$2" && return 0
	cat "$LAB_DIR/$1.err"
	die "subscriber $1: fewer than $2 subscriptions granted"
}

lab_audience_is() {
	[ "$(lab_info "$1" chan_audiences)" -ge "$2" ] 2>/dev/null &&
		[ "$(lab_info "$1" chan_interest_unanswered)" = 0 ]
}

# lab_wait_audience ID N [SECONDS]: until node ID holds N audiences, every
# interest it sent answered by the channel's owner (default 15 s).
lab_wait_audience() {
	lab_wait "${3:-15}" lab_audience_is "$1" "$2" && return 0
	die "node $1: $(lab_info "$1" chan_audiences) audiences," \
		"$(lab_info "$1" chan_interest_unanswered) unanswered;" \
		"want $2, 0"
}

# lab_chan_owned PREFIX OWNER MEMBERS: the first channel name PREFIX-K
# (K = 0, 1, ...) that node OWNER owns on the ring of nodes 1..MEMBERS
# (weights 1); sets CH. Needs $BUILD/tests/tools/rumor-attack.
lab_chan_owned() {
	local k=0 name owner hash
	while :; do
		read -r name owner hash < <("$BUILD/tests/tools/rumor-attack" \
			owner --members "$3" "$1-$k")
		[ "$owner" = "$2" ] && break
		k=$((k + 1))
	done
	CH=$name
}

# lab_host NAME IP: a host on the bridge that is not a node (an attacker,
# a victim): namespace $LAB-NAME whose interface NAME-h, a veth whose
# peer NAME is on br0, has address IP/24. Its kernel answers ARP for IP.
lab_host() {
	local ns="$LAB-$1"
	lab_netns "$1"
	"${NS[@]}" ip link add "$1" type veth peer name "$1-h"
	"${NS[@]}" ip link set "$1-h" netns "$ns"
	"${NS[@]}" ip link set "$1" master br0 up
	ip netns exec "$ns" ip link set "$1-h" up
	ip netns exec "$ns" ip addr add "$2/24" dev "$1-h"
	if command -v ethtool >/dev/null; then
		ip netns exec "$ns" ethtool -K "$1-h" tx off >/dev/null 2>&1 ||
			true
	fi
}

# lab_mac ID: the MAC address of node ID's port (nID-dp).
lab_mac() { ip netns exec "$LAB-n$1" cat "/sys/class/net/n$1-dp/address"; }

# lab_rx_gaps SECONDS ID...: watch each node's received-packet count
# (DPDK's /ethdev/stats of port 0, which moves only while its lcore
# polls) for SECONDS; print, per node, "ID:MS", the longest time in
# milliseconds it did not move ("ID:dead" if its telemetry stopped
# answering). One thread and one telemetry connection a node.
lab_rx_gaps() {
	local t=$1 i socks=()
	shift
	for i in "$@"; do
		socks+=("$i=/var/run/dpdk/${LAB}n$i/dpdk_telemetry.v2")
	done
	python3 - "$t" "${socks[@]}" <<'PY'
import re, socket, sys, threading, time
limit = float(sys.argv[1])
nodes = [a.split("=", 1) for a in sys.argv[2:]]
rx_re = re.compile(rb'"ipackets": *(\d+)')
gap, seen = {}, {}
def watch(i, path):
    gap[i], seen[i] = 0.0, False
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.settimeout(0.5)
        s.connect(path)
        s.recv(4096)
    except OSError:
        return
    t0 = time.monotonic()
    last, since = None, t0
    while True:
        try:
            s.send(b"/ethdev/stats,0")
            m = rx_re.search(s.recv(1 << 16))
        except OSError:
            m = None
        now = time.monotonic()
        if m is not None and int(m.group(1)) != last:
            last, since, seen[i] = int(m.group(1)), now, True
        gap[i] = max(gap[i], now - since)
        if now >= t0 + limit:
            return
        time.sleep(0.001)
ts = [threading.Thread(target=watch, args=n) for n in nodes]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(" ".join("%s:%s" % (i, "%.0f" % (gap[i] * 1000) if seen.get(i)
      else "dead") for i, _ in nodes))
PY
}

# lab_token FILE CLIENT ALLOW...: a client token for CLIENT (an id) with
# the capabilities ALLOW (OPS:PATTERN, as rumorctl token issue takes
# them), signed by the lab's token key (lab_conf clients=token), in FILE.
lab_token() {
	local file=$1 client=$2 a args=()
	shift 2
	for a in "$@"; do args+=(--allow "$a"); done
	"$RUMORCTL" token issue --key "$LAB_DIR/token.key" --client "$client" \
		--ttl 3600 "${args[@]}" >"$file" || die "rumorctl token issue"
}
