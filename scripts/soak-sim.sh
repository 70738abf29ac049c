#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Run one of the simulators over many seeds, in chunks, and report every
# failing seed with the command that reproduces it: raft (rumor-raft-sim,
# about 1,000 seeds in 10 s on a release build) or repl (rumor-repl-sim,
# replicated channels, about 1,000 seeds in 1 s). SIM_OPTIONS go to every
# run (e.g. repl -- --crashes 2 --loss 10). scripts/soak-raft.sh and
# scripts/soak-repl.sh are this script for each.
#
# Usage: scripts/soak-sim.sh raft|repl [FIRST [COUNT [CHUNK]]] [-- SIM_OPTIONS]
#   FIRST  first seed (default 1)
#   COUNT  seeds to run (default 100000)
#   CHUNK  seeds per process (default 1000)
#   BUILD  build directory holding tests/sim/rumor-NAME-sim (default
#          <repo>/build)
#   JOBS   chunks run at once (default 1)
# Exits non-zero if any seed failed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
name=${1:-}
case $name in
raft | repl) shift ;;
*) echo "usage: soak-sim.sh raft|repl [FIRST [COUNT [CHUNK]]] [-- SIM_OPTIONS]" >&2
	exit 2 ;;
esac
first=1 count=100000 chunk=1000
for v in first count chunk; do
	if [ $# -gt 0 ] && [ "$1" != -- ]; then
		printf -v "$v" '%s' "$1"
		shift
	fi
done
[ "${1:-}" = -- ] && shift
build=${BUILD:-$root/build}
sim=$build/tests/sim/rumor-$name-sim
jobs=${JOBS:-1}
if [ ! -x "$sim" ]; then
	echo "soak-$name: $sim not found (ninja -C $build first)" >&2
	exit 1
fi

out=$(mktemp -d "${TMPDIR:-/tmp}/rumor-soak-$name.XXXXXX")
trap 'rm -rf "$out"' EXIT
last=$((first + count - 1))
start=$(date +%s)

run_chunk() {
	local lo=$1 hi=$2
	"$sim" --seeds "$lo-$hi" "${@:3}" >"$out/$lo.log" 2>&1 || true
	grep -h "^$name-sim: seeds" "$out/$lo.log" | sed "s/^$name-sim: //"
}

lo=$first
running=0
while [ "$lo" -le "$last" ]; do
	hi=$((lo + chunk - 1))
	[ "$hi" -gt "$last" ] && hi=$last
	run_chunk "$lo" "$hi" "$@" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	lo=$((hi + 1))
done
wait

failed=$(cat "$out"/*.log | grep -c ' FAILED ' || true)
cat "$out"/*.log | grep -A1 ' FAILED ' | grep -v '^--$' || true
echo "soak-$name: seeds $first-$last: $failed failed," \
	"$(($(date +%s) - start)) s"
[ "$failed" -eq 0 ]
