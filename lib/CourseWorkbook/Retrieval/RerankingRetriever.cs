namespace CourseWorkbook.Retrieval;

/// <summary>Weights of <see cref="RerankingRetriever"/> (tuned on development questions, never on held-out
/// ones).</summary>
/// <param name="Bm25Weight">Share of BM25 in the fused similarity; the dense retriever gets the rest.</param>
/// <param name="DateWeight">Weight of <see cref="DateProximity"/>: how much a date in the period is worth.</param>
/// <param name="CoverageWeight">Weight of <see cref="Bm25Retriever.Coverage"/>: the share of the query's rare words a
/// passage contains, so a decisive rare word that the dense projection dropped still counts.</param>
/// <param name="Candidates">Passages taken from each retriever, with and without the date filter.</param>
/// <param name="DateHorizonDays">Days outside the period at which the date boost reaches 0.</param>
/// <param name="Thesaurus">Expand the query with <see cref="QueryExpansion"/> before searching.</param>
/// <param name="AnswerTypeWeight">Boost of a passage holding a number when the question asks for one (« combien »,
/// « quel score »): the type of the answer, which neither similarity sees.</param>
/// <remarks>The defaults are the values tuned on the development split of practical 01 (offline: BM25 and LSA, with
/// the thesaurus), by a grid search maximising recall@1 + recall@5 / 2 + MRR / 4.</remarks>
public sealed record RerankerOptions(double Bm25Weight = 0.7, double DateWeight = 1.2, double CoverageWeight = 0.8,
    int Candidates = 30, int DateHorizonDays = 7, bool Thesaurus = false, double AnswerTypeWeight = 0.3);

/// <summary>The features of one candidate and the score they give.</summary>
/// <param name="Document">The candidate passage.</param>
/// <param name="Bm25">BM25 score divided by the best of the candidates (0..1).</param>
/// <param name="Dense">Cosine min-max normalised over the candidates (0..1).</param>
/// <param name="Date">Date proximity to the question's period (0..1; 0 when the question names none).</param>
/// <param name="Coverage">IDF-weighted share of the query's terms present in the passage (0..1).</param>
/// <param name="AnswerType">1 when the question asks for a number and the passage holds one, else 0.</param>
/// <param name="Score">w·Bm25 + (1 − w)·Dense + DateWeight·Date + CoverageWeight·Coverage
/// + AnswerTypeWeight·AnswerType.</param>
public sealed record RerankFeatures(Document Document, double Bm25, double Dense, double Date, double Coverage,
    double AnswerType, double Score)
{
    /// <summary>One line: score, the features, the passage.</summary>
    public override string ToString() =>
        $"{Score,6:0.000}  bm25 {Bm25:0.00}  dense {Dense:0.00}  date {Date:0.00}  coverage {Coverage:0.00}  "
        + $"number {AnswerType:0}  {Document}";
}

/// <summary>
/// Two stages. Candidates: the top passages of BM25 and of the dense retriever, searched both with the date filter and
/// without it, so a passage published just outside the period is still a candidate. Reranking: a linear score over
/// features of each candidate (normalised BM25, normalised cosine, date proximity, rare-word coverage) decides the
/// order, and with it the first rank that an extractive answerer quotes. Dates become a boost, not a wall.
/// </summary>
public sealed partial class RerankingRetriever(Bm25Retriever bm25, IRetriever dense, RerankerOptions? options = null,
    string? name = null) : IRetriever
{
    /// <summary>The weights in use.</summary>
    public RerankerOptions Options { get; } = options ?? new();

    /// <inheritdoc />
    public string Name { get; } =
        name ?? $"Reranked (BM25 + {dense.Name} + dates{((options?.Thesaurus ?? false) ? " + thesaurus" : "")})";

    /// <inheritdoc />
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int k, SearchFilter? filter = null,
        CancellationToken cancellationToken = default)
    {
        var features = await ExplainAsync(query, filter, cancellationToken).ConfigureAwait(false);
        return features.Take(k).Select((f, i) => new SearchHit(i + 1, f.Score, f.Document)).ToList();
    }

    /// <summary>Every candidate with its features, best first: why the reranker put a passage first.</summary>
    public async Task<IReadOnlyList<RerankFeatures>> ExplainAsync(string query, SearchFilter? filter = null,
        CancellationToken cancellationToken = default)
    {
        filter ??= SearchFilter.None;
        if (Options.Thesaurus) query = QueryExpansion.Expand(query);
        var soft = filter with { Dates = null };
        var n = Options.Candidates;
        var lists = new List<IReadOnlyList<SearchHit>>
        {
            await bm25.SearchAsync(query, n, soft, cancellationToken).ConfigureAwait(false),
            await dense.SearchAsync(query, n, soft, cancellationToken).ConfigureAwait(false),
        };
        if (filter.Dates is not null)
        {
            lists.Add(await bm25.SearchAsync(query, n, filter, cancellationToken).ConfigureAwait(false));
            lists.Add(await dense.SearchAsync(query, n, filter, cancellationToken).ConfigureAwait(false));
        }
        var pool = lists.SelectMany(l => l).GroupBy(h => h.Document.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Document, StringComparer.Ordinal);
        var cosines = lists.Where((_, i) => i % 2 == 1).SelectMany(l => l)
            .GroupBy(h => h.Document.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Score);
        return Score(pool.Values.ToList(), bm25.ScoresOf(query, pool.Values), cosines, bm25.Tokenizer.Tokenize(query),
            filter.Dates, WantsNumber(query));
    }

    /// <summary>Whether the question asks for a quantity: « combien », « quel score / taux / âge… ».</summary>
    public static bool WantsNumber(string question) => NumberQuestion().IsMatch(question);

    [System.Text.RegularExpressions.GeneratedRegex(
        @"\b(combien|quel(le)? (score|taux|pourcentage|température|âge|rang)"
        + @"|à quelle vitesse|de combien|à combien)\b",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex NumberQuestion();

    /// <summary>The reranking itself, on features already computed (public so it can be tested by hand).</summary>
    public IReadOnlyList<RerankFeatures> Score(IReadOnlyList<Document> candidates,
        IReadOnlyDictionary<string, double> bm25Scores, IReadOnlyDictionary<string, double> cosines,
        IReadOnlyList<string> queryTerms, DateRange? period,
        bool wantsNumber = false)
    {
        var maxBm25 = candidates.Max(d => bm25Scores.GetValueOrDefault(d.Id));
        var known = candidates.Where(d => cosines.ContainsKey(d.Id)).Select(d => cosines[d.Id]).ToList();
        double minCos = known.Count > 0 ? known.Min() : 0, maxCos = known.Count > 0 ? known.Max() : 0;
        var w = Options.Bm25Weight;
        return candidates.Select(d =>
            {
                var b = maxBm25 > 0 ? bm25Scores.GetValueOrDefault(d.Id) / maxBm25 : 0;
                var c = cosines.TryGetValue(d.Id, out var cos) && maxCos > minCos
                    ? (cos - minCos) / (maxCos - minCos)
                    : 0;
                var t = DateProximity.Score(d.Date, period, Options.DateHorizonDays);
                var v = bm25.Coverage(queryTerms, d);
                var a = wantsNumber && d.Text.Any(char.IsAsciiDigit) ? 1 : 0;
                return new RerankFeatures(d, b, c, t, v, a,
                    w * b + (1 - w) * c + Options.DateWeight * t + Options.CoverageWeight * v
                    + Options.AnswerTypeWeight * a);
            })
            .OrderByDescending(f => f.Score).ThenBy(f => f.Document.Id, StringComparer.Ordinal).ToList();
    }
}
