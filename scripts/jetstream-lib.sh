# SPDX-License-Identifier: BSD-3-Clause
# A NATS JetStream cluster of three servers on this host, the other side
# of the publish-ack benchmark (tests/tools/rumor-jsbench.c publishes to
# it). Sourced, never run.
#
#   js_cluster_up DIR   three nats-server processes (from PATH), JetStream
#                       on, routes among them, everything on 127.0.0.1 at
#                       free ports; their configurations, logs and stores
#                       in DIR; returns once all three answer and are
#                       healthy; sets JS_URLS
#   js_cluster_down     stops them (TERM, then KILL after 5 s); safe to
#                       call twice, and when nothing was started
#
# The caller owns DIR (created if missing, never removed here) and stops
# the cluster at exit: trap js_cluster_down EXIT, or, in a script of the
# lab (scripts/lab.sh, whose lab_begin sets its own EXIT trap),
# lab_at_exit js_cluster_down.
#
# Set by js_cluster_up: JS_URLS (nats://127.0.0.1:PORT of servers 1, 2
# and 3, comma-separated, the form rumor-jsbench --servers takes),
# JS_CLUSTER (the cluster's name, unique to this shell), JS_PIDS,
# JS_CLIENT_PORTS, JS_MONITOR_PORTS (/healthz, /jsz, ...), JS_DIR.
# Variables read: JS_MAX_MEMORY (each server's max_memory_store, default
# 1G), JS_UP_SECS (how long the cluster may take to be healthy, default
# 30).

JS_PIDS=()
JS_CLIENT_PORTS=()
JS_MONITOR_PORTS=()
JS_URLS=
JS_CLUSTER=
JS_DIR=

# js_say MESSAGE: "jetstream-lib: MESSAGE" on stderr.
js_say() { echo "jetstream-lib: $*" >&2; }

# js_listening: the TCP ports something listens on, any address, one a
# line.
js_listening() {
	ss -ltn | awk 'NR > 1 { n = split($4, a, ":"); print a[n] }' |
		sort -un
}

# js_free_ports N: N ports nothing listens on, one a line, upwards from
# a random base in 20000-40000 (two clusters of this host rarely start
# from the same place).
js_free_ports() {
	local n=$1 port=$((20000 + RANDOM % 20000)) used
	used=" $(js_listening | tr '\n' ' ') "
	while ((n > 0)); do
		port=$((port + 1))
		((port < 65536)) || port=20000
		case $used in
		*" $port "*) continue ;;
		esac
		echo "$port"
		n=$((n - 1))
	done
}

# js_answers PORT: a NATS server answers on 127.0.0.1:PORT (its INFO
# line, the first thing a server sends a client).
js_answers() {
	local fd line='' ok=1
	{ exec {fd}<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
	read -r -t 1 -u "$fd" line 2>/dev/null || true
	case $line in
	INFO*) ok=0 ;;
	esac
	exec {fd}>&-
	return $ok
}

# js_healthy PORT: the monitoring endpoint on 127.0.0.1:PORT says the
# server is healthy, which, for JetStream in a cluster, means it has
# found the meta leader and caught up with it.
js_healthy() {
	curl -fsS --max-time 1 "http://127.0.0.1:$1/healthz" >/dev/null \
		2>&1
}

# js_conf FILE I CLIENT CLUSTER MONITOR ROUTE...: server I's
# configuration: clients, routes and monitoring on 127.0.0.1 alone.
js_conf() {
	local file=$1 i=$2 client=$3 cluster=$4 monitor=$5 r
	shift 5
	{
		echo "# Server $i of JetStream cluster $JS_CLUSTER" \
			"(scripts/jetstream-lib.sh)."
		echo "server_name: $JS_CLUSTER-$i"
		echo "listen: 127.0.0.1:$client"
		echo "http: 127.0.0.1:$monitor"
		echo "jetstream {"
		echo "  store_dir: \"$JS_DIR/store-$i\""
		echo "  max_memory_store: ${JS_MAX_MEMORY:-1G}"
		echo "}"
		echo "cluster {"
		echo "  name: $JS_CLUSTER"
		echo "  listen: 127.0.0.1:$cluster"
		echo "  routes: ["
		for r in "$@"; do
			echo "    nats-route://127.0.0.1:$r"
		done
		echo "  ]"
		echo "}"
	} >"$file"
}

# js_gone PID: the process has exited (or is a zombie).
js_gone() {
	[ ! -r "/proc/$1/stat" ] ||
		[ "$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null |
			cut -d' ' -f1)" = Z ]
}

# js_mine PID: the process is one this library started, still running:
# a child of this shell (it may not have become nats-server yet), or a
# nats-server with one of DIR's configurations (the pid has not gone to
# another program since).
js_mine() {
	js_gone "$1" && return 1
	[ "$(awk '$1 == "PPid:" { print $2 }' "/proc/$1/status" \
		2>/dev/null)" = "$BASHPID" ] ||
		tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" |
		grep -qF -- "-c $JS_DIR/nats-"
}

# js_cluster_up DIR: see the top. Returns 1 (after stopping what it
# started) if a server does not start or the cluster is not healthy in
# time.
js_cluster_up() {
	local dir=$1 ports i pid t conf up=${JS_UP_SECS:-30}
	local clients routes monitors
	command -v nats-server >/dev/null ||
		{ js_say "no nats-server in PATH"; return 1; }
	((${#JS_PIDS[@]} == 0)) ||
		{ js_say "a cluster is up already: one at a time"; return 1; }
	mkdir -p "$dir"
	JS_DIR=$(cd "$dir" && pwd)
	JS_CLUSTER=rumor-js-$$-$RANDOM
	mapfile -t ports < <(js_free_ports 9)
	clients=("${ports[@]:0:3}")
	routes=("${ports[@]:3:3}")
	monitors=("${ports[@]:6:3}")
	for i in 1 2 3; do
		conf=$JS_DIR/nats-$i.conf
		js_conf "$conf" "$i" "${clients[i - 1]}" "${routes[i - 1]}" \
			"${monitors[i - 1]}" "${routes[@]}"
		nats-server -c "$conf" >"$JS_DIR/nats-$i.log" 2>&1 \
			</dev/null &
		JS_PIDS+=($!)
	done
	JS_CLIENT_PORTS=("${clients[@]}")
	JS_MONITOR_PORTS=("${monitors[@]}")
	JS_URLS=$(printf 'nats://127.0.0.1:%s,' "${clients[@]}")
	JS_URLS=${JS_URLS%,}
	# Until every server answers and is healthy; one that exits early
	# (a port taken since it was picked, a bad store) ends the wait.
	for ((t = 0; t < up * 10; t++)); do
		for pid in "${JS_PIDS[@]}"; do
			if js_gone "$pid"; then
				js_say "nats-server $pid exited; its log:"
				cat "$JS_DIR"/nats-*.log >&2
				js_cluster_down
				return 1
			fi
		done
		for ((i = 0; i < 3; i++)); do
			if ! js_answers "${clients[i]}" ||
					! js_healthy "${monitors[i]}"; then
				break
			fi
		done
		((i < 3)) || return 0
		sleep 0.1
	done
	js_say "cluster $JS_CLUSTER not healthy after $up s;" \
		"server $((i + 1))'s log:"
	tail -n 20 "$JS_DIR/nats-$((i + 1)).log" >&2
	js_cluster_down
	return 1
}

# js_cluster_down: see the top.
js_cluster_down() {
	local pid t alive
	((${#JS_PIDS[@]} > 0)) || return 0
	for pid in "${JS_PIDS[@]}"; do
		if js_mine "$pid"; then
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done
	for ((t = 0; t < 50; t++)); do
		alive=0
		for pid in "${JS_PIDS[@]}"; do
			js_mine "$pid" && { alive=1; break; }
		done
		((alive)) || break
		sleep 0.1
	done
	for pid in "${JS_PIDS[@]}"; do
		if js_mine "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	# Reaped, if children of this shell: no zombie outlives the call.
	for pid in "${JS_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	JS_PIDS=()
	return 0
}
