#!/usr/bin/env bash
# The install test (CTest label `install`, docs/install.md): installs the build into a temporary
# prefix and uses it as an outside project would.
#
#   run.sh <build dir> <work dir>
#
#   1. cmake --install <build dir> --prefix <work dir>/prefix, then checks the layout: every
#      public header, the static libraries, libdosql.so with its soname links, the CMake package,
#      the pkg-config files, and nothing test- or bench-only.
#   2. Configures, builds (Ninja) and runs the example projects beside this script with
#      find_package(dosql): facade_app (dosql::dosql), parser_app (dosql::parser), c_app (dosql::c).
#   3. With pkg-config: builds c_app/main.c with `pkg-config --cflags --libs dosql` and
#      parser_app/main.cc with dosql-parser, and runs them.
#   The work dir is removed when everything passed and kept (logs, prefix) when something failed.
#
# Environment (set by test/CMakeLists.txt): CMAKE, CC, CXX, LAUNCHER (ccache or empty),
# DOSQL_VERSION (the version find_package must accept).
set -euo pipefail
build=$(cd "$1" && pwd)
work=$2
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
CMAKE=${CMAKE:-cmake}
CC=${CC:-cc}
CXX=${CXX:-c++}
LAUNCHER=${LAUNCHER:-}

fail() { echo "install test: $*" >&2; exit 1; }
step() { echo "== $*"; }

rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
prefix=$work/prefix

step "install into $prefix"
"$CMAKE" --install "$build" --prefix "$prefix" >"$work/install.log" || {
  cat "$work/install.log"; fail "cmake --install failed"; }

# The library directory is wherever GNUInstallDirs put it (lib, lib64, lib/<multiarch>).
config=$(find "$prefix" -name dosqlConfig.cmake -print -quit)
[ -n "$config" ] || fail "no dosqlConfig.cmake installed"
libdir=$(dirname "$(dirname "$(dirname "$config")")")
for f in dosqlConfig.cmake dosqlConfigVersion.cmake dosqlTargets.cmake; do
  [ -f "$libdir/cmake/dosql/$f" ] || fail "missing $libdir/cmake/dosql/$f"
done

step "check the installed files"
# Headers: exactly the public headers of the source tree.
(cd "$source_dir" && for d in libs/*/include bindings/c/include; do
   (cd "$d" && find . -name '*.h'); done) | sed 's|^\./||' | sort >"$work/headers.expected"
(cd "$prefix/include" && find . -type f) | sed 's|^\./||' | sort >"$work/headers.installed"
diff -u "$work/headers.expected" "$work/headers.installed" || fail "installed headers differ"
for lib in core parser fsx wal btree transaction engine dosql; do
  [ -f "$libdir/libdosql_$lib.a" ] || fail "missing libdosql_$lib.a"
  pc=dosql-$lib
  [ "$lib" = dosql ] && pc=dosql-cpp
  [ -f "$libdir/pkgconfig/$pc.pc" ] || fail "missing $pc.pc"
done
[ -f "$libdir/pkgconfig/dosql.pc" ] || fail "missing dosql.pc"
# libdosql.so -> libdosql.so.MAJOR -> libdosql.so.MAJOR.MINOR.PATCH
soname=$(readlink "$libdir/libdosql.so") || fail "libdosql.so is not a symlink"
real=$(readlink "$libdir/$soname") || fail "$soname is not a symlink"
[ "$real" = "libdosql.so.$DOSQL_VERSION" ] || fail "libdosql.so.* points at $real"
[ -f "$libdir/$real" ] || fail "missing $real"
if command -v readelf >/dev/null; then
  readelf -d "$libdir/$real" | grep -q "SONAME.*\[$soname\]" || fail "$real's SONAME is not $soname"
fi
# Nothing test-only, bench or third-party.
if (cd "$prefix" && find .) | grep -Ei 'test|bench|gtest|gmock|sqlite|slt'; then
  fail "test, bench or third-party files were installed (above)"
fi

# Configures, builds and runs one example project; $1 = directory name, the rest = cmake args.
build_example() {
  local name=$1
  shift
  step "build $name with find_package(dosql)"
  "$CMAKE" -S "$here/$name" -B "$work/$name" -G Ninja -DCMAKE_BUILD_TYPE= \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
    -DCMAKE_C_COMPILER_LAUNCHER="$LAUNCHER" -DCMAKE_CXX_COMPILER_LAUNCHER="$LAUNCHER" \
    "$@" >"$work/$name.configure.log" 2>&1 || {
    cat "$work/$name.configure.log"; fail "configuring $name failed"; }
  # It must have found the package just installed, not one elsewhere on the machine.
  grep -q "^dosql_DIR:PATH=$libdir/cmake/dosql\$" "$work/$name/CMakeCache.txt" ||
    fail "$name found dosql elsewhere: $(grep ^dosql_DIR: "$work/$name/CMakeCache.txt")"
  "$CMAKE" --build "$work/$name" >"$work/$name.build.log" 2>&1 || {
    cat "$work/$name.build.log"; fail "building $name failed"; }
  "$work/$name/$name" || fail "$name failed"
}

build_example facade_app -DDOSQL_EXPECTED_VERSION="$DOSQL_VERSION"
build_example parser_app
build_example c_app

if command -v pkg-config >/dev/null; then
  # PKG_CONFIG_LIBDIR replaces the default search path: only the installed .pc files are seen.
  export PKG_CONFIG_LIBDIR=$libdir/pkgconfig
  [ "$(pkg-config --modversion dosql)" = "$DOSQL_VERSION" ] || fail "dosql.pc has the wrong version"
  step "build c_app/main.c with pkg-config dosql: $(pkg-config --cflags --libs dosql)"
  # shellcheck disable=SC2046  # the flags are meant to be split
  $LAUNCHER "$CC" -o "$work/c_app_pkgconfig" "$here/c_app/main.c" $(pkg-config --cflags --libs dosql)
  LD_LIBRARY_PATH=$libdir "$work/c_app_pkgconfig" || fail "c_app (pkg-config) failed"
  step "build parser_app/main.cc with pkg-config dosql-parser: $(pkg-config --cflags --libs dosql-parser)"
  # shellcheck disable=SC2046
  $LAUNCHER "$CXX" -std=c++20 -o "$work/parser_app_pkgconfig" "$here/parser_app/main.cc" \
    $(pkg-config --cflags --libs dosql-parser)
  "$work/parser_app_pkgconfig" || fail "parser_app (pkg-config) failed"
else
  echo "pkg-config not found: skipping the pkg-config builds"
fi
# On success the prefix (a few hundred MB with debug info) is not kept; on failure it stays.
rm -rf "$work"
echo "install test: ok"
