#!/usr/bin/env bash
# Node failure, timed: a batch runs in cluster mode on two local nodes; once it is under way one node is killed with
# SIGKILL together with its workers (its whole process group, as a machine that loses power), and the script reports
# from the coordinator's own log, stamped as each line arrives:
#   - how long until the coordinator noticed (its workers' TCP connections closing),
#   - how long until membership declared the node dead (Orleans probes: 1 s timeout, 2 missed probes, 1 vote),
#   - how long until the next file was written, and until a replacement worker was ready on the other node,
# and checks that every output was written and the batch exited 0.
# With --signal STOP the node is frozen instead (SIGSTOP to its group: a machine that hangs or drops off the network
# without closing its connections): nothing closes, so only membership's probes (and the job timeout) can tell.
# Usage: scripts/cluster-failover.sh [--runs N] [--files N] [--size WxH] [--signal KILL|STOP] [--farm PATH]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=3 files=32 size=2000x1500 signal=KILL farm=
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --signal) signal=$2; shift 2 ;;
    --farm) farm=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "cluster-failover: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $signal in KILL|STOP) ;; *) echo "cluster-failover: --signal is KILL or STOP, not $signal" >&2; exit 2 ;; esac
[[ -n $farm ]] || farm=$("$repo/scripts/publish.sh")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/processfarm-failover.XXXXXX")
groups=()
cleanup() {
  for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The batch's inputs, made once by the farm itself (the sample image at different exposures).
mkdir -p "$scratch/in"
"$farm" process --sample-size "$size" -m threads -o "$scratch/in/sample.png" >/dev/null
for i in $(seq -w 1 "$files"); do cp "$scratch/in/sample.png" "$scratch/in/p$i.png"; done
rm "$scratch/in/sample.png"

stamp() { while IFS= read -r line; do printf '%s %s\n' "$(date +%s.%N)" "$line"; done; }
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

printf '%-4s %10s %10s %10s %10s %6s\n' run noticed_s declared_s next_file_s replaced_s exit
for run in $(seq "$runs"); do
  p=$(port)
  out="$scratch/out$run"
  groups=()
  for n in 1 2; do
    # Not our child (a subshell's): bash would report its SIGKILL; setsid makes it lead a group that takes its workers.
    groups+=("$( (setsid "$farm" node --join "127.0.0.1:$p" --workers 1 >"$scratch/node$n.log" 2>&1 & echo $!) )")
  done
  ("$farm" process "$scratch/in" -m cluster --listen "127.0.0.1:$p" --nodes 2 -o "$out" -v 2>&1 >/dev/null | stamp >"$scratch/log$run") &
  coordinator=$!
  # Under way: a quarter of the files written.
  for _ in $(seq 600); do
    (($(find "$out" -name '*.png' 2>/dev/null | wc -l) >= files / 4)) && break
    sleep 0.1
  done
  killed=$(date +%s.%N)
  kill "-$signal" -- "-${groups[0]}"
  wait "$coordinator" && status=0 || status=$?
  written=$(find "$out" -name '*.png' | wc -l)
  /usr/bin/python3 - "$scratch/log$run" "$killed" "$run" "$status" "$written" "$files" <<'PY'
import re, sys
log, killed, run, status, written, files = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
lines = [(float(l.split(' ', 1)[0]), l.split(' ', 1)[1].rstrip('\n')) for l in open(log) if ' ' in l]
after = [(t - killed, text) for t, text in lines if t >= killed]
def first(pattern):
    return next((f"{t:.2f}" for t, text in after if re.search(pattern, text)), "-")
noticed = first(r'^\[worker \d+\] (disconnected|died|killed)')
declared = first(r'^\[cluster\] node .* left')
next_file = first(r'^\[\d+/\d+\]')
replaced = first(r'^\[worker \d+\] ready:')
missing = "" if written == files else f"   only {written} of {files} files written"
print(f"{run:<4} {noticed:>10} {declared:>10} {next_file:>10} {replaced:>10} {status:>6}{missing}")
PY
  kill -KILL -- "-${groups[0]}" 2>/dev/null || true
  kill -TERM -- "-${groups[1]}" 2>/dev/null || true
  sleep 1
done
