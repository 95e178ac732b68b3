using CourseWorkbook.Runtime;
using System.Text;
using CourseWorkbook.Retrieval;
using Microsoft.Extensions.AI;

namespace CourseWorkbook.Tests.Retrieval;

public class RagPipelineTests
{
    private static readonly Document[] Docs =
    [
        new("h1", "Crue de la Vilaine : plusieurs quartiers de Rennes évacués", new DateOnly(2024, 1, 9), "météo"),
        new("h2", "Nîmes sous les eaux : des pluies diluviennes transforment les rues en torrents", new DateOnly(2024, 3, 14), "météo"),
        new("h3", "La Saône en crue : les quais de Lyon fermés", new DateOnly(2024, 5, 19), "météo"),
        new("h4", "L'OM chute à domicile face à Lens", new DateOnly(2024, 3, 8), "sport"),
    ];

    private static RagPipeline Offline(int passages = 2) =>
        new(new Bm25Retriever(Docs), new ExtractiveChatClient(), new RagOptions(passages, Corpus.Span(Docs)));

    [Fact]
    public async Task The_question_date_filters_the_passages()
    {
        var answer = await Offline().AskAsync("Quelle ville a été touchée par une crue en mai ?");

        Assert.Equal("2024-05-01..2024-05-31", answer.Plan.Filter.Dates?.ToString());
        Assert.Equal("h3", answer.Passages[0].Document.Id);
        Assert.Equal(5, answer.Passages[0].Document.Date?.Month);
        Assert.Contains("« La Saône en crue : les quais de Lyon fermés »", answer.Answer);
        Assert.Equal(ExtractiveChatClient.ModelName, answer.AnsweredBy);
    }

    [Fact]
    public async Task Without_date_filter_other_months_crowd_the_passages()
    {
        var noDates = new RagPipeline(new Bm25Retriever(Docs), new ExtractiveChatClient(), new RagOptions(2, Corpus.Span(Docs), UseDateFilter: false));
        var hits = await noDates.RetrieveAsync("Quelle ville a été touchée par une crue en mai ?");
        Assert.Contains(hits, h => h.Document.Date?.Month != 5);
    }

    [Fact]
    public async Task The_offline_answer_quotes_the_best_passage_and_says_no_llm_was_used()
    {
        var answer = await Offline().AskAsync("Où la Vilaine a-t-elle débordé ?");
        Assert.StartsWith(ExtractiveChatClient.Disclaimer, answer.Answer);
        Assert.Contains("D'après [1] (2024-01-09, météo) : « Crue de la Vilaine", answer.Answer);
        Assert.Contains("Réponse (extractive (no LLM)", answer.ToString());
    }

    [Fact]
    public async Task The_offline_client_says_it_does_not_know_when_nothing_matches()
    {
        var response = await new ExtractiveChatClient().GetResponseAsync(RagPrompt.Messages("Qui a gagné le Goncourt ?", [new SearchHit(1, 1, Docs[3])]));
        Assert.Contains("Je ne sais pas", response.Text);
    }

    [Fact]
    public async Task The_offline_client_does_not_quote_a_passage_sharing_one_word_of_four()
    {
        var prices = new Document("p", "Prix de l'immobilier : les prix des logements anciens reculent", new DateOnly(2024, 3, 25));
        var response = await new ExtractiveChatClient().GetResponseAsync(RagPrompt.Messages("Qui a gagné le prix Nobel de physique ?", [new SearchHit(1, 1, prices)]));
        Assert.Contains("Je ne sais pas", response.Text);
    }

    [Fact]
    public async Task The_offline_client_ignores_date_words_when_matching()
    {
        // Counting « printemps » and « 2024 », one shared word of four would not be enough.
        var flood = new Document("f", "Orages : Clermont-Ferrand inondée en quelques minutes", new DateOnly(2024, 5, 16));
        var response = await new ExtractiveChatClient().GetResponseAsync(RagPrompt.Messages("Quelle ville a été inondée au printemps 2024 ?", [new SearchHit(1, 1, flood)]));
        Assert.Contains("« Orages : Clermont-Ferrand inondée", response.Text);
    }

    [Fact]
    public async Task Streaming_yields_the_same_text_as_the_whole_answer()
    {
        var rag = Offline();
        var whole = await rag.AskAsync("Où la Vilaine a-t-elle débordé ?");
        var streamed = new StringBuilder();
        await foreach (var piece in rag.AskStreamingAsync("Où la Vilaine a-t-elle débordé ?")) streamed.Append(piece);
        Assert.Equal(whole.Answer, streamed.ToString());
    }

    [Fact]
    public void The_prompt_numbers_passages_with_their_metadata_and_ends_with_the_question()
    {
        var messages = RagPrompt.Messages("Quelle ville ?", [new SearchHit(1, 1, Docs[1]), new SearchHit(2, 0.5, Docs[0])]);
        Assert.Equal(ChatRole.System, messages[0].Role);
        Assert.Contains("Réponds uniquement à partir du contexte", messages[0].Text);
        Assert.Contains("dis que tu ne sais pas", messages[0].Text);
        Assert.Equal(
            "Contexte :\n[1] (2024-03-14, météo) Nîmes sous les eaux : des pluies diluviennes transforment les rues en torrents\n"
            + "[2] (2024-01-09, météo) Crue de la Vilaine : plusieurs quartiers de Rennes évacués\n\nQuestion : Quelle ville ?",
            messages[1].Text.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Similarity_table_lists_every_pair_most_similar_first()
    {
        var embedder = new CountingEmbedder();
        var rows = await Embedders.CompareAsync(embedder, "a", "b", "c");
        Assert.Equal(3, rows.Count);
        Assert.True(rows[0].Cosine >= rows[1].Cosine && rows[1].Cosine >= rows[2].Cosine);
        var ab = rows.Single(r => r.A == "a" && r.B == "b");
        Assert.Equal(Vectors.Cosine(CountingEmbedder.VectorOf("a", 8), CountingEmbedder.VectorOf("b", 8)), ab.Cosine, 5);
    }

    [Fact]
    public void Another_domain_gets_a_refitted_offline_embedder_but_the_same_ollama_one()
    {
        var lsa = LsaEmbedder.Fit(Docs.Select(d => d.Text), new LsaOptions(Dimensions: 3));
        using var offline = new RagBackends(Offline(), lsa, new ExtractiveChatClient());
        Document[] rules = [new("r1", "Les DVD se prêtent une semaine"), new("r2", "Les livres se prêtent trois semaines")];
        var refit = Assert.IsType<LsaEmbedder>(offline.EmbedderFor(rules));
        Assert.NotEqual(lsa.ModelId, refit.ModelId);

        var other = new CountingEmbedder();
        using var online = new RagBackends(Offline() with { Reachable = true }, other, new ExtractiveChatClient());
        Assert.Same(other, online.EmbedderFor(rules));

        static OllamaStatus Offline() => new("http://127.0.0.1:1", false, [], "e", "c", false, false, "offline");
    }

    [Fact]
    public void Latency_benchmark_returns_one_row_per_size()
    {
        var rows = VectorSearchBenchmark.Run([50, 200], dimensions: 16, queries: 5);
        Assert.Equal([50, 200], rows.Select(r => r.Vectors));
        Assert.All(rows, r => Assert.True(r.MedianMs >= 0 && r.P90Ms >= r.MedianMs));
    }

    [Fact]
    public void Latency_benchmark_stops_at_its_time_budget()
    {
        var rows = VectorSearchBenchmark.Run([200], dimensions: 16, queries: 100_000, budget: TimeSpan.Zero);
        Assert.Equal(5, rows[0].Queries); // the minimum, however small the budget
    }
}
