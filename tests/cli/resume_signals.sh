#!/usr/bin/env bash
# Suspension by signal and atomic snapshots (docs/cli.md, "Signals";
# docs/suspend-resume.md), on a long program that keeps
# a heap of 5 000 strings (so a snapshot takes a while to write), prints
# progress and writes a file:
#  1. SIGTERM, SIGINT and SIGUSR1, taking turns, delivered after seeded
#     random delays to `run` and then to each `resume`, five deliveries in
#     all: every interrupted piece exits 75, and the concatenated stdout, the
#     final status and the file written equal those of an uninterrupted run;
#  2. a second SIGTERM shortly after the first (while the snapshot is being
#     written) corrupts nothing: the snapshot on disk verifies (`shapevm
#     verify`) and resuming it finishes with the uninterrupted output;
#  3. SIGKILL at seeded random moments of a run that writes a snapshot every
#     few thousand steps (--checkpoint-every): the snapshot file is either
#     absent (none written yet) or complete (`verify` exits 0), and resuming it
#     finishes with the uninterrupted stdout and file.
# Delays are drawn from RESUME_SIGNALS_SEED (default 7), printed on failure.
# A delivery that comes after the program finished is noted, not failed.
#
# Usage: bash tests/cli/resume_signals.sh SHAPEVM SOURCE_DIR
# Pure bash plus coreutils (no python).
set -u
source "$(dirname "$0")/lib.sh"
cli_start "$@"
seed=${RESUME_SIGNALS_SEED:-7}
fail_hint="RESUME_SIGNALS_SEED=$seed"
rng=$seed
cd "$work" || exit 2

notes=0
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# ROUNDS rounds of arithmetic over a heap of 5 000 strings; progress goes to
# progress.txt and, unless QUIET, to stdout every 25 rounds.
cat > long.shape <<'EOF'
let argv = args()
let rounds = int(argv[0])
let quiet = argv.length() > 1
var data = []
for i in 0..5000 { data.push("item " + str(i)) }
let out = open("progress.txt", "w")
var total = 0
for round in 0..rounds {
    for i in 0..4000 { total = (total + i * round + data[i].length()) % 1000003 }
    out.write(str(round) + " " + str(total) + "\n")
    if not quiet and round % 25 == 0 { print("round", round, total) }
}
out.close()
print("done", total, data.length())
EOF
# Signal handlers are installed once the program (and for resume, the
# snapshot) is loaded; a signal before that ends the process with the
# default action and leaves the previous snapshot. Deliveries therefore come
# at least twice the time a resume takes to load a mid-run snapshot.
mkdir boot
(cd boot && "$shapevm" run --max-steps 200000 --snapshot job.snap ../long.shape 1000 > /dev/null 2>&1)
start=$(now_ms)
(cd boot && "$shapevm" resume --max-steps 1 job.snap > /dev/null 2>&1)
min_delay=$((($(now_ms) - start) * 2 + 30))
# Sizes the run to take max(1.2 s, 8 x min_delay) with this build.
start=$(now_ms)
"$shapevm" run long.shape 20 quiet > /dev/null 2>&1
middle=$(now_ms)
"$shapevm" run long.shape 220 quiet > /dev/null 2>&1
per_round=$((($(now_ms) - middle - (middle - start)) / 200 + 1))
target=$((min_delay * 8 > 1200 ? min_delay * 8 : 1200))
rounds=$((target / per_round))
[ $rounds -ge 100 ] || rounds=100

mkdir ref
start=$(now_ms)
(cd ref && "$shapevm" run ../long.shape "$rounds" > ref.out 2> ref.err)
ref_status=$?
ref_ms=$(($(now_ms) - start))
(cd ref && "$shapevm" run ../long.shape "$rounds" quiet > quiet.out 2> /dev/null)
check "uninterrupted run" 0 "$ref_status"


# ---- 1. five signals at random moments, then resume to the end ------------
signals=(TERM INT USR1 TERM INT)
mkdir sig
: > sig/all.out
status=
delivered=0
for ((k = 0; k <= ${#signals[@]}; k++)); do
  if [ $k -eq 0 ]; then
    (cd sig && exec "$shapevm" run --snapshot job.snap ../long.shape "$rounds" >> all.out 2> err) &
  else
    (cd sig && exec "$shapevm" resume job.snap >> all.out 2> err) &
  fi
  pid=$!
  if [ $k -lt ${#signals[@]} ]; then
    rand_below $((ref_ms / 6 + 1))
    delay=$((REPLY + min_delay))
    sleep_ms "$delay"
    kill -"${signals[$k]}" "$pid" 2> /dev/null
  fi
  wait "$pid"
  status=$?
  if [ $k -lt ${#signals[@]} ]; then
    if [ $status -eq 0 ]; then
      echo "note: finished before SIG${signals[$k]} after ${delay} ms" >&2
      notes=$((notes + 1))
      break
    fi
    check "SIG${signals[$k]} after ${delay} ms (delivery $((k + 1))): status" 75 "$status"
    [ $status -eq 75 ] || break
    delivered=$((delivered + 1))
  fi
done
check "status after $delivered signal suspensions" 0 "$status"
same_file "stdout after $delivered signal suspensions differs from the uninterrupted run" ref/ref.out sig/all.out
same_file "progress.txt after $delivered signal suspensions differs" ref/progress.txt sig/progress.txt

# ---- 2. a second SIGTERM while the snapshot is being written -------------
for ((k = 0; k < 3; k++)); do
  rm -rf twice
  mkdir twice
  rand_below $((ref_ms / 2 + 1))
  first=$((REPLY + min_delay))
  rand_below 30
  second=$((REPLY + 1))
  (cd twice && exec "$shapevm" run --snapshot job.snap ../long.shape "$rounds" quiet > part.out 2> err) &
  pid=$!
  sleep_ms "$first"
  kill -TERM "$pid" 2> /dev/null
  sleep_ms "$second"
  kill -TERM "$pid" 2> /dev/null
  wait "$pid"
  status=$?
  what="SIGTERM after $first ms and again $second ms later"
  if [ $status -eq 0 ]; then
    echo "note: $what: finished first" >&2
    notes=$((notes + 1))
    continue
  fi
  checks=$((checks + 1))
  if [ $status -ne 75 ] && [ $status -ne 143 ]; then fail "$what: status $status"; fi
  if [ ! -f twice/job.snap ]; then
    check "$what: status when no snapshot is left" 143 "$status"
    continue
  fi
  "$shapevm" verify twice/job.snap > twice/verify.out 2>&1
  check "$what: the snapshot on disk verifies" 0 $?
  (cd twice && "$shapevm" resume job.snap >> part.out 2>> err)
  check "$what: resume status" 0 $?
  same_file "$what: stdout differs from the uninterrupted run" ref/quiet.out twice/part.out
  same_file "$what: progress.txt differs" ref/progress.txt twice/progress.txt
done

# ---- 3. SIGKILL during frequent checkpoints --------------------------------
for ((k = 0; k < 5; k++)); do
  rm -rf kill
  mkdir kill
  rand_below $((ref_ms + 1))
  delay=$((REPLY + min_delay))
  (cd kill && exec "$shapevm" run --checkpoint-every 5000 --snapshot job.snap ../long.shape "$rounds" quiet \
     > /dev/null 2> err) &
  pid=$!
  sleep_ms "$delay"
  kill -KILL "$pid" 2> /dev/null
  wait "$pid" 2> /dev/null
  status=$?
  what="SIGKILL after $delay ms"
  if [ $status -eq 0 ]; then
    echo "note: $what: finished first" >&2
    notes=$((notes + 1))
    continue
  fi
  check "$what: killed" 137 "$status"
  if [ ! -e kill/job.snap ]; then
    echo "note: $what: no snapshot written yet" >&2
    notes=$((notes + 1))
    continue
  fi
  "$shapevm" verify kill/job.snap > kill/verify.out 2>&1
  check "$what: the snapshot on disk verifies" 0 $?
  # Output is printed only at the end, so nothing is repeated by the resume.
  (cd kill && "$shapevm" resume job.snap > resumed.out 2> err)
  check "$what: resume status" 0 $?
  same_file "$what: stdout of the resume differs from the uninterrupted run" ref/quiet.out kill/resumed.out
  same_file "$what: progress.txt differs" ref/progress.txt kill/progress.txt
done

echo "resume_signals: $checks checks, $failures failures, $notes notes ($rounds rounds, ~${ref_ms} ms a run, deliveries from ${min_delay} ms, seed $seed)"
[ $failures -eq 0 ]
