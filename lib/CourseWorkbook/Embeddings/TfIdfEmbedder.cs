using System.Numerics.Tensors;
using System.Text.RegularExpressions;

namespace CourseWorkbook.Embeddings;

/// <summary>
/// The lexical baseline: a TF-IDF bag of words, L2-normalised, so cosine similarity counts shared (rare) words. It
/// needs no weights, and it fails exactly where meaning is not in the word list: "The dog bit the man" and "The man
/// bit the dog" get the same vector, and paraphrases with different words look unrelated.
/// </summary>
public sealed partial class TfIdfEmbedder
{
    readonly Dictionary<string, int> index;
    readonly float[] idf;

    TfIdfEmbedder(Dictionary<string, int> index, float[] idf) => (this.index, this.idf) = (index, idf);

    /// <summary>The vocabulary, in column order.</summary>
    public IReadOnlyList<string> Vocabulary => index.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();

    /// <summary>Dimension of the vectors (the vocabulary size).</summary>
    public int Dimension => idf.Length;

    /// <summary>
    /// Learns the vocabulary and idf(t) = ln((1 + n) / (1 + df(t))) + 1 (sklearn's smoothed idf) from the corpus, which
    /// should be training text only.
    /// </summary>
    public static TfIdfEmbedder Fit(IEnumerable<string> corpus)
    {
        var documents = corpus.Select(d => Tokenize(d).Distinct().ToArray()).ToArray();
        var df = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var doc in documents)
            foreach (var t in doc) df[t] = df.GetValueOrDefault(t) + 1;
        var index = new Dictionary<string, int>();
        var idf = new float[df.Count];
        foreach (var (term, count) in df)
        {
            idf[index.Count] = (float)(Math.Log((1.0 + documents.Length) / (1.0 + count)) + 1.0);
            index[term] = index.Count;
        }
        return new TfIdfEmbedder(index, idf);
    }

    /// <summary>
    /// The unit-length TF-IDF vector of a text (raw term counts × idf); words never seen in training are ignored.
    /// </summary>
    public float[] Embed(string text)
    {
        var v = new float[idf.Length];
        foreach (var t in Tokenize(text))
            if (index.TryGetValue(t, out int k)) v[k] += idf[k];
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
        return v;
    }

    /// <summary>One vector per text.</summary>
    public float[][] Embed(IEnumerable<string> texts) => texts.Select(Embed).ToArray();

    /// <summary>
    /// Lower-cased word tokens: runs of letters or digits, keeping inner apostrophes and hyphens ("don't", "e-mail").
    /// </summary>
    public static IReadOnlyList<string> Tokenize(string text) =>
        Word().Matches(text.ToLowerInvariant().Replace('’', '\'')).Select(m => m.Value).ToArray();

    [GeneratedRegex(@"[\p{L}\p{N}]+(?:['\-][\p{L}\p{N}]+)*")]
    private static partial Regex Word();
}
