#!/usr/bin/env bash
# The robustness protocol on silicon with the built-in Stillinger-Weber labeller (issue 27, item 6;
# figures in docs/exploration.md "γ-driven MD on silicon"). From the README's ACE-RSS model (16
# iterations of examples/rss/si-sw-ace.json) two continuations to 20 iterations: plain RSS (control)
# and RSS + γ-driven MD; survival tests of all three models from the same hard-sphere starts; an a-Si
# melt-quench (1e14 K/s; the protocol asks 1e13, ten times longer) of the two continued models with SW alongside.
#   bash examples/active_set/si_study.sh [build/bin/pestle]        # from the repository root, writes si-study/
# Every step resumes: rerunning skips finished loop iterations (the survival and validate steps rerun).
set -euo pipefail
PESTLE=${1:-build/bin/pestle}
OUT=si-study
mkdir -p "$OUT"
here=examples/active_set

"$PESTLE" rss examples/rss/si-sw-ace.json -o "$OUT/rss"
for tag in plain md; do
  if [ ! -e "$OUT/rss_$tag/iter_015/DONE" ]; then rm -rf "$OUT/rss_$tag"; cp -r "$OUT/rss" "$OUT/rss_$tag"; fi
done
"$PESTLE" rss "$here/si-sw-ace-plain20.json" -o "$OUT/rss_plain"
"$PESTLE" rss "$here/si-sw-ace-md.json" -o "$OUT/rss_md"

# 64 atoms at SW's liquid density (≈ 19 Å³/atom), hard spheres 2.0 Å, 3000 K for 10 ps, 8 runs each
for model in rss rss_plain rss_md; do
  "$PESTLE" survive "$OUT/$model/model.json" --atoms 64 --volume 19 --hard-sphere 2.0 --temperature 3000 --ps 10 \
    --runs 8 --seed 5 -o "$OUT/survival_$model"
done
"$PESTLE" survive /usr/share/lammps/potentials/Si.sw --atoms 64 --volume 19 --hard-sphere 2.0 --temperature 3000 --ps 10 \
  --runs 8 --seed 5 -o "$OUT/survival_sw"

for tag in plain md; do
  "$PESTLE" validate "$here/si-amorphous-$tag.json" -o "$OUT/amorphous_$tag"
done
/usr/bin/python3 "$here/si_study_table.py" "$OUT"
# The protocol's quench rate, 1e13 K/s (a 270 ps quench; about an hour on 2 cores): with SI_STUDY_1E13=1
if [ -n "${SI_STUDY_1E13:-}" ]; then
  "$PESTLE" validate "$here/si-amorphous-md-1e13.json" -o "$OUT/amorphous_md_1e13"
fi
