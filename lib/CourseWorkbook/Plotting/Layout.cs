namespace CourseWorkbook.Plotting;

/// <summary>A chart title: its text (plotly.js's little HTML: &lt;br&gt; breaks a line) and its horizontal place
/// as a fraction of the width; null leaves it centred.</summary>
public sealed record ChartTitle(string Text, double? X = null);

/// <summary>The font of all text in a chart: CSS family, size in pixels, colour.</summary>
public sealed record ChartFont(string Family, double Size, string Color);

/// <summary>The space in pixels between the page's edges and the plot area.</summary>
public sealed record Margin(double Left, double Right, double Top, double Bottom);

/// <summary>The legend's settings: the gap in pixels between legend groups.</summary>
public sealed record Legend(double TraceGroupGap);

/// <summary>How an axis maps values to positions.</summary>
public enum AxisType
{
    /// <summary>Evenly spaced values.</summary>
    Linear,
    /// <summary>Evenly spaced powers of ten (a power law becomes a straight line).</summary>
    Log,
    /// <summary>One slot per distinct label, in order of first appearance.</summary>
    Category,
}

/// <summary>One axis of a chart, with the workbook's look by default (thin frame line, outside ticks, light grid).
/// <paramref name="Id"/> is plotly.js's axis id: "x", "y", "x2", "y2" ... (layout keys "xaxis", "yaxis2").</summary>
public sealed record Axis(string Id)
{
    /// <summary>The axis title ("" for none).</summary>
    public string Title { get; init; } = "";

    /// <summary>Linear, logarithmic or categorical.</summary>
    public AxisType Type { get; init; } = AxisType.Linear;

    /// <summary>Whether the axis line is drawn.</summary>
    public bool ShowLine { get; init; } = true;

    /// <summary>The colour of the axis line.</summary>
    public string LineColor { get; init; } = "#888888";

    /// <summary>plotly.js's tick placement: "outside", "inside" or "" (no tick marks).</summary>
    public string Ticks { get; init; } = "outside";

    /// <summary>The length of the tick marks in pixels.</summary>
    public double TickLength { get; init; } = 4;

    /// <summary>The colour of the tick marks.</summary>
    public string TickColor { get; init; } = "#888888";

    /// <summary>Whether grid lines are drawn at the ticks.</summary>
    public bool ShowGrid { get; init; } = true;

    /// <summary>The colour of the grid lines.</summary>
    public string GridColor { get; init; } = "#e6e6e6";

    /// <summary>Whether a line is drawn at zero.</summary>
    public bool ZeroLine { get; init; }

    /// <summary>Whether plotly.js widens the margins to fit the tick labels.</summary>
    public bool AutoMargin { get; init; } = true;

    /// <summary>How large numbers are written ("power": 10², 10³); null for plotly.js's default.</summary>
    public string? ExponentFormat { get; init; }

    /// <summary>Whether values run the other way (a heatmap's row 0 at the top).</summary>
    public bool Reversed { get; init; }

    /// <summary>A fixed range (in log10 units on a log axis); null to fit the data.</summary>
    public (double From, double To)? Range { get; init; }

    /// <summary>The fraction of the plot area the axis spans (a subplot's place); null for all of it.</summary>
    public (double From, double To)? Domain { get; init; }

    /// <summary>The id of the perpendicular axis this one is drawn along; null for the first ("x" or "y").</summary>
    public string? Anchor { get; init; }
}

/// <summary>A text placed on the chart, in fractions of the plot area ("paper") or in data units of an axis
/// (a subplot's title, a note).</summary>
public sealed record Annotation(string Text, double X, double Y)
{
    /// <summary>"paper" or the id of the horizontal axis <see cref="X"/> is measured on.</summary>
    public string XRef { get; init; } = "paper";

    /// <summary>"paper" or the id of the vertical axis <see cref="Y"/> is measured on.</summary>
    public string YRef { get; init; } = "paper";

    /// <summary>Which side of the text is at X: "left", "center" or "right".</summary>
    public string XAnchor { get; init; } = "center";

    /// <summary>Which side of the text is at Y: "top", "middle" or "bottom".</summary>
    public string YAnchor { get; init; } = "middle";

    /// <summary>The font size in pixels; null for the chart's font size.</summary>
    public double? FontSize { get; init; }
}

/// <summary>Everything of a chart that is not a trace: title, size, font, colours, margins, axes, legend, bar
/// placement and annotations. The defaults are the workbook's look.</summary>
public sealed record Layout
{
    /// <summary>The chart's title.</summary>
    public ChartTitle Title { get; init; } = new("");

    /// <summary>The width in pixels.</summary>
    public int Width { get; init; } = Plot.Width;

    /// <summary>The height in pixels.</summary>
    public int Height { get; init; } = Plot.Height;

    /// <summary>The font of all text.</summary>
    public ChartFont Font { get; init; } = new(Plot.FontFamily, 12, "#2a3f5f");

    /// <summary>The colour of the whole page.</summary>
    public string PaperBackground { get; init; } = "#ffffff";

    /// <summary>The colour behind the data.</summary>
    public string PlotBackground { get; init; } = "#ffffff";

    /// <summary>The colours traces take in turn when they name none.</summary>
    public IReadOnlyList<string> Colorway { get; init; } = Palette.Categorical;

    /// <summary>The space around the plot area.</summary>
    public Margin Margin { get; init; } = new(60, 20, 50, 50);

    /// <summary>plotly.js's hover mode: "closest" shows the point under the pointer.</summary>
    public string HoverMode { get; init; } = "closest";

    /// <summary>The axes, each with its id ("x", "y", "x2" ...).</summary>
    public IReadOnlyList<Axis> Axes { get; init; } = [new Axis("x"), new Axis("y")];

    /// <summary>Whether the legend is shown; null lets plotly.js decide (shown for more than one trace).</summary>
    public bool? ShowLegend { get; init; }

    /// <summary>The legend's settings; null for plotly.js's defaults.</summary>
    public Legend? Legend { get; init; }

    /// <summary>How bar traces on the same axes are placed ("group": side by side); null for the default.</summary>
    public string? BarMode { get; init; }

    /// <summary>The gap between bars of neighbouring categories, as a fraction of a category's slot.</summary>
    public double? BarGap { get; init; }

    /// <summary>Texts placed on the chart; null for none.</summary>
    public IReadOnlyList<Annotation>? Annotations { get; init; }

    /// <summary>The axis with the given id, or null.</summary>
    public Axis? AxisById(string id) => Axes.FirstOrDefault(a => a.Id == id);
}
