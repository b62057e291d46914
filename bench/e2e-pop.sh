#!/bin/sh
# B8: the screen pop end to end (PBX ring event → the app asks the desktop to open the record).
# Usage: sh bench/e2e-pop.sh BUILD_DIR [--contacts N] [--agents N] [--calls N]
# Runs rd-bench-e2e (simulators, the other agents, the desktop's portal / notification / tray
# services on the bus) with the hub as its own process and `ringdesk --background` under Xvfb and a
# private D-Bus session. Prints `name: value unit` lines.
set -eu
build=$1
shift
xvfb-run -a -s "-screen 0 1280x1024x24 -noreset" \
  dbus-run-session -- "$build/bench/rd-bench-e2e" "$build/src/hub/ringdesk-hub" "$build/src/app/ringdesk" \
  "$build/data" "$@"
