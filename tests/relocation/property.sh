#!/usr/bin/env bash
# Property test of live relocation: for every example program and script
# test that runs to completion, and edits that do not change what it does,
# suspending at several step counts and resuming into the edited program
# must print exactly what one uninterrupted run prints, with every frame the
# same or remapped (none runs old code). The edits, all at once:
# - comments and blank lines that move every line;
# - the top-level functions in reverse order (a function moved in its file,
#   whether it is on the stack or not, is the same function);
# - a function renamed, with every call to it, when no frame is in it and no
#   function with a frame (the top level included) mentions it: the frames'
#   functions are then unchanged, and the renamed function and its callers
#   are not on the stack. (A frame in a renamed function has no function of
#   its name in the edit, and one that waits in a statement calling it has
#   a changed active statement: both run their old code, see
#   docs/suspend-resume.md; the corpus has those cases.)
# - an unused function added at the end.
# The edited program run from the start must print what the original does.
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
renamed=0
programs=0

# The top-level functions of program $1 in reverse order, in the places
# where functions were. A function starts at a line "function NAME" or
# "fn NAME" and ends on that line when its braces balance, else at the next
# line starting with "}".
reverse_functions() {
  awk '
    function balanced(line,  opens, closes) {
      opens = gsub(/\{/, "{", line); closes = gsub(/\}/, "}", line)
      return opens > 0 && opens == closes
    }
    inside { chunk[n] = chunk[n] "\n" $0; if ($0 ~ /^}/) inside = 0; next }
    /^(function|fn) / { chunk[++n] = $0; inside = !balanced($0); slot[++lines] = n; next }
    { slot[++lines] = 0; text[lines] = $0 }
    END { k = n; for (i = 1; i <= lines; i++) if (slot[i]) print chunk[k--]; else print text[i] }
  ' "$1"
}

# Names of the top-level functions of program $1.
top_level_functions() {
  sed -nE 's/^(function|fn) +([A-Za-z_][A-Za-z0-9_]*).*/\2/p' "$1"
}

# The text of program $1 that belongs to the top-level functions named in
# $2 (one per line), plus its top-level code when $2 holds "<main>".
text_of() {
  awk -v names="$2" '
    BEGIN { split(names, list, "\n"); for (i in list) wanted[list[i]] = 1 }
    function balanced(line,  opens, closes) {
      opens = gsub(/\{/, "{", line); closes = gsub(/\}/, "}", line)
      return opens > 0 && opens == closes
    }
    inside { if (keep) print; if ($0 ~ /^}/) inside = 0; next }
    /^(function|fn) / {
      name = $2; sub(/[^A-Za-z0-9_].*/, "", name)
      keep = name in wanted; if (keep) print; inside = !balanced($0); next
    }
    ("<main>" in wanted) { print }
  ' "$1"
}

# A function of program $1 to rename, given the snapshot $2: one no frame is
# in and no function with a frame mentions, every mention of which is a
# call or its declaration; nothing when there is none.
function_to_rename() {
  local on_stack stack_text name
  on_stack=$("$shapevm" inspect "$2" 2>/dev/null |
    sed -nE 's/^  #[0-9]+ +([^ ]+) \(line.*/\1/p' | sed 's/\..*//' | sort -u)
  stack_text=$(text_of "$1" "$on_stack")
  for name in $(top_level_functions "$1"); do
    grep -qxF "$name" <<<"$on_stack" && continue
    grep -qw -- "$name" <<<"$stack_text" && continue
    # Every mention is "name(" not after a "." (a method call), so the
    # rename below finds them all.
    sed -E "s/(^|[^.A-Za-z0-9_])$name\(/\1(/g" "$1" | grep -qw -- "$name" && continue
    echo "$name"
    return
  done
}

# The behaviour-preserving edit of program $1, written to $2, renaming
# function $3 (if not empty).
edit() {
  { echo "// edited: every line moves down by three"; echo; echo
    reverse_functions "$1" | sed 's|^function |// a comment before each function\nfunction |'
    echo; echo "function unused_added_by_an_edit(x) { return x + 1 }"; } >"$2"
  if [ -n "$3" ]; then
    sed -i -E "s/(^|[^.A-Za-z0-9_])$3\(/\1$3_renamed_by_an_edit(/g" "$2"
  fi
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
    (cd "$dir" && "$shapevm" run --max-steps "$budget" --snapshot job.snap job.shape \
       ${args[@]+"${args[@]}"} </dev/null >resumed.out 2>/dev/null)
    status=$?
    [ $status = 75 ] || continue  # finished within the budget
    checked=$((checked + 1))
    rename=$(function_to_rename "$program" "$dir/job.snap")
    [ -n "$rename" ] && renamed=$((renamed + 1))
    edit "$program" "$dir/edited.shape" "$rename"
    mkdir "$dir/fresh"
    cp "$dir/edited.shape" "$dir/fresh/job.shape"
    (cd "$dir/fresh" && "$shapevm" run job.shape ${args[@]+"${args[@]}"} </dev/null >../fresh.out 2>/dev/null)
    if ! cmp -s "$dir/reference.out" "$dir/fresh.out"; then
      echo "FAIL ${program#"$source_dir"/}: the edit (renaming '$rename') changes what it prints"
      failures=$((failures + 1))
      continue
    fi
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
echo "relocation property: $programs programs, $checked suspensions resumed into an edit" \
  "($renamed of them renaming a function), $failures failures"
[ "$checked" -gt 0 ] && [ "$failures" = 0 ]
