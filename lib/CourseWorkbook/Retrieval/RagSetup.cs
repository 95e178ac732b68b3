using CourseWorkbook.Runtime;
using Microsoft.Extensions.AI;

namespace CourseWorkbook.Retrieval;

/// <summary>The embedder and chat client the notebook will use, and why (Ollama or the offline path).</summary>
public sealed record RagBackends(OllamaStatus Ollama, IEmbeddingGenerator<string, Embedding<float>> Embedder,
    IChatClient Chat) : IDisposable
{
    /// <summary>Store key of the embedder (provider/model).</summary>
    public string EmbedderId => Embedders.IdOf(Embedder);

    /// <summary>Model behind the chat client.</summary>
    public string ChatModel => Chat.GetService<ChatClientMetadata>()?.DefaultModelId ?? Chat.GetType().Name;

    /// <summary>
    /// The embedder for another set of documents (the PDF exercise): Ollama's model embeds anything, but the
    /// offline LSA model only knows the vocabulary it was fitted on, so it is fitted again on these documents.
    /// </summary>
    public IEmbeddingGenerator<string, Embedding<float>> EmbedderFor(IReadOnlyList<Document> documents) =>
        Embedder is LsaEmbedder lsa ? LsaEmbedder.Fit(documents.Select(d => d.Text), lsa.Options) : Embedder;

    /// <summary>
    /// Whether Ollama answered, then the embedder and chat model chosen (the full message was printed by the probe).
    /// </summary>
    public override string ToString() =>
        $"Ollama: {(Ollama.Reachable ? $"reachable at {Ollama.Host}" : $"not reachable at {Ollama.Host}")}\n"
        + $"Embeddings: {EmbedderId}\nAnswers: {ChatModel}";

    /// <inheritdoc />
    public void Dispose()
    {
        Embedder.Dispose();
        Chat.Dispose();
    }
}

/// <summary>The one call that picks Ollama when it is there and the offline defaults otherwise.</summary>
public static class RagSetup
{
    /// <summary>
    /// Probes Ollama (≤ <see cref="OllamaSettings.ProbeTimeout"/>) and prints its message. Embeddings: Ollama's model
    /// if pulled, else <see cref="LsaEmbedder"/> fitted on the corpus. Answers: Ollama's chat model behind a
    /// <see cref="FallbackChatClient"/> (a failure mid-answer falls back with a message), else
    /// <see cref="ExtractiveChatClient"/>.
    /// </summary>
    public static async Task<RagBackends> ConnectAsync(IReadOnlyList<Document> corpus, OllamaSettings? settings = null,
        LsaOptions? lsa = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        log ??= Console.WriteLine;
        settings ??= new();
        var status = await Ollama.ProbeAsync(settings, cancellationToken).ConfigureAwait(false);
        log(status.Message);
        IEmbeddingGenerator<string, Embedding<float>>? embedder = null;
        if (status.CanEmbed)
        {
            var ollama = Ollama.CreateEmbeddingGenerator(settings);
            if (await CheckEmbedderAsync(ollama, settings, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                log($"{problem}: using the offline embedder.");
                ollama.Dispose();
            }
            else embedder = ollama;
        }
        embedder ??= LsaEmbedder.Fit(corpus.Select(d => d.Text), lsa);
        IChatClient chat = status.CanChat
            ? new FallbackChatClient(Ollama.CreateChatClient(settings), new ExtractiveChatClient(), log)
            : new ExtractiveChatClient();
        return new RagBackends(status, embedder, chat);
    }

    /// <summary>
    /// Embeds one sentence within <see cref="OllamaSettings.EmbeddingCheckTimeout"/>: null when a usable vector
    /// (finite, not all zero) came back, else why not. A server that lists the model but cannot embed (hung, broken,
    /// answering garbage) is caught here, before the notebook's cells wait on it.
    /// </summary>
    public static async Task<string?> CheckEmbedderAsync(IEmbeddingGenerator<string, Embedding<float>> embedder,
        OllamaSettings settings, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(settings.EmbeddingCheckTimeout);
        var where = $"Ollama at {settings.Host} ({settings.EmbeddingModel})";
        try
        {
            var vector = (await embedder.GenerateVectorAsync("Un essai.", cancellationToken: limit.Token)
                .ConfigureAwait(false)).ToArray();
            if (vector.Length == 0) return $"{where} returned an empty embedding";
            if (vector.Any(x => !float.IsFinite(x)))
                return $"{where} returned an embedding with NaN or infinite values";
            if (vector.All(x => x == 0)) return $"{where} returned an all-zero embedding";
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{where} did not embed a test sentence within {settings.EmbeddingCheckTimeout.TotalSeconds:0.#} s";
        }
        catch (OllamaUnavailableException e)
        {
            return e.Message;
        }
    }
}
