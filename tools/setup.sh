#!/usr/bin/env bash
# Installs the Debian packages the build needs, when any is missing.
# Debian 12: Bazel (bazel-bootstrap), Abseil, Boost, GoogleTest, Google Benchmark, spdlog;
# clang, make, CMake, pkg-config and dpkg-dev for the install and package tests;
# libclang-rt-14-dev for the fuzz targets (libFuzzer); Graphviz for the stack pictures' PNGs.
set -euo pipefail

packages=(bazel-bootstrap g++ libabsl-dev libboost-dev libgtest-dev libgmock-dev libbenchmark-dev libspdlog-dev
          libfmt-dev iproute2 util-linux clang libclang-rt-14-dev make cmake pkgconf dpkg-dev graphviz)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
