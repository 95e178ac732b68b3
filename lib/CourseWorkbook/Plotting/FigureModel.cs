using System.Globalization;
using System.Text.Json;

namespace CourseWorkbook.Plotting;

/// <summary>One data column of a trace ("x" or "y"): the number of each entry (NaN when it has none) and, for
/// entries that are non-numeric strings, their text (category names).</summary>
internal sealed class Values(double[] numbers, string?[] texts)
{
    public static readonly Values Empty = new([], []);

    public double[] Numbers { get; } = numbers;
    public string?[] Texts { get; } = texts;
    public int Count => Numbers.Length;
    public bool HasText => Texts.Any(t => t is not null);

    /// <summary>The key under which the entry is a category: its text, or its number written out.</summary>
    public string Key(int i) => Texts[i] ?? Numbers[i].ToString("R", CultureInfo.InvariantCulture);

    public static Values Indices(int count) =>
        new(Enumerable.Range(0, count).Select(i => (double)i).ToArray(), new string?[count]);

    public static Values Read(JsonElement? array)
    {
        if (array is not { ValueKind: JsonValueKind.Array } a) return Empty;
        var n = a.GetArrayLength();
        var numbers = new double[n];
        var texts = new string?[n];
        var i = 0;
        foreach (var e in a.EnumerateArray())
        {
            numbers[i] = double.NaN;
            switch (e.ValueKind)
            {
                case JsonValueKind.Number:
                    numbers[i] = e.GetDouble();
                    break;
                case JsonValueKind.String:
                    // Plotly.NET writes NaN and infinities as strings; numeric strings count as numbers, as in plotly.
                    var s = e.GetString()!;
                    if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) numbers[i] = d;
                    else if (s is not ("NaN" or "Infinity" or "-Infinity")) texts[i] = s;
                    break;
            }
            i++;
        }
        return new(numbers, texts);
    }
}

/// <summary>What the renderer needs of one trace of the figure.</summary>
internal sealed class TraceView
{
    public required int Index { get; init; }
    public required string Type { get; init; }
    public string? Name { get; init; }
    public string XAxis { get; init; } = "x";
    public string YAxis { get; init; } = "y";
    public Values X { get; init; } = Values.Empty;
    public Values Y { get; init; } = Values.Empty;
    public double[][]? Z { get; init; }
    public string Mode { get; init; } = "markers";
    public Rgb Color { get; init; }
    public double MarkerSize { get; init; } = 6;
    public double Opacity { get; init; } = 1;
    public double LineWidth { get; init; } = 2;
    public string? Dash { get; init; }
    public bool ShowLegend { get; init; } = true;
    public string? LegendGroup { get; init; }
    public JsonElement? Spec { get; init; }

    public bool HasMarkers => Type == "scatter" && Mode.Contains("markers");
    public bool HasLines => Type == "scatter" && Mode.Contains("lines");

    public static TraceView Read(JsonElement t, int index, IReadOnlyList<Rgb> colorway)
    {
        JsonElement? spec = t;
        var type = spec.Get("type").String() ?? "scatter";
        if (type == "scattergl") type = "scatter";
        var fallback = colorway[index % colorway.Count];
        var marker = spec.Get("marker");
        var line = spec.Get("line");
        var colour = marker.Get("color") is { ValueKind: JsonValueKind.String } mc ? mc.GetString()
            : line.Get("color") is { ValueKind: JsonValueKind.String } lc ? lc.GetString() : null;
        double[][]? z = null;
        if (spec.Get("z") is { ValueKind: JsonValueKind.Array } zArray)
            z = zArray.EnumerateArray().Select(row => Values.Read(row).Numbers).ToArray();
        var x = Values.Read(spec.Get("x"));
        var y = Values.Read(spec.Get("y"));
        if (type == "heatmap" && z is not null)
        {
            if (x.Count == 0) x = Values.Indices(z.Length == 0 ? 0 : z.Max(r => r.Length));
            if (y.Count == 0) y = Values.Indices(z.Length);
        }
        else if (x.Count == 0 && y.Count > 0) x = Values.Indices(y.Count);
        return new TraceView
        {
            Index = index,
            Type = type,
            Name = spec.Get("name").String(),
            XAxis = spec.Get("xaxis").String() ?? "x",
            YAxis = spec.Get("yaxis").String() ?? "y",
            X = x,
            Y = y,
            Z = z,
            Mode = spec.Get("mode").String() ?? (x.Count < 20 ? "lines+markers" : "lines"),
            Color = Rgb.Parse(colour, fallback),
            MarkerSize = marker.Get("size").Number() ?? 6,
            Opacity = (spec.Get("opacity").Number() ?? 1) * (marker.Get("opacity").Number() ?? 1),
            LineWidth = line.Get("width").Number() ?? 2,
            Dash = line.Get("dash").String(),
            ShowLegend = spec.Get("showlegend").Bool() ?? true,
            LegendGroup = spec.Get("legendgroup").String(),
            Spec = spec,
        };
    }
}

/// <summary>One axis of the figure ("x", "x2", "y" ...): its type, categories, range in linear units (the value,
/// its log10 on a log axis, a category's index) and where that range lies on the canvas.</summary>
internal sealed class AxisView(string id, JsonElement? spec)
{
    readonly Dictionary<string, int> categoryIndex = [];

    public string Id { get; } = id;
    public JsonElement? Spec { get; } = spec;
    public bool Horizontal => Id[0] == 'x';
    public string Type { get; set; } = "linear";
    public List<string> Categories { get; } = [];
    public double Domain0 { get; set; }
    public double Domain1 { get; set; } = 1;
    public double Lo { get; set; }
    public double Hi { get; set; } = 1;
    public bool Reversed { get; set; }

    /// <summary>Canvas coordinate of the axis's start (left, or bottom for a vertical axis) and end.</summary>
    public double Start { get; set; }
    public double End { get; set; }
    public double Length => Math.Abs(End - Start);

    public string Title => Spec.Get("title").TitleText();

    /// <summary>The layout key of an axis id: "x" → "xaxis", "y3" → "yaxis3".</summary>
    public static string LayoutKey(string id) => id[0] + "axis" + id[1..];

    public void AddCategory(string key)
    {
        if (categoryIndex.TryAdd(key, Categories.Count)) Categories.Add(key);
    }

    /// <summary>Entry i of the column in linear units, NaN when it cannot be placed (a non-positive value on a log
    /// axis, an unknown category, a missing value).</summary>
    public double Linear(Values values, int i)
    {
        if (Type == "category") return categoryIndex.TryGetValue(values.Key(i), out var k) ? k : double.NaN;
        var v = values.Numbers[i];
        return Type == "log" ? (v > 0 ? Math.Log10(v) : double.NaN) : v;
    }

    /// <summary>A value in linear units converted to its canvas coordinate.</summary>
    public double Pixel(double linear)
    {
        var t = (linear - Lo) / (Hi - Lo);
        if (Reversed) t = 1 - t;
        return Start + t * (End - Start);
    }

    public bool Contains(double linear) => linear >= Math.Min(Lo, Hi) - 1e-9 * Math.Abs(Hi - Lo) && linear <= Math.Max(Lo, Hi) + 1e-9 * Math.Abs(Hi - Lo);
}
