#!/bin/sh
# `npm test`'s first step (pretest): the browser test drives Debian's chromium package through
# playwright-core, which downloads no browser. On a fresh machine it is missing, so it is
# installed here with apt-get when that is possible (root, or sudo without a password prompt);
# otherwise the run stops with what to do. The browser test is never skipped.
set -eu

CHROMIUM="${CAMHUB_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi

fail() {
  echo "" >&2
  echo "npm test needs Chromium for the browser test, and $CHROMIUM is missing." >&2
  echo "$1" >&2
  echo "Install Debian's chromium package (apt-get install chromium) or set CAMHUB_CHROMIUM" >&2
  echo "to a Chromium binary, then run npm test again." >&2
  exit 1
}

if [ -n "${CAMHUB_CHROMIUM:-}" ]; then
  fail "CAMHUB_CHROMIUM names a file that is not an executable, so nothing is installed."
fi
if ! command -v apt-get >/dev/null 2>&1; then
  fail "This machine has no apt-get to install it with."
fi
if [ "$(id -u)" -eq 0 ]; then
  AS_ROOT=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  AS_ROOT="sudo -n"
else
  fail "Installing it needs root or sudo without a password, and this user has neither."
fi

echo "Chromium is missing at $CHROMIUM: installing Debian's chromium package with apt-get."
# Noninteractive, stdin closed: CI has no terminal, and a question would hang the run.
$AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null ||
  fail "apt-get update failed (see above)."
$AS_ROOT env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  chromium </dev/null || fail "apt-get install chromium failed (see above)."
if [ ! -x "$CHROMIUM" ]; then
  fail "apt-get installed the chromium package, but it did not put Chromium at $CHROMIUM."
fi
echo "Chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
