using Plotly.NET;

namespace CourseWorkbook.Plotting;

/// <summary>Puts several charts into one figure as subplots. Plotly draws subplot k with axes "xaxis{k}" and
/// "yaxis{k}"; each axis's "domain" says which fraction of the figure it occupies, and each trace names its axes
/// ("x2", "y2").</summary>
internal static class PlotGrid
{
    const double ColumnGap = 0.08, HeatmapColumnGap = 0.16, RowGap = 0.16;

    public static GenericChart Combine(int columns, IReadOnlyList<string> subplotTitles, IReadOnlyList<GenericChart> charts)
    {
        Plot.Require(columns > 0, "A grid needs at least one column.");
        Plot.Require(charts.Count > 0, "A grid needs at least one chart.");
        Plot.Require(subplotTitles.Count == charts.Count, $"The grid has {charts.Count} charts but {subplotTitles.Count} subplot titles.");

        columns = Math.Min(columns, charts.Count);
        var rows = (charts.Count + columns - 1) / columns;
        var hasHeatmap = charts.Any(c => GenericChart.getTraces(c).Any(t => TypeOf(t) == "heatmap"));
        var columnGap = hasHeatmap ? HeatmapColumnGap : ColumnGap;
        var cellWidth = (1 - (columns - 1) * columnGap) / columns;
        var cellHeight = (1 - (rows - 1) * RowGap) / rows;

        var layout = Plot.Layout("", Plot.Axis(""), Plot.Axis(""),
            width: Math.Min(1100, 80 + 320 * columns + 120), height: 90 + 330 * rows);
        layout.SetProperty("title", new Dictionary<string, object> { ["text"] = "" });
        layout.SetProperty("margin", new Dictionary<string, object> { ["l"] = 60, ["r"] = 20, ["t"] = 60, ["b"] = 50 });
        layout.SetProperty("legend", new Dictionary<string, object> { ["tracegroupgap"] = 0 });

        var traces = new List<Trace>();
        var annotations = new List<Dictionary<string, object>>();
        var legendNames = new HashSet<string>();
        for (var i = 0; i < charts.Count; i++)
        {
            int row = i / columns, column = i % columns;
            var xDomain = new[] { column * (cellWidth + columnGap), column * (cellWidth + columnGap) + cellWidth };
            var yTop = 1 - row * (cellHeight + RowGap);
            var yDomain = new[] { yTop - cellHeight, yTop };
            var suffix = i == 0 ? "" : (i + 1).ToString();
            var source = GenericChart.getLayout(charts[i]);

            // The subplot keeps its chart's axis settings (titles, log scale, reversed rows) in its own domain.
            var xAxis = CopyAxis(source, "xaxis");
            xAxis["domain"] = xDomain;
            xAxis["anchor"] = "y" + suffix;
            var yAxis = CopyAxis(source, "yaxis");
            yAxis["domain"] = yDomain;
            yAxis["anchor"] = "x" + suffix;
            layout.SetProperty("xaxis" + suffix, xAxis);
            layout.SetProperty("yaxis" + suffix, yAxis);
            if (Property(source, "barmode") is { } barmode) layout.SetProperty("barmode", barmode);

            foreach (var original in GenericChart.getTraces(charts[i]))
            {
                var trace = Copy(original);
                trace.SetProperty("xaxis", "x" + suffix);
                trace.SetProperty("yaxis", "y" + suffix);
                if (TypeOf(trace) == "heatmap")
                    trace.SetProperty("colorbar", new Dictionary<string, object>
                    {
                        ["x"] = xDomain[1] + 0.01, ["xanchor"] = "left",
                        ["y"] = (yDomain[0] + yDomain[1]) / 2, ["yanchor"] = "middle",
                        ["len"] = cellHeight, ["thickness"] = 12,
                    });
                else if (trace.TryGetPropertyValue("name")?.Value is string name)
                {
                    // The same class in several panels: one legend entry that toggles all of them.
                    trace.SetProperty("legendgroup", name);
                    trace.SetProperty("showlegend", legendNames.Add(name));
                }
                traces.Add(trace);
            }

            if (subplotTitles[i].Length > 0)
                annotations.Add(new Dictionary<string, object>
                {
                    ["text"] = subplotTitles[i],
                    ["x"] = (xDomain[0] + xDomain[1]) / 2, ["xref"] = "paper", ["xanchor"] = "center",
                    ["y"] = yTop, ["yref"] = "paper", ["yanchor"] = "bottom",
                    ["showarrow"] = false,
                    ["font"] = new Dictionary<string, object> { ["size"] = 14 },
                });
        }
        layout.SetProperty("annotations", annotations.ToArray());
        return Plot.Build(traces, layout);
    }

    /// <summary>The title text of a chart ("" when it has none).</summary>
    public static string TitleOf(GenericChart chart) =>
        Property(GenericChart.getLayout(chart), "title") switch
        {
            string text => text,
            IDictionary<string, object> title when title.TryGetValue("text", out var text) => text?.ToString() ?? "",
            DynamicObj.DynamicObj title => title.TryGetPropertyValue("text")?.Value?.ToString() ?? "",
            _ => "",
        };

    static Dictionary<string, object> CopyAxis(Layout layout, string key) =>
        Property(layout, key) is IDictionary<string, object> axis ? new Dictionary<string, object>(axis) : Plot.Axis("");

    static Trace Copy(Trace original)
    {
        var copy = new Trace2D(TypeOf(original));
        foreach (var property in original.GetProperties(false)) copy.SetProperty(property.Key, property.Value);
        return copy;
    }

    static string TypeOf(Trace trace) => trace.TryGetPropertyValue("type")?.Value as string ?? "scatter";

    static object? Property(DynamicObj.DynamicObj obj, string name) => obj.TryGetPropertyValue(name)?.Value;
}
