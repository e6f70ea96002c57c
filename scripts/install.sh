#!/usr/bin/env bash
# Installs MaxCode on a fresh Debian machine, as root: the Python package (CPU PyTorch
# pinned, so pip does not pull a multi-GB CUDA build), bubblewrap for the local sandbox,
# the Docker engine, and the sandbox images built offline. Safe to re-run: finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# pip takes ~7 s to find that nothing is missing, so a stamp records the last install:
# skipped while pyproject.toml, the interpreter and the pinned torch are unchanged and
# `maxcode` still resolves to this checkout (an editable install can be re-pointed).
stamp="$(sha256sum pyproject.toml | cut -c1-16) $(python3 -c 'import sys; print(sys.executable)')"
# (Checked from /: from here, this checkout's own folder would be found first.)
if [ "$(cat .install-stamp 2>/dev/null)" = "$stamp" ] && (cd / && python3 - "$OLDPWD") 2>/dev/null <<'PY'
import importlib.metadata, importlib.util, pathlib, sys
assert importlib.metadata.version("torch").startswith("2.13.0")
origin = pathlib.Path(importlib.util.find_spec("maxcode").origin).resolve()
assert origin.parents[1] == pathlib.Path(sys.argv[1]).resolve()
PY
then
    echo "[install] Python package: up to date"
else
    python3 -m pip install --quiet torch==2.13.0 -e ".[dev,ray]"
    echo "$stamp" > .install-stamp
fi
# bubblewrap gives sandbox=local its namespaces (no network, private pids, read-only system).
if ! command -v bwrap >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q bubblewrap >/dev/null
fi
# graphviz's `dot` draws the search tree of `maxcode report`; headless Chromium opens the
# report pages in the tests (and takes screenshots of them).
if ! command -v dot >/dev/null || ! command -v chromium >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q graphviz chromium >/dev/null
fi
bash sandbox/images/install_engine.sh
bash sandbox/images/build.sh
