namespace CourseWorkbook.Retrieval;

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
