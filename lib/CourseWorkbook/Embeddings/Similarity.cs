using System.Numerics.Tensors;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace CourseWorkbook.Embeddings;

/// <summary>
/// Similarity between embeddings, on plain float rows (one <c>float[]</c> per sentence): L2 normalisation, cosine
/// similarity and distance matrices, Euclidean distances, and masked mean pooling of token vectors.
/// </summary>
public static class Similarity
{
    /// <summary>A copy of <paramref name="v"/> scaled to unit Euclidean length (a zero vector stays zero).</summary>
    public static float[] L2Normalize(ReadOnlySpan<float> v)
    {
        var result = v.ToArray();
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(result, norm, result);
        return result;
    }

    /// <summary>Every row scaled to unit length: after this, a dot product is a cosine similarity.</summary>
    public static float[][] L2Normalize(IReadOnlyList<float[]> rows) => rows.Select(r => L2Normalize(r)).ToArray();

    /// <summary>Cosine similarity of two vectors, cos θ = a·b / (‖a‖‖b‖); 0 when either vector is zero.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths differ: {a.Length} and {b.Length}");
        float na = TensorPrimitives.Norm(a), nb = TensorPrimitives.Norm(b);
        return na == 0 || nb == 0 ? 0f : TensorPrimitives.Dot(a, b) / (na * nb);
    }

    /// <summary>
    /// The [n × n] matrix of cosine similarities between rows (symmetric, 1 on the diagonal for non-zero rows).
    /// </summary>
    public static float[][] CosineSimilarityMatrix(IReadOnlyList<float[]> rows) => CosineSimilarityMatrix(rows, rows);

    /// <summary>
    /// The [a × b] matrix of cosine similarities between the rows of <paramref name="a"/> and of <paramref name="b"/>.
    /// </summary>
    public static float[][] CosineSimilarityMatrix(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        var na = L2Normalize(a);
        var nb = ReferenceEquals(a, b) ? na : L2Normalize(b);
        CheckSameDimension(na, nb);
        var result = new float[na.Length][];
        Parallel.For(0, na.Length, i =>
        {
            var row = new float[nb.Length];
            for (int j = 0; j < nb.Length; j++) row[j] = Math.Clamp(TensorPrimitives.Dot(na[i], nb[j]), -1f, 1f);
            result[i] = row;
        });
        // Exact symmetry and an exact diagonal, whatever the rounding of the dot products.
        if (ReferenceEquals(a, b))
            for (int i = 0; i < na.Length; i++)
            {
                if (TensorPrimitives.Norm(a[i]) > 0) result[i][i] = 1f;
                for (int j = 0; j < i; j++) result[i][j] = result[j][i];
            }
        return result;
    }

    /// <summary>Cosine distances 1 − cos θ between rows: 0 for the same direction, 1 orthogonal, 2 opposite.</summary>
    public static float[][] CosineDistanceMatrix(IReadOnlyList<float[]> rows)
    {
        var d = CosineSimilarityMatrix(rows);
        foreach (var row in d)
        {
            TensorPrimitives.Negate(row, row);
            TensorPrimitives.Add(row, 1f, row);
        }
        for (int i = 0; i < d.Length; i++) d[i][i] = 0f;
        return d;
    }

    /// <summary>Euclidean distances ‖x_i − x_j‖ between rows (symmetric, zero diagonal).</summary>
    public static float[][] EuclideanDistanceMatrix(IReadOnlyList<float[]> rows)
    {
        CheckSameDimension(rows, rows);
        int n = rows.Count;
        var result = new float[n][];
        for (int i = 0; i < n; i++) result[i] = new float[n];
        Parallel.For(0, n, i =>
        {
            for (int j = i + 1; j < n; j++) result[i][j] = TensorPrimitives.Distance(rows[i], rows[j]);
        });
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++) result[i][j] = result[j][i];
        return result;
    }

    /// <summary>
    /// Mean pooling of one sentence's token vectors [tokens × dim], counting only the tokens whose mask is non-zero
    /// (padding has mask 0). This is how a BERT encoder's per-token outputs become one sentence embedding.
    /// </summary>
    public static float[] MeanPool(IReadOnlyList<float[]> tokenVectors, IReadOnlyList<int> attentionMask)
    {
        if (tokenVectors.Count != attentionMask.Count)
            throw new ArgumentException($"{tokenVectors.Count} token vectors but {attentionMask.Count} mask entries");
        if (tokenVectors.Count == 0) throw new ArgumentException("no tokens to pool");
        var sum = new float[tokenVectors[0].Length];
        int count = 0;
        for (int t = 0; t < tokenVectors.Count; t++)
        {
            if (attentionMask[t] == 0) continue;
            if (tokenVectors[t].Length != sum.Length)
                throw new ArgumentException($"token {t} has dimension {tokenVectors[t].Length}, not {sum.Length}");
            TensorPrimitives.Add(sum, tokenVectors[t], sum);
            count++;
        }
        if (count == 0) throw new ArgumentException("the attention mask selects no token");
        TensorPrimitives.Divide(sum, count, sum);
        return sum;
    }

    /// <summary>
    /// Masked mean pooling of a batch: hidden states [batch, tokens, dim] and mask [batch, tokens] (1 = real token,
    /// 0 = padding) give [batch, dim], each row the mean of its real tokens only.
    /// </summary>
    public static Tensor MeanPool(Tensor hiddenStates, Tensor attentionMask)
    {
        if (hiddenStates.dim() != 3 || attentionMask.dim() != 2)
            throw new ArgumentException("expected hidden states [batch, tokens, dim] and a mask [batch, tokens]");
        using var scope = NewDisposeScope();
        var mask = attentionMask.to_type(hiddenStates.dtype).unsqueeze(-1);                      // [batch, tokens, 1]
        var summed = (hiddenStates * mask).sum(1);                                               // [batch, dim]
        var counts = mask.sum(1).clamp_min(1e-9);                                                // [batch, 1]
        return (summed / counts).MoveToOuterDisposeScope();
    }

    /// <summary>Converts a [n, dim] tensor to float rows, the form every other helper here takes.</summary>
    public static float[][] ToRows(Tensor matrix)
    {
        if (matrix.dim() != 2) throw new ArgumentException("expected a [n, dim] tensor");
        using var cpu = matrix.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var flat = cpu.data<float>().ToArray();
        int n = (int)matrix.shape[0], d = (int)matrix.shape[1];
        return Enumerable.Range(0, n).Select(i => flat.AsSpan(i * d, d).ToArray()).ToArray();
    }

    static void CheckSameDimension(IReadOnlyList<float[]> a, IReadOnlyList<float[]> b)
    {
        int d = a.Count > 0 ? a[0].Length : b.Count > 0 ? b[0].Length : 0;
        foreach (var r in a.Concat(b))
            if (r.Length != d) throw new ArgumentException($"rows have different dimensions ({r.Length} and {d})");
    }
}
