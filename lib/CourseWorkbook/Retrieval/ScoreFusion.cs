namespace CourseWorkbook.Retrieval;

/// <summary>
/// Fusion of scored lists: each list's scores are min-max normalised to [0, 1] (best = 1, worst kept = 0), then summed
/// with a weight per list (a document absent from a list gets 0 from it). Unlike reciprocal-rank fusion, a passage
/// that one retriever ranks far above the rest keeps its margin, and a weight lets the stronger retriever lead.
/// </summary>
public static class ScoreFusion
{
    /// <summary>(score − min) / (max − min) for each hit of the list; all 1 when every score is equal.</summary>
    public static IReadOnlyDictionary<string, double> Normalise(IReadOnlyList<SearchHit> list)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (list.Count == 0) return result;
        double min = list.Min(h => h.Score), max = list.Max(h => h.Score);
        foreach (var hit in list) result[hit.Document.Id] = max > min ? (hit.Score - min) / (max - min) : 1;
        return result;
    }

    /// <summary>The k best documents by <c>Σ_r w_r · norm_r(d)</c>. Ties: the better best rank, then the id.</summary>
    public static IReadOnlyList<SearchHit> Fuse(IReadOnlyList<IReadOnlyList<SearchHit>> lists,
        IReadOnlyList<double> weights, int k)
    {
        if (weights.Count != lists.Count) throw new ArgumentException("one weight per list", nameof(weights));
        var contributions = lists.SelectMany((list, r) =>
        {
            var norm = Normalise(list);
            return list.Select(hit => (hit, weights[r] * norm[hit.Document.Id]));
        });
        return FusedScores.Top(contributions, k);
    }
}
