#!/usr/bin/env bash
# Quick start: install dependencies, build, and run the relay with syslog on TCP and UDP
# port 5514, delivering records into ./output (no AWS needed). Extra arguments are passed
# on to `kinesyslog listen`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DKINESYSLOG_TESTS=OFF -DKINESYSLOG_BENCH=OFF >/dev/null
cmake --build build-release --target kinesyslog
mkdir -p output spool
exec build-release/kinesyslog listen --tcp-port 5514 --udp-port 5514 --tls-port 0 \
  --output-dir "$PWD/output" --spool-dir "$PWD/spool" "$@"
