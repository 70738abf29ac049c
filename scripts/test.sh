#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite, as CI runs it (as root, on Debian 12):
#   1. install what is missing (scripts/setup.sh),
#   2. release build: unit and integration tests (meson test),
#   3. the same tests built with ASan and UBSan,
#   4. every fuzz target for FUZZ_SECONDS (default 15) each.
# Ends with one line "N passed, N failed" and exits non-zero on failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export FUZZ_SECONDS=${FUZZ_SECONDS:-15}
passed=0
failed=0
failures=()

# count BUILD_DIR: add the results of its last meson test run.
count() {
	local p f
	read -r p f < <(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)["result"]
        if r in ("OK", "SKIP", "EXPECTEDFAIL"):
            ok += 1
        else:
            bad += 1
except OSError:
    bad += 1
print(ok, bad)
PY
	)
	passed=$((passed + p))
	failed=$((failed + f))
}

step() { echo; echo "==== $*"; }
fail() { failures+=("$1"); failed=$((failed + 1)); }

step "install and build (release)"
bash scripts/setup.sh build || { echo "setup failed"; exit 1; }

step "tests (release build)"
meson test -C build --print-errorlogs || true
count build

step "tests (ASan + UBSan build)"
if bash scripts/setup.sh build-asan -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debugoptimized >/dev/null; then
	# The sanitizers slow every lcore: a pause the attack test would
	# call a stall in a release build is their jitter here (up to 64 ms
	# seen; the stalls the test exists for last seconds), and five
	# nodes at full rate overrun a receive ring while one of them
	# starts (a PUBLISH lost between its entry node and its owner is
	# lost: it asked for no acknowledgement).
	ATTACKS_STALL_MAX=150 TWO_NODES_RELOAD_RATE=5000 HANDOFF_RATE=1000 \
		meson test -C build-asan --print-errorlogs || true
	count build-asan
else
	fail "ASan/UBSan build"
fi

step "fuzz targets (${FUZZ_SECONDS}s each)"
fuzz_out=$(mktemp)
if bash scripts/run-fuzz.sh build-fuzz | tee "$fuzz_out"; then
	passed=$((passed + $(grep -c ' ok ' "$fuzz_out")))
else
	fail "fuzzing"
fi
rm -f "$fuzz_out"

step "summary"
for f in "${failures[@]:-}"; do
	[ -n "$f" ] && echo "failed: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
