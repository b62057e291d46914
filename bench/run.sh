#!/bin/sh
# Ringdesk benchmarks (B1–B5, see bench/README.md). Not part of the default test run.
#
#   sh bench/run.sh [--quick] [--only LIST] [--build DIR] [--no-record]
#
#   --quick      smaller N for iteration (the recorded run says which mode it used)
#   --only LIST  comma-separated subset of: pop (B1+B2), scale (B3), app (B4), outbox (B5), abuse (B6),
#                e2e (B8: the pop to the app's desktop calls), real (B1+B2 against a real Odoo, not
#                in the default set: needs RD_BENCH_ODOO_URL, RD_BENCH_ODOO_DB, RD_BENCH_ODOO_KEY_FILE
#                and optionally RD_BENCH_ODOO_LOGIN, RD_BENCH_ODOO_PID; see bench/README.md)
#   --build DIR  build directory (default build-bench; configured if missing)
#   --no-record  print only; do not append to bench/RESULTS.md
#
# Prints `name: value unit` lines and appends them, with the date, commit, machine (cores, memory,
# load) and the verdict against each target, to bench/RESULTS.md.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)

mode=full
only=pop,scale,app,outbox,abuse,e2e
build=build-bench
record=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick ;;
    --only) only=$2; shift ;;
    --build) build=$2; shift ;;
    --no-record) record=no ;;
    *) echo "usage: $0 [--quick] [--only pop,scale,app,outbox,abuse,e2e,real] [--build DIR] [--no-record]" >&2; exit 2 ;;
  esac
  shift
done
case "$build" in /*) ;; *) build="$root/$build" ;; esac

want() { case ",$only," in *",$1,"*) return 0 ;; esac; return 1; }

[ -f "$build/build.ninja" ] || meson setup "$build"
targets="bench/rd-bench src/hub/ringdesk-hub"
want app && targets="$targets src/app/ringdesk src/app/ringdesk-embedded.so src/app/ringdesk-keyring.so data/gschemas.compiled bench/rd-bench-app"
want e2e && targets="$targets src/app/ringdesk src/app/ringdesk-embedded.so src/app/ringdesk-keyring.so data/gschemas.compiled bench/rd-bench-e2e"
# shellcheck disable=SC2086
ninja -C "$build" $targets >/dev/null

if [ "$mode" = quick ]; then
  POP="--contacts 100000 --calls 200 --lookups 500"
  SCALE="--agents 200 --rate 50 --seconds 10"
  OUTBOX="--calls 1000 --outage 5"
  ABUSE="--agents 200 --rate 50 --seconds 10 --attack 2000 --flood 3000"
  IDLE=15
  E2E="--contacts 100000 --agents 200 --calls 100"
  REAL="--calls 200 --lookups 500"
else
  POP="--contacts 1000000 --calls 1000 --lookups 2000"
  SCALE="--agents 1000 --rate 50 --seconds 60"
  OUTBOX="--calls 10000 --outage 30"
  ABUSE="--agents 1000 --rate 50 --seconds 60 --attack 2000 --flood 3000"
  IDLE=60
  E2E="--contacts 1000000 --agents 1000 --calls 300"
  REAL="--calls 1000 --lookups 2000"
fi

work=$(mktemp -d /tmp/rd-bench-run-XXXXXX)
# What else runs on the machine (shared with other work): the busiest processes as the run starts.
busy=$(ps -eo pcpu=,comm= --sort=-pcpu | head -n 5 | awk '{printf "%s%s %s%%", (NR > 1 ? ", " : ""), $2, $1}')
out="$work/results.txt"
: >"$out"
hub="$build/src/hub/ringdesk-hub"
bench="$build/bench/rd-bench"

run() {
  name=$1; shift
  echo "== $name: $*" >&2
  start=$(date +%s)
  # Only `name: value unit` lines go to the results (session daemons may print to stdout too).
  (cd "$work" && "$@"; echo $? >"$work/$name.status") 2>"$work/$name.err" | tee "$work/$name.out" |
    grep -E '^[a-z0-9_]+: [-0-9.]+ [^ ]+$' >>"$out" || true
  status=$(cat "$work/$name.status" 2>/dev/null || echo 1)
  if [ "$status" = 0 ]; then
    echo "$name: finished in $(( $(date +%s) - start )) s" >&2
  else
    # A run that died is recorded as such, with the last lines of its log.
    echo "${name}_failed: $status exit-status" | tee -a "$out"
    { grep -v '^\[rd-bench' "$work/$name.err" | tail -n 3 | sed 's/^/    /'; } | tee -a "$work/failures.txt" >&2
  fi
}

# shellcheck disable=SC2086
want pop && run pop "$bench" "$hub" pop $POP
# shellcheck disable=SC2086
want scale && run scale "$bench" "$hub" scale $SCALE
# shellcheck disable=SC2086
want outbox && run outbox "$bench" "$hub" outbox $OUTBOX
# shellcheck disable=SC2086
want abuse && run abuse "$bench" "$hub" abuse $ABUSE
# shellcheck disable=SC2086
want e2e && run e2e sh "$root/bench/e2e-pop.sh" "$build" $E2E
if want real; then
  : "${RD_BENCH_ODOO_URL:?real: set RD_BENCH_ODOO_URL}" "${RD_BENCH_ODOO_DB:?real: set RD_BENCH_ODOO_DB}"
  : "${RD_BENCH_ODOO_KEY_FILE:?real: set RD_BENCH_ODOO_KEY_FILE}"
  # shellcheck disable=SC2086
  run real "$bench" "$hub" real --url "$RD_BENCH_ODOO_URL" --database "$RD_BENCH_ODOO_DB" \
    --key-file "$RD_BENCH_ODOO_KEY_FILE" --login "${RD_BENCH_ODOO_LOGIN:-admin}" \
    --odoo-pid "${RD_BENCH_ODOO_PID:-0}" $REAL
fi
want app && run app sh "$root/bench/app-footprint.sh" "$build" "$IDLE"
# The same with GTK's GL stack loaded (RINGDESK_GPU=1), to show what it costs (see RESULTS.md).
want app && run app_gpu sh -c "RINGDESK_GPU=1 sh '$root/bench/app-footprint.sh' '$build' '$IDLE' | sed 's/^b4_/b4_gpu_/'"
# The demo's one process (app with its window, hub, both simulators) after its opening calls.
want app && run demo sh "$root/bench/demo-footprint.sh" "$build" "$IDLE"

# Verdicts against the targets of the issue (goals to report, not assertions).
verdicts=$(awk '
  BEGIN {
    t["b1_pop_p99"] = "<= 20";  t["b2_fill_time"] = "<= 200"; t["b2_index_lookup_p99"] = "<= 1";
    t["b2_hub_after_calls_rss_peak"] = "<= 200"; t["b2_hub_after_fill_rss_peak"] = "<= 100";
    t["b2_during_fill_pop_p99"] = "<= 20";
    t["b1r_pop_p99"] = "<= 20"; t["b2r_fill_time"] = "<= 60"; t["b2r_index_lookup_p99"] = "<= 1";
    t["b2r_hub_after_fill_rss_peak"] = "<= 100"; t["b2r_during_fill_pop_p99"] = "<= 20";
    t["b8_pop_open_p99"] = "<= 30"; t["b8_pop_notify_p99"] = "<= 30"; t["b8_no_open"] = "== 0";
    t["b8_no_notify"] = "== 0"; t["b8_wrong_record"] = "== 0";
    t["b3_lost_ringing"] = "== 0"; t["b3_duplicated_ringing"] = "== 0"; t["b3_to_wrong_agent"] = "== 0";
    t["b3_lost_ended"] = "== 0"; t["b3_pop_p99"] = "<= 50"; t["b3_hub_rss_peak"] = "<= 150";
    t["b4_rss"] = "<= 25"; t["b4_rss_peak"] = "<= 25"; t["b4_ready"] = "<= 200";
    t["b4_demo_rss"] = "<= 45";
    t["b4_extra_timer_wakeups_per_min"] = "<= 0";
    t["b5_logged_more_than_once"] = "== 0"; t["b5_not_logged"] = "== 0"; t["b5_outbox_dead_after"] = "== 0";
    t["b6_new_sign_in_max"] = "<= 1000"; t["b6_status_max"] = "<= 1000";
    t["b6_lost_ringing"] = "== 0"; t["b6_duplicated_ringing"] = "== 0"; t["b6_to_wrong_agent"] = "== 0";
    t["b6_lost_ended"] = "== 0"; t["b6_rss_after_flood_change"] = "<= 10";
  }
  {
    name = $1; sub(":$", "", name);
    if (name in t) {
      split(t[name], c, " "); v = $2 + 0; lim = c[2] + 0;
      ok = (c[1] == "<=") ? (v <= lim) : (v == lim);
      printf "%-32s %s %s (target %s %s) %s\n", name, $2, $3, c[1], c[2], ok ? "MET" : "MISSED";
    }
  }' "$out")
echo "$verdicts"

if [ "$record" = yes ]; then
  {
    echo
    echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC') — mode: $mode"
    echo
    echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src tests bench ':!bench/RESULTS.md' 2>/dev/null || echo ' (with uncommitted changes in the tree)')"
    echo "- busiest processes at the start (%CPU over their lifetime): $busy"
    echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo) RAM, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- parameters: pop $POP; scale $SCALE; outbox $OUTBOX; abuse $ABUSE; app idle ${IDLE} s; e2e $E2E; ran: $only"
    want real && echo "- real Odoo: $RD_BENCH_ODOO_URL, database $RD_BENCH_ODOO_DB; $REAL"
    echo
    echo '```'
    cat "$out"
    echo '```'
    if [ -s "$work/failures.txt" ]; then
      echo
      echo "Runs that died (last lines of their stderr):"
      echo
      echo '```'
      cat "$work/failures.txt"
      echo '```'
    fi
    echo
    echo "Verdicts:"
    echo
    echo '```'
    echo "$verdicts"
    echo '```'
  } >>"$root/bench/RESULTS.md"
  echo "appended to bench/RESULTS.md" >&2
fi
[ -n "${RD_BENCH_KEEP:-}" ] || rm -rf "$work"
