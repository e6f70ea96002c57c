#!/usr/bin/env bash
# The "loaded" condition of the census: N other judging streams on the same machine, each
# judging a load_inline ReLU against its problem again and again through the configured
# sandbox (they wait for the same timing lease as the census, as a search beside a sweep
# does). Usage: judging_streams.sh N SECONDS; each stream's log goes to /tmp/stream-K.log.
set -euo pipefail
n=${1:-2}
seconds=${2:-3600}
for k in $(seq 1 "$n"); do
  timeout "$seconds" maxcode bench kernel_judge --cases "relu 64x4096: C++" --repeat 10000 device=cpu \
    > "/tmp/stream-$k.log" 2>&1 &
done
wait
