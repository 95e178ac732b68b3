using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using CourseWorkbook.Scaling;
using MathNet.Numerics.LinearAlgebra;

namespace CourseWorkbook.Tests.Scaling;

/// <summary>Random-features regression agrees with numpy/scipy on a small case (reference/double_descent.json, written
/// by reference/make_double_descent.py), and its test error peaks where the features number the samples.</summary>
public class DoubleDescentTests
{
    static JsonNode Reference([CallerFilePath] string here = "") => JsonNode.Parse(File.ReadAllText(
        Path.Combine(Path.GetDirectoryName(here)!, "reference", "double_descent.json")))!;

    static double[] Doubles(JsonNode? node) => node!.AsArray().Select(v => v!.GetValue<double>()).ToArray();

    static Matrix<double> Rows(JsonNode? node) =>
        Matrix<double>.Build.DenseOfRowArrays(node!.AsArray().Select(Doubles).ToArray());

    static void Close(double[] expected, Vector<double> actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], tolerance);
    }

    [Fact]
    public void Features_are_the_relu_of_x_times_w_like_numpy()
    {
        var r = Reference();
        var f = DoubleDescent.Features(Rows(r["x"]), Rows(r["w"]));
        var expected = Rows(r["features"]);
        Assert.True((f - expected).InfinityNorm() < 1e-12, $"max difference {(f - expected).InfinityNorm()}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(9)]
    public void Minimum_norm_and_ridge_weights_match_numpy_pinv_and_scipy_solve(int p)
    {
        var r = Reference();
        var f = Rows(r["features"]).SubMatrix(0, 6, 0, p);
        var y = Vector<double>.Build.DenseOfArray(Doubles(r["y"]));
        Close(Doubles(r["min_norm"]![p.ToString()]), DoubleDescent.MinimumNorm(f, y), 1e-9);
        Close(Doubles(r["ridge"]![p.ToString()]), DoubleDescent.Ridge(f, y, r["lambda"]!.GetValue<double>()), 1e-9);
    }

    [Fact]
    public void Over_parameterised_minimum_norm_fit_interpolates_the_training_set()
    {
        var curve = DoubleDescent.Sweep(new DoubleDescentSettings(Draws: 1), grid: [20, 60, 200]);
        Assert.True(curve[0].TrainError > 1e-3, $"p = n/2 cannot interpolate: {curve[0].TrainError}");
        Assert.All(curve.Skip(1), c => Assert.True(c.TrainError < 1e-12, $"p = {c.Features}: {c.TrainError}"));
    }

    [Fact]
    public void Test_error_peaks_at_p_equal_n_and_falls_again_and_ridge_removes_the_peak()
    {
        var s = new DoubleDescentSettings();
        var curve = DoubleDescent.Sweep(s);
        var peak = DoubleDescent.Peak(curve);
        Assert.InRange(peak.Ratio, 0.95, 1.05);
        Assert.True(DoubleDescent.At(curve, 10).TestError < DoubleDescent.At(curve, 0.5).TestError,
            "far past the peak the test error is lower than at p = n/2");
        Assert.True(peak.TestError > 10 * curve.Min(c => c.TestError), "the peak stands well above the minimum");
        var ridge = DoubleDescent.Sweep(s, lambda: 0.05);
        Assert.True(DoubleDescent.Peak(ridge).TestError < 2 * DoubleDescent.At(ridge, 0.5).TestError,
            "with ridge no point is far above the error at p = n/2");
    }

    [Fact]
    public void Same_seed_gives_the_same_curve()
    {
        var a = DoubleDescent.Sweep(new DoubleDescentSettings(Draws: 2), grid: [20, 40, 80]);
        var b = DoubleDescent.Sweep(new DoubleDescentSettings(Draws: 2), grid: [20, 40, 80]);
        Assert.Equal(a, b);
        var c = DoubleDescent.Sweep(new DoubleDescentSettings(Draws: 2, Seed: 1), grid: [20, 40, 80]);
        Assert.NotEqual(a[0].TestError, c[0].TestError);
    }
}
