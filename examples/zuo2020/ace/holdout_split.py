#!/usr/bin/env python3
"""Seeded split of a training file, stratified by config_type (the test file is never read).

    holdout_split.py TRAIN.xyz FIT.xyz VAL.xyz [FRACTION]

Every config_type keeps round(FRACTION) (default 0.2; at least one) of its structures for validation;
seed 7, so the hold-out studies of examples/zuo2020/ace (80/20) and examples/inp2020 (90/10) each share one split."""
import collections
import random
import sys

from ase.io import read, write


def main(train, fit_out, val_out, fraction='0.2'):
    frames = read(train, ':')
    groups = collections.defaultdict(list)
    for i, f in enumerate(frames):
        groups[f.info.get('config_type', 'none')].append(i)
    rng, held = random.Random(7), set()
    for _, idx in sorted(groups.items()):
        idx = idx[:]
        rng.shuffle(idx)
        held.update(idx[:max(1, round(float(fraction) * len(idx)))])
    write(fit_out, [f for i, f in enumerate(frames) if i not in held], format='extxyz')
    write(val_out, [f for i, f in enumerate(frames) if i in held], format='extxyz')


if __name__ == '__main__':
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    main(*sys.argv[1:])
