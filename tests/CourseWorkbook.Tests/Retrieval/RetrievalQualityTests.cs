using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

/// <summary>The practical's quality bar on the real corpus and the development questions, offline (no Ollama).</summary>
public class RetrievalQualityTests
{
    private static readonly IReadOnlyList<Document> Headlines = Corpus.LoadHeadlines(RagData.HeadlinesPath);
    private static readonly IReadOnlyList<RagQuestion> Dev = QuestionSet.Split(QuestionSet.Load(RagData.QuestionsPath, Headlines), "dev");
    private static readonly DateRange Span = Corpus.Span(Headlines);

    private static async Task<(Bm25Retriever Bm25, DenseRetriever Dense)> ComponentsAsync()
    {
        var lsa = LsaEmbedder.Fit(Headlines.Select(h => h.Text));
        var store = VectorStore.Create(lsa);
        await store.IndexAsync(Headlines, lsa);
        return (new Bm25Retriever(Headlines), new DenseRetriever(lsa, store, "LSA"));
    }

    [Fact]
    public async Task Date_filters_beat_leaving_dates_to_similarity()
    {
        var (bm25, dense) = await ComponentsAsync();
        var none = await RetrievalEvaluation.CompareAsync(Dev, FilterMode.None, Span, bm25, dense);
        var parsed = await RetrievalEvaluation.CompareAsync(Dev, FilterMode.Parsed, Span, bm25, dense);
        Assert.True(parsed.Max(r => r.RecallAt5) > none.Max(r => r.RecallAt5), string.Join("\n", none.Concat(parsed)));
    }

    [Fact]
    public async Task The_pipeline_reaches_recall_at_5_of_0_85_on_the_development_questions()
    {
        var (bm25, dense) = await ComponentsAsync();
        var pipeline = new RerankingRetriever(bm25, dense, new RerankerOptions(Thesaurus: true));
        var score = await RetrievalEvaluation.EvaluateAsync(pipeline, Dev, FilterMode.Parsed, Span);
        // 154 dev questions, 61 of them paraphrases (12 written to share almost no word with their headline).
        Assert.True(score.RecallAt5 >= 0.85 && score.RecallAt1 >= 0.7, score.ToString());
    }

    [Fact]
    public async Task The_pipeline_is_at_least_as_good_as_each_component_on_the_development_questions()
    {
        var (bm25, dense) = await ComponentsAsync();
        var pipeline = new RerankingRetriever(bm25, dense, new RerankerOptions(Thesaurus: true));
        var rows = await RetrievalEvaluation.CompareAsync(Dev, FilterMode.Parsed, Span,
            pipeline, new ExpandedRetriever(bm25), new ExpandedRetriever(dense));
        Assert.All(rows.Skip(1), r => Assert.True(rows[0].RecallAt1 >= r.RecallAt1 && rows[0].RecallAt5 >= r.RecallAt5,
            string.Join("\n", rows)));
    }
}
