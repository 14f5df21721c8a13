#!/usr/bin/env bash
# Property test of live relocation: for every example program and script
# test that runs to completion, and edits that do not change what it does
# (comments and blank lines that move every line, function declarations
# reordered, an unused function added), suspending at several step counts and
# resuming into the edited program must print exactly what one uninterrupted
# run prints, with every frame the same or remapped (none runs old code).
#   bash property.sh SHAPEVM SOURCE_DIR [SEED]
set -uo pipefail
shopt -s nullglob
shapevm=$(realpath "$1")
source_dir=$(realpath "$2")
RANDOM=${3:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
checked=0
programs=0

# The behaviour-preserving edit of program $1, written to $2: every line
# moves down, a comment goes before each function, the top-level function
# declarations move to the end of the file in reverse order (declarations
# are bound when the program loads, so their place does not matter), and an
# unused function is added.
edit() {
  { echo "// edited: every line moves down by three"; echo; echo
    awk '
      # A declaration ends at the next line starting with "}", or on its own
      # line when its braces balance there.
      /^function / && !inside {
        line = $0; opens = gsub(/{/, "", line)
        line = $0; closes = gsub(/}/, "", line)
        one = opens > 0 && closes >= opens
        inside = 1; block = "// a comment before each function\n"
      }
      inside { block = block $0 "\n"
               if (one || $0 ~ /^}/) { blocks[++count] = block; inside = 0; one = 0 }
               next }
      { print }
      END { if (inside) printf "%s", block
            for (i = count; i >= 1; i--) { print ""; printf "%s", blocks[i] } }' "$1"
    echo; echo "function unused_added_by_an_edit(x) { return x + 1 }"; } >"$2"
}

# Arguments of an example: files under examples/ by absolute path.
arguments_of() {
  local args_file=$source_dir/examples/$1.args
  args=()
  [ -f "$args_file" ] || return 0
  local raw arg
  read -r -a raw <"$args_file"
  for arg in ${raw[@]+"${raw[@]}"}; do
    if [ -e "$source_dir/examples/$arg" ]; then args+=("$source_dir/examples/$arg"); else args+=("$arg"); fi
  done
}

for program in "$source_dir"/examples/*.shape "$source_dir"/tests/scripts/*.shape \
               "$source_dir"/tests/scripts/*/*.shape; do
  name=$(basename "$program" .shape)
  args=()
  case $program in "$source_dir"/examples/*) arguments_of "$name" ;; esac
  # Every run starts in a fresh directory: programs write files there.
  dir=$work/run
  rm -rf "$dir"; mkdir -p "$dir"
  cp "$program" "$dir/job.shape"
  (cd "$dir" && "$shapevm" run job.shape ${args[@]+"${args[@]}"} </dev/null >"$work/reference.out" 2>/dev/null)
  [ $? = 0 ] || continue  # programs that fail, read stdin or suspend themselves are left out
  programs=$((programs + 1))
  for budget in $((RANDOM % 500 + 1)) $((RANDOM % 100000 + 1)); do
    rm -rf "$dir"; mkdir -p "$dir"
    cp "$program" "$dir/job.shape"
    cp "$work/reference.out" "$dir/reference.out"
    edit "$program" "$dir/edited.shape"
    (cd "$dir" && "$shapevm" run --max-steps "$budget" --snapshot job.snap job.shape \
       ${args[@]+"${args[@]}"} </dev/null >resumed.out 2>/dev/null)
    status=$?
    [ $status = 75 ] || continue  # finished within the budget
    checked=$((checked + 1))
    # Every frame must be the same or remapped: none runs old code.
    (cd "$dir" && "$shapevm" resume --program edited.shape --dry-run job.snap >report.txt 2>&1)
    if grep -q "old code\|cannot" "$dir/report.txt"; then
      echo "FAIL ${program#"$source_dir"/} suspended after $budget steps: a frame did not move"
      grep "old code\|cannot" "$dir/report.txt" | head -3
      failures=$((failures + 1))
    fi
    (cd "$dir" && "$shapevm" resume --program edited.shape job.snap </dev/null >>resumed.out 2>resume.err)
    status=$?
    if [ $status != 0 ] || ! cmp -s "$dir/reference.out" "$dir/resumed.out"; then
      echo "FAIL ${program#"$source_dir"/} suspended after $budget steps: status $status"
      head -5 "$dir/resume.err"
      diff "$dir/reference.out" "$dir/resumed.out" | head -10
      failures=$((failures + 1))
    fi
  done
done
echo "relocation property: $programs programs, $checked suspensions resumed into an edit, $failures failures"
[ "$checked" -gt 0 ] && [ "$failures" = 0 ]
