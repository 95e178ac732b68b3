using Plotly.NET;

namespace CourseWorkbook.Plotting;

/// <summary>Static SVG pictures of charts, drawn here without a browser: what GitHub's notebook viewer and any
/// offline reader show, since they run no scripts.</summary>
public static class SvgChart
{
    /// <summary>The chart as a standalone SVG document.</summary>
    public static string Render(GenericChart chart) => RenderFigureJson(ChartJson.Figure(chart));

    /// <summary>A plotly figure, given as JSON with "data" and "layout", as a standalone SVG document.</summary>
    public static string RenderFigureJson(string json) => SvgRenderer.Render(json);

    /// <summary>Writes the chart's SVG to <paramref name="path"/>; the file is replaced atomically.</summary>
    public static void Save(GenericChart chart, string path) => Runtime.AtomicFile.WriteAllText(path, Render(chart));
}
