"""Reference values for tests/CourseWorkbook.Tests/Scaling (ScalingFitsTests): scipy fits of the same data.

Run from this folder: /usr/bin/python3 make_fits.py  (numpy, scipy). Writes fits.json:
  power_law:  noisy y = a x^-g + b, and scipy.optimize.curve_fit's (a, g, b) and standard errors;
  chinchilla: noisy losses from L(N, D) = E + A/N^alpha + B/D^beta on an IsoFLOP-like grid, and the best fit of
              Hoffmann et al.'s objective (Huber, delta 1e-3, on log L vs LSE(a - alpha log N, b - beta log D, e))
              by scipy.optimize.minimize(L-BFGS-B) from the same grid of starts as ChinchillaFit.StartGrid.
"""
import itertools
import json

import numpy as np
from scipy.optimize import curve_fit, minimize
from scipy.special import logsumexp

rng = np.random.RandomState(0)

# --- power law -----------------------------------------------------------------------------------------------------
x = np.logspace(3, 6, 12)
y = 5.0 * x ** -0.5 + 1.2 + rng.normal(0, 0.002, x.size)
popt, pcov = curve_fit(lambda x, a, g, b: a * x ** -g + b, x, y, p0=[3.0, 0.4, 1.0], maxfev=100000)
power_law = {"x": x.tolist(), "y": y.tolist(), "popt": popt.tolist(), "stderr": np.sqrt(np.diag(pcov)).tolist()}

# --- Chinchilla ----------------------------------------------------------------------------------------------------
E, A, B, alpha, beta = 1.0, 300.0, 800.0, 0.4, 0.3
runs = []
for C in [1e15, 1e16, 1e17, 1e18]:
    for n in np.logspace(np.log10(C) / 2 - 2.0, np.log10(C) / 2 + 0.5, 5):
        d = C / (6 * n)
        loss = (E + A / n ** alpha + B / d ** beta) * np.exp(rng.normal(0, 0.01))
        runs.append((n, d, loss))
runs = np.array(runs)
logN, logD, logL = np.log(runs[:, 0]), np.log(runs[:, 1]), np.log(runs[:, 2])
delta = 1e-3


def objective(t):
    a, b, e, al, be = t
    pred = logsumexp(np.stack([a - al * logN, b - be * logD, np.full_like(logN, e)]), axis=0)
    r = pred - logL
    return np.sum(np.where(np.abs(r) <= delta, 0.5 * r ** 2, delta * (np.abs(r) - 0.5 * delta)))


best = None
for start in itertools.product([0, 5, 10, 15], [0, 5, 10, 15], [-1, -0.5, 0, 0.5, 1], [0.2, 0.5, 1.0], [0.2, 0.5, 1.0]):
    res = minimize(objective, np.array(start, float), method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 5000})
    if best is None or res.fun < best.fun:
        best = res
a, b, e, al, be = best.x
chinchilla = {"runs": runs.tolist(), "truth": [E, A, B, alpha, beta], "objective": best.fun,
              "fit": [float(np.exp(e)), float(np.exp(a)), float(np.exp(b)), float(al), float(be)]}

with open("fits.json", "w") as f:
    json.dump({"power_law": power_law, "chinchilla": chinchilla}, f, indent=1)
print(json.dumps({"power_law": popt.tolist(), "chinchilla": chinchilla["fit"], "objective": best.fun}))
