using Microsoft.DotNet.Interactive.Formatting;

namespace CourseWorkbook.Plotting;

/// <summary>Teaches .NET Interactive's <see cref="Formatter"/> to display a <see cref="Chart"/> in every
/// place a notebook is read: interactive HTML (VS Code, Jupyter), plotly.js's figure JSON (Jupyter's plotly renderer),
/// a static SVG (GitHub, offline) and a one-line text.</summary>
public static class ChartFormatting
{
    /// <summary>The mime types a chart is displayed as, richest first.</summary>
    public static IReadOnlyList<string> MimeTypes { get; } = ["text/html", "image/svg+xml", PlotlyMimeType];

    const string PlotlyMimeType = "application/vnd.plotly.v1+json";

    static readonly object Gate = new();

    /// <summary>Registers the chart formatters and the preferred mime types; calling it again changes nothing
    /// (it registers again only after <see cref="Formatter.ResetToDefault"/> removed them).</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (!Formatter.RegisteredFormatters(false).OfType<ChartFormatter>().Any())
            {
                Formatter.Register(new ChartFormatter("text/html", ChartHtml.Fragment));
                Formatter.Register(new ChartFormatter("image/svg+xml", SvgChart.Render));
                Formatter.Register(new ChartFormatter(PlotlyMimeType, ChartJson.Figure));
                Formatter.Register(new ChartFormatter("text/plain", Describe));
            }
            Formatter.SetPreferredMimeTypesFor(typeof(Chart), [.. MimeTypes]);
        }
    }

    /// <summary>
    /// One line about the chart: its title and traces, e.g. <c>Chart "Loss" (2 traces: scatter, scatter)</c>.
    /// </summary>
    public static string Describe(Chart chart)
    {
        var types = chart.Traces.Select(t => t.Type).ToList();
        var title = chart.Title;
        var name = title.Length > 0 ? $"Chart \"{title}\"" : "Chart";
        return $"{name} ({types.Count} trace{(types.Count == 1 ? "" : "s")}: {string.Join(", ", types)})";
    }

    sealed class ChartFormatter(string mimeType, Func<Chart, string> format) : ITypeFormatter
    {
        public string MimeType => mimeType;
        public Type Type => typeof(Chart);

        public bool Format(object instance, FormatContext context)
        {
            if (instance is not Chart chart) return false;
            context.Writer.Write(format(chart));
            return true;
        }
    }
}
