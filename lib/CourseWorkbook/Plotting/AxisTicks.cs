using System.Globalization;

namespace CourseWorkbook.Plotting;

/// <summary>A tick at <paramref name="At"/> (in the axis's linear units: the value, its log10 on a log axis, or a
/// category's index) with its label; minor ticks get a grid line and a smaller label or none.</summary>
internal sealed record Tick(double At, string Label, bool Minor = false);

/// <summary>"Nice" tick positions and labels, chosen the way plotly chooses them: about one tick per 80 px on a
/// horizontal axis and per 40 px on a vertical one, at steps of 1, 2 or 5 times a power of ten.</summary>
internal static class AxisTicks
{
    /// <summary>How many intervals to aim for on an axis of this length.</summary>
    public static double TargetCount(double lengthPx, bool horizontal) =>
        Math.Clamp(Math.Abs(lengthPx) / (horizontal ? 80 : 40), 4, 9) + 1;

    /// <summary>The smallest of 2, 5, 10 times a power of ten that is at least <paramref name="rough"/>.</summary>
    public static double NiceStep(double rough)
    {
        if (!(rough > 0) || double.IsInfinity(rough)) return 1;
        var power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var m = rough / power;
        return (m <= 2 + 1e-9 ? 2 : m <= 5 + 1e-9 ? 5 : 10) * power;
    }

    /// <summary>Ticks at multiples of a nice step between lo and hi (any order).</summary>
    public static List<Tick> Linear(double lo, double hi, double count)
    {
        if (lo > hi) (lo, hi) = (hi, lo);
        var step = NiceStep((hi - lo) / count);
        var maxAbs = Math.Max(Math.Abs(lo), Math.Abs(hi));
        var ticks = new List<Tick>();
        for (var k = Math.Ceiling(lo / step - 1e-9); k * step <= hi + step * 1e-9 && ticks.Count < 200; k++)
        {
            var v = k * step;
            ticks.Add(new Tick(v, FormatNumber(v, step, maxAbs)));
        }
        return ticks;
    }

    /// <summary>Ticks for a log axis whose range is lo..hi in decades (log10 units): powers of ten when the range
    /// spans decades (every n-th decade when it spans many), with 2× and 5× minor ticks when there is room, and
    /// ordinary nice ticks when the range is less than a decade.</summary>
    public static List<Tick> Log(double lo, double hi, double count, string exponentFormat)
    {
        if (lo > hi) (lo, hi) = (hi, lo);
        var span = hi - lo;
        var rough = span / count;
        var ticks = new List<Tick>();
        if (span < 1)
        {
            // Less than a decade: nice steps of the values themselves, placed at their logarithms.
            double vLo = Math.Pow(10, lo), vHi = Math.Pow(10, hi);
            foreach (var t in Linear(vLo, vHi, count * 1.5))
                if (t.At > 0) ticks.Add(t with { At = Math.Log10(t.At) });
            return ticks;
        }
        var every = rough > 0.7 ? (int)Math.Ceiling(rough) : 1;
        for (var k = (int)Math.Ceiling(lo - 1e-9); k <= hi + 1e-9; k++)
        {
            if (k % every == 0) ticks.Add(new Tick(k, PowerOfTen(k, exponentFormat)));
        }
        if (rough <= 0.7)
        {
            // Minor ticks between the decades: 2 and 5, labelled small.
            var multiples = rough > 0.3 ? new[] { 2, 5 } : new[] { 2, 3, 4, 5, 6, 7, 8, 9 };
            for (var k = (int)Math.Floor(lo); k <= hi; k++)
                foreach (var m in multiples)
                {
                    var at = k + Math.Log10(m);
                    if (at >= lo - 1e-9 && at <= hi + 1e-9)
                        ticks.Add(new Tick(at, m is 2 or 5 ? m.ToString(CultureInfo.InvariantCulture) : "",
                            Minor: true));
                }
        }
        return ticks;
    }

    /// <summary>The label of 10^k: with exponent format "power" 1, 10, 10², 10³ ...; otherwise plain numbers
    /// (0.01, 100, 10k, 1M) while they stay short.</summary>
    public static string PowerOfTen(int k, string exponentFormat)
    {
        if (exponentFormat == "power") return k == 0 ? "1" : k == 1 ? "10" : "10" + Superscript(k);
        if (k is >= -3 and <= 3) return Math.Pow(10, k).ToString("0.###", CultureInfo.InvariantCulture);
        if (k is > 3 and <= 14) return FormatNumber(Math.Pow(10, k), Math.Pow(10, k), Math.Pow(10, k));
        return "10" + Superscript(k);
    }

    /// <summary>A tick value with as many decimals as the step needs; ≥ 10⁴ with an SI suffix (k, M, B, T) as
    /// plotly writes them; a true minus sign.</summary>
    public static string FormatNumber(double v, double step, double maxAbs)
    {
        if (Math.Abs(v) < Math.Abs(step) * 1e-6) v = 0;
        var exp3 = maxAbs >= 1e4 ? Math.Min(12, (int)Math.Floor(Math.Log10(maxAbs) / 3) * 3) : 0;
        var suffix = exp3 switch { 3 => "k", 6 => "M", 9 => "B", 12 => "T", _ => "" };
        var scale = Math.Pow(10, exp3);
        var decimals = Math.Clamp((int)-Math.Floor(Math.Log10(Math.Abs(step) / scale) + 1e-9), 0, 15);
        var text = (v / scale).ToString("F" + decimals, CultureInfo.InvariantCulture);
        if (v == 0) return "0";
        if (text.Contains('.')) text = text.TrimEnd('0').TrimEnd('.'); // 1.50 → 1.5, 2.0 → 2, as plotly writes them
        return (text.StartsWith('-') ? "\u2212" + text[1..] : text) + suffix;
    }

    static string Superscript(int k) => string.Concat(k.ToString(CultureInfo.InvariantCulture).Select(c => c switch
    {
        '-' => '\u207b', '1' => '\u00b9', '2' => '\u00b2', '3' => '\u00b3',
        _ => (char)('\u2070' + (c - '0')),
    }));
}
