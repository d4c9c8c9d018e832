#!/usr/bin/env bash
# Installs everything the tests need, builds, and runs the whole suite:
#   * the unit tests under ASan+UBSan (clang, every object also instrumented for libFuzzer)
#     and a short run of every libFuzzer target from that same build;
#   * under ThreadSanitizer, the unit tests of every stage whose tests start threads;
#   * the integration tests (the real binary, RelWithDebInfo) and the architecture check;
#   * clang-format and clang-tidy on the C++ files the latest change touched.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests

jobs=$(nproc)
failed=()
step() { current="$*"; echo "== $* ($(date -u +%H:%M:%S))"; }
# A step that fails is named again at the very end, where a log's tail shows it.
# With a file, its lines (the tests or fuzz targets that failed) follow the step's name.
fail() { failed+=("$current${1:+: $(tr '\n' ' ' <"$1" 2>/dev/null)}"); }

step "style: clang-format and clang-tidy on the files the last commit changed"
scripts/check-style.sh --changed || fail

# Unity builds (16 files per translation unit) parse the shared headers once per group instead
# of once per file, which is most of a build's time. The net tests opt out (tests/CMakeLists.txt);
# the two sources GCC's -Wsubobject-linkage refuses in a shared unit stay out of it (their
# CMakeLists.txt).
unity=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16)

step "build (RelWithDebInfo: the binary and benchmarks)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  "${unity[@]}" >/dev/null
cmake --build build -j "$jobs" --target kinesyslog $(cmake --build build --target help | grep -o '^kinesyslog_bench' || true)

step "build (ASan+UBSan unit tests and libFuzzer targets)"
# Line tables are all a sanitizer report needs; full debug info makes these builds much slower.
CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-gline-tables-only -O1" \
  "${unity[@]}" -DKINESYSLOG_FUZZ=ON -DKINESYSLOG_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"

step "unit tests under ASan+UBSan"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest -L unit -j "$jobs" --output-on-failure) || fail build-asan/Testing/Temporary/LastTestsFailed.log

step "fuzz smoke (each target 12 s, two at a time)"
fuzz_one() {
  local fuzzer=$1 name seeds
  name=$(basename "$fuzzer")
  mkdir -p "build-asan/corpus/$name"
  seeds="fuzz/seeds/${name#fuzz_}"
  if "$fuzzer" -max_total_time=12 -print_final_stats=0 "build-asan/corpus/$name" $( [ -d "$seeds" ] && echo "$seeds" ) \
      >"build-asan/$name.log" 2>&1; then
    echo "ok: $name"
  else
    echo "FAILED: $name (see below)"; tail -40 "build-asan/$name.log"
    echo "$name" >>build-asan/fuzz-failed.txt; return 1
  fi
}
export -f fuzz_one
rm -f build-asan/fuzz-failed.txt
ls build-asan/fuzz/fuzz_* | xargs -P 2 -I{} bash -c 'fuzz_one {}' || fail build-asan/fuzz-failed.txt

# The stages whose code or tests run threads (the journal has its sync threads); batch, cli,
# framing and metrics are single-threaded (TSan would only repeat what ASan already ran, slower).
threaded=(aws core deliver encode journal net parse relay spool)
step "build (ThreadSanitizer unit tests: ${threaded[*]})"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1 -O1" \
  "${unity[@]}" -DKINESYSLOG_SANITIZE=thread -DKINESYSLOG_BENCH=OFF >/dev/null
cmake --build build-tsan -j "$jobs" --target "${threaded[@]/#/test_}"

step "unit tests under ThreadSanitizer"
(cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest -L unit -R "^($(IFS='|'; echo "${threaded[*]}"))\." -j "$jobs" --output-on-failure) || fail build-tsan/Testing/Temporary/LastTestsFailed.log

step "integration tests and the architecture check"
(cd build && ctest -L 'integration|architecture' -j "$jobs" --output-on-failure --timeout 900) || fail build/Testing/Temporary/LastTestsFailed.log
step "done"
if ((${#failed[@]})); then
  printf 'FAILED: %s\n' "${failed[@]}"
  # A fuzz target's finding is the least repeatable failure; show it here too.
  for name in $(cat build-asan/fuzz-failed.txt 2>/dev/null); do
    echo "== $name"; tail -25 "build-asan/$name.log"
  done
  exit 1
fi
echo "all steps passed"
