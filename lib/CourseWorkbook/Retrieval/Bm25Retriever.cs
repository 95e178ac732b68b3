namespace CourseWorkbook.Retrieval;

/// <summary>
/// BM25 parameters: <paramref name="K1"/> saturates term frequency, <paramref name="B"/> normalises by document length.
/// </summary>
public sealed record Bm25Options(double K1 = 1.2, double B = 0.75);

/// <summary>
/// Lexical retrieval with Okapi BM25 over <see cref="FrenchTokenizer"/> tokens. For each distinct query term t:
/// <c>idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl))</c>, with
/// <c>idf(t) = ln(1 + (N − n_t + 0.5)/(n_t + 0.5))</c>
/// (always positive). Needs no model and no download; strong on names, numbers and rare words, blind to synonyms.
/// </summary>
public sealed class Bm25Retriever : IRetriever
{
    private readonly Document[] documents;
    private readonly Dictionary<string, List<(int Doc, int Tf)>> postings = new(StringComparer.Ordinal);
    private readonly int[] lengths;
    private readonly double averageLength;
    private readonly Dictionary<string, int> indexOf = new(StringComparer.Ordinal);

    /// <summary>Indexes the documents (tokenised once, inverted index in memory).</summary>
    public Bm25Retriever(IEnumerable<Document> documents, FrenchTokenizer? tokenizer = null,
        Bm25Options? options = null)
    {
        this.documents = documents.ToArray();
        Tokenizer = tokenizer ?? FrenchTokenizer.Default;
        Options = options ?? new();
        lengths = new int[this.documents.Length];
        for (var d = 0; d < this.documents.Length; d++)
        {
            var tokens = Tokenizer.Tokenize(this.documents[d].Text);
            lengths[d] = tokens.Count;
            foreach (var group in tokens.GroupBy(t => t, StringComparer.Ordinal))
            {
                if (!postings.TryGetValue(group.Key, out var list)) postings[group.Key] = list = [];
                list.Add((d, group.Count()));
            }
        }
        averageLength = lengths.Length == 0 ? 0 : lengths.Average();
        for (var d = 0; d < this.documents.Length; d++) indexOf.TryAdd(this.documents[d].Id, d);
    }

    /// <inheritdoc />
    public string Name => "BM25";

    /// <summary>The tokenizer shared by documents and queries.</summary>
    public FrenchTokenizer Tokenizer { get; }

    /// <summary>The k1 and b in use.</summary>
    public Bm25Options Options { get; }

    /// <summary>Number of distinct terms in the index.</summary>
    public int VocabularySize => postings.Count;

    /// <summary>Inverse document frequency of an already-normalised term (0 when absent).</summary>
    public double Idf(string term)
    {
        if (!postings.TryGetValue(term, out var list)) return 0;
        double n = list.Count, total = documents.Length;
        return Math.Log(1 + (total - n + 0.5) / (n + 0.5));
    }

    /// <summary>The BM25 score of every document for the query, in corpus order.</summary>
    public double[] ScoreAll(string query)
    {
        var scores = new double[documents.Length];
        foreach (var term in Tokenizer.Tokenize(query).Distinct(StringComparer.Ordinal))
        {
            if (!postings.TryGetValue(term, out var list)) continue;
            var idf = Idf(term);
            foreach (var (doc, tf) in list)
            {
                var norm = Options.K1 * (1 - Options.B + Options.B * lengths[doc] / averageLength);
                scores[doc] += idf * tf * (Options.K1 + 1) / (tf + norm);
            }
        }
        return scores;
    }

    /// <summary>The BM25 score of each given document (by id) for the query.</summary>
    public IReadOnlyDictionary<string, double> ScoresOf(string query, IEnumerable<Document> wanted)
    {
        var all = ScoreAll(query);
        return wanted.Where(d => indexOf.ContainsKey(d.Id)).DistinctBy(d => d.Id)
            .ToDictionary(d => d.Id, d => all[indexOf[d.Id]], StringComparer.Ordinal);
    }

    /// <summary>
    /// Share of the query's weight the document contains: <c>Σ idf(t) over query terms in the document / Σ idf(t) over
    /// query terms in the index</c> (distinct terms; 0 when none is indexed). Rewards the rare, decisive words.
    /// </summary>
    public double Coverage(IReadOnlyList<string> queryTerms, Document document)
    {
        var terms = queryTerms.Distinct(StringComparer.Ordinal).Where(t => Idf(t) > 0).ToList();
        var total = terms.Sum(Idf);
        if (total <= 0) return 0;
        var inDocument = Tokenizer.Tokenize(document.Text).ToHashSet(StringComparer.Ordinal);
        return terms.Where(inDocument.Contains).Sum(Idf) / total;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int k, SearchFilter? filter = null,
        CancellationToken cancellationToken = default)
    {
        var scores = ScoreAll(query).Select(s => (float)s).ToArray();
        var keep = filter is null || filter.IsEmpty ? null : new Func<int, bool>(i => filter.Matches(documents[i]));
        // Documents sharing no word with the query score 0: they are not results.
        var top = TopK.Select(scores, k, i => scores[i] > 0 && (keep is null || keep(i)));
        IReadOnlyList<SearchHit> hits = top.Select((t, r) => new SearchHit(r + 1, t.Score, documents[t.Index]))
            .ToList();
        return Task.FromResult(hits);
    }
}
