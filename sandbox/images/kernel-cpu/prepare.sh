#!/usr/bin/env bash
# Fills CONTEXT/wheels with the host's torch version (CPU build) and numpy, plus their
# dependencies, fetched by the host's pip (its index or wheel directories), so the image
# builds without the container reaching PyPI and matches the host's torch exactly.
set -euo pipefail
ctx="$1"
version="$(python3 -c 'import torch; print(torch.__version__)' 2>/dev/null || echo 2.13.0+cpu)"
numpy="$(python3 -c 'import numpy; print(numpy.__version__)' 2>/dev/null || echo "")"
mkdir -p "$ctx/wheels"
python3 -m pip download --quiet --only-binary=:all: --python-version 3.11 --platform manylinux_2_28_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform any \
    -d "$ctx/wheels" "torch==$version" "numpy${numpy:+==$numpy}"
# The Dockerfile's pin is the public version; the local tag (+cpu) is in the wheel name.
sed -i "s/^ARG TORCH_VERSION=.*/ARG TORCH_VERSION=${version}/" "$ctx/Dockerfile"
