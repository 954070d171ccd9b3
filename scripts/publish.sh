#!/usr/bin/env bash
# Builds the programs users run: processfarm and processfarm-worker precompiled (ReadyToRun, framework-dependent)
# into artifacts/publish/, with the native library beside them. Prints the path of processfarm.
# The tests use the plain build (artifacts/bin/); run.sh and the comparison scripts use this one.
# Publishes only when something it is built from changed since the last publish (a no-change `dotnet publish`
# still costs seconds: restore, up-to-date checks and the native build's CMake step); PROCESSFARM_PUBLISH=1 forces it.
set -euo pipefail
cd "$(dirname "$0")/.."
case $(uname -m) in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) rid=linux-$(uname -m) ;;
esac
out=artifacts/publish
stamp=$out/.published-$rid
# Every input of the build: the three projects' sources, the native library, the build settings and this script.
# A directory counts too, so a deleted or added file is seen as well as an edited one.
sources=(coordinator shared worker native Directory.Build.props Directory.Packages.props .editorconfig global.json scripts/publish.sh)
existing=()
for source in "${sources[@]}"; do [[ -e $source ]] && existing+=("$source"); done
if [[ ${PROCESSFARM_PUBLISH:-0} != 1 && -x $out/processfarm && -f $stamp ]] &&
  [[ -z $(find "${existing[@]}" \( -name bin -o -name obj \) -prune -o -newer "$stamp" -print -quit) ]]; then
  echo "$PWD/$out/processfarm"
  exit 0
fi
dotnet publish coordinator/ProcessFarm.Coordinator.csproj -c Release -r "$rid" -o "$out" -nologo -v quiet -clp:ErrorsOnly >&2
touch "$stamp"
echo "$PWD/$out/processfarm"
