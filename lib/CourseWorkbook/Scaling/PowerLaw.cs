using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.Optimization;

namespace CourseWorkbook.Scaling;

/// <summary>A scaling law in one variable: y(x) = a·x^(−γ) + b, with b the floor that more x never gets under
/// (Baidu 2017, Kaplan et al. 2020).</summary>
public sealed record PowerLaw(double A, double Gamma, double B)
{
    /// <summary>a·x^(−γ) + b.</summary>
    public double Predict(double x) => A * Math.Pow(x, -Gamma) + B;

    /// <summary>Standard errors of (a, γ, b) from the fit's Jacobian (NaN when not fitted).</summary>
    public IReadOnlyList<double> StandardErrors { get; init; } = [double.NaN, double.NaN, double.NaN];

    /// <summary>Least-squares fit of y = a·x^(−γ) + b by Levenberg–Marquardt (MathNet), the method of scipy's
    /// curve_fit. The start: b just under the smallest y, then a straight line through log(y − b) against log x.</summary>
    public static PowerLaw Fit(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count || x.Count < 3)
            throw new ArgumentException($"a power law needs at least 3 points with one y per x (got {x.Count} x, {y.Count} y)");
        if (x.Any(v => !(v > 0))) throw new ArgumentException("a power law needs x > 0");
        double b0 = y.Min() - 0.1 * (y.Max() - y.Min()) - 1e-12;
        var line = MathNet.Numerics.Fit.Line(x.Select(v => Math.Log(v)).ToArray(), y.Select(v => Math.Log(v - b0)).ToArray());
        var start = Vector<double>.Build.DenseOfArray([Math.Exp(line.A), -line.B, b0]);
        var model = ObjectiveFunction.NonlinearModel(
            (p, xs) => xs.Map(v => p[0] * Math.Pow(v, -p[1]) + p[2]),
            (p, xs) => Matrix<double>.Build.Dense(xs.Count, 3, (i, j) => j switch
            {
                0 => Math.Pow(xs[i], -p[1]),
                1 => -p[0] * Math.Pow(xs[i], -p[1]) * Math.Log(xs[i]),
                _ => 1.0,
            }),
            Vector<double>.Build.DenseOfEnumerable(x), Vector<double>.Build.DenseOfEnumerable(y));
        var result = new LevenbergMarquardtMinimizer(maximumIterations: 10_000).FindMinimum(model, start);
        var p = result.MinimizingPoint;
        return new PowerLaw(p[0], p[1], p[2]) { StandardErrors = result.StandardErrors?.ToArray() ?? [] };
    }
}

/// <summary>Accuracy as a sigmoid of the loss (Llama 3's second step: from the predicted loss to a task's accuracy):
/// acc(L) = floor + (ceiling − floor) / (1 + exp((L − L0) / s)).</summary>
public sealed record Sigmoid(double Floor, double Ceiling, double L0, double S)
{
    /// <summary>The accuracy predicted at loss <paramref name="loss"/>.</summary>
    public double Predict(double loss) => Floor + (Ceiling - Floor) / (1 + Math.Exp((loss - L0) / S));

    /// <summary>Least-squares fit by Levenberg–Marquardt from a start read off the data.</summary>
    public static Sigmoid Fit(IReadOnlyList<double> loss, IReadOnlyList<double> accuracy)
    {
        if (loss.Count != accuracy.Count || loss.Count < 4)
            throw new ArgumentException($"a sigmoid needs at least 4 (loss, accuracy) pairs (got {loss.Count}, {accuracy.Count})");
        double lo = accuracy.Min(), hi = accuracy.Max(), mid = (loss.Min() + loss.Max()) / 2;
        var start = Vector<double>.Build.DenseOfArray([lo, hi, mid, (loss.Max() - loss.Min()) / 8 + 1e-6]);
        var model = ObjectiveFunction.NonlinearModel(
            (p, xs) => xs.Map(v => new Sigmoid(p[0], p[1], p[2], p[3]).Predict(v)),
            Vector<double>.Build.DenseOfEnumerable(loss), Vector<double>.Build.DenseOfEnumerable(accuracy));
        var p = new LevenbergMarquardtMinimizer(maximumIterations: 10_000).FindMinimum(model, start).MinimizingPoint;
        return new Sigmoid(p[0], p[1], p[2], p[3]);
    }
}
