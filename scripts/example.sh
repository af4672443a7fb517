#!/usr/bin/env bash
# The main example on its built-in default: set-up, build, then build a silicon potential from
# nothing. Random structure search, labelling by the built-in Stillinger-Weber potential, linear
# ACE fits, 16 iterations (about 1 minute), then a fresh search with the final model, its
# energy-volume curves against Stillinger-Weber, and 10 ps of a 1000-atom liquid at 3000 K
# (about 3 minutes) (docs/exploration.md, issue 7 item 8).
#   bash scripts/example.sh            # the RSS loop above, into rss-si-sw-ace/
#   bash scripts/example.sh ELEMENT    # instead: qSNAP for ELEMENT (Ni Cu Li Mo Si Ge) on the Zuo et
#                                      # al. (2020) training set, errors on its test set
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target pestle_cli

if [ $# -eq 0 ]; then
  build/bin/pestle rss examples/rss/si-sw-ace.json -o rss-si-sw-ace --final-search 500
  /usr/bin/python3 examples/rss/ev_check.py build/bin/pestle rss-si-sw-ace
  build/bin/pestle validate examples/rss/si-liquid-md.json -o rss-si-sw-ace/liquid   # 1000 atoms, 3000 K, 10 ps
  exit 0
fi

element="$1"
mkdir -p out
build/bin/pestle info "../shared/data/zuo2020/${element}_train.xyz"
build/bin/pestle fit "examples/zuo2020/qsnap/${element}.json" -o "out/${element}_qsnap.json"
build/bin/pestle errors "out/${element}_qsnap.json" "../shared/data/zuo2020/${element}_test.xyz"
