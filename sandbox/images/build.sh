#!/usr/bin/env bash
# Builds every sandbox image offline, as root, on a machine with a Docker engine.
#
#   bash sandbox/images/build.sh [NAME...]     (default: every folder with a Dockerfile)
#
# 1. maxcode/debian-base: a Debian bookworm minbase root file system from debootstrap,
#    imported with `docker import` (no registry needed; only a Debian apt mirror).
# 2. maxcode/NAME for each folder sandbox/images/NAME/: `docker build` with
#    BASE=maxcode/debian-base. The context is the folder plus the runner's sources
#    (mcrun.c, and zygote.py for warm Python steps); a folder's optional prepare.sh fills extra context (e.g. wheels).
# Idempotent: an image whose label maxcode.context-hash matches the hash of its staged
# context (and base image id) is skipped. CUDA images are built only where a GPU is
# visible (nvidia-smi) or MAXCODE_BUILD_CUDA=1. The docker backend runs this for one image
# the first time a task needs it (sandbox/backends/images.py), with MAXCODE_BUILD_PROGRESS=1.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
RUNNER="$HERE/../runner/mcrun.c"
ZYGOTE="$HERE/../runner/zygote.py"
# Names: ${MAXCODE_IMAGE_PREFIX}NAME (default maxcode/, what sandbox.docker.image_prefix expects).
PREFIX="${MAXCODE_IMAGE_PREFIX:-maxcode/}"
BASE_IMAGE="${MAXCODE_BASE_IMAGE:-${PREFIX}debian-base}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm

log() { echo "[images] $*"; }

if ! docker info >/dev/null 2>&1; then
    echo "[images] the Docker engine does not answer; run: bash sandbox/images/install_engine.sh" >&2
    exit 1
fi

build_base() {
    if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
        log "$BASE_IMAGE: present"
        return
    fi
    command -v debootstrap >/dev/null || { log "installing debootstrap"; apt-get install -y -q debootstrap >/dev/null; }
    local root
    root="$(mktemp -d /tmp/maxcode-rootfs.XXXXXX)"
    log "$BASE_IMAGE: debootstrap $SUITE from $MIRROR (about a minute)"
    debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$root" "$MIRROR" >"$root.log" 2>&1 \
        || { tail -20 "$root.log" >&2; rm -rf "$root" "$root.log"; exit 1; }
    # Keep the image small: no downloaded packages or apt lists in the base layer.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$root" "$root.log"
    log "$BASE_IMAGE: imported"
}

have_gpu() {
    [ "${MAXCODE_BUILD_CUDA:-0}" = 1 ] || { command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; }
}

build_image() {
    local name="$1" dir="$HERE/$1"
    local image="$PREFIX$name"
    if [[ "$name" == *cuda* ]] && ! have_gpu; then
        log "$image: skipped (no GPU visible; MAXCODE_BUILD_CUDA=1 forces it)"
        return
    fi
    local ctx
    ctx="$(mktemp -d /tmp/maxcode-ctx.XXXXXX)"
    cp -a "$dir/." "$ctx/"
    cp "$RUNNER" "$ctx/mcrun.c"
    cp "$ZYGOTE" "$ctx/zygote.py"
    if [ -x "$dir/prepare.sh" ] || [ -f "$dir/prepare.sh" ]; then
        log "$image: preparing context"
        bash "$dir/prepare.sh" "$ctx"
    fi
    local base_id hash current
    base_id="$(docker image inspect -f '{{.Id}}' "$BASE_IMAGE")"
    hash="$( (cd "$ctx" && find . -type f ! -name prepare.sh -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; echo "$base_id") | sha256sum | cut -c1-16)"
    current="$(docker image inspect -f '{{ index .Config.Labels "maxcode.context-hash" }}' "$image" 2>/dev/null || true)"
    if [ "$current" = "$hash" ]; then
        log "$image: up to date ($hash)"
        rm -rf "$ctx"
        return
    fi
    log "$image: building ($hash)"
    local started=$SECONDS quiet=(-q)
    # MAXCODE_BUILD_PROGRESS=1 (a build on first use): the builder's "Step N/M" lines come
    # through as they happen; the full output still goes to the log.
    [ "${MAXCODE_BUILD_PROGRESS:-0}" = 1 ] && quiet=()
    if ! docker build "${quiet[@]}" --build-arg "BASE=$BASE_IMAGE" --label "maxcode.context-hash=$hash" \
        -t "$image" "$ctx" 2>&1 | tee "$ctx.log" | { grep --line-buffered '^Step ' || true; }; then
        tail -40 "$ctx.log" >&2
        rm -rf "$ctx" "$ctx.log"
        log "$image: FAILED"
        exit 1
    fi
    rm -rf "$ctx" "$ctx.log"
    log "$image: built in $((SECONDS - started)) s"
}

build_base
if [ $# -gt 0 ]; then
    names=("$@")
else
    names=()
    for d in "$HERE"/*/; do
        [ -f "$d/Dockerfile" ] && names+=("$(basename "$d")")
    done
fi
for name in "${names[@]}"; do
    build_image "$name"
done
log "done"
