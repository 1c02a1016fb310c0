#!/usr/bin/env bash
# Installs Glide's build and test dependencies from Debian 12 packages.
# Usage: scripts/install-deps.sh [--with-torch]
#   --with-torch: also what the whole test suite needs: LibTorch (training, parity tests), python3-torch
#   (the seed peer benchmark) and clang (the libFuzzer harnesses).
set -euo pipefail

packages=(
  g++ cmake make
  libeigen3-dev librange-v3-dev libboost-dev
  catch2 nlohmann-json3-dev libbenchmark-dev libcli11-dev
  wamerican onboard-data
)
if [[ "${1:-}" == "--with-torch" ]]; then
  packages+=(libtorch-dev libopenblas0-pthread python3-torch clang)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
