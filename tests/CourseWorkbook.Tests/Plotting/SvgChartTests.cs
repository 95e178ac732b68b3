using System.Globalization;
using System.Xml.Linq;
using CourseWorkbook.Plotting;

namespace CourseWorkbook.Tests.Plotting;

public class SvgChartTests
{
    static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    static XElement Parse(string svg) => XDocument.Parse(svg).Root!;

    static double Num(XElement e, string attribute) => double.Parse(e.Attribute(attribute)!.Value, CultureInfo.InvariantCulture);

    static bool HasClass(XElement e, string cssClass) => (e.Attribute("class")?.Value ?? "").Split(' ').Contains(cssClass);

    static IEnumerable<XElement> WithClass(XElement root, string cssClass) => root.Descendants().Where(e => HasClass(e, cssClass));

    static (double X, double Y, double Width, double Height) Frame(XElement subplot)
    {
        var f = WithClass(subplot, "frame").Single();
        return (Num(f, "x"), Num(f, "y"), Num(f, "width"), Num(f, "height"));
    }

    [Fact]
    public void Every_chart_type_renders_well_formed_svg_of_the_layout_size()
    {
        var charts = new[]
        {
            Plot.Line("Loss", "epoch", "loss", new Series("train", [0, 1, 2], [3, 2, 1])),
            Plot.Scatter("Points", [1, 2, 3], [3, 1, 2], ["a", "b", "a"]),
            Plot.Heatmap("Heat", new double[,] { { 1, 2 }, { 3, 4 } }),
            Plot.Bar("Bars", ["a", "b"], ("g", new[] { 1.0, 2.0 })),
        };
        foreach (var chart in charts)
        {
            var root = Parse(SvgChart.Render(chart));
            Assert.Equal(Svg + "svg", root.Name);
            Assert.Equal(Plot.Width, Num(root, "width"));
            Assert.Equal(Plot.Height, Num(root, "height"));
        }
    }

    [Fact]
    public void Scatter_draws_one_circle_per_point_in_one_group_per_label()
    {
        var root = Parse(SvgChart.Render(Plot.Scatter("Classes", [1, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 7], ["a", "b", "a", "b", "a", "b", "a"])));

        var traces = WithClass(root, "trace").ToList();
        Assert.Equal([4, 3], traces.Select(t => t.Descendants(Svg + "circle").Count()));
        Assert.Equal(["a", "b"], traces.Select(t => t.Attribute("data-name")!.Value));
    }

    [Fact]
    public void A_data_point_lands_on_its_pixel_inside_the_axis_frame()
    {
        var chart = new Chart([new ScatterTrace([0, 5, 10, 2.5], [0, 5, 10, 7.5])], new Layout
        {
            Width = 500, Height = 400, Margin = new(50, 50, 50, 50),
            Axes = [new Axis("x") { Range = (0, 10) }, new Axis("y") { Range = (0, 10) }],
        });

        var root = Parse(SvgChart.Render(chart));

        var frame = Frame(root);
        Assert.Equal((50, 50, 400, 300), frame);
        var circles = root.Descendants(Svg + "circle").Select(c => (X: Num(c, "cx"), Y: Num(c, "cy"))).ToList();
        Assert.Equal((50, 350), circles[0]);   // (0, 0): bottom left corner
        Assert.Equal((250, 200), circles[1]);  // (5, 5): centre
        Assert.Equal((450, 50), circles[2]);   // (10, 10): top right corner
        Assert.Equal((150, 125), circles[3]);  // (2.5, 7.5)
    }

    [Fact]
    public void Autoranged_points_stay_inside_the_frame_in_data_order()
    {
        var root = Parse(SvgChart.Render(Plot.Scatter("Points", [-3, 0, 8], [100, -50, 20])));

        var (fx, fy, fw, fh) = Frame(root);
        var points = root.Descendants(Svg + "circle").Select(c => (X: Num(c, "cx"), Y: Num(c, "cy"))).ToList();
        Assert.All(points, p => Assert.InRange(p.X, fx, fx + fw));
        Assert.All(points, p => Assert.InRange(p.Y, fy, fy + fh));
        Assert.True(points[0].X < points[1].X && points[1].X < points[2].X);
        Assert.True(points[0].Y < points[2].Y && points[2].Y < points[1].Y, "larger y is higher on the page");
    }

    [Fact]
    public void Log_axis_has_ticks_at_powers_of_ten_evenly_spaced()
    {
        var chart = Plot.Line("Scaling", "compute", "loss", [new Series("law", [1, 10, 100, 1000], [4, 3, 2, 1])], logX: true);

        var root = Parse(SvgChart.Render(chart));

        var ticks = WithClass(root, "tick").Where(t => HasClass(t, "x") && !HasClass(t, "minor")).ToList();
        Assert.Equal(["1", "10", "10²", "10³"], ticks.Select(t => t.Value));
        var xs = ticks.Select(t => Num(t, "x")).ToList();
        var gaps = xs.Zip(xs.Skip(1), (a, b) => b - a).ToList();
        Assert.All(gaps, g => Assert.Equal(gaps[0], g, 0.2));
        // The line's point at x = 10 is on the "10" tick.
        var path = root.Descendants(Svg + "path").Single(p => HasClass(p, "line")).Attribute("d")!.Value;
        var second = path.Split('L')[1].Split(' ');
        Assert.Equal(xs[1], double.Parse(second[0], CultureInfo.InvariantCulture), 0.2);
    }

    [Fact]
    public void Log_ticks_over_many_decades_skip_decades()
    {
        var ticks = AxisTicks.Log(0, 24, AxisTicks.TargetCount(500, horizontal: true), "power");

        Assert.All(ticks, t => Assert.Equal(0, t.At % 1));
        Assert.InRange(ticks.Count, 4, 13);
        Assert.Contains(ticks, t => t.Label == "10²⁴" || t.Label == "10²⁰");
    }

    [Fact]
    public void Linear_ticks_use_nice_steps_and_si_suffixes()
    {
        Assert.Equal(0.2, AxisTicks.NiceStep(0.13), 12);
        Assert.Equal(5, AxisTicks.NiceStep(3.1), 12);
        Assert.Equal(["0", "0.2", "0.4", "0.6", "0.8", "1"], AxisTicks.Linear(0, 1, 5).Select(t => t.Label));
        Assert.Equal(["1", "1.5", "2"], AxisTicks.Linear(1, 2, 2).Select(t => t.Label));
        Assert.Equal(["0", "20k", "40k"], AxisTicks.Linear(0, 50000, 3).Select(t => t.Label));
        Assert.Equal("\u22122", AxisTicks.Linear(-2, 2, 4)[0].Label);
    }

    [Fact]
    public void Text_is_escaped_so_the_svg_stays_valid_xml()
    {
        var chart = Plot.Line("<&> \"quoted\"", "x < y", "y & z", new Series("a<y & z>", [0, 1], [0, 1]), new Series("two", [0, 1], [1, 0]));

        var svg = SvgChart.Render(chart);

        var root = Parse(svg);
        Assert.Equal("<&> \"quoted\"", WithClass(root, "title").Single().Value);
        Assert.Contains(WithClass(root, "axis-title"), t => t.Value == "x < y");
        Assert.Contains(WithClass(root, "legend").Single().Descendants(Svg + "text"), t => t.Value == "a<y & z>");
        Assert.DoesNotContain("<&>", svg);
    }

    [Fact]
    public void Line_breaks_in_titles_become_separate_lines()
    {
        var root = Parse(SvgChart.Render(Plot.Scatter("First<br>Second", [1], [1])));

        Assert.Equal(["First", "Second"], WithClass(root, "title").Single().Elements(Svg + "tspan").Select(t => t.Value));
    }

    [Fact]
    public void Heatmap_draws_one_cell_per_value_from_first_to_last_colour()
    {
        var z = new double[,] { { 0, 1, 2, 3 }, { 4, 5, 6, 7 }, { 8, 9, 10, 11 } };
        var root = Parse(SvgChart.Render(Plot.Heatmap("Heat", z, ["a", "b", "c", "d"], ["r0", "r1", "r2"])));

        var cells = WithClass(root, "heatmap").Single().Elements(Svg + "rect").ToList();
        Assert.Equal(12, cells.Count);
        var first = ColorScale.Viridis.Stops[0].Color;
        var last = ColorScale.Viridis.Stops[^1].Color;
        Assert.Equal(first, cells[0].Attribute("fill")!.Value);   // z = 0, the minimum
        Assert.Equal(last, cells[11].Attribute("fill")!.Value);   // z = 11, the maximum
        Assert.Equal(12, cells.Select(c => c.Attribute("fill")!.Value).Distinct().Count());
        // Row 0 is at the top, column 0 at the left.
        Assert.True(Num(cells[0], "y") < Num(cells[4], "y"));
        Assert.True(Num(cells[0], "x") < Num(cells[1], "x"));
        Assert.Single(WithClass(root, "colorbar"));
    }

    [Fact]
    public void Heatmap_respects_zmin_and_zmax()
    {
        var root = Parse(SvgChart.Render(Plot.Heatmap("Cosine", new double[,] { { -1, 0, 0.5 } }, colorScale: ColorScale.Diverging, zMin: -1, zMax: 1)));

        var fills = WithClass(root, "heatmap").Single().Elements(Svg + "rect").Select(c => c.Attribute("fill")!.Value).ToList();
        Assert.Equal("#053061", fills[0]);
        Assert.Equal("#f7f7f7", fills[1]);  // zero is the middle colour
    }

    [Fact]
    public void Heatmap_values_are_written_in_cells_when_asked()
    {
        var root = Parse(SvgChart.Render(Plot.Heatmap("Heat", new double[,] { { 0.123, 0.456 } }, showValues: true)));

        Assert.Equal(["0.12", "0.46"], WithClass(root, "cell-values").Single().Elements().Select(t => t.Value));
    }

    [Fact]
    public void A_large_heatmap_is_one_embedded_png_covering_the_frame()
    {
        var z = new double[80, 80];
        for (var i = 0; i < 80; i++) for (var j = 0; j < 80; j++) z[i, j] = i * j;

        var root = Parse(SvgChart.Render(Plot.Heatmap("Attention", z)));

        var image = root.Descendants(Svg + "image").Single();
        Assert.DoesNotContain(WithClass(root, "heatmap"), e => e.Name == Svg + "rect");
        var href = image.Attribute("href")!.Value;
        Assert.StartsWith("data:image/png;base64,", href);
        var png = Convert.FromBase64String(href["data:image/png;base64,".Length..]);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var (width, height) = (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal(Num(image, "width"), width);
        Assert.Equal(Num(image, "height"), height);
        var (fx, fy, fw, fh) = Frame(root);
        Assert.Equal(fw, width, 1.0);
        Assert.Equal(fh, height, 1.0);
        Assert.True(png.Length < 40_000, $"PNG of {png.Length} bytes");
    }

    [Fact]
    public void A_grid_of_heatmaps_has_a_colour_bar_beside_each()
    {
        var root = Parse(SvgChart.Render(Plot.Grid(2, Plot.Heatmap("A", new double[,] { { 1, 2 } }), Plot.Heatmap("B", new double[,] { { 3, 4 } }))));

        var bars = WithClass(root, "colorbar").Select(c => Num(c.Elements(Svg + "rect").First(), "x")).ToList();
        var frames = WithClass(root, "subplot").Select(Frame).ToList();
        Assert.Equal(2, bars.Count);
        Assert.InRange(bars[0], frames[0].X + frames[0].Width, frames[1].X);
        Assert.True(bars[1] > frames[1].X + frames[1].Width);
    }

    [Fact]
    public void A_line_spans_the_whole_width_while_markers_get_a_margin()
    {
        var line = Parse(SvgChart.Render(Plot.Line("Line", "x", "y", new Series("s", [0, 10], [0, 10]))));
        var dots = Parse(SvgChart.Render(Plot.Scatter("Dots", [0, 10], [0, 10])));

        var (lx, ly, lw, lh) = Frame(line);
        var d = line.Descendants(Svg + "path").Single(p => HasClass(p, "line")).Attribute("d")!.Value;
        var start = d[1..d.IndexOf('L')].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(lx, start[0], 0.2);            // x ends where the data ends
        Assert.True(start[1] < ly + lh - 1);        // y is padded
        var (dx, _, _, _) = Frame(dots);
        Assert.True(Num(dots.Descendants(Svg + "circle").First(), "cx") > dx + 1);
    }

    [Fact]
    public void An_empty_scatter_still_renders_axes()
    {
        var root = Parse(SvgChart.Render(Plot.Scatter("Nothing yet", [], [])));

        Assert.Single(WithClass(root, "frame"));
        Assert.NotEmpty(WithClass(root, "tick"));
        Assert.Empty(root.Descendants(Svg + "circle"));
    }

    [Fact]
    public void Grid_of_three_scatters_puts_each_one_in_its_own_frame()
    {
        var charts = Enumerable.Range(0, 3).Select(k => Plot.Scatter($"Panel {k}", [0, 1, 2, 3], [k, k + 1, k + 2, k + 3], ["a", "a", "b", "b"])).ToArray();

        var root = Parse(SvgChart.Render(Plot.Grid(3, charts)));

        var subplots = WithClass(root, "subplot").ToList();
        Assert.Equal(3, subplots.Count);
        var frames = subplots.Select(Frame).ToList();
        for (var i = 1; i < 3; i++) Assert.True(frames[i].X > frames[i - 1].X + frames[i - 1].Width, "frames side by side, apart");
        foreach (var (subplot, (fx, fy, fw, fh)) in subplots.Zip(frames))
        {
            var circles = subplot.Descendants(Svg + "circle").ToList();
            Assert.Equal(4, circles.Count);
            Assert.All(circles, c => Assert.InRange(Num(c, "cx"), fx, fx + fw));
            Assert.All(circles, c => Assert.InRange(Num(c, "cy"), fy, fy + fh));
        }
        Assert.Equal(["Panel 0", "Panel 1", "Panel 2"], WithClass(root, "annotation").Select(a => a.Value));
        Assert.Equal(2, WithClass(root, "legend-item").Count());
    }

    [Fact]
    public void Grouped_bars_sit_side_by_side_with_heights_proportional_to_values()
    {
        var root = Parse(SvgChart.Render(Plot.Bar("Recall", ["bm25", "dense"], ("@5", new[] { 0.2, 0.4 }), ("@10", new[] { 0.4, 0.8 }))));

        var groups = WithClass(root, "bar").Select(g => g.Elements(Svg + "rect").ToList()).ToList();
        Assert.Equal([2, 2], groups.Select(g => g.Count));
        var h = groups.SelectMany(g => g).Select(r => Num(r, "height")).ToList();
        Assert.Equal(2 * h[0], h[2], 0.3);   // 0.4 vs 0.2
        Assert.Equal(2 * h[1], h[3], 0.3);   // 0.8 vs 0.4
        Assert.True(Num(groups[0][0], "x") < Num(groups[1][0], "x"), "the second group's bar is right of the first's");
        Assert.True(Num(groups[1][0], "x") < Num(groups[0][1], "x"), "both bars of a category come before the next category");
        var bottoms = groups.SelectMany(g => g).Select(r => Num(r, "y") + Num(r, "height")).ToList();
        Assert.All(bottoms, b => Assert.Equal(bottoms[0], b, 0.2));
    }

    [Fact]
    public void Many_points_are_drawn_as_one_compact_path()
    {
        var random = new Random(7);
        var n = 5000;
        var chart = Plot.Scatter("Many", Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToList(),
            Enumerable.Range(0, n).Select(_ => random.NextDouble()).ToList());

        var svg = SvgChart.Render(chart);

        var points = WithClass(Parse(svg), "points").Single();
        Assert.Equal(n, points.Attribute("d")!.Value.Count(c => c == 'M'));
        Assert.True(svg.Length < 100_000, $"SVG of {n} points is {svg.Length} characters");
    }

    [Fact]
    public void A_missing_value_breaks_the_line()
    {
        var root = Parse(SvgChart.Render(Plot.Line("Gap", "x", "y", new Series("s", [0, 1, 2, 3], [1, double.NaN, 2, 3]))));

        var d = root.Descendants(Svg + "path").Single(p => HasClass(p, "line")).Attribute("d")!.Value;
        Assert.Equal(2, d.Count(c => c == 'M'));
    }

    [Fact]
    public void Legend_lists_each_trace_and_is_hidden_for_a_single_one()
    {
        var three = Parse(SvgChart.Render(Plot.Scatter("Three", [1, 2, 3], [1, 2, 3], ["x", "y", "z"])));
        var one = Parse(SvgChart.Render(Plot.Scatter("One", [1, 2, 3], [1, 2, 3])));

        Assert.Equal(["x", "y", "z"], WithClass(three, "legend-item").Select(i => i.Value));
        Assert.Empty(WithClass(one, "legend"));
    }

    [Fact]
    public void Traces_take_plotlys_default_colours_in_order()
    {
        var root = Parse(SvgChart.Render(Plot.Scatter("Colours", [1, 2], [1, 2], ["a", "b"])));

        Assert.Equal(["#1f77b4", "#ff7f0e"], WithClass(root, "points").Select(g => g.Attribute("fill")!.Value));
    }

    [Fact]
    public void Save_writes_the_svg_atomically()
    {
        var folder = Directory.CreateTempSubdirectory("plotting-");
        try
        {
            var path = Path.Combine(folder.FullName, "sub", "chart.svg");
            var chart = Plot.Scatter("Saved", [1], [2]);
            SvgChart.Save(chart, path);
            SvgChart.Save(chart, path);

            Assert.Equal(SvgChart.Render(chart), File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Rendering_is_deterministic()
    {
        var chart = Plot.Heatmap("Same", new double[,] { { 1, 2 }, { 3, 4 } });

        Assert.Equal(SvgChart.Render(chart), SvgChart.Render(chart));
    }
}
