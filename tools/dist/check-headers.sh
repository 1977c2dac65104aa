#!/usr/bin/env bash
# Compiles the installed headers the way a project using them would, with the
# include flags of `pkg-config --cflags oskit-evl oskit-io` (set
# PKG_CONFIG_PATH for an install outside pkg-config's search path):
#   - every header alone, so that each includes what it needs: a C header as
#     C99, every header as C++17 (GCC);
#   - all C headers together with -std=c99, and all headers together with
#     -std=c++17 and -std=c++20, each under GCC and Clang;
# always with -Wall -Wextra -pedantic -Werror, and with _GNU_SOURCE for
# libevl's API (<evl/...>, <uapi/evl/...>), whose headers need POSIX types
# (struct timespec, pthread_t) as libevl's own programs are built with it.
# A C header is one that declares
# C linkage (OSKIT_BEGIN_DECLS or an __cplusplus guard), or that a C header
# includes. Prints one line per check, "PASS: headers ..." or "FAIL: headers ...",
# and fails if any check fails.
set -uo pipefail

warnings=(-Wall -Wextra -pedantic -Werror)
# The feature macro for a set of headers: _GNU_SOURCE when libevl's are among them.
features() { # headers...
  case " $* " in *" evl/"* | *" uapi/"*) echo "-D_GNU_SOURCE" ;; esac
}
# After the includes: a header of macros alone would leave the unit empty,
# which ISO C forbids.
tail="typedef int oskit_header_check;"
cflags=$(pkg-config --cflags oskit-evl oskit-io) || exit 1
roots=()
for flag in $cflags; do
  case "$flag" in -I*) roots+=("${flag#-I}") ;; esac
done
[ ${#roots[@]} -gt 0 ] || {
  echo "FAIL: headers: no include directory in pkg-config's flags: $cflags"
  exit 1
}

# Every header, named as a program includes it.
mapfile -t headers < <(for root in "${roots[@]}"; do (cd "$root" && find . -name '*.h' -printf '%P\n'); done | sort)

installed() { # header name
  local root
  for root in "${roots[@]}"; do [ -f "$root/$1" ] && echo "$root/$1" && return 0; done
  return 1
}

# C headers: those declaring C linkage, and the headers of ours they include
# when compiled as C (the compiler's dependency list).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1 # so that no header is found beside the unit compiled
declare -A is_c=()
for header in "${headers[@]}"; do
  grep -qE 'OSKIT_BEGIN_DECLS|__cplusplus' "$(installed "$header")" || continue
  # shellcheck disable=SC2086
  for dependency in $(echo "#include \"$header\"" | gcc -x c -std=c99 $cflags -MM -MT x - | sed 's/\\$//'); do
    for root in "${roots[@]}"; do
      case "$dependency" in "$root"/*) is_c[${dependency#"$root"/}]=1 ;; esac
    done
  done
done
c_headers=()
for header in "${headers[@]}"; do
  [ -z "${is_c[$header]:-}" ] || c_headers+=("$header")
done

failed=0
check() { # name, compiler, language, standard, headers...
  local name=$1 compiler=$2 language=$3 standard=$4 header
  shift 4
  {
    for header in "$@"; do echo "#include \"$header\""; done
    echo "$tail"
  } >"$work/$name.$language"
  # shellcheck disable=SC2086
  if "$compiler" -x "$language" "-std=$standard" "${warnings[@]}" $(features "$@") $cflags -fsyntax-only "$work/$name.$language" \
    >"$work/$name.log" 2>&1; then
    echo "PASS: headers $name"
  else
    echo "FAIL: headers $name"
    sed 's/^/    /' "$work/$name.log" | head -n 40
    failed=1
  fi
}

# Each header alone: one check per language, naming the headers that fail.
alone() { # language, standard, compiler, headers...
  local language=$1 standard=$2 compiler=$3 header bad=()
  shift 3
  export language standard compiler cflags work tail warnings_list="${warnings[*]}"
  mapfile -t bad < <(printf '%s\n' "$@" | xargs -P "$(nproc)" -I{} sh -c '
    src="$work/alone-$(echo "{}" | tr / _).$language"
    printf "#include \"%s\"\n%s\n" "{}" "$tail" >"$src"
    case "{}" in evl/* | uapi/*) features=-D_GNU_SOURCE ;; *) features= ;; esac
    $compiler -x $language -std=$standard $warnings_list $features $cflags -fsyntax-only "$src" >"$src.log" 2>&1 || echo "{}"')
  if [ ${#bad[@]} -eq 0 ]; then
    echo "PASS: headers each alone as $standard ($# headers)"
    return
  fi
  echo "FAIL: headers each alone as $standard: ${bad[*]}"
  for header in "${bad[@]}"; do
    sed 's/^/    /' "$work/alone-$(echo "$header" | tr / _).$language.log" | head -n 20
  done
  failed=1
}

alone c c99 gcc "${c_headers[@]}"
alone c++ c++17 g++ "${headers[@]}"
for compiler in gcc clang; do
  check "c99-$compiler" "$compiler" c c99 "${c_headers[@]}"
done
for compiler in g++ clang++; do
  for standard in c++17 c++20; do
    check "$standard-$compiler" "$compiler" c++ "$standard" "${headers[@]}"
  done
done
exit $failed
