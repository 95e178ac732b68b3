using System.Globalization;

namespace CourseWorkbook.Plotting;

/// <summary>One data column of a trace ("x" or "y") as the renderer places it: the number of each entry (NaN when it
/// has none) and, for entries that are non-numeric strings, their text (category names).</summary>
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

    public static Values Of(IReadOnlyList<double> numbers) => new([.. numbers], new string?[numbers.Count]);

    /// <summary>Labels: numeric strings count as numbers, as in plotly.js; the others are category names.</summary>
    public static Values Of(IReadOnlyList<string> labels)
    {
        var numbers = new double[labels.Count];
        var texts = new string?[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            numbers[i] = double.NaN;
            var s = labels[i];
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) numbers[i] = d;
            else if (s is not ("NaN" or "Infinity" or "-Infinity")) texts[i] = s;
        }
        return new(numbers, texts);
    }
}

/// <summary>What the renderer needs of one trace of the chart, with plotly.js's defaults filled in.</summary>
internal sealed class TraceView
{
    public required int Index { get; init; }
    public required Trace Source { get; init; }
    public string Type => Source.Type;
    public string? Name => Source.Name;
    public string XAxis => Source.XAxis ?? "x";
    public string YAxis => Source.YAxis ?? "y";
    public Values X { get; init; } = Values.Empty;
    public Values Y { get; init; } = Values.Empty;
    public IReadOnlyList<IReadOnlyList<double>>? Z => (Source as HeatmapTrace)?.Z;
    public HeatmapTrace? Heatmap => Source as HeatmapTrace;
    public string Mode { get; init; } = "markers";
    public Rgb Color { get; init; }
    public double MarkerSize { get; init; } = 6;
    public double LineWidth { get; init; } = 2;
    public string? Dash { get; init; }
    public bool ShowLegend => Source.ShowLegend ?? true;
    public string? LegendGroup => Source.LegendGroup;

    public bool HasMarkers => Type == "scatter" && Mode.Contains("markers");
    public bool HasLines => Type == "scatter" && Mode.Contains("lines");

    public static TraceView From(Trace trace, int index, IReadOnlyList<Rgb> colorway)
    {
        var fallback = colorway[index % colorway.Count];
        return trace switch
        {
            ScatterTrace s => new TraceView
            {
                Index = index,
                Source = s,
                X = s.X.Count == 0 && s.Y.Count > 0 ? Values.Indices(s.Y.Count) : Values.Of(s.X),
                Y = Values.Of(s.Y),
                Mode = s.Mode switch
                {
                    SeriesMode.Lines => "lines",
                    SeriesMode.LinesAndMarkers => "lines+markers",
                    _ => "markers",
                },
                Color = Rgb.Parse(s.Marker.Color, Rgb.Parse(s.Line.Color, fallback)),
                MarkerSize = s.Marker.Size,
                LineWidth = s.Line.Width,
                Dash = s.Line.Dash,
            },
            HeatmapTrace h => new TraceView
            {
                Index = index,
                Source = h,
                X = h.XLabels is null ? Values.Indices(h.Columns) : Values.Of(h.XLabels),
                Y = h.YLabels is null ? Values.Indices(h.Z.Count) : Values.Of(h.YLabels),
                Color = fallback,
            },
            BarTrace b => new TraceView
            {
                Index = index,
                Source = b,
                X = Values.Of(b.X),
                Y = Values.Of(b.Y),
                Color = Rgb.Parse(b.Color, fallback),
            },
            _ => throw new ArgumentException($"No renderer for {trace.Type} traces."),
        };
    }
}

/// <summary>One axis of the chart ("x", "x2", "y" ...): its type, categories, range in linear units (the value,
/// its log10 on a log axis, a category's index) and where that range lies on the canvas. <see cref="Spec"/> is
/// null for an axis a trace names but the layout does not define: plotly.js's defaults apply.</summary>
internal sealed class AxisView(string id, Axis? spec)
{
    readonly Dictionary<string, int> categoryIndex = [];

    public string Id { get; } = id;
    public Axis? Spec { get; } = spec;
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

    public string Title => Spec?.Title ?? "";

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

    public bool Contains(double linear) =>
        linear >= Math.Min(Lo, Hi) - 1e-9 * Math.Abs(Hi - Lo) && linear <= Math.Max(Lo, Hi) + 1e-9 * Math.Abs(Hi - Lo);
}
