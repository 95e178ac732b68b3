using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace CourseWorkbook.Scaling;

/// <summary>One training run of a sweep: N parameters trained on D tokens reached this loss.</summary>
public sealed record RunPoint(double N, double D, double Loss);

/// <summary>The compute-optimal split of a budget: N parameters on D tokens, C = 6·N·D.</summary>
public sealed record ComputeOptimum(double Flops, double Parameters, double Tokens, double Loss)
{
    /// <summary>D / N: Chinchilla's famous ≈ 20.</summary>
    public double TokensPerParameter => Tokens / Parameters;
}

/// <summary>Chinchilla's parametric loss (Hoffmann et al. 2022, approach 3): L(N, D) = E + A/N^α + B/D^β. E is the
/// irreducible loss (the entropy of the text), A/N^α what a finite model costs, B/D^β what finite data costs.</summary>
public sealed record ChinchillaLaw(double E, double A, double B, double Alpha, double Beta)
{
    /// <summary>Hoffmann et al. 2022, the fit published with Chinchilla (their equation 10).</summary>
    public static ChinchillaLaw Hoffmann2022 { get; } = new(1.69, 406.4, 410.7, 0.34, 0.28);

    /// <summary>Besiroglu et al. (Epoch AI) 2024, "Chinchilla Scaling: A replication attempt": the same form
    /// refitted to the data read off Hoffmann et al.'s figure, with a tighter optimiser.</summary>
    public static ChinchillaLaw EpochAi2024 { get; } = new(1.8172, 482.01, 2085.43, 0.3478, 0.3658);

    /// <summary>The predicted loss of N parameters trained on D tokens.</summary>
    public double Loss(double n, double d) => E + A / Math.Pow(n, Alpha) + B / Math.Pow(d, Beta);

    /// <summary>The N and D that minimise L under C = 6·N·D, in closed form (set dL/dN = 0 along D = C/(6N)):
    /// N_opt = G·(C/6)^(β/(α+β)), D_opt = (C/6)^(α/(α+β)) / G, with G = (α·A / (β·B))^(1/(α+β)).</summary>
    public ComputeOptimum ComputeOptimal(double flops)
    {
        double g = Math.Pow(Alpha * A / (Beta * B), 1 / (Alpha + Beta));
        double n = g * Math.Pow(flops / 6, Beta / (Alpha + Beta));
        double d = flops / (6 * n);
        return new ComputeOptimum(flops, n, d, Loss(n, d));
    }

    /// <summary>The law's parameters in the order (E, A, B, α, β).</summary>
    public double[] ToArray() => [E, A, B, Alpha, Beta];

    /// <summary>Names of <see cref="ToArray"/>'s entries.</summary>
    public static IReadOnlyList<string> ParameterNames { get; } = ["E", "A", "B", "alpha", "beta"];
}

/// <summary>A fitted law with the bootstrap's percentile interval of each parameter.</summary>
public sealed record ChinchillaFitResult(ChinchillaLaw Law, double Objective, int StartsConverged,
    IReadOnlyList<double[]> Bootstrap)
{
    /// <summary>The (low, high) percentile interval of parameter <paramref name="index"/> (order of
    /// <see cref="ChinchillaLaw.ToArray"/>) over the bootstrap fits, 95 % by default.</summary>
    public (double Low, double High) Interval(int index, double level = 0.95)
    {
        if (Bootstrap.Count == 0) return (double.NaN, double.NaN);
        var values = Bootstrap.Select(p => p[index]).ToArray();
        return (MathNet.Numerics.Statistics.Statistics.Quantile(values, (1 - level) / 2),
            MathNet.Numerics.Statistics.Statistics.Quantile(values, (1 + level) / 2));
    }
}

/// <summary>
/// Fits L(N, D) = E + A/N^α + B/D^β as Hoffmann et al. did: in log space, log L̂ = LSE(a − α·log N, b − β·log D, e)
/// with A = eᵃ, B = eᵇ, E = eᵉ; the Huber loss (δ = 10⁻³) of log L̂ − log L summed over the runs, so that a few odd
/// runs do not pull the fit; L-BFGS (MathNet) from every point of a grid of starts, keeping the best. Confidence
/// intervals by a residual bootstrap (seeded): keep the runs' N and D, add to the fitted log-loss residuals drawn with
/// replacement, refit. (Resampling whole runs, as Hoffmann et al. did with hundreds of runs, leaves too few distinct
/// points of a small sweep to pin five parameters.)
/// </summary>
public static class ChinchillaFit
{
    /// <summary>Hoffmann et al.'s Huber δ.</summary>
    public const double HuberDelta = 1e-3;

    /// <summary>The grid of starts in (a, b, e, α, β): a smaller copy of Hoffmann et al.'s grid (theirs:
    /// α, β ∈ {0, 0.5, …, 2}, e ∈ {−1, −0.5, …, 1}, a, b ∈ {0, 5, …, 25}).</summary>
    public static IReadOnlyList<double[]> StartGrid { get; } =
        (from a in new[] { 0.0, 5, 10, 15 }
         from b in new[] { 0.0, 5, 10, 15 }
         from e in new[] { -1.0, -0.5, 0, 0.5, 1 }
         from alpha in new[] { 0.2, 0.5, 1.0 }
         from beta in new[] { 0.2, 0.5, 1.0 }
         select new[] { a, b, e, alpha, beta }).ToList();

    /// <summary>The Huber objective at θ = (a, b, e, α, β) and its gradient.</summary>
    public static (double Value, double[] Gradient) Objective(IReadOnlyList<RunPoint> runs, IReadOnlyList<double> theta,
        double delta = HuberDelta)
    {
        double a = theta[0], b = theta[1], e = theta[2], alpha = theta[3], beta = theta[4];
        double value = 0;
        var gradient = new double[5];
        foreach (var run in runs)
        {
            double logN = Math.Log(run.N), logD = Math.Log(run.D);
            double t1 = a - alpha * logN, t2 = b - beta * logD, t3 = e;
            double m = Math.Max(t1, Math.Max(t2, t3));
            double w1 = Math.Exp(t1 - m), w2 = Math.Exp(t2 - m), w3 = Math.Exp(t3 - m), sum = w1 + w2 + w3;
            double r = m + Math.Log(sum) - Math.Log(run.Loss);
            double abs = Math.Abs(r);
            value += abs <= delta ? 0.5 * r * r : delta * (abs - 0.5 * delta);
            double dr = abs <= delta ? r : delta * Math.Sign(r);
            w1 /= sum; w2 /= sum; w3 /= sum;
            gradient[0] += dr * w1;
            gradient[1] += dr * w2;
            gradient[2] += dr * w3;
            gradient[3] -= dr * w1 * logN;
            gradient[4] -= dr * w2 * logD;
        }
        return (value, gradient);
    }

    /// <summary>The law from θ = (a, b, e, α, β).</summary>
    public static ChinchillaLaw FromTheta(IReadOnlyList<double> t) =>
        new(Math.Exp(t[2]), Math.Exp(t[0]), Math.Exp(t[1]), t[3], t[4]);

    /// <summary>θ = (a, b, e, α, β) of a law.</summary>
    public static double[] ToTheta(ChinchillaLaw law) =>
        [Math.Log(law.A), Math.Log(law.B), Math.Log(law.E), law.Alpha, law.Beta];

    /// <summary>Fits the law to the runs from every start of <paramref name="starts"/> (default
    /// <see cref="StartGrid"/>), then, with <paramref name="bootstrapSamples"/> &gt; 0, refits on resampled losses
    /// for the intervals.</summary>
    public static ChinchillaFitResult Fit(IReadOnlyList<RunPoint> runs, int bootstrapSamples = 0, int seed = 42,
        IReadOnlyList<double[]>? starts = null)
    {
        if (runs.Count < 5)
            throw new ArgumentException($"fitting five parameters needs at least 5 runs (got {runs.Count})");
        if (runs.Any(r => !(r.N > 0 && r.D > 0 && r.Loss > 0)))
            throw new ArgumentException("every run needs N > 0, D > 0 and a loss > 0");
        var (best, value, converged) = Minimise(runs, starts ?? StartGrid);
        var samples = new List<double[]>();
        var random = new Random(seed);
        // Each resample starts from the full fit and from a few grid points (a coarse grid: 200 refits stay cheap).
        var bootstrapStarts = new List<double[]> { best };
        bootstrapStarts.AddRange(StartGrid.Where((_, i) => i % 181 == 0));
        var law = FromTheta(best);
        var residuals = runs.Select(r => Math.Log(r.Loss) - Math.Log(law.Loss(r.N, r.D))).ToArray();
        for (int s = 0; s < bootstrapSamples; s++)
        {
            var resample = runs.Select(r => r with
            {
                Loss = law.Loss(r.N, r.D) * Math.Exp(residuals[random.Next(residuals.Length)]),
            }).ToList();
            var (theta, _, ok) = Minimise(resample, bootstrapStarts);
            if (ok > 0) samples.Add(FromTheta(theta).ToArray());
        }
        return new ChinchillaFitResult(FromTheta(best), value, converged, samples);
    }

    static (double[] Theta, double Value, int Converged) Minimise(IReadOnlyList<RunPoint> runs,
        IEnumerable<double[]> starts)
    {
        var objective = ObjectiveFunction.Gradient(t =>
        {
            var (value, gradient) = Objective(runs, t.ToArray());
            return (value, Vector<double>.Build.DenseOfArray(gradient));
        });
        var minimiser = new LimitedMemoryBfgsMinimizer(1e-10, 1e-12, 1e-14, 10, 2000);
        double[]? best = null;
        double bestValue = double.PositiveInfinity;
        int converged = 0;
        foreach (var start in starts)
        {
            double[] theta;
            try
            {
                theta = minimiser.FindMinimum(objective, Vector<double>.Build.DenseOfArray(start))
                    .MinimizingPoint.ToArray();
            }
            catch (Exception ex) when (ex is OptimizationException or ArithmeticException) { continue; }
            double v = Objective(runs, theta).Value;
            if (!double.IsFinite(v) || theta.Any(x => !double.IsFinite(x))) continue;
            converged++;
            if (v < bestValue) (best, bestValue) = (theta, v);
        }
        return best is null ? (starts.First(), double.NaN, 0) : (best, bestValue, converged);
    }
}
