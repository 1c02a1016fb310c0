#!/usr/bin/env bash
# Installs Glide's build and test dependencies from Debian 12 packages.
# Usage: scripts/install-deps.sh [--with-torch] [--with-web] [--with-mpi] [--with-onnx]
#   --with-torch: LibTorch (training, parity tests), python3-torch (the seed peer benchmark) and clang
#   (the libFuzzer harnesses).
#   --with-web: emscripten and node-acorn (the WebAssembly build), chromium, node and npm, and the
#   web test's npm packages (tests/web/package-lock.json: puppeteer-core).
#   --with-mpi: OpenMPI (glide_mpi, built with -DGLIDE_WITH_MPI=ON, and its tests).
#   --with-onnx: the ONNX Runtime peer benchmark (glide_bench_onnx_peer): python3-torch and python3-onnx
#   (the export), node and npm, and onnxruntime-node (pinned by bench/peer/package-lock.json) into
#   bench/peer/node_modules, its install script skipped (it downloads GPU binaries; the CPU ones for
#   linux x64 are in the package). --with-torch and --with-web together imply it.
#   The whole test suite (scripts/run-tests.sh) uses the first three (so the fourth too).
set -euo pipefail

packages=(
  g++ cmake make
  libeigen3-dev librange-v3-dev libboost-dev
  catch2 nlohmann-json3-dev libbenchmark-dev libcli11-dev
  wamerican wamerican-large onboard-data
  python3-dev python3-numpy pybind11-dev python3-pytest
  time
)
web=0 torch=0 onnx=0
for arg in "$@"; do
  case $arg in
    --with-torch) packages+=(libtorch-dev libopenblas0-pthread python3-torch clang) torch=1 ;;
    --with-web)
      packages+=(emscripten node-acorn chromium) web=1
      # Node and npm from Debian unless a Node with its own npm is already there (e.g. NodeSource's).
      command -v node > /dev/null || packages+=(nodejs)
      command -v npm > /dev/null || packages+=(npm)
      ;;
    --with-mpi) packages+=(libopenmpi-dev openmpi-bin) ;;
    --with-onnx) onnx=1 ;;
    *) echo "install-deps: unknown option $arg" >&2; exit 2 ;;
  esac
done
if ((torch && web)); then onnx=1; fi
if ((onnx)); then
  packages+=(python3-torch python3-onnx)
  command -v node > /dev/null || packages+=(nodejs)
  command -v npm > /dev/null || packages+=(npm)
fi
# The web test's npm packages, pinned by the lock file, into tests/web/node_modules.
npm_packages() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/web"
  if ((web)) && [[ ! -d $dir/node_modules/puppeteer-core ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # The ONNX peer's onnxruntime-node, pinned by its lock file, into bench/peer/node_modules.
  dir="$(cd "$(dirname "$0")/.." && pwd)/bench/peer"
  if ((onnx)) && [[ ! -d $dir/node_modules/onnxruntime-node ]]; then
    (cd "$dir" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  npm_packages
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
npm_packages
