using Plotly.NET;

namespace CourseWorkbook.Plotting;

/// <summary>The workbook's charts, one call each: line charts (training curves, scaling laws), scatters coloured by
/// class (2-D embeddings), heatmaps (distances, attention), grouped bars (recall per retriever) and grids of them.
/// Each returns a Plotly.NET <see cref="GenericChart"/>; <see cref="ChartFormatting.Register"/> makes notebooks
/// show it interactively and as a static SVG.</summary>
/// <example><code>
/// Plot.Line("Training loss", "epoch", "loss", Series.FromY("train", trainLosses), Series.FromY("validation", valLosses))
/// Plot.Scatter("Embeddings after training", xs, ys, labels: classNames)
/// Plot.Grid(3, before, afterFiveEpochs, afterTwentyEpochs)
/// </code></example>
public static class Plot
{
    /// <summary>Default chart width in pixels.</summary>
    public const int Width = 640;

    /// <summary>Default chart height in pixels.</summary>
    public const int Height = 420;

    /// <summary>A line chart with one curve per series.</summary>
    public static GenericChart Line(string title, string xTitle, string yTitle, params Series[] series) =>
        Line(title, xTitle, yTitle, (IReadOnlyList<Series>)series);

    /// <summary>A line chart with one curve per series; <paramref name="logX"/>/<paramref name="logY"/> make an
    /// axis logarithmic, so a power law (a scaling law) becomes a straight line.</summary>
    public static GenericChart Line(string title, string xTitle, string yTitle, IReadOnlyList<Series> series,
        bool logX = false, bool logY = false)
    {
        Require(series.Count > 0, "A line chart needs at least one series.");
        var traces = new List<Trace>();
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            Require(s.X.Count == s.Y.Count, $"Series '{s.Name}' has {s.X.Count} x values but {s.Y.Count} y values.");
            var mode = s.Mode switch
            {
                SeriesMode.Markers => "markers",
                SeriesMode.LinesAndMarkers => "lines+markers",
                _ => "lines",
            };
            traces.Add(ScatterTrace(s.Name, s.X, s.Y, mode, Palette.Color(i), markerSize: 7, dashed: s.Dashed));
        }
        return Build(traces, Layout(title, Axis(xTitle, logX ? "log" : "linear"), Axis(yTitle, logY ? "log" : "linear")));
    }

    /// <summary>A scatter of the points (x[i], y[i]); with <paramref name="labels"/>, one trace (one colour, one
    /// legend entry) per distinct label, in order of first appearance. <paramref name="hoverTexts"/> are shown when
    /// the pointer rests on a point (e.g. the sentence an embedding came from). <paramref name="labelOrder"/> fixes
    /// the order of the classes (and so their colours and legend), e.g. "0".."9", so that a class keeps its colour
    /// from chart to chart; classes it does not name follow in order of first appearance.</summary>
    public static GenericChart Scatter(string title, IReadOnlyList<double> x, IReadOnlyList<double> y,
        IReadOnlyList<string>? labels = null, IReadOnlyList<string>? hoverTexts = null,
        string xTitle = "", string yTitle = "", double markerSize = 6, IReadOnlyList<string>? labelOrder = null)
    {
        Require(x.Count == y.Count, $"Scatter has {x.Count} x values but {y.Count} y values.");
        Require(labels is null || labels.Count == x.Count, $"Scatter has {x.Count} points but {labels?.Count} labels.");
        Require(hoverTexts is null || hoverTexts.Count == x.Count, $"Scatter has {x.Count} points but {hoverTexts?.Count} hover texts.");

        // The point indices of each class, in the order the classes first appear (GroupBy keeps that order).
        var classes = Enumerable.Range(0, x.Count).GroupBy(i => labels?[i] ?? "points").ToList();
        if (labelOrder is not null)
        {
            var order = labelOrder.ToList();
            classes = classes.OrderBy(g => order.IndexOf(g.Key) is var k && k >= 0 ? k : int.MaxValue).ToList(); // OrderBy is stable
        }
        var traces = new List<Trace>();
        for (var k = 0; k < classes.Count; k++)
        {
            var points = classes[k].ToList();
            var trace = ScatterTrace(classes[k].Key, points.Select(i => x[i]), points.Select(i => y[i]), "markers",
                Palette.Color(k), markerSize);
            if (hoverTexts is not null) trace.SetProperty("text", points.Select(i => hoverTexts[i]).ToArray());
            traces.Add(trace);
        }
        if (traces.Count == 0) traces.Add(ScatterTrace("points", [], [], "markers", Palette.Color(0), markerSize));
        return Build(traces, Layout(title, Axis(xTitle), Axis(yTitle)));
    }

    /// <summary>A heatmap of the matrix z: z[row, column] is drawn at (xLabels[column], yLabels[row]), row 0 at the
    /// top as in the matrix. The colour scale spans zMin..zMax (default: the data's range); <paramref
    /// name="showValues"/> writes each value in its cell (for small matrices).</summary>
    public static GenericChart Heatmap(string title, double[,] z,
        IReadOnlyList<string>? xLabels = null, IReadOnlyList<string>? yLabels = null,
        ColorScale? colorScale = null, double? zMin = null, double? zMax = null, bool showValues = false,
        string xTitle = "", string yTitle = "")
    {
        int rows = z.GetLength(0), columns = z.GetLength(1);
        Require(xLabels is null || xLabels.Count == columns, $"The heatmap has {columns} columns but {xLabels?.Count} x labels.");
        Require(yLabels is null || yLabels.Count == rows, $"The heatmap has {rows} rows but {yLabels?.Count} y labels.");
        // Plotly merges equal category labels into one column, which would hide cells.
        Require(xLabels is null || xLabels.Distinct().Count() == columns, "Heatmap x labels must be distinct.");
        Require(yLabels is null || yLabels.Distinct().Count() == rows, "Heatmap y labels must be distinct.");

        var trace = new Trace2D("heatmap");
        trace.SetProperty("z", Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, columns).Select(c => z[r, c]).ToArray()).ToArray());
        trace.SetProperty("x", xLabels is null ? Enumerable.Range(0, columns).ToArray() : xLabels.ToArray());
        trace.SetProperty("y", yLabels is null ? Enumerable.Range(0, rows).ToArray() : yLabels.ToArray());
        trace.SetProperty("colorscale", (colorScale ?? ColorScale.Viridis).ToPlotly());
        if (zMin is { } low) trace.SetProperty("zmin", low);
        if (zMax is { } high) trace.SetProperty("zmax", high);
        if (showValues) trace.SetProperty("texttemplate", "%{z:.2f}");

        var xAxis = Axis(xTitle, xLabels is null ? "linear" : "category");
        var yAxis = Axis(yTitle, yLabels is null ? "linear" : "category");
        foreach (var axis in new[] { xAxis, yAxis })
        {
            axis["showgrid"] = false;
            axis["showline"] = false;
            axis["ticks"] = "";
        }
        yAxis["autorange"] = "reversed";
        return Build([trace], Layout(title, xAxis, yAxis));
    }

    /// <summary>Grouped bars: one bar per category for each group (e.g. categories = retrievers, groups =
    /// recall@5 and recall@10).</summary>
    public static GenericChart Bar(string title, IReadOnlyList<string> categories,
        params (string Name, IReadOnlyList<double> Values)[] groups) =>
        Bar(title, "", categories, groups);

    /// <summary>Grouped bars with a title for the value axis.</summary>
    public static GenericChart Bar(string title, string yTitle, IReadOnlyList<string> categories,
        params (string Name, IReadOnlyList<double> Values)[] groups)
    {
        Require(groups.Length > 0, "A bar chart needs at least one group of values.");
        var traces = new List<Trace>();
        for (var i = 0; i < groups.Length; i++)
        {
            var (name, values) = groups[i];
            Require(values.Count == categories.Count, $"Group '{name}' has {values.Count} values for {categories.Count} categories.");
            var trace = new Trace2D("bar");
            trace.SetProperty("name", name);
            trace.SetProperty("x", categories.ToArray());
            trace.SetProperty("y", values.ToArray());
            trace.SetProperty("marker", new Dictionary<string, object> { ["color"] = Palette.Color(i) });
            traces.Add(trace);
        }
        var xAxis = Axis("", "category");
        xAxis["showgrid"] = false;
        var layout = Layout(title, xAxis, Axis(yTitle));
        layout.SetProperty("barmode", "group");
        layout.SetProperty("bargap", 0.2);
        return Build(traces, layout);
    }

    /// <summary>Charts side by side, <paramref name="columns"/> per row, each titled with its own title
    /// (e.g. three embedding scatters: before training, after 5 epochs, after 20).</summary>
    public static GenericChart Grid(int columns, params GenericChart[] charts) =>
        PlotGrid.Combine(columns, charts.Select(PlotGrid.TitleOf).ToList(), charts);

    /// <summary>Charts side by side, <paramref name="columns"/> per row, with the given subplot titles.</summary>
    public static GenericChart Grid(int columns, IReadOnlyList<string> subplotTitles, params GenericChart[] charts) =>
        PlotGrid.Combine(columns, subplotTitles, charts);

    /// <summary>Writes the chart as a standalone HTML page (interactive where plotly.js can be loaded, the static
    /// SVG otherwise). The file is replaced atomically.</summary>
    public static void SaveHtml(GenericChart chart, string path) => Runtime.AtomicFile.WriteAllText(path, ChartHtml.Page(chart));

    // ----- building blocks -------------------------------------------------------------------------------------

    internal const string FontFamily = "\"Open Sans\", verdana, arial, sans-serif";

    /// <summary>A scatter trace (markers and/or lines) in one colour.</summary>
    internal static Trace2D ScatterTrace(string name, IEnumerable<double> x, IEnumerable<double> y, string mode,
        string colour, double markerSize, bool dashed = false)
    {
        var trace = new Trace2D("scatter");
        trace.SetProperty("name", name);
        trace.SetProperty("mode", mode);
        trace.SetProperty("x", x.ToArray());
        trace.SetProperty("y", y.ToArray());
        trace.SetProperty("marker", new Dictionary<string, object> { ["color"] = colour, ["size"] = markerSize });
        var line = new Dictionary<string, object> { ["color"] = colour, ["width"] = 2 };
        if (dashed) line["dash"] = "dash";
        trace.SetProperty("line", line);
        return trace;
    }

    /// <summary>An axis with the workbook's look: a thin frame line, outside ticks, light grid.</summary>
    internal static Dictionary<string, object> Axis(string title, string type = "linear")
    {
        var axis = new Dictionary<string, object>
        {
            ["title"] = new Dictionary<string, object> { ["text"] = title },
            ["type"] = type,
            ["showline"] = true,
            ["linecolor"] = "#888888",
            ["ticks"] = "outside",
            ["ticklen"] = 4,
            ["tickcolor"] = "#888888",
            ["showgrid"] = true,
            ["gridcolor"] = "#e6e6e6",
            ["zeroline"] = false,
            ["automargin"] = true,
        };
        if (type == "log") axis["exponentformat"] = "power"; // 1, 10, 10², 10³ ...
        return axis;
    }

    /// <summary>The common layout: title, size, white background, the categorical palette.</summary>
    internal static Layout Layout(string title, Dictionary<string, object> xAxis, Dictionary<string, object> yAxis,
        int width = Width, int height = Height)
    {
        var layout = new Layout();
        layout.SetProperty("title", new Dictionary<string, object> { ["text"] = title, ["x"] = 0.05 });
        layout.SetProperty("width", width);
        layout.SetProperty("height", height);
        layout.SetProperty("font", new Dictionary<string, object> { ["family"] = FontFamily, ["size"] = 12, ["color"] = "#2a3f5f" });
        layout.SetProperty("paper_bgcolor", "#ffffff");
        layout.SetProperty("plot_bgcolor", "#ffffff");
        layout.SetProperty("colorway", Palette.Categorical.ToArray());
        layout.SetProperty("margin", new Dictionary<string, object> { ["l"] = 60, ["r"] = 20, ["t"] = 50, ["b"] = 50 });
        layout.SetProperty("hovermode", "closest");
        layout.SetProperty("xaxis", xAxis);
        layout.SetProperty("yaxis", yAxis);
        return layout;
    }

    /// <summary>Puts the traces into one chart with the layout; the legend is shown when there is more than one
    /// legend entry.</summary>
    internal static GenericChart Build(IReadOnlyList<Trace> traces, Layout layout)
    {
        var legendEntries = traces.Count(t => t.TryGetPropertyValue("type")?.Value is "scatter" or "bar"
                                              && t.TryGetPropertyValue("showlegend")?.Value is not false);
        layout.SetProperty("showlegend", legendEntries > 1);
        var chart = GenericChart.combine(traces.Select(t => GenericChart.ofTraceObject(false, t)));
        return GenericChart.setLayout(layout, chart);
    }

    internal static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
