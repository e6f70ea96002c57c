#!/usr/bin/env bash
# Installs MaxCode on a fresh Debian machine, as root: the Python package (CPU PyTorch
# pinned, so pip does not pull a multi-GB CUDA build; with the dev, ray and tracking extras),
# bubblewrap for the local sandbox, the Docker engine, and the sandbox images built offline.
# Safe to re-run: finished steps are skipped.
#
#   bash scripts/install.sh          everything: what the tests need (CI, scripts/test.sh)
#   MAXCODE_INSTALL=main bash scripts/install.sh   (or --main) what the main job needs
#                                    (scripts/optimize.sh): no extras, no test browser, only
#                                    the cpp image; a kernel image is built the first time a
#                                    task needs it, with progress
#
# The package installs in the background while the system packages and images are set up:
# on a fresh 2-core machine the two take minutes each and mostly wait on different things
# (pip on wheels, the image on apt inside debootstrap and docker build).
set -euo pipefail
cd "$(dirname "$0")/.."

main_only=0
{ [ "${1:-}" = "--main" ] || [ "${MAXCODE_INSTALL:-}" = main ]; } && main_only=1

# pip takes ~7 s to find that nothing is missing, so a stamp records the last install:
# skipped while pyproject.toml, the interpreter and the pinned torch are unchanged, the
# extras asked for were installed (a full install covers --main), and `maxcode` still
# resolves to this checkout (an editable install can be re-pointed). The main job needs no
# extra (ray, the trackers, pytest and ruff): leaving them out of its install saves minutes
# of a fresh machine's first run; the full install adds them.
base="$(cat pyproject.toml setup.py | sha256sum | cut -c1-16) $(python3 -c 'import sys; print(sys.executable)')"
if [ "$main_only" = 1 ]; then spec="."; mode=main; else spec=".[dev,ray,tracking]"; mode=full; fi
installed="$(cat .install-stamp 2>/dev/null || true)"
pip_pid=""
piplog="${TMPDIR:-/tmp}/maxcode-install-pip.log"
# (Checked from /: from here, this checkout's own folder would be found first.)
if { [ "$installed" = "$base full" ] || [ "$installed" = "$base $mode" ]; } \
    && (cd / && python3 - "$OLDPWD") 2>/dev/null <<'PY'
import importlib.metadata, importlib.util, pathlib, sys
assert importlib.metadata.version("torch").startswith("2.13.0")
origin = pathlib.Path(importlib.util.find_spec("maxcode").origin).resolve()
assert origin.parents[1] == pathlib.Path(sys.argv[1]).resolve()
PY
then
    echo "[install] Python package: up to date"
else
    echo "[install] Python package ($mode): installing in the background (log: $piplog)"
    python3 -m pip install --quiet torch==2.13.0 -e "$spec" >"$piplog" 2>&1 &
    pip_pid=$!
fi
# bubblewrap gives sandbox=local its namespaces (no network, private pids, read-only system);
# graphviz's `dot` draws the search tree of a run's report; headless Chromium opens the
# report pages in the tests (and takes screenshots of them), so the main job goes without it.
need=()
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v dot >/dev/null || need+=(graphviz)
# LightGBM's wheel (the lambdarank ranker) links the system's OpenMP runtime. (Not grep -q:
# it exits at the first match, ldconfig then dies of SIGPIPE and pipefail calls it missing.)
ldconfig -p 2>/dev/null | grep -F libgomp.so.1 >/dev/null || need+=(libgomp1)
[ "$main_only" = 1 ] || command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
    echo "[install] apt: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null
fi
bash sandbox/images/install_engine.sh
if [ "$main_only" = 1 ]; then
    bash sandbox/images/build.sh cpp
else
    bash sandbox/images/build.sh
fi
if [ -n "$pip_pid" ]; then
    if ! wait "$pip_pid"; then
        tail -30 "$piplog" >&2
        echo "[install] pip failed (full log: $piplog)" >&2
        exit 1
    fi
    echo "$base $mode" > .install-stamp
    echo "[install] Python package: installed"
fi
