#!/usr/bin/env python3
"""Cross-check of pestle's Gaussian-process surrogate against scikit-learn.

Same data, same kernel hyperparameters: scikit-learn's GaussianProcessRegressor with
ConstantKernel(sf2) * Matern(length_scale, nu=2.5) + WhiteKernel(sn2), normalize_y=True
(population standard deviation, like pestle), optimizer=None. Compared:
  * posterior mean and latent standard deviation at test points (scikit-learn's std includes
    the white noise, which is removed: var_latent = std^2 - sn2 * y_std^2),
  * the log marginal likelihood of the standardised data,
  * pestle's maximum-likelihood hyperparameters: scikit-learn's own optimum (10 restarts, same
    bounds as pestle's defaults) may not beat pestle's by more than 1e-3 in log likelihood.
Also: pestle's Sobol points equal scipy.stats.qmc.Sobol(scramble=False) (Joe-Kuo numbers).
Tolerances: mean and sd 1e-7 relative to the output scale, log likelihood 1e-7 absolute.
usage: optimise_sklearn_check.py path/to/pestle_optimise_gp_tool
"""
import json
import warnings
import subprocess
import sys

import numpy as np
from scipy.stats import qmc
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

TOL = 1e-7


def pestle(tool, request):
    out = subprocess.run([tool], input=json.dumps(request), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def sklearn_gp(X, y, ell, sf2, sn2, optimise=False):
    # The bounds of pestle's GpOptions defaults, so that both search the same box.
    kernel = (ConstantKernel(sf2, (5e-2, 2e1)) * Matern(ell, (1e-2, 2e1), nu=2.5)
              + WhiteKernel(sn2, (1e-6, 1.0)))
    gp = GaussianProcessRegressor(kernel, alpha=1e-10, normalize_y=True,
                                  optimizer="fmin_l_bfgs_b" if optimise else None,
                                  n_restarts_optimizer=10 if optimise else 0, random_state=0)
    return gp.fit(X, y)


def main():
    warnings.filterwarnings("ignore", message=".*close to the specified")
    tool = sys.argv[1]
    rng = np.random.default_rng(42)
    failures = []
    for d, n in [(1, 8), (3, 25), (6, 40)]:
        X = rng.random((n, d))
        y = np.sin(5 * X[:, 0]) + X[:, -1] ** 2 + 0.01 * rng.standard_normal(n) + 3.0
        Xt = rng.random((30, d))
        ell = list(0.2 + 0.5 * rng.random(d))
        sf2, sn2 = 1.3, 1e-3
        ours = pestle(tool, {"X": X.tolist(), "y": y.tolist(), "Xtest": Xt.tolist(), "length_scales": ell,
                             "signal_variance": sf2, "noise_variance": sn2, "sobol": [64, 21]})
        gp = sklearn_gp(X, y, ell, sf2, sn2)
        mean, std = gp.predict(Xt, return_std=True)
        scale = np.std(y)
        latent_sd = np.sqrt(np.maximum(std ** 2 - sn2 * scale ** 2, 0.0))
        dm = np.max(np.abs(np.array(ours["mean"]) - mean)) / scale
        ds = np.max(np.abs(np.array(ours["sd"]) - latent_sd)) / scale
        dl = abs(ours["lml"] - gp.log_marginal_likelihood_value_)
        print(f"d={d} n={n}: max |mean diff|/s = {dm:.2e}, max |sd diff|/s = {ds:.2e}, |lml diff| = {dl:.2e}")
        if dm > TOL or ds > TOL or dl > TOL:
            failures.append(f"fixed hyperparameters d={d}")
        # Maximum likelihood: pestle's optimum, checked by scikit-learn's likelihood and optimiser.
        fit = pestle(tool, {"X": X.tolist(), "y": y.tolist(), "Xtest": Xt.tolist(), "optimise": True})
        theta = np.log(np.r_[fit["signal_variance"], fit["length_scales"], fit["noise_variance"]])
        sk_at_ours = sklearn_gp(X, y, ell, sf2, sn2).log_marginal_likelihood(theta)
        sk_best = sklearn_gp(X, y, ell, sf2, sn2, optimise=True).log_marginal_likelihood_value_
        print(f"   ML: pestle lml {fit['lml']:.6f}, sklearn at pestle's theta {sk_at_ours:.6f}, sklearn optimum {sk_best:.6f}")
        if abs(sk_at_ours - fit["lml"]) > TOL or sk_best > fit["lml"] + 1e-3:
            failures.append(f"maximum likelihood d={d}")
        sob = qmc.Sobol(d=21, scramble=False).random(64)
        if np.max(np.abs(np.array(ours["sobol"]) - sob)) != 0.0:
            failures.append("Sobol points differ from scipy")
    if failures:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("optimise sklearn check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
