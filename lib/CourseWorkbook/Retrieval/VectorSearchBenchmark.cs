using System.Diagnostics;

namespace CourseWorkbook.Retrieval;

/// <summary>Latency of brute-force top-k over N random unit vectors.</summary>
/// <param name="Vectors">N, the number of stored vectors.</param>
/// <param name="Dimensions">Vector length.</param>
/// <param name="MedianMs">Median time of one query (all N dot products + top-k selection).</param>
/// <param name="P90Ms">90th percentile time of one query.</param>
/// <param name="MatrixMb">Memory the vectors take (float32).</param>
/// <param name="Queries">Number of timed queries (fewer than asked when the time budget ran out).</param>
public sealed record SearchLatency(int Vectors, int Dimensions, double MedianMs, double P90Ms, double MatrixMb,
    int Queries = 0)
{
    /// <summary>One line: N × dims, median and p90 in ms, memory.</summary>
    public override string ToString() =>
        $"{Vectors,9:N0} × {Dimensions}: median {MedianMs,7:0.000} ms, p90 {P90Ms,7:0.000} ms, "
        + $"{MatrixMb,7:0.0} MB ({Queries} queries)";
}

/// <summary>
/// Measures what brute-force cosine search costs, to see when a real vector index is needed. The cost is one dot
/// product per stored vector: linear in N and in the dimension, and memory-bound once the matrix outgrows the CPU
/// caches (each query reads all N × 384 × 4 bytes).
/// <para>Measured on the course machine (2 cores shared with other builds, load average 9–10; one thread;
/// 384 dims; top-10; median and p90 of 50 queries after warm-up):</para>
/// <code>
///         N     median      p90     memory
///     1 000    0.06 ms   0.07 ms     1.5 MB
///    10 000    0.62 ms   1.7 ms      15 MB
///   100 000   12.0 ms   12.5 ms     147 MB
///   300 000   27.6 ms   28.6 ms     440 MB
/// 1 000 000    123 ms    135 ms     1.5 GB
/// </code>
/// <para>
/// So brute force is the right tool for this practical (661 headlines: microseconds) and stays interactive up to
/// about 100 000 vectors. Around a million vectors a query costs over 0.1 s and 1.5 GB of RAM, and an approximate
/// nearest-neighbour index (HNSW, IVF-PQ as in FAISS, or a vector database) becomes necessary — earlier when many
/// queries a second must be served, since every query scans everything.
/// </para>
/// </summary>
public static class VectorSearchBenchmark
{
    /// <summary>
    /// For each N: fills N × dims random unit vectors (seeded), runs warm-up queries (30, or at least 300 ms when they
    /// are fast), then times <paramref name="queries"/> top-k queries. Each size stops early when its
    /// <paramref name="budget"/> (default 2 s: warm-up up to a third of it, then the timed queries, at least 5) is
    /// spent, so a slow machine, or code the JIT has not optimised yet, cannot turn a notebook cell into minutes.
    /// </summary>
    public static IReadOnlyList<SearchLatency> Run(IEnumerable<int> sizes, int dimensions = 384, int queries = 50,
        int k = 10, int seed = 42, TimeSpan? budget = null)
    {
        var perSize = budget ?? TimeSpan.FromSeconds(2);
        var results = new List<SearchLatency>();
        foreach (var n in sizes)
        {
            var random = new Random(seed);
            var matrix = new float[(long)n * dimensions <= int.MaxValue ? n * dimensions
                : throw new ArgumentException($"{n} × {dimensions} is too large")];
            for (var r = 0; r < n; r++) RandomUnit(random, matrix.AsSpan(r * dimensions, dimensions));
            var query = new float[dimensions];
            // Warm-up: 30 calls, or 300 ms when they are fast, so the
            // JIT has promoted the search loop to optimised code.
            var spent = Stopwatch.StartNew();
            for (var i = 0; (i < 30 || (spent.ElapsedMilliseconds < 300 && i < 5000))
                && (i < 3 || spent.Elapsed < perSize / 3); i++)
            {
                RandomUnit(random, query);
                TopK.Cosine(matrix, dimensions, query, k);
            }
            var times = new List<double>();
            for (var i = 0; i < queries && (i < 5 || spent.Elapsed < perSize); i++)
            {
                RandomUnit(random, query);
                var clock = Stopwatch.StartNew();
                var top = TopK.Cosine(matrix, dimensions, query, k);
                clock.Stop();
                if (top.Length != Math.Min(k, n))
                    throw new InvalidOperationException("benchmark returned the wrong number of hits");
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            results.Add(new SearchLatency(n, dimensions, Percentile(times, 0.5), Percentile(times, 0.9),
                matrix.Length * 4.0 / (1 << 20), times.Count));
        }
        return results;
    }

    /// <summary>
    /// False when this library was built without JIT optimisations (a Debug build): its loops then run several
    /// times slower (measured: 107 ms instead of 12 ms per query over 100 000 vectors), and timings say little.
    /// </summary>
    public static bool LibraryIsOptimised { get; } =
        typeof(VectorSearchBenchmark).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false)
            .OfType<DebuggableAttribute>().All(a => !a.IsJITOptimizerDisabled);

    private static void RandomUnit(Random random, Span<float> v)
    {
        for (var j = 0; j < v.Length; j++) v[j] = random.NextSingle() * 2 - 1;
        Vectors.Normalize(v);
    }

    private static double Percentile(List<double> sorted, double p)
    {
        var position = p * (sorted.Count - 1);
        int lo = (int)Math.Floor(position), hi = (int)Math.Ceiling(position);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
    }
}
