#!/usr/bin/env python3
"""Fails when a pestle header includes a header of a higher layer (include/pestle/LAYERS), when
a folder is missing from that list, or when an umbrella header reaches outside its folder.

    python3 tests/layers_check.py [REPO]        # prints each offending include, exit 1 if any
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]pestle/([^">]+)[">]')


def layer_order(root):
    lines = (root / "include/pestle/LAYERS").read_text().splitlines()
    return [l.strip() for l in lines if l.strip() and not l.startswith("#")]


def main(repo):
    root = pathlib.Path(repo)
    base = root / "include/pestle"
    order = layer_order(root)
    rank = {name: k for k, name in enumerate(order)}
    problems = []
    for folder in sorted(p.name for p in base.iterdir() if p.is_dir()):
        if folder not in rank:
            problems.append(f"include/pestle/{folder}/ is not listed in include/pestle/LAYERS")
    for header in sorted(base.rglob("*.hpp")):
        rel = header.relative_to(base)
        here = rel.parts[0] if len(rel.parts) > 1 else rel.stem  # umbrella pestle/X.hpp belongs to X
        for number, line in enumerate(header.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1).split("/")
            there = target[0] if len(target) > 1 else pathlib.Path(target[0]).stem
            if here not in rank or there not in rank:
                problems.append(f"{rel}:{number}: includes pestle/{m.group(1)}, outside the listed layers")
            elif rank[there] > rank[here]:
                problems.append(f"{rel}:{number}: {here}/ includes pestle/{m.group(1)} of the higher layer {there}/")
    for p in problems:
        print(p)
    print(f"layers: {len(order)} layers, {len(problems)} problem(s)")
    return 1 if problems else 0


def self_test():
    """The check must fail on a tree with an upward include and pass on the same tree without it."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        base = pathlib.Path(tmp) / "include/pestle"
        (base / "core").mkdir(parents=True)
        (base / "fit").mkdir()
        (base / "LAYERS").write_text("core\nfit\n")
        (base / "fit/a.hpp").write_text('#include "pestle/core/b.hpp"\n')
        (base / "core/b.hpp").write_text("#pragma once\n")
        clean = main(tmp)
        (base / "core/b.hpp").write_text('#include "pestle/fit/a.hpp"\n')
        upward = main(tmp)
    if clean != 0 or upward != 1:
        print("self-test failed: the checker does not tell an upward include from a downward one")
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(self_test())
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[1]))
