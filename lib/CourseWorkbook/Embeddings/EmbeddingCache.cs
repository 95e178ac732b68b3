using System.Diagnostics;

namespace CourseWorkbook.Embeddings;

/// <summary>An embedder that embeds each distinct text once: later calls with texts already seen cost a dictionary
/// look-up. New texts are embedded in batches of similar length (less padding), so a notebook can compare a slow real
/// encoder on every task without paying for the same sentence twice.</summary>
public sealed class EmbeddingCache(string name, Func<IReadOnlyList<string>, float[][]> embed, int batchSize = 64)
{
    readonly Dictionary<string, float[]> vectors = new(StringComparer.Ordinal);
    readonly Stopwatch clock = new();

    /// <summary>The embedder's name (a table row, a published result's prefix).</summary>
    public string Name { get; } = name;
    /// <summary>Distinct texts embedded so far.</summary>
    public int Count => vectors.Count;
    /// <summary>Time spent inside the wrapped embedder.</summary>
    public TimeSpan Elapsed => clock.Elapsed;

    /// <summary>The vectors of <paramref name="texts"/>, in order; only texts never seen are embedded.</summary>
    public float[][] Embed(IReadOnlyList<string> texts)
    {
        var missing = texts.Where(t => !vectors.ContainsKey(t)).Distinct().OrderBy(t => t.Length).ToArray();
        clock.Start();
        try
        {
            foreach (var batch in missing.Chunk(batchSize))
            {
                var rows = embed(batch);
                if (rows.Length != batch.Length)
                    throw new InvalidOperationException($"{Name}: {batch.Length} texts gave {rows.Length} vectors");
                for (int i = 0; i < batch.Length; i++) vectors[batch[i]] = rows[i];
            }
        }
        finally { clock.Stop(); }
        return texts.Select(t => vectors[t]).ToArray();
    }
}
