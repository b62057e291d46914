#!/bin/sh
# Installs what is missing, builds Ringdesk and runs every test suite (unit, end-to-end with the
# simulators, GUI under Xvfb with a private D-Bus session, fuzz corpora, and the core/pbx/crm suites
# and hub/agent/security/fuzz/web again under AddressSanitizer + UndefinedBehaviorSanitizer). Ends with "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh

run_suites() {
  # $1 = build dir, rest = extra meson test arguments
  dir=$1; shift
  GDK_BACKEND=x11 GSK_RENDERER=cairo xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" \
    dbus-run-session -- meson test -C "$dir" --print-errorlogs --no-suite bench "$@" || true
}

[ -f build/build.ninja ] || meson setup build
ninja -C build
run_suites build

[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dapp=false
ninja -C build-asan
run_suites build-asan --suite core --suite pbx --suite crm --suite hub --suite agent --suite security --suite fuzz --suite web

python3 tools/test-summary.py build/meson-logs/testlog.json build-asan/meson-logs/testlog.json
