#!/usr/bin/env bash
# The README's main job: installs what is missing (scripts/install.sh; quick when all is
# there), then a five-step refine search over a built-in PIE-style problem with known
# rewrites standing in for an LLM. Arguments are added to the command line (Hydra
# overrides such as run_dir=DIR, or --quiet).
set -euo pipefail
cd "$(dirname "$0")/.."

MAIN_JOB=(benchmarks/suites/pie_mini/pm14_count_queries/slow.cpp proposer=rewrites strategy=refine)

bash scripts/install.sh
exec python3 -m maxcode.cli.main optimize "${MAIN_JOB[@]}" "$@"
