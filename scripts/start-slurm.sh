#!/usr/bin/env bash
# Start a single-node SLURM cluster in this (container) machine, for tests/test_slurm.py:
# munged as user munge, slurmctld and slurmd as root, no cgroups (proctrack/linuxproc,
# task/none), one partition "debug" holding this machine with its CPUs and memory (slurmd -C).
# Installs slurm-wlm and munge with apt-get when they are missing. Needs root.
# Idempotent: daemons already running are left alone. Exit 0 once a job can run (`srun true`).
# Logs: /var/log/slurm/. Stop: scripts/start-slurm.sh --stop
set -euo pipefail

log() { echo "start-slurm: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "needs root (it installs packages and starts munged, slurmctld and slurmd)"
  exit 1
fi

if [ "${1:-}" = "--stop" ]; then
  for pidfile in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
    [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
    || ! command -v sbatch >/dev/null; then
  log "installing slurm-wlm and munge"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
fi

# --- munge ---------------------------------------------------------------------------------
mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
  if command -v mungekey >/dev/null; then
    mungekey --create --keyfile=/etc/munge/munge.key
  else
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
fi
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge
chmod 0700 /etc/munge /var/log/munge /var/lib/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if ! munge -n >/dev/null 2>&1; then
  log "starting munged"
  runuser -u munge -- /usr/sbin/munged --force
  for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n >/dev/null 2>&1 || { log "munged does not answer"; exit 1; }
fi

# --- slurm.conf ------------------------------------------------------------------------------
host=$(hostname -s)
node=$(slurmd -C | head -n 1)  # NodeName=HOST CPUs=... RealMemory=...
case "$node" in NodeName=*) ;; *) log "slurmd -C gave no node line: $node"; exit 1 ;; esac
mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
conf=/etc/slurm/slurm.conf
cat > "$conf.new" <<CONF
# written by evomod scripts/start-slurm.sh: a single-node cluster without cgroups
ClusterName=evomod
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=60
KillWait=5
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
if ! cmp -s "$conf.new" "$conf"; then
  mv "$conf.new" "$conf"
  changed=1
else
  rm -f "$conf.new"
  changed=0
fi

running() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if running /run/slurmctld.pid && [ "$changed" = 1 ]; then scontrol reconfigure || true; fi
if ! running /run/slurmctld.pid; then
  log "starting slurmctld"
  /usr/sbin/slurmctld
fi
for _ in $(seq 100); do scontrol ping >/dev/null 2>&1 && break; sleep 0.2; done
scontrol ping >/dev/null 2>&1 || { log "slurmctld does not answer; see /var/log/slurm/slurmctld.log"; exit 1; }
if ! running /run/slurmd.pid; then
  log "starting slurmd"
  /usr/sbin/slurmd
fi

# --- wait for the node -------------------------------------------------------------------------
for _ in $(seq 150); do
  state=$(sinfo -h -n "$host" -o %t 2>/dev/null | head -n 1)
  case "$state" in
    idle|mix|alloc) break ;;
    down*|drain*|drng*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;;
  esac
  sleep 0.2
done
if ! timeout 60 srun -N1 -t 1 true; then
  log "a test job did not run; node state: $(sinfo -h -o '%n %t %E' 2>&1 | head -n 3)"
  exit 1
fi
log "SLURM is up: $(sinfo -h -o '%P %D nodes %t, %c CPUs, %m MB' | head -n 1)"
