#!/usr/bin/env bash
# Golden script tests: runs every tests/scripts/**/*.shape with `shapevm run`
# and checks it against the annotations in its comments:
#   // expect: TEXT         next expected stdout line (in order; all lines must match)
#   // expect-exit: N       expected exit status (default 0)
#   // expect-stderr: TEXT  TEXT must occur somewhere in stderr (may repeat)
#   // args: A B C          arguments passed after the script (split on spaces)
#   // stdin: TEXT          a line fed to the program's stdin (may repeat; empty allowed)
# Each script runs in a fresh temporary directory (files it opens land there).
# Files under a directory named `lib` are modules the scripts import
# (`use lib::name`), not scripts: they are not run on their own.
#
# Usage: bash tests/cli/scripts.sh SHAPEVM SOURCE_DIR [NAME_FILTER]
# Pure bash plus coreutils (no python): CI machines may not have it.
set -u
cli_usage="[NAME_FILTER]"
cli_timeout=120
source "$(dirname "$0")/lib.sh"
cli_start "$@"
scripts_dir=$source_dir/tests/scripts

passed=0
failed=0
failed_names=()

# Reads the annotations of "$1" into expected_lines, expected_exit,
# expected_stderr, script_args and stdin_lines.
read_annotations() {
  expected_lines=()
  expected_exit=0
  expected_stderr=()
  script_args=()
  stdin_lines=()
  local line text
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in
      *"// expect: "*) expected_lines+=("${line#*// expect: }") ;;
      *"// expect:") expected_lines+=("") ;;
      *"// expect-exit: "*) text=${line#*// expect-exit: }; expected_exit=${text%% *} ;;
      *"// expect-stderr: "*) expected_stderr+=("${line#*// expect-stderr: }") ;;
      *"// args: "*) read -r -a script_args <<< "${line#*// args: }" ;;
      *"// stdin: "*) stdin_lines+=("${line#*// stdin: }") ;;
      *"// stdin:") stdin_lines+=("") ;;
    esac
  done < "$1"
}

run_one() {
  local script=$1
  local name=${script#"$scripts_dir"/}
  read_annotations "$script"

  local dir=$work/run
  rm -rf "$dir"
  mkdir -p "$dir"
  : > "$work/stdin"
  local l
  for l in ${stdin_lines[@]+"${stdin_lines[@]}"}; do printf '%s\n' "$l" >> "$work/stdin"; done

  local status
  (cd "$dir" && ${timeout_cmd[@]+"${timeout_cmd[@]}"} "$shapevm" run "$script" \
     ${script_args[@]+"${script_args[@]}"} < "$work/stdin" > "$work/stdout" 2> "$work/stderr")
  status=$?

  local problems=()
  : > "$work/expected"
  for l in ${expected_lines[@]+"${expected_lines[@]}"}; do printf '%s\n' "$l" >> "$work/expected"; done
  if ! cmp -s "$work/expected" "$work/stdout"; then
    problems+=("stdout differs (--- expected, +++ actual):")
    if command -v diff > /dev/null 2>&1; then
      problems+=("$(diff -u "$work/expected" "$work/stdout" | tail -n +3)")
    else
      problems+=("expected:" "$(cat "$work/expected")" "actual:" "$(cat "$work/stdout")")
    fi
  fi
  if [ "$status" != "$expected_exit" ]; then
    problems+=("exit status $status, expected $expected_exit")
  fi
  local s
  for s in ${expected_stderr[@]+"${expected_stderr[@]}"}; do
    if ! grep -qF -- "$s" "$work/stderr"; then problems+=("stderr lacks: $s"); fi
  done

  if [ ${#problems[@]} -eq 0 ]; then
    passed=$((passed + 1))
    return
  fi
  failed=$((failed + 1))
  failed_names+=("$name")
  echo "FAIL $name"
  local p
  for p in "${problems[@]}"; do printf '%s\n' "$p" | sed 's/^/    /'; done
  if [ -s "$work/stderr" ]; then
    echo "    stderr:"
    head -n 20 "$work/stderr" | sed 's/^/      /'
  fi
}

while IFS= read -r script; do
  if [ -n "$filter" ] && [[ "$script" != *"$filter"* ]]; then continue; fi
  run_one "$script"
done < <(find "$scripts_dir" -name '*.shape' -type f -not -path '*/lib/*' | LC_ALL=C sort)

echo "scripts: $passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
  for n in "${failed_names[@]}"; do echo "  failed: $n"; done
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "error: no scripts found under $scripts_dir" >&2
  exit 1
fi
exit 0
