#!/usr/bin/env bash
# Re-resolve requirements.lock: every package setup.sh installs (the project's dependencies, the
# test and dev extras, and the build backend), each pinned exactly and with its SHA-256 hashes.
#
# The lock is for Linux x86_64 (manylinux_2_28) with CPython 3.11, the platform of CI and of this
# machine; another platform needs its own lock. It is resolved against the indexes pip is configured
# with here (`pip config list`: find-links, extra indexes, constraints), because torch and torchvision
# come from this machine's local indexes.
#
# Existing pins are kept unless they no longer fit pyproject.toml. Arguments go to `uv pip compile`:
#   scripts/lock.sh                    after editing dependencies in pyproject.toml
#   scripts/lock.sh -P typer           move one package to its newest allowed release
#   scripts/lock.sh --upgrade          move everything
# Needs the dev extra (uv) in ./.venv: run scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."

pip_setting() {  # the value pip uses for an option (environment first, then its config files)
    .venv/bin/python -m pip config list 2>/dev/null | sed -n "s/^\(:env:\|global\)\.$1='\(.*\)'\$/\2/p" | head -n 1
}
args=()
index_url=$(pip_setting index-url)
[ -z "$index_url" ] || args+=(--index-url "$index_url")
for url in $(pip_setting extra-index-url); do args+=(--extra-index-url "$url"); done
for dir in $(pip_setting find-links); do args+=(--find-links "$dir"); done
for file in $(pip_setting constraint); do args+=(--constraints "$file"); done

# setuptools and wheel build the editable install (setup.sh installs it without build isolation).
# Requirements of our dependencies that we drop (pyproject.toml [tool.uv] override-dependencies says why).
overrides=$(mktemp)
trap 'rm -f "$overrides"' EXIT
.venv/bin/python - "$overrides" <<'PY'
import sys, tomllib
overrides = tomllib.load(open("pyproject.toml", "rb")).get("tool", {}).get("uv", {}).get("override-dependencies", [])
open(sys.argv[1], "w").write("".join(f"{line}\n" for line in overrides))
PY
printf 'setuptools>=68\nwheel\n' |
    .venv/bin/uv pip compile pyproject.toml - --extra test --extra dev \
        --override "$overrides" --generate-hashes --python-version 3.11 --python-platform x86_64-manylinux_2_28 \
        --index-strategy unsafe-best-match "${args[@]}" \
        --no-emit-index-url --no-emit-find-links \
        --custom-compile-command scripts/lock.sh --output-file requirements.lock "$@"
