#!/usr/bin/env bash
# Programs and files built to exhaust the host rather than to be malformed:
# each must end in a clear error with the documented status, quickly and
# without the host running out of memory.
# - text that natives build outside the heap (print and str of a structure
#   shared 64 levels deep, whose text has 2^64 parts; replace; join) counts
#   against --max-memory and raises a catchable MemoryError;
# - error messages describe such a structure cut short;
# - a program file that never ends (/dev/zero) or is a directory is refused.
#
# Usage: bash tests/cli/hostile_input.sh SHAPEVM SOURCE_DIR
set -u
cli_timeout=120
source "$(dirname "$0")/lib.sh"
cli_start "$@"
cd "$work" || exit 2

# run_program NAME SOURCE: runs SOURCE with a 16 MiB heap; sets status.
run_program() {
  printf '%s\n' "$2" > "$1.shape"
  "${timeout_cmd[@]}" "$shapevm" run --max-memory 16 "$1.shape" > "$1.out" 2> "$1.err"
  status=$?
}

shared='var x = []
var i = 0
while i < 64 {
  x = [x, x]
  i = i + 1
}'

for call in 'print(x)' 'str(x)' '[x].join(",")'; do
  run_program shared "$shared
try {
  $call
} catch e {
  print(\"caught\", e.kind)
}"
  check "$call of a shared structure: status" 0 "$status"
  check "$call of a shared structure: output" "caught MemoryError" "$(cat shared.out)"
done

run_program uncaught "$shared
throw x"
check "uncaught shared structure: status" 1 "$status"
contains "uncaught shared structure: cut short" "..." uncaught.err
check "uncaught shared structure: message is short" 1 \
  "$([ "$(wc -c < uncaught.err)" -lt 200000 ] && echo 1 || echo 0)"

run_program replace 'var s = "aaaaaaaa"
var i = 0
while i < 17 {
  s = s + s
  i = i + 1
}
try {
  s.replace("a", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
} catch e {
  print("caught", e.kind)
}
print(s.replace("aa", "b").length())'
check "replace past the limit: status" 0 "$status"
check "replace past the limit: output" "caught MemoryError
524288" "$(cat replace.out)"

run_program join 'var parts = []
var i = 0
while i < 1000 {
  parts = parts.push("p")
  i = i + 1
}
let sep = "ssssssssssssssssssssssssssssssss"
var big = sep
i = 0
while i < 10 {
  big = big + big
  i = i + 1
}
try {
  parts.join(big)
} catch e {
  print("caught", e.kind)
}
print(parts.join("-").length())'
check "join past the limit: status" 0 "$status"
check "join past the limit: output" "caught MemoryError
1999" "$(cat join.out)"

mkdir program.dir
for path in /dev/zero program.dir; do
  "${timeout_cmd[@]}" "$shapevm" run "$path" > /dev/null 2> bad.err
  check "run $path: status" 3 $?
  contains "run $path: names the file" "$path" bad.err
done

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
