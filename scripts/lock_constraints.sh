#!/usr/bin/env sh
# Regenerate constraints.txt: the exact versions the Docker image installs
# (`pip install -c constraints.txt ".[plot,browse]"`), for every platform and Python >= 3.11.
# Needs uv (`pip install uv`). Run after changing dependencies in pyproject.toml, then rebuild.
set -eu
cd "$(dirname "$0")/.."
uv pip compile pyproject.toml --extra plot --extra browse --universal --python-version 3.11 \
    --custom-compile-command "scripts/lock_constraints.sh" --quiet -o constraints.txt
