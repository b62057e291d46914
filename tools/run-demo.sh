#!/bin/sh
# Installs what is missing, builds Ringdesk and runs the demo (built-in PBX and Odoo simulators).
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build
exec ./build/src/app/ringdesk --demo "$@"
