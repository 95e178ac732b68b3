using MathNet.Numerics.LinearAlgebra;

namespace CourseWorkbook.Embeddings;

/// <summary>
/// A fitted PCA: the mean, the principal axes, their variances, and the training rows projected on them.
/// </summary>
/// <param name="Mean">The mean row, subtracted before projecting.</param>
/// <param name="Components">Principal axes (unit rows), by decreasing variance; each axis's largest |entry| is
/// positive.</param>
/// <param name="ExplainedVariance">Variance along each axis (divided by n − 1, as sklearn).</param>
/// <param name="ExplainedVarianceRatio">Share of the total variance along each axis.</param>
/// <param name="Projected">The fitted rows in the new coordinates, [n × components].</param>
public sealed record PcaResult(float[] Mean, float[][] Components, double[] ExplainedVariance,
    double[] ExplainedVarianceRatio, float[][] Projected)
{
    /// <summary>Coordinates of a new row on the fitted axes.</summary>
    public float[] Project(ReadOnlySpan<float> row)
    {
        var result = new float[Components.Length];
        for (int c = 0; c < Components.Length; c++)
        {
            double s = 0;
            for (int k = 0; k < row.Length; k++) s += (row[k] - (double)Mean[k]) * Components[c][k];
            result[c] = (float)s;
        }
        return result;
    }
}

/// <summary>
/// Principal component analysis: the linear projection that keeps the most variance. The quick, deterministic first
/// look at an embedding space before t-SNE (which keeps neighbourhoods instead of variance).
/// </summary>
public static class Pca
{
    /// <summary>
    /// Fits the top <paramref name="components"/> axes of the rows and projects them. Subspace iteration on the centred
    /// data (X, then Xᵀ, a few spare vectors, Rayleigh–Ritz with MathNet's SVD of the small projected matrix) until the
    /// variances stop changing: O(n·d) per step, exact when d is small.
    /// </summary>
    public static PcaResult Fit(IReadOnlyList<float[]> rows, int components = 2)
    {
        int n = rows.Count;
        if (n < 2) throw new ArgumentException("PCA needs at least two rows");
        int d = rows[0].Length;
        if (rows.Any(r => r.Length != d)) throw new ArgumentException("rows have different dimensions");
        if (components < 1 || components > Math.Min(n, d))
            throw new ArgumentOutOfRangeException(nameof(components), $"must be in [1, {Math.Min(n, d)}]");

        var mean = new double[d];
        foreach (var r in rows) for (int k = 0; k < d; k++) mean[k] += r[k];
        for (int k = 0; k < d; k++) mean[k] /= n;
        var x = Matrix<double>.Build.Dense(n, d, (i, k) => rows[i][k] - mean[k]);
        double totalVariance = x.Enumerate().Sum(v => v * v) / (n - 1);

        int width = Math.Min(d, components + 10);
        var rng = new Random(20240611);
        var q = Matrix<double>.Build.Dense(d, width, (_, _) => rng.NextDouble() - 0.5)
            .QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q;
        Vector<double>? previous = null;
        Matrix<double> ritzVectors = q;
        Vector<double> singular = Vector<double>.Build.Dense(width);
        for (int iteration = 0; iteration < 500; iteration++)
        {
            var b = x * q;                                          // [n × width]
            var svd = b.Svd(true);                                  // b = U S Vᵀ: Ritz values S, Ritz vectors q V
            singular = svd.S;
            ritzVectors = q * svd.VT.Transpose();
            if (previous is not null && (singular.SubVector(0, components) - previous).AbsoluteMaximum()
                <= 1e-12 * Math.Max(singular[0], 1e-300)) break;
            previous = singular.SubVector(0, components);
            q = (x.TransposeThisAndMultiply(b))
                .QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q;   // one power step: XᵀX q
        }

        var axes = new float[components][];
        var variance = new double[components];
        for (int c = 0; c < components; c++)
        {
            var v = ritzVectors.Column(c);
            int argmax = v.AbsoluteMaximumIndex();
            if (v[argmax] < 0) v = -v;
            axes[c] = v.Select(a => (float)a).ToArray();
            variance[c] = singular[c] * singular[c] / (n - 1);
        }
        var result = new PcaResult(mean.Select(m => (float)m).ToArray(), axes, variance,
            variance.Select(v => totalVariance > 0 ? v / totalVariance : 0).ToArray(), []);
        return result with { Projected = rows.Select(r => result.Project(r)).ToArray() };
    }
}
