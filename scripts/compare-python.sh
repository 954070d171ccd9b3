#!/usr/bin/env bash
# The article's echo experiment in one run: Python's thread pool and process pool (scripts/python/echo_pool.py,
# Debian's /usr/bin/python3, standard library only) against `processfarm echo --payload complex` on the same N
# complex numbers, plus this machine's raw Unix-socket ceiling and processfarm's pipe echo of 256 MiB, and a
# worker's start beside its bare start (scripts/python/worker_start.py). Prints the ratios the echo issue asks for. Usage: scripts/compare-python.sh [COUNT] [WORKERS]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-15000000}
workers=${2:-2}
python=/usr/bin/python3
[[ -x $python ]] || python=python3
farm=$(scripts/publish.sh) # the precompiled programs users run
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

echo "python ($($python --version 2>&1)): $count complex numbers, $workers workers..." >&2
$python scripts/python/echo_pool.py --count "$count" --workers "$workers" > "$scratch/python.jsonl"
echo "processfarm echo: complex and 256 MiB bytes..." >&2
"$farm" echo --payload complex --count "$count" --workers "$workers" --repeat 3 --latency-round-trips 100000 --format json > "$scratch/complex.json"
"$farm" echo --payload bytes --size 256M --workers "$workers" --repeat 5 --latency-round-trips 0 --format json > "$scratch/bytes.json"
cc -O2 -o "$scratch/socketpair-bench" scripts/socketpair-bench.c
"$scratch/socketpair-bench" 2048 > "$scratch/socket.txt"
echo "worker start..." >&2
$python scripts/python/worker_start.py "$(dirname "$farm")/processfarm-worker" > "$scratch/start.json"

$python - "$scratch" <<'PY'
import json, re, sys
d = sys.argv[1]
py = {row["pool"]: row["seconds"] for row in map(json.loads, open(f"{d}/python.jsonl"))}
complex_ = json.load(open(f"{d}/complex.json"))
by_mode = {r["mode"]: r for r in complex_["results"]}
bytes_ = {r["mode"]: r for r in json.load(open(f"{d}/bytes.json"))["results"]}
socket = float(re.search(r"= ([0-9.]+) GB/s", open(f"{d}/socket.txt").read()).group(1))
lat = {l["mode"]: l for l in complex_["latency"]}
start = json.load(open(f"{d}/start.json"))
items = by_mode["pipe"]["items"]
print(f"| what | seconds | vs Python process pool |")
print(f"| --- | ---: | ---: |")
print(f"| Python ThreadPoolExecutor, {items} complex | {py['threads']:.3f} | {py['processes'] / py['threads']:.1f}x |")
print(f"| Python ProcessPoolExecutor, {items} complex | {py['processes']:.3f} | 1.0x |")
for mode in ("threads", "pipe", "shm"):
    r = by_mode[mode]
    extra = f" (+{r['region_write_s']:.3f} s region write)" if mode == "shm" else ""
    print(f"| processfarm {mode}, median of 3{extra} | {r['median_s']:.6f} | {py['processes'] / r['median_s']:.1f}x |")
pipe_bytes = bytes_["pipe"]
print()
print(f"pipe echo of 256 MiB (median of 5): {pipe_bytes['throughput_gbps']:.2f} GB/s effective = {pipe_bytes['throughput_gbps'] / socket:.2f}x the raw socketpair {socket:.2f} GB/s (goal >= 0.7x)")
print(f"worker start: Hello {start['hello_ms']:.1f} ms after spawn, bare start {start['bare_ms']:.1f} ms = {start['ratio']:.2f}x (goal <= 1.3x; median of {start['rounds']})")
print(f"64-byte round trip p50: shm {lat['shm']['p50_us']:.1f} us (goal <= 5), pipe {lat['pipe']['p50_us']:.1f} us (goal <= 25)")
print(f"goals: pipe >= 50x Python's process pool: {py['processes'] / by_mode['pipe']['median_s']:.1f}x; shm >= 1000x: {py['processes'] / by_mode['shm']['median_s']:.0f}x on the round trip, {py['processes'] / (by_mode['shm']['median_s'] + by_mode['shm']['region_write_s']):.0f}x counting the region write")
PY
