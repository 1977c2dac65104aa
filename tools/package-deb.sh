#!/usr/bin/env bash
# Builds the Debian packages of oskit-io with dpkg-deb:
#
#   tools/package-deb.sh [OUTDIR]      (default: the current directory)
#
#   liboskit-io0      the shared libraries liboskit-io.so.0 and liboskit-evl.so.0
#                     (Debian names a library package after its soname)
#   liboskit-io-dev   headers, static libraries, development links, pkg-config
#                     files and the CMake package
#
# The files are tools/install.sh's, staged for /usr with the multiarch
# libdir. liboskit-io0 depends on the Debian packages its libraries are linked
# against (dpkg-shlibdeps); liboskit-io-dev on liboskit-io0 of the same version
# and on the packages holding the system headers its headers include and the
# libraries its pkg-config files name. When lintian is installed the packages
# are checked and an error fails the build. Maintainer: $DEBFULLNAME <$DEBEMAIL>.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

outdir=$(realpath -m "${1:-.}")
version=$(cat tools/dist/VERSION)
soversion=${version%%.*}
revision=1
runtime=liboskit-io$soversion
dev=liboskit-io-dev
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
maintainer="${DEBFULLNAME:-oskit-io maintainers} <${DEBEMAIL:-maintainers@oskit-io.org}>"
changed=$(git log -1 --format=%aD 2>/dev/null || date -R)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/stage
DESTDIR=$stage tools/install.sh --libdir="lib/$multiarch" /usr

# debian/<package>/ trees, as dpkg-shlibdeps expects them.
cd "$work"
mkdir -p debian "debian/$runtime/usr/lib/$multiarch" "debian/$dev/usr"
printf 'Source: oskit-io\n\nPackage: %s\nArchitecture: any\n\nPackage: %s\nArchitecture: any\n' \
  "$runtime" "$dev" >debian/control
mv "$stage/usr/lib/$multiarch"/lib*.so.* "debian/$runtime/usr/lib/$multiarch/"
cp -a "$stage/usr/." "debian/$dev/usr/"
for so in "debian/$runtime/usr/lib/$multiarch"/lib*.so.*.*; do
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$so"
done
for archive in "debian/$dev/usr/lib/$multiarch"/*.a; do
  strip --strip-debug --remove-section=.comment --enable-deterministic-archives "$archive"
done

docs() { # package: copyright and changelog, as every Debian package carries
  local doc=debian/$1/usr/share/doc/$1
  mkdir -p "$doc"
  sed "s/@YEAR@/$(date -d "$changed" +%Y)/" "$root/tools/dist/copyright" >"$doc/copyright"
  printf '%s\n' "oskit-io ($version-$revision) unstable; urgency=medium" "" \
    "  * Built from the oskit-io source tree." "" " -- $maintainer  $changed" |
    gzip -9n >"$doc/changelog.Debian.gz"
}
docs "$runtime"
docs "$dev"

# liboskit-io0: shlibs (what a program linked against it depends on) and the ldconfig trigger.
mkdir -p "debian/$runtime/DEBIAN" "debian/$dev/DEBIAN"
for lib in oskit-io oskit-evl; do
  echo "lib$lib $soversion $runtime (>= $version)"
done >"debian/$runtime/DEBIAN/shlibs"
echo "activate-noawait ldconfig" >"debian/$runtime/DEBIAN/triggers"
runtime_depends=$(dpkg-shlibdeps -O "-x$runtime" "debian/$runtime/usr/lib/$multiarch"/lib*.so.*.* |
  sed -n 's/^shlibs:Depends=//p')

# liboskit-io-dev: the packages owning what the headers include from the
# system and the libraries the pkg-config files link (Abseil's), not the C
# and C++ libraries every compiler brings.
owner() { # file
  dpkg -S "$1" 2>/dev/null | head -n1 | cut -d: -f1
}
dev_depends=$(
  {
    grep -rhoE '^#include [<"][^>"]+[>"]' "debian/$dev/usr/include" | sed -E 's/#include .(.*)./\1/' | sort -u |
      while read -r header; do
        [ -f "debian/$dev/usr/include/oskit-io/$header" ] || [ -f "debian/$dev/usr/include/oskit-evl/$header" ] ||
          for dir in /usr/include "/usr/include/$multiarch"; do
            [ -f "$dir/$header" ] && owner "$dir/$header" && break
          done
      done
    PKG_CONFIG_PATH="debian/$dev/usr/lib/$multiarch/pkgconfig" \
      pkg-config --static --libs-only-l oskit-evl oskit-io |
      tr ' ' '\n' | sed -n 's/^-l//p' | grep -v '^oskit-' | sort -u | while read -r lib; do
        for dir in "/usr/lib/$multiarch" /usr/lib; do
          [ -e "$dir/lib$lib.so" ] && owner "$dir/lib$lib.so" && break
        done
      done
    true
  } | grep -vE '^(libc6-dev|libstdc\+\+-[0-9]+-dev|libgcc-[0-9]+-dev|linux-libc-dev)$' | sort -u |
    paste -sd, | sed 's/,/, /g'
)

control() { # package, section, depends, summary, description file
  local dir=debian/$1
  (cd "$dir" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
  {
    echo "Package: $1"
    echo "Source: oskit-io"
    echo "Version: $version-$revision"
    echo "Architecture: $arch"
    echo "Maintainer: $maintainer"
    echo "Installed-Size: $(du -sk --exclude=DEBIAN "$dir" | cut -f1)"
    [ "$1" = "$runtime" ] && echo "Multi-Arch: same"
    echo "Depends: $3"
    echo "Section: $2"
    echo "Priority: optional"
    echo "Description: $4"
    sed 's/^$/./; s/^/ /' "$root/tools/dist/$5"
  } >"$dir/DEBIAN/control"
}
control "$runtime" libs "$runtime_depends" "OSKit-style COM components for I/O objects (libraries)" description-runtime
control "$dev" libdevel "$runtime (= $version-$revision), $dev_depends" \
  "OSKit-style COM components for I/O objects (development files)" description-dev

mkdir -p "$outdir"
for package in "$runtime" "$dev"; do
  find "debian/$package" -type d -exec chmod 755 {} +
  dpkg-deb --root-owner-group -Zxz --build "debian/$package" "$outdir/${package}_$version-${revision}_$arch.deb"
done
if command -v lintian >/dev/null; then
  lintian --fail-on error "$outdir/${runtime}_$version-${revision}_$arch.deb" "$outdir/${dev}_$version-${revision}_$arch.deb"
fi
