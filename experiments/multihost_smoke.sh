#!/usr/bin/env bash
# Multi-host smoke test (issue 16): the sharded search and a data-parallel pretraining run on
# two processes x DEVICES forced host CPU devices, talking over a loopback jax.distributed
# coordinator with gloo CPU collectives, must equal a one-process one-device run.
#
#   experiments/multihost_smoke.sh                      # exit 0: identical; 1: a mismatch
#   experiments/multihost_smoke.sh --perturb_process=1  # process 1 sees a shifted objective:
#                                                       # must fail (tests/test_multihost.py)
#
# Extra arguments go to every run of experiments/multihost_check.py (e.g. --only=rea,
# --pretrain_steps=0, --num_queries=8). Environment: PYTHON (default python3), DEVICES (4 per
# process), PORT (default: a free one).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
DEVICES="${DEVICES:-4}"
PORT="${PORT:-$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

echo "one process, one device"
"$PY" -m experiments.multihost_check --out="$TMP/one.npz" "$@"

echo "two processes x $DEVICES devices, coordinator 127.0.0.1:$PORT"
pids=()
for i in 0 1; do
  XLA_FLAGS="${XLA_FLAGS:-} --xla_force_host_platform_device_count=$DEVICES" \
    "$PY" -m experiments.multihost_check --out="$TMP/two.npz" --workdir="$TMP/run" \
    --coordinator_address="127.0.0.1:$PORT" --num_processes=2 --process_id="$i" "$@" &
  pids+=("$!")
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
if [[ "$status" != 0 ]]; then
  echo "multihost smoke: a process failed" >&2
  exit 1
fi
if [[ -e "$TMP/run/checkpoints" ]] && ! ls "$TMP/run/checkpoints" | grep -q .; then
  echo "multihost smoke: empty checkpoint directory" >&2
  exit 1
fi
"$PY" -m experiments.multihost_check --compare="$TMP/one.npz" --compare="$TMP/two.npz"
