using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class ReciprocalRankFusionTests
{
    [Fact]
    public async Task Fusion_sums_reciprocal_ranks()
    {
        // k = 60. a: 1/61 + 1/63; b: 1/62 + 1/61; c: 1/63; d: 1/62.
        var hybrid = new HybridRetriever(new FixedRetriever("x", "a", "b", "c"), new FixedRetriever("y", "b", "d", "a"), rrfK: 60);
        var hits = await hybrid.SearchAsync("q", 10);

        Assert.Equal(["b", "a", "d", "c"], hits.Select(h => h.Document.Id));
        Assert.Equal(1.0 / 62 + 1.0 / 61, hits[0].Score, 12);
        Assert.Equal(1.0 / 61 + 1.0 / 63, hits[1].Score, 12);
        Assert.Equal([1, 2, 3, 4], hits.Select(h => h.Rank));
        Assert.Equal("Hybrid RRF (x + y)", hybrid.Name);
    }

    [Fact]
    public void Ties_go_to_the_better_best_rank_then_the_id()
    {
        var first = new List<SearchHit> { new(1, 0, new("p", "p")), new(2, 0, new("q", "q")) };
        var second = new List<SearchHit> { new(1, 0, new("r", "r")), new(2, 0, new("p", "p")) };
        var fused = ReciprocalRankFusion.Fuse([first, second], 3);
        Assert.Equal(["p", "r", "q"], fused.Select(h => h.Document.Id));
    }

    [Fact]
    public async Task Fusion_returns_at_most_k_hits()
    {
        var hybrid = new HybridRetriever(new FixedRetriever("x", "a", "b", "c"), new FixedRetriever("y", "d", "e"));
        Assert.Equal(2, (await hybrid.SearchAsync("q", 2)).Count);
    }
}
