"""Regenerates the reference numbers of the Embeddings tests with scikit-learn (development only; the tests never
run Python). Debian: apt-get install python3-sklearn python3-numpy python3-scipy (scikit-learn 1.2.1 made the
committed files). Run from this folder: python3 make_fixtures.py"""
import json
import numpy as np
import sklearn
from sklearn.manifold import TSNE
from sklearn.metrics import roc_auc_score, silhouette_samples, silhouette_score
from sklearn.metrics.pairwise import euclidean_distances

rng = np.random.RandomState(2024)

# t-SNE: cosine distances of 100 points from 4 Gaussian blobs in 16-D.
n, perplexity = 100, 10.0
centres = rng.normal(0, 1, (4, 16)) * 3
x = np.vstack([centres[i % 4] + rng.normal(0, 1, 16) for i in range(n)])
x /= np.linalg.norm(x, axis=1, keepdims=True)
d = 1 - x @ x.T
d = np.maximum((d + d.T) / 2, 0)
np.fill_diagonal(d, 0)
d = d.astype(np.float32)
with open("tsne_blobs100.csv", "w") as f:
    f.write("# cosine distances of 100 points (4 blobs in 16-D), written by make_fixtures.py\n")
    np.savetxt(f, d, fmt="%.7g", delimiter=",")
d = np.loadtxt("tsne_blobs100.csv", delimiter=",", comments="#").astype(np.float32)
kls = []
for seed in range(10):
    # sklearn squares a precomputed matrix in place: pass a copy.
    tsne = TSNE(metric="precomputed", init="random", method="exact", perplexity=perplexity,
                learning_rate="auto", n_iter=1000, random_state=seed)
    tsne.fit(d.copy())
    kls.append(float(tsne.kl_divergence_))
json.dump({"sklearn": sklearn.__version__,
           "call": "TSNE(metric='precomputed', init='random', method='exact', perplexity=10, learning_rate='auto', n_iter=1000, random_state=seed)",
           "perplexity": perplexity, "labels": [i % 4 for i in range(n)], "kl_by_seed": kls, "kl_median": float(np.median(kls))},
          open("tsne_blobs100.json", "w"), indent=1)

# Silhouette: 3 overlapping clusters in 2-D (one of a single point), Euclidean distances.
pts = np.vstack([rng.normal(c, 1.0, (k, 2)) for c, k in [((0, 0), 12), ((3, 1), 9), ((1, 4), 8)]] + [[[8.0, 8.0]]]).astype(np.float32)
labels = [0] * 12 + [1] * 9 + [2] * 8 + [3]
dist = euclidean_distances(pts.astype(np.float64))
json.dump({"sklearn": sklearn.__version__, "points": pts.tolist(), "labels": labels,
           "silhouette": float(silhouette_score(dist, labels, metric="precomputed")),
           "samples": silhouette_samples(dist, labels, metric="precomputed").tolist()},
          open("silhouette.json", "w"), indent=1)

# ROC AUC with many ties: scores rounded to one decimal.
scores = np.round(rng.uniform(0, 1, 60), 1)
truth = (rng.uniform(0, 1, 60) < 0.3 + 0.5 * scores).astype(int)
json.dump({"sklearn": sklearn.__version__, "scores": scores.tolist(), "labels": truth.tolist(),
           "auc": float(roc_auc_score(truth, scores))}, open("roc_auc.json", "w"), indent=1)
print("t-SNE KL by seed", np.round(kls, 4), "median", np.median(kls))
