using CourseWorkbook.Runtime;
using System.Diagnostics;
using System.Text;
using CourseWorkbook.Retrieval;
using Microsoft.Extensions.AI;

namespace CourseWorkbook.Tests.Retrieval;

/// <summary>
/// The Ollama path against a fake Ollama on 127.0.0.1. Timeouts are short (1–2 s where a test waits for one; 10 s for requests that should succeed) but every test is also bounded
/// by <see cref="Bounded"/> (30 s), so a regression shows as a failure, never as a hung test run.
/// </summary>
public class OllamaTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static OllamaSettings Settings(string host) => new()
    {
        Host = host,
        ProbeTimeout = TimeSpan.FromSeconds(1),
        RequestTimeout = TimeSpan.FromSeconds(10),   // generous: a loaded CI machine must not fail the happy paths
        StreamIdleTimeout = TimeSpan.FromSeconds(1),
    };

    private static Task<T> Bounded<T>(Task<T> task) => task.WaitAsync(Limit);

    private static IReadOnlyList<ChatMessage> Prompt() => RagPrompt.Messages("Quelle rivière a débordé à Rennes ?",
        [new SearchHit(1, 0.9, new Document("h0011", "Crue de la Vilaine : plusieurs quartiers de Rennes évacués", new DateOnly(2024, 1, 9), "météo"))]);

    private static async Task<string> StreamToText(IChatClient chat)
    {
        var text = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync(Prompt())) text.Append(update.Text);
        return text.ToString();
    }

    [Fact]
    public async Task Probe_finds_a_running_ollama_and_its_models()
    {
        await using var server = new FakeOllamaServer();
        var status = await Bounded(Ollama.ProbeAsync(Settings(server.Host)));

        Assert.True(status.Reachable);
        Assert.True(status.CanEmbed && status.CanChat);
        Assert.Contains("qwen2.5:latest", status.Models);
        Assert.Equal($"Ollama reachable at {server.Host}: embeddings from nextfire/paraphrase-multilingual-minilm, answers from qwen2.5.", status.Message);
    }

    [Fact]
    public async Task Probe_names_a_model_that_is_not_pulled()
    {
        await using var server = new FakeOllamaServer(models: ["nextfire/paraphrase-multilingual-minilm:latest"]);
        var status = await Bounded(Ollama.ProbeAsync(Settings(server.Host)));

        Assert.True(status.CanEmbed);
        Assert.False(status.CanChat);
        Assert.Contains("qwen2.5 not pulled (ollama pull qwen2.5)", status.Message);
        Assert.Contains("offline path for answers", status.Message);
    }

    [Fact]
    public async Task Probe_of_a_closed_port_says_offline_at_once()
    {
        var host = FakeOllamaServer.ClosedHost();
        var clock = Stopwatch.StartNew();
        var status = await Bounded(Ollama.ProbeAsync(Settings(host)));

        Assert.False(status.Reachable);
        Assert.StartsWith($"Ollama not reachable at {host} (connection failed", status.Message);
        Assert.EndsWith("using the offline path.", status.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{clock.Elapsed}");
    }

    [Fact]
    public async Task Probe_of_a_server_that_never_answers_gives_up_after_its_timeout()
    {
        await using var server = new FakeOllamaServer(silent: true);
        var clock = Stopwatch.StartNew();
        var status = await Bounded(Ollama.ProbeAsync(Settings(server.Host)));

        Assert.False(status.Reachable);
        Assert.Contains("no answer within 1 s", status.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Embeddings_come_from_api_embed()
    {
        await using var server = new FakeOllamaServer();
        using var embedder = Ollama.CreateEmbeddingGenerator(Settings(server.Host));

        var embeddings = await Bounded(embedder.GenerateAsync(["Crue à Rennes", "Inflation"]));

        Assert.Equal(2, server.EmbedTexts);
        Assert.Equal(FakeOllamaServer.Embed("Crue à Rennes"), embeddings[0].Vector.ToArray());
        Assert.Equal("ollama/nextfire/paraphrase-multilingual-minilm", Embedders.IdOf(embedder));
    }

    [Fact]
    public async Task Embedding_failure_names_host_and_model()
    {
        var host = FakeOllamaServer.ClosedHost();
        using var embedder = Ollama.CreateEmbeddingGenerator(Settings(host));
        var e = await Assert.ThrowsAsync<OllamaUnavailableException>(() => Bounded(embedder.GenerateAsync(["x"])));
        Assert.StartsWith($"Ollama at {host} (nextfire/paraphrase-multilingual-minilm) failed to embed: connection failed", e.Message);
    }

    [Fact]
    public async Task Chat_answers_without_streaming()
    {
        await using var server = new FakeOllamaServer();
        using var chat = Ollama.CreateChatClient(Settings(server.Host));

        var response = await Bounded(chat.GetResponseAsync(Prompt()));

        Assert.Equal(FakeOllamaServer.Answer, response.Text);
        Assert.False(server.LastChatWasStreamed);
    }

    [Fact]
    public async Task Chat_streams_ndjson_pieces()
    {
        await using var server = new FakeOllamaServer();
        using var chat = Ollama.CreateChatClient(Settings(server.Host));

        var pieces = new List<string>();
        await Bounded(Task.Run(async () => { await foreach (var u in chat.GetStreamingResponseAsync(Prompt())) pieces.Add(u.Text); return 0; }));

        Assert.True(server.LastChatWasStreamed);
        Assert.Equal(FakeOllamaServer.Answer, string.Concat(pieces));
        Assert.True(pieces.Count >= 3);
    }

    [Theory]
    [InlineData(ChatBehaviour.CutMidStream, "stopped mid-answer after 2 pieces: connection lost")]
    [InlineData(ChatBehaviour.StallMidStream, "stopped mid-answer after 2 pieces: no data for 1 s")]
    [InlineData(ChatBehaviour.EndWithoutDone, "closed the stream after 2 pieces without finishing the answer")]
    public async Task A_stream_failing_mid_answer_falls_back_with_a_clear_message(ChatBehaviour behaviour, string reason)
    {
        await using var server = new FakeOllamaServer(chat: behaviour);
        var warnings = new List<string>();
        using var chat = new FallbackChatClient(Ollama.CreateChatClient(Settings(server.Host)), new ExtractiveChatClient(), warnings.Add);

        var clock = Stopwatch.StartNew();
        var text = await Bounded(StreamToText(chat));

        Assert.StartsWith("La Vilaine a débordé ", text); // what was streamed stays
        Assert.Contains($"[Ollama at {server.Host} (qwen2.5) {reason}", text);
        Assert.Contains("offline answer follows]", text);
        Assert.Contains(ExtractiveChatClient.Disclaimer, text);
        Assert.Contains("« Crue de la Vilaine : plusieurs quartiers de Rennes évacués »", text);
        Assert.Contains(reason, Assert.Single(warnings));
        Assert.Contains(reason, chat.LastFailure);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"{clock.Elapsed}");
    }

    [Fact]
    public async Task A_chat_server_that_never_answers_times_out_and_falls_back()
    {
        await using var server = new FakeOllamaServer(chat: ChatBehaviour.NeverAnswer);
        var settings = Settings(server.Host) with { RequestTimeout = TimeSpan.FromSeconds(2) };
        using var chat = new FallbackChatClient(Ollama.CreateChatClient(settings), new ExtractiveChatClient(), _ => { });

        var clock = Stopwatch.StartNew();
        var response = await Bounded(chat.GetResponseAsync(Prompt()));

        Assert.StartsWith($"[Ollama at {server.Host} (qwen2.5) failed: timed out: using the offline answer]", response.Text);
        Assert.Equal(ExtractiveChatClient.ModelName, response.ModelId);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(15));

        var streamed = await Bounded(StreamToText(chat));
        Assert.StartsWith($"[Ollama at {server.Host} (qwen2.5) failed before answering: timed out: using the offline answer]", streamed);
    }

    [Fact]
    public async Task Chat_to_a_closed_port_falls_back_immediately()
    {
        using var chat = new FallbackChatClient(Ollama.CreateChatClient(Settings(FakeOllamaServer.ClosedHost())), new ExtractiveChatClient(), _ => { });
        var response = await Bounded(chat.GetResponseAsync(Prompt()));
        Assert.Contains("failed: connection failed", response.Text);
        Assert.Contains("« Crue de la Vilaine", response.Text);
    }

    [Fact]
    public async Task Setup_chooses_ollama_when_its_models_are_there()
    {
        await using var server = new FakeOllamaServer();
        var corpus = new[] { new Document("h1", "Crue de la Vilaine à Rennes", new DateOnly(2024, 1, 9)) };
        var log = new List<string>();

        using var backends = await Bounded(RagSetup.ConnectAsync(corpus, Settings(server.Host), log: log.Add));

        Assert.True(backends.Ollama.Reachable);
        Assert.Equal("ollama/nextfire/paraphrase-multilingual-minilm", backends.EmbedderId);
        Assert.IsType<FallbackChatClient>(backends.Chat);
        Assert.Equal(backends.Ollama.Message, Assert.Single(log));
    }

    [Theory]
    [InlineData(EmbedBehaviour.Hangs, "did not embed a test sentence within 1 s")]
    [InlineData(EmbedBehaviour.Zeros, "returned an all-zero embedding")]
    public async Task Setup_falls_back_to_the_offline_embedder_when_ollama_lists_the_model_but_cannot_embed(
        EmbedBehaviour behaviour, string reason)
    {
        await using var server = new FakeOllamaServer { Embedding = behaviour };
        var corpus = new[] { new Document("h1", "Crue de la Vilaine à Rennes", new DateOnly(2024, 1, 9)), new Document("h2", "L'OM bat Lens") };
        var log = new List<string>();
        // A generous probe: on a loaded machine a 1 s probe can miss the fake server, which is not what this tests.
        var settings = Settings(server.Host) with
        {
            ProbeTimeout = TimeSpan.FromSeconds(10), EmbeddingCheckTimeout = TimeSpan.FromSeconds(1),
        };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var backends = await Bounded(RagSetup.ConnectAsync(corpus, settings, log: log.Add));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.IsType<LsaEmbedder>(backends.Embedder);
        Assert.IsType<FallbackChatClient>(backends.Chat); // answers still come from Ollama
        Assert.True(log.Any(l => l.Contains(reason) && l.EndsWith("using the offline embedder.")), string.Join("\n", log));
    }

    [Fact]
    public async Task Setup_falls_back_to_offline_defaults_when_ollama_is_absent()
    {
        var corpus = new[] { new Document("h1", "Crue de la Vilaine à Rennes", new DateOnly(2024, 1, 9)), new Document("h2", "L'OM bat Lens") };
        var log = new List<string>();

        using var backends = await Bounded(RagSetup.ConnectAsync(corpus, Settings(FakeOllamaServer.ClosedHost()), log: log.Add));

        Assert.False(backends.Ollama.Reachable);
        Assert.IsType<LsaEmbedder>(backends.Embedder);
        Assert.IsType<ExtractiveChatClient>(backends.Chat);
        Assert.Contains("using the offline path", Assert.Single(log));
        Assert.StartsWith("offline/lsa", backends.EmbedderId);
    }

    [Fact]
    public async Task Dense_retrieval_and_answers_work_end_to_end_through_ollama()
    {
        await using var server = new FakeOllamaServer();
        Document[] corpus =
        [
            new("h1", "Crue de la Vilaine à Rennes", new DateOnly(2024, 1, 9), "météo"),
            new("h2", "Tournoi de tennis au stade", new DateOnly(2024, 1, 10), "sport"),
        ];
        using var backends = await Bounded(RagSetup.ConnectAsync(corpus, Settings(server.Host), log: _ => { }));
        var store = VectorStore.Create(backends.Embedder);
        await Bounded(store.IndexAsync(corpus, backends.Embedder));
        var rag = new RagPipeline(new DenseRetriever(backends.Embedder, store), backends.Chat, new RagOptions(Passages: 1, CorpusSpan: Corpus.Span(corpus)));

        var answer = await Bounded(rag.AskAsync("Crue de la Vilaine ?"));

        Assert.Equal("h1", Assert.Single(answer.Passages).Document.Id);
        Assert.Equal(FakeOllamaServer.Answer, answer.Answer);
        Assert.Equal("qwen2.5", answer.AnsweredBy);
        Assert.Equal(4, server.EmbedTexts); // the setup's trial sentence, two documents, one question
    }

    [Theory]
    [InlineData(null, "http://localhost:11434")]
    [InlineData("", "http://localhost:11434")]
    [InlineData("myhost", "http://myhost:11434")]
    [InlineData("0.0.0.0:8080", "http://localhost:8080")]
    [InlineData("0.0.0.0", "http://localhost:11434")]
    [InlineData(":11434", "http://localhost:11434")]
    [InlineData("[::]:11434", "http://[::1]:11434")]
    [InlineData("[::1]", "http://[::1]:11434")]
    [InlineData("HTTP://Box:1", "http://Box:1")]
    [InlineData("http://gpu-box:11434/", "http://gpu-box:11434")]
    [InlineData("https://ollama.example", "https://ollama.example:443")]
    [InlineData("https://ollama.example:8443/base/", "https://ollama.example:8443/base")]
    public void Host_from_the_environment_gets_scheme_and_port(string? raw, string expected) => Assert.Equal(expected, OllamaSettings.NormalizeHost(raw));

    [Theory]
    [InlineData("127.0.0.1:99999", "has the port '99999'")]
    [InlineData("127.0.0.1:0", "has the port '0'")]
    [InlineData("box:http", "has the port 'http'")]
    [InlineData("ftp://box", "uses the scheme 'ftp'")]
    [InlineData("not a host!", "is not a host name or an IP address")]
    [InlineData("[::1", "without its closing ']'")]
    [InlineData("[::1]x", "not a port")]
    public void Unusable_hosts_are_refused_naming_the_variable_and_the_reason(string raw, string reason)
    {
        Assert.False(OllamaSettings.TryNormalizeHost(raw, out var host, out var problem));
        Assert.Equal("http://localhost:11434", host);
        Assert.StartsWith($"OLLAMA_HOST='{raw}'", problem);
        Assert.Contains(reason, problem);
        Assert.Throws<ArgumentException>(() => OllamaSettings.NormalizeHost(raw));
    }

    [Fact]
    public void Settings_read_OLLAMA_HOST_without_throwing_and_keep_its_problem()
    {
        Environment.SetEnvironmentVariable("OLLAMA_HOST", "127.0.0.1:99999");
        try
        {
            var settings = new OllamaSettings();
            Assert.Equal("http://localhost:11434", settings.Host);
            Assert.StartsWith("OLLAMA_HOST='127.0.0.1:99999' has the port", settings.HostProblem);
        }
        finally { Environment.SetEnvironmentVariable("OLLAMA_HOST", null); }
    }

    [Fact]
    public async Task An_unusable_host_makes_the_probe_report_offline_at_once_naming_OLLAMA_HOST()
    {
        var settings = new OllamaSettings { HostProblem = "OLLAMA_HOST='ftp://x' uses the scheme 'ftp'; Ollama speaks http or https" };

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var status = await Ollama.ProbeAsync(settings);

        Assert.False(status.Reachable);
        Assert.Contains("OLLAMA_HOST='ftp://x'", status.Message);
        Assert.Contains("offline path", status.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Model_names_match_with_or_without_the_latest_tag()
    {
        Assert.True(Ollama.Has(["qwen2.5:latest"], "qwen2.5"));
        Assert.True(Ollama.Has(["qwen2.5"], "qwen2.5:latest"));
        Assert.False(Ollama.Has(["qwen2.5:7b"], "qwen2.5"));
    }
}
