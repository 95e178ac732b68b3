namespace CourseWorkbook.Plotting;

/// <summary>A chart of the workbook: its traces (curves, point clouds, heatmaps, bars) and its layout. It is written
/// as a plotly.js figure for interactive display (<see cref="ToJson"/>) and drawn by the library as a static SVG
/// (<see cref="ToSvg"/>); <see cref="Plot"/> builds the charts the practicals use.</summary>
public sealed record Chart(IReadOnlyList<Trace> Traces, Layout Layout)
{
    /// <summary>The chart's title text ("" when it has none).</summary>
    public string Title => Layout.Title.Text;

    /// <summary>The plotly.js figure JSON: <c>{"data": [...], "layout": {...}}</c>.</summary>
    public string ToJson() => ChartJson.Figure(this);

    /// <summary>The static SVG picture of the chart, a standalone document.</summary>
    public string ToSvg() => SvgRenderer.Render(this);

    /// <summary>One line about the chart, e.g. <c>Chart "Loss" (2 traces: scatter, scatter)</c>.</summary>
    public override string ToString() => ChartFormatting.Describe(this);
}
