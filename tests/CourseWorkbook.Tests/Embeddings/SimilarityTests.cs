using CourseWorkbook.Embeddings;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Embeddings;

public class SimilarityTests
{
    [Fact]
    public void Cosine_matrix_matches_hand_values()
    {
        float[][] rows = [[1, 0], [0, 2], [3, 3], [-1, 0]];
        var s = Similarity.CosineSimilarityMatrix(rows);
        double h = Math.Sqrt(0.5);
        double[][] expected = [[1, 0, h, -1], [0, 1, h, 0], [h, h, 1, -h], [-1, 0, -h, 1]];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) Assert.Equal(expected[i][j], s[i][j], 6);
    }

    [Fact]
    public void Cosine_distance_is_one_minus_similarity_with_a_zero_diagonal()
    {
        float[][] rows = [[1, 2, 3], [3, 2, 1], [-1, -2, -3]];
        var s = Similarity.CosineSimilarityMatrix(rows);
        var d = Similarity.CosineDistanceMatrix(rows);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0f, d[i][i]);
            for (int j = 0; j < 3; j++) Assert.Equal(1 - s[i][j], d[i][j], 6);
        }
        Assert.Equal(2.0, d[0][2], 6);   // opposite directions
        Assert.Equal(10.0 / 14, s[0][1], 6);
    }

    [Fact]
    public void Cross_similarity_compares_rows_of_two_sets()
    {
        var s = Similarity.CosineSimilarityMatrix([[1f, 0f], [0f, 1f]], [[1f, 1f], [2f, 0f], [0f, -5f]]);
        Assert.Equal(2, s.Length);
        Assert.Equal(3, s[0].Length);
        Assert.Equal(Math.Sqrt(0.5), s[0][0], 6);
        Assert.Equal(1.0, s[0][1], 6);
        Assert.Equal(-1.0, s[1][2], 6);
    }

    [Fact]
    public void L2_normalisation_gives_unit_length_and_keeps_zero_vectors()
    {
        var v = Similarity.L2Normalize([3f, 4f]);
        Assert.Equal([0.6f, 0.8f], v);
        Assert.Equal([0f, 0f], Similarity.L2Normalize([0f, 0f]));
        Assert.Equal(0f, Similarity.Cosine([0f, 0f], [1f, 1f]));
    }

    [Fact]
    public void Euclidean_distance_matrix_matches_hand_values()
    {
        var d = Similarity.EuclideanDistanceMatrix([[0f, 0f], [3f, 4f], [0f, 1f]]);
        Assert.Equal(5f, d[0][1], 5);
        Assert.Equal(5f, d[1][0], 5);
        Assert.Equal(Math.Sqrt(9 + 9), d[1][2], 5);
        Assert.Equal(0f, d[2][2]);
    }

    [Fact]
    public void Masked_mean_pooling_ignores_padded_tokens()
    {
        float[][] tokens = [[1, 2], [3, 4], [100, -100], [100, 100]];
        Assert.Equal([2f, 3f], Similarity.MeanPool(tokens, [1, 1, 0, 0]));
        Assert.Equal([2f, 3f], Similarity.MeanPool(tokens, [1, 0, 0, 0]).Zip(Similarity.MeanPool(tokens, [0, 1, 0, 0]), (a, b) => (a + b) / 2).ToArray());
        Assert.Throws<ArgumentException>(() => Similarity.MeanPool(tokens, [0, 0, 0, 0]));
    }
}

public class TorchPoolingTests : TorchTest
{
    [Fact]
    public void Batched_masked_mean_pooling_ignores_padded_tokens()
    {
        // Sentence 0 has 2 real tokens then padding full of large values; sentence 1 has 3 real tokens.
        var hidden = tensor(new float[] { 1, 2, 3, 4, 900, 900, 2, 0, 4, 0, 6, 3 }).reshape(2, 3, 2);
        var mask = tensor(new long[] { 1, 1, 0, 1, 1, 1 }).reshape(2, 3);
        var pooled = Similarity.MeanPool(hidden, mask);
        Assert.Equal(new long[] { 2, 2 }, pooled.shape);
        var rows = Similarity.ToRows(pooled);
        Assert.Equal([2f, 3f], rows[0]);
        Assert.Equal([4f, 1f], rows[1]);
    }
}
