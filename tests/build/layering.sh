#!/usr/bin/env bash
# The module boundaries hold at build time (CMakeLists.txt): configuration
# fails when a module links one of its own layer or above, and a module's
# code cannot include the headers of a module it does not link. Each case
# configures a copy of the sources with one boundary broken.
#
# Usage: bash tests/build/layering.sh SOURCE_DIR
set -u
source_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
  echo "FAIL: $1"
  failures=$((failures + 1))
}

# copy NAME: a fresh copy of what the libraries are built from, in $work/NAME.
copy() {
  mkdir "$work/$1"
  cp -r "$source_dir/CMakeLists.txt" "$source_dir/vm" "$source_dir/compiler" "$source_dir/cli" \
    "$work/$1/"
}

configure() {
  cmake -S "$work/$1" -B "$work/$1/build" -DSHAPEVM_TESTS=OFF > "$work/$1.log" 2>&1
}

# The sources as they are configure.
copy as_is
configure as_is || fail "the sources as they are do not configure: $(tail -5 "$work/as_is.log")"

# A module that links a higher module (core links snapshot), and one that
# links a module of its own layer (asm links compiler).
for edit in 's/(shapevm_core vm\/core LAYER 0)/\1 MODULES shapevm_snapshot/' \
  's/(shapevm_asm vm\/asm LAYER 2 MODULES shapevm_bytecode)/\1 shapevm_compiler/'; do
  copy upward
  sed -E -i "$edit" "$work/upward/CMakeLists.txt"
  cmp -s "$source_dir/CMakeLists.txt" "$work/upward/CMakeLists.txt" &&
    fail "the edit '$edit' no longer applies to CMakeLists.txt"
  if configure upward; then
    fail "a module linking upward configured ($edit)"
  elif ! grep -q "only modules of lower layers" "$work/upward.log"; then
    fail "a module linking upward failed without the layering message: $(cat "$work/upward.log")"
  fi
  rm -rf "$work/upward"
done

# core includes a header of interp, which it does not link; and, to show the
# probe itself is sound, a header of its own.
copy include
probe=$work/include/vm/core/layering_probe.cpp
echo '#include "interp/vm.h"' > "$probe"
configure include || fail "the copy does not configure"
if cmake --build "$work/include/build" --target vm/core/layering_probe.cpp.o \
  > "$work/include.log" 2>&1; then
  fail "core compiled an include of interp"
elif ! grep -q "interp/vm.h" "$work/include.log"; then
  fail "the include of interp failed for another reason: $(cat "$work/include.log")"
fi
echo '#include "core/heap.h"' > "$probe"
cmake --build "$work/include/build" --target vm/core/layering_probe.cpp.o \
  > "$work/include.log" 2>&1 || fail "core cannot include its own header: $(cat "$work/include.log")"

echo "layering: $failures failures"
[ "$failures" -eq 0 ]
