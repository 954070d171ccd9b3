#!/usr/bin/env bash
# Cluster mode over a shaped link (root only, optional): the coordinator and two nodes each in its own network
# namespace, joined through a bridge by veth pairs whose every end is rate-limited with `tc tbf` (each node's link,
# both directions), so nothing goes over loopback: only the addresses inside those namespaces (10.77.0.0/24) are used.
# For each rate it runs, on the same files:
#   - a batch with --path-map (the namespaces share this machine's file system: only paths travel),
#   - the same batch without it (the encoded files travel both ways),
#   - echo in cluster mode (frames, grain calls, raw TCP over the link),
# and prints each report's figures (MP/s, bytes per node on the wire, GB/s). This kernel has no netem, so the link
# has a rate but no added latency. Every namespace, bridge and process is removed on every exit, and every run is
# bounded by --timeout.
# Usage: sudo scripts/cluster-netns.sh [--rates 1gbit,10gbit] [--files N] [--size WxH] [--timeout S] [--farm PATH]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
rates=1gbit,10gbit files=24 size=4000x3000 limit=600 farm=
while (($#)); do
  case $1 in
    --rates) rates=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --farm) farm=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "cluster-netns: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if ((EUID != 0)); then
  echo "cluster-netns: needs root (network namespaces, veth, tc); nothing was changed" >&2
  exit 2
fi
for tool in ip tc; do
  command -v "$tool" >/dev/null || { echo "cluster-netns: '$tool' is missing (Debian: iproute2)" >&2; exit 2; }
done
[[ -n $farm ]] || farm=$("$repo/scripts/publish.sh")

prefix=pf$$
spaces=("${prefix}c" "${prefix}n1" "${prefix}n2")
addresses=(10.77.0.1 10.77.0.2 10.77.0.3)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/processfarm-netns.XXXXXX")
node_pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  ((${#node_pids[@]})) && kill -KILL "${node_pids[@]}" 2>/dev/null || true
  for space in "${spaces[@]}"; do
    # Whatever still runs inside a namespace (a worker of a killed node) goes with it.
    for pid in $(ip netns pids "$space" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$space" 2>/dev/null || true
  done
  ip link del "${prefix}br" 2>/dev/null || true
  rm -rf "$scratch"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The inputs: the farm's own sample, one JPEG per file (the same photo-like image; the codec does the same work).
mkdir -p "$scratch/in"
"$farm" process --sample-size "$size" -m threads -o "$scratch/in/sample.jpg" >/dev/null
for i in $(seq -w 1 "$files"); do cp "$scratch/in/sample.jpg" "$scratch/in/p$i.jpg"; done
rm "$scratch/in/sample.jpg"
input_mb=$(du -sm "$scratch/in" | cut -f1)

ip link add "${prefix}br" type bridge
ip link set "${prefix}br" up
for i in "${!spaces[@]}"; do
  space=${spaces[$i]}
  ip netns add "$space"
  ip link add "${prefix}h$i" type veth peer name "${prefix}p$i"
  ip link set "${prefix}p$i" netns "$space"
  ip link set "${prefix}h$i" master "${prefix}br" up
  ip netns exec "$space" ip link set lo up
  ip netns exec "$space" ip addr add "${addresses[$i]}/24" dev "${prefix}p$i"
  ip netns exec "$space" ip link set "${prefix}p$i" up
done

shape() {
  local rate=$1 burst
  case $rate in *gbit) burst=$((${rate%gbit} * 128))kb ;; *) burst=128kb ;; esac
  for i in "${!spaces[@]}"; do
    # Both directions of each link: out of the namespace, and out of the bridge towards it.
    ip netns exec "${spaces[$i]}" tc qdisc replace dev "${prefix}p$i" root tbf rate "$rate" burst "$burst" latency 100ms
    tc qdisc replace dev "${prefix}h$i" root tbf rate "$rate" burst "$burst" latency 100ms
  done
}

in_space() { local space=$1; shift; timeout --kill-after=5 "$limit" ip netns exec "$space" "$@"; }
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_nodes() {
  local p=$1
  node_pids=()
  for i in 1 2; do
    ip netns exec "${spaces[$i]}" "$farm" node --join "${addresses[0]}:$p" --workers 2 --advertise "${addresses[$i]}" >"$scratch/node$i.log" 2>&1 &
    node_pids+=($!)
  done
}
stop_nodes() {
  ((${#node_pids[@]})) && kill -TERM "${node_pids[@]}" 2>/dev/null || true
  for _ in $(seq 100); do
    local alive=0
    for pid in "${node_pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  kill -KILL "${node_pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  node_pids=()
}

echo "cluster-netns: coordinator ${addresses[0]}, nodes ${addresses[1]} and ${addresses[2]} (2 workers each), $files x $size JPEG ($input_mb MB)"
IFS=, read -ra rate_list <<<"$rates"
for rate in "${rate_list[@]}"; do
  shape "$rate"
  echo "== link $rate per node, each direction (tc tbf)"
  for travel in paths bytes; do
    p=$(port)
    start_nodes "$p"
    extra=()
    [[ $travel == paths ]] && extra=(--path-map "$scratch=$scratch")
    rm -rf "$scratch/out"
    if in_space "${spaces[0]}" "$farm" process "$scratch/in" -m cluster --listen "${addresses[0]}:$p" --nodes 2 -o "$scratch/out" "${extra[@]}" >"$scratch/report" 2>"$scratch/err"; then
      echo "-- batch, $travel:"
      grep -E '^(mode|done|node|moved)' "$scratch/report" | sed 's/^/   /'
    else
      echo "-- batch, $travel: failed (exit $?)"; tail -n 5 "$scratch/err" | sed 's/^/   /'
    fi
    stop_nodes
  done
  p=$(port)
  start_nodes "$p"
  if in_space "${spaces[0]}" "$farm" echo -m cluster --listen "${addresses[0]}:$p" --nodes 2 >"$scratch/report" 2>"$scratch/err"; then
    echo "-- echo:"; sed 's/^/   /' "$scratch/report"
  else
    echo "-- echo: failed (exit $?)"; tail -n 5 "$scratch/err" | sed 's/^/   /'
  fi
  stop_nodes
done
