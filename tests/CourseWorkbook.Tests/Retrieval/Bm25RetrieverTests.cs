using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class Bm25RetrieverTests
{
    // Three documents, query « chat noir », k1 = 1.2, b = 0.75, avgdl = 8/3, computed by hand:
    // idf(chat) = ln(1 + 2.5/1.5) = 0.980829, idf(noir) = ln(1 + 1.5/2.5) = 0.470004
    // d0 (|d| = 3, chat ×2, noir ×1): 0.980829·2·2.2/(2 + 1.3125) + 0.470004·2.2/(1 + 1.3125) = 1.749976
    // d1 (|d| = 2, noir ×1):          0.470004·2.2/(1 + 0.975) = 0.523548
    // d2 (no query word):             0
    private static readonly Document[] Docs =
    [
        new("d0", "chat noir chat"),
        new("d1", "chien noir"),
        new("d2", "oiseau bleu ciel"),
    ];

    private static Bm25Retriever Index() => new(Docs, new FrenchTokenizer(new(LightStemming: false)));

    [Fact]
    public void Scores_match_the_hand_computed_example()
    {
        var scores = Index().ScoreAll("chat noir");
        Assert.Equal(1.7499759, scores[0], 6);
        Assert.Equal(0.5235483, scores[1], 6);
        Assert.Equal(0, scores[2]);
    }

    [Fact]
    public void Idf_follows_the_smoothed_formula()
    {
        var bm25 = Index();
        Assert.Equal(0.9808293, bm25.Idf("chat"), 6);
        Assert.Equal(0.4700036, bm25.Idf("noir"), 6);
        Assert.Equal(0, bm25.Idf("absent"));
    }

    [Fact]
    public async Task Search_ranks_by_score_and_skips_documents_without_query_words()
    {
        var hits = await Index().SearchAsync("chat noir", 10);
        Assert.Equal(["d0", "d1"], hits.Select(h => h.Document.Id));
        Assert.Equal([1, 2], hits.Select(h => h.Rank));
    }

    [Fact]
    public async Task Search_applies_the_filter_before_ranking()
    {
        var docs = new[]
        {
            new Document("a", "crue de la Vilaine", new DateOnly(2024, 1, 9), "météo"),
            new Document("b", "crue de la Saône", new DateOnly(2024, 5, 19), "météo"),
            new Document("c", "crue du marché", new DateOnly(2024, 5, 20), "économie"),
        };
        var bm25 = new Bm25Retriever(docs);
        var may = await bm25.SearchAsync("crue", 10, new SearchFilter(DateRange.Month(2024, 5)));
        Assert.Equal(["b", "c"], may.Select(h => h.Document.Id).Order());
        var mayWeather = await bm25.SearchAsync("crue", 10, new SearchFilter(DateRange.Month(2024, 5), "MÉTÉO"));
        Assert.Equal(["b"], mayWeather.Select(h => h.Document.Id));
    }
}
