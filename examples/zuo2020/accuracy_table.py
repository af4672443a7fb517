"""Writes docs/accuracy.md from the outputs of examples/zuo2020/benchmark.sh."""
import json
import sys
from pathlib import Path

out, configs = Path(sys.argv[1]), Path(sys.argv[2])
elements = ["Ni", "Cu", "Li", "Mo", "Si", "Ge"]
published = {  # test-set RMSEs, Zuo et al. J. Phys. Chem. A 124, 731 (2020) and XPOT (2023)
    "energy, qSNAP (Zuo 2020)": [1.04, 1.16, 0.85, 3.96, 6.28, 10.55],
    "energy, qSNAP (XPOT-optimised, 2023)": [0.80, 0.52, 0.59, 3.51, 3.31, 3.74],
    "force, qSNAP (Zuo 2020)": [0.07, 0.05, 0.04, 0.33, 0.29, 0.20],
    "force, qSNAP (XPOT-optimised)": [0.04, 0.03, 0.01, 0.17, 0.11, 0.11],
}


def result(el, model):
    return json.loads((out / f"{el}_{model}.test.json").read_text())


def row(label, values, fmt):
    return "| " + label + " | " + " | ".join(fmt.format(v) for v in values) + " |"


lines = [
    "# Accuracy on the Zuo et al. (2020) benchmark",
    "",
    "Test-set RMSEs of pestle SNAP and qSNAP fits (trained on `<El>_train.xyz`, evaluated on `<El>_test.xyz` of",
    "`../shared/data/zuo2020/`) beside the published qSNAP figures. Energies in meV/atom; forces are the RMSE of",
    "force **components** in eV/Å (the Zuo convention; XPOT's force-vector RMSE is about √3 larger).",
    "",
    "Reproduce: `bash examples/zuo2020/benchmark.sh` (after a build; about 1 minute of fitting on 2 cores). The",
    "hyperparameters in `examples/zuo2020/{snap,qsnap}/<El>.json` were chosen by `bash examples/zuo2020/tune.sh`:",
    "5-fold cross-validation on the training file only (rcutfac on a ±0.4 Å grid around the starting value, re-centred until the best value is inside the grid,",
    "energy weight, ridge), selection loss 0.8·E/E_min + 0.2·F/F_min. twojmax is the published one.",
    "",
    "| test RMSE | " + " | ".join(elements) + " |",
    "|---|" + "---|" * len(elements),
]
for model, name in (("qsnap", "qSNAP"), ("snap", "SNAP")):
    lines.append(row(f"energy, meV/atom, **pestle {name}**", [result(e, model)["energy_rmse_meV_per_atom"] for e in elements], "{:.2f}"))
lines.append(row("energy, qSNAP (Zuo 2020)", published["energy, qSNAP (Zuo 2020)"], "{:.2f}"))
lines.append(row("energy, qSNAP (XPOT-optimised, 2023)", published["energy, qSNAP (XPOT-optimised, 2023)"], "{:.2f}"))
for model, name in (("qsnap", "qSNAP"), ("snap", "SNAP")):
    lines.append(row(f"force, eV/Å, **pestle {name}**", [result(e, model)["force_rmse_eV_per_A"] for e in elements], "{:.3f}"))
lines.append(row("force, qSNAP (Zuo 2020)", published["force, qSNAP (Zuo 2020)"], "{:.2f}"))
lines.append(row("force, qSNAP (XPOT-optimised)", published["force, qSNAP (XPOT-optimised)"], "{:.2f}"))
zuo_e, zuo_f = published["energy, qSNAP (Zuo 2020)"], published["force, qSNAP (Zuo 2020)"]
lines += ["", "Against the published Zuo 2020 qSNAP row (pestle qSNAP, same training data, same twojmax):", ""]
for k, e in enumerate(elements):
    r = result(e, "qsnap")
    de, df = r["energy_rmse_meV_per_atom"], r["force_rmse_eV_per_A"]
    verdict = lambda ours, theirs: "better" if ours < theirs * 0.995 else ("worse" if ours > theirs * 1.005 else "equal")
    lines.append(f"- {e}: energy {de:.2f} vs {zuo_e[k]:.2f} meV/atom ({verdict(de, zuo_e[k])}), "
                 f"force {df:.3f} vs {zuo_f[k]:.2f} eV/Å ({verdict(df, zuo_f[k])})")
lines += ["", "Chosen hyperparameters and fit times (single run, this machine, 2 cores):", "",
          "| model | element | twojmax | rcutfac | energy weight | ridge | fit time (s) | force-vector RMSE (eV/Å) |",
          "|---|---|---|---|---|---|---|---|"]
for model in ("snap", "qsnap"):
    for e in elements:
        c = json.loads((configs / model / f"{e}.json").read_text())
        secs = (out / f"{e}_{model}.seconds").read_text().strip()
        lines.append(f"| {model} | {e} | {c['descriptor']['twojmax']} | {c['descriptor']['rcutfac']:.2f} | "
                     f"{c['weights']['energy']:g} | {c['solver']['ridge']:g} | {secs} | "
                     f"{result(e, model)['force_vector_rmse_eV_per_A']:.3f} |")
print("\n".join(lines))
