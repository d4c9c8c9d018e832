#include <cstdio>

int main() {
  std::puts("kinesyslog: not wired yet");
  return 0;
}
