"""Reference values for DoubleDescentTests: numpy/scipy computations of random-features regression on a small case.

Run from this folder: /usr/bin/python3 make_double_descent.py  (numpy, scipy). Writes double_descent.json:
  x (6x3), w (3x9), y (6): the inputs; features = max(x @ w, 0);
  for p in 4, 6, 9 (under, at and over n = 6): min_norm[p] = numpy.linalg.pinv(F_p) @ y with F_p the first p
  columns, and ridge[p] = scipy.linalg.solve(F_p^T F_p + 0.1 I, F_p^T y, assume_a="pos").
"""
import json

import numpy as np
from scipy.linalg import solve

rng = np.random.RandomState(7)
x = rng.normal(size=(6, 3))
w = rng.normal(size=(3, 9)) / np.sqrt(3)
y = rng.normal(size=6)
features = np.maximum(x @ w, 0.0)
min_norm, ridge = {}, {}
for p in (4, 6, 9):
    f = features[:, :p]
    min_norm[str(p)] = (np.linalg.pinv(f) @ y).tolist()
    ridge[str(p)] = solve(f.T @ f + 0.1 * np.eye(p), f.T @ y, assume_a="pos").tolist()
out = {"x": x.tolist(), "w": w.tolist(), "y": y.tolist(), "features": features.tolist(),
       "min_norm": min_norm, "ridge": ridge, "lambda": 0.1}
with open("double_descent.json", "w") as fh:
    json.dump(out, fh, indent=1)
print("wrote double_descent.json")
