#!/usr/bin/env bash
# Out of memory is an error, never a crash: under an address-space limit
# (ulimit -v), a program that exhausts memory and a source too large to
# compile both end with status 1 and a message, not with an abort (134).
# Needs a build without AddressSanitizer (which reserves terabytes of
# address space up front): scripts/test passes the Release build.
#   bash out_of_memory.sh SHAPEVM SOURCE_DIR
set -uo pipefail
shapevm=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
failures=0
limit_kib=400000

# expect NAME STATUS TEXT -- COMMAND...: COMMAND under the limit exits with
# STATUS and its stderr contains TEXT.
expect() {
  local name=$1 status=$2 text=$3
  shift 4
  (ulimit -v "$limit_kib"; "$@" >out.txt 2>err.txt)
  local actual=$?
  if [ "$actual" != "$status" ] || ! grep -qF "$text" err.txt; then
    echo "FAIL $name: status $actual (expected $status), stderr:"
    head -5 err.txt
    failures=$((failures + 1))
  fi
}

cat >grow.shape <<'SHAPE'
var parts = []
var chunk = "x"
for i in 0..20 { chunk = chunk + chunk }
while true { parts.push(chunk + str(parts.length)) }
SHAPE
expect "a program that exhausts memory" 1 "MemoryError" -- "$shapevm" run grow.shape

cat >double.shape <<'SHAPE'
var s = "x"
while true { s = s + s }
SHAPE
expect "a string that doubles until memory runs out" 1 "MemoryError" -- "$shapevm" run double.shape

# A 3-million-element array literal: the compiler's own allocations fail.
{ printf 'var a = ['; yes '1,' | head -n 3000000 | tr -d '\n'; printf '1]\nprint(a.length)\n'; } >big.shape
expect "a source too large to compile" 1 "out of memory" -- "$shapevm" run big.shape

echo "out of memory: 3 checks, $failures failures"
[ "$failures" = 0 ]
