namespace CourseWorkbook.Retrieval;

/// <summary>What every fusion of ranked lists ends with: each document's contributions summed, then the k best by
/// total, ties broken by the better best rank, then the id. Documents are matched by id.</summary>
internal static class FusedScores
{
    /// <summary>The k best documents by summed contribution, ranked from 1.</summary>
    public static IReadOnlyList<SearchHit> Top(IEnumerable<(SearchHit Hit, double Contribution)> contributions, int k)
    {
        var fused = new Dictionary<string, (double Score, int BestRank, Document Doc)>(StringComparer.Ordinal);
        foreach (var (hit, add) in contributions)
            fused[hit.Document.Id] = fused.TryGetValue(hit.Document.Id, out var e)
                ? (e.Score + add, Math.Min(e.BestRank, hit.Rank), e.Doc)
                : (add, hit.Rank, hit.Document);
        return fused.Values
            .OrderByDescending(e => e.Score).ThenBy(e => e.BestRank).ThenBy(e => e.Doc.Id, StringComparer.Ordinal)
            .Take(k)
            .Select((e, i) => new SearchHit(i + 1, e.Score, e.Doc))
            .ToList();
    }
}
