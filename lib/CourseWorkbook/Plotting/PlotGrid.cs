namespace CourseWorkbook.Plotting;

/// <summary>Puts several charts into one figure as subplots. Subplot k is drawn on axes "x{k}" and "y{k}" (layout
/// keys "xaxis{k}", "yaxis{k}"); each axis's domain says which fraction of the figure it occupies, and each trace
/// names its axes.</summary>
internal static class PlotGrid
{
    const double ColumnGap = 0.08, HeatmapColumnGap = 0.16, RowGap = 0.16;

    public static Chart Combine(int columns, IReadOnlyList<string> subplotTitles, IReadOnlyList<Chart> charts)
    {
        Plot.Require(columns > 0, "A grid needs at least one column.");
        Plot.Require(charts.Count > 0, "A grid needs at least one chart.");
        Plot.Require(subplotTitles.Count == charts.Count,
            $"The grid has {charts.Count} charts but {subplotTitles.Count} subplot titles.");

        columns = Math.Min(columns, charts.Count);
        var rows = (charts.Count + columns - 1) / columns;
        var hasHeatmap = charts.Any(c => c.Traces.Any(t => t is HeatmapTrace));
        var columnGap = hasHeatmap ? HeatmapColumnGap : ColumnGap;
        var cellWidth = (1 - (columns - 1) * columnGap) / columns;
        var cellHeight = (1 - (rows - 1) * RowGap) / rows;

        var axes = new List<Axis>();
        var traces = new List<Trace>();
        var annotations = new List<Annotation>();
        var legendNames = new HashSet<string>();
        string? barMode = null;
        for (var i = 0; i < charts.Count; i++)
        {
            int row = i / columns, column = i % columns;
            var xDomain = (column * (cellWidth + columnGap), column * (cellWidth + columnGap) + cellWidth);
            var yTop = 1 - row * (cellHeight + RowGap);
            var yDomain = (yTop - cellHeight, yTop);
            var suffix = i == 0 ? "" : (i + 1).ToString();
            var source = charts[i].Layout;

            // The subplot keeps its chart's axis settings (titles, log scale, reversed rows) in its own domain.
            var xAxis = source.AxisById("x") ?? Plot.Axis("x", "");
            var yAxis = source.AxisById("y") ?? Plot.Axis("y", "");
            axes.Add(xAxis with { Id = "x" + suffix, Domain = xDomain, Anchor = "y" + suffix });
            axes.Add(yAxis with { Id = "y" + suffix, Domain = yDomain, Anchor = "x" + suffix });
            barMode ??= source.BarMode;

            foreach (var original in charts[i].Traces)
            {
                var trace = original with { XAxis = "x" + suffix, YAxis = "y" + suffix };
                if (trace is HeatmapTrace heatmap)
                {
                    var middle = (yDomain.Item1 + yDomain.Item2) / 2;
                    var colorBar = new ColorBar(X: xDomain.Item2 + 0.01, Y: middle, Length: cellHeight, Thickness: 12);
                    trace = heatmap with { ColorBar = colorBar };
                }
                else if (trace.Name is { } name)
                    // The same class in several panels: one legend entry that toggles all of them.
                    trace = trace with { LegendGroup = name, ShowLegend = legendNames.Add(name) };
                traces.Add(trace);
            }

            if (subplotTitles[i].Length > 0)
                annotations.Add(new Annotation(subplotTitles[i], (xDomain.Item1 + xDomain.Item2) / 2, yTop)
                    { YAnchor = "bottom", FontSize = 14 });
        }

        var layout = new Layout
        {
            Title = new(""),
            Width = Math.Min(1100, 80 + 320 * columns + 120),
            Height = 90 + 330 * rows,
            Margin = new(60, 20, 60, 50),
            Legend = new(TraceGroupGap: 0),
            Axes = axes,
            BarMode = barMode,
            Annotations = annotations,
        };
        return Plot.Build(traces, layout);
    }
}
