#!/usr/bin/env bash
# Installs MaxCode on a fresh Debian machine, as root: the Python package (CPU PyTorch
# pinned, so pip does not pull a multi-GB CUDA build), the Docker engine, and the sandbox
# images built offline. Safe to re-run: finished steps are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet torch==2.13.0 -e ".[dev]"
bash sandbox/images/install_engine.sh
bash sandbox/images/build.sh
