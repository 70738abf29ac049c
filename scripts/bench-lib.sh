# SPDX-License-Identifier: BSD-3-Clause
# What the benchmarks (scripts/bench-*.sh) share, on top of the lab
# (scripts/lab.sh: unique names, clean-up, nodes): the build, EAL and
# vdev arguments, the MAC net_pcap gives its port, dpdk-testpmd runs,
# rates read from a dataplane's statistics, medians and percentiles, and
# the last line each benchmark prints for tools to parse. Sourced, never
# run.

. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

# bench_fail MESSAGE: "bench-NAME: MESSAGE" on stderr, exit 1.
bench_fail() { echo "$(basename "$0" .sh): $*" >&2; exit 1; }

# bench_options SPEC ARGS...: a benchmark's options. SPEC lists
# LETTER=VARIABLE for each option that takes a value (-LETTER VALUE sets
# VARIABLE) and LETTER=VARIABLE=VALUE for each flag (-LETTER sets
# VARIABLE to VALUE). -h, or an option not in SPEC, prints the help text
# (the script's opening comment) and exits 2.
bench_options() {
	local spec=$1 letters= s o var
	shift
	for s in $spec; do
		case $s in
		?=*=*) letters+=${s%%=*} ;;
		*) letters+="${s%%=*}:" ;;
		esac
	done
	OPTIND=1
	while getopts "${letters}h" o "$@"; do
		for s in $spec; do
			[ "${s%%=*}" = "$o" ] || continue
			var=${s#*=}
			case $var in
			*=*) printf -v "${var%%=*}" '%s' "${var#*=}" ;;
			*) printf -v "$var" '%s' "$OPTARG" ;;
			esac
			continue 2
		done
		lab_usage
		exit 2
	done
}

# bench_creds DIR N: node credentials for nodes 1 to N, as an operator
# issues them (rumorctl cred issue): DIR/nID.key and the roster DIR/roster.
bench_creds() {
	local i
	: >"$1/roster"
	for i in $(seq 1 "$2"); do
		"$B/control/rumorctl" cred issue --id "$i" \
			--roster "$1/roster" --out "$1/n$i.key" >/dev/null ||
			bench_fail "cannot issue node $i's credentials"
	done
}

# bench_sink_conf FILE NET N [CREDS]: node 1 of a ring of N members at
# NET.1 to NET.N, the others reached through port 1 (a net_null sink) at
# static MACs 02:00:00:00:00:ID, its sink NET.100:9001; with CREDS (a
# directory bench_creds filled), node 1's node_key and the roster, so that
# node-to-node messages are authenticated.
bench_sink_conf() {
	local net=$2 n=$3 creds=${4:-} i
	{
		if [ -n "$creds" ]; then
			echo "node_key = $creds/n1.key"
			echo "roster = $creds/roster"
		fi
		echo "# Node 1 of $n; members reached through port 1" \
			"(the net_null sink)."
		echo "node_id = 1"
		# Fan-out alone: the members are a sink that never answers a
		# REPLICATE (replication's cost is measured on its own).
		echo "replicas = 1"
		echo "client_auth = none"
		echo "address = $net.1"
		echo "dpdk_port = 1"
		echo "control_socket = $LAB_DIR/node.ctl"
		echo "sink = $net.100:9001 mac=02:00:00:00:00:64"
		echo "member = 1 $net.1"
		for ((i = 2; i <= n; i++)); do
			printf 'member = %d %s.%d mac=02:00:00:00:00:%02x\n' \
				"$i" "$net" "$i" "$i"
		done
	} >"$1"
}

# bench_build: B, the build directory (BUILD, default build/ at the top),
# brought up to date by scripts/setup.sh, which installs what is missing
# first.
bench_build() {
	B=${BUILD:-$LAB_TOP/build}
	bash "$LAB_TOP/scripts/setup.sh" "$B" >/dev/null
	BUILD=$B
}

# bench_eal VAR MEGABYTES LCORES [NAME]: VAR, the EAL options of one
# process: no hugepages, no PCI, MEGABYTES of memory, the --lcores map
# LCORES, DPDK file prefix ${LAB}NAME (removed at exit).
bench_eal() {
	local -n eal_ref=$1
	lab_prefix "${LAB}${4:-}"
	eal_ref=(--no-huge --no-shconf --no-pci -m "$2" --lcores "$3"
		--log-level=error --file-prefix "${LAB}${4:-}")
}

# bench_vdevs VAR PCAP [QUEUES]: VAR, port 0 a net_pcap replaying PCAP
# from memory (infinite_rx=1) on QUEUES receive queues (default 1), port
# 1 a net_null sink that receives nothing.
bench_vdevs() {
	local -n vdev_ref=$1
	local rx= i
	for ((i = 0; i < ${3:-1}; i++)); do
		rx+=",rx_pcap=$2"
	done
	vdev_ref=(--vdev="net_pcap0$rx,infinite_rx=1" --vdev=net_null0,no-rx=1)
}

# bench_memif N ROLE SOCKET MAC: a net_memif device's arguments.
bench_memif() {
	echo "net_memif$1,role=$2,socket=$3,socket-abstract=no,mac=$4"
}

# bench_pcap_mac EAL_VAR IP: the MAC address net_pcap gives its port,
# asked of rumor-dataplane (--list-ports) rather than guessed.
bench_pcap_mac() {
	local -n mac_eal=$1
	local mac
	"$B/tests/tools/rumor-pcapgen" -o "$LAB_DIR/probe.pcap" \
		--dst-mac 02:00:00:00:00:01 --dst-ip "$2" --count 1 >/dev/null
	mac=$("$B/dataplane/rumor-dataplane" "${mac_eal[@]}" \
		--vdev="net_pcap0,rx_pcap=$LAB_DIR/probe.pcap" \
		-- --list-ports 2>/dev/null | awk '$4 == "net_pcap0" { print $8 }')
	[ -n "$mac" ] || bench_fail "cannot read net_pcap's MAC"
	echo "$mac"
}

# bench_testpmd SECONDS ARGS...: dpdk-testpmd ARGS (EAL options, "--",
# its own) printing statistics every second for about SECONDS; the
# median of port 1's Tx-pps samples in Mpps, the first two dropped. With
# --stats-period testpmd runs until signalled; its stdin is held open
# (it would quit at EOF before forwarding).
bench_testpmd() {
	local secs=$1
	shift
	{ timeout -s INT -k 5 $((secs + 2)) dpdk-testpmd "$@" \
		--total-num-mbufs=16383 --stats-period 1 --auto-start \
		< <(sleep $((secs + 10))) 2>&1 || true; } |
		awk '/NIC statistics for port 1/ { p = 1 }
			/NIC statistics for port 0/ { p = 0 }
			p && /Tx-pps:/ { print $2 }' |
		tail -n +3 | bench_median 3 1e6
}

# bench_per_second COUNTER [SCALE [DIGITS]]: from rumor-dataplane's
# --stats-interval output on stdin, COUNTER's increase a second over each
# interval, divided by SCALE, one a line.
bench_per_second() {
	awk -v c="$1" -v s="${2:-1}" -v d="${3:-0}" '
		/^rumor-dataplane statistics/ { t = $(NF - 1); sub(/\(/, "", t) }
		$1 == c { if (n++ && t > pt)
				printf("%." d "f\n", ($2 - pv) / (t - pt) / s)
			pv = $2; pt = t }'
}

# bench_pct P [DIGITS [SCALE [NONE]]]: the P-th percentile (nearest
# rank) of the numbers on stdin, divided by SCALE and printed with DIGITS
# decimals (as it is without DIGITS); NONE (default n/a) if there are
# none.
bench_pct() {
	sort -n | awk -v p="$1" -v d="${2:-}" -v s="${3:-1}" \
		-v none="${4:-n/a}" '
		{ v[NR] = $1 }
		END { if (NR == 0) { print none; exit }
			i = int((NR - 1) * p / 100) + 1
			if (d == "") print v[i]
			else printf("%." d "f\n", v[i] / s) }'
}

# bench_median DIGITS [SCALE]: the median of the numbers on stdin; 0 if
# there are none.
bench_median() { bench_pct 50 "$1" "${2:-1}" 0; }

# bench_ratio A B DIGITS: A / B (0 if B is not above 0).
bench_ratio() {
	awk -v a="$1" -v b="$2" -v d="$3" \
		'BEGIN { printf("%." d "f", (b > 0) ? a / b : 0) }'
}

# bench_fields TAG KEY...: on stdin's lines that begin with the word TAG
# (such as "krelay:" or "probe:"), the values of the KEY=VALUE fields
# named, in that order.
bench_fields() {
	local tag=$1
	shift
	awk -v tag="$tag" -v keys="$*" '$1 == tag {
		for (i = 2; i <= NF; i++) {
			split($i, kv, "=")
			v[kv[1]] = kv[2]
		}
		n = split(keys, k, " ")
		for (i = 1; i <= n; i++)
			printf("%s%s", v[k[i]], i < n ? " " : "\n") }'
}

# bench_sample NAME VALUE: one more sample (a line) of NAME.
bench_sample() { echo "$2" >>"$LAB_DIR/$1.samples"; }

# bench_median_of NAME DIGITS [FIELD]: the median of NAME's samples (of
# their FIELD-th field, default the first); 0 without samples.
bench_median_of() {
	touch "$LAB_DIR/$1.samples"
	awk -v f="${3:-1}" '{ print $f }' "$LAB_DIR/$1.samples" |
		bench_median "$2"
}

# bench_report NAME KEY=VALUE...: the last line, "NAME: KEY=VALUE ...",
# that tools parse.
bench_report() { echo "$1: ${*:2}"; }
