#!/usr/bin/env bash
# clang-format (.clang-format) and clang-tidy (.clang-tidy) on the project's C++ files.
#   scripts/check-style.sh --changed   the files the latest change touched
#   scripts/check-style.sh --all       every file
# clang-tidy reads the compile commands of build-style/, configured here for clang without
# precompiled headers (configuring only: nothing is built).
# The latest change is the last commit (against its first parent, for a merge).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?--changed or --all}
build=build-style

if [ "$mode" = "--all" ]; then
  mapfile -t files < <(git ls-files -- 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'fuzz/*.cpp' 'bench/*.cpp')
else
  base=$(git rev-parse -q --verify HEAD~1 || true)
  if [ -z "$base" ]; then
    echo "no earlier commit to compare with (a shallow clone?): nothing to check"
    exit 0
  fi
  mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" HEAD -- \
    'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'fuzz/*.cpp' 'bench/*.cpp')
  echo "changed since $(git rev-parse --short "$base"): ${#files[@]} C++ files"
fi
[ "${#files[@]}" -gt 0 ] || exit 0
status=0

if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "clang-format: the files above are not formatted (run: clang-format -i <file>)"
  status=1
fi

# clang-tidy reads sources of src/ (a header is checked through the sources that include it).
declare -A sources=()
for file in "${files[@]}"; do
  case $file in
    src/*.cpp) sources[$file]=1 ;;
    src/*.hpp) [ -f "${file%.hpp}.cpp" ] && sources[${file%.hpp}.cpp]=1 ;;
  esac
done
if [ "${#sources[@]}" -gt 0 ]; then
  CXX=clang++ cmake -S . -B "$build" -G Ninja -DKINESYSLOG_PRECOMPILE=OFF -DKINESYSLOG_BENCH=OFF >/dev/null
  if ! printf '%s\n' "${!sources[@]}" | sort | xargs -P "$(nproc)" -n 4 \
      clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option; then
    echo "clang-tidy: see the findings above"
    status=1
  fi
fi
exit $status
