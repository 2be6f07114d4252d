#!/usr/bin/env bash
# Regenerate every lock in this directory with the real tools, from plain PyPI, then expected.json.
# The tools are pinned to the versions that made the files here (see each TOOL.md); the packages are
# not: a rerun resolves against PyPI as it is then, so versions may move (update the TOOL.md dates).
# Needs CPython 3.11 on x86_64 Linux (pip lock locks for the machine it runs on) and PyPI access.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="${LOCKGEN:-/tmp/lockgen}"
PY311="${PY311:-python3.11}"

# Plain PyPI for every tool: no pip configuration or find-links, no uv configuration,
# and Poetry's and pipenv's caches and virtualenvs kept out of the home directory.
unset PIP_FIND_LINKS
export PIP_CONFIG_FILE=/dev/null UV_NO_CONFIG=1
export POETRY_CACHE_DIR="$WORK/poetry-cache" POETRY_CONFIG_DIR="$WORK/poetry-config"
export WORKON_HOME="$WORK/pipenv-venvs" PIPENV_CACHE_DIR="$WORK/pipenv-cache"

mkdir -p "$WORK"
[ -x "$WORK/venv/bin/python" ] || "$PY311" -m venv "$WORK/venv"
"$WORK/venv/bin/python" -m pip install -q pip==26.3 uv==0.13.9 poetry==2.5.1 poetry-plugin-export==1.10.1 \
    pipenv==2026.10.3 packaging==26.4
export PATH="$WORK/venv/bin:$PATH"

# 1. uv: a fresh resolution (an existing uv.lock would keep its pins).
cd "$HERE/uv"
rm -f uv.lock
uv lock

# 4. pylock.toml exported from that uv.lock: extra yaml; uv's default groups (dev) stay in.
uv export --frozen --format pylock.toml --extra yaml -o ../pylock-uv/pylock.toml

# 2. Poetry (and poetry-fork: the same project with networkx split by python_version).
for dir in poetry poetry-fork; do
    cd "$HERE/$dir"
    rm -f poetry.lock
    poetry lock
done

# 3. pipenv, for Python 3.11.
cd "$HERE/pipenv"
rm -f Pipfile.lock
pipenv --python 3.11 lock

# 5. pip's own lock, for this machine only (CPython 3.11, x86_64).
cd "$HERE/pylock-pip"
rm -f pylock.toml
python -m pip lock -r requirements.in -o pylock.toml

# The oracle, from the tools' exports.
cd "$HERE"
python make_expected.py
