#!/usr/bin/env bash
# Create .venv and install vaekit with its test tools. Safe to run again.
# torch==2.13.0 comes first: a bare `torch` requirement would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,docs]"
# Headless Chromium for the report's browser test (it skips, saying why, without one):
# Debian's package, installed when running as root with apt (about 30 s).
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
        || echo "setup.sh: could not install chromium; the browser tests will skip" >&2
fi
