#!/bin/sh
# Runs one libFuzzer target for a while:
#
#   sh tools/fuzz.sh TARGET [MINUTES]        (TARGET: phone, pbx, crm, agent — whichever exist)
#
# Builds build-fuzz with clang (-Dfuzzing=true, ASan + UBSan, no GTK app), copies the target's seed
# corpus (tests/fuzz/TARGET/corpus) into a work dir outside the repository
# ($RD_FUZZ_WORK, default /tmp/ringdesk-fuzz/TARGET) and fuzzes for MINUTES (default 10) minutes.
# New interesting inputs stay in the work dir; crash / leak / timeout inputs are written to
# WORK/artifacts/. Once the bug is fixed, copy the crash input into tests/fuzz/TARGET/corpus/ so the
# corpus replay test (suite "fuzz") keeps it fixed.
# Ends with one line "fuzz TARGET: N execs in S s, corpus C inputs, K crash inputs".
set -eu
cd "$(dirname "$0")/.."

target=${1:-}
minutes=${2:-10}
if [ -z "$target" ] || [ ! -d "tests/fuzz/$target" ]; then
  echo "usage: $0 TARGET [MINUTES]   (targets: $(ls tests/fuzz | grep -v '\.' | tr '\n' ' '))" >&2
  exit 2
fi
if ! grep -q "fuzz-$target.c" "tests/fuzz/$target/meson.build" 2>/dev/null; then
  echo "fuzz target '$target' has no fuzz-$target.c registered yet" >&2
  exit 2
fi

build=${RD_FUZZ_BUILD:-build-fuzz}
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ meson setup "$build" -Dfuzzing=true -Db_sanitize=address,undefined \
    -Db_lundef=false -Dapp=false
fi
ninja -C "$build" "tests/fuzz/fuzz-$target"

work=${RD_FUZZ_WORK:-/tmp/ringdesk-fuzz}/$target
mkdir -p "$work/corpus" "$work/artifacts"
cp -n "tests/fuzz/$target/corpus/"* "$work/corpus/" 2>/dev/null || true

seconds=$((minutes * 60))
log="$work/fuzz-$(date +%Y%m%d-%H%M%S).log"
echo "fuzzing $target for $minutes min; corpus $work/corpus, crashes $work/artifacts, log $log"
# -fork would use more cores; one job keeps the shared 2-core machine usable.
set +e
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
G_DEBUG=gc-friendly LC_ALL=C.UTF-8 \
  "$build/tests/fuzz/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    "$work/corpus" >"$log" 2>&1
rc=$?
set -e

execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
secs=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
crashes=$(ls "$work/artifacts" | wc -l)
corpus=$(ls "$work/corpus" | wc -l)
tail -n 30 "$log" | grep -E 'ERROR|SUMMARY|deadly|Test unit written' || true
echo "fuzz $target: ${execs:-0} execs in $seconds s (${secs:-0}/s), corpus $corpus inputs, $crashes crash inputs, exit $rc"
exit $rc
