#!/usr/bin/env bash
# Install everything the test suite needs, check the habits (lint, format, types), then run
# the suite. Each check that fails stops the run with what to do. Extra arguments go to pytest.
#   bash tests/run.sh            # the checks, then the whole suite
#   bash tests/run.sh -k reach   # the checks, then a part of it
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -e ".[dev]"

# The map tests drive Debian's Chromium headless (never a downloaded browser build).
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ]; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
        (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
    else
        echo "chromium is not installed and cannot be installed here: browser tests will be skipped" >&2
    fi
fi

# check NAME FIX COMMAND...: run COMMAND; when it fails, say which check and how to fix it
check() {
    local name=$1 fix=$2
    shift 2
    echo "tests/run.sh: $name" >&2
    if ! "$@"; then
        echo "tests/run.sh: FAILED: $name -- $fix" >&2
        exit 1
    fi
}

check "ruff check ." "fix the lint errors above (many with: ruff check --fix .)" \
    python -m ruff check .
check "ruff format --check ." "format the files above with: ruff format ." \
    python -m ruff format --check .
check "mypy buurtgeo" "fix the type errors above (configuration: [tool.mypy] in pyproject.toml)" \
    python -m mypy buurtgeo

echo "tests/run.sh: pytest" >&2
exec python -m pytest "$@"
