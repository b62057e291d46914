#!/bin/sh
# B4: the desktop app's footprint. Usage: sh bench/app-footprint.sh BUILD_DIR IDLE_SECONDS
# Runs rd-bench-app (simulators + hub process + `ringdesk --background`, signed in, tray registered)
# under Xvfb and a private D-Bus session, and during the idle period counts the app's wake-ups by
# cause with strace (every thread's poll/ppoll returns: rc 0 = a timeout expired = a timer wake-up;
# rc > 0 = a file descriptor woke it: the hub's keep-alive ping, D-Bus, X11).
set -eu
build=$1
idle=$2
work=$(mktemp -d /tmp/rd-bench-app-XXXXXX)
pidfile="$work/pid"

RD_BENCH_APP_PIDFILE="$pidfile" xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" \
  dbus-run-session -- "$build/bench/rd-bench-app" "$build/src/hub/ringdesk-hub" "$build/src/app/ringdesk" \
  "$build/data" "$idle" >"$work/out" 2>"$work/err" &
runner=$!

n=0
while [ ! -s "$pidfile" ] && kill -0 "$runner" 2>/dev/null && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
if [ -s "$pidfile" ] && command -v strace >/dev/null; then
  pid=$(cat "$pidfile")
  timeout "$((idle + 1))" strace -qq -f -ff -e trace=poll,ppoll -o "$work/trace" -p "$pid" 2>/dev/null || true
fi
wait "$runner" || { cat "$work/err" >&2; echo "b4_failed: 1 run"; }
cat "$work/out"

if ls "$work"/trace.* >/dev/null 2>&1; then
  # Complete lines only (-ff: one file per thread, no interleaving); an unfinished call is skipped.
  cat "$work"/trace.* | awk -v idle="$idle" '
    /^(poll|ppoll)\(/ && / = [0-9]+/ {
      rc = $0; sub(/.* = /, "", rc); rc = rc + 0;
      if (rc == 0) timer++; else fd++;
    }
    END {
      printf "b4_wakeups_timer: %d wakeups\n", timer;
      printf "b4_wakeups_fd: %d wakeups\n", fd;
      printf "b4_wakeups_timer_per_min: %.3f wakeups/min\n", timer * 60 / idle;
      printf "b4_wakeups_fd_per_min: %.3f wakeups/min\n", fd * 60 / idle;
      # The agent client keeps two 30 s timers while signed in (the protocol ping and the
      # WebSocket keep-alive): 4 timer wake-ups a minute are the keep-alive; more are extra.
      extra = timer * 60 / idle - 4; if (extra < 0) extra = 0;
      printf "b4_extra_timer_wakeups_per_min: %.3f wakeups/min\n", extra;
    }'
  # Timer wake-ups by poll timeout (ms), for the analysis in RESULTS.md.
  cat "$work"/trace.* | awk '/^(poll|ppoll)\(/ && / = 0 / {
      t = $0; sub(/^[a-z]+\(.*\], [0-9]+, /, "", t); sub(/\).*/, "", t); n[t]++ }
    END { for (t in n) printf "b4_timer_timeout_%s: %d wakeups\n", t, n[t] }' | sort | head -n 10 >&2
fi
[ -n "${RD_BENCH_KEEP:-}" ] || rm -rf "$work"
