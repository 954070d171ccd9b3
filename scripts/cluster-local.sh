#!/usr/bin/env bash
# A cluster on this machine: the coordinator and N nodes (default 2) as separate processes on 127.0.0.1, on free
# ports, to try cluster mode without a second machine (and for the tests). The nodes are started, the command runs
# in cluster mode against them, and the nodes are stopped when it ends, whatever way it ends (exit, error, Ctrl+C).
#
# Usage: scripts/cluster-local.sh [--nodes N] [--workers-per-node N] [--farm PATH] [--] [COMMAND [ARGS...]]
#   COMMAND       process (default, the built-in sample), echo, tune or serve, with its own arguments; the script
#                 adds --mode cluster --listen 127.0.0.1:PORT --nodes N
#   --nodes       how many nodes to start (default 2)
#   --workers-per-node  worker slots each node offers (default 2)
#   --farm        the processfarm executable (default: built by scripts/publish.sh)
# Examples:
#   scripts/cluster-local.sh                               the sample through 2 nodes x 2 workers
#   scripts/cluster-local.sh process photos/ -o out/       a batch; without --path-map the files' bytes travel
#   scripts/cluster-local.sh echo --sizes 64,16777216      frames over TCP vs grain calls vs raw TCP
# The nodes' own output goes to a log that is printed if the command fails. Exit status: the command's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

nodes=2 per_node=2 farm=
while (($#)); do
  case $1 in
    --nodes) nodes=$2; shift 2 ;;
    --workers-per-node) per_node=$2; shift 2 ;;
    --farm) farm=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[[ $nodes =~ ^[1-9][0-9]?$ ]] || { echo "cluster-local: --nodes takes 1 to 99, not '$nodes'" >&2; exit 2; }
[[ $per_node =~ ^[1-9][0-9]?$ ]] || { echo "cluster-local: --workers-per-node takes 1 to 99, not '$per_node'" >&2; exit 2; }
if [[ -z $farm ]]; then
  farm=$("$repo/scripts/publish.sh")
fi
[[ -x $farm ]] || { echo "cluster-local: $farm is not an executable" >&2; exit 2; }
command=${1:-process}
(($#)) && shift
case $command in
  process|echo|tune|serve) ;;
  *) echo "cluster-local: the command is process, echo, tune or serve, not '$command'" >&2; exit 2 ;;
esac

# A free port: bound by the kernel, then released for the coordinator's silo (a race with another program taking it
# in between is possible, and shows as the coordinator's clear "could not start" error).
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
logs=$(mktemp -d "${TMPDIR:-/tmp}/processfarm-cluster-local.XXXXXX")
pids=()
coordinator=
# Stops the coordinator (if a signal came first), then the nodes; every wait has a deadline (10 s, then SIGKILL).
stop_all() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $coordinator ]] && kill -0 "$coordinator" 2>/dev/null; then
    kill -TERM "$coordinator" 2>/dev/null || true
    wait_gone "$coordinator"
  fi
  ((${#pids[@]})) && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait_gone "${pids[@]}"
  if ((status != 0 && status != 130 && status != 143)) && [[ -d $logs ]]; then
    for log in "$logs"/node-*.log; do
      [[ -s $log ]] && { echo "--- $(basename "$log")" >&2; tail -n 20 "$log" >&2; }
    done
  fi
  rm -rf "$logs"
  exit "$status"
}
wait_gone() {
  local alive pid
  for _ in $(seq 100); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for i in $(seq "$nodes"); do
  "$farm" node --join "127.0.0.1:$port" --workers "$per_node" >"$logs/node-$i.log" 2>&1 &
  pids+=($!)
done
echo "cluster-local: $nodes nodes x $per_node workers joining the coordinator at 127.0.0.1:$port" >&2
# In the background and waited for, so that a signal to this script runs its trap at once (bash runs traps only
# between commands, and `wait` is where it can); the trap passes it on as SIGTERM, which the coordinator treats as
# Ctrl+C.
"$farm" "$command" "$@" --mode cluster --listen "127.0.0.1:$port" --nodes "$nodes" &
coordinator=$!
set +e
wait "$coordinator"
status=$?
set -e
coordinator=
exit "$status"
