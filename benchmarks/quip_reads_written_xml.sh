#!/bin/sh
# Checks that QUIP's `quip` reads a GAP XML written by pestle (`pestle convert`) and evaluates it to
# the numbers pestle gives (energies and forces, 1e-6). Needs a QUIP build (QUIP_BIN: the folder holding `quip`, built as
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
# compare energies and forces frame by frame (quip prints its frames with an AT prefix)
grep '^AT' quip.out | sed 's/^AT //' > quip.xyz
/usr/bin/python3 - "$tmp/pestle.xyz" quip.xyz <<'PY'
import re, sys

def frames(path):
    """(energy, forces) per frame of an extended-XYZ file; the force column is found from Properties."""
    lines = open(path).read().splitlines()
    out, k = [], 0
    while k < len(lines):
        n = int(lines[k].split()[0])
        comment = lines[k + 1]
        energy = float(re.search(r'(?<![_a-z])energy=([-+0-9.eE]+)', comment).group(1))
        props = re.search(r'Properties=(\S+)', comment).group(1).split(':')
        col, start = 0, None
        for name, kind, width in zip(props[0::3], props[1::3], props[2::3]):
            if name in ('force', 'forces'):
                start = col
            col += int(width)
        rows = [lines[k + 2 + a].split() for a in range(n)]
        out.append((energy, [[float(x) for x in r[start:start + 3]] for r in rows]))
        k += n + 2
    return out

p, q = frames(sys.argv[1]), frames(sys.argv[2])
assert len(p) == len(q) and p, f"frame counts differ: pestle {len(p)}, quip {len(q)}"
de = max(abs(a[0] - b[0]) for a, b in zip(p, q))
df = max(abs(x - y) for a, b in zip(p, q) for fa, fb in zip(a[1], b[1]) for x, y in zip(fa, fb))
print(f"{len(p)} frames: largest energy difference {de:.3g} eV, largest force difference {df:.3g} eV/A")
sys.exit(0 if de < 1e-6 and df < 1e-6 else 1)
PY
