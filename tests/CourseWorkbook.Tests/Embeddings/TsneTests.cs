using CourseWorkbook.Embeddings;

namespace CourseWorkbook.Tests.Embeddings;

public class TsneTests
{
    /// <summary>n points around <paramref name="clusters"/> centres far apart in <paramref name="dim"/>-D, labelled by cluster.</summary>
    static (float[][] Points, int[] Labels) Blobs(int n, int clusters, int dim, double spread, int seed)
    {
        var rng = new Random(seed);
        var centres = Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dim).Select(_ => Normal(rng) * spread).ToArray()).ToArray();
        var labels = Enumerable.Range(0, n).Select(i => i % clusters).ToArray();
        var points = labels.Select(c => centres[c].Select(m => (float)(m + Normal(rng))).ToArray()).ToArray();
        return (points, labels);
    }

    static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    [Theory]
    [InlineData(3.0)]
    [InlineData(10.0)]
    [InlineData(30.0)]
    public void Perplexity_calibration_hits_the_target_entropy_on_every_row(double perplexity)
    {
        var (points, _) = Blobs(60, 3, 5, 4, seed: 1);
        var a = Tsne.Affinities(Similarity.EuclideanDistanceMatrix(points), perplexity);
        for (int i = 0; i < points.Length; i++)
        {
            Assert.Equal(Math.Log(perplexity), Tsne.Entropy(a.Conditional[i]), 1e-5);
            Assert.Equal(1.0, a.Conditional[i].Sum(), 1e-12);
            Assert.Equal(0.0, a.Conditional[i][i]);
            Assert.True(a.Betas[i] > 0);
        }
    }

    [Fact]
    public void Joint_probabilities_are_symmetric_and_sum_to_one()
    {
        var (points, _) = Blobs(40, 2, 4, 3, seed: 2);
        var p = Tsne.Affinities(Similarity.CosineDistanceMatrix(points), 8).Joint;
        double total = 0;
        for (int i = 0; i < p.Length; i++)
            for (int j = 0; j < p.Length; j++)
            {
                Assert.Equal(p[i][j], p[j][i]);
                total += p[i][j];
            }
        Assert.Equal(1.0, total, 1e-9);
    }

    [Fact]
    public void Two_well_separated_clusters_stay_separated_in_the_map()
    {
        var (points, labels) = Blobs(60, 2, 10, 10, seed: 3);
        var map = Tsne.Fit(Similarity.EuclideanDistanceMatrix(points), new TsneOptions(Perplexity: 10, Seed: 5)).Embedding;
        var mapDistances = Similarity.EuclideanDistanceMatrix(map);
        Assert.Equal(1.0, EmbeddingMetrics.LeaveOneOutKnnAccuracy(mapDistances, labels, k: 1));
        Assert.True(EmbeddingMetrics.Silhouette(mapDistances, labels) > 0.5);
    }

    [Fact]
    public void Same_seed_gives_the_same_map_and_another_seed_a_different_one()
    {
        var (points, _) = Blobs(50, 3, 6, 4, seed: 4);
        var d = Similarity.CosineDistanceMatrix(points);
        var options = new TsneOptions(Perplexity: 8, Seed: 11, MaxIterations: 400);
        var first = Tsne.Fit(d, options);
        var second = Tsne.Fit(d, options);
        var other = Tsne.Fit(d, options with { Seed = 12 });
        Assert.Equal(first.Embedding, second.Embedding);
        Assert.Equal(first.KlDivergence, second.KlDivergence);
        Assert.NotEqual(first.Embedding[0], other.Embedding[0]);
    }

    [Fact]
    public void Pca_initialisation_does_not_depend_on_the_seed()
    {
        var (points, labels) = Blobs(50, 2, 6, 8, seed: 6);
        var d = Similarity.EuclideanDistanceMatrix(points);
        var a = Tsne.Fit(d, new TsneOptions(Perplexity: 8, Init: TsneInit.Pca, Seed: 1));
        var b = Tsne.Fit(d, new TsneOptions(Perplexity: 8, Init: TsneInit.Pca, Seed: 2));
        Assert.Equal(a.Embedding, b.Embedding);
        Assert.Equal(1.0, EmbeddingMetrics.LeaveOneOutKnnAccuracy(Similarity.EuclideanDistanceMatrix(a.Embedding), labels));
    }

    [Fact]
    public void Kl_divergence_is_within_five_percent_of_sklearn_on_the_fixture()
    {
        // Fixtures/tsne_blobs100.*: 100 cosine distances, sklearn 1.2.1 TSNE(metric="precomputed", init="random",
        // method="exact", perplexity=10) over 10 seeds (make_fixtures.py). Both sides: median over seeds.
        var d = FixtureFiles.Csv("tsne_blobs100.csv");
        var reference = FixtureFiles.Json("tsne_blobs100.json");
        double sklearnKl = reference.GetProperty("kl_median").GetDouble();
        var ours = Enumerable.Range(0, 5).Select(seed => Tsne.Fit(d, new TsneOptions(Perplexity: 10, Seed: seed))).ToArray();
        double median = ours.Select(r => r.KlDivergence).Order().ElementAt(2);
        Assert.InRange(median, 0.95 * sklearnKl, 1.05 * sklearnKl);
        Assert.All(ours, r => Assert.Equal(1000, r.Iterations));
        Assert.All(ours, r => Assert.Equal(50, r.LearningRate));    // auto: max(100 / 12 / 4, 50)
    }

    [Fact]
    public void Kl_divergence_reported_is_the_kl_of_the_returned_map()
    {
        var (points, _) = Blobs(40, 2, 5, 5, seed: 7);
        var d = Similarity.EuclideanDistanceMatrix(points);
        var result = Tsne.Fit(d, new TsneOptions(Perplexity: 6, MaxIterations: 300));
        Assert.Equal(Tsne.KlDivergence(Tsne.Affinities(d, 6).Joint, result.Embedding), result.KlDivergence, 12);
        Assert.True(result.KlDivergence > 0);
    }

    [Fact]
    public void A_thousand_points_finish_with_a_faithful_map()
    {
        var (points, labels) = Blobs(1000, 10, 16, 3, seed: 8);
        var result = Tsne.Fit(Similarity.CosineDistanceMatrix(points), new TsneOptions(Perplexity: 30));
        Assert.Equal(1000, result.Embedding.Length);
        Assert.All(result.Embedding, row => Assert.All(row, v => Assert.True(float.IsFinite(v))));
        Assert.True(double.IsFinite(result.KlDivergence) && result.KlDivergence > 0);
        Assert.True(EmbeddingMetrics.LeaveOneOutKnnAccuracy(Similarity.EuclideanDistanceMatrix(result.Embedding), labels) > 0.95);
    }

    [Fact]
    public void Perplexity_too_large_for_the_set_is_rejected()
    {
        var (points, _) = Blobs(10, 2, 3, 3, seed: 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tsne.Affinities(Similarity.EuclideanDistanceMatrix(points), 30));
        Assert.Throws<ArgumentException>(() => Tsne.Fit([[0f, 1f], [1f, 0f], [1f, 1f]]));
    }
}
