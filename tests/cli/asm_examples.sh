#!/usr/bin/env bash
# Command-line test of the assembler: every examples/*.sasm assembles, runs and
# prints exactly its .expected file; its disassembly assembles again (through a
# pipe) into a program that disassembles identically and runs identically; and
# bad input exits with status 3 naming file:line:col.
# Usage: bash asm_examples.sh SHAPEVM SOURCE_DIR
set -u
source "$(dirname "$0")/lib.sh"
cli_start "$@"

count=0
for source in "$source_dir"/examples/*.sasm; do
  name=$(basename "$source" .sasm)
  count=$((count + 1))
  if ! "$shapevm" asm "$source" -o "$work/$name.sbc" 2>"$work/$name.asm.err"; then
    fail "$name: asm failed: $(cat "$work/$name.asm.err")"
    continue
  fi
  "$shapevm" run "$work/$name.sbc" >"$work/$name.out" 2>"$work/$name.run.err"
  status=$?
  if [ "$status" -ne 0 ]; then
    fail "$name: run exited with $status: $(cat "$work/$name.run.err")"
  fi
  if ! cmp -s "$work/$name.out" "$source.expected"; then
    fail "$name: stdout differs from $name.sasm.expected"
    diff "$source.expected" "$work/$name.out" >&2
  fi

  # Round trip: disasm | asm /dev/stdin gives the same program back.
  if ! "$shapevm" disasm "$work/$name.sbc" >"$work/$name.dis"; then
    fail "$name: disasm failed"
    continue
  fi
  if ! "$shapevm" disasm "$work/$name.sbc" |
      "$shapevm" asm /dev/stdin -o "$work/$name.2.sbc" 2>"$work/$name.asm2.err"; then
    fail "$name: re-assembling the disassembly failed: $(cat "$work/$name.asm2.err")"
    continue
  fi
  "$shapevm" disasm "$work/$name.2.sbc" >"$work/$name.2.dis"
  # Only the recorded source file name may differ (the second pass read /dev/stdin).
  if ! diff <(grep -v '^\.source ' "$work/$name.dis") <(grep -v '^\.source ' "$work/$name.2.dis") >/dev/null; then
    fail "$name: disassembly changed across asm(disasm(p))"
    diff "$work/$name.dis" "$work/$name.2.dis" >&2
  fi
  "$shapevm" run "$work/$name.2.sbc" >"$work/$name.2.out" 2>/dev/null
  status2=$?
  if [ "$status2" -ne "$status" ] || ! cmp -s "$work/$name.out" "$work/$name.2.out"; then
    fail "$name: the re-assembled program runs differently"
  fi
done
if [ "$count" -lt 5 ]; then
  fail "expected at least five examples, found $count"
fi

# A syntax error: exit status 3 and a file:line:col message.
printf '.function main\n  none\n  frobnicate 1\n  return\n.end\n' >"$work/bad.sasm"
"$shapevm" asm "$work/bad.sasm" -o "$work/bad.sbc" 2>"$work/bad.err"
status=$?
if [ "$status" -ne 3 ]; then
  fail "syntax error: expected exit status 3, got $status"
fi
if ! grep -q "bad.sasm:3:3: .*unknown instruction 'frobnicate'" "$work/bad.err"; then
  fail "syntax error: message lacks file:line:col: $(cat "$work/bad.err")"
fi

# A verifier error is located at the offending instruction too.
printf '.function main\n  none\n  add\n  return\n.end\n' >"$work/underflow.sasm"
"$shapevm" asm "$work/underflow.sasm" -o "$work/underflow.sbc" 2>"$work/underflow.err"
status=$?
if [ "$status" -ne 3 ] || ! grep -q "underflow.sasm:3:3: " "$work/underflow.err"; then
  fail "stack error: expected status 3 at underflow.sasm:3:3, got $status: $(cat "$work/underflow.err")"
fi

# Garbage input is rejected, not crashed on.
head -c 4096 /dev/urandom >"$work/garbage.sasm"
"$shapevm" asm "$work/garbage.sasm" -o "$work/garbage.sbc" 2>/dev/null
status=$?
if [ "$status" -ne 3 ]; then
  fail "garbage input: expected status 3, got $status"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "asm_examples: $count examples OK"
