#!/usr/bin/env bash
# The README's main job: installs what it needs (scripts/install.sh with MAXCODE_INSTALL=main:
# the package and the cpp image, not the kernel images or the test browser; quick when all
# is there), then a five-step refine search over a built-in PIE-style problem with known
# rewrites standing in for an LLM. Arguments are added to the command line (Hydra
# overrides such as run_dir=DIR, or --quiet).
set -euo pipefail
cd "$(dirname "$0")/.."

MAIN_JOB=(benchmarks/suites/pie_mini/pm14_count_queries/slow.cpp proposer=rewrites strategy=refine)

# Only what this job needs (install.sh's --main): the kernel images wait for a kernel task.
export MAXCODE_INSTALL=main
bash scripts/install.sh
exec python3 -m maxcode.cli.main optimize "${MAIN_JOB[@]}" "$@"
