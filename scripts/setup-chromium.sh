#!/usr/bin/env bash
# Installs headless Chromium (Debian's `chromium` package) for the HTML report test
# (tests/report_html.rs). Idempotent and quiet: does nothing when `chromium` is already on PATH.
# Needs root (or sudo) and network access the first time; CI calls it before `cargo test`.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "setup-chromium: chromium is missing and this is not root (and there is no sudo);" >&2
    echo "setup-chromium: install Debian's 'chromium' package, or set THREADCHECK_SKIP_BROWSER=1" >&2
    exit 1
  fi
else
  SUDO=
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "setup-chromium: apt-get could not install chromium (see above)" >&2
  exit 1
fi
command -v chromium >/dev/null 2>&1 || { echo "setup-chromium: chromium still not on PATH" >&2; exit 1; }
