using Microsoft.Extensions.AI;

namespace CourseWorkbook.Retrieval;

/// <summary>The cosine similarity of two texts under an embedder.</summary>
public sealed record SimilarityRow(string A, string B, double Cosine)
{
    /// <summary>One line: cosine, then the two texts.</summary>
    public override string ToString() => $"{Cosine,6:0.000}  « {A} » ~ « {B} »";
}

/// <summary>Helpers around embedding generators: their store key, and a quick similarity table.</summary>
public static class Embedders
{
    /// <summary>
    /// Embeds the texts and returns the cosine of every pair, most similar first (a first look at embeddings).
    /// </summary>
    public static async Task<IReadOnlyList<SimilarityRow>> CompareAsync(
        IEmbeddingGenerator<string, Embedding<float>> generator, params string[] texts)
    {
        var embeddings = await generator.GenerateAsync(texts).ConfigureAwait(false);
        var rows = new List<SimilarityRow>();
        for (var i = 0; i < texts.Length; i++)
            for (var j = i + 1; j < texts.Length; j++)
                rows.Add(new SimilarityRow(texts[i], texts[j],
                    Vectors.Cosine(embeddings[i].Vector.Span, embeddings[j].Vector.Span)));
        return rows.OrderByDescending(r => r.Cosine).ToList();
    }

    /// <summary>
    /// <c>provider/model</c> from the generator's metadata, e.g. <c>ollama/nextfire/paraphrase-multilingual-minilm</c>.
    /// </summary>
    public static string IdOf(IEmbeddingGenerator<string, Embedding<float>> generator)
    {
        var meta = generator.GetService<EmbeddingGeneratorMetadata>();
        return $"{meta?.ProviderName ?? generator.GetType().Name}/{meta?.DefaultModelId ?? "default"}";
    }
}
