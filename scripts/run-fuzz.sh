#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Build the libFuzzer targets with clang, ASan and UBSan, and run each for
# FUZZ_SECONDS (default 20) on a scratch copy of its seed corpus
# (tests/fuzz/corpus/<target>/), so the tree stays clean. Prints one line
# per target; exits non-zero if any target crashes or fails an invariant.
#
# Usage: scripts/run-fuzz.sh [BUILD_DIR]
#   BUILD_DIR    build directory (default: <repo>/build-fuzz; also
#                FUZZ_BUILD_DIR). A relative path is taken from the
#                current directory.
#   FUZZ_SECONDS seconds per target (default 20).
#   FUZZ_TARGETS targets to run (default: all of them).
# Crash inputs are kept in BUILD_DIR/fuzz-artifacts/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-${FUZZ_BUILD_DIR:-$root/build-fuzz}}
case $build in
/*) ;;
*) build=$PWD/$build ;;
esac
seconds=${FUZZ_SECONDS:-20}
# Every tests/fuzz/fuzz_*.c is a target.
all_targets=$(cd "$root/tests/fuzz" && ls fuzz_*.c | sed 's/\.c$//' | xargs)
targets=${FUZZ_TARGETS:-$all_targets}

if ! command -v clang >/dev/null 2>&1; then
	echo "run-fuzz: clang not found (libFuzzer needs it)" >&2
	exit 1
fi

opts=(-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
	-Dbuildtype=debugoptimized -Dc_args=-fsanitize=fuzzer-no-link)
if [ -f "$build/build.ninja" ]; then
	meson setup --reconfigure "${opts[@]}" "$build" "$root" >/dev/null
else
	CC=clang meson setup "${opts[@]}" "$build" "$root" >/dev/null
fi
ninja_targets=()
for t in $targets; do
	ninja_targets+=("tests/fuzz/$t")
done
ninja -C "$build" "${ninja_targets[@]}" >/dev/null

scratch=$(mktemp -d "${TMPDIR:-/tmp}/rumor-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
artifacts=$build/fuzz-artifacts
mkdir -p "$artifacts"

# UB is a finding like any crash; leaks too.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

failed=0
for t in $targets; do
	corpus=$scratch/corpus/$t
	log=$scratch/$t.log
	mkdir -p "$corpus"
	if [ -d "$root/tests/fuzz/corpus/$t" ]; then
		cp -R "$root/tests/fuzz/corpus/$t/." "$corpus/"
	fi
	status=ok
	if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" \
			-timeout=10 -print_final_stats=1 \
			-artifact_prefix="$artifacts/$t-" "$corpus" \
			>"$log" 2>&1; then
		status=FAILED
		failed=1
	fi
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	units=$(find "$corpus" -type f | wc -l)
	printf '%-16s %-6s %10s executions in %ss, corpus %s inputs\n' \
		"$t" "$status" "${execs:-?}" "$seconds" "$units"
	if [ "$status" != ok ]; then
		echo "---- $t: last lines of its log ----" >&2
		tail -n 40 "$log" >&2
		echo "---- crash inputs in $artifacts ----" >&2
	fi
done
exit "$failed"
