#!/bin/sh
# Checks that QUIP's `quip` reads a GAP XML written by pestle (`pestle convert`) and evaluates it to
# the numbers pestle gives. Needs a QUIP build (QUIP_BIN: the folder holding `quip`, built as
# ../shared/data/reference/quip-gap/README.md section 2 describes).
#
#   QUIP_BIN=/path/to/build/linux_x86_64_gfortran sh benchmarks/quip_reads_written_xml.sh BUILD_DIR [MODEL.xml]
#
# MODEL defaults to QUIP's own Mo GAP (read by pestle and written again); any pestle-fitted GAP works too.
set -eu
build=${1:?usage: quip_reads_written_xml.sh BUILD_DIR [MODEL.xml]}
: "${QUIP_BIN:?set QUIP_BIN to the folder holding quip}"
here=$(cd "$(dirname "$0")" && pwd)
ref=$(cd "$here/../../shared/data/reference/quip-gap" && pwd)
model=${2:-$ref/gap/Mo_gap.xml}
frames="$here/../../shared/data/zuo2020/Mo_test.xyz"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$build/bin/pestle" convert "$model" "$tmp/written.xml"
"$build/bin/pestle" predict "$tmp/written.xml" "$frames" -o "$tmp/pestle.xyz"
# quip resolves the sparseX file names relative to the working directory
cd "$tmp"
"$QUIP_BIN/quip" E=T F=T atoms_filename="$frames" param_filename=written.xml init_args="IP GAP" \
  real_format='%.17g' > quip.out
# compare total energies frame by frame (quip prints its frames with an AT prefix)
grep '^AT' quip.out | sed 's/^AT //' > quip.xyz
/usr/bin/python3 - "$tmp/pestle.xyz" quip.xyz <<'PY'
import re, sys
def energies(path):
    out = []
    for line in open(path):
        m = re.search(r'(?<![_a-z])energy=([-+0-9.eE]+)', line)
        if m and 'Lattice' in line:
            out.append(float(m.group(1)))
    return out
p, q = energies(sys.argv[1]), energies(sys.argv[2])
assert len(p) == len(q) and p, f"frame counts differ: pestle {len(p)}, quip {len(q)}"
worst = max(abs(a - b) for a, b in zip(p, q))
print(f"{len(p)} frames, largest energy difference {worst:.3g} eV")
sys.exit(0 if worst < 1e-6 else 1)
PY
