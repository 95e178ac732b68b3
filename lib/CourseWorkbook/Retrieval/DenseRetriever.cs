using Microsoft.Extensions.AI;

namespace CourseWorkbook.Retrieval;

/// <summary>
/// Dense retrieval: embeds the query with the same embedder as the store, then cosine top-k in the store.
/// </summary>
public sealed class DenseRetriever(IEmbeddingGenerator<string, Embedding<float>> embedder, VectorStore store,
    string? name = null) : IRetriever
{
    /// <inheritdoc />
    public string Name { get; } = name ?? $"Dense ({store.EmbedderId})";

    /// <summary>The store searched.</summary>
    public VectorStore Store => store;

    /// <inheritdoc />
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int k, SearchFilter? filter = null,
        CancellationToken cancellationToken = default)
    {
        var embedding = await embedder.GenerateVectorAsync(query, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return store.Search(embedding.Span, k, filter);
    }
}
