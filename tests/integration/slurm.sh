#!/usr/bin/env bash
# The Slurm scripts of examples/slurm/ under a real Slurm: a one-node cluster
# on this machine (munged, slurmctld and slurmd with their own configuration,
# state and logs in a scratch directory, all stopped at the end, also on
# failure) runs examples/slurm/array.sh as an array of four collatz.shape
# tasks and examples/slurm/job.sh as one job. Each job is stopped once by
# `scancel --signal=TERM --batch` and, with a one-minute time limit, by the
# limit's `--signal=B:TERM` warning; it suspends, requeues itself and is made
# eligible two seconds later (`scontrol update StartTime=now`, instead of
# Slurm's two minutes), until it finishes. Then every job must be COMPLETED with exit 0,
# have been requeued at least twice, and hold exactly the file and stdout of
# one uninterrupted `shapevm run`. Installs Debian's slurm-wlm and munge
# first if they are missing; needs root.
#
# Usage: bash tests/integration/slurm.sh SHAPEVM SOURCE_DIR
# (SHAPEVM: a Release build; the jobs take a minute or two of CPU)
set -u
source "$(dirname "$0")/../cli/lib.sh"
cli_start "$@"

# Numbers per job: each job, stopped by scancel three seconds in, must
# outlive the time limit's warning, which comes 5 to 35 seconds into a run
# (see sbatch below). Nine runs share two cores: a minute and a half.
count=8000000
array_tasks=4
deadline_seconds=270

if [ "$(id -u)" -ne 0 ]; then
  echo "error: $0 runs Slurm's daemons and needs root" >&2
  exit 2
fi
if ! command -v slurmctld > /dev/null || ! command -v slurmd > /dev/null ||
  ! command -v sbatch > /dev/null || ! command -v munged > /dev/null; then
  echo "== installing slurm-wlm and munge"
  apt-get update > /dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y slurm-wlm munge > /dev/null ||
    { echo "error: cannot install slurm-wlm and munge" >&2; exit 2; }
fi

# Everything of the cluster lives in $work: configuration, munge key and
# socket, Slurm's state, spool and logs, and the jobs' directory.
cluster=$work/cluster
jobs=$work/jobs
mkdir -p "$cluster/state" "$cluster/spool" "$cluster/log" "$jobs"
export SLURM_CONF=$cluster/slurm.conf

# stop_cluster: cancels the jobs, stops the daemons by their pid files, then
# kills whatever else still holds a file in $work (a job's processes, a
# slurmstepd), and removes $work.
stop_cluster() {
  if [ -f "$cluster/slurmctld.pid" ]; then
    scancel --user=root 2> /dev/null
    for _ in $(seq 1 30); do
      [ "$(squeue -h -o %i 2> /dev/null)" = "" ] && break
      sleep 0.5
    done
  fi
  local pid_file pid daemon_pids=() alive
  for pid_file in "$cluster/slurmd.pid" "$cluster/slurmctld.pid" "$cluster/munged.pid"; do
    [ -f "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    kill -TERM "$pid" 2> /dev/null && daemon_pids+=("$pid")
  done
  for _ in $(seq 1 40); do
    alive=0
    for pid in "${daemon_pids[@]}"; do kill -0 "$pid" 2> /dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.25
  done
  for pid in "${daemon_pids[@]}"; do kill -KILL "$pid" 2> /dev/null; done
  cd / || return
  for pid in $(find /proc/[0-9]*/cwd /proc/[0-9]*/fd/ -maxdepth 1 \
    \( -lname "$work" -o -lname "$work/*" \) 2> /dev/null | cut -d/ -f3 | sort -u); do
    [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] || kill -KILL "$pid" 2> /dev/null
  done
  rm -rf "$work"
}
trap stop_cluster EXIT
trap 'exit 1' INT TERM HUP

# show_logs: the daemons' logs and the jobs' error files, after a failure.
show_logs() {
  local log
  for log in "$cluster"/log/*.log "$jobs"/*.err; do
    [ -f "$log" ] || continue
    echo "---- $log (last 30 lines)" >&2
    tail -n 30 "$log" >&2
  done
}

# give_up MESSAGE: a failure after which the test cannot go on.
give_up() {
  fail "$1"
  show_logs
  echo "slurm: $checks checks, $failures failures"
  exit 1
}

# port_in_use PORT: whether a TCP socket on this machine uses PORT.
port_in_use() {
  grep -qi ":$(printf '%04X' "$1") " /proc/net/tcp /proc/net/tcp6 2> /dev/null
}

# Two free ports next to each other, for slurmctld and slurmd.
for _ in $(seq 1 100); do
  ctld_port=$((20000 + RANDOM % 30000))
  port_in_use "$ctld_port" || port_in_use $((ctld_port + 1)) || break
done
node=$(hostname -s)

echo "== starting munged, slurmctld and slurmd (node $node, ports $ctld_port and $((ctld_port + 1)))"
if command -v mungekey > /dev/null; then
  mungekey --create --keyfile="$cluster/munge.key"
else
  dd if=/dev/urandom of="$cluster/munge.key" bs=1 count=1024 status=none
fi
chmod 400 "$cluster/munge.key"
munged --force --socket="$cluster/munge.socket" --key-file="$cluster/munge.key" \
  --pid-file="$cluster/munged.pid" --log-file="$cluster/log/munged.log" \
  --seed-file="$cluster/munged.seed" || give_up "munged does not start"

# One node with this machine's CPUs, each shared by up to four jobs
# (OverSubscribe=FORCE:4) so that all five jobs run at once on two cores.
cat > "$SLURM_CONF" << EOF
ClusterName=shapevmtest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$((ctld_port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
AuthInfo=socket=$cluster/munge.socket
StateSaveLocation=$cluster/state
SlurmdSpoolDir=$cluster/spool
SlurmctldPidFile=$cluster/slurmctld.pid
SlurmdPidFile=$cluster/slurmd.pid
SlurmctldLogFile=$cluster/log/slurmctld.log
SlurmdLogFile=$cluster/log/slurmd.log
PlugStackConfig=$cluster/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE OverSubscribe=FORCE:4 State=UP
EOF
touch "$cluster/plugstack.conf"
slurmctld || give_up "slurmctld does not start"
slurmd || give_up "slurmd does not start"
for _ in $(seq 1 60); do
  [ "$(sinfo -h -n "$node" -o %T 2> /dev/null)" = idle ] && break
  sleep 0.5
done
check "the node is up" idle "$(sinfo -h -n "$node" -o %T 2> /dev/null)" ||
  give_up "the cluster does not come up"

# The reference: each part run once, uninterrupted, while the jobs run.
program=$source_dir/examples/slurm/collatz.shape
mkdir "$work/reference"
reference_pids=()
for part in $(seq 0 $((array_tasks - 1))); do
  "$shapevm" run "$program" "$part" "$count" "$work/reference/$part.txt" \
    > "$work/reference/$part.out" &
  reference_pids+=($!)
done

# The scripts as written; only the time limit is cut to Slurm's smallest,
# one minute. Slurm checks time limits every 30 seconds and sends the warning
# at the first check less than 25 + 30 seconds before the limit: 5 to 35
# seconds into a run, never while the script is starting.
echo "== submitting examples/slurm/array.sh ($array_tasks tasks) and examples/slurm/job.sh"
cd "$jobs" || exit 2
export SHAPEVM=$shapevm
limits=(--time=1 --signal=B:TERM@25)
array_id=$(sbatch --parsable --job-name=collatz --array=0-$((array_tasks - 1)) "${limits[@]}" \
  "$source_dir/examples/slurm/array.sh" 'collatz-%a.state' "$program" %a "$count" 'collatz-%a.txt') ||
  give_up "sbatch array.sh"
job_id=$(sbatch --parsable --job-name=single "${limits[@]}" \
  "$source_dir/examples/slurm/job.sh" single.state "$program" 0 "$count" single.txt) ||
  give_up "sbatch job.sh"

# Per job: its id for scontrol, stdout file, program file, state directory
# and part (the single job computes part 0 again).
ids=() outs=() files=() states=() parts=()
for task in $(seq 0 $((array_tasks - 1))); do
  ids+=("${array_id}_$task")
  outs+=("collatz-${array_id}_$task.out")
  files+=("collatz-$task.txt")
  states+=("collatz-$task.state")
  parts+=("$task")
done
ids+=("$job_id") outs+=("single-$job_id.out") files+=(single.txt) states+=(single.state) parts+=(0)

# job_field ID FIELD: FIELD of `scontrol show job ID` (e.g. JobState).
job_field() {
  scontrol show job "$1" 2> /dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# run_seconds ID: how long the job's current run has been going.
run_seconds() {
  local hms
  IFS=: read -r -a hms <<< "$(job_field "$1" RunTime)"
  echo $((10#${hms[0]:-0} * 3600 + 10#${hms[1]:-0} * 60 + 10#${hms[2]:-0}))
}

# Until every job has left the queue: stop each job once with scancel three
# seconds into a run, and make requeued jobs eligible two seconds after they
# were requeued. Not at once: slurmd refuses to launch a job in the second in
# which the job's last run was killed ("Job credential revoked", the job
# FAILS); Slurm's own delay is two minutes.
echo "== preempting each job once with scancel, then letting the time limit stop them"
declare -A cancelled pending_since
start=$SECONDS
while queued=$(squeue -h -o %i 2> /dev/null) || queued=unknown; [ -n "$queued" ]; do
  [ $((SECONDS - start)) -lt "$deadline_seconds" ] ||
    give_up "jobs still queued after $deadline_seconds s: $(squeue -h -r -o '%i:%T:%r' | tr '\n' ' ')"
  for id in "${ids[@]}"; do
    if [ -z "${cancelled[$id]:-}" ] && [ "$(job_field "$id" JobState)" = RUNNING ] &&
      [ "$(run_seconds "$id")" -ge 3 ]; then
      scancel --signal=TERM --batch "$id" 2> /dev/null && cancelled[$id]=$((SECONDS - start))
    fi
  done
  waiting=$(squeue -h -r -t PENDING -o '%i %r' | awk '$2 == "BeginTime" { print $1 }')
  for id in $waiting; do
    : "${pending_since[$id]:=$SECONDS}"
    if [ $((SECONDS - pending_since[$id])) -ge 2 ]; then
      scontrol update jobid="$id" StartTime=now 2> /dev/null
    fi
  done
  for id in "${!pending_since[@]}"; do
    [[ " ${waiting//$'\n'/ } " == *" $id "* ]] || unset "pending_since[$id]"
  done
  sleep 1
done
echo "   all jobs left the queue after $((SECONDS - start)) s"
for pid in "${reference_pids[@]}"; do
  wait "$pid" || fail "the reference run $pid failed"
done

for i in "${!ids[@]}"; do
  id=${ids[$i]} part=${parts[$i]}
  fail_context="job $id"
  check "stopped by scancel" yes "${cancelled[$id]:+yes}"
  check "state" COMPLETED "$(job_field "$id" JobState)"
  check "exit code" 0:0 "$(job_field "$id" ExitCode)"
  restarts=$(job_field "$id" Restarts)
  check "requeued by scancel and by the time limit" yes "$([ "${restarts:-0}" -ge 2 ] && echo yes)"
  echo "   $id: requeued $restarts times"
  same_file "stdout equals an uninterrupted run's" "$work/reference/$part.out" "${outs[$i]}"
  same_file "file equals an uninterrupted run's" "$work/reference/$part.txt" "${files[$i]}"
  contains "the state records the end" '"exit_code": 0' "${states[$i]}/finished.json"
  check "no snapshot left" no "$([ -e "${states[$i]}/snapshot.json" ] && echo yes || echo no)"
  # The error file holds only Slurm's note of each SIGTERM ("*** JOB ...
  # CANCELLED AT ... ***", written although the job goes on) and bash's
  # "Terminated" when the requeue ends `scontrol` with the script.
  err=${outs[$i]%.out}.err
  check "nothing but Slurm's notes on stderr" "" \
    "$(grep -v -e '^slurmstepd.*\*\*\* JOB .* CANCELLED AT' -e '^Terminated$' "$err")"
done
fail_context=

if [ "$failures" -ne 0 ]; then show_logs; fi
echo "slurm: $checks checks, $failures failures"
[ "$failures" -eq 0 ]
