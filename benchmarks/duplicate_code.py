#!/usr/bin/env python3
"""Machine code compiled more than once in a build (docs/architecture.md, "Compiled once").

An inline function is compiled in every translation unit that calls it and emitted there as a weak
symbol; the linker keeps one copy. This script lists the weak text symbols of a build tree's object
files, and for each the bytes compiled in vain: size x (units - 1).

    python3 benchmarks/duplicate_code.py BUILD_DIR [--top N] [--pestle]

--pestle lists only pestle's own non-template functions (the ones a compiled-once definition can
remove; templates stay where they are instantiated). Benchmarks, examples and the downstream consumer
are left out, as are objects older than the newest library (left over from an earlier layout).
"""
import argparse
import collections
import pathlib
import subprocess


def object_files(build: pathlib.Path):
    objs = [p for p in build.rglob("*.o") if "CMakeFiles" in p.parts]
    skip = ("bench", "examples", "consumer-check", "asan")
    objs = [p for p in objs if not any(s in str(p) for s in skip)]
    libs = list(build.rglob("libpestle_runtime*.a"))
    if libs:  # an object older than the libraries' own objects is a leftover of an earlier layout
        oldest_lib_object = min(p.stat().st_mtime for p in objs if "pestle_runtime" in str(p))
        objs = [p for p in objs if p.stat().st_mtime >= oldest_lib_object - 3600]
    return objs


def text_bytes(obj: pathlib.Path) -> int:
    out = subprocess.run(["size", "-A", str(obj)], capture_output=True, text=True).stdout
    return sum(int(l.split()[1]) for l in out.splitlines() if l.startswith(".text"))


def weak_symbols(obj: pathlib.Path):
    out = subprocess.run(["nm", "-S", "-C", str(obj)], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split(" ", 3)
        if len(parts) == 4 and parts[2] in ("W", "w"):
            yield parts[3], int(parts[1], 16)


def pestle_non_template(name: str) -> bool:
    return name.startswith("pestle") and "<" not in name.split("(")[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--pestle", action="store_true")
    a = ap.parse_args()
    objs = object_files(pathlib.Path(a.build))
    units = collections.defaultdict(int)
    size = {}
    for o in objs:
        for name, s in weak_symbols(o):
            units[name] += 1
            size[name] = max(size.get(name, 0), s)
    wasted = sorted(((size[n] * (k - 1), k, n) for n, k in units.items() if k > 1), reverse=True)
    total_text = sum(text_bytes(o) for o in objs)
    own = sum(w for w, _, n in wasted if pestle_non_template(n))
    print(f"{len(objs)} objects, {total_text / 1e6:.1f} MB of text")
    print(f"compiled more than once: {sum(w for w, _, _ in wasted) / 1e6:.1f} MB "
          f"(pestle's own non-template functions: {own / 1e6:.1f} MB)")
    shown = [x for x in wasted if pestle_non_template(x[2])] if a.pestle else wasted
    for w, k, n in shown[: a.top]:
        print(f"{w:>9} {k:>3}  {n[:140]}")


if __name__ == "__main__":
    main()
