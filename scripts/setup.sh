#!/usr/bin/env bash
# Set up evalkit on a fresh Debian/Ubuntu machine (or any machine with Python >= 3.10).
#   bash scripts/setup.sh         evalkit itself, bubblewrap for the sandbox, the sandbox's pygame env
#   bash scripts/setup.sh --dev   also the test tools: chromium, pytest, Playwright, Ray, llama.cpp's server
#                                 (pip compiles llama.cpp once, ~9 min on 2 cores, then reuses the cached wheel)
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1
PY=${PYTHON:-python3}

apt_packages=(bubblewrap)
[ "$DEV" = 1 ] && apt_packages+=(chromium)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]} with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: warning: cannot install ${missing[*]} (no apt-get/root); the sandbox falls back to resource limits" >&2
  fi
fi

target="."
if [ "$DEV" = 1 ]; then
  target=".[dev,llama,ray]"
  # llama.cpp compiles from source; portable flags keep the cached wheel usable on any x86-64 machine
  export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF}"
fi
"$PY" -m pip install -q --disable-pip-version-check -e "$target"
# pyenv only puts a new console script on PATH after a rehash
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
"$PY" -m evalkit setup-sandbox
