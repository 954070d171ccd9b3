#!/usr/bin/env bash
# Builds the programs users run: processfarm and processfarm-worker precompiled (ReadyToRun, framework-dependent)
# into artifacts/publish/, with the native library beside them. Prints the path of processfarm.
# The tests use the plain build (artifacts/bin/); run.sh and the comparison scripts use this one.
set -euo pipefail
cd "$(dirname "$0")/.."
case $(uname -m) in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) rid=linux-$(uname -m) ;;
esac
dotnet publish coordinator/ProcessFarm.Coordinator.csproj -c Release -r "$rid" -o artifacts/publish -nologo -v quiet -clp:ErrorsOnly >&2
echo "$PWD/artifacts/publish/processfarm"
