#!/usr/bin/env bash
# Runs every test: native kernels and codecs, the MessagePack codec, the protocol, and integration tests that
# start real worker processes, and the `serve` page driven in headless Chromium. The same command CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
exec dotnet test ProcessFarm.sln -c Release -nologo "$@"
