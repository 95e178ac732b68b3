namespace CourseWorkbook.Retrieval;

/// <summary>
/// Hybrid retrieval: runs several retrievers with the same filter and fuses their rankings with reciprocal rank
/// fusion, <c>score(d) = Σ_r 1 / (k + rank_r(d))</c>. Only ranks are used, so BM25 scores and cosines need no
/// calibration; a document ranked well by both beats one ranked first by only one.
/// </summary>
public sealed class HybridRetriever(IReadOnlyList<IRetriever> retrievers, int rrfK = 60, int candidates = 50) : IRetriever
{
    /// <summary>Fuses two retrievers (typically BM25 and dense).</summary>
    public HybridRetriever(IRetriever first, IRetriever second, int rrfK = 60, int candidates = 50)
        : this([first, second], rrfK, candidates) { }

    /// <inheritdoc />
    public string Name => $"Hybrid RRF ({string.Join(" + ", retrievers.Select(r => r.Name))})";

    /// <inheritdoc />
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int k, SearchFilter? filter = null, CancellationToken cancellationToken = default)
    {
        var lists = new List<IReadOnlyList<SearchHit>>();
        foreach (var retriever in retrievers)
            lists.Add(await retriever.SearchAsync(query, Math.Max(k, candidates), filter, cancellationToken).ConfigureAwait(false));
        return ReciprocalRankFusion.Fuse(lists, k, rrfK);
    }
}
