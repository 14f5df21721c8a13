#!/bin/bash
# examples/slurm/array.sh: a Slurm job array of suspendable shapevm jobs, one
# state directory per array task. Preempted, or warned of its time limit, a
# task suspends and requeues itself; each run continues where the last one
# stopped (docs/suspend-resume.md, "Slurm").
#
#   sbatch examples/slurm/array.sh STATE_DIR [OPTIONS] PROG [ARGS...]
#   sbatch examples/slurm/array.sh collatz-%a.state examples/slurm/collatz.shape %a 100000000 collatz-%a.txt
#
# Every `%a` in the arguments becomes the task's index (SLURM_ARRAY_TASK_ID),
# as in Slurm's file names; each task then runs `shapevm job --state STATE_DIR
# [OPTIONS] PROG ARGS...` (docs/cli.md, "job") in the directory sbatch was
# called from. `shapevm` is taken from PATH, or from $SHAPEVM. Options given
# to sbatch override the lines below.
#
#SBATCH --array=0-3
# SIGTERM to this shell alone (B:) two minutes before the time limit:
#SBATCH --time=02:00:00
#SBATCH --signal=B:TERM@120
# A task may go back into the queue; its output is appended to, not truncated:
#SBATCH --requeue
#SBATCH --open-mode=append
# The task's stdout alone; Slurm's own messages go to the error file:
#SBATCH --output=%x-%A_%a.out
#SBATCH --error=%x-%A_%a.err

set -u
set -- "${@//%a/$SLURM_ARRAY_TASK_ID}"
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

# Suspended: back into the queue; the next run resumes from STATE_DIR. The
# task is named ARRAYID_TASKID: one task (the last) runs under the array's
# own job id, and `scontrol requeue` given that id requeues every task.
if [ "$status" -eq 75 ]; then
  scontrol requeue "${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID"
fi
exit "$status"
