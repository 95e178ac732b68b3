using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CourseWorkbook.Retrieval;

/// <summary>Partial selection of the k best scores, and brute-force cosine search over a row-major matrix.</summary>
public static class TopK
{
    /// <summary>
    /// Indices of the k largest scores, best first (ties: lower index first). Uses a size-k min-heap, so it costs
    /// O(n log k) instead of the O(n log n) of a full sort. Indices the filter rejects are skipped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot loop: optimised code from the first call
    public static (int Index, float Score)[] Select(ReadOnlySpan<float> scores, int k, Func<int, bool>? include = null)
    {
        if (k <= 0) return [];
        var heap = new PriorityQueue<int, (float Score, int Index)>(k + 1, WorstFirst.Instance);
        var threshold = float.NegativeInfinity; // score of the worst kept entry, once the heap is full
        for (var i = 0; i < scores.Length; i++)
        {
            // Indices grow, so an equal score never beats a kept entry: only a strictly higher score enters.
            if (heap.Count == k && !(scores[i] > threshold)) continue;
            if (include is not null && !include(i)) continue;
            if (heap.Count < k) heap.Enqueue(i, (scores[i], i));
            else heap.EnqueueDequeue(i, (scores[i], i));
            if (heap.Count == k) threshold = PeekPriority(heap).Item1;
        }
        var result = new (int, float)[heap.Count];
        for (var r = result.Length - 1; r >= 0; r--)
        {
            heap.TryDequeue(out var index, out var p);
            result[r] = (index, p.Score);
        }
        return result;
    }

    /// <summary>
    /// Brute-force cosine top-k: <paramref name="matrix"/> holds <c>rows × dims</c> L2-normalised vectors, so the
    /// cosine is a dot product, computed with SIMD vectors (<see cref="Vector{T}"/>: 8 floats at a time with AVX2).
    /// <para>
    /// The dot product is written here rather than calling <c>TensorPrimitives.Dot</c> once per row: under a host
    /// that compiles a lot of code (the notebook runner, a Polyglot kernel) the JIT can take many seconds to optimise
    /// a method of another assembly, and until then each of those calls runs unoptimised code (measured: 80–180 ms
    /// instead of 10 ms per query over 100 000 vectors). Marked AggressiveOptimization, this loop is optimised from
    /// its first call — in an optimised build of the library (a Debug build disables every optimisation).
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (int Index, float Score)[] Cosine(ReadOnlySpan<float> matrix, int dims, ReadOnlySpan<float> query,
        int k, Func<int, bool>? include = null)
    {
        if (query.Length != dims)
            throw new ArgumentException($"query has {query.Length} dimensions, the matrix {dims}");
        var rows = matrix.Length / dims;
        var scores = new float[rows];
        var q = MemoryMarshal.Cast<float, Vector<float>>(query);
        var tail = q.Length * Vector<float>.Count; // first dimension not covered by whole vectors
        for (var r = 0; r < rows; r++)
        {
            if (include is not null && !include(r)) continue;
            var row = matrix.Slice(r * dims, dims);
            var v = MemoryMarshal.Cast<float, Vector<float>>(row);
            var sum = Vector<float>.Zero;
            for (var i = 0; i < q.Length; i++) sum += v[i] * q[i];
            var dot = Vector.Sum(sum);
            for (var i = tail; i < dims; i++) dot += row[i] * query[i];
            scores[r] = dot;
        }
        return Select(scores, k, include);
    }

    private static (float, int) PeekPriority(PriorityQueue<int, (float Score, int Index)> heap)
    {
        heap.TryPeek(out _, out var priority);
        return priority;
    }

    /// <summary>
    /// Orders (score, index) so that the worst entry is the smallest: lower score, then higher index.
    /// </summary>
    private sealed class WorstFirst : IComparer<(float Score, int Index)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Score, int Index) a, (float Score, int Index) b)
        {
            var c = a.Score.CompareTo(b.Score);
            return c != 0 ? c : b.Index.CompareTo(a.Index);
        }
    }
}

/// <summary>Small vector helpers used by the practicals: L2 normalisation and cosine similarity.</summary>
public static class Vectors
{
    /// <summary>Cosine similarity of two vectors of the same length (0 when one of them is zero).</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var norms = TensorPrimitives.Norm(a) * TensorPrimitives.Norm(b);
        return norms == 0 ? 0 : TensorPrimitives.Dot(a, b) / norms;
    }

    /// <summary>Scales the vector to unit L2 norm in place (a zero vector stays zero).</summary>
    public static void Normalize(Span<float> v)
    {
        var norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }

    /// <summary>A unit-norm copy of the vector.</summary>
    public static float[] Normalized(ReadOnlySpan<float> v)
    {
        var copy = v.ToArray();
        Normalize(copy);
        return copy;
    }
}
