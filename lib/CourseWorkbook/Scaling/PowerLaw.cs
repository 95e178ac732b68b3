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
    /// curve_fit. The start: b just under the smallest y, then a straight line through log(y − b) against
    /// log x.</summary>
    public static PowerLaw Fit(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count || x.Count < 3)
            throw new ArgumentException(
                $"a power law needs at least 3 points with one y per x (got {x.Count} x, {y.Count} y)");
        if (x.Any(v => !(v > 0))) throw new ArgumentException("a power law needs x > 0");
        double b0 = y.Min() - 0.1 * (y.Max() - y.Min()) - 1e-12;
        var line = MathNet.Numerics.Fit.Line(x.Select(v => Math.Log(v)).ToArray(),
            y.Select(v => Math.Log(v - b0)).ToArray());
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
/// acc(L) = floor + (ceiling − floor) / (1 + exp((L − L0) / s)). The floor (a model that ignores the context) and
/// the ceiling (a perfect model) are known; the fit finds the midpoint L0 and the width s.</summary>
public sealed record Sigmoid(double Floor, double Ceiling, double L0, double S)
{
    /// <summary>The accuracy predicted at loss <paramref name="loss"/>.</summary>
    public double Predict(double loss) => Floor + (Ceiling - Floor) / (1 + Math.Exp((loss - L0) / S));

    /// <summary>Least-squares fit of L0 and s by Levenberg–Marquardt (MathNet), from the loss where the accuracy
    /// crosses halfway.</summary>
    public static Sigmoid Fit(IReadOnlyList<double> loss, IReadOnlyList<double> accuracy, double floor, double ceiling)
    {
        if (loss.Count != accuracy.Count || loss.Count < 3)
            throw new ArgumentException(
                $"a sigmoid needs at least 3 (loss, accuracy) pairs (got {loss.Count}, {accuracy.Count})");
        double half = (floor + ceiling) / 2;
        double mid = loss.Zip(accuracy).MinBy(p => Math.Abs(p.Second - half)).First;
        var start = Vector<double>.Build.DenseOfArray([mid, (loss.Max() - loss.Min()) / 10 + 1e-6]);
        var model = ObjectiveFunction.NonlinearModel(
            (p, xs) => xs.Map(v => new Sigmoid(floor, ceiling, p[0], p[1]).Predict(v)),
            (p, xs) => Matrix<double>.Build.Dense(xs.Count, 2, (i, j) =>
            {
                double z = (xs[i] - p[0]) / p[1], e = Math.Exp(z), dz = -(ceiling - floor) * e / ((1 + e) * (1 + e));
                return j == 0 ? dz * (-1 / p[1]) : dz * (-z / p[1]);
            }),
            Vector<double>.Build.DenseOfEnumerable(loss), Vector<double>.Build.DenseOfEnumerable(accuracy));
        var p = new LevenbergMarquardtMinimizer(maximumIterations: 10_000).FindMinimum(model, start).MinimizingPoint;
        return new Sigmoid(floor, ceiling, p[0], p[1]);
    }
}
