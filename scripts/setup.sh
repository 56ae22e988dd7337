#!/usr/bin/env bash
# Create ./.venv and install Clearance with everything its tests and tools need.
# Every package comes from requirements.lock (exact versions, checked against their hashes; see
# scripts/lock.sh), then the project itself is installed editable without resolving anything more.
# Safe to run again: an existing environment is reused and brought up to date with the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
pip=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --require-hashes --no-deps -r requirements.lock
# The build backend (setuptools, wheel) is in the lock too, so no unpinned build environment is fetched.
"${pip[@]}" --no-deps --no-build-isolation -e .
