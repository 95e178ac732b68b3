using CourseWorkbook.Plotting;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Training;

/// <summary>A hand-derived gradient next to autograd's: the largest absolute difference and the relative one,
/// ‖hand − autograd‖ / ‖autograd‖.</summary>
public sealed record GradientComparison(string Name, long Elements, double MaxAbsDifference, double RelativeDifference)
{
    /// <summary>True when the relative difference is at most <paramref name="tolerance"/>.</summary>
    public bool Matches(double tolerance = 1e-5) => RelativeDifference <= tolerance;
}

/// <summary>Checks a gradient derived by hand against autograd (the way to test a custom loss or layer).</summary>
public static class GradientCheck
{
    /// <summary>Compares <paramref name="hand"/> with <paramref name="autograd"/> (same shape), in float64.</summary>
    public static GradientComparison Compare(string name, Tensor hand, Tensor autograd)
    {
        if (!hand.shape.SequenceEqual(autograd.shape))
            throw new ArgumentException(
                $"{name}: shapes differ, [{string.Join(", ", hand.shape)}] vs [{string.Join(", ", autograd.shape)}]");
        using var _ = no_grad();
        var h = hand.detach().to(ScalarType.Float64);
        var a = autograd.detach().to(ScalarType.Float64);
        var diff = h - a;
        double rel = diff.norm().item<double>() / Math.Max(a.norm().item<double>(), 1e-30);
        return new GradientComparison(name, h.numel(), diff.abs().max().item<double>(), rel);
    }

    /// <summary>Hand against autograd, one point per element (at most <paramref name="maxPoints"/>): on the diagonal
    /// when they agree.</summary>
    public static Chart Chart(string title, Tensor hand, Tensor autograd, int maxPoints = 2000)
    {
        var h = hand.detach().to(ScalarType.Float64).reshape(-1).data<double>().ToArray();
        var a = autograd.detach().to(ScalarType.Float64).reshape(-1).data<double>().ToArray();
        int stride = Math.Max(1, h.Length / maxPoints);
        var idx = Enumerable.Range(0, h.Length).Where(i => i % stride == 0).ToArray();
        return Plot.Scatter(title, idx.Select(i => a[i]).ToArray(), idx.Select(i => h[i]).ToArray(),
            xTitle: "autograd", yTitle: "by hand", markerSize: 4);
    }
}
