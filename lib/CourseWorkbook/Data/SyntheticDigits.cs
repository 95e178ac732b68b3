using static TorchSharp.torch;

namespace CourseWorkbook.Data;

/// <summary>
/// Handwritten-style digits that need no download: each digit is a few pen strokes drawn in a unit square,
/// bent by a random affine transform (rotation, scale, shear, shift), drawn with a random pen width,
/// anti-aliased onto a 28×28 grid like MNIST, and sprinkled with noise. Same seed, same images.
/// </summary>
public static class SyntheticDigits
{
    /// <summary>Image side in pixels.</summary>
    public const int Size = 28;

    // Strokes in a unit square: x to the right, y downwards. Each stroke is a polyline.
    static readonly (double X, double Y)[][][] Strokes =
    [
        [Ellipse(0.5, 0.5, 0.26, 0.37)],
        [[(0.36, 0.26), (0.52, 0.12), (0.52, 0.88)]],
        [[(0.26, 0.30), (0.36, 0.16), (0.54, 0.12), (0.70, 0.20), (0.72, 0.36), (0.26, 0.86), (0.78, 0.86)]],
        [[(0.26, 0.16), (0.70, 0.16), (0.46, 0.44), (0.68, 0.56), (0.72, 0.74), (0.54, 0.88), (0.26, 0.82)]],
        [[(0.64, 0.88), (0.64, 0.12), (0.22, 0.62), (0.80, 0.62)]],
        [[(0.72, 0.12), (0.32, 0.12), (0.28, 0.46), (0.54, 0.42), (0.72, 0.54), (0.72, 0.74), (0.54, 0.88),
            (0.26, 0.84)]],
        [[(0.68, 0.12), (0.42, 0.28), (0.28, 0.58), (0.32, 0.80), (0.50, 0.89), (0.68, 0.80), (0.70, 0.62),
            (0.50, 0.52), (0.30, 0.62)]],
        [[(0.22, 0.12), (0.78, 0.12), (0.42, 0.88)]],
        [Ellipse(0.5, 0.30, 0.19, 0.17), Ellipse(0.5, 0.68, 0.23, 0.20)],
        [Ellipse(0.48, 0.32, 0.20, 0.19), [(0.68, 0.36), (0.62, 0.88)]],
    ];

    /// <summary>Draws <paramref name="count"/> digits (labels cycle 0..9 in a shuffled order) as a
    /// [count, 1, 28, 28] float tensor in [0, 1] and an int64 label tensor.</summary>
    public static (Tensor Images, Tensor Labels) Generate(int count, int seed)
    {
        var rng = new Random(seed);
        var pixels = new float[count * Size * Size];
        var labels = new long[count];
        for (int i = 0; i < count; i++) labels[i] = i % 10;
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (labels[i], labels[j]) = (labels[j], labels[i]);
        }
        for (int i = 0; i < count; i++)
            Render((int)labels[i], rng, pixels.AsSpan(i * Size * Size, Size * Size));
        return (tensor(pixels).reshape(count, 1, Size, Size), tensor(labels));
    }

    /// <summary>
    /// Draws one digit into a 28×28 buffer (row-major) with a random affine jitter, pen width and noise.
    /// </summary>
    public static void Render(int digit, Random rng, Span<float> image)
    {
        if ((uint)digit > 9) throw new ArgumentOutOfRangeException(nameof(digit), digit, "a digit is 0..9");
        double angle = (rng.NextDouble() - 0.5) * 2 * 12 * Math.PI / 180;
        double scale = 0.85 + 0.25 * rng.NextDouble();
        double shear = (rng.NextDouble() - 0.5) * 0.4;
        double dx = (rng.NextDouble() - 0.5) * 4, dy = (rng.NextDouble() - 0.5) * 4;
        double pen = 0.9 + 0.8 * rng.NextDouble();
        double cos = Math.Cos(angle), sin = Math.Sin(angle);

        // Unit square → pixels: centre the glyph in a 20×20 box like MNIST, then jitter around the centre.
        (double X, double Y) Map((double X, double Y) p)
        {
            double x = (p.X - 0.5) * 20 * scale, y = (p.Y - 0.5) * 20 * scale;
            x += shear * y;
            return (cos * x - sin * y + 13.5 + dx, sin * x + cos * y + 13.5 + dy);
        }

        var segments = new List<(double X1, double Y1, double X2, double Y2)>();
        foreach (var stroke in Strokes[digit])
            for (int k = 0; k + 1 < stroke.Length; k++)
            {
                var a = Map(stroke[k]);
                var b = Map(stroke[k + 1]);
                segments.Add((a.X, a.Y, b.X, b.Y));
            }

        for (int row = 0; row < Size; row++)
            for (int col = 0; col < Size; col++)
            {
                double best = double.MaxValue;
                foreach (var s in segments) best = Math.Min(best, SegmentDistance(col, row, s));
                double ink = Math.Clamp(pen + 0.5 - best, 0, 1); // one pixel of anti-aliasing at the pen's edge
                double noise = 0.06 * TripletData.Gaussian(rng);
                image[row * Size + col] = (float)Math.Clamp(ink + noise, 0, 1);
            }
    }

    static double SegmentDistance(double px, double py, (double X1, double Y1, double X2, double Y2) s)
    {
        double vx = s.X2 - s.X1, vy = s.Y2 - s.Y1;
        double length2 = vx * vx + vy * vy;
        double t = length2 == 0 ? 0 : Math.Clamp(((px - s.X1) * vx + (py - s.Y1) * vy) / length2, 0, 1);
        double ex = s.X1 + t * vx - px, ey = s.Y1 + t * vy - py;
        return Math.Sqrt(ex * ex + ey * ey);
    }

    static (double X, double Y)[] Ellipse(double cx, double cy, double rx, double ry, int points = 20) =>
        Enumerable.Range(0, points + 1)
            .Select(i => (cx + rx * Math.Sin(2 * Math.PI * i / points), cy - ry * Math.Cos(2 * Math.PI * i / points)))
            .ToArray();
}
