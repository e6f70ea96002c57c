#!/usr/bin/env bash
# Makes sure a Docker engine answers, as root: installs docker.io with apt when dockerd
# is missing, starts dockerd in the background when the engine does not answer (no
# systemd needed), and waits until it is ready. Safe to re-run.
set -euo pipefail
log() { echo "[engine] $*"; }

if docker info >/dev/null 2>&1; then
    log "Docker engine answers"
    exit 0
fi
if ! command -v dockerd >/dev/null; then
    log "installing docker.io"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q docker.io >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
    if command -v systemctl >/dev/null && systemctl start docker >/dev/null 2>&1; then
        log "started docker with systemctl"
    else
        log "starting dockerd in the background (log: /var/log/dockerd.log)"
        nohup dockerd >/var/log/dockerd.log 2>&1 &
    fi
fi
for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
        log "Docker engine ready"
        exit 0
    fi
    sleep 1
done
echo "[engine] dockerd did not become ready in 60 s; see /var/log/dockerd.log" >&2
exit 1
