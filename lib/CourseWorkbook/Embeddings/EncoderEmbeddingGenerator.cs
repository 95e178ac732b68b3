using Microsoft.Extensions.AI;

namespace CourseWorkbook.Embeddings;

/// <summary>A workbook encoder behind Microsoft.Extensions.AI's embedding interface, so that the RAG pipeline's vector
/// store and dense retriever take it as they take Ollama's embedder or the offline LSA one. Texts are embedded on this
/// thread in batches of similar length (less padding to compute); each vector is what
/// <see cref="WorkbookEncoder.Embed"/> returns (pooled, L2-normalised), in the order of the texts.</summary>
public sealed class EncoderEmbeddingGenerator(WorkbookEncoder encoder, int batchSize = 32)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    readonly EmbeddingGeneratorMetadata metadata = new("workbook", defaultModelId: encoder.Name);

    /// <summary>The encoder embedded with.</summary>
    public WorkbookEncoder Encoder => encoder;

    /// <inheritdoc />
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values.ToList();
        var byLength = Enumerable.Range(0, texts.Count).OrderBy(i => texts[i].Length).ToArray();
        var vectors = new float[texts.Count][];
        foreach (var batch in byLength.Chunk(batchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var embedded = encoder.Embed(batch.Select(i => texts[i]).ToList());
            for (var j = 0; j < batch.Length; j++) vectors[batch[j]] = embedded[j];
        }

        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        result.AddRange(vectors.Select(v => new Embedding<float>(v)));
        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(metadata) ? metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
