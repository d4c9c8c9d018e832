#!/usr/bin/env bash
# Installs everything the tests need, builds, and runs the whole suite: unit and
# integration tests (CTest), the unit tests again under ASan+UBSan, and a short run of
# every libFuzzer target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests

jobs=$(nproc)
status=0

echo "== build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"

echo "== build (ASan+UBSan unit tests)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKINESYSLOG_SANITIZE=ON -DKINESYSLOG_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"

echo "== build (libFuzzer targets)"
CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKINESYSLOG_FUZZ=ON >/dev/null
cmake --build build-fuzz -j "$jobs"

echo "== unit tests under ASan+UBSan"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest -L unit -j "$jobs" --output-on-failure) || status=1

echo "== fuzz smoke (each target 20 s)"
for fuzzer in build-fuzz/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  mkdir -p "build-fuzz/corpus/$name"
  seeds="fuzz/seeds/${name#fuzz_}"
  if ! "$fuzzer" -max_total_time=20 -print_final_stats=0 "build-fuzz/corpus/$name" $( [ -d "$seeds" ] && echo "$seeds" ) >"build-fuzz/$name.log" 2>&1; then
    echo "FAILED: $name (see below)"; tail -40 "build-fuzz/$name.log"; status=1
  else
    echo "ok: $name"
  fi
done

echo "== unit and integration tests"
(cd build && ctest -j "$jobs" --output-on-failure --timeout 900) || status=1
exit $status
