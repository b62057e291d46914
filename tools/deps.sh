#!/bin/sh
# Installs (as root, with apt) whatever Ringdesk needs to build, run and test on Debian 12.
# Only packages that are missing are installed; an up-to-date machine does nothing.
set -eu

PKGS="meson ninja-build pkg-config gcc g++ git
libglib2.0-dev libgtk-4-dev libsoup-3.0-dev libjson-glib-dev libnotify-dev libsecret-1-dev
libsqlite3-dev libphonenumber-dev glib-networking gettext libxml2-utils
desktop-file-utils appstream flatpak-builder
xvfb xauth dbus dbus-daemon dbus-x11 python3 python3-dbusmock gnome-keyring
openssl libargon2-dev libqrencode-dev chromium"

missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing packages:$missing" >&2
    echo "Run this script as root (or with sudo) to install them." >&2
    exit 1
  fi
  echo "Installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # shellcheck disable=SC2086
  apt-get install -y -q --no-install-recommends $missing
fi

# Node.js and npm for the browser tests of the web console: Debian 12's own (Node 18) if there is none.
# playwright-core is pinned to 1.61.1, the last release that runs on Node 18 (1.62 requires Node 20).
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing: nodejs and npm (for the web console's browser tests). Run this script as root." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends nodejs npm
fi

# playwright-core, pinned by tests/web/package-lock.json, into tests/web/node_modules. It drives
# Debian's Chromium (installed above); it never downloads a browser of its own.
web="$(dirname "$0")/../tests/web"
if [ ! -f "$web/node_modules/.package-lock.json" ] || ! cmp -s "$web/package-lock.json" "$web/node_modules/.ringdesk-lock"; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --prefix "$web" --no-audit --no-fund --loglevel=error
  cp "$web/package-lock.json" "$web/node_modules/.ringdesk-lock"
fi
