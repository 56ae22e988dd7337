#!/usr/bin/env bash
# Set up ./.venv (see setup.sh) and run the test suite.
# With no arguments: every test except those marked slow (CI runs those too, see .ci/run).
# Arguments go to pytest instead, e.g. scripts/test.sh -m slow, or scripts/test.sh tests/policies.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then
    set -- -m "not slow"
fi
exec .venv/bin/python -m pytest "$@"
