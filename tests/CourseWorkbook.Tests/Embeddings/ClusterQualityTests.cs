using CourseWorkbook.Embeddings;

namespace CourseWorkbook.Tests.Embeddings;

public class ClusterQualityTests
{
    [Fact]
    public void One_nn_takes_the_label_of_the_closest_known_point()
    {
        float[][] known = [[0, 0], [10, 0], [0, 10]];
        int[] labels = [7, 8, 9];
        var predicted = EmbeddingMetrics.KnnPredict(known, labels, [[1f, 1f], [9f, 2f], [-1f, 8f]], k: 1, DistanceMetric.Euclidean);
        Assert.Equal([7, 8, 9], predicted);
    }

    [Fact]
    public void Knn_majority_vote_beats_the_single_nearest_point()
    {
        // Query distances to five known points: the nearest is class 1, but classes 2 hold two of the three nearest.
        float[][] distances = [[0.1f, 0.2f, 0.3f, 5f, 6f]];
        Assert.Equal([2], EmbeddingMetrics.KnnPredict(distances, [1, 2, 2, 1, 1], k: 3));
        Assert.Equal([1], EmbeddingMetrics.KnnPredict(distances, [1, 2, 2, 1, 1], k: 1));
    }

    [Fact]
    public void Knn_vote_ties_go_to_the_class_with_the_nearer_neighbour()
    {
        float[][] distances = [[0.4f, 0.1f, 0.2f, 0.3f]];
        // k = 2: one vote each for classes 5 (index 1, nearest) and 3 (index 2) → 5.
        Assert.Equal([5], EmbeddingMetrics.KnnPredict(distances, [3, 5, 3, 9], k: 2));
        // k = 4: two votes each for 3 and 5; the nearest point (index 1) is class 5 → 5.
        Assert.Equal([5], EmbeddingMetrics.KnnPredict(distances, [3, 5, 3, 5], k: 4));
    }

    [Fact]
    public void Knn_distance_ties_are_broken_by_the_lower_index()
    {
        float[][] distances = [[0.5f, 0.5f, 0.9f]];
        Assert.Equal([4], EmbeddingMetrics.KnnPredict(distances, [4, 6, 6], k: 1));
        Assert.Equal([6], EmbeddingMetrics.KnnPredict(distances, [6, 4, 4], k: 1));
        Assert.Equal([6], EmbeddingMetrics.KnnPredict(distances, [4, 6, 6], k: 3));   // k beyond the tie: majority
    }

    [Fact]
    public void Knn_accuracy_counts_correct_queries()
    {
        float[][] known = [[1, 0], [0, 1]];
        var accuracy = EmbeddingMetrics.KnnAccuracy(known, [0, 1], [[2f, 0.1f], [0.1f, 3f], [1f, 0.9f]], [0, 1, 1]);
        Assert.Equal(2.0 / 3, accuracy, 12);
    }

    [Fact]
    public void Leave_one_out_knn_never_votes_for_the_point_itself()
    {
        // Point 2 is alone in class 1 and nearest to class 0: it must be misclassified (itself excluded).
        var d = Similarity.EuclideanDistanceMatrix([[0f], [1f], [2f], [10f], [11f]]);
        Assert.Equal(0.8, EmbeddingMetrics.LeaveOneOutKnnAccuracy(d, [0, 0, 1, 2, 2]), 12);
    }

    [Fact]
    public void Silhouette_matches_sklearn_on_the_fixture()
    {
        var f = FixtureFiles.Json("silhouette.json");
        var points = f.GetProperty("points").EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToArray();
        var labels = f.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var d = Similarity.EuclideanDistanceMatrix(points);
        Assert.Equal(f.GetProperty("silhouette").GetDouble(), EmbeddingMetrics.Silhouette(d, labels), 5);
        var samples = EmbeddingMetrics.SilhouetteSamples(d, labels);
        var expected = f.GetProperty("samples").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (int i = 0; i < samples.Length; i++) Assert.Equal(expected[i], samples[i], 5);
        Assert.Equal(0.0, samples[^1]);   // the single-point cluster
    }

    [Fact]
    public void Silhouette_needs_at_least_two_clusters()
    {
        var d = Similarity.EuclideanDistanceMatrix([[0f], [1f], [2f]]);
        Assert.Throws<ArgumentException>(() => EmbeddingMetrics.Silhouette(d, [0, 0, 0]));
    }

    [Fact]
    public void Roc_auc_matches_hand_computation()
    {
        // sklearn's documentation example: 0.75.
        Assert.Equal(0.75, EmbeddingMetrics.RocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 12);
        Assert.Equal(0.5, EmbeddingMetrics.RocAuc([1, 1, 1, 1], [true, false, true, false]), 12);
        Assert.Equal(1.0, EmbeddingMetrics.RocAuc([0.9, 0.2, 0.8], [true, false, true]), 12);
    }

    [Fact]
    public void Roc_auc_with_ties_matches_sklearn_on_the_fixture()
    {
        var f = FixtureFiles.Json("roc_auc.json");
        var scores = f.GetProperty("scores").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var labels = f.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32() == 1).ToArray();
        Assert.Equal(f.GetProperty("auc").GetDouble(), EmbeddingMetrics.RocAuc(scores, labels), 12);
    }
}
