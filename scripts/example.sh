#!/usr/bin/env bash
# The main example on its built-in default: set-up, build, then fit a quadratic SNAP
# (qSNAP) potential for molybdenum on the Zuo et al. (2020) training set and report its
# errors on the held-out test set.
#   bash scripts/example.sh [ELEMENT]      # ELEMENT: Ni Cu Li Mo Si Ge (default Mo)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
element="${1:-Mo}"

bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target pestle_cli

mkdir -p out
build/bin/pestle info "../shared/data/zuo2020/${element}_train.xyz"
build/bin/pestle fit "examples/zuo2020/qsnap/${element}.json" -o "out/${element}_qsnap.json"
build/bin/pestle errors "out/${element}_qsnap.json" "../shared/data/zuo2020/${element}_test.xyz"
