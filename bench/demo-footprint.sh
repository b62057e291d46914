#!/bin/sh
# B4 (demo): the whole `ringdesk --demo` process — the app, its hub and both simulators, all in
# one process — once the demo's opening calls have played and it has been left alone.
# Usage: sh bench/demo-footprint.sh BUILD_DIR IDLE_SECONDS
# Runs under Xvfb and a private D-Bus session with a mock notification server (python3-dbusmock)
# and a fake browser (a desktop entry that only logs the URL), in a throw-away HOME; the window
# is open, as the demo shows it. Prints b4_demo_* lines.
set -eu
build=$(cd "$1" && pwd)
idle=$2
work=$(mktemp -d /tmp/rd-bench-demo-XXXXXX)
mkdir -p "$work/home" "$work/config" "$work/data/applications" "$work/cache" "$work/runtime"
chmod 700 "$work/runtime"
printf '#!/bin/sh\necho "$1" >> %s/browser.log\n' "$work" >"$work/browser.sh"
chmod +x "$work/browser.sh"
printf '[Desktop Entry]\nType=Application\nName=Fake\nExec=%s %%u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;\n' \
  "$work/browser.sh" >"$work/data/applications/fake-browser.desktop"
printf '[Default Applications]\nx-scheme-handler/http=fake-browser.desktop\nx-scheme-handler/https=fake-browser.desktop\n' \
  >"$work/config/mimeapps.list"

cat >"$work/measure.sh" <<EOS
set -eu
/usr/bin/python3 -m dbusmock --session -t notification_daemon -p '{"capabilities": "body actions persistence"}' \
  -l "$work/notify.log" >/dev/null 2>&1 &
mock=\$!
sleep 1
start=\$(date +%s%N)
"$build/src/app/ringdesk" --demo >"$work/app.log" 2>&1 &
app=\$!
# The opening script: an answered call from a contact, then a missed call (about 25 s).
n=0
while ! grep -q "Missed call from" "$work/notify.log" 2>/dev/null && [ \$n -lt 600 ]; do sleep 0.1; n=\$((n + 1)); done
[ \$n -lt 600 ] || { echo "b4_demo_failed: 1 run"; kill \$app \$mock; exit 1; }
echo "b4_demo_script: \$(( (\$(date +%s%N) - start) / 1000000 )) ms"
sleep $idle
awk '/VmRSS/ {printf "b4_demo_rss: %.3f MB\n", \$2/1024} /VmHWM/ {printf "b4_demo_rss_peak: %.3f MB\n", \$2/1024}' /proc/\$app/status
awk '/^Pss:/ {printf "b4_demo_pss: %.3f MB\n", \$2/1024}' /proc/\$app/smaps_rollup
echo "b4_demo_threads: \$(ls /proc/\$app/task | wc -l) threads"
"$build/src/app/ringdesk" --quit >/dev/null 2>&1 || kill \$app
wait \$app || true
kill \$mock
EOS
env HOME="$work/home" XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_CACHE_HOME="$work/cache" \
  XDG_RUNTIME_DIR="$work/runtime" GSETTINGS_BACKEND=memory GDK_BACKEND=x11 NO_AT_BRIDGE=1 \
  xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" dbus-run-session -- sh "$work/measure.sh" 2>/dev/null
[ -n "${RD_BENCH_KEEP:-}" ] || rm -rf "$work"
