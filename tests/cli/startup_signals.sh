#!/usr/bin/env bash
# No startup window (docs/cli.md, "Signals"): SIGTERM, SIGINT or SIGUSR1 sent
# at any moment after exec, while the VM's libraries load or the program
# compiles, suspends the run (a snapshot, status 75); resuming it gives the
# uninterrupted run's output. The same for `job`. Other commands die of the
# signal as usual.
#
# Usage: bash tests/cli/startup_signals.sh SHAPEVM SOURCE_DIR
set -u
source "$(dirname "$0")/lib.sh"
cli_start "$@"
cd "$work" || exit 2
rng=4242

# Long enough (about 0.2 s in a Release build) that every delay below
# reaches the run before it ends, even on a loaded machine, where starting
# `sleep` can take longer than the delay itself.
printf 'print("started")\nlet total = 0\nfor n in 1..=16000000 { total = total + n }\nprint(total)\n' \
  > prog.shape
"$shapevm" run prog.shape > reference.out

# Waits until process $1 runs the VM (shapevm-run for `run` and `compile`,
# shapevm-vm for `job`; docs/cli.md, "Signals"): the launcher has blocked the signals by
# then (its own start, before that, takes microseconds), and the VM is about
# to load its libraries. A signal sent before exec would reach the shell's
# child instead.
wait_for_exec() {
  local comm
  while read -r comm < "/proc/$1/comm" 2> /dev/null; do
    [ "$comm" = shapevm-run ] || [ "$comm" = shapevm-vm ] && return 0
  done
  return 1
}

signals=(TERM INT USR1)
for try in $(seq 1 24); do
  signal=${signals[$((try % 3))]}
  rand_below 6
  delay=(0 0 0.001 0.002 0.005 0.01)
  delay=${delay[$REPLY]}
  rm -f job.snap
  "$shapevm" run --snapshot job.snap prog.shape > out.txt 2> err.txt &
  pid=$!
  wait_for_exec "$pid"
  [ "$delay" = 0 ] || sleep "$delay"
  kill -s "$signal" "$pid"
  wait "$pid"
  status=$?
  fail_context="try $try, SIG$signal after ${delay}s"
  check "suspended" 75 "$status"
  if [ -f job.snap ]; then
    "$shapevm" resume job.snap >> out.txt 2>> err.txt
    check "resumed to the end" 0 $?
    same_file "output of the pieces" reference.out out.txt
  fi
done
fail_context=

# job: the same at its start.
for try in 1 2 3 4; do
  rm -rf state
  "$shapevm" job --state state prog.shape > out.txt &
  pid=$!
  wait_for_exec "$pid"
  kill -TERM "$pid"
  wait "$pid"
  check "job suspended at start ($try)" 75 $?
  "$shapevm" job --state state prog.shape >> out.txt
  check "job resumed ($try)" 0 $?
  same_file "job output ($try)" reference.out out.txt
done

# A command that does not suspend dies of the signal as usual.
yes 'print(1)' | head -n 200000 > big.shape
"$shapevm" compile big.shape -o big.sbc &
pid=$!
wait_for_exec "$pid"
kill -TERM "$pid"
wait "$pid"
check "compile dies of SIGTERM" 143 $?

echo "startup_signals: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
