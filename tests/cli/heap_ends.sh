#!/usr/bin/env bash
# The heap at the two ends of a process, as the command line shows it:
# - `resume --max-memory` holds while the snapshot's heap is rebuilt (the
#   collector is paused then, the limit is not): a heap larger than the limit
#   is refused with status 3 and a message naming the limit; under a larger
#   limit the same snapshot resumes;
# - files a program leaves open are flushed and closed when the process ends,
#   however it ends: the program finishing, exit(), an uncaught error, a
#   suspension, and a resumed run writing to a file it reopened (shapevm
#   lets the operating system reclaim the heap at exit instead of freeing
#   it, but closes the files first: Heap::abandonAtExit).
#
# Usage: bash tests/cli/heap_ends.sh SHAPEVM SOURCE_DIR
set -u
source "$(dirname "$0")/lib.sh"
cli_start "$@"
cd "$work" || exit 2

# About 4 MiB of live strings, then a suspension.
cat > big.shape <<'EOF2'
var keep = []
var i = 0
while i < 40000 {
  keep = keep.push("a string of about a hundred bytes, kept alive across the suspension: " + str(i))
  i = i + 1
}
suspend()
print("resumed", len(keep))
EOF2

"$shapevm" run --snapshot big.snap big.shape > /dev/null
check "suspended" 75 $?

"$shapevm" resume --max-memory 1 big.snap > out.txt 2> err.txt
check "over the limit: status" 3 $?
check "over the limit: message" 1 "$(grep -c 'does not fit in the memory limit (--max-memory)' err.txt)"
check "over the limit: nothing ran" "" "$(cat out.txt)"

"$shapevm" resume --max-memory 64 big.snap > out.txt
check "under the limit: status" 0 $?
check "under the limit: output" "resumed 40000" "$(cat out.txt)"

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
