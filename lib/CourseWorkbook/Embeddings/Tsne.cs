using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics.Tensors;

namespace CourseWorkbook.Embeddings;

/// <summary>How t-SNE places its points before the first iteration.</summary>
public enum TsneInit
{
    /// <summary>A small seeded Gaussian (σ = 1e-4), like sklearn's init="random".</summary>
    Random,

    /// <summary>
    /// The top two axes of classical MDS on the distance matrix (PCA of the points the distances describe),
    /// scaled so the first axis has σ = 1e-4. Keeps the global layout; deterministic up to no seed at all.
    /// </summary>
    Pca,
}

/// <summary>
/// Settings of <see cref="Tsne"/>; the defaults are sklearn's TSNE(method="exact") schedule: 1,000 iterations, the
/// first 250 with P exaggerated 12× and momentum 0.5, then momentum 0.8.
/// </summary>
/// <param name="Perplexity">Effective number of neighbours each point "sees"; must be below n − 1. Small sets need
/// small values (5 for 20 sentences).</param>
/// <param name="LearningRate">Step size; null means sklearn's "auto": max(n / EarlyExaggeration / 4, 50). van der
/// Maaten's reference uses a fixed 200.</param>
/// <param name="Init">Initial layout.</param>
/// <param name="Seed">Seed of the random initial layout.</param>
/// <param name="Components">Dimension of the output (2 for a plot).</param>
/// <param name="MaxIterations">Total gradient steps, exaggeration phase included.</param>
/// <param name="EarlyExaggeration">Factor on P during the first phase, which lets clusters form and move apart.</param>
/// <param name="ExaggerationIterations">Length of the first phase.</param>
/// <param name="InitialMomentum">Momentum of the first phase.</param>
/// <param name="FinalMomentum">Momentum after it.</param>
/// <param name="MinGain">Lower bound of the per-coordinate gains (delta-bar-delta).</param>
/// <param name="MinGradNorm">Stop when the gradient norm falls below this (checked every 50 iterations).</param>
/// <param name="IterationsWithoutProgress">Stop when the KL divergence has not improved for this many iterations
/// (checked every 50).</param>
/// <param name="Threads">Rows computed in parallel; null = all cores.</param>
public sealed record TsneOptions(
    double Perplexity = 30,
    double? LearningRate = null,
    TsneInit Init = TsneInit.Random,
    int Seed = 0,
    int Components = 2,
    int MaxIterations = 1000,
    double EarlyExaggeration = 12,
    int ExaggerationIterations = 250,
    double InitialMomentum = 0.5,
    double FinalMomentum = 0.8,
    double MinGain = 0.01,
    double MinGradNorm = 1e-7,
    int IterationsWithoutProgress = 300,
    int? Threads = null);

/// <summary>A t-SNE layout with the final KL(P‖Q), computed exactly at the returned positions.</summary>
/// <param name="Embedding">One row of <see cref="TsneOptions.Components"/> coordinates per input point.</param>
/// <param name="KlDivergence">KL(P‖Q) of the final layout (nats); lower is a more faithful layout.</param>
/// <param name="Iterations">Gradient steps taken (fewer than the maximum if a stopping rule fired).</param>
/// <param name="LearningRate">The learning rate used (resolved from "auto").</param>
/// <param name="Elapsed">Wall-clock time of the fit.</param>
public sealed record TsneResult(float[][] Embedding, double KlDivergence, int Iterations, double LearningRate,
    TimeSpan Elapsed);

/// <summary>The input affinities of t-SNE: conditional P(j|i) per row, their precision β_i, and the joint P.</summary>
/// <param name="Conditional">P(j|i) = exp(−β_i d_ij²) / Σ_k
/// exp(−β_i d_ik²); each row sums to 1, the diagonal is 0.</param>
/// <param name="Betas">β_i = 1 / (2σ_i²) found by binary search so that row i's entropy is log(perplexity).</param>
/// <param name="Joint">P_ij = (P(j|i) + P(i|j)) / 2n: symmetric, sums to 1 (off-diagonal entries floored at 2.2e-16 as
/// in sklearn).</param>
public sealed record TsneAffinities(double[][] Conditional, double[] Betas, double[][] Joint);

/// <summary>
/// Exact t-SNE (van der Maaten &amp; Hinton 2008) on a precomputed distance matrix: Gaussian input affinities
/// calibrated to a perplexity, Student-t output affinities, gradient descent on KL(P‖Q) with momentum and gains.
/// O(n²) per iteration, vectorised with TensorPrimitives and parallel over rows: fine up to a few thousand points.
/// </summary>
/// <remarks>
/// The input is a matrix of distances (not squared): like sklearn's metric="precomputed", the Gaussian kernel is
/// exp(−β_i d_ij²). Any distance works (cosine, Euclidean); only its ranks and relative sizes matter.
/// </remarks>
public static class Tsne
{
    const double MachineEpsilon = 2.220446049250313e-16;
    const int CheckEvery = 50;

    /// <summary>Runs t-SNE on an [n × n] symmetric distance matrix and returns the layout.</summary>
    public static TsneResult Fit(IReadOnlyList<float[]> distances, TsneOptions? options = null)
    {
        options ??= new TsneOptions();
        if (options.Components < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "Components must be at least 1");
        if (options.MaxIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "MaxIterations must be at least 1");
        var watch = Stopwatch.StartNew();
        int n = distances.Count;
        var affinities = Affinities(distances, options.Perplexity);
        double learningRate = options.LearningRate ?? Math.Max(n / options.EarlyExaggeration / 4, 50);

        // P as one flat float matrix, the layout the vectorised gradient reads row by row.
        var p = new float[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) p[i * n + j] = i == j ? 0f : (float)affinities.Joint[i][j];

        var y = InitialLayout(distances, options);   // y[c][i]: coordinate c of point i
        var state = new Gradient(n, options.Components, options.Threads ?? Environment.ProcessorCount);

        int iterations = 0;
        TsneStage(state, p, y, options.EarlyExaggeration, options.InitialMomentum, learningRate, 0,
            Math.Min(options.ExaggerationIterations, options.MaxIterations), options.ExaggerationIterations,
            options, ref iterations);
        if (options.MaxIterations > options.ExaggerationIterations)
            TsneStage(state, p, y, 1.0, options.FinalMomentum, learningRate, iterations, options.MaxIterations,
                options.IterationsWithoutProgress, options, ref iterations);

        double kl = KlDivergence(affinities.Joint, y);
        var embedding = Enumerable.Range(0, n)
            .Select(i => Enumerable.Range(0, options.Components).Select(c => y[c][i]).ToArray()).ToArray();
        return new TsneResult(embedding, kl, iterations, learningRate, watch.Elapsed);
    }

    /// <summary>
    /// Calibrates each row's Gaussian to the perplexity (binary search on β_i until the entropy of P(·|i) is
    /// log(perplexity) to 1e-10) and symmetrises: P_ij = (P(j|i) + P(i|j)) / 2n.
    /// </summary>
    public static TsneAffinities Affinities(IReadOnlyList<float[]> distances, double perplexity)
    {
        int n = distances.Count;
        Validate(distances);
        if (n < 3) throw new ArgumentException("t-SNE needs at least 3 points");
        if (!(perplexity > 1 && perplexity <= n - 1))
            throw new ArgumentOutOfRangeException(nameof(perplexity),
                $"perplexity must be in (1, n − 1 = {n - 1}], got {perplexity}");

        var conditional = new double[n][];
        var betas = new double[n];
        double target = Math.Log(perplexity);
        Parallel.For(0, n, i => (conditional[i], betas[i]) = CalibrateRow(distances[i], i, target));

        var joint = new double[n][];
        for (int i = 0; i < n; i++) joint[i] = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) sum += conditional[i][j] + conditional[j][i];
        sum = Math.Max(sum, MachineEpsilon);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                joint[i][j] = i == j ? 0 : Math.Max((conditional[i][j] + conditional[j][i]) / sum, MachineEpsilon);
        return new TsneAffinities(conditional, betas, joint);
    }

    /// <summary>Entropy H = −Σ_j p_j ln p_j (nats) of one row; t-SNE's perplexity is exp(H).</summary>
    public static double Entropy(IReadOnlyList<double> row) => -row.Where(v => v > 0).Sum(v => v * Math.Log(v));

    /// <summary>
    /// KL(P‖Q) = Σ P_ij ln(P_ij / Q_ij) of a layout, with Q the normalised Student-t affinities of its points.
    /// </summary>
    public static double KlDivergence(double[][] joint, IReadOnlyList<float[]> embedding)
    {
        int n = embedding.Count, d = n == 0 ? 0 : embedding[0].Length;
        var y = Enumerable.Range(0, d).Select(c => embedding.Select(r => r[c]).ToArray()).ToArray();
        return KlDivergence(joint, y);
    }

    // ---- the optimisation ----

    /// <summary>
    /// One phase of gradient descent (sklearn's _gradient_descent): fresh update and gains, fixed momentum.
    /// </summary>
    static void TsneStage(Gradient g, float[] p, float[][] y, double exaggeration, double momentum, double learningRate,
        int start, int end, int withoutProgress, TsneOptions o, ref int iterations)
    {
        int n = y[0].Length, d = y.Length;
        var update = new float[d][];
        var gains = new float[d][];
        for (int c = 0; c < d; c++)
        {
            update[c] = new float[n];
            gains[c] = new float[n];
            Array.Fill(gains[c], 1f);
        }
        if (exaggeration != 1.0) TensorPrimitives.Multiply(p, (float)exaggeration, p);
        try
        {
            double best = double.MaxValue;
            int bestIteration = start;
            for (int it = start; it < end; it++)
            {
                bool check = (it + 1) % CheckEvery == 0;
                double kl = g.Compute(p, y, check);
                double norm2 = 0;
                for (int c = 0; c < d; c++)
                {
                    var grad = g.Grad[c];
                    for (int i = 0; i < n; i++)
                    {
                        // delta-bar-delta: grow the gain where the gradient keeps its sign relative to the step, shrink
                        // it where it flips.
                        gains[c][i] = update[c][i] * grad[i] < 0 ? gains[c][i] + 0.2f : gains[c][i] * 0.8f;
                        if (gains[c][i] < o.MinGain) gains[c][i] = (float)o.MinGain;
                        grad[i] *= gains[c][i];
                        norm2 += (double)grad[i] * grad[i];
                        update[c][i] = (float)(momentum * update[c][i] - learningRate * grad[i]);
                        y[c][i] += update[c][i];
                    }
                }
                iterations = it + 1;
                if (!check) continue;
                if (kl < best) { best = kl; bestIteration = it; }
                else if (it - bestIteration > withoutProgress) break;
                if (Math.Sqrt(norm2) <= o.MinGradNorm) break;
            }
        }
        finally
        {
            if (exaggeration != 1.0) TensorPrimitives.Divide(p, (float)exaggeration, p);
        }
    }

    /// <summary>
    /// The exact gradient ∂KL/∂y_i = 4 Σ_j (p_ij − q_ij) w_ij (y_i − y_j) with w_ij = 1/(1 + ‖y_i − y_j‖²) and
    /// q_ij = w_ij / Z, computed a row at a time over contiguous spans (two passes: w and Z, then the gradient).
    /// </summary>
    sealed class Gradient(int n, int d, int threads)
    {
        readonly float[] w = new float[n * n];
        readonly double[] rowSums = new double[n];
        readonly double[] rowKl = new double[n];
        readonly OrderablePartitioner<Tuple<int, int>> rows = Partitioner.Create(0, n,
            Math.Max(16, n / (4 * Math.Max(1, threads))));
        readonly ParallelOptions parallel = new() { MaxDegreeOfParallelism = Math.Max(1, threads) };
        public readonly float[][] Grad = Enumerable.Range(0, d).Select(_ => new float[n]).ToArray();

        /// <summary>
        /// Fills <see cref="Grad"/>; returns KL(P‖Q) of the current (possibly exaggerated) P when asked, else NaN.
        /// </summary>
        public double Compute(float[] p, float[][] y, bool withKl)
        {
            Parallel.ForEach(rows, parallel, range =>
            {
                var tmp = new float[n];
                for (int i = range.Item1; i < range.Item2; i++)
                {
                    var wi = w.AsSpan(i * n, n);
                    wi.Clear();
                    for (int c = 0; c < d; c++)
                    {
                        TensorPrimitives.Subtract(y[c], y[c][i], tmp);
                        TensorPrimitives.FusedMultiplyAdd(tmp, tmp, wi, wi);         // ‖y_i − y_j‖²
                    }
                    TensorPrimitives.Add(wi, 1f, wi);
                    TensorPrimitives.Reciprocal(wi, wi);                              // w_ij = 1/(1 + ‖y_i − y_j‖²)
                    wi[i] = 0f;
                    rowSums[i] = TensorPrimitives.Sum(wi);
                }
            });
            double z = 0;
            for (int i = 0; i < n; i++) z += rowSums[i];
            float minusInvZ = (float)(-1.0 / z);

            Parallel.ForEach(rows, parallel, range =>
            {
                var m = new float[n];
                for (int i = range.Item1; i < range.Item2; i++)
                {
                    var wi = w.AsSpan(i * n, n);
                    var pi = p.AsSpan(i * n, n);
                    if (withKl) rowKl[i] = RowKl(pi, wi, z, i, m);
                    TensorPrimitives.MultiplyAdd(wi, minusInvZ, pi, m);              // p_ij − q_ij
                    TensorPrimitives.Multiply(m, wi, m);                              // (p_ij − q_ij) w_ij
                    float total = TensorPrimitives.Sum(m);
                    for (int c = 0; c < d; c++)
                        Grad[c][i] = 4f * (y[c][i] * total - TensorPrimitives.Dot(m, y[c]));
                }
            });
            if (!withKl) return double.NaN;
            double kl = 0;
            for (int i = 0; i < n; i++) kl += rowKl[i];
            return kl;
        }

        /// <summary>
        /// Σ_j p_ij ln(p_ij / q_ij) for one row, vectorised (float precision: it only steers the stopping rule).
        /// </summary>
        static double RowKl(ReadOnlySpan<float> pi, ReadOnlySpan<float> wi, double z, int i, Span<float> scratch)
        {
            TensorPrimitives.Multiply(wi, (float)(1.0 / z), scratch);
            TensorPrimitives.Max(scratch, (float)MachineEpsilon, scratch);    // q_ij, floored as in sklearn
            TensorPrimitives.Divide(pi, scratch, scratch);
            scratch[i] = 1f;                                                    // p_ii = 0 contributes nothing
            TensorPrimitives.Max(scratch, float.Epsilon, scratch);
            TensorPrimitives.Log(scratch, scratch);
            return TensorPrimitives.Dot(pi, scratch);
        }
    }

    static double KlDivergence(double[][] joint, float[][] y)
    {
        int n = joint.Length, d = y.Length;
        var w = new double[n][];
        double z = 0;
        for (int i = 0; i < n; i++)
        {
            w[i] = new double[n];
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                double s = 0;
                for (int c = 0; c < d; c++) { double diff = (double)y[c][i] - y[c][j]; s += diff * diff; }
                w[i][j] = 1.0 / (1.0 + s);
                z += w[i][j];
            }
        }
        double kl = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j || joint[i][j] <= 0) continue;
                kl += joint[i][j] * Math.Log(joint[i][j] / Math.Max(w[i][j] / z, MachineEpsilon));
            }
        return kl;
    }

    // ---- affinities ----

    /// <summary>
    /// sklearn's _binary_search_perplexity for one row (on squared distances), shifted by the row's smallest one so exp
    /// never underflows.
    /// </summary>
    static (double[] Row, double Beta) CalibrateRow(float[] distances, int self, double targetEntropy)
    {
        int n = distances.Length;
        var sq = new double[n];
        double sqMin = double.MaxValue;
        for (int j = 0; j < n; j++)
        {
            sq[j] = (double)distances[j] * distances[j];
            if (j != self) sqMin = Math.Min(sqMin, sq[j]);
        }
        for (int j = 0; j < n; j++) sq[j] -= sqMin;
        var row = new double[n];
        double beta = 1, betaMin = double.NegativeInfinity, betaMax = double.PositiveInfinity;
        for (int step = 0; step < 200; step++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                row[j] = j == self ? 0 : Math.Exp(-sq[j] * beta);
                sum += row[j];
            }
            double weighted = 0;
            for (int j = 0; j < n; j++)
            {
                row[j] /= sum;
                weighted += sq[j] * row[j];
            }
            double entropy = Math.Log(sum) + beta * weighted;       // H = ln Σ e^{−βd²} + β E[d²]
            double diff = entropy - targetEntropy;
            if (Math.Abs(diff) <= 1e-10) break;
            if (diff > 0)
            {
                betaMin = beta;                                       // too flat: sharpen
                beta = double.IsPositiveInfinity(betaMax) ? beta * 2 : (beta + betaMax) / 2;
            }
            else
            {
                betaMax = beta;                                       // too peaked: widen
                beta = double.IsNegativeInfinity(betaMin) ? beta / 2 : (beta + betaMin) / 2;
            }
        }
        return (row, beta);
    }

    static void Validate(IReadOnlyList<float[]> distances)
    {
        int n = distances.Count;
        for (int i = 0; i < n; i++)
        {
            if (distances[i].Length != n)
                throw new ArgumentException(
                    $"the distance matrix must be square: row {i} has {distances[i].Length} entries, not {n}");
            for (int j = 0; j < n; j++)
            {
                float v = distances[i][j];
                if (!float.IsFinite(v) || v < 0)
                    throw new ArgumentException($"distance [{i},{j}] = {v} is not a finite non-negative number");
            }
        }
    }

    // ---- initial layout ----

    static float[][] InitialLayout(IReadOnlyList<float[]> distances, TsneOptions o)
    {
        int n = distances.Count, d = o.Components;
        var y = new float[d][];
        if (o.Init == TsneInit.Random)
        {
            var rng = new Random(o.Seed);
            for (int c = 0; c < d; c++) y[c] = new float[n];
            for (int i = 0; i < n; i++)
                for (int c = 0; c < d; c++) y[c][i] = (float)(1e-4 * Gaussian(rng));
            return y;
        }
        var axes = ClassicalMds(distances, d);
        double std0 = StandardDeviation(axes[0]);
        for (int c = 0; c < d; c++)
            y[c] = axes[c].Select(v => (float)(std0 > 0 ? v / std0 * 1e-4 : 0)).ToArray();
        return y;
    }

    /// <summary>
    /// Classical MDS: the top eigenvectors of B = −½ J D² J (J centres), scaled by √λ; for Euclidean distances these
    /// are the PCA coordinates of the points. Block power
    /// iteration on B + sI (s a Gershgorin bound) finds the largest eigenvalues even when B is not positive.
    /// </summary>
    static double[][] ClassicalMds(IReadOnlyList<float[]> distances, int components)
    {
        int n = distances.Count;
        var rowMean = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) rowMean[i] += Squared(distances, i, j);
            total += rowMean[i];
            rowMean[i] /= n;
        }
        total /= (double)n * n;
        var b = new double[n][];
        double shift = 0;
        for (int i = 0; i < n; i++)
        {
            b[i] = new double[n];
            for (int j = 0; j < n; j++)
                b[i][j] = -0.5 * (Squared(distances, i, j) - rowMean[i] - rowMean[j] + total);
            shift = Math.Max(shift, b[i].Sum(Math.Abs));
        }
        for (int i = 0; i < n; i++) b[i][i] += shift;

        var rng = new Random(12345);
        var v = Enumerable.Range(0, components).Select(_ => Enumerable.Range(0, n).Select(_ => Gaussian(rng)).ToArray())
            .ToArray();
        var eigen = new double[components];
        for (int iteration = 0; iteration < 300; iteration++)
        {
            for (int c = 0; c < components; c++)
            {
                var next = new double[n];
                for (int i = 0; i < n; i++) next[i] = TensorPrimitives.Dot<double>(b[i], v[c]);
                for (int k = 0; k < c; k++)                         // Gram–Schmidt against the axes found before
                {
                    double proj = TensorPrimitives.Dot<double>(next, v[k]);
                    for (int i = 0; i < n; i++) next[i] -= proj * v[k][i];
                }
                double norm = TensorPrimitives.Norm<double>(next);
                eigen[c] = norm;
                for (int i = 0; i < n; i++) v[c][i] = norm > 0 ? next[i] / norm : 0;
            }
        }
        for (int c = 0; c < components; c++)
        {
            double lambda = Math.Max(eigen[c] - shift, 0);
            int argmax = 0;                                          // sign convention: largest |entry| positive
            for (int i = 1; i < n; i++) if (Math.Abs(v[c][i]) > Math.Abs(v[c][argmax])) argmax = i;
            double sign = v[c][argmax] < 0 ? -1 : 1;
            for (int i = 0; i < n; i++) v[c][i] *= sign * Math.Sqrt(lambda);
        }
        return v;
    }

    static double Squared(IReadOnlyList<float[]> d, int i, int j)
    {
        double v = 0.5 * ((double)d[i][j] + d[j][i]);
        return v * v;
    }

    static double StandardDeviation(double[] x)
    {
        double mean = x.Average();
        return Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / x.Length);
    }

    static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
