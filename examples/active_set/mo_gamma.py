"""Extrapolation grade gamma of a Mo model on the Zuo test set and on strained bcc cells.

    python3 examples/active_set/mo_gamma.py [PESTLE] [MODEL] [OUT_DIR]
      PESTLE   the pestle program (default build/bin/pestle)
      MODEL    a SNAP/qSNAP file or pestle ACE model JSON (default examples/compile_time/Mo_ace_325.json,
               a 325-function linear ACE fitted to Mo_train.xyz)
      OUT_DIR  scratch folder (default /tmp/pestle_mo_gamma)

Runs `pestle activeset MODEL Mo_train.xyz`, then `pestle predict --active-set` on Mo_test.xyz (gamma per
test structure, by config_type) and on a 54-atom bcc cell whose lattice constant is scaled from 0.75 to
1.4 times 3.16 A (rattled by 0.02 A), and prints Markdown tables (docs/validation.md).
"""
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

root = Path(__file__).resolve().parents[2]
pestle = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "build" / "bin" / "pestle"
model = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "examples" / "compile_time" / "Mo_ace_325.json"
out = Path(sys.argv[3]) if len(sys.argv) > 3 else Path("/tmp/pestle_mo_gamma")
zuo = root.parent / "shared" / "data" / "zuo2020"
out.mkdir(parents=True, exist_ok=True)


def pestle_run(*args):
    p = subprocess.run([str(pestle), *map(str, args)], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"pestle {' '.join(map(str, args))} failed:\n{p.stdout}\n{p.stderr}")
    return p


def frames_with_gamma(path):
    """(atoms, max_gamma) of every frame of a file pestle predict wrote (the Zuo files have no
    config_type; their atom counts tell the kinds apart: 53 vacancy, 54 bulk and AIMD, ... slabs)."""
    rows, atoms = [], None
    for line in path.read_text().splitlines():
        if line.strip().isdigit():
            atoms = int(line)
        elif "max_gamma=" in line:
            rows.append((atoms, float(line.split("max_gamma=")[1].split()[0])))
    return rows


def bcc_cell(a, n=3, rattle=0.02, seed=1):
    rng = random.Random(seed)
    lines = [str(2 * n ** 3),
             f'Lattice="{n * a} 0 0 0 {n * a} 0 0 0 {n * a}" Properties=species:S:1:pos:R:3 pbc="T T T" config_type=scale']
    for i in range(n):
        for j in range(n):
            for k in range(n):
                for b in ((0, 0, 0), (0.5, 0.5, 0.5)):
                    x = [(c + d) * a + rng.gauss(0, rattle) for c, d in zip((i, j, k), b)]
                    lines.append("Mo {:.8f} {:.8f} {:.8f}".format(*x))
    return "\n".join(lines) + "\n"


asi = out / "model.asi"
start = time.time()
p = pestle_run("activeset", model, zuo / "Mo_train.xyz", "-o", asi)
seconds = time.time() - start
print(f"model {model.name}; active set from Mo_train.xyz in {seconds:.1f} s wall: {p.stdout.strip()}\n")

test_out = out / "test_gamma.xyz"
pestle_run("predict", model, zuo / "Mo_test.xyz", "-o", test_out, "--active-set", asi)
by_kind = defaultdict(list)
for kind, gamma in frames_with_gamma(test_out):
    by_kind[kind].append(gamma)
print("| Mo_test.xyz structures of N atoms | structures | median max gamma | largest | structures with gamma > 1 |")
print("|---|---|---|---|---|")
for kind in sorted(by_kind):
    g = sorted(by_kind[kind])
    print(f"| {kind} | {len(g)} | {g[len(g) // 2]:.2f} | {g[-1]:.2f} | {sum(x > 1 for x in g)} |")

print("\n| bcc lattice constant / 3.16 A | max gamma |")
print("|---|---|")
scales = [0.75, 0.85, 0.95, 1.0, 1.05, 1.15, 1.25, 1.4]
cells = out / "strained.xyz"
cells.write_text("".join(bcc_cell(3.16 * s) for s in scales))
pestle_run("predict", model, cells, "-o", out / "strained_gamma.xyz", "--active-set", asi)
for s, (_, gamma) in zip(scales, frames_with_gamma(out / "strained_gamma.xyz")):
    print(f"| {s:.2f} | {gamma:.3g} |")
