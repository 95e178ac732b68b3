namespace CourseWorkbook.Plotting;

/// <summary>The workbook's charts, one call each: line charts (training curves, scaling laws), scatters coloured by
/// class (2-D embeddings), heatmaps (distances, attention), grouped bars (recall per retriever) and grids of them.
/// Each returns a <see cref="Chart"/>; <see cref="ChartFormatting.Register"/> makes notebooks show it interactively
/// (plotly.js) and as a static SVG.</summary>
/// <example><code>
/// Plot.Line("Training loss", "epoch", "loss",
///     Series.FromY("train", trainLosses), Series.FromY("validation", valLosses))
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
    public static Chart Line(string title, string xTitle, string yTitle, params Series[] series) =>
        Line(title, xTitle, yTitle, (IReadOnlyList<Series>)series);

    /// <summary>A line chart with one curve per series; <paramref name="logX"/>/<paramref name="logY"/> make an
    /// axis logarithmic, so a power law (a scaling law) becomes a straight line.</summary>
    public static Chart Line(string title, string xTitle, string yTitle, IReadOnlyList<Series> series,
        bool logX = false, bool logY = false)
    {
        Require(series.Count > 0, "A line chart needs at least one series.");
        var traces = new List<Trace>();
        for (var i = 0; i < series.Count; i++)
        {
            var s = series[i];
            Require(s.X.Count == s.Y.Count, $"Series '{s.Name}' has {s.X.Count} x values but {s.Y.Count} y values.");
            traces.Add(Scatter(s.Name, s.X, s.Y, s.Mode, Palette.Color(i), markerSize: 7, dashed: s.Dashed));
        }
        return Build(traces, Layout(title, Axis("x", xTitle, logX ? AxisType.Log : AxisType.Linear),
            Axis("y", yTitle, logY ? AxisType.Log : AxisType.Linear)));
    }

    /// <summary>A scatter of the points (x[i], y[i]); with <paramref name="labels"/>, one trace (one colour, one
    /// legend entry) per distinct label, in order of first appearance. <paramref name="hoverTexts"/> are shown when
    /// the pointer rests on a point (e.g. the sentence an embedding came from). <paramref name="labelOrder"/> fixes
    /// the order of the classes (and so their colours and legend), e.g. "0".."9", so that a class keeps its colour
    /// from chart to chart; classes it does not name follow in order of first appearance.</summary>
    public static Chart Scatter(string title, IReadOnlyList<double> x, IReadOnlyList<double> y,
        IReadOnlyList<string>? labels = null, IReadOnlyList<string>? hoverTexts = null,
        string xTitle = "", string yTitle = "", double markerSize = 6, IReadOnlyList<string>? labelOrder = null)
    {
        Require(x.Count == y.Count, $"Scatter has {x.Count} x values but {y.Count} y values.");
        Require(labels is null || labels.Count == x.Count, $"Scatter has {x.Count} points but {labels?.Count} labels.");
        Require(hoverTexts is null || hoverTexts.Count == x.Count,
            $"Scatter has {x.Count} points but {hoverTexts?.Count} hover texts.");

        // The point indices of each class, in the order the classes first appear (GroupBy keeps that order).
        var classes = Enumerable.Range(0, x.Count).GroupBy(i => labels?[i] ?? "points").ToList();
        if (labelOrder is not null)
        {
            var order = labelOrder.ToList();
            // OrderBy is stable: classes absent from the order keep their first-seen order, after the others.
            classes = classes.OrderBy(g => order.IndexOf(g.Key) is var k && k >= 0 ? k : int.MaxValue).ToList();
        }
        var traces = new List<Trace>();
        for (var k = 0; k < classes.Count; k++)
        {
            var points = classes[k].ToList();
            var trace = Scatter(classes[k].Key, points.Select(i => x[i]), points.Select(i => y[i]), SeriesMode.Markers,
                Palette.Color(k), markerSize);
            if (hoverTexts is not null) trace = trace with { HoverTexts = points.Select(i => hoverTexts[i]).ToArray() };
            traces.Add(trace);
        }
        if (traces.Count == 0) traces.Add(Scatter("points", [], [], SeriesMode.Markers, Palette.Color(0), markerSize));
        return Build(traces, Layout(title, Axis("x", xTitle), Axis("y", yTitle)));
    }

    /// <summary>A heatmap of the matrix z: z[row, column] is drawn at (xLabels[column], yLabels[row]), row 0 at the
    /// top as in the matrix. The colour scale spans zMin..zMax (default: the data's range); <paramref
    /// name="showValues"/> writes each value in its cell (for small matrices).</summary>
    public static Chart Heatmap(string title, double[,] z,
        IReadOnlyList<string>? xLabels = null, IReadOnlyList<string>? yLabels = null,
        ColorScale? colorScale = null, double? zMin = null, double? zMax = null, bool showValues = false,
        string xTitle = "", string yTitle = "")
    {
        int rows = z.GetLength(0), columns = z.GetLength(1);
        Require(xLabels is null || xLabels.Count == columns,
            $"The heatmap has {columns} columns but {xLabels?.Count} x labels.");
        Require(yLabels is null || yLabels.Count == rows,
            $"The heatmap has {rows} rows but {yLabels?.Count} y labels.");
        // Plotly merges equal category labels into one column, which would hide cells.
        Require(xLabels is null || xLabels.Distinct().Count() == columns, "Heatmap x labels must be distinct.");
        Require(yLabels is null || yLabels.Distinct().Count() == rows, "Heatmap y labels must be distinct.");

        var trace = new HeatmapTrace(Enumerable.Range(0, rows)
            .Select(r => (IReadOnlyList<double>)Enumerable.Range(0, columns).Select(c => z[r, c]).ToArray()).ToArray())
        {
            XLabels = xLabels?.ToArray(),
            YLabels = yLabels?.ToArray(),
            ColorScale = colorScale ?? ColorScale.Viridis,
            ZMin = zMin,
            ZMax = zMax,
            TextTemplate = showValues ? "%{z:.2f}" : null,
        };
        // Cells fill the frame: no grid, no axis line, no tick marks; row 0 at the top.
        var xAxis = Axis("x", xTitle, xLabels is null ? AxisType.Linear : AxisType.Category)
            with { ShowGrid = false, ShowLine = false, Ticks = "" };
        var yAxis = Axis("y", yTitle, yLabels is null ? AxisType.Linear : AxisType.Category)
            with { ShowGrid = false, ShowLine = false, Ticks = "", Reversed = true };
        return Build([trace], Layout(title, xAxis, yAxis));
    }

    /// <summary>Grouped bars: one bar per category for each group (e.g. categories = retrievers, groups =
    /// recall@5 and recall@10).</summary>
    public static Chart Bar(string title, IReadOnlyList<string> categories,
        params (string Name, IReadOnlyList<double> Values)[] groups) =>
        Bar(title, "", categories, groups);

    /// <summary>Grouped bars with a title for the value axis.</summary>
    public static Chart Bar(string title, string yTitle, IReadOnlyList<string> categories,
        params (string Name, IReadOnlyList<double> Values)[] groups)
    {
        Require(groups.Length > 0, "A bar chart needs at least one group of values.");
        var traces = new List<Trace>();
        for (var i = 0; i < groups.Length; i++)
        {
            var (name, values) = groups[i];
            Require(values.Count == categories.Count,
                $"Group '{name}' has {values.Count} values for {categories.Count} categories.");
            traces.Add(new BarTrace(categories.ToArray(), values.ToArray()) { Name = name, Color = Palette.Color(i) });
        }
        var xAxis = Axis("x", "", AxisType.Category) with { ShowGrid = false };
        var layout = Layout(title, xAxis, Axis("y", yTitle)) with { BarMode = "group", BarGap = 0.2 };
        return Build(traces, layout);
    }

    /// <summary>Charts side by side, <paramref name="columns"/> per row, each titled with its own title
    /// (e.g. three embedding scatters: before training, after 5 epochs, after 20).</summary>
    public static Chart Grid(int columns, params Chart[] charts) =>
        PlotGrid.Combine(columns, charts.Select(c => c.Title).ToList(), charts);

    /// <summary>Charts side by side, <paramref name="columns"/> per row, with the given subplot titles.</summary>
    public static Chart Grid(int columns, IReadOnlyList<string> subplotTitles, params Chart[] charts) =>
        PlotGrid.Combine(columns, subplotTitles, charts);

    /// <summary>Writes the chart as a standalone HTML page (interactive where plotly.js can be loaded, the static
    /// SVG otherwise). The file is replaced atomically.</summary>
    public static void SaveHtml(Chart chart, string path) =>
        Runtime.AtomicFile.WriteAllText(path, ChartHtml.Page(chart));

    // ----- building blocks -------------------------------------------------------------------------------------

    internal const string FontFamily = "\"Open Sans\", verdana, arial, sans-serif";

    /// <summary>A scatter trace (markers and/or lines) in one colour.</summary>
    internal static ScatterTrace Scatter(string name, IEnumerable<double> x, IEnumerable<double> y, SeriesMode mode,
        string colour, double markerSize, bool dashed = false) =>
        new(x.ToArray(), y.ToArray())
        {
            Name = name,
            Mode = mode,
            Marker = new(colour, markerSize),
            Line = new(colour, 2, dashed ? "dash" : null),
        };

    /// <summary>An axis with the workbook's look (the <see cref="Plotting.Axis"/> defaults); a log axis writes its
    /// powers of ten as 1, 10, 10², 10³ ...</summary>
    internal static Axis Axis(string id, string title, AxisType type = AxisType.Linear) =>
        new(id) { Title = title, Type = type, ExponentFormat = type == AxisType.Log ? "power" : null };

    /// <summary>The common layout: title, size, white background, the categorical palette.</summary>
    internal static Layout Layout(string title, Axis xAxis, Axis yAxis, int width = Width, int height = Height) =>
        new() { Title = new(title, 0.05), Width = width, Height = height, Axes = [xAxis, yAxis] };

    /// <summary>Puts the traces into one chart with the layout; the legend is shown when there is more than one
    /// legend entry.</summary>
    internal static Chart Build(IReadOnlyList<Trace> traces, Layout layout)
    {
        var legendEntries = traces.Count(t => t is ScatterTrace or BarTrace && t.ShowLegend is not false);
        return new Chart(traces, layout with { ShowLegend = legendEntries > 1 });
    }

    internal static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
