using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Data;

/// <summary>
/// The triplet-loss practical's synthetic data: a scalar input and two classes. Class 0 is drawn around -0.5 or
/// 1.5 (two modes), class 1 around 0.5, all with σ = 0.1 — so class 1 sits <em>between</em> the two modes of
/// class 0, and no linear map of the line can pull both modes of class 0 together while pushing class 1 away.
/// </summary>
public static class TripletData
{
    /// <summary>Standard deviation of every mode.</summary>
    public const double Sigma = 0.1;

    /// <summary>Draws one scalar of class <paramref name="label"/>.</summary>
    public static double Draw(int label, Random rng)
    {
        double centre = label == 1 ? 0.5 : rng.Next(2) == 0 ? -0.5 : 1.5;
        return centre + Sigma * Gaussian(rng);
    }

    /// <summary>Labelled points: <paramref name="n"/> values with their classes (balanced in expectation).</summary>
    public static (float[] X, int[] Y) Points(int n, Random rng)
    {
        var x = new float[n];
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = rng.Next(2);
            x[i] = (float)Draw(y[i], rng);
        }
        return (x, y);
    }

    /// <summary>
    /// A batch of triplets as three [n, 1] tensors: the anchor's class is drawn at random, the positive comes from
    /// the same class (for class 0, possibly from the other mode) and the negative from the other class.
    /// </summary>
    public static (Tensor Anchor, Tensor Positive, Tensor Negative) Triplets(int n, Random rng)
    {
        var a = new float[n];
        var p = new float[n];
        var q = new float[n];
        for (int i = 0; i < n; i++)
        {
            int c = rng.Next(2);
            a[i] = (float)Draw(c, rng);
            p[i] = (float)Draw(c, rng);
            q[i] = (float)Draw(1 - c, rng);
        }
        return (tensor(a).reshape(n, 1), tensor(p).reshape(n, 1), tensor(q).reshape(n, 1));
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    public static double Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
