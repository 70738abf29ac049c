#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Start, stop and inspect one rumor node: rumor-dataplane and the
# rumor-control that drives its membership. See docs/control.md.
set -euo pipefail

prog=rumor-node.sh

usage() {
	cat <<EOF
usage: $prog start  --config FILE [--build DIR] [--log-dir DIR] [--run-dir DIR]
                    [--timeout S] [--log-level LEVEL] [--raft-wait S]
                    [-- DATAPLANE_ARGS...]
       $prog stop   --config FILE [--run-dir DIR] [--timeout S]
       $prog status --config FILE [--build DIR] [--run-dir DIR]

Runs one rumor node: rumor-dataplane in the background, then, once its
control socket is there, rumor-control, and waits until "rumorctl members"
answers. Each process records its pid in the run directory and writes
its log in the log directory. "start" starts whichever of the two is not
running, so it also restarts a rumor-control that died.

"stop" sends SIGTERM to rumor-control (it leaves the cluster gracefully),
waits for it, then sends SIGTERM to rumor-dataplane and waits; either
gets SIGKILL if it is still there after the timeout.

options:
  --config FILE      node configuration, read by both processes
  --build DIR        take the programs from a build directory
                     (DIR/dataplane/rumor-dataplane, DIR/control/...);
                     default: from PATH
  --log-dir DIR      logs: node-ID.dataplane.log, node-ID.control.log
                     (default /var/log/rumor)
  --run-dir DIR      pid files: node-ID.dataplane.pid, node-ID.control.pid
                     (default /run/rumor)
  --timeout S        how long to wait for each process to come up or to
                     stop (default 60)
  --log-level LEVEL  rumor-control's log level (default info)
  --raft-wait S      with voters configured, how long start waits for a
                     Raft leader (or for rumor-control to refuse a voter
                     set that differs from its peers') before it returns
                     (default 3)
  -- DATAPLANE_ARGS  EAL options, then "--" and further rumor-dataplane
                     options; "--config FILE" is added after that "--"
  -h, --help         this text

Example, in a network namespace:
  ip netns exec ns1 $prog start --config /etc/rumor/node.conf -- \\
      --no-huge --no-shconf --no-pci -m 256 -l 0-1 --file-prefix n1 \\
      --vdev=net_af_packet0,iface=veth1 -- --idle-sleep 20
EOF
}

die() { echo "$prog: $*" >&2; exit 1; }

cmd=${1:-}
case $cmd in
start|stop|status) shift ;;
-h|--help) usage; exit 0 ;;
"") usage >&2; exit 2 ;;
*) echo "$prog: unknown command '$cmd'" >&2; usage >&2; exit 2 ;;
esac

conf= build= log_dir=/var/log/rumor run_dir=/run/rumor timeout=60 raft_wait=3
log_level=info
dp_args=()
while [ $# -gt 0 ]; do
	case $1 in
	--config) conf=${2:?--config needs a file}; shift 2 ;;
	--build) build=${2:?--build needs a directory}; shift 2 ;;
	--log-dir) log_dir=${2:?--log-dir needs a directory}; shift 2 ;;
	--run-dir) run_dir=${2:?--run-dir needs a directory}; shift 2 ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
	--raft-wait) raft_wait=${2:?--raft-wait needs seconds}; shift 2 ;;
	--log-level) log_level=${2:?--log-level needs a level}; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	--) shift; dp_args=("$@"); break ;;
	*) echo "$prog: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
[ -n "$conf" ] || die "--config FILE is required"
[ -r "$conf" ] || die "$conf: cannot read it"
case $timeout in
''|*[!0-9]*) die "--timeout: expected whole seconds, got '$timeout'" ;;
esac
case $raft_wait in
''|*[!0-9]*) die "--raft-wait: expected whole seconds, got '$raft_wait'" ;;
esac
# Both processes get the same absolute path, whatever their directory.
conf=$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")

# conf_get KEY: the last value of KEY in the configuration, if any.
conf_get() {
	sed -e 's/#.*//' "$conf" | awk -F= -v k="$1" '
		{ key = $1; gsub(/^[ \t\r]+|[ \t\r]+$/, "", key) }
		key == k { v = substr($0, index($0, "=") + 1)
			gsub(/^[ \t\r]+|[ \t\r]+$/, "", v); val = v }
		END { print val }'
}

node_id=$(conf_get node_id)
[ -n "$node_id" ] || die "$conf: no node_id"
ctl_sock=$(conf_get control_socket)
admin_sock=$(conf_get admin_socket)
ctl_sock=${ctl_sock:-/run/rumor-$node_id.ctl}
admin_sock=${admin_sock:-/run/rumor-$node_id.admin}
dp_pidf=$run_dir/node-$node_id.dataplane.pid
cp_pidf=$run_dir/node-$node_id.control.pid
dp_log=$log_dir/node-$node_id.dataplane.log
cp_log=$log_dir/node-$node_id.control.log

# program NAME: where to find it.
program() {
	local p
	if [ -n "$build" ]; then
		case $1 in
		rumor-dataplane) p=$build/dataplane/$1 ;;
		*) p=$build/control/$1 ;;
		esac
		[ -x "$p" ] || die "no $p: build first"
	else
		p=$(command -v "$1") || die "$1 not found in PATH (or give --build DIR)"
	fi
	echo "$p"
}

# running PIDFILE NAME: print the pid if that process is alive and is
# NAME (a pid the system gave to another program since does not count).
running() {
	local pid exe
	[ -r "$1" ] || return 1
	read -r pid <"$1" || return 1
	case $pid in ''|*[!0-9]*) return 1 ;; esac
	[ -r "/proc/$pid/cmdline" ] || return 1
	exe=$(tr '\0' '\n' <"/proc/$pid/cmdline" | head -n 1)
	[ "$(basename "$exe")" = "$2" ] || return 1
	alive "$pid" || return 1
	echo "$pid"
}

# alive PID: the process exists and has not exited.
alive() {
	[ -r "/proc/$1/stat" ] &&
		[ "$(sed -e 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1)" != Z ]
}

# launch PIDFILE LOG PROGRAM ARGS...: start PROGRAM in the background in
# a session of its own (no terminal's signals reach it). The process
# itself writes its pid before it becomes PROGRAM, so the pid is right
# even if setsid has to fork.
launch() {
	local pidf=$1 log=$2 i
	shift 2
	rm -f "$pidf"
	echo "==== $(date '+%F %T') $prog start" >>"$log"
	setsid sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' \
		"$pidf" "$@" </dev/null >>"$log" 2>&1 &
	for ((i = 0; i < 100; i++)); do
		[ -s "$pidf" ] && break
		sleep 0.05
	done
	[ -s "$pidf" ] || die "could not start $1"
	cat "$pidf"
}

# stop_one PIDFILE NAME
stop_one() {
	local pid i
	if ! pid=$(running "$1" "$2"); then
		echo "$2: not running"
		rm -f "$1"
		return 0
	fi
	echo "$2: stopping (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < timeout * 10; i++)); do
		running "$1" "$2" >/dev/null || break
		sleep 0.1
	done
	if running "$1" "$2" >/dev/null; then
		echo "$2: still there after ${timeout} s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.2
	fi
	rm -f "$1"
}

# tail_log FILE NAME: the end of a log, to say why a process died.
tail_log() {
	echo "---- last lines of $1 ----" >&2
	tail -n 20 "$1" >&2 || true
}

do_start() {
	local dp cp ctl eal=() extra=() seen=0 a i old_ino ino pid cp_pid lead
	local dp_started=
	dp=$(program rumor-dataplane)
	cp=$(program rumor-control)
	ctl=$(program rumorctl)
	mkdir -p "$run_dir" "$log_dir"

	if pid=$(running "$dp_pidf" rumor-dataplane); then
		echo "rumor-dataplane: already running (pid $pid)"
	else
		# EAL options, then "--config FILE" first among rumor's own.
		for a in "${dp_args[@]}"; do
			if [ $seen = 0 ] && [ "$a" = -- ]; then
				seen=1
			elif [ $seen = 0 ]; then
				eal+=("$a")
			else
				extra+=("$a")
			fi
		done
		# A socket file left by a dataplane that was killed must not
		# pass for the new one's (whose inode number may be the same).
		old_ino=$(stat -c '%i %.9Y' "$ctl_sock" 2>/dev/null || true)
		pid=$(launch "$dp_pidf" "$dp_log" "$dp" "${eal[@]}" -- \
			--config "$conf" "${extra[@]}")
		dp_started=$pid
		echo "rumor-dataplane: started (pid $pid), log $dp_log"
		for ((i = 0; ; i++)); do
			ino=$(stat -c '%i %.9Y' "$ctl_sock" 2>/dev/null || true)
			if [ -S "$ctl_sock" ] && [ "$ino" != "$old_ino" ]; then
				break
			fi
			if ! alive "$pid"; then
				rm -f "$dp_pidf"
				tail_log "$dp_log"
				die "rumor-dataplane exited before its control socket $ctl_sock appeared"
			fi
			if [ $i -ge $((timeout * 10)) ]; then
				tail_log "$dp_log"
				stop_one "$dp_pidf" rumor-dataplane >/dev/null
				die "no control socket $ctl_sock after ${timeout} s"
			fi
			sleep 0.1
		done
	fi

	if pid=$(running "$cp_pidf" rumor-control); then
		echo "rumor-control: already running (pid $pid)"
	else
		pid=$(launch "$cp_pidf" "$cp_log" "$cp" --config "$conf" \
			--log-level "$log_level")
		echo "rumor-control: started (pid $pid), log $cp_log"
	fi
	cp_pid=$pid
	# It answers once it is attached to the dataplane.
	for ((i = 0; ; i++)); do
		if "$ctl" --socket "$admin_sock" members >/dev/null 2>&1; then
			break
		fi
		if ! alive "$cp_pid"; then
			rm -f "$cp_pidf"
			tail_log "$cp_log"
			[ -z "$dp_started" ] ||
				stop_one "$dp_pidf" rumor-dataplane >/dev/null
			die "rumor-control exited"
		fi
		if [ $i -ge $((timeout * 10)) ]; then
			tail_log "$cp_log"
			die "rumorctl members got no answer from $admin_sock after ${timeout} s"
		fi
		sleep 0.1
	done
	# With Raft, a node refuses to start when a peer's voter set
	# differs: give it the time to hear one (or a leader) so that the
	# refusal shows here and not only in its log.
	if [ -n "$(conf_get voter)" ]; then
		for ((i = 0; i < raft_wait * 10; i++)); do
			if ! alive "$cp_pid"; then
				rm -f "$cp_pidf"
				tail_log "$cp_log"
				die "rumor-control exited (Raft)"
			fi
			# rumor-control may exit between the check above and
			# this question: no answer is no leader yet.
			lead=$("$ctl" --socket "$admin_sock" raft 2>/dev/null |
				awk '$1 == "leader" { print $2 }') || lead=
			[ -n "$lead" ] && [ "$lead" != 0 ] && break
			sleep 0.1
		done
	fi
	echo "node $node_id: up; rumorctl --socket $admin_sock members"
}

do_stop() {
	# rumor-control first: its leave goes out through the dataplane.
	stop_one "$cp_pidf" rumor-control
	stop_one "$dp_pidf" rumor-dataplane
}

do_status() {
	local pid rc=0
	if pid=$(running "$dp_pidf" rumor-dataplane); then
		echo "rumor-dataplane: running (pid $pid)"
	else
		echo "rumor-dataplane: not running"
		rc=3
	fi
	if pid=$(running "$cp_pidf" rumor-control); then
		echo "rumor-control: running (pid $pid)"
		"$(program rumorctl)" --socket "$admin_sock" members || rc=3
	else
		echo "rumor-control: not running"
		rc=3
	fi
	return $rc
}

case $cmd in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
esac
