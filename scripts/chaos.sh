#!/usr/bin/env bash
# Kill storms against the worker supervisor: processfarm runs in pipe and shm mode, on one large image and on a
# batch of files, while this script sends SIGKILL (or SIGSTOP) to a random worker of the run at a chosen rate.
# Every output is compared byte for byte with the serial result; the report gives per mode and job: runs, exits
# 0, outputs identical, signals sent, deaths and replacements the run counted, and the time against a fault-free
# run of the same kind in the same session.
#
# Usage: scripts/chaos.sh [--runs N] [--rate PER_SECOND] [--signal KILL|STOP|mixed] [--modes pipe,shm]
#                         [--jobs image,batch] [--workers N] [--image-size WxH] [--batch N]
#   --runs        storm runs per mode and job (default 5), after 3 fault-free runs for the baseline
#   --rate        signals per second, a whole number (default 8); each goes to one worker of the run chosen at random
#   --signal      KILL (default), STOP (a stopped worker is killed by the coordinator at --job-timeout-ms) or
#                 mixed (alternating)
#   --workers     worker processes per run (default 2)
#   --image-size  the large image (default 7744x5163: 40 MP); --batch: files in the batch (default 24, 2000x1500)
# Runs use --max-restarts 100000 and --max-job-attempts 100 (so that the storm, not a budget, decides: a random
# storm would otherwise soon kill three workers in a row that held the same job, which then fails alone) and
# --job-timeout-ms 1000 (a stopped worker is found within a second).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5 rate=8 signal=KILL modes=pipe,shm jobs=image,batch workers=2 image_size=7744x5163 batch=24
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --signal) signal=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --image-size) image_size=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "chaos: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $signal in KILL|STOP|mixed) ;; *) echo "chaos: --signal is KILL, STOP or mixed, not $signal" >&2; exit 2 ;; esac

farm=$(scripts/publish.sh)
scratch=$(mktemp -d)
trap 'pkill -KILL -P $$ 2>/dev/null || true; rm -rf "$scratch"' EXIT
note() { echo "chaos: $*" >&2; }
now_us() { echo "${EPOCHREALTIME/./}"; } # bash 5: microseconds, no process spawned

# ---- inputs and their serial references -------------------------------------------------------------------------
note "generating a ${image_size} JPEG and a batch of ${batch} 2000x1500 JPEGs"
"$farm" process --sample-size "$image_size" --ev 0 --gamma 1 -m threads -o "$scratch/image.jpg" >/dev/null
mkdir -p "$scratch/batch" "$scratch/reference"
for i in $(seq 1 "$batch"); do
  "$farm" process --sample-size 2000x1500 --ev "0.0$i" --gamma 1 -m threads -o "$scratch/batch/p$i.jpg" >/dev/null
done
"$farm" process "$scratch/image.jpg" -m serial -o "$scratch/reference/image.jpg" >/dev/null
"$farm" process "$scratch/batch" -m serial -o "$scratch/reference/batch" >/dev/null 2>&1

# ---- one run: start it, storm it, wait, check it ----------------------------------------------------------------
# Prints "exit seconds identical sent deaths replaced" for the run.
run_once() {
  local mode=$1 job=$2 storm=$3 out=$scratch/out-$mode-$job
  rm -rf "$out"
  local input=$scratch/image.jpg target=$out/image.jpg
  [[ $job == batch ]] && input=$scratch/batch target=$out
  mkdir -p "$out"
  local started
  started=$(now_us)
  "$farm" process "$input" -o "$target" -m "$mode" -w "$workers" --json --max-restarts 100000 --max-job-attempts 100 --job-timeout-ms 1000 \
    >"$out.json" 2>"$out.err" &
  local coordinator=$! sent=0 turn=0
  if ((storm)); then
    # Polls every 10 ms (no process spawned per turn) so that the run's end is seen at once.
    local pause_us=$((1000000 / rate)) next=$((started + 1000000 / rate))
    while kill -0 "$coordinator" 2>/dev/null; do
      sleep 0.01
      (($(now_us) >= next)) || continue
      next=$((next + pause_us))
      mapfile -t children < <(pgrep -P "$coordinator" 2>/dev/null || true)
      ((${#children[@]})) || continue
      local victim=${children[RANDOM % ${#children[@]}]} sig=$signal
      [[ $signal == mixed ]] && { ((turn++ % 2)) && sig=STOP || sig=KILL; }
      kill -"$sig" "$victim" 2>/dev/null && sent=$((sent + 1))
    done
  fi
  local code=0
  wait "$coordinator" || code=$?
  local seconds
  seconds=$(awk -v us="$(($(now_us) - started))" 'BEGIN { printf "%.3f", us / 1e6 }')
  local identical=0
  if [[ $job == image ]]; then
    cmp -s "$target" "$scratch/reference/image.jpg" && identical=1
  else
    diff -rq "$out" "$scratch/reference/batch" >/dev/null 2>&1 && identical=1
  fi
  local counts
  counts=$(/usr/bin/python3 -c 'import json,sys
try:
    r = json.load(open(sys.argv[1]))
    print(r.get("worker_deaths", 0), r.get("workers_replaced", 0))
except Exception:
    print("- -")' "$out.json")
  echo "$code $seconds $identical $sent $counts"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "chaos: $runs storm runs per row, ${rate}/s SIG${signal/mixed/KILL+STOP} to a random worker, $workers workers, job timeout 1 s"
echo
echo "| mode | job | runs | exit 0 | identical | signals sent | deaths counted | replaced | median s | fault-free median s | extra |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
IFS=, read -ra mode_list <<<"$modes"
IFS=, read -ra job_list <<<"$jobs"
for job in "${job_list[@]}"; do
  for mode in "${mode_list[@]}"; do
    base=()
    for _ in 1 2 3; do base+=("$(run_once "$mode" "$job" 0 | awk '{ print $2 }')"); done
    base_median=$(printf '%s\n' "${base[@]}" | median)
    ok=0 same=0 sent=0 deaths=0 replaced=0 times=()
    for ((r = 0; r < runs; r++)); do
      read -r code seconds identical count_sent count_deaths count_replaced < <(run_once "$mode" "$job" 1)
      ((code == 0)) && ok=$((ok + 1))
      same=$((same + identical)) sent=$((sent + count_sent))
      [[ $count_deaths =~ ^[0-9]+$ ]] && deaths=$((deaths + count_deaths)) && replaced=$((replaced + count_replaced))
      times+=("$seconds")
      ((code == 0)) || note "$mode $job run $r exited $code: $(tail -n 1 "$scratch/out-$mode-$job.err")"
    done
    storm_median=$(printf '%s\n' "${times[@]}" | median)
    extra=$(awk -v s="$storm_median" -v b="$base_median" 'BEGIN { printf "%.2fx", s / b }')
    echo "| $mode | $job | $runs | $ok | $same | $sent | $deaths | $replaced | $storm_median | $base_median | $extra |"
  done
done
