#!/usr/bin/env bash
# Builds the Debian package dist/kinesyslog_<version>-<revision>_<arch>.deb with Debian's own tools
# (dpkg-buildpackage and debhelper, from debian/) in a copy of the tree, so the checkout is left
# as it was, then checks it with lintian: an error fails the build. Installs what the build needs
# (debian/control's Build-Depends, lintian) when it is missing. Run as root, or with sudo.
#   scripts/package.sh                 build, then lintian
#   scripts/package.sh --no-lintian    build only
set -euo pipefail
cd "$(dirname "$0")/.."

run_lintian=yes
if [ "${1:-}" = "--no-lintian" ]; then run_lintian=no; fi

tools=(dpkg-dev debhelper help2man)
if [ "$run_lintian" = yes ]; then tools+=(lintian); fi
scripts/install-deps.sh --packages "${tools[@]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
if ! dpkg-checkbuilddeps debian/control 2>/dev/null; then
  echo "Installing the build dependencies of debian/control"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get build-dep -y -qq --no-install-recommends ./ >/dev/null
fi

# The version is the project's (CMakeLists.txt); debian/changelog's newest entry must package it
# (<version>-<Debian revision>).
upstream=$(sed -n 's/^project(kinesyslog VERSION \([0-9][0-9.]*\).*/\1/p' CMakeLists.txt)
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
if [ -z "$upstream" ] || [ "${version%-*}" != "$upstream" ]; then
  echo "package.sh: CMakeLists.txt says version '$upstream', debian/changelog '$version':" \
    "add a changelog entry (dch --newversion $upstream-1)" >&2
  exit 1
fi
arch=$(dpkg-architecture -q DEB_HOST_ARCH)

# What the build reads, copied: dpkg-buildpackage writes beside and inside the tree it builds.
# A fixed place (git-ignored, removed afterwards), so ccache, where installed, finds its objects
# again under the same paths.
work=$PWD/build-package
rm -rf "$work"
trap 'rm -rf "$work"' EXIT
tree="$work/kinesyslog-$upstream"
mkdir -p "$tree"
cp -a CMakeLists.txt cmake src packaging debian LICENSE NOTICE README.md docs "$tree/"
if command -v ccache >/dev/null; then export CMAKE_CXX_COMPILER_LAUNCHER=ccache; fi

# -b: the binary package alone; no signature; the debug symbols are not packaged (noautodbgsym).
(cd "$tree" && DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}" \
  dpkg-buildpackage -b --no-sign -j"$(nproc)")

deb="dist/kinesyslog_${version}_${arch}.deb"
mkdir -p dist
cp "$work/kinesyslog_${version}_${arch}.deb" "$deb"
echo "built $deb"

if [ "$run_lintian" = yes ]; then
  # Warnings kept on purpose are overridden, each with its reason, in debian/kinesyslog.lintian-overrides.
  lintian --fail-on error --info "$deb"
  echo "lintian: no errors"
fi
