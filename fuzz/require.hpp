#pragma once
// The fuzz targets' check: a broken invariant aborts, which libFuzzer reports as a crash and
// keeps the input that caused it.
#include <cstdio>
#include <cstdlib>

inline void require(bool holds, const char* invariant = nullptr) {
  if (holds) return;
  if (invariant != nullptr) std::fprintf(stderr, "fuzz invariant violated: %s\n", invariant);
  std::abort();
}
