#!/usr/bin/env bash
# `shapevm job --state DIR PROG ARGS...` (docs/cli.md, "job"): one command,
# restartable at any moment, that starts, resumes or skips the job:
# - suspended by a step budget or SIGTERM and started again until done, the
#   job's stdout and files equal one uninterrupted run's;
# - killed with SIGKILL at random moments and started again until done, the
#   same (stdout redirected to a file with >>);
# - once finished it does nothing and exits with the job's recorded status
#   (0, exit(7), an uncaught error's 1), also after more invocations;
# - a temporary file left by an interrupted snapshot write is removed;
# - a second invocation while one runs is refused (status 1).
#
# Usage: bash tests/cli/job.sh SHAPEVM SOURCE_DIR
set -u
source "$(dirname "$0")/lib.sh"
cli_start "$@"
cd "$work" || exit 2
rng=20261204

cat > job.shape <<'EOF'
let out = open("squares.txt", "w")
let total = 0
for n in 1..=4000 {
  total = total + n * n
  out.write(f"{n} {n * n}\n")
  if n % 10 == 0 { print(f"{n}: {total}") }
}
out.close()
print("done", total)
EOF
"$shapevm" run job.shape > reference.out || fail "reference run"
mv squares.txt reference_squares.txt

# Suspended by a step budget, started again until it finishes.
mkdir budget && cp job.shape budget/
(
  cd budget || exit
  for _ in $(seq 1 200); do
    "$shapevm" job --state state --max-steps 20000 job.shape >> stdout.txt
    status=$?
    [ "$status" -eq 75 ] || break
  done
  echo "$status" > final_status
)
check "budget: final status" 0 "$(cat budget/final_status)"
same_file "budget: stdout" reference.out budget/stdout.txt
same_file "budget: file" reference_squares.txt budget/squares.txt
check "budget: finished record" 1 "$(grep -c '"exit_code": 0' budget/state/finished.json)"
check "budget: no snapshot left" no "$([ -e budget/state/snapshot.json ] && echo yes || echo no)"

# Finished: nothing runs again, whatever the options.
cp budget/stdout.txt budget/stdout_before.txt
(cd budget && "$shapevm" job --state state --max-steps 10 job.shape >> stdout.txt)
check "finished: status again" 0 $?
(cd budget && "$shapevm" job --state state job.shape >> stdout.txt)
check "finished: status a third time" 0 $?
same_file "finished: nothing printed again" budget/stdout_before.txt budget/stdout.txt
same_file "finished: file untouched" reference_squares.txt budget/squares.txt

# SIGKILL at random moments (periodic checkpoints keep the progress).
for attempt in 1 2 3; do
  dir=kill$attempt
  mkdir "$dir" && cp job.shape "$dir/"
  (
    cd "$dir" || exit
    for _ in $(seq 1 100); do
      "$shapevm" job --state state --checkpoint-every 5000 job.shape >> stdout.txt &
      pid=$!
      rand_below 40
      sleep "0.0$((REPLY / 10))$((REPLY % 10))"
      kill -KILL "$pid" 2> /dev/null
      wait "$pid" 2> /dev/null
      status=$?
      [ "$status" -eq 137 ] || break
    done
    # Whatever state the kills left, plain invocations finish the job.
    for _ in 1 2 3; do
      "$shapevm" job --state state --checkpoint-every 5000 job.shape >> stdout.txt
      status=$?
    done
    echo "$status" > final_status
  )
  check "SIGKILL $attempt: final status" 0 "$(cat $dir/final_status)"
  same_file "SIGKILL $attempt: stdout" reference.out "$dir/stdout.txt"
  same_file "SIGKILL $attempt: file" reference_squares.txt "$dir/squares.txt"
done

# SIGTERM: suspended with status 75, then resumed by the same command.
mkdir term
printf 'print("started")\nlet total = 0\nfor n in 1..=5000000 { total = total + n }\nprint(total)\n' \
  > term/long.shape
(
  cd term || exit
  "$shapevm" job --state state long.shape >> stdout.txt &
  pid=$!
  for _ in $(seq 1 500); do  # the first snapshot is written before the first step
    [ -e state/snapshot.json ] && break
    sleep 0.01
  done
  kill -TERM "$pid"
  wait "$pid"
  echo $? > term_status
  "$shapevm" job --state state long.shape >> stdout.txt
  echo $? > final_status
)
check "SIGTERM: suspended" 75 "$(cat term/term_status)"
check "SIGTERM: then finished" 0 "$(cat term/final_status)"
check "SIGTERM: stdout" "started 12500002500000" "$(echo $(cat term/stdout.txt))"

# Recorded statuses: exit(7) and an uncaught error.
printf 'print("a")\nexit(7)\n' > exits.shape
"$shapevm" job --state exits_state exits.shape > exits.out
check "exit(7)" 7 $?
"$shapevm" job --state exits_state exits.shape >> exits.out
check "exit(7) recorded" 7 $?
check "exit(7) ran once" a "$(cat exits.out)"
printf 'print("b")\nthrow "broken"\n' > throws.shape
"$shapevm" job --state throws_state throws.shape > throws.out 2> throws.err
check "uncaught error" 1 $?
"$shapevm" job --state throws_state throws.shape >> throws.out 2>> throws.err
check "uncaught error recorded" 1 $?
check "the failing job ran once" b "$(cat throws.out)"

# Stale temporary files go; a held state directory is refused.
mkdir -p stale_state
echo partial > stale_state/snapshot.json.tmp.999999
"$shapevm" job --state stale_state exits.shape > /dev/null
check "stale temporary file removed" no "$([ -e stale_state/snapshot.json.tmp.999999 ] && echo yes || echo no)"
printf 'let n = 0\nwhile true { n = n + 1 }\n' > forever.shape
"$shapevm" job --state busy_state forever.shape &
pid=$!
for _ in $(seq 1 500); do
  [ -e busy_state/snapshot.json ] && break
  sleep 0.01
done
"$shapevm" job --state busy_state forever.shape 2> busy.err
check "a busy state directory is refused" 1 $?
contains "the refusal says why" "in use by another shapevm job" busy.err
kill -TERM "$pid"
wait "$pid"
check "the running job suspends" 75 $?

echo "job: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
