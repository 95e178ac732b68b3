using System.Text.Json;
using CourseWorkbook.Plotting;

namespace CourseWorkbook.Tests.Plotting;

public class PlotTests
{
    static JsonElement Figure(Chart chart) => JsonDocument.Parse(chart.ToJson()).RootElement;

    static double[] Numbers(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    [Fact]
    public void Line_has_one_scatter_trace_per_series_with_its_points()
    {
        var chart = Plot.Line("Loss", "epoch", "loss",
            new Series("train", [0, 1, 2], [3, 2, 1]), new Series("val", [0, 1, 2], [4, 3, 2.5]));

        var figure = Figure(chart);
        var data = figure.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.All(data.EnumerateArray(), t => Assert.Equal("scatter", t.GetProperty("type").GetString()));
        Assert.Equal("lines", data[0].GetProperty("mode").GetString());
        Assert.Equal("val", data[1].GetProperty("name").GetString());
        Assert.Equal([4, 3, 2.5], Numbers(data[1].GetProperty("y")));
        Assert.NotEqual(data[0].GetProperty("line").GetProperty("color").GetString(), data[1].GetProperty("line").GetProperty("color").GetString());
        var layout = figure.GetProperty("layout");
        Assert.Equal("Loss", layout.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("epoch", layout.GetProperty("xaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("linear", layout.GetProperty("xaxis").GetProperty("type").GetString());
        Assert.Equal(Plot.Width, layout.GetProperty("width").GetInt32());
        Assert.Equal(Plot.Height, layout.GetProperty("height").GetInt32());
        Assert.True(layout.GetProperty("showlegend").GetBoolean());
    }

    [Fact]
    public void Line_with_log_axes_sets_log_axis_types()
    {
        var chart = Plot.Line("Scaling", "compute", "loss", [new Series("fit", [1e3, 1e6], [3, 2])], logX: true, logY: true);

        var layout = Figure(chart).GetProperty("layout");
        Assert.Equal("log", layout.GetProperty("xaxis").GetProperty("type").GetString());
        Assert.Equal("log", layout.GetProperty("yaxis").GetProperty("type").GetString());
    }

    [Fact]
    public void Series_modes_and_dashes_reach_the_trace()
    {
        var chart = Plot.Line("Scaling", "C", "L", [
            new Series("measured", [1, 2], [2, 1], SeriesMode.Markers),
            new Series("fit", [1, 2], [2, 1], SeriesMode.Lines, Dashed: true),
        ]);

        var data = Figure(chart).GetProperty("data");
        Assert.Equal("markers", data[0].GetProperty("mode").GetString());
        Assert.Equal("dash", data[1].GetProperty("line").GetProperty("dash").GetString());
    }

    [Fact]
    public void Series_from_y_numbers_the_points_from_first()
    {
        var series = Series.FromY("loss", [5, 4, 3], first: 1);

        Assert.Equal([1, 2, 3], series.X);
    }

    [Fact]
    public void Line_rejects_a_series_with_mismatched_lengths()
    {
        var error = Assert.Throws<ArgumentException>(() => Plot.Line("t", "x", "y", new Series("bad", [1, 2, 3], [1, 2])));
        Assert.Contains("bad", error.Message);
    }

    [Fact]
    public void Scatter_makes_one_trace_per_label_in_order_of_first_appearance()
    {
        var chart = Plot.Scatter("Embeddings", [1, 2, 3, 4, 5], [10, 20, 30, 40, 50], ["dog", "cat", "dog", "bird", "cat"],
            hoverTexts: ["a", "b", "c", "d", "e"]);

        var data = Figure(chart).GetProperty("data");
        Assert.Equal(["dog", "cat", "bird"], data.EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        Assert.All(data.EnumerateArray(), t => Assert.Equal("markers", t.GetProperty("mode").GetString()));
        Assert.Equal([1, 3], Numbers(data[0].GetProperty("x")));
        Assert.Equal([20, 50], Numbers(data[1].GetProperty("y")));
        Assert.Equal(["b", "e"], data[1].GetProperty("text").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Palette.Color(2), data[2].GetProperty("marker").GetProperty("color").GetString());
    }

    [Fact]
    public void Scatter_label_order_fixes_trace_order_and_keeps_unnamed_classes_after()
    {
        var chart = Plot.Scatter("Embeddings", [1, 2, 3, 4], [1, 2, 3, 4], ["7", "1", "x", "0"], labelOrder: ["0", "1", "7"]);
        var names = Figure(chart).GetProperty("data").EnumerateArray().Select(t => t.GetProperty("name").GetString());
        Assert.Equal(["0", "1", "7", "x"], names);
    }

    [Fact]
    public void Scatter_without_labels_is_one_trace_and_no_legend()
    {
        var figure = Figure(Plot.Scatter("Points", [1, 2], [3, 4]));

        Assert.Equal(1, figure.GetProperty("data").GetArrayLength());
        Assert.False(figure.GetProperty("layout").GetProperty("showlegend").GetBoolean());
    }

    [Fact]
    public void Heatmap_holds_the_matrix_rows_labels_and_colour_scale()
    {
        var z = new double[,] { { 1, 2, 3 }, { 4, 5, 6 } };
        var chart = Plot.Heatmap("Distances", z, ["a", "b", "c"], ["q1", "q2"], ColorScale.Blues, zMin: 0, zMax: 10);

        var figure = Figure(chart);
        var trace = figure.GetProperty("data")[0];
        Assert.Equal("heatmap", trace.GetProperty("type").GetString());
        Assert.Equal([4, 5, 6], Numbers(trace.GetProperty("z")[1]));
        Assert.Equal(["a", "b", "c"], trace.GetProperty("x").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(0, trace.GetProperty("zmin").GetDouble());
        Assert.Equal(10, trace.GetProperty("zmax").GetDouble());
        var stops = trace.GetProperty("colorscale");
        Assert.Equal(ColorScale.Blues.Stops.Count, stops.GetArrayLength());
        Assert.Equal("#f7fbff", stops[0][1].GetString());
        Assert.Equal(1, stops[stops.GetArrayLength() - 1][0].GetDouble());
        Assert.Equal("reversed", figure.GetProperty("layout").GetProperty("yaxis").GetProperty("autorange").GetString());
    }

    [Fact]
    public void Heatmap_rejects_duplicate_labels()
    {
        Assert.Throws<ArgumentException>(() => Plot.Heatmap("t", new double[2, 2], ["a", "a"], ["x", "y"]));
    }

    [Fact]
    public void Bar_makes_one_trace_per_group_over_the_categories_in_group_mode()
    {
        var chart = Plot.Bar("Recall", "recall", ["BM25", "dense"], ("@5", new[] { 0.5, 0.6 }), ("@10", new[] { 0.7, 0.8 }));

        var figure = Figure(chart);
        var data = figure.GetProperty("data");
        Assert.Equal(2, data.GetArrayLength());
        Assert.All(data.EnumerateArray(), t => Assert.Equal("bar", t.GetProperty("type").GetString()));
        Assert.Equal(["BM25", "dense"], data[1].GetProperty("x").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([0.7, 0.8], Numbers(data[1].GetProperty("y")));
        Assert.Equal("group", figure.GetProperty("layout").GetProperty("barmode").GetString());
        Assert.Equal("recall", figure.GetProperty("layout").GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
    }

    [Fact]
    public void Grid_puts_each_chart_on_its_own_axes_in_side_by_side_domains()
    {
        var a = Plot.Scatter("Before", [0, 1], [0, 1], ["cat", "dog"]);
        var b = Plot.Scatter("After", [0, 1], [0, 1], ["cat", "dog"]);
        var c = Plot.Line("Loss", "epoch", "loss", new Series("train", [0, 1], [1, 0]));

        var figure = Figure(Plot.Grid(3, a, b, c));

        var data = figure.GetProperty("data");
        Assert.Equal(5, data.GetArrayLength());
        Assert.Equal(["x", "x", "x2", "x2", "x3"], data.EnumerateArray().Select(t => t.GetProperty("xaxis").GetString()));
        Assert.Equal(["y", "y", "y2", "y2", "y3"], data.EnumerateArray().Select(t => t.GetProperty("yaxis").GetString()));
        var layout = figure.GetProperty("layout");
        var domains = new[] { "xaxis", "xaxis2", "xaxis3" }.Select(k => Numbers(layout.GetProperty(k).GetProperty("domain"))).ToList();
        for (var i = 1; i < 3; i++) Assert.True(domains[i][0] > domains[i - 1][1], "subplot domains must not overlap");
        Assert.Equal("y2", layout.GetProperty("xaxis2").GetProperty("anchor").GetString());
        Assert.Equal("loss", layout.GetProperty("yaxis3").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal(["Before", "After", "Loss"], layout.GetProperty("annotations").EnumerateArray().Select(a => a.GetProperty("text").GetString()));
        // The same class in two panels has one legend entry.
        Assert.Equal([true, true, false, false, true], data.EnumerateArray().Select(t => t.GetProperty("showlegend").GetBoolean()));
    }

    [Fact]
    public void Grid_does_not_change_the_charts_it_combines()
    {
        var a = Plot.Scatter("A", [0, 1], [0, 1]);
        var before = a.ToJson();

        Plot.Grid(2, ["first", "second"], a, Plot.Scatter("B", [0], [0]));

        Assert.Equal(before, a.ToJson());
    }

    [Fact]
    public void Save_html_writes_a_page_with_the_figure_and_the_svg_fallback()
    {
        var folder = Directory.CreateTempSubdirectory("plotting-");
        try
        {
            var path = Path.Combine(folder.FullName, "chart.html");
            Plot.SaveHtml(Plot.Scatter("Saved & sound", [1, 2], [3, 4]), path);

            var html = File.ReadAllText(path);
            Assert.StartsWith("<!DOCTYPE html>", html);
            Assert.Contains("<title>Saved &amp; sound</title>", html);
            Assert.Contains("<svg", html);
            Assert.Contains("Plotly.newPlot", html);
            Assert.Single(folder.GetFiles());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
