using CourseWorkbook.Embeddings;
using MathNet.Numerics.LinearAlgebra;

namespace CourseWorkbook.Tests.Embeddings;

public class PcaTests
{
    [Fact]
    public void Pca_recovers_the_axes_of_a_known_plane()
    {
        // Points t·u + s·v + c with u = (1,2,2)/3, v = (2,1,−2)/3 orthonormal: t spreads more than s.
        float[] u = [1 / 3f, 2 / 3f, 2 / 3f], v = [2 / 3f, 1 / 3f, -2 / 3f], c = [5, -1, 2];
        var coords = (from t in new[] { -3f, -1f, 1f, 3f } from s in new[] { -1f, 1f } select (t, s)).ToArray();
        var rows = coords.Select(p => Enumerable.Range(0, 3).Select(k => p.t * u[k] + p.s * v[k] + c[k]).ToArray()).ToArray();

        var pca = Pca.Fit(rows, 2);

        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(u[k], pca.Components[0][k], 5);
            Assert.Equal(v[k], pca.Components[1][k], 5);
            Assert.Equal(c[k], pca.Mean[k], 5);
        }
        Assert.Equal(40.0 / 7, pca.ExplainedVariance[0], 5);
        Assert.Equal(8.0 / 7, pca.ExplainedVariance[1], 5);
        Assert.Equal(40.0 / 48, pca.ExplainedVarianceRatio[0], 5);
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.Equal(coords[i].t, pca.Projected[i][0], 4);
            Assert.Equal(coords[i].s, pca.Projected[i][1], 4);
        }
    }

    [Fact]
    public void Pca_variances_match_the_eigenvalues_of_the_covariance_in_high_dimension()
    {
        var rng = new Random(3);
        var scales = Enumerable.Range(0, 60).Select(k => 1.0 / (1 + k)).ToArray();
        var rows = Enumerable.Range(0, 300).Select(_ => scales.Select(s => (float)(s * (rng.NextDouble() - 0.5))).ToArray()).ToArray();
        var pca = Pca.Fit(rows, 3);

        var x = Matrix<double>.Build.DenseOfRowArrays(rows.Select(r => r.Select(f => (double)f).ToArray()));
        var mean = x.ColumnSums() / x.RowCount;
        var centred = x - Matrix<double>.Build.Dense(x.RowCount, x.ColumnCount, (_, j) => mean[j]);
        var eigen = (centred.TransposeThisAndMultiply(centred) / (x.RowCount - 1)).Evd().EigenValues
            .Select(e => e.Real).OrderByDescending(e => e).ToArray();
        for (int c = 0; c < 3; c++) Assert.Equal(eigen[c], pca.ExplainedVariance[c], 8);
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < c; k++)
                Assert.Equal(0.0, pca.Components[c].Zip(pca.Components[k], (a, b) => (double)a * b).Sum(), 5);
    }

    [Fact]
    public void Projecting_a_new_row_uses_the_fitted_mean_and_axes()
    {
        var pca = Pca.Fit([[0f, 0f], [2f, 0f], [4f, 0.5f], [6f, 0.5f]], 1);
        var p = pca.Project([3f, 0.25f]);   // the mean projects to the origin
        Assert.Equal(0f, p[0], 5);
    }
}
