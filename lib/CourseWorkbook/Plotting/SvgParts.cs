using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace CourseWorkbook.Plotting;

/// <summary>An sRGB colour with opacity, parsed from the forms plotly accepts ("#1f77b4", "#fff", "rgb(r,g,b)",
/// "rgba(r,g,b,a)", a few names), written back as "#rrggbb" which every SVG viewer understands.</summary>
internal readonly record struct Rgb(double R, double G, double B, double A = 1)
{
    static readonly Dictionary<string, Rgb> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["white"] = new(255, 255, 255), ["black"] = new(0, 0, 0), ["transparent"] = new(0, 0, 0, 0),
        ["red"] = new(255, 0, 0), ["green"] = new(0, 128, 0), ["blue"] = new(0, 0, 255), ["gray"] = new(128, 128, 128),
        ["grey"] = new(128, 128, 128), ["orange"] = new(255, 165, 0), ["purple"] = new(128, 0, 128),
    };

    public static Rgb Parse(string? text, Rgb fallback)
    {
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        var s = text.Trim();
        if (Names.TryGetValue(s, out var named)) return named;
        if (s[0] == '#')
        {
            var hex = s[1..];
            if (hex.Length == 3) hex = string.Concat(hex.Select(c => $"{c}{c}"));
            if (hex.Length == 6 && int.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v))
                return new((v >> 16) & 255, (v >> 8) & 255, v & 255);
            return fallback;
        }
        var m = Regex.Match(s, @"^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)\s*(?:,\s*([\d.]+)\s*)?\)$");
        if (!m.Success) return fallback;
        double P(int g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
        return new(P(1), P(2), P(3), m.Groups[4].Success ? P(4) : 1);
    }

    public string Hex => $"#{B8(R):x2}{B8(G):x2}{B8(B):x2}";

    static int B8(double v) => (int)Math.Clamp(Math.Round(v), 0, 255);

    public static Rgb Lerp(Rgb a, Rgb b, double t) =>
        new(a.R + (b.R - a.R) * t, a.G + (b.G - a.G) * t, a.B + (b.B - a.B) * t, a.A + (b.A - a.A) * t);

    /// <summary>Relative luminance 0..1: text on this colour should be dark above ~0.5.</summary>
    public double Luminance => (0.2126 * R + 0.7152 * G + 0.0722 * B) / 255;
}

/// <summary>A continuous colour scale as the renderer uses it: parsed colours at sorted stops 0..1.</summary>
internal sealed record Scale(IReadOnlyList<(double At, Rgb Color)> Stops)
{
    public static Scale From(ColorScale scale) =>
        new(scale.Stops.Select(p => (p.At, Rgb.Parse(p.Color, new(0, 0, 0)))).OrderBy(p => p.At).ToList());

    public Scale Reversed() => new(Stops.Select(s => (1 - s.At, s.Color)).Reverse().ToList());

    /// <summary>The colour at fraction t (clamped to 0..1).</summary>
    public Rgb At(double t)
    {
        t = Math.Clamp(t, 0, 1);
        if (t <= Stops[0].At) return Stops[0].Color;
        for (var i = 1; i < Stops.Count; i++)
            if (t <= Stops[i].At)
            {
                var (a, b) = (Stops[i - 1], Stops[i]);
                return b.At > a.At ? Rgb.Lerp(a.Color, b.Color, (t - a.At) / (b.At - a.At)) : b.Color;
            }
        return Stops[^1].Color;
    }
}

/// <summary>
/// Text width estimates for laying out labels without a font engine (a sans-serif's average advances).
/// </summary>
internal static class TextMetrics
{
    public static double Width(string text, double fontSize)
    {
        double em = 0;
        foreach (var c in text)
            em += c switch
            {
                'i' or 'l' or 'j' or '|' or '!' or '.' or ',' or ':' or ';' or '\'' => 0.28,
                'f' or 't' or 'r' or ' ' or '(' or ')' or '[' or ']' or '-' => 0.36,
                'm' or 'w' or 'M' or 'W' or '@' or '%' => 0.86,
                >= 'A' and <= 'Z' => 0.68,
                >= '0' and <= '9' => 0.58,
                _ => 0.55,
            };
        return em * fontSize;
    }
}

/// <summary>Writes SVG elements into a string: attributes and text are XML-escaped, numbers are written with at
/// most one decimal (pixels) in the invariant culture, which keeps large scatters small.</summary>
internal sealed class SvgWriter
{
    readonly StringBuilder sb = new();

    public SvgWriter Open(string tag)
    {
        sb.Append('<').Append(tag);
        return this;
    }

    public SvgWriter Attr(string name, string? value)
    {
        if (value is null) return this;
        sb.Append(' ').Append(name).Append("=\"");
        Escape(value, attribute: true);
        sb.Append('"');
        return this;
    }

    public SvgWriter Attr(string name, double value)
    {
        sb.Append(' ').Append(name).Append("=\"").Append(N(value)).Append('"');
        return this;
    }

    /// <summary>Ends the start tag; children follow.</summary>
    public void Begin() => sb.Append(">\n");

    /// <summary>Ends an element that has no children.</summary>
    public void End() => sb.Append("/>\n");

    /// <summary>Ends the start tag, writes escaped text and closes the element.</summary>
    public void EndWithText(string tag, string text)
    {
        sb.Append('>');
        Escape(text, attribute: false);
        sb.Append("</").Append(tag).Append(">\n");
    }

    public void Close(string tag) => sb.Append("</").Append(tag).Append(">\n");

    public void Raw(string text) => sb.Append(text);

    public override string ToString() => sb.ToString();

    void Escape(string text, bool attribute)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '&': sb.Append("&amp;"); break;
                case '"' when attribute: sb.Append("&quot;"); break;
                case '\n' or '\r' or '\t' when attribute: sb.Append(' '); break;
                default:
                    // Characters XML cannot carry (control characters, lone surrogates) are dropped.
                    if (XmlConvert.IsXmlChar(c) || char.IsSurrogate(c)) sb.Append(c);
                    break;
            }
        }
    }

    /// <summary>A number with at most one decimal, "-0" written as "0".</summary>
    public static string N(double v)
    {
        var r = Math.Round(v, 1);
        if (r == 0) return "0";
        return r.ToString("0.#", CultureInfo.InvariantCulture);
    }
}
