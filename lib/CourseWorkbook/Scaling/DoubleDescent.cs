using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;

namespace CourseWorkbook.Scaling;

/// <summary>The setting of a double-descent experiment: n noisy samples of a smooth target in d dimensions,
/// regressed on p random ReLU features; the test error is averaged over several draws of the features.</summary>
public sealed record DoubleDescentSettings(int Samples = 40, int Dimension = 8, double Noise = 0.1,
    int TestSamples = 1000, int Draws = 5, int MaxFeatures = 400, int Seed = 0);

/// <summary>One point of the curve: p features, p/n, and the mean squared errors on the training and test
/// sets.</summary>
public sealed record DoubleDescentPoint(int Features, double Ratio, double TrainError, double TestError);

/// <summary>Double descent with random features (Belkin et al. 2019; Mei and Montanari 2019): the minimum-norm
/// least-squares fit interpolates once p ≥ n, its test error peaks at p = n and falls again as p grows.</summary>
public static class DoubleDescent
{
    /// <summary>The function to learn: tanh of a fixed direction plus a slow sine of the first coordinate.</summary>
    public static double Target(Vector<double> x, Vector<double> direction) =>
        Math.Tanh(x.DotProduct(direction)) + 0.5 * Math.Sin(x[0]);

    /// <summary>The features ReLU(X·W): X is n×d, W is d×p, the result n×p.</summary>
    public static Matrix<double> Features(Matrix<double> x, Matrix<double> w) =>
        (x * w).PointwiseMaximum(0.0);

    /// <summary>The minimum-norm least-squares weights F⁺·y, with F⁺ the SVD pseudo-inverse (MathNet): the
    /// solution gradient descent from zero converges to, and the interpolant of smallest norm when p ≥ n. For
    /// p &gt; n it uses F⁺ = Fᵀ(FFᵀ)⁺, so the SVD is of the n×n Gram matrix, not of a p×p one.</summary>
    public static Vector<double> MinimumNorm(Matrix<double> f, Vector<double> y) =>
        f.ColumnCount > f.RowCount
            ? f.TransposeThisAndMultiply(f.TransposeAndMultiply(f).PseudoInverse() * y)
            : f.PseudoInverse() * y;

    /// <summary>Ridge weights (FᵀF + λI)⁻¹Fᵀy, solved by MathNet's Cholesky: a small λ removes the peak.</summary>
    public static Vector<double> Ridge(Matrix<double> f, Vector<double> y, double lambda) =>
        (f.TransposeThisAndMultiply(f) + lambda * Matrix<double>.Build.DenseIdentity(f.ColumnCount))
            .Cholesky().Solve(f.TransposeThisAndMultiply(y));

    /// <summary>The feature counts of the curve: from p = n/10 to p = 10·n, dense around p = n.</summary>
    public static IReadOnlyList<int> Grid(int n) =>
        new[] { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.15, 1.2, 1.3, 1.4, 1.6,
                2.0, 2.5, 3.5, 5.0, 7.5, 10.0 }
            .Select(r => (int)Math.Round(r * n)).Distinct().ToList();

    /// <summary>Train and test error against p, seeded: the same data for every p, features nested (the first p
    /// columns of one draw), errors averaged over the draws. λ = 0 is the minimum-norm fit, λ &gt; 0 ridge.</summary>
    public static IReadOnlyList<DoubleDescentPoint> Sweep(DoubleDescentSettings s, double lambda = 0,
        IReadOnlyList<int>? grid = null)
    {
        grid ??= Grid(s.Samples);
        if (grid.Max() > s.MaxFeatures) throw new ArgumentException($"p up to {s.MaxFeatures} (got {grid.Max()})");
        var rng = new Random(s.Seed);
        var m = Matrix<double>.Build;
        var direction = m.Random(s.Dimension, 1, new Normal(0, 1, rng)).Column(0).Normalize(2);
        var x = m.Random(s.Samples, s.Dimension, new Normal(0, 1, rng));
        var xTest = m.Random(s.TestSamples, s.Dimension, new Normal(0, 1, rng));
        var y = Vector<double>.Build.Dense(s.Samples, i => Target(x.Row(i), direction))
            + s.Noise * Vector<double>.Build.Random(s.Samples, new Normal(0, 1, rng));
        var yTest = Vector<double>.Build.Dense(s.TestSamples, i => Target(xTest.Row(i), direction));
        var train = new double[grid.Count];
        var test = new double[grid.Count];
        for (int draw = 0; draw < s.Draws; draw++)
        {
            var w = m.Random(s.Dimension, s.MaxFeatures, new Normal(0, 1 / Math.Sqrt(s.Dimension), rng));
            var f = Features(x, w);
            var fTest = Features(xTest, w);
            for (int i = 0; i < grid.Count; i++)
            {
                var fp = f.SubMatrix(0, s.Samples, 0, grid[i]);
                var beta = lambda == 0 ? MinimumNorm(fp, y) : Ridge(fp, y, lambda);
                train[i] += (fp * beta - y).PointwisePower(2).Average() / s.Draws;
                test[i] += (fTest.SubMatrix(0, s.TestSamples, 0, grid[i]) * beta - yTest).PointwisePower(2).Average()
                    / s.Draws;
            }
        }
        return grid.Select((p, i) => new DoubleDescentPoint(p, (double)p / s.Samples, train[i], test[i])).ToList();
    }

    /// <summary>The point of largest test error: where the peak sits.</summary>
    public static DoubleDescentPoint Peak(IReadOnlyList<DoubleDescentPoint> curve) =>
        curve.MaxBy(c => c.TestError)!;

    /// <summary>The curve's point nearest to p/n = ratio.</summary>
    public static DoubleDescentPoint At(IReadOnlyList<DoubleDescentPoint> curve, double ratio) =>
        curve.MinBy(c => Math.Abs(c.Ratio - ratio))!;
}
