using System.Text.Json;
using CourseWorkbook.Plotting;
using Microsoft.DotNet.Interactive.Formatting;

namespace CourseWorkbook.Tests.Plotting;

/// <summary>In the "Formatter" collection: .NET Interactive's Formatter is process-wide state, so tests that change it
/// must not run in parallel with each other.</summary>
[Collection("Formatter")]
public class ChartFormattingTests
{
    static Chart Chart() =>
        Plot.Line("Training loss", "epoch", "loss", new Series("train", [0, 1, 2], [2.5, 1.25, 0.625]), new Series("val", [0, 1, 2], [3, 2, 1]));

    public ChartFormattingTests() => ChartFormatting.Register();

    [Fact]
    public void Svg_display_is_the_static_rendering()
    {
        var svg = Chart().ToDisplayString("image/svg+xml");

        Assert.StartsWith("<svg", svg);
        Assert.Contains("Training loss", svg);
    }

    [Fact]
    public void Html_display_carries_the_figure_data_and_the_svg_fallback()
    {
        var html = Chart().ToDisplayString("text/html");

        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains("1.25", html);
        Assert.Contains("\"train\"", html);
        Assert.Contains("<svg", html);
        Assert.Contains("requirejs", html);
    }

    [Fact]
    public void Html_display_cannot_be_closed_early_by_a_title()
    {
        var html = Plot.Scatter("</script><b>", [1], [1]).ToDisplayString("text/html");

        var script = html[html.IndexOf("<script", StringComparison.Ordinal)..];
        Assert.Equal(1, CountOf(script, "</script>"));
    }

    [Fact]
    public void The_same_chart_shown_twice_gets_two_distinct_holders()
    {
        var chart = Chart();
        var ids = new[] { chart.ToDisplayString("text/html"), chart.ToDisplayString("text/html") }
            .Select(html => System.Text.RegularExpressions.Regex.Match(html, "<div id=\"([^\"]+)\"").Groups[1].Value).ToList();

        Assert.NotEqual(ids[0], ids[1]);
        Assert.All(ids, id => Assert.StartsWith("courseworkbook-chart-", id));
    }

    [Fact]
    public void Plotly_json_display_has_data_and_layout()
    {
        var json = Chart().ToDisplayString("application/vnd.plotly.v1+json");

        using var document = JsonDocument.Parse(json);
        Assert.Equal(2, document.RootElement.GetProperty("data").GetArrayLength());
        Assert.Equal("Training loss", document.RootElement.GetProperty("layout").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void Plain_text_display_is_one_line_with_title_and_trace_count()
    {
        var text = Chart().ToDisplayString("text/plain");

        Assert.Equal("Chart \"Training loss\" (2 traces: scatter, scatter)", text);
    }

    [Fact]
    public void Charts_prefer_html_svg_and_plotly_json()
    {
        Assert.Equal(["text/html", "image/svg+xml", "application/vnd.plotly.v1+json"], Formatter.GetPreferredMimeTypesFor(Chart().GetType()));
    }

    [Fact]
    public void Registering_twice_adds_no_second_formatter()
    {
        ChartFormatting.Register();
        ChartFormatting.Register();

        var ours = Formatter.RegisteredFormatters(false).Where(f => f.Type == typeof(Chart)).ToList();
        Assert.Equal(4, ours.Count);
        Assert.Equal(4, ours.Select(f => f.MimeType).Distinct().Count());
    }

    static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;
}
