#!/usr/bin/env bash
# Command-line test of the example programs: for every examples/NAME.shape
# (NAME may be in a folder, as slurm/collatz),
#  1. `shapevm run NAME.shape ARGS...` (ARGS from examples/NAME.args, if any)
#     in a fresh temporary directory exits 0 and prints exactly
#     examples/NAME.shape.expected;
#  2. `shapevm compile` gives a .sbc that runs with the same output and status;
#  3. compiling twice gives byte-identical .sbc files.
# An argument naming an existing file or directory under examples/ (such as
# data/words.txt) is passed as its absolute path; any other argument is passed
# unchanged, so output files a job creates land in the temporary directory.
# Pure bash plus coreutils (no python).
#
# Usage: bash tests/cli/shape_examples.sh SHAPEVM SOURCE_DIR [NAME_FILTER]
set -u
cli_usage="[NAME_FILTER]"
source "$(dirname "$0")/lib.sh"
cli_start "$@"
examples=$source_dir/examples

count=0

# Shows how $1 (expected) and $2 (actual) differ, indented (on stderr, with
# the failures).
show_diff() {
  if command -v diff > /dev/null 2>&1; then
    diff -u "$1" "$2" | tail -n +3 | head -n 40 | sed 's/^/    /' >&2
  else
    { echo "    expected:"; head -n 20 "$1" | sed 's/^/      /'
      echo "    actual:"; head -n 20 "$2" | sed 's/^/      /'; } >&2
  fi
}

# Runs `shapevm run PROGRAM ARGS...` in a fresh directory $work/run; leaves
# stdout in $work/$2.out, stderr in $work/$2.err and the status in $status.
run_program() {
  local program=$1 tag=$2
  rm -rf "$work/run"
  mkdir -p "$work/run"
  (cd "$work/run" && ${timeout_cmd[@]+"${timeout_cmd[@]}"} "$shapevm" run "$program" \
     ${program_args[@]+"${program_args[@]}"} < /dev/null > "$work/$tag.out" 2> "$work/$tag.err")
  status=$?
}

for source in "$examples"/*.shape "$examples"/*/*.shape; do
  [ -e "$source" ] || continue
  name=${source#"$examples"/}
  name=${name%.shape}
  sbc=$work/${name//\//_}
  if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then continue; fi
  count=$((count + 1))
  expected=$source.expected
  if [ ! -f "$expected" ]; then
    fail "$name: missing examples/$name.shape.expected"
    continue
  fi

  program_args=()
  if [ -f "$examples/$name.args" ]; then
    read -r -a raw_args < "$examples/$name.args"
    for arg in ${raw_args[@]+"${raw_args[@]}"}; do
      if [ -e "$examples/$arg" ]; then program_args+=("$examples/$arg"); else program_args+=("$arg"); fi
    done
  fi

  # 1. From source.
  run_program "$source" source
  if [ "$status" -ne 0 ]; then
    fail "$name: run exited with status $status"
    head -n 10 "$work/source.err" | sed 's/^/    /'
  fi
  if ! cmp -s "$expected" "$work/source.out"; then
    fail "$name: stdout differs from examples/$name.shape.expected (--- expected, +++ actual)"
    show_diff "$expected" "$work/source.out"
  fi
  source_status=$status

  # 2. Compiled ahead of time.
  if ! "$shapevm" compile "$source" -o "$sbc.sbc" 2> "$work/compile.err"; then
    fail "$name: compile failed"
    head -n 10 "$work/compile.err" | sed 's/^/    /'
    continue
  fi
  run_program "$sbc.sbc" compiled
  if [ "$status" -ne "$source_status" ]; then
    fail "$name: the .sbc exited with status $status, the source with $source_status"
    head -n 10 "$work/compiled.err" | sed 's/^/    /'
  fi
  if ! cmp -s "$work/source.out" "$work/compiled.out"; then
    fail "$name: the .sbc prints something else than the source (--- source, +++ .sbc)"
    show_diff "$work/source.out" "$work/compiled.out"
  fi

  # 3. Compilation is deterministic.
  if ! "$shapevm" compile "$source" -o "$sbc.2.sbc" 2> /dev/null; then
    fail "$name: second compile failed"
  elif ! cmp -s "$sbc.sbc" "$sbc.2.sbc"; then
    fail "$name: compiling twice gives different .sbc files"
  fi
done

if [ "$count" -eq 0 ]; then
  echo "FAIL no examples/*.shape found${filter:+ matching '$filter'}"
  exit 1
fi
if [ "$failures" -ne 0 ]; then
  echo "shape_examples: $failures failure(s) in $count examples"
  exit 1
fi
echo "shape_examples: $count examples OK"
