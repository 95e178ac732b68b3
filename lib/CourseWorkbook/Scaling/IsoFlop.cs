namespace CourseWorkbook.Scaling;

/// <summary>One budget's IsoFLOP curve: loss ≈ c0 + c1·x + c2·x² with x = log10 N, and its minimum.</summary>
public sealed record IsoFlopParabola(double Flops, double C0, double C1, double C2, int Runs)
{
    /// <summary>log10 of the compute-optimal N for this budget: −c1 / (2·c2).</summary>
    public double Log10OptimalN => -C1 / (2 * C2);
    /// <summary>The compute-optimal N for this budget.</summary>
    public double OptimalN => Math.Pow(10, Log10OptimalN);
    /// <summary>The tokens that go with it, D = C / (6N).</summary>
    public double OptimalD => Flops / (6 * OptimalN);
    /// <summary>The parabola's lowest loss.</summary>
    public double MinimumLoss => LossAt(OptimalN);
    /// <summary>The parabola's loss at N parameters.</summary>
    public double LossAt(double n) => C0 + C1 * Math.Log10(n) + C2 * Math.Log10(n) * Math.Log10(n);
}

/// <summary>A budget's compute-optimal point together with every budget's: N_opt = k·C^a (Chinchilla approach 2,
/// Llama 3's IsoFLOP recipe).</summary>
public sealed record IsoFlopAnalysis(IReadOnlyList<IsoFlopParabola> Parabolas, double Exponent, double Log10Coefficient)
{
    /// <summary>N_opt = 10^(log10 k + a·log10 C) for any budget, an extrapolation beyond the budgets fitted.</summary>
    public double OptimalN(double flops) => Math.Pow(10, Log10Coefficient + Exponent * Math.Log10(flops));
    /// <summary>D_opt = C / (6·N_opt): its exponent is 1 − a.</summary>
    public double OptimalD(double flops) => flops / (6 * OptimalN(flops));
}

/// <summary>Chinchilla's approach 2: fix a FLOP budget, train models of several sizes on C/(6N) tokens each, fit a
/// parabola of the loss in log N per budget, take its minimum, then fit a line through log N_opt against
/// log C.</summary>
public static class IsoFlop
{
    /// <summary>The parabola of one budget's runs (at least three sizes).</summary>
    public static IsoFlopParabola Parabola(double flops, IReadOnlyList<RunPoint> runs)
    {
        if (runs.Count < 3)
            throw new ArgumentException($"budget {flops:G3}: a parabola needs at least 3 runs (got {runs.Count})");
        var c = MathNet.Numerics.Fit.Polynomial(runs.Select(r => Math.Log10(r.N)).ToArray(),
            runs.Select(r => r.Loss).ToArray(), 2);
        if (!(c[2] > 0))
            throw new InvalidOperationException(
                $"budget {flops:G3}: the losses do not curve upwards (c2 = {c[2]:G3}): no minimum");
        return new IsoFlopParabola(flops, c[0], c[1], c[2], runs.Count);
    }

    /// <summary>The runs of one budget nearest its best run: the best and <paramref name="neighbours"/> sizes on each
    /// side (shifted inwards at the edge of the grid). Far from the minimum the loss leaves the parabola: a model too
    /// big for its few steps sits on the plateau of an untrained one, which no parabola in log N follows.</summary>
    public static IReadOnlyList<RunPoint> AroundMinimum(IEnumerable<RunPoint> budgetRuns, int neighbours = 1)
    {
        var runs = budgetRuns.OrderBy(r => r.N).ToList();
        int width = 2 * neighbours + 1;
        if (runs.Count <= width) return runs;
        int best = runs.IndexOf(runs.MinBy(r => r.Loss)!);
        int start = Math.Clamp(best - neighbours, 0, runs.Count - width);
        return runs.GetRange(start, width);
    }

    /// <summary>One parabola per budget, then N_opt ∝ C^a across budgets (a line in log-log space).</summary>
    public static IsoFlopAnalysis Analyse(IEnumerable<(double Flops, RunPoint Run)> runs)
    {
        var parabolas = runs.GroupBy(r => r.Flops).OrderBy(g => g.Key)
            .Select(g => Parabola(g.Key, g.Select(r => r.Run).ToList())).ToList();
        if (parabolas.Count < 2) throw new ArgumentException("N_opt ∝ C^a needs at least two budgets");
        var line = MathNet.Numerics.Fit.Line(parabolas.Select(p => Math.Log10(p.Flops)).ToArray(),
            parabolas.Select(p => p.Log10OptimalN).ToArray());
        return new IsoFlopAnalysis(parabolas, line.B, line.A);
    }
}
