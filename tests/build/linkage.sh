#!/usr/bin/env bash
# What `shapevm-run` loads at start-up (docs/design.md, "Memory"): it never
# reads a snapshot, so it must not need simdjson, and outside sanitizer
# builds (which need the shared C++ runtime) it links that runtime
# statically, so it needs no libstdc++ either. `shapevm-vm` still reads
# snapshots, so it must need simdjson (else this check checks nothing).
# When the build lays the code out by LINK_ORDER (cli/link_order.txt), the
# functions it lists that shapevm-run has must sit side by side: their span
# is at most a quarter more than their sizes add up to.
#
# Usage: bash tests/build/linkage.sh SHAPEVM_RUN SHAPEVM_VM SANITIZED(ON|OFF)
#                                    [LINK_ORDER]
set -u
run_vm=$1
full_vm=$2
sanitized=$3
link_order=${4:-}
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

if [ -n "$link_order" ]; then
  listed=0 first= end=0 total=0
  while read -r name address size; do
    address=$((16#$address)) size=$((16#$size))
    listed=$((listed + 1)) total=$((total + size))
    if [ -z "$first" ] || [ "$address" -lt "$first" ]; then first=$address; fi
    if [ $((address + size)) -gt "$end" ]; then end=$((address + size)); fi
  done < <(join <(grep -v '^#' "$link_order" | sort) \
                <(nm -S --defined-only "$run_vm" | awk 'NF == 4 && $3 ~ /^[tTwW]$/ {print $4, $1, $2}' | sort))
  if [ "$listed" -lt 100 ]; then
    fail "shapevm-run has only $listed of the functions $link_order lists: run scripts/gen-link-order"
  elif [ $(((end - first) * 4)) -gt $((total * 5)) ]; then
    fail "the $listed listed functions of shapevm-run ($total bytes) span $((end - first)) bytes: not laid out together"
  else
    echo "linkage: $listed listed functions of shapevm-run ($total bytes) span $((end - first)) bytes"
  fi
fi

if [ "$failures" -gt 0 ]; then
  exit 1
fi
echo "linkage: shapevm-run needs only:" $run_needs
