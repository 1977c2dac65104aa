#!/usr/bin/env bash
# Uses the toolkit as a project outside this tree does, and prints one line
# per check, "PASS: ..." or "FAIL: ...", then "consumers: N passed, N failed".
#
#   tools/consumers-test.sh         against an install in a temporary prefix
#   tools/consumers-test.sh --deb   against the Debian packages, installed
#                                   with dpkg and purged afterwards (root)
#
# Against either: the installed headers compile alone and together as C and
# C++ (tools/dist/check-headers.sh); examples/consumers/c builds with make
# through pkg-config and examples/consumers/cxx with CMake through
# find_package(oskit_io), each against the shared and the static libraries,
# and the four programs run (examples/consumers/check_output.sh). Against the
# prefix also: installing refuses to replace a file it did not write, a second
# install replaces the first, uninstalling leaves the prefix as it was, and
# examples/consumers/bazel builds and tests with this tree as an external
# repository. Against the packages: lintian finds no error (when installed)
# and purging them leaves none of their files.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

mode=prefix
case "${1:-}" in
  --deb) mode=deb ;;
  "") ;;
  *)
    echo "usage: $0 [--deb]" >&2
    exit 2
    ;;
esac

work=$(mktemp -d)
log=$work/log
passed=0
failed=0
pass() {
  echo "PASS: $1"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL: $1"
  failed=$((failed + 1))
}
check() { # name, command...
  local name=$1
  shift
  if "$@" >"$log" 2>&1; then
    pass "$name"
  else
    fail "$name"
    sed 's/^/    /' "$log" | tail -n 40
    return 1
  fi
}
finish() {
  echo "consumers: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

# The header checks print their own PASS/FAIL lines.
check_headers() {
  local line
  while read -r line; do
    case "$line" in
      PASS:*) pass "${line#PASS: }" ;;
      FAIL:*) fail "${line#FAIL: }" ;;
      *) echo "$line" ;;
    esac
  done < <(tools/dist/check-headers.sh 2>&1)
}

# A program's dynamic dependencies name liboskit-evl (shared) or no oskit
# library at all (static).
links_shared() { readelf -d "$1" | grep -q 'NEEDED.*liboskit-evl\.so\.0'; }
links_static() { ! readelf -d "$1" | grep -q 'NEEDED.*liboskit'; }
run_shared() { links_shared "$1" && examples/consumers/check_output.sh "$@"; }
run_static() { links_static "$1" && examples/consumers/check_output.sh "$@"; }

build_c() {
  cp -r examples/consumers/c "$work/c" && make -C "$work/c"
}
build_cxx() { # extra cmake arguments
  cmake -S examples/consumers/cxx -B "$work/cxx" -DCMAKE_BUILD_TYPE=Release "$@" && cmake --build "$work/cxx" -j "$(nproc)"
}

consumers() {
  check_headers
  check "make builds the C program through pkg-config" build_c
  check "C program, shared libraries" run_shared "$work/c/stack"
  check "C program, static libraries" run_static "$work/c/stack_static"
  check "CMake builds the C++ program through find_package(oskit_io)" build_cxx "$@"
  check "C++ program, shared libraries" run_shared "$work/cxx/stack" --oob
  check "C++ program, static libraries" run_static "$work/cxx/stack_static" --oob
}

if [ "$mode" = prefix ]; then
  trap 'rm -rf "$work"' EXIT
  prefix=$work/prefix
  manifest=$prefix/share/oskit-io/install_manifest.txt
  mkdir -p "$prefix/lib" && echo "not oskit-io's" >"$prefix/lib/other.txt"
  before=$(cd "$prefix" && find . | sort)

  # What the install added to the prefix is what its manifest lists.
  installed_as_listed() {
    diff <(cd "$prefix" && find . | sort | comm -23 - <(echo "$before") | sed "s|^\.|$prefix|") \
      <(sed -E 's/^. //' "$manifest" | sort)
  }
  install_into() { tools/install.sh "$prefix" && installed_as_listed; }
  if ! check "install.sh installs into a prefix, listing every file in its manifest" install_into; then
    finish
  fi
  check "a second install replaces the first" install_into

  refused() { # an install over a file it did not write fails and writes nothing
    local other=$work/other
    mkdir -p "$other/include/oskit-io/oskit" && echo foreign >"$other/include/oskit-io/oskit/com.h"
    ! tools/install.sh "$other" && [ "$(find "$other" | wc -l)" -eq 5 ] && [ "$(cat "$other/include/oskit-io/oskit/com.h")" = foreign ]
  }
  check "install.sh refuses to replace a file it did not write" refused

  export PKG_CONFIG_PATH=$prefix/lib/pkgconfig LD_LIBRARY_PATH=$prefix/lib
  consumers -DCMAKE_PREFIX_PATH="$prefix"
  unset LD_LIBRARY_PATH

  external() {
    (cd examples/consumers/bazel && bazel --batch test --symlink_prefix=/ //:stack_test)
  }
  check "a Bazel workspace builds and tests with this one as an external repository" external

  uninstalled() {
    tools/install.sh --uninstall "$prefix" && [ "$(cd "$prefix" && find . | sort)" = "$before" ]
  }
  check "install.sh --uninstall removes exactly what was installed" uninstalled
  finish
fi

# --deb
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: the Debian package test installs packages with dpkg: run it as root"
  finish
fi
packages=(liboskit-io-dev "liboskit-io$(cut -d. -f1 tools/dist/VERSION)")
for package in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
    echo "consumers: $package is installed already; remove it first (dpkg --purge $package)" >"$log"
    fail "the packages are not installed before the test"
    finish
  fi
done
trap 'dpkg --purge "${packages[@]}" >/dev/null 2>&1; rm -rf "$work"' EXIT
if ! check "package-deb.sh builds the packages (no lintian error)" tools/package-deb.sh "$work/debs"; then
  finish
fi
files=()
dpkg_installs() {
  dpkg -i "$work"/debs/*.deb && mapfile -t files < <(dpkg -L "${packages[@]}" | while read -r f; do
    [ -d "$f" ] || echo "$f"
  done)
}
if ! check "dpkg installs the packages" dpkg_installs; then
  finish
fi
consumers
purged() {
  local f
  dpkg --purge "${packages[@]}" || return 1
  for f in "${files[@]}"; do
    if [ -e "$f" ] || [ -L "$f" ]; then
      echo "left behind: $f"
      return 1
    fi
  done
}
check "dpkg --purge removes every file of the packages" purged
finish
