#!/usr/bin/env bash
# Quick start: install what is missing, build in Release, and run `processfarm process` on the built-in sample.
# Extra arguments go to `process`, e.g.  scripts/run.sh --mode shm --workers 4
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
dotnet build ProcessFarm.sln -c Release -nologo -v quiet -clp:ErrorsOnly
exec artifacts/bin/coordinator/release/processfarm process "$@"
