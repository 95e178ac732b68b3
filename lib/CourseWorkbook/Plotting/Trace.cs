namespace CourseWorkbook.Plotting;

/// <summary>One trace of a chart, as plotly.js names them: what is drawn, on which axes ("x", "y2"), and how it
/// appears in the legend. Null values are left to plotly.js's defaults and not written.</summary>
public abstract record Trace
{
    /// <summary>plotly.js's trace type: "scatter", "heatmap" or "bar".</summary>
    public abstract string Type { get; }

    /// <summary>The legend entry (and hover label) of the trace.</summary>
    public string? Name { get; init; }

    /// <summary>The horizontal axis the trace is drawn on ("x", "x2" ...); null means "x".</summary>
    public string? XAxis { get; init; }

    /// <summary>The vertical axis the trace is drawn on ("y", "y2" ...); null means "y".</summary>
    public string? YAxis { get; init; }

    /// <summary>Traces sharing a legend group are toggled together by one legend entry.</summary>
    public string? LegendGroup { get; init; }

    /// <summary>Whether the trace has a legend entry; null means yes.</summary>
    public bool? ShowLegend { get; init; }
}

/// <summary>Markers of a scatter trace: fill colour and diameter in pixels.</summary>
public sealed record MarkerStyle(string Color, double Size);

/// <summary>The line of a scatter trace: colour, width in pixels and plotly.js's dash name ("dash", "dot") or null
/// for a solid line.</summary>
public sealed record LineStyle(string Color, double Width, string? Dash = null);

/// <summary>Points (x[i], y[i]) drawn as markers, a line through them, or both: curves and point clouds.</summary>
public sealed record ScatterTrace(IReadOnlyList<double> X, IReadOnlyList<double> Y) : Trace
{
    /// <inheritdoc/>
    public override string Type => "scatter";

    /// <summary>Markers, lines or both.</summary>
    public SeriesMode Mode { get; init; } = SeriesMode.Markers;

    /// <summary>The markers' look (also when only lines are drawn: plotly.js uses it in the legend).</summary>
    public MarkerStyle Marker { get; init; } = new(Palette.Color(0), 6);

    /// <summary>The line's look.</summary>
    public LineStyle Line { get; init; } = new(Palette.Color(0), 2);

    /// <summary>A text per point, shown when the pointer rests on it; null for none.</summary>
    public IReadOnlyList<string>? HoverTexts { get; init; }
}

/// <summary>Where the colour bar of a heatmap goes: x and y (its centre) in fractions of the plot area, its length
/// in fractions of the plot area's height, its thickness in pixels.</summary>
public sealed record ColorBar(double X, double Y, double Length, double Thickness);

/// <summary>A matrix drawn as coloured cells: Z[row][column] at (XLabels[column], YLabels[row]); without labels the
/// columns and rows are numbered 0, 1, ...</summary>
public sealed record HeatmapTrace(IReadOnlyList<IReadOnlyList<double>> Z) : Trace
{
    /// <inheritdoc/>
    public override string Type => "heatmap";

    /// <summary>The column labels, or null for 0, 1, ...</summary>
    public IReadOnlyList<string>? XLabels { get; init; }

    /// <summary>The row labels, or null for 0, 1, ...</summary>
    public IReadOnlyList<string>? YLabels { get; init; }

    /// <summary>The colours from the smallest value shown to the largest.</summary>
    public ColorScale ColorScale { get; init; } = ColorScale.Viridis;

    /// <summary>The value drawn in the first colour; null for the data's minimum.</summary>
    public double? ZMin { get; init; }

    /// <summary>The value drawn in the last colour; null for the data's maximum.</summary>
    public double? ZMax { get; init; }

    /// <summary>plotly.js's text template for the value written in each cell ("%{z:.2f}"); null for none.</summary>
    public string? TextTemplate { get; init; }

    /// <summary>The colour bar's place; null for plotly.js's default (right of the plot area).</summary>
    public ColorBar? ColorBar { get; init; }

    /// <summary>The number of columns (the longest row).</summary>
    public int Columns => Z.Count == 0 ? 0 : Z.Max(row => row.Count);
}

/// <summary>One bar per category, Y[i] high over X[i]; several bar traces on the same axes stand side by
/// side.</summary>
public sealed record BarTrace(IReadOnlyList<string> X, IReadOnlyList<double> Y) : Trace
{
    /// <inheritdoc/>
    public override string Type => "bar";

    /// <summary>The bars' fill colour.</summary>
    public string Color { get; init; } = Palette.Color(0);
}
