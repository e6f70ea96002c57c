#!/usr/bin/env bash
# Installs MaxCode on a fresh Debian machine, as root: the Python package (CPU PyTorch
# pinned, so pip does not pull a multi-GB CUDA build), bubblewrap for the local sandbox,
# the Docker engine, and the sandbox images built offline. Safe to re-run: finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet torch==2.13.0 -e ".[dev,ray]"
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
