#!/usr/bin/env python3
"""Choose the linear ACE basis of one Zuo element by 5-fold cross-validation on its training file.

    basis_cv.py PESTLE BASE_CONFIG.json OUT_DIR [--cutoffs 5.0,5.2] [--only NAME,...] [--by-family]

For every candidate basis below, `pestle cv` scans cutoff, energy weight, ridge and smoothness on the
training file of BASE_CONFIG (the test file is never read) and writes the tuned config to
OUT_DIR/<name>.json; OUT_DIR/summary.txt lists each basis with its size and best cross-validated
energy and force RMSE, ranked by the same loss `pestle cv` uses within one basis (0.8 E + 0.2 F, each
relative to the best seen). Finished candidates are skipped on a rerun, so the scan resumes.
With --by-family, `pestle cv --by-family` stratifies the folds by structure family (bulk/slab) and the
energy used for ranking is the family-balanced held-out RMSE (docs/fitting.md); use a fresh OUT_DIR.

Candidates: box bases (n_max, l_max per rank) and total-degree bases (docs/ace.md section 5:
a product is kept if sum_t (n_t + l_weight l_t) <= D_rank), body order up to 6."""
import json
import os
import re
import subprocess
import sys

def box_ranks(n1, *nl):
    ranks = {'1': {'n_max': n1}}
    for k, (n, l) in enumerate(nl):
        ranks[str(k + 2)] = {'n_max': n, 'l_max': l}
    return ranks


# box bases: n_max (and l_max) per rank, from the 569 functions of Mo.json upwards, then body order 6
BOX = {
    'box569': box_ranks(10, (8, 4), (4, 3), (2, 2)),
    'box1268': box_ranks(12, (10, 6), (5, 3), (3, 2)),
    'box_r3': box_ranks(12, (10, 6), (6, 4), (3, 2)),
    'box_r4': box_ranks(12, (10, 6), (5, 3), (4, 3)),
    'box_r2': box_ranks(16, (14, 8), (5, 3), (3, 2)),
    'box_r5': box_ranks(12, (10, 6), (5, 3), (3, 2), (2, 1)),
    'box_r2b': box_ranks(20, (18, 10), (5, 3), (3, 2)),
    'box_r2r3': box_ranks(16, (14, 8), (6, 4), (3, 2)),
    'box_r2r3n': box_ranks(16, (14, 8), (8, 4), (3, 2)),
    'box_r2r3r4': box_ranks(16, (14, 8), (6, 4), (4, 2)),
}


# the box_r2r3 basis with another scale lambda of its radial basis (docs/ace.md section 3)
RADIAL = {
    'box_r2r3_lam2': {'lambda': 2.0},
    'box_r2r3_lam8': {'lambda': 8.0},
}


def degree_ranks(*degrees):
    return {str(k + 1): {'max_degree': d} for k, d in enumerate(degrees)}


# total degree with l_weight 1.5 (ACEpotentials' default)
DEGREE = {
    'deg_w1.5_a': (1.5, degree_ranks(12, 16, 14, 12)),
}


def candidates(base):
    for name, ranks in BOX.items():
        c = json.loads(json.dumps(base))
        c['descriptor']['ranks'] = ranks
        c['descriptor'].pop('l_weight', None)
        yield name, c
    for name, settings in RADIAL.items():
        c = json.loads(json.dumps(base))
        c['descriptor']['ranks'] = BOX['box_r2r3']
        c['descriptor'].update(settings)
        yield name, c
    for name, (w, ranks) in DEGREE.items():
        c = json.loads(json.dumps(base))
        c['descriptor']['ranks'] = ranks
        c['descriptor']['l_weight'] = w
        yield name, c


def best_line(cv_text, by_family=False):
    """(energy, force, line) of the best setting; the energy is the balanced one with --by-family."""
    for line in cv_text.splitlines():
        if line.endswith('<- best'):
            f = line.split()
            return float(f[6] if by_family else f[4]), float(f[5]), line
    raise RuntimeError('no best line in pestle cv output')


def main(argv):
    args = [a for a in argv[1:]]
    by_family = '--by-family' in args
    if by_family:
        args.remove('--by-family')
    opts = {}
    for key in ('--cutoffs', '--only'):
        if key in args:
            i = args.index(key)
            opts[key] = args[i + 1]
            del args[i:i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    pestle, base_path, out = args
    base = json.load(open(base_path))
    base['training'] = [os.path.abspath(os.path.join(os.path.dirname(base_path), t)) for t in base['training']]
    os.makedirs(out, exist_ok=True)
    only = set(opts['--only'].split(',')) if '--only' in opts else None
    cutoffs = opts.get('--cutoffs', str(base['descriptor']['cutoff']))
    rows = []
    for name, config in candidates(base):
        if only and name not in only:
            continue
        result = os.path.join(out, name + '.cv.txt')
        if not os.path.exists(result):
            src = os.path.join(out, name + '.in.json')
            json.dump(config, open(src, 'w'), indent=1)
            run = subprocess.run([pestle, 'cv', src, '--folds', '5', '--cutoffs', cutoffs,
                                  '--energy-weights', '100,300,1000', '--ridges', '1e-10,1e-9,1e-8,1e-7',
                                  '--smoothness', '0,1', '--write-config', os.path.join(out, name + '.json')]
                                 + (['--by-family'] if by_family else []),
                                 capture_output=True, text=True)
            if run.returncode != 0:
                print(f'{name}: pestle cv failed: {run.stderr.strip()}', file=sys.stderr)
                continue
            with open(result, 'w') as f:
                f.write(run.stderr + run.stdout)
        text = open(result).read()
        size = int(re.search(r'(\d+) B functions', text).group(1))
        energy, force, line = best_line(text, by_family)
        rows.append((name, size, energy, force, line))
        print(f'{name:14s} {size:5d} functions  CV E {energy:6.3f} meV/atom  F {force:.4f} eV/A', flush=True)
    emin, fmin = min(r[2] for r in rows), min(r[3] for r in rows)
    rows.sort(key=lambda r: 0.8 * r[2] / emin + 0.2 * r[3] / fmin)
    with open(os.path.join(out, 'summary.txt'), 'w') as f:
        columns = 'cutoff smooth eweight ridge E F' + (' E_balanced E_bulk E_slab' if by_family else '') + ' loss'
        energy = 'cv_balanced_energy_meV_atom' if by_family else 'cv_energy_meV_atom'
        f.write(f'basis functions {energy} cv_force_eV_A | best setting ({columns})\n')
        for name, size, energy, force, line in rows:
            f.write(f'{name} {size} {energy:.3f} {force:.4f} | {line.replace("<- best", "").strip()}\n')
    print(open(os.path.join(out, 'summary.txt')).read())


if __name__ == '__main__':
    main(sys.argv)
