#!/bin/bash
# examples/slurm/job.sh: one suspendable shapevm job under Slurm. Preempted,
# or warned of its time limit, it suspends and requeues itself; each run
# continues where the last one stopped (docs/suspend-resume.md, "Slurm").
#
#   sbatch examples/slurm/job.sh STATE_DIR [OPTIONS] PROG [ARGS...]
#   sbatch examples/slurm/job.sh collatz.state examples/slurm/collatz.shape 0 100000000 collatz.txt
#
# runs `shapevm job --state STATE_DIR [OPTIONS] PROG ARGS...` (docs/cli.md,
# "job") in the directory sbatch was called from; `shapevm` is taken from
# PATH, or from $SHAPEVM. Options given to sbatch override the lines below.
#
# SIGTERM to this shell alone (B:) two minutes before the time limit:
#SBATCH --time=02:00:00
#SBATCH --signal=B:TERM@120
# The job may go back into the queue; its output is appended to, not truncated:
#SBATCH --requeue
#SBATCH --open-mode=append
# The job's stdout alone; Slurm's own messages go to the error file:
#SBATCH --output=%x-%j.out
#SBATCH --error=%x-%j.err

set -u
state=$1
shift

# Slurm's SIGTERM reaches only this shell: pass it on to shapevm, which then
# writes its snapshot and exits 75. shapevm runs in the background because
# bash runs a trap only between commands, and `wait` is cut short by one.
pid=
stop=no
trap 'stop=yes; [ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null' TERM
"${SHAPEVM:-shapevm}" job --state "$state" "$@" &
pid=$!
[ "$stop" = no ] || kill -TERM "$pid" 2>/dev/null
while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done
wait "$pid"
status=$?

# Suspended: back into the queue; the next run resumes from STATE_DIR.
if [ "$status" -eq 75 ]; then
  scontrol requeue "$SLURM_JOB_ID"
fi
exit "$status"
