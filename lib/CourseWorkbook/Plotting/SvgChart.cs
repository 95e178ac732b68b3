namespace CourseWorkbook.Plotting;

/// <summary>Static SVG pictures of charts, drawn here without a browser: what GitHub's notebook viewer and any
/// offline reader show, since they run no scripts.</summary>
public static class SvgChart
{
    /// <summary>The chart as a standalone SVG document.</summary>
    public static string Render(Chart chart) => SvgRenderer.Render(chart);

    /// <summary>Writes the chart's SVG to <paramref name="path"/>; the file is replaced atomically.</summary>
    public static void Save(Chart chart, string path) => Runtime.AtomicFile.WriteAllText(path, Render(chart));
}
