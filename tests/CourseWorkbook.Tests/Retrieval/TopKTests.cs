using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class TopKTests
{
    [Theory]
    [InlineData(1, 1, 24)]
    [InlineData(500, 10, 24)]
    [InlineData(2_000, 37, 24)]
    [InlineData(5, 10, 24)]
    [InlineData(300, 7, 13)]   // dimensions that are not a whole number of SIMD vectors
    [InlineData(50, 5, 3)]     // fewer dimensions than one SIMD vector
    [InlineData(200, 10, 384)] // MiniLM's size
    public void Cosine_top_k_equals_a_naive_full_sort(int rows, int k, int dims)
    {
        var random = new Random(rows * 31 + k);
        var matrix = new float[rows * dims];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < dims; j++) matrix[r * dims + j] = random.NextSingle() - 0.5f;
            Vectors.Normalize(matrix.AsSpan(r * dims, dims));
        }
        var query = Vectors.Normalized(Enumerable.Range(0, dims).Select(_ => random.NextSingle() - 0.5f).ToArray());

        var top = TopK.Cosine(matrix, dims, query, k);

        var naive = Enumerable.Range(0, rows)
            .Select(r => (Index: r, Score: Vectors.Cosine(matrix.AsSpan(r * dims, dims), query)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Index).Take(k).ToList();
        Assert.Equal(naive.Select(x => x.Index), top.Select(t => t.Index));
        for (var i = 0; i < naive.Count; i++) Assert.Equal(naive[i].Score, top[i].Score, 5);
    }

    [Fact]
    public void Ties_keep_the_lower_index_first()
    {
        float[] scores = [0.5f, 0.9f, 0.5f, 0.9f, 0.1f, 0.5f];
        Assert.Equal([1, 3, 0, 2], TopK.Select(scores, 4).Select(t => t.Index));
    }

    [Fact]
    public void Filtered_indices_are_never_selected()
    {
        float[] scores = [0.9f, 0.8f, 0.7f, 0.6f, 0.5f];
        Assert.Equal([1, 3], TopK.Select(scores, 2, i => i % 2 == 1).Select(t => t.Index));
        Assert.Empty(TopK.Select(scores, 0));
    }

    [Fact]
    public void Cosine_of_parallel_vectors_is_one_and_of_orthogonal_ones_zero()
    {
        Assert.Equal(1f, Vectors.Cosine([1, 2, 3], [2, 4, 6]), 6);
        Assert.Equal(0f, Vectors.Cosine([1, 0], [0, 5]), 6);
        Assert.Equal(0f, Vectors.Cosine([0, 0], [1, 1]));
    }
}
