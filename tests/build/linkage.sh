#!/usr/bin/env bash
# What `shapevm-run` loads at start-up (docs/design.md, "Memory"): it never
# reads a snapshot, so it must not need simdjson, and outside sanitizer
# builds (which need the shared C++ runtime) it links that runtime
# statically, so it needs no libstdc++ either. `shapevm-vm` still reads
# snapshots, so it must need simdjson (else this check checks nothing).
#
# Usage: bash tests/build/linkage.sh SHAPEVM_RUN SHAPEVM_VM SANITIZED(ON|OFF)
set -u
run_vm=$1
full_vm=$2
sanitized=$3
failures=0
fail() {
  echo "FAIL: $1"
  failures=$((failures + 1))
}
needed() {  # the shared libraries program $1 names as needed
  readelf --dynamic "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'
}

run_needs=$(needed "$run_vm") || fail "cannot read $run_vm"
full_needs=$(needed "$full_vm") || fail "cannot read $full_vm"
grep -q '^libsimdjson' <<<"$full_needs" || fail "shapevm-vm does not need simdjson: $full_needs"
grep -q '^libsimdjson' <<<"$run_needs" && fail "shapevm-run needs simdjson: $run_needs"
grep -q '^libfmt' <<<"$run_needs" && fail "shapevm-run needs libfmt (fmt is used as headers): $run_needs"
if [ "$sanitized" != ON ]; then
  grep -q '^libstdc++' <<<"$run_needs" && fail "shapevm-run needs the shared libstdc++: $run_needs"
fi

if [ "$failures" -gt 0 ]; then
  exit 1
fi
echo "linkage: shapevm-run needs only:" $run_needs
