using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace CourseWorkbook.Embeddings;

/// <summary>How well an embedding space separates classes.</summary>
public static class EmbeddingMetrics
{
    /// <summary>
    /// Instance-based classification: each query takes the label of its nearest known embedding (1-NN, Euclidean).
    /// Returns the predicted labels.
    /// </summary>
    public static long[] NearestNeighbourLabels(Tensor known, Tensor knownLabels, Tensor queries)
    {
        using var _ = NewDisposeScope();
        var distances = cdist(queries.to_type(ScalarType.Float32), known.to_type(ScalarType.Float32));
        var nearest = distances.argmin(1);
        return knownLabels.to_type(ScalarType.Int64).index_select(0, nearest).data<long>().ToArray();
    }

    /// <summary>Fraction of queries whose nearest known embedding has the query's own label.</summary>
    public static double NearestNeighbourAccuracy(Tensor known, Tensor knownLabels, Tensor queries, Tensor queryLabels)
    {
        var predicted = NearestNeighbourLabels(known, knownLabels, queries);
        var truth = queryLabels.to_type(ScalarType.Int64).data<long>().ToArray();
        return predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length;
    }

    /// <summary>
    /// Inter/intra-class distance ratio: the mean distance between class centroids divided by the mean distance
    /// of points to their own class centroid. Larger is better separated; it does not depend on the scale of the
    /// space, so it compares embeddings trained with different losses fairly.
    /// </summary>
    public static double InterIntraRatio(Tensor embeddings, Tensor labels)
    {
        using var _ = NewDisposeScope();
        var e = embeddings.to_type(ScalarType.Float64);
        var y = labels.to_type(ScalarType.Int64);
        var classes = y.unique().Item1.data<long>().ToArray();
        if (classes.Length < 2) throw new ArgumentException("the ratio needs at least two classes");
        var centroids = new List<Tensor>();
        double intra = 0;
        foreach (var c in classes)
        {
            var members = e.index_select(0, nonzero(y.eq(c)).flatten());
            var centroid = members.mean([0]);
            centroids.Add(centroid);
            intra += (members - centroid).pow(2).sum(1).sqrt().sum().item<double>();
        }
        intra /= e.shape[0];
        var stacked = stack(centroids);
        var pairwise = cdist(stacked, stacked);
        int k = classes.Length;
        double inter = pairwise.sum().item<double>() / (k * (k - 1));
        return inter / intra;
    }

    // ---- on plain arrays: instance-based classification, silhouette, ROC AUC ----

    /// <summary>
    /// k-nearest-neighbour labels from a [queries × known] distance matrix: each query takes the majority label of its
    /// k nearest known points. Deterministic ties: neighbours are ranked by (distance, index); among classes with
    /// equally many votes, the one whose best-ranked neighbour comes first wins (for k = 1 this is plain 1-NN).
    /// </summary>
    public static int[] KnnPredict(IReadOnlyList<float[]> queryToKnownDistances, IReadOnlyList<int> knownLabels,
        int k = 1)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), "k must be at least 1");
        var result = new int[queryToKnownDistances.Count];
        for (int q = 0; q < result.Length; q++)
        {
            var row = queryToKnownDistances[q];
            if (row.Length != knownLabels.Count)
                throw new ArgumentException(
                    $"distance row {q} has {row.Length} entries for {knownLabels.Count} known labels");
            result[q] = Vote(Enumerable.Range(0, row.Length), row, knownLabels, k);
        }
        return result;
    }

    /// <summary>
    /// k-NN labels of <paramref name="queries"/> among <paramref name="known"/> embeddings, by cosine or Euclidean
    /// distance.
    /// </summary>
    public static int[] KnnPredict(IReadOnlyList<float[]> known, IReadOnlyList<int> knownLabels,
        IReadOnlyList<float[]> queries, int k = 1, DistanceMetric metric = DistanceMetric.Cosine)
        => KnnPredict(CrossDistances(queries, known, metric), knownLabels, k);

    /// <summary>
    /// Fraction of queries whose k-NN label (see
    /// <see cref="KnnPredict(IReadOnlyList{float[]}, IReadOnlyList{int}, int)"/>) is their own.
    /// </summary>
    public static double KnnAccuracy(IReadOnlyList<float[]> known, IReadOnlyList<int> knownLabels,
        IReadOnlyList<float[]> queries, IReadOnlyList<int> queryLabels, int k = 1,
        DistanceMetric metric = DistanceMetric.Cosine)
        => Accuracy(KnnPredict(known, knownLabels, queries, k, metric), queryLabels);

    /// <summary>
    /// Leave-one-out k-NN accuracy inside one labelled set, from its [n × n] distance matrix: each point is classified
    /// by the others. Works on any layout — the original embeddings or their 2-D t-SNE map.
    /// </summary>
    public static double LeaveOneOutKnnAccuracy(IReadOnlyList<float[]> distances, IReadOnlyList<int> labels, int k = 1)
    {
        if (distances.Count != labels.Count) throw new ArgumentException("one label per row of the distance matrix");
        var predicted = new int[labels.Count];
        for (int i = 0; i < predicted.Length; i++)
        {
            int self = i;
            predicted[i] = Vote(Enumerable.Range(0, labels.Count).Where(j => j != self), distances[i], labels, k);
        }
        return Accuracy(predicted, labels);
    }

    /// <summary>
    /// Silhouette of each point from a precomputed distance matrix: s = (b − a) / max(a, b), with a the mean distance
    /// to the other members of its cluster and b the smallest mean distance to another cluster; 0 for a cluster of one.
    /// </summary>
    public static double[] SilhouetteSamples(IReadOnlyList<float[]> distances, IReadOnlyList<int> labels)
    {
        int n = labels.Count;
        if (distances.Count != n || distances.Any(r => r.Length != n))
            throw new ArgumentException("expected an [n × n] distance matrix with n labels");
        var classes = labels.Distinct().Order().ToArray();
        if (classes.Length < 2 || classes.Length > n - 1)
            throw new ArgumentException($"the silhouette needs 2 to n − 1 clusters, got {classes.Length}");
        var index = classes.Select((c, i) => (c, i)).ToDictionary(t => t.c, t => t.i);
        var sizes = new int[classes.Length];
        foreach (var l in labels) sizes[index[l]]++;
        var s = new double[n];
        for (int i = 0; i < n; i++)
        {
            var sums = new double[classes.Length];
            for (int j = 0; j < n; j++) sums[index[labels[j]]] += distances[i][j];
            int own = index[labels[i]];
            if (sizes[own] == 1) continue;                                  // s = 0 by convention
            double a = sums[own] / (sizes[own] - 1);
            double b = double.PositiveInfinity;
            for (int c = 0; c < classes.Length; c++) if (c != own) b = Math.Min(b, sums[c] / sizes[c]);
            double denominator = Math.Max(a, b);
            s[i] = denominator > 0 ? (b - a) / denominator : 0;
        }
        return s;
    }

    /// <summary>
    /// Mean silhouette over all points (sklearn's silhouette_score with metric="precomputed"): near 1 = tight,
    /// separated clusters.
    /// </summary>
    public static double Silhouette(IReadOnlyList<float[]> distances, IReadOnlyList<int> labels) =>
        SilhouetteSamples(distances, labels).Average();

    /// <summary>
    /// ROC AUC: the probability that a random positive scores above a random negative (ties count ½), computed from
    /// average ranks (Mann–Whitney U), equal to sklearn's roc_auc_score.
    /// </summary>
    public static double RocAuc(IReadOnlyList<double> scores, IReadOnlyList<bool> isPositive)
    {
        if (scores.Count != isPositive.Count) throw new ArgumentException("one label per score");
        int n = scores.Count;
        long positives = isPositive.Count(p => p), negatives = n - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException("ROC AUC needs both positives and negatives");
        if (scores.Any(double.IsNaN)) throw new ArgumentException("scores contain NaN");
        var order = Enumerable.Range(0, n).OrderBy(i => scores[i]).ToArray();
        double positiveRankSum = 0;
        for (int start = 0; start < n;)
        {
            int end = start;
            while (end + 1 < n && scores[order[end + 1]] == scores[order[start]]) end++;
            double averageRank = (start + end) / 2.0 + 1;                      // ranks are 1-based; ties share the mean
            for (int t = start; t <= end; t++) if (isPositive[order[t]]) positiveRankSum += averageRank;
            start = end + 1;
        }
        return (positiveRankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    static int Vote(IEnumerable<int> candidates, float[] distances, IReadOnlyList<int> labels, int k)
    {
        var nearest = candidates.OrderBy(j => distances[j]).ThenBy(j => j).Take(k).ToArray();
        if (nearest.Length == 0) throw new ArgumentException("no known point to vote");
        var votes = new Dictionary<int, (int Count, int FirstRank)>();
        for (int rank = 0; rank < nearest.Length; rank++)
        {
            int label = labels[nearest[rank]];
            votes[label] = votes.TryGetValue(label, out var v) ? (v.Count + 1, v.FirstRank) : (1, rank);
        }
        return votes.OrderByDescending(v => v.Value.Count).ThenBy(v => v.Value.FirstRank).First().Key;
    }

    static double Accuracy(IReadOnlyList<int> predicted, IReadOnlyList<int> truth)
    {
        if (predicted.Count != truth.Count) throw new ArgumentException("one true label per prediction");
        if (truth.Count == 0) throw new ArgumentException("no labels");
        return predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Count;
    }

    static float[][] CrossDistances(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b, DistanceMetric metric)
    {
        if (metric == DistanceMetric.Cosine)
        {
            var s = Similarity.CosineSimilarityMatrix(a, b);
            foreach (var row in s) for (int j = 0; j < row.Length; j++) row[j] = 1f - row[j];
            return s;
        }
        return a.Select(x => b.Select(y => System.Numerics.Tensors.TensorPrimitives.Distance<float>(x, y)).ToArray())
            .ToArray();
    }
}

/// <summary>How to measure the distance between two embeddings.</summary>
public enum DistanceMetric
{
    /// <summary>1 − cos θ: ignores length, the usual choice for sentence embeddings.</summary>
    Cosine,

    /// <summary>‖a − b‖: the straight-line distance, the natural one in a 2-D map.</summary>
    Euclidean,
}
