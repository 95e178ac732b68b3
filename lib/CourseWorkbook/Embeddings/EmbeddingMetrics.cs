using static TorchSharp.torch;

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
}
