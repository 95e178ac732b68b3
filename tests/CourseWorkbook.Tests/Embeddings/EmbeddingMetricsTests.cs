using CourseWorkbook.Embeddings;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Embeddings;

public class EmbeddingMetricsTests : TorchTest
{
    [Fact]
    public void Nearest_neighbour_takes_the_label_of_the_closest_known_point()
    {
        var known = tensor(new float[] { 0, 0, 10, 10 }).reshape(2, 2);
        var labels = tensor(new long[] { 3, 7 });
        var queries = tensor(new float[] { 1, 1, 9, 8, 4, 4 }).reshape(3, 2);
        Assert.Equal(new long[] { 3, 7, 3 }, EmbeddingMetrics.NearestNeighbourLabels(known, labels, queries));
        Assert.Equal(2.0 / 3, EmbeddingMetrics.NearestNeighbourAccuracy(known, labels, queries, tensor(new long[] { 3, 7, 7 })), 6);
    }

    [Fact]
    public void Inter_intra_ratio_matches_hand_computation()
    {
        // Class 0 at (±1, 0) around (0,0); class 1 at (10 ± 1, 0) around (10, 0): intra = 1, inter = 10.
        var e = tensor(new float[] { -1, 0, 1, 0, 9, 0, 11, 0 }).reshape(4, 2);
        var y = tensor(new long[] { 0, 0, 1, 1 });
        Assert.Equal(10.0, EmbeddingMetrics.InterIntraRatio(e, y), 6);
    }

    [Fact]
    public void Inter_intra_ratio_is_scale_free()
    {
        manual_seed(4);
        var e = randn(50, 2);
        var y = arange(50, dtype: ScalarType.Int64) % 3;
        Assert.Equal(EmbeddingMetrics.InterIntraRatio(e, y), EmbeddingMetrics.InterIntraRatio(e * 7, y), 6);
    }
}
