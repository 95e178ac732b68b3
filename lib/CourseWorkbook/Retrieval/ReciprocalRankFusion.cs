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

/// <summary>Reciprocal rank fusion of ranked lists (Cormack, Clarke and Büttcher, 2009).</summary>
public static class ReciprocalRankFusion
{
    /// <summary>
    /// The k best documents by <c>Σ 1/(rrfK + rank)</c> over the lists (a document absent from a list adds nothing).
    /// Ties: the better best rank, then the id. Documents are matched by id.
    /// </summary>
    public static IReadOnlyList<SearchHit> Fuse(IReadOnlyList<IReadOnlyList<SearchHit>> lists, int k, int rrfK = 60)
    {
        var fused = new Dictionary<string, (double Score, int BestRank, Document Doc)>(StringComparer.Ordinal);
        foreach (var list in lists)
            foreach (var hit in list)
            {
                var add = 1.0 / (rrfK + hit.Rank);
                fused[hit.Document.Id] = fused.TryGetValue(hit.Document.Id, out var e)
                    ? (e.Score + add, Math.Min(e.BestRank, hit.Rank), e.Doc)
                    : (add, hit.Rank, hit.Document);
            }
        return fused.Values
            .OrderByDescending(e => e.Score).ThenBy(e => e.BestRank).ThenBy(e => e.Doc.Id, StringComparer.Ordinal)
            .Take(k)
            .Select((e, i) => new SearchHit(i + 1, e.Score, e.Doc))
            .ToList();
    }
}
