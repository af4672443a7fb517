#!/usr/bin/env bash
# Datum-derived vs plain random starts on Stillinger–Weber silicon (benchmarks/datum_study.cpp;
# results in docs/exploration.md, "Datum-derived structures"). Header-only: compiled here with g++,
# no CMake build needed.
#   bash benchmarks/datum_study.sh [RUNS] [SEED] [ATOMS...]      defaults: 100 runs, seed 1, Si8 and Si16
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${DATUM_STUDY_DIR:-/tmp/pestle-datum-study}"
mkdir -p "$out"
g++ -std=c++20 -O2 -march=native -DNDEBUG -I "$root/include" -I /usr/include/eigen3 \
  "$root/benchmarks/datum_study.cpp" -ltbb -o "$out/datum_study"
runs="${1:-100}"; seed="${2:-1}"; shift 2 || shift $# || true
"$out/datum_study" "$runs" "$seed" "$@"
