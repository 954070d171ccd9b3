#!/usr/bin/env bash
# Quick start: install what is missing, build (precompiled, scripts/publish.sh) and run `processfarm process` on
# the built-in sample.
# Extra arguments go to `process`, e.g.  scripts/run.sh --mode shm --workers 4
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
farm=$(scripts/publish.sh)
exec "$farm" process "$@"
