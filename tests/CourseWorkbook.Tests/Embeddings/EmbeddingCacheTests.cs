using CourseWorkbook.Embeddings;

namespace CourseWorkbook.Tests.Embeddings;

public class EmbeddingCacheTests
{
    [Fact]
    public void Each_distinct_text_is_embedded_once_and_vectors_come_back_in_order()
    {
        var calls = new List<string[]>();
        var cache = new EmbeddingCache("len", texts =>
        {
            calls.Add(texts.ToArray());
            return texts.Select(t => new float[] { t.Length, t[0] }).ToArray();
        }, batchSize: 2);
        var first = cache.Embed(["ccc", "a", "bb", "a"]);
        Assert.Equal([3f, 'c'], first[0]);
        Assert.Equal([1f, 'a'], first[1]);
        Assert.Equal([1f, 'a'], first[3]);
        Assert.Equal(3, cache.Count);
        Assert.Equal([["a", "bb"], ["ccc"]], calls);   // shortest first, batches of two, "a" once
        var second = cache.Embed(["bb", "dddd"]);
        Assert.Equal([2f, 'b'], second[0]);
        Assert.Equal(["dddd"], calls[^1]);
        Assert.Equal(3, calls.Count);
        Assert.Same(first[2], second[0]);
    }
}
