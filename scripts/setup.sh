#!/usr/bin/env bash
# Installs what building ProcessFarm needs on Debian/Ubuntu beyond the .NET 10 SDK: cmake, a C compiler and the
# libjpeg-turbo and libpng headers. With --test, also what the tests need: Node.js (the protocol test client and the
# browser driver), Debian's Chromium (the `serve` page's end-to-end test) and redis-server (the cluster mode's Redis
# membership test, which starts and stops its own server). Does nothing when they are there.
# Usage: scripts/setup.sh [--test]
set -euo pipefail

for_tests=0
[[ ${1:-} == --test ]] && for_tests=1

packages=(cmake gcc make libjpeg-dev libpng-dev pkg-config)
if ((for_tests)); then
  # Node.js runs the protocol test client (scripts/protocol-client), a second implementation of docs/PROTOCOL.md,
  # and playwright-core (scripts/browser-test), which drives Chromium.
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
  packages+=(chromium redis-server)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ((for_tests)); then
  for client in "$(dirname "$0")/protocol-client" "$(dirname "$0")/browser-test"; do
    if [[ ! -d "$client/node_modules" || "$client/package-lock.json" -nt "$client/node_modules" ]]; then
      (cd "$client" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    fi
  done
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (https://learn.microsoft.com/dotnet/core/install/linux)" >&2
  exit 1
fi
