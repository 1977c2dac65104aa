#!/usr/bin/env bash
# Installs oskit-io under PREFIX (default /usr/local), or removes exactly what
# an earlier install put there:
#
#   tools/install.sh [--libdir=DIR] [PREFIX]
#   tools/install.sh --uninstall [PREFIX]
#
# It builds the libraries optimised with Bazel and installs (docs/design.md,
# "Using the toolkit outside Bazel"):
#   include/oskit-io/         the public headers at their workspace paths
#                             ("oskit/com.h", "components/subset/subset.h", "glue/evl/driver.h")
#   include/oskit-evl/evl/    libevl's headers of the EVL emulation (<evl/evl.h>...)
#   LIBDIR/liboskit-io.a, liboskit-io.so.X.Y.Z (soname liboskit-io.so.X), and the
#                             same for liboskit-evl, with their development links
#   LIBDIR/pkgconfig/         oskit-io.pc, oskit-evl.pc
#   LIBDIR/cmake/oskit_io/    the CMake package: find_package(oskit_io)
#   share/oskit-io/install_manifest.txt   what was installed, for --uninstall
# Which libraries hold what and which headers are public comes from the build,
# so a new component is installed without changing this script. LIBDIR is
# PREFIX/lib unless --libdir names another directory under PREFIX.
#
# Nothing outside PREFIX is written, and a file an earlier install did not
# write is never replaced. An earlier install under PREFIX is removed first.
# With DESTDIR set the files go to $DESTDIR$PREFIX and no manifest is written:
# the install is staged for a package manager, which keeps its own list.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "install.sh: $*" >&2
  exit 1
}

DESTDIR=${DESTDIR:-}
prefix=/usr/local
libdir=lib
action=install
for arg in "$@"; do
  case "$arg" in
    --uninstall) action=uninstall ;;
    --libdir=*) libdir=${arg#--libdir=} ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) die "unknown option $arg (see --help)" ;;
    *) prefix=$arg ;;
  esac
done
case "$prefix" in /*) ;; *) die "PREFIX must be an absolute path: $prefix" ;; esac
[ -n "$DESTDIR" ] || prefix=$(realpath -m "$prefix")
prefix=${prefix%/}
libdir=${libdir#"$prefix"/}
case "$libdir" in /* | *..*) die "--libdir must name a directory under PREFIX: $libdir" ;; esac
manifest=$prefix/share/oskit-io/install_manifest.txt

# Removes what entries of a manifest list ("f FILE", "l LINK", "d DIR"):
# files and links, then the directories the install created, deepest first,
# when they are empty.
remove_entries() {
  local entry i
  for entry in "$@"; do
    case "$entry" in f\ * | l\ *) rm -f -- "$DESTDIR${entry#? }" ;; esac
  done
  for ((i = $#; i >= 1; i--)); do
    entry=${!i}
    case "$entry" in d\ *) rmdir --ignore-fail-on-non-empty -- "$DESTDIR${entry#? }" ;; esac
  done
}

uninstall() {
  local entries=() entry
  [ -f "$DESTDIR$manifest" ] || die "no install found under $prefix ($manifest is missing)"
  mapfile -t entries <"$DESTDIR$manifest"
  for entry in "${entries[@]}"; do
    case "${entry#? }" in "$prefix" | "$prefix"/*) ;; *) die "manifest entry outside $prefix: $entry" ;; esac
  done
  remove_entries "${entries[@]}"
}

if [ "$action" = uninstall ]; then
  uninstall
  echo "removed oskit-io from $prefix"
  exit 0
fi

command -v bazel >/dev/null || die "bazel is missing: run tools/setup.sh"
version=$(cat tools/dist/VERSION)
soversion=${version%%.*}

# The installed libraries are the public, non-test libraries of oskit/, glue/
# and components/ with what they depend on in this workspace. Those that need
# the EVL emulation (which interposes on the C library) form liboskit-evl, the
# others liboskit-io, so that a program using no EVL service does not get the
# interposition.
LIBRARIES="let libs = kind('cc_library rule', //oskit/... + //glue/... + //components/...) in
  let public = attr(visibility, '//visibility:public', \$libs) except attr(testonly, 1, \$libs)
    except filter('/testing[:/]', \$libs) in
  let evl = rdeps(\$public, //glue/evl:emul) intersect \$public in"
query() {
  bazel query --noshow_progress "$LIBRARIES $1" | sort
}
io_targets=$(query "\$public except \$evl")
evl_targets=$(query "\$evl")
# Public headers: those of the public libraries; a library without headers of
# its own (//glue/evl:evl, which selects a backend) stands for its deps'.
headers=$(query "labels(hdrs, \$public) + labels(hdrs, labels(deps, attr(hdrs, '^\[\]\$', \$public)))")

# The libraries are built by tools/dist/dist.bzl from a BUILD file listing the
# targets found above, given to Bazel as the repository @oskit_dist.
dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
dist_library() { # name, targets, libraries it links against
  echo "dist_library("
  echo "    name = \"$1\","
  echo "    library_name = \"$1\","
  echo "    version = \"$version\","
  echo "    soversion = \"$soversion\","
  echo "    deps = ["
  sed 's/.*/        "@&",/' <<<"$2"
  echo "    ],"
  echo "    link_against = [$3],"
  echo ")"
}
touch "$dist/WORKSPACE"
{
  echo 'load("@//tools/dist:dist.bzl", "dist_library")'
  dist_library oskit-io "$io_targets" ""
  dist_library oskit-evl "$evl_targets" '":oskit-io"'
} >"$dist/BUILD.bazel"
bazel build -c opt --override_repository=oskit_dist="$dist" @oskit_dist//:all
built="$(bazel info -c opt bazel-bin)/external/oskit_dist"

# The plan: every file and link to install, checked before anything is written.
sources=()
targets=()
modes=()
add() { # source, destination under PREFIX, mode ("link" for a symbolic link to source)
  sources+=("$1")
  targets+=("$prefix/$2")
  modes+=("$3")
}

while read -r label; do
  [ -n "$label" ] || continue
  path=${label#//}
  path=${path/://}
  case "$path" in
    */include/*) add "$path" "include/oskit-evl/${path#*/include/}" 644 ;;
    *) add "$path" "include/oskit-io/$path" 644 ;;
  esac
done <<<"$headers"

for lib in oskit-io oskit-evl; do
  add "$built/lib$lib.a" "$libdir/lib$lib.a" 644
  add "$built/lib$lib.so.$version" "$libdir/lib$lib.so.$version" 644
  add "lib$lib.so.$version" "$libdir/lib$lib.so.$soversion" link
  add "lib$lib.so.$soversion" "$libdir/lib$lib.so" link
done

# pkg-config and CMake files. A system library's link flag becomes a Requires
# of the .pc when pkg-config knows a module of its name (Abseil's do),
# otherwise a Libs.private flag; for CMake it names Abseil's imported target,
# Threads, the dl library or the plain library.
generated=$dist/generated
mkdir -p "$generated"
pc_requires() { # link flags file
  local flag
  for flag in $(cat "$1"); do
    if [[ "$flag" == -l* ]] && pkg-config --exists "${flag#-l}"; then
      echo "${flag#-l} = $(pkg-config --modversion "${flag#-l}")"
    fi
  done | paste -sd, | sed 's/,/, /g'
}
pc_private() { # link flags file
  local flag
  for flag in $(cat "$1") -lstdc++ -lm; do
    if ! { [[ "$flag" == -l* ]] && pkg-config --exists "${flag#-l}"; }; then echo "$flag"; fi
  done | awk '!seen[$0]++' | paste -sd' '
}
cmake_links() { # link flags file
  local flag
  for flag in $(cat "$1"); do
    case "$flag" in
      -labsl_*) echo "absl::${flag#-labsl_}" ;;
      -lpthread | -pthread) echo "Threads::Threads" ;;
      -ldl) echo "\${CMAKE_DL_LIBS}" ;;
      -l*) echo "${flag#-l}" ;;
    esac
  done | awk '!seen[$0]++' | paste -sd';'
}
to_prefix=$(sed -E 's#[^/]+#..#g' <<<"$libdir/cmake/oskit_io")
substitutions=(
  -e "s|@PREFIX@|$prefix|g" -e "s|@LIBDIR@|$libdir|g" -e "s|@VERSION@|$version|g"
  -e "s|@SOVERSION@|$soversion|g" -e "s|@TO_PREFIX@|$to_prefix|g"
  -e "s|@IO_REQUIRES@|$(pc_requires "$built/liboskit-io.link_flags")|g"
  -e "s|@IO_LIBS_PRIVATE@|$(pc_private "$built/liboskit-io.link_flags")|g"
  -e "s|@EVL_LIBS_PRIVATE@|$(pc_private "$built/liboskit-evl.link_flags")|g"
  -e "s|@IO_CMAKE_LINKS@|$(cmake_links "$built/liboskit-io.link_flags")|g"
  -e "s|@EVL_CMAKE_LINKS@|$(cmake_links "$built/liboskit-evl.link_flags")|g"
)
fill() { # template, output
  sed "${substitutions[@]}" "tools/dist/$1" >"$generated/$2"
}
for pc in oskit-io oskit-evl; do
  fill "$pc.pc.in" "$pc.pc"
  add "$generated/$pc.pc" "$libdir/pkgconfig/$pc.pc" 644
done
for cmake in oskit_ioConfig oskit_ioConfigVersion; do
  fill "$cmake.cmake.in" "$cmake.cmake"
  add "$generated/$cmake.cmake" "$libdir/cmake/oskit_io/$cmake.cmake" 644
done

if [ -z "$DESTDIR" ] && [ -f "$manifest" ]; then
  echo "removing the earlier install under $prefix"
  uninstall
fi
for target in "${targets[@]}"; do
  if [ -e "$DESTDIR$target" ] || [ -L "$DESTDIR$target" ]; then
    die "$DESTDIR$target exists and was not installed by oskit-io; nothing was installed"
  fi
done

# Installs the plan, recording every directory it creates and every file; on
# a failure, removes what it wrote.
entries=()
make_dirs() { # directory
  local dir=$1 missing=()
  while [ "$dir" != / ] && [ ! -d "$DESTDIR$dir" ]; do
    missing=("$dir" "${missing[@]}")
    dir=$(dirname "$dir")
  done
  for dir in "${missing[@]}"; do
    mkdir -m 755 -- "$DESTDIR$dir" || return 1
    entries+=("d $dir")
  done
}
install_plan() {
  local i
  [ -z "$DESTDIR" ] || mkdir -p -- "$DESTDIR" || return 1
  for i in "${!targets[@]}"; do
    make_dirs "$(dirname "${targets[i]}")" || return 1
    if [ "${modes[i]}" = link ]; then
      ln -s -- "${sources[i]}" "$DESTDIR${targets[i]}" || return 1
      entries+=("l ${targets[i]}")
    else
      install -m "${modes[i]}" -- "${sources[i]}" "$DESTDIR${targets[i]}" || return 1
      entries+=("f ${targets[i]}")
    fi
  done
  [ -n "$DESTDIR" ] && return 0
  make_dirs "$(dirname "$manifest")" || return 1
  entries+=("f $manifest")
  printf '%s\n' "${entries[@]}" >"$manifest"
}
if ! install_plan; then
  remove_entries "${entries[@]}"
  die "installing under $DESTDIR$prefix failed; nothing is left installed"
fi

echo "installed oskit-io $version under $DESTDIR$prefix: ${#targets[@]} files"
if [ -z "$DESTDIR" ] && ! ldconfig -p 2>/dev/null | grep -q "liboskit-io.so.$soversion .*=> $prefix/$libdir/"; then
  echo "programs find the shared libraries once ldconfig has run (as root) or through LD_LIBRARY_PATH=$prefix/$libdir"
fi
