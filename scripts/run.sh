#!/usr/bin/env bash
# Quick start: install what is missing, build (precompiled, scripts/publish.sh, only when a source changed) and run
# `processfarm process`. Without arguments it processes the built-in sample into artifacts/sample-processed.jpg
# (the report's `output` line says so); otherwise the arguments go to `process` as they are, and run from the
# directory you are in, so that relative paths mean what you typed:
#   scripts/run.sh --mode shm --workers 4         the sample, into artifacts/sample-processed.jpg
#   scripts/run.sh photos/ -o processed/          your files, where you say
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/setup.sh"
farm=$("$repo/scripts/publish.sh")

# Does the command line name an input or an output? Words that are values of the options below are neither;
# any other word is taken for an input. An option missing from this list only makes a sample run write to the
# current directory, the CLI's own default: never an input's output elsewhere.
names_file=0
expect_value=0
for arg in "$@"; do
  if ((expect_value)); then
    expect_value=0
    continue
  fi
  case $arg in
    -o | --output | --output=* | --) names_file=1 ;;
    -m | --mode | -w | --workers | --ev | --gamma | -q | --quality | --tile-rows | --strip-rows | --batch-strategy | \
      --format | --max-pixels | --sample-size | --inflight | --job-timeout-ms | --max-restarts | --max-job-attempts | \
      --shm-dir | --worker-path) expect_value=1 ;;
    -*) ;;
    *) names_file=1 ;;
  esac
done
if ((!names_file)); then
  set -- "$@" -o "$repo/artifacts/sample-processed.jpg"
fi
exec "$farm" process "$@"
