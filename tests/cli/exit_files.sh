#!/usr/bin/env bash
# Files a program leaves open are flushed and closed when the process ends,
# however it ends: the program finishing, exit(), an uncaught error, a
# suspension, and a resumed run writing to a file it reopened (shapevm lets
# the operating system reclaim the heap at exit instead of freeing it, but
# closes the files first: Heap::abandonAtExit).
#
# Usage: bash tests/cli/exit_files.sh SHAPEVM SOURCE_DIR
set -u

if [ $# -lt 2 ]; then
  echo "usage: $0 SHAPEVM SOURCE_DIR" >&2
  exit 2
fi
shapevm=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 2

failures=0
checks=0
check() {  # check DESCRIPTION EXPECTED ACTUAL
  checks=$((checks + 1))
  if [ "$2" != "$3" ]; then
    echo "FAIL: $1: expected [$2], got [$3]" >&2
    failures=$((failures + 1))
  fi
}

# Writes a line to out.txt, leaves the file open, then ends by ENDING.
# written ENDING
written() {
  cat > open.shape <<EOF
let out = open("out.txt", "w")
out.write("before\n")
$1
EOF
}

written 'print("done")'
"$shapevm" run open.shape > /dev/null
check "finished: status" 0 $?
check "finished: file" "before" "$(cat out.txt)"

written 'exit(3)'
"$shapevm" run open.shape > /dev/null
check "exit(3): status" 3 $?
check "exit(3): file" "before" "$(cat out.txt)"

written 'let boom = [][1]'
"$shapevm" run open.shape > /dev/null 2>&1
check "uncaught error: status" 1 $?
check "uncaught error: file" "before" "$(cat out.txt)"

written 'suspend()
out.write("after\n")'
rm -f job.snap
"$shapevm" run --snapshot job.snap open.shape > /dev/null
check "suspended: status" 75 $?
check "suspended: file" "before" "$(cat out.txt)"
"$shapevm" verify job.snap > /dev/null
check "verify: status" 0 $?
"$shapevm" resume job.snap > /dev/null
check "resumed: status" 0 $?
check "resumed: file" "before
after" "$(cat out.txt)"

echo "$checks checks, $failures failures"
[ "$failures" -eq 0 ]
