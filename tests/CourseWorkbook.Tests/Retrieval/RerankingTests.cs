using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

/// <summary>Score fusion, the reranker's features and weights, the thesaurus, question-set validation.</summary>
public class RerankingTests
{
    private static SearchHit Hit(int rank, string id, double score) => new(rank, score, new Document(id, id));

    [Fact]
    public void Score_fusion_normalises_each_list_then_sums_with_weights()
    {
        // List A: a 10, b 6, c 2 → a 1, b 0.5, c 0. List B: b 0.9, d 0.5, a 0.1 → b 1, d 0.5, a 0.
        IReadOnlyList<SearchHit> a = [Hit(1, "a", 10), Hit(2, "b", 6), Hit(3, "c", 2)];
        IReadOnlyList<SearchHit> b = [Hit(1, "b", 0.9), Hit(2, "d", 0.5), Hit(3, "a", 0.1)];

        var even = ScoreFusion.Fuse([a, b], [0.5, 0.5], 10); // a 0.5, b 0.75, c 0, d 0.25
        Assert.Equal(["b", "a", "d", "c"], even.Select(h => h.Document.Id));
        Assert.Equal([0.75, 0.5, 0.25, 0], even.Select(h => Math.Round(h.Score, 12)));

        var lexical = ScoreFusion.Fuse([a, b], [0.8, 0.2], 10); // a 0.8, b 0.6, d 0.1, c 0
        Assert.Equal(["a", "b", "d", "c"], lexical.Select(h => h.Document.Id));
        Assert.Equal(0.6, lexical[1].Score, 12);
    }

    [Fact]
    public void A_list_of_equal_scores_normalises_to_one() =>
        Assert.All(ScoreFusion.Normalise([Hit(1, "a", 3), Hit(2, "b", 3)]).Values, v => Assert.Equal(1, v));

    [Fact]
    public async Task Weighted_hybrid_uses_score_fusion_and_says_so()
    {
        var hybrid = HybridRetriever.Weighted(new FixedRetriever("x", "a", "b"), new FixedRetriever("y", "b", "c"), 0.3);
        Assert.Equal("Hybrid weighted (0.3 x + 0.7 y)", hybrid.Name);
        Assert.NotEmpty(await hybrid.SearchAsync("q", 3));
    }

    private static readonly Document[] Docs =
    [
        new("d1", "crue Rennes", new DateOnly(2024, 1, 9)),
        new("d2", "crue Lyon", new DateOnly(2024, 5, 19)),
    ];

    private static IReadOnlyList<RerankFeatures> Rerank(double dateWeight, DateRange? period, double coverage = 0)
    {
        var bm25 = new Bm25Retriever(Docs);
        var reranker = new RerankingRetriever(bm25, new FixedRetriever("dense"),
            new RerankerOptions(Bm25Weight: 0.5, DateWeight: dateWeight, CoverageWeight: coverage, DateHorizonDays: 10));
        // BM25 d1 2, d2 1 → 1, 0.5. Cosine d1 0.6, d2 0.2 → 1, 0.
        return reranker.Score(Docs, new Dictionary<string, double> { ["d1"] = 2, ["d2"] = 1 },
            new Dictionary<string, double> { ["d1"] = 0.6, ["d2"] = 0.2 }, bm25.Tokenizer.Tokenize("crue"), period);
    }

    [Fact]
    public void Without_a_date_the_fused_similarity_decides()
    {
        var f = Rerank(1.0, null); // d1 0.5·1 + 0.5·1 = 1; d2 0.5·0.5 + 0 = 0.25
        Assert.Equal(["d1", "d2"], f.Select(x => x.Document.Id));
        Assert.Equal(1.0, f[0].Score, 12);
        Assert.Equal(0.25, f[1].Score, 12);
    }

    [Fact]
    public void A_date_inside_the_period_is_a_boost_that_can_win()
    {
        var f = Rerank(1.0, new DateRange(new DateOnly(2024, 5, 19), new DateOnly(2024, 5, 19))); // d2 0.25 + 1
        Assert.Equal(["d2", "d1"], f.Select(x => x.Document.Id));
        Assert.Equal(1.25, f[0].Score, 12);
    }

    [Fact]
    public void A_date_near_the_period_gets_part_of_the_boost()
    {
        // 3 days outside, horizon 10: proximity 0.7, d2 = 0.25 + 0.7 = 0.95 < d1 = 1. Not a wall: d1 is still ranked.
        var f = Rerank(1.0, new DateRange(new DateOnly(2024, 5, 15), new DateOnly(2024, 5, 16)));
        Assert.Equal(["d1", "d2"], f.Select(x => x.Document.Id));
        Assert.Equal(0.7, f[1].Date, 12);
        Assert.Equal(0.95, f[1].Score, 12);
    }

    [Theory]
    [InlineData("Combien de visiteurs ?", true)]
    [InlineData("Quel score contre Lyon ?", true)]
    [InlineData("De combien les prix ont-ils augmenté ?", true)]
    [InlineData("Qui a gagné le Tour ?", false)]
    [InlineData("Quel film a gagné ?", false)]
    public void Questions_asking_for_a_quantity_are_recognised(string question, bool wants) =>
        Assert.Equal(wants, RerankingRetriever.WantsNumber(question));

    [Fact]
    public void A_number_question_boosts_passages_holding_a_number()
    {
        Document[] docs = [new("n1", "Lyon : 41 °C à Bron"), new("n2", "Lyon suffoque sous la chaleur")];
        var bm25 = new Bm25Retriever(docs);
        var reranker = new RerankingRetriever(bm25, new FixedRetriever("dense"),
            new RerankerOptions(Bm25Weight: 1, DateWeight: 0, CoverageWeight: 0, AnswerTypeWeight: 0.3));
        var scores = new Dictionary<string, double> { ["n1"] = 1, ["n2"] = 2 }; // BM25: n1 0.5, n2 1
        var f = reranker.Score(docs, scores, new Dictionary<string, double>(), [], null, wantsNumber: true);
        Assert.Equal(["n2", "n1"], f.Select(x => x.Document.Id)); // 1 > 0.5 + 0.3
        Assert.Equal(0.8, f[1].Score, 12);
        Assert.Equal(1, f[1].AnswerType);
        Assert.Equal(0, f[0].AnswerType);
    }

    [Fact]
    public void Coverage_is_the_idf_weighted_share_of_query_terms_in_the_passage()
    {
        var bm25 = new Bm25Retriever(Docs);
        var terms = bm25.Tokenizer.Tokenize("crue Rennes");
        // idf(crue) = ln(1 + 0.5/2.5) (in both), idf(rennes) = ln(1 + 1.5/1.5) (in d1 only).
        double crue = Math.Log(1.2), rennes = Math.Log(2);
        Assert.Equal(1.0, bm25.Coverage(terms, Docs[0]), 12);
        Assert.Equal(crue / (crue + rennes), bm25.Coverage(terms, Docs[1]), 12);
        Assert.Equal(0, bm25.Coverage(bm25.Tokenizer.Tokenize("Marseille"), Docs[0]));
    }

    [Fact]
    public async Task The_reranker_keeps_a_strong_match_published_outside_the_period()
    {
        var bm25 = new Bm25Retriever(Docs);
        var reranker = new RerankingRetriever(bm25, bm25, new RerankerOptions(DateWeight: 0.1));
        var hits = await reranker.SearchAsync("crue Rennes", 2, new SearchFilter(DateRange.Month(2024, 5)));
        Assert.Equal(["d1", "d2"], hits.Select(h => h.Document.Id)); // a hard filter would keep only d2
    }

    [Fact]
    public void The_thesaurus_appends_the_corpus_words()
    {
        Assert.Equal("la Grande Boucle Tour de France", QueryExpansion.Expand("la Grande Boucle"));
        Assert.EndsWith("Irlande", QueryExpansion.Expand("battus par les Irlandais"));
        Assert.Equal("Quel film ?", QueryExpansion.Expand("Quel film ?"));
    }

    [Fact]
    public void Validation_reports_duplicate_ids_reversed_dates_and_unknown_documents()
    {
        var corpus = new[] { new Document("h1", "t", new DateOnly(2024, 1, 1)) };
        var problems = QuestionSet.Validate(
        [
            new RagQuestion("q1", "?", ["h1"]),
            new RagQuestion("q1", "?", ["h9"]),
            new RagQuestion("q2", "?", ["h1"], new DateRange(new DateOnly(2024, 2, 1), new DateOnly(2024, 1, 1))),
        ], corpus);
        Assert.Contains("q1: duplicate question id", problems);
        Assert.Contains("q1: unknown document h9", problems);
        Assert.Contains(problems, p => p.StartsWith("q2: dates"));
    }
}
