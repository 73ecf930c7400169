#!/bin/sh
# Installs Debian's chromium for tests/test_report.py (headless rendering of report.html).
# Idempotent: does nothing when a chromium is already on PATH. Needs root (or sudo) and the
# Debian package mirror; the tests themselves never touch the network.
set -eu

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "setup_chromium: chromium is missing and installing it needs root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null 2>&1
