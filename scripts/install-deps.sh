#!/usr/bin/env bash
# Installs what building and testing kinesyslog needs on Debian 12. Idempotent: packages
# already present are not fetched again. Run as root (or with sudo available).
#   scripts/install-deps.sh                     what building the relay needs
#   scripts/install-deps.sh --tests             that, and what the tests and benchmarks need
#   scripts/install-deps.sh --packages P...     only the Debian packages named
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# Build and runtime libraries.
build_packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  libssl-dev libcurl4-openssl-dev libexpat1-dev libdeflate-dev zlib1g-dev libsimdjson-dev libcli11-dev
  libspdlog-dev libfmt-dev libsystemd-dev prometheus-cpp-dev liblz4-dev
)
# Tests, benchmarks and the third-party senders the integration tests drive.
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev clang-format clang-tidy
  bsdutils python3 python3-botocore openssl procps
  # rsyslog forwards over TLS with a client certificate (run in the foreground by the test).
  rsyslog rsyslog-openssl
  # rsyslog's omrelp, the RELP sender the RELP tests forward with.
  rsyslog-relp
  # promtool (in Debian's prometheus package) checks the /metrics text and monitoring/'s alert
  # rules; systemd-analyze verifies the installed unit.
  prometheus systemd
  # The monitoring test reads the alert rules' YAML.
  python3-yaml
  # syslog-ng-core conflicts with rsyslog, so loggen is unpacked below; these are its libraries.
  libivykis0 libjson-c5 libnet1 libwrap0 libglib2.0-0 libpcre3 libcap2
  # haproxy puts PROXY v1/v2 headers in front of the connections it forwards.
  haproxy
  # The aws CLI (with its own bundled botocore) shows the Firehose stand-in answers as AWS does.
  awscli
  # libfaketime runs the relay with a clock that is off (AWS clock-skew tests).
  faketime
  # The Debian package test (scripts/package.sh): debhelper builds it, help2man writes the
  # manual page, lintian checks the .deb.
  debhelper help2man lintian
)

packages=("${build_packages[@]}")
case "${1:-}" in
  --tests) packages+=("${test_packages[@]}") ;;
  --packages) shift; packages=("$@") ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = "--tests" ]; then
  # loggen ships in syslog-ng-core, which conflicts with rsyslog: unpack it into .tools.
  tools=.tools
  if [ ! -x "$tools/syslog-ng/usr/bin/loggen" ]; then
    download=$(mktemp -d)
    chmod 777 "$download"  # apt drops privileges to _apt, which writes the download here
    (cd "$download" && apt-get download syslog-ng-core >/dev/null)
    mkdir -p "$tools/syslog-ng"
    dpkg -x "$download"/syslog-ng-core_*.deb "$tools/syslog-ng"
    rm -rf "$download"
  fi
  mkdir -p "$tools/bin"
  cat > "$tools/bin/loggen" <<'WRAPPER'
#!/bin/sh
# loggen from the unpacked syslog-ng-core package.
root="$(cd "$(dirname "$0")/../syslog-ng" && pwd)"
SYSLOGNG_PREFIX="$root/usr" LD_LIBRARY_PATH="$root/usr/lib/syslog-ng${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$root/usr/bin/loggen" "$@"
WRAPPER
  chmod +x "$tools/bin/loggen"

  # GELF client libraries (gelf-pro, graygelf), pinned by the lockfile; node_modules is git-ignored.
  # Node.js and npm come with the machine; Debian's are the fallback.
  if ! command -v npm >/dev/null; then
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  gelf_clients=tests/integration/gelf-clients
  # (microtime, an optional native addon of graygelf, is left out: no compiler step needed.)
  if ! cmp -s "$gelf_clients/package-lock.json" "$gelf_clients/node_modules/.installed-lock.json" 2>/dev/null; then
    (cd "$gelf_clients" && npm ci --omit=optional --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$gelf_clients/package-lock.json" "$gelf_clients/node_modules/.installed-lock.json"
  fi
  # kinesalite, a local Kinesis Data Streams (test_kinesis.py), pinned by its lockfile. It runs in
  # memory, so its LevelDB addon (leveldown) is never loaded: no install scripts, no compiler step.
  kinesalite=tests/integration/kinesalite
  if ! cmp -s "$kinesalite/package-lock.json" "$kinesalite/node_modules/.installed-lock.json" 2>/dev/null; then
    (cd "$kinesalite" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$kinesalite/package-lock.json" "$kinesalite/node_modules/.installed-lock.json"
  fi
fi
