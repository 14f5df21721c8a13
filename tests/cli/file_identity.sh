#!/usr/bin/env bash
# A job's files are identified, not guessed (docs/suspend-resume.md, "Files
# and stdout"):
# - a file opened by a relative path is resumed at its absolute place, so a
#   resume from another directory neither reads nor clobbers that directory's
#   file of the same name;
# - a file that is not the job's own (same name and length, other bytes) is
#   refused with status 3 and left untouched;
# - a snapshot moved on its own resumes; a copied job is refused until
#   --map-path says which files to use; with the mapping only the copy is
#   touched; a moved job resumes with it;
# - stdout redirected to a regular file holds every line exactly once after
#   a periodic checkpoint, a SIGKILL and a resume; a pipe is left alone.
#
# Usage: bash tests/cli/file_identity.sh SHAPEVM SOURCE_DIR
set -u
source "$(dirname "$0")/lib.sh"
cli_start "$@"
cd "$work" || exit 2

# A job that reads an input and writes one line per record, to a file and to
# stdout: N records, written from a relative path.
make_job() {  # make_job DIR
  mkdir -p "$1"
  seq 1 3000 > "$1/input.txt"
  cat > "$1/job.shape" <<'EOF'
let input = open("input.txt", "r")
let out = open("out.txt", "w")
let line = input.read_line()
while line != none {
  let n = int(line)
  out.write(str(n * n) + "\n")
  print(n)
  line = input.read_line()
}
out.close()
EOF
}

make_job reference
(cd reference && "$shapevm" run job.shape > stdout.txt) || fail "reference run"
seq 1 3000 > expected_stdout.txt
same_file "reference stdout" expected_stdout.txt reference/stdout.txt

# Relative paths resumed from another directory.
make_job a
(cd a && "$shapevm" run --max-steps 20000 --snapshot job.snap job.shape > stdout.txt)
check "suspended" 75 $?
mkdir elsewhere
yes unrelated | head -n 50000 > elsewhere/out.txt
cp elsewhere/out.txt unrelated_before.txt
(cd elsewhere && "$shapevm" resume ../a/job.snap >> ../a/stdout.txt)
check "resumed from another directory" 0 $?
same_file "the job's own file is complete" reference/out.txt a/out.txt
same_file "the other directory's out.txt is untouched" unrelated_before.txt elsewhere/out.txt
same_file "stdout exactly once" expected_stdout.txt a/stdout.txt

# A file that is not the job's own: same path (after mapping), enough bytes,
# other content.
make_job b
(cd b && "$shapevm" run --max-steps 20000 --snapshot job.snap job.shape > stdout.txt)
check "suspended" 75 $?
mkdir foreign
cp b/input.txt foreign/
yes foreign | head -n 50000 > foreign/out.txt
cp foreign/out.txt foreign_before.txt
"$shapevm" resume --map-path "$work/b=$work/foreign" b/job.snap > /dev/null 2> foreign.err
check "a foreign file is refused" 3 $?
contains "the refusal names the file" "$work/foreign/out.txt" foreign.err
contains "the refusal says why" "is not the one the job left" foreign.err
same_file "the foreign file is untouched" foreign_before.txt foreign/out.txt

# A snapshot moved on its own resumes with the job's files where they were.
make_job lone
(cd lone && "$shapevm" run --max-steps 20000 --snapshot job.snap job.shape > stdout.txt)
mkdir backups && mv lone/job.snap backups/lone.snap
"$shapevm" resume backups/lone.snap >> lone/stdout.txt
check "a snapshot moved alone resumes" 0 $?
same_file "the lone snapshot's job file is complete" reference/out.txt lone/out.txt
same_file "the lone snapshot's stdout is complete" expected_stdout.txt lone/stdout.txt

# A copied job: refused without a mapping, then finishes only its copy.
cp -r b b_copy
cp b/out.txt b_out_before.txt
"$shapevm" resume b_copy/job.snap > /dev/null 2> copied.err
check "a copied job needs --map-path" 3 $?
contains "the refusal names the copy" "has a copy at $work/b_copy/input.txt" copied.err
contains "the refusal says how to go on" "--map-path $work/b=$work/b_copy" copied.err
"$shapevm" resume --map-path "$work/b=$work/b_copy" b_copy/job.snap >> b_copy/stdout.txt
check "the copy resumes with its paths mapped" 0 $?
same_file "the copy's file is complete" reference/out.txt b_copy/out.txt
same_file "the copy's stdout is complete" expected_stdout.txt b_copy/stdout.txt
same_file "the original's file is untouched" b_out_before.txt b/out.txt

# A moved job: the original directory is gone.
mv b b_moved
"$shapevm" resume --map-path "$work/b=$work/b_moved" b_moved/job.snap >> b_moved/stdout.txt
check "a moved job resumes with its paths mapped" 0 $?
same_file "the moved job's file is complete" reference/out.txt b_moved/out.txt
same_file "the moved job's stdout is complete" expected_stdout.txt b_moved/stdout.txt

# stdout to a regular file: periodic checkpoints, SIGKILL, resume.
for attempt in 1 2 3; do
  make_job "k$attempt"
  (
    cd "k$attempt" || exit
    "$shapevm" run --checkpoint-every 3000 --snapshot job.snap job.shape > stdout.txt &
    pid=$!
    # Kill once a checkpoint exists and some output follows it.
    for _ in $(seq 1 200); do
      [ -f job.snap ] && [ "$(wc -l < stdout.txt)" -gt 1500 ] && break
      sleep 0.01
    done
    kill -KILL "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    if [ -f job.snap ]; then "$shapevm" resume job.snap >> stdout.txt; fi
  )
  if [ -f "k$attempt/job.snap" ]; then
    same_file "stdout once after SIGKILL ($attempt)" expected_stdout.txt "k$attempt/stdout.txt"
    same_file "file once after SIGKILL ($attempt)" reference/out.txt "k$attempt/out.txt"
  fi
done

# stdout to a pipe is left as it is (what went through a pipe cannot be taken
# back); a suspension writes nothing past its snapshot, so the pieces join.
make_job p
(cd p && "$shapevm" run --max-steps 20000 --snapshot job.snap job.shape | cat > stdout.txt)
(cd p && "$shapevm" resume job.snap | cat >> stdout.txt)
check "a piped resume completes" 0 $?
same_file "piped stdout in order" expected_stdout.txt p/stdout.txt

echo "file_identity: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
