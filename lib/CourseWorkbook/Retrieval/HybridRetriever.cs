namespace CourseWorkbook.Retrieval;

/// <summary>
/// Hybrid retrieval: runs several retrievers with the same filter and fuses their rankings. Without weights, reciprocal
/// rank fusion, <c>score(d) = Σ_r 1 / (k + rank_r(d))</c>: only ranks are used, so BM25 scores and cosines need no
/// calibration. With weights, <see cref="ScoreFusion"/>: scores normalised to [0, 1] and summed with those weights,
/// so a passage one retriever puts far ahead keeps its lead and the stronger retriever can weigh more.
/// </summary>
public sealed class HybridRetriever(IReadOnlyList<IRetriever> retrievers, int rrfK = 60, int candidates = 50,
    IReadOnlyList<double>? weights = null) : IRetriever
{
    /// <summary>Fuses two retrievers (typically BM25 and dense) by reciprocal rank.</summary>
    public HybridRetriever(IRetriever first, IRetriever second, int rrfK = 60, int candidates = 50)
        : this([first, second], rrfK, candidates) { }

    /// <summary>
    /// Fuses two retrievers by normalised scores:
    /// <paramref name="firstWeight"/> for the first, the rest for the second.
    /// </summary>
    public static HybridRetriever Weighted(IRetriever first, IRetriever second, double firstWeight, int candidates = 50)
        =>
        new([first, second], candidates: candidates, weights: [firstWeight, 1 - firstWeight]);

    /// <summary>The retrievers fused.</summary>
    public IReadOnlyList<IRetriever> Retrievers => retrievers;

    /// <summary>The weights of a score fusion, or null for reciprocal rank fusion.</summary>
    public IReadOnlyList<double>? Weights => weights;

    /// <inheritdoc />
    public string Name => weights is null
        ? $"Hybrid RRF ({string.Join(" + ", retrievers.Select(r => r.Name))})"
        : $"Hybrid weighted ({string.Join(" + ", retrievers.Select((r, i) => $"{weights[i]:0.##} {r.Name}"))})";

    /// <inheritdoc />
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int k, SearchFilter? filter = null,
        CancellationToken cancellationToken = default)
    {
        var lists = new List<IReadOnlyList<SearchHit>>();
        foreach (var retriever in retrievers)
            lists.Add(await retriever.SearchAsync(query, Math.Max(k, candidates), filter, cancellationToken)
                .ConfigureAwait(false));
        return weights is null ? ReciprocalRankFusion.Fuse(lists, k, rrfK) : ScoreFusion.Fuse(lists, weights, k);
    }
}
