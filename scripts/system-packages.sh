#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when any is missing, so `npm test` passes on a
# fresh machine as it is. Debian's PyTorch trains and tests limner-mini (training/), with OpenMP
# OpenBLAS (the reference BLAS makes torch ~5x slower); python3-onnx reads ONNX initializers back into
# PyTorch modules (training/onnx_weights.py); Chromium runs the playground test (npm
# cannot download browsers here). Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(python3-torch python3-pil python3-numpy python3-pytest python3-onnx libopenblas0-openmp chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

echo "Installing Debian packages the tests need: ${missing[*]}"
as_root=()
if ((EUID != 0)); then
  command -v sudo >/dev/null || {
    echo "error: missing ${missing[*]}; run this script as root (or install sudo)" >&2
    exit 1
  }
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
