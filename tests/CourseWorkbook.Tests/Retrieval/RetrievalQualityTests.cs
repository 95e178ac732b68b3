using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

/// <summary>The practical's quality bar on the real corpus and questions, offline (no Ollama).</summary>
public class RetrievalQualityTests
{
    private static readonly IReadOnlyList<Document> Headlines = Corpus.LoadHeadlines(RagData.HeadlinesPath);
    private static readonly IReadOnlyList<RagQuestion> Questions = QuestionSet.Load(RagData.QuestionsPath);

    private static async Task<IReadOnlyList<RetrievalScore>> EvaluateAsync(FilterMode mode)
    {
        var lsa = LsaEmbedder.Fit(Headlines.Select(h => h.Text));
        var store = VectorStore.Create(lsa);
        await store.IndexAsync(Headlines, lsa);
        var bm25 = new Bm25Retriever(Headlines);
        var dense = new DenseRetriever(lsa, store, "LSA");
        return await RetrievalEvaluation.CompareAsync(Questions, mode, Corpus.Span(Headlines), bm25, dense, new HybridRetriever(bm25, dense));
    }

    [Fact]
    public async Task Best_offline_retriever_reaches_recall_at_5_of_0_9_with_gold_filters()
    {
        var rows = await EvaluateAsync(FilterMode.Gold);
        Assert.True(rows.Max(r => r.RecallAt5) >= 0.9, string.Join("\n", rows));
    }

    [Fact]
    public async Task Best_offline_retriever_reaches_recall_at_5_of_0_9_with_parsed_filters()
    {
        var rows = await EvaluateAsync(FilterMode.Parsed);
        Assert.True(rows.Max(r => r.RecallAt5) >= 0.9, string.Join("\n", rows));
    }

    [Fact]
    public async Task Date_filters_beat_leaving_dates_to_similarity()
    {
        var none = await EvaluateAsync(FilterMode.None);
        var parsed = await EvaluateAsync(FilterMode.Parsed);
        Assert.True(parsed.Max(r => r.RecallAt5) > none.Max(r => r.RecallAt5), string.Join("\n", none.Concat(parsed)));
    }
}
