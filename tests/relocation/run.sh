#!/usr/bin/env bash
# The relocation corpus: each cases/NAME.case holds a program, an edited
# version of it, and what resuming the first in the second must do.
#   bash run.sh SHAPEVM SOURCE_DIR [--update]
# A case file has sections, each starting with a line "--- NAME":
#   old      the program; it suspends itself with suspend() (exit 75)
#   new      the edited program the snapshot is resumed in
#   report   what `resume --program new --dry-run` prints (stdout and stderr)
#   status   the exit status of the real resume (0 when it finishes); a
#            resume that suspends again is resumed again, without --program
#   output   stdout of the run up to the suspension, then of the resumes
# and, for a program of several files, any number of
#   old-module NAME   the module file NAME.shape beside the old program
#   new-module NAME   what NAME.shape holds when the snapshot is resumed (the
#                     module edited after the suspension; new imports it)
# Lines before the first section describe the case. --update rewrites the
# report, status and output sections from what the build does now (review
# the difference before committing it).
set -uo pipefail
shapevm=$(realpath "$1")
source_dir=$2
update=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
count=0

section() {  # section NAME FILE: the lines of section NAME
  awk -v name="$1" '/^--- /{on = ($2 == name); next} on' "$2"
}

write_modules() {  # write_modules KIND FILE DIR: each KIND-module section to DIR/NAME.shape
  local module
  for module in $(awk -v kind="$1-module" '$1 == "---" && $2 == kind {print $3}' "$2"); do
    awk -v kind="$1-module" -v name="$module" '/^--- /{on = ($2 == kind && $3 == name); next} on' \
      "$2" >"$3/$module.shape"
  done
}

for case_file in "$source_dir"/tests/relocation/cases/*.case; do
  name=$(basename "$case_file" .case)
  count=$((count + 1))
  dir=$work/$name
  mkdir -p "$dir"
  section old "$case_file" >"$dir/job.shape"
  section new "$case_file" >"$dir/new.shape"
  write_modules old "$case_file" "$dir"
  (
    cd "$dir" || exit 1
    "$shapevm" run --snapshot job.snap job.shape >out.txt 2>err.txt
    echo "$?" >run.status
    write_modules new "$case_file" .
    cp job.snap dry.snap 2>/dev/null
    "$shapevm" resume --program new.shape --dry-run dry.snap >report.txt 2>&1
    "$shapevm" resume --program new.shape job.snap >>out.txt 2>>err.txt
    status=$?
    # Suspended again (in old code, say): resumed as it is, a few times.
    for _ in 1 2 3; do
      [ "$status" = 75 ] || break
      "$shapevm" resume job.snap >>out.txt 2>>err.txt
      status=$?
    done
    echo "$status" >resume.status
  )
  if [ "$(cat "$dir/run.status")" != 75 ]; then
    echo "FAIL $name: the old program did not suspend (status $(cat "$dir/run.status"))"
    cat "$dir/err.txt"
    failures=$((failures + 1))
    continue
  fi
  if [ "$update" = --update ]; then
    awk '/^--- report$/{exit} {print}' "$case_file" >"$dir/case"
    { echo "--- report"; cat "$dir/report.txt"; echo "--- status"; cat "$dir/resume.status"
      echo "--- output"; cat "$dir/out.txt"; } >>"$dir/case"
    cp "$dir/case" "$case_file"
    continue
  fi
  ok=1
  diff <(section report "$case_file") "$dir/report.txt" >"$dir/diff" || ok=0
  diff <(section status "$case_file") "$dir/resume.status" >>"$dir/diff" || ok=0
  diff <(section output "$case_file") "$dir/out.txt" >>"$dir/diff" || ok=0
  if [ $ok = 0 ]; then
    echo "FAIL $name"
    cat "$dir/diff" "$dir/err.txt"
    failures=$((failures + 1))
  fi
done
echo "relocation corpus: $count cases, $failures failures"
[ "$count" -gt 0 ] && [ "$failures" = 0 ]
