using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CourseWorkbook.Plotting;

/// <summary>Draws a <see cref="Chart"/> as a static SVG: scatter (markers, lines), grouped bars, heatmaps with a
/// colour bar, subplots placed by their axis domains, linear/log/category axes, titles, legend and paper-anchored
/// annotations. It does what plotly.js would do with the chart's figure JSON, without a browser.</summary>
internal sealed class SvgRenderer
{
    /// <summary>Above this many points a trace's markers are one compact path instead of one circle each.</summary>
    public const int CircleLimit = 1000;

    /// <summary>Above this many cells a heatmap is one embedded PNG instead of one rectangle per cell.</summary>
    public const int HeatmapCellLimit = 2500;

    static readonly Rgb Black = new(0, 0, 0);

    readonly Layout layout;
    readonly List<TraceView> traces;
    readonly Dictionary<string, AxisView> axes = [];
    readonly string id;
    readonly double width, height, fontSize;
    readonly string fontFamily, fontColor;
    readonly List<TraceView> legendItems;
    readonly bool showLegend;
    double left, right, top, bottom; // the plot area: the paper minus the margins

    SvgRenderer(Chart chart, string id)
    {
        this.id = id;
        layout = chart.Layout;
        width = layout.Width;
        height = layout.Height;
        fontSize = layout.Font.Size;
        fontFamily = layout.Font.Family;
        fontColor = Rgb.Parse(layout.Font.Color, new(68, 68, 68)).Hex;

        var colorway = (layout.Colorway.Count > 0 ? layout.Colorway : Palette.Categorical)
            .Select(c => Rgb.Parse(c, Black)).ToList();
        traces = chart.Traces.Select((t, i) => TraceView.From(t, i, colorway)).ToList();

        legendItems = traces.Where(t => t.Type != "heatmap" && t.ShowLegend && !string.IsNullOrEmpty(t.Name))
            .GroupBy(t => t.LegendGroup ?? $"\u0000{t.Index}").Select(g => g.First()).ToList();
        showLegend = layout.ShowLegend ?? legendItems.Count > 1;

        SetUpAxes();
    }

    /// <summary>Renders the chart to an SVG document (no XML declaration, so it can also be inlined in HTML).</summary>
    public static string Render(Chart chart) => Render(chart, chart.ToJson());

    /// <summary>Renders the chart, given also its figure JSON: ids inside the SVG (clip paths, gradients) must not
    /// collide when several charts share one HTML page; a hash of the figure keeps them unique yet keeps the output
    /// deterministic.</summary>
    public static string Render(Chart chart, string figureJson)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(figureJson)))[..8];
        return new SvgRenderer(chart, "c" + hash).Draw();
    }

    // ----- axes: which exist, their types, categories and autoranges ------------------------------------------

    void SetUpAxes()
    {
        foreach (var t in traces)
            foreach (var axisId in new[] { t.XAxis, t.YAxis })
                if (!axes.ContainsKey(axisId)) axes[axisId] = new AxisView(axisId, layout.AxisById(axisId));
        if (axes.Count == 0)
        {
            axes["x"] = new AxisView("x", layout.AxisById("x"));
            axes["y"] = new AxisView("y", layout.AxisById("y"));
        }

        foreach (var axis in axes.Values)
        {
            var on = traces.Where(t => (axis.Horizontal ? t.XAxis : t.YAxis) == axis.Id).ToList();
            axis.Type = axis.Spec?.Type switch
            {
                AxisType.Linear => "linear",
                AxisType.Log => "log",
                AxisType.Category => "category",
                // An axis the layout does not define: categories when the data holds names, as plotly.js decides.
                _ => on.Any(t => Column(t, axis).HasText) ? "category" : "linear",
            };
            if (axis.Type == "category")
                foreach (var t in on)
                {
                    var column = Column(t, axis);
                    for (var i = 0; i < column.Count; i++) axis.AddCategory(column.Key(i));
                }
            if (axis.Spec?.Domain is { } domain) (axis.Domain0, axis.Domain1) = domain;
            SetRange(axis, on);
        }
    }

    static Values Column(TraceView t, AxisView axis) => axis.Horizontal ? t.X : t.Y;

    void SetRange(AxisView axis, List<TraceView> on)
    {
        axis.Reversed = axis.Spec?.Reversed ?? false;
        if (axis.Spec?.Range is (var r0, var r1) && r0 != r1 && double.IsFinite(r0) && double.IsFinite(r1))
        {
            (axis.Lo, axis.Hi, axis.Reversed) = (Math.Min(r0, r1), Math.Max(r0, r1), axis.Reversed || r0 > r1);
            return;
        }

        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        bool padLo = false, padHi = false;
        void Include(double v, bool pad)
        {
            if (!double.IsFinite(v)) return;
            if (v < lo || (v == lo && pad)) (lo, padLo) = (v, pad);
            if (v > hi || (v == hi && pad)) (hi, padHi) = (v, pad);
        }

        foreach (var t in on)
        {
            var column = Column(t, axis);
            switch (t.Type)
            {
                case "scatter":
                    // As plotly: values are padded, except x of a line without markers, which ends where the data ends.
                    for (var i = 0; i < column.Count; i++)
                        Include(axis.Linear(column, i), !axis.Horizontal || t.HasMarkers);
                    break;
                case "heatmap":
                    foreach (var (cellLo, cellHi) in Cells(axis, column))
                    {
                        Include(cellLo, false);
                        Include(cellHi, false);
                    }
                    break;
                case "bar" when axis.Horizontal:
                    foreach (var (cellLo, cellHi) in Cells(axis, column))
                    {
                        Include(cellLo, false);
                        Include(cellHi, false);
                    }
                    break;
                case "bar":
                    if (axis.Type != "log") Include(0, false);
                    for (var i = 0; i < column.Count; i++) Include(axis.Linear(column, i), true);
                    break;
            }
        }
        if (axis.Type == "category" && axis.Categories.Count > 0)
            (lo, hi, padLo, padHi) = (Math.Min(lo, -0.5), Math.Max(hi, axis.Categories.Count - 0.5), false, false);
        if (double.IsInfinity(lo)) (lo, hi) = axis.Type == "log" ? (0.0, 2.0) : (-1.0, 6.0);
        if (lo == hi) (lo, hi) = axis.Type == "log" ? (lo - 0.5, hi + 0.5) : (lo - 1, hi + 1);
        var pad = 0.05 * (hi - lo);
        axis.Lo = padLo ? lo - pad : lo;
        axis.Hi = padHi ? hi + pad : hi;
    }

    /// <summary>The extent, in linear units, of each cell of a heatmap row/column or each bar slot: a category or
    /// an index covers ±0.5; numbers cover half the distance to their neighbours.</summary>
    static (double Lo, double Hi)[] Cells(AxisView axis, Values column)
    {
        var centers = Enumerable.Range(0, column.Count).Select(i => axis.Linear(column, i)).ToArray();
        if (axis.Type == "category" || centers.Length < 2) return centers.Select(c => (c - 0.5, c + 0.5)).ToArray();
        var cells = new (double, double)[centers.Length];
        for (var i = 0; i < centers.Length; i++)
        {
            var before = i > 0 ? (centers[i] - centers[i - 1]) / 2 : (centers[1] - centers[0]) / 2;
            var after = i < centers.Length - 1 ? (centers[i + 1] - centers[i]) / 2 : before;
            cells[i] = (centers[i] - before, centers[i] + after);
        }
        return cells;
    }

    // ----- page geometry ------------------------------------------------------------------------------------

    /// <summary>Places the plot area: the layout's margins, widened (like plotly's automargin) so that tick labels,
    /// axis titles, the legend and colour bars fit.</summary>
    void Place()
    {
        var margin = layout.Margin;
        double l = margin.Left, r = margin.Right, t = margin.Top, b = margin.Bottom;

        var reserveRight = 0.0;
        if (showLegend && legendItems.Count > 0) reserveRight += LegendWidth() + 10;
        foreach (var heatmap in traces.Where(ShowsColorBar))
            if ((heatmap.Heatmap!.ColorBar?.X ?? 1.02) > 0.99)
                reserveRight = Math.Max(reserveRight,
                    ColorBarWidth(heatmap) + 0.02 * (width - l - r) + (showLegend ? LegendWidth() + 10 : 0));
        r = Math.Max(r, reserveRight);

        // Two passes: the labels depend on the ticks, which depend on the axis lengths.
        var (needLeft, needBottom) = (l, b);
        for (var pass = 0; pass < 2; pass++)
        {
            SetPlotArea(needLeft, r, t, needBottom);
            foreach (var axis in axes.Values)
            {
                var (labels, rotated) = TickLabels(axis);
                var tickLength = TickLength(axis);
                var titleSpace = axis.Title.Length > 0 ? TitleSize(axis) * 1.2 + 6 : 0;
                if (axis.Horizontal)
                {
                    var labelHeight = labels.Count == 0 ? 0
                        : rotated ? labels.Max(x => TextMetrics.Width(x.Label, TickFont(axis))) * 0.72 + TickFont(axis)
                        : TickFont(axis) * 1.2;
                    if (AnchorStart(axis) >= bottom - 0.5)
                        needBottom = Math.Max(needBottom, tickLength + 4 + labelHeight + titleSpace + 6);
                    // A rotated label hangs to the left of its tick: keep the first one on the page.
                    if (rotated && labels.Count > 0)
                        needLeft = Math.Max(needLeft, needLeft - (axis.Pixel(labels[0].At) - 6)
                            + TextMetrics.Width(labels[0].Label, TickFont(axis)) * 0.71 + TickFont(axis) * 0.4);
                }
                else
                {
                    var labelWidth = labels.Count == 0
                        ? 0
                        : labels.Max(x => TextMetrics.Width(x.Label, TickFont(axis)));
                    if (AnchorStart(axis) <= left + 0.5)
                        needLeft = Math.Max(needLeft, tickLength + 4 + labelWidth + titleSpace + 8);
                }
            }
        }
        SetPlotArea(needLeft, r, t, needBottom);
    }

    void SetPlotArea(double l, double r, double t, double b)
    {
        (left, right, top, bottom) = (l, Math.Max(l + 20, width - r), t, Math.Max(t + 20, height - b));
        foreach (var axis in axes.Values)
            if (axis.Horizontal) (axis.Start, axis.End) = (X(axis.Domain0), X(axis.Domain1));
            else (axis.Start, axis.End) = (Y(axis.Domain0), Y(axis.Domain1));
    }

    /// <summary>Paper coordinates (0..1 of the plot area) to canvas pixels.</summary>
    double X(double paper) => left + paper * (right - left);
    double Y(double paper) => bottom - paper * (bottom - top);

    /// <summary>Where the perpendicular axis this one is anchored to starts: the line on which it is drawn.</summary>
    double AnchorStart(AxisView axis)
    {
        var anchor = axis.Spec?.Anchor ?? (axis.Horizontal ? "y" : "x");
        if (axes.TryGetValue(anchor, out var other)) return other.Start;
        return axis.Horizontal ? bottom : left;
    }

    // ----- drawing ------------------------------------------------------------------------------------------

    string Draw()
    {
        Place();
        var svg = new SvgWriter();
        svg.Open("svg").Attr("xmlns", "http://www.w3.org/2000/svg").Attr("width", width).Attr("height", height)
            .Attr("viewBox", $"0 0 {SvgWriter.N(width)} {SvgWriter.N(height)}")
            .Attr("font-family", fontFamily).Attr("font-size", fontSize).Attr("fill", fontColor)
            .Attr("style", "max-width:100%;height:auto").Begin();
        svg.Open("rect").Attr("class", "background").Attr("width", width).Attr("height", height)
            .Attr("fill", Rgb.Parse(layout.PaperBackground, new(255, 255, 255)).Hex).End();

        var subplots = traces.Select(t => (t.XAxis, t.YAxis)).Distinct().ToList();
        if (subplots.Count == 0) subplots.Add(("x", "y"));
        var plotBackground = Rgb.Parse(layout.PlotBackground, new(255, 255, 255)).Hex;

        svg.Open("defs").Begin();
        foreach (var (xId, yId) in subplots)
        {
            var (x, y) = (axes[xId], axes[yId]);
            svg.Open("clipPath").Attr("id", $"{id}-clip-{xId}{yId}").Begin();
            svg.Open("rect").Attr("x", Math.Min(x.Start, x.End)).Attr("y", Math.Min(y.Start, y.End))
                .Attr("width", x.Length).Attr("height", y.Length).End();
            svg.Close("clipPath");
        }
        foreach (var heatmap in traces.Where(ShowsColorBar)) ColorBarGradient(svg, heatmap);
        svg.Close("defs");

        foreach (var (xId, yId) in subplots)
        {
            var (x, y) = (axes[xId], axes[yId]);
            svg.Open("g").Attr("class", "subplot").Attr("data-x", xId).Attr("data-y", yId).Begin();
            svg.Open("rect").Attr("class", "frame")
                .Attr("x", Math.Min(x.Start, x.End)).Attr("y", Math.Min(y.Start, y.End))
                .Attr("width", x.Length).Attr("height", y.Length).Attr("fill", plotBackground).End();
            GridLines(svg, x, y);
            GridLines(svg, y, x);
            svg.Open("g").Attr("class", "traces").Attr("clip-path", $"url(#{id}-clip-{xId}{yId})").Begin();
            var here = traces.Where(t => t.XAxis == xId && t.YAxis == yId).ToList();
            foreach (var t in here.Where(t => t.Type == "heatmap")) Heatmap(svg, t, x, y);
            var bars = here.Where(t => t.Type == "bar").ToList();
            foreach (var t in bars) Bars(svg, t, bars, x, y);
            foreach (var t in here.Where(t => t.Type == "scatter")) Scatter(svg, t, x, y);
            svg.Close("g");
            svg.Close("g");
        }
        foreach (var axis in axes.Values) Axis(svg, axis);
        foreach (var heatmap in traces.Where(ShowsColorBar)) ColorBar(svg, heatmap);
        if (showLegend && legendItems.Count > 0) Legend(svg);
        Title(svg);
        Annotations(svg);
        svg.Close("svg");
        return svg.ToString();
    }

    void Scatter(SvgWriter svg, TraceView t, AxisView x, AxisView y)
    {
        var n = Math.Min(t.X.Count, t.Y.Count);
        var px = new double[n];
        var py = new double[n];
        for (var i = 0; i < n; i++)
        {
            double lx = x.Linear(t.X, i), ly = y.Linear(t.Y, i);
            (px[i], py[i]) = double.IsFinite(lx) && double.IsFinite(ly)
                ? (x.Pixel(lx), y.Pixel(ly))
                : (double.NaN, double.NaN);
        }
        var colour = t.Color.Hex;
        svg.Open("g").Attr("class", "trace scatter").Attr("data-name", t.Name);
        svg.Begin();
        if (t.HasLines)
        {
            // One path; a missing value breaks the line, as plotly does by default (connectgaps false).
            var d = new StringBuilder();
            var pen = false;
            for (var i = 0; i < n; i++)
            {
                if (double.IsNaN(px[i])) { pen = false; continue; }
                d.Append(pen ? 'L' : 'M').Append(SvgWriter.N(px[i])).Append(' ').Append(SvgWriter.N(py[i]));
                pen = true;
            }
            svg.Open("path").Attr("class", "line").Attr("d", d.ToString()).Attr("fill", "none").Attr("stroke", colour)
                .Attr("stroke-width", t.LineWidth).Attr("stroke-linejoin", "round").Attr("stroke-linecap", "round")
                .Attr("stroke-dasharray", DashArray(t.Dash, t.LineWidth)).End();
        }
        if (t.HasMarkers)
        {
            var radius = t.MarkerSize / 2;
            var visible = Enumerable.Range(0, n)
                .Where(i => !double.IsNaN(px[i])
                    && px[i] >= left - radius && px[i] <= right + radius
                    && py[i] >= top - radius && py[i] <= bottom + radius)
                .ToList();
            if (visible.Count <= CircleLimit)
            {
                svg.Open("g").Attr("class", "points").Attr("fill", colour).Begin();
                foreach (var i in visible)
                    svg.Open("circle").Attr("cx", px[i]).Attr("cy", py[i]).Attr("r", radius).End();
                svg.Close("g");
            }
            else
            {
                // Thousands of points: each is a zero-length segment drawn with a round cap as wide as the marker,
                // about 14 bytes a point instead of 40 for a circle element.
                var d = new StringBuilder();
                foreach (var i in visible)
                    d.Append('M').Append(SvgWriter.N(px[i])).Append(' ').Append(SvgWriter.N(py[i])).Append("h0");
                svg.Open("path").Attr("class", "points").Attr("d", d.ToString()).Attr("fill", "none")
                    .Attr("stroke", colour).Attr("stroke-width", t.MarkerSize).Attr("stroke-linecap", "round").End();
            }
        }
        svg.Close("g");
    }

    static string? DashArray(string? dash, double lineWidth)
    {
        var w = Math.Max(lineWidth, 3);
        return dash switch
        {
            "dash" => $"{SvgWriter.N(3 * w)},{SvgWriter.N(3 * w)}",
            "dot" => $"{SvgWriter.N(w)},{SvgWriter.N(w)}",
            "dashdot" => $"{SvgWriter.N(3 * w)},{SvgWriter.N(w)},{SvgWriter.N(w)},{SvgWriter.N(w)}",
            "longdash" => $"{SvgWriter.N(5 * w)},{SvgWriter.N(5 * w)}",
            _ => null,
        };
    }

    void Bars(SvgWriter svg, TraceView t, List<TraceView> barsHere, AxisView x, AxisView y)
    {
        // Grouped bars: each category's slot (1 unit wide) loses "bargap" and is split among the bar traces.
        var gap = layout.BarGap ?? 0.2;
        const double groupGap = 0;
        var grouped = (layout.BarMode ?? "group") == "group";
        var count = grouped ? barsHere.Count : 1;
        var k = grouped ? barsHere.IndexOf(t) : 0;
        var cells = Cells(x, t.X);
        var baseline = y.Type == "log" ? y.Pixel(Math.Min(y.Lo, y.Hi)) : y.Pixel(0);
        svg.Open("g").Attr("class", "trace bar").Attr("data-name", t.Name).Attr("fill", t.Color.Hex).Begin();
        for (var i = 0; i < Math.Min(t.X.Count, t.Y.Count); i++)
        {
            var (cellLo, cellHi) = cells[i];
            var ly = y.Linear(t.Y, i);
            if (!double.IsFinite(cellLo) || !double.IsFinite(ly)) continue;
            var slot = (cellHi - cellLo) * (1 - gap);
            var barWidth = slot / count;
            var start = (cellLo + cellHi) / 2 - slot / 2 + k * barWidth + barWidth * groupGap / 2;
            double x0 = x.Pixel(start), x1 = x.Pixel(start + barWidth * (1 - groupGap)), top = y.Pixel(ly);
            svg.Open("rect").Attr("x", Math.Min(x0, x1)).Attr("y", Math.Min(top, baseline))
                .Attr("width", Math.Abs(x1 - x0)).Attr("height", Math.Abs(baseline - top)).End();
        }
        svg.Close("g");
    }

    // ----- heatmaps and colour bars ----------------------------------------------------------------------------

    static bool ShowsColorBar(TraceView t) => t.Z is { Count: > 0 };

    /// <summary>The colour scale of a heatmap and the values at its ends (zmin/zmax, else the data's range).</summary>
    static (Scale Scale, double Min, double Max) ColorRange(TraceView t)
    {
        var finite = (t.Z ?? []).SelectMany(r => r).Where(double.IsFinite).ToList();
        var heatmap = t.Heatmap!;
        var min = heatmap.ZMin ?? (finite.Count > 0 ? finite.Min() : 0);
        var max = heatmap.ZMax ?? (finite.Count > 0 ? finite.Max() : 1);
        return (Scale.From(heatmap.ColorScale), min, max);
    }

    void Heatmap(SvgWriter svg, TraceView t, AxisView x, AxisView y)
    {
        if (t.Z is null) return;
        var (scale, min, max) = ColorRange(t);
        var xCells = Cells(x, t.X);
        var yCells = Cells(y, t.Y);
        if (t.Z.Sum(r => (long)r.Count) > HeatmapCellLimit)
        {
            HeatmapImage(svg, t, x, y, xCells, yCells, scale, min, max);
            return;
        }
        var template = t.Heatmap!.TextTemplate;
        var labels = new List<(double X, double Y, string Text, string Fill, double Size)>();
        svg.Open("g").Attr("class", "trace heatmap").Attr("shape-rendering", "crispEdges").Begin();
        for (var row = 0; row < Math.Min(t.Z.Count, yCells.Length); row++)
            for (var column = 0; column < Math.Min(t.Z[row].Count, xCells.Length); column++)
            {
                var z = t.Z[row][column];
                if (!double.IsFinite(z)) continue;
                double x0 = x.Pixel(xCells[column].Lo), x1 = x.Pixel(xCells[column].Hi);
                double y0 = y.Pixel(yCells[row].Lo), y1 = y.Pixel(yCells[row].Hi);
                if (!double.IsFinite(x0 + x1 + y0 + y1)) continue;
                var colour = scale.At(max > min ? (z - min) / (max - min) : 0.5);
                svg.Open("rect").Attr("x", Math.Min(x0, x1)).Attr("y", Math.Min(y0, y1))
                    .Attr("width", Math.Abs(x1 - x0)).Attr("height", Math.Abs(y1 - y0)).Attr("fill", colour.Hex).End();
                if (template is not null)
                {
                    var text = FormatCellText(template, z);
                    var size = Math.Min(fontSize, Math.Abs(y1 - y0) * 0.6);
                    if (TextMetrics.Width(text, size) < Math.Abs(x1 - x0) - 2 && size >= 6)
                        labels.Add(((x0 + x1) / 2, (y0 + y1) / 2 + size * 0.35, text,
                            colour.Luminance < 0.5 ? "#ffffff" : "#222222", size));
                }
            }
        svg.Close("g");
        if (labels.Count > 0)
        {
            svg.Open("g").Attr("class", "cell-values").Attr("text-anchor", "middle").Begin();
            foreach (var (lx, ly, text, fill, size) in labels)
                svg.Open("text").Attr("x", lx).Attr("y", ly).Attr("fill", fill).Attr("font-size", size)
                    .EndWithText("text", text);
            svg.Close("g");
        }
    }

    /// <summary>A large heatmap as one embedded PNG covering the cells' pixels, each pixel taking the colour of the
    /// cell under its centre.</summary>
    void HeatmapImage(SvgWriter svg, TraceView t, AxisView x, AxisView y, (double Lo, double Hi)[] xCells,
        (double Lo, double Hi)[] yCells, Scale scale, double min, double max)
    {
        var z = t.Z!;
        static (double A, double B)[] Spans(AxisView axis, (double Lo, double Hi)[] cells) =>
            cells.Select(c => (
                Math.Min(axis.Pixel(c.Lo), axis.Pixel(c.Hi)),
                Math.Max(axis.Pixel(c.Lo), axis.Pixel(c.Hi)))).ToArray();
        var columns = Spans(x, xCells);
        var rows = Spans(y, yCells);
        var finite = columns.Concat(rows).All(s => double.IsFinite(s.A) && double.IsFinite(s.B));
        if (!finite || columns.Length == 0 || rows.Length == 0) return;
        double x0 = Math.Max(columns.Min(c => c.A), left), x1 = Math.Min(columns.Max(c => c.B), right);
        double y0 = Math.Max(rows.Min(r => r.A), top), y1 = Math.Min(rows.Max(r => r.B), bottom);
        int w = (int)Math.Ceiling(x1 - x0), h = (int)Math.Ceiling(y1 - y0);
        if (w <= 0 || h <= 0) return;

        static int[] CellUnder(int pixels, double origin, (double A, double B)[] spans) =>
            Enumerable.Range(0, pixels)
                .Select(p => Array.FindIndex(spans, s => s.A <= origin + p + 0.5 && origin + p + 0.5 < s.B))
                .ToArray();
        var columnOf = CellUnder(w, x0, columns);
        var rowOf = CellUnder(h, y0, rows);
        var rgba = new byte[w * h * 4];
        for (var py = 0; py < h; py++)
        {
            var row = rowOf[py];
            if (row < 0 || row >= z.Count) continue;
            for (var px = 0; px < w; px++)
            {
                var column = columnOf[px];
                if (column < 0 || column >= z[row].Count || !double.IsFinite(z[row][column])) continue;
                var c = scale.At(max > min ? (z[row][column] - min) / (max - min) : 0.5);
                var o = (py * w + px) * 4;
                (rgba[o], rgba[o + 1], rgba[o + 2], rgba[o + 3]) =
                    ((byte)Math.Round(c.R), (byte)Math.Round(c.G), (byte)Math.Round(c.B), 255);
            }
        }
        svg.Open("image").Attr("class", "trace heatmap").Attr("x", x0).Attr("y", y0).Attr("width", w).Attr("height", h)
            .Attr("preserveAspectRatio", "none").Attr("style", "image-rendering:pixelated")
            .Attr("href", "data:image/png;base64," + Convert.ToBase64String(PngImage.Encode(w, h, rgba))).End();
    }

    /// <summary>plotly's texttemplate for the values we use: "%{z}" or "%{z:.2f}".</summary>
    static string FormatCellText(string template, double z) =>
        Regex.Replace(template, @"%\{z(?::\.(\d+)f)?\}", m =>
            m.Groups[1].Success
                ? z.ToString("F" + m.Groups[1].Value, CultureInfo.InvariantCulture)
                : z.ToString("0.###", CultureInfo.InvariantCulture));

    (double X, double Top, double Thickness, double Length) ColorBarBox(TraceView t)
    {
        var bar = t.Heatmap!.ColorBar;
        var thickness = bar?.Thickness ?? 30;
        var length = (bar?.Length ?? 1) * (bottom - top);
        var center = Y(bar?.Y ?? 0.5);
        var x = X(bar?.X ?? 1.02);
        if (showLegend && bar is null) x += LegendWidth() + 10;
        return (x, center - length / 2, thickness, length);
    }

    double ColorBarWidth(TraceView t)
    {
        var (_, min, max) = ColorRange(t);
        var thickness = t.Heatmap!.ColorBar?.Thickness ?? 30;
        var labels = AxisTicks.Linear(min, max, AxisTicks.TargetCount(Math.Max(100, height - 150), false));
        return thickness + 8 + (labels.Count == 0 ? 0 : labels.Max(l => TextMetrics.Width(l.Label, fontSize))) + 6;
    }

    void ColorBarGradient(SvgWriter svg, TraceView t)
    {
        var (scale, _, _) = ColorRange(t);
        svg.Open("linearGradient").Attr("id", $"{id}-scale-{t.Index}")
            .Attr("x1", 0).Attr("y1", 1).Attr("x2", 0).Attr("y2", 0).Begin();
        foreach (var (at, colour) in scale.Stops)
            svg.Open("stop").Attr("offset", Math.Round(at, 4).ToString(CultureInfo.InvariantCulture))
                .Attr("stop-color", colour.Hex).End();
        svg.Close("linearGradient");
    }

    void ColorBar(SvgWriter svg, TraceView t)
    {
        var (_, min, max) = ColorRange(t);
        var (x, barTop, thickness, length) = ColorBarBox(t);
        svg.Open("g").Attr("class", "colorbar").Begin();
        svg.Open("rect").Attr("x", x).Attr("y", barTop).Attr("width", thickness).Attr("height", length)
            .Attr("fill", $"url(#{id}-scale-{t.Index})").End();
        if (max > min)
            foreach (var tick in AxisTicks.Linear(min, max, AxisTicks.TargetCount(length, false)))
            {
                var ty = barTop + length * (1 - (tick.At - min) / (max - min));
                svg.Open("line").Attr("x1", x + thickness).Attr("x2", x + thickness + 4).Attr("y1", ty).Attr("y2", ty)
                    .Attr("stroke", "#444444").End();
                svg.Open("text").Attr("class", "colorbar-tick")
                    .Attr("x", x + thickness + 6).Attr("y", ty + fontSize * 0.35).EndWithText("text", tick.Label);
            }
        svg.Close("g");
    }

    // ----- axes --------------------------------------------------------------------------------------------

    double TickFont(AxisView axis) => fontSize;
    double TitleSize(AxisView axis) => Math.Round(fontSize * 1.17);
    static double TickLength(AxisView axis) => axis.Spec?.Ticks is "outside" ? axis.Spec.TickLength : 0;

    /// <summary>The ticks of an axis at its current length; for category axes every category unless they are too
    /// dense, and whether horizontal labels must be rotated to fit.</summary>
    (List<Tick> Ticks, bool Rotated) TickLabels(AxisView axis)
    {
        var size = TickFont(axis);
        if (axis.Type == "category")
        {
            var n = axis.Categories.Count;
            if (n == 0) return ([], false);
            var slot = axis.Length / n;
            var labels = axis.Categories.Select(Shorten).ToList();
            var widest = labels.Max(l => TextMetrics.Width(l, size));
            var rotated = axis.Horizontal && widest + 6 > slot;
            var room = axis.Horizontal && !rotated ? widest + 6 : size * 1.25;
            var every = Math.Max(1, (int)Math.Ceiling(room / Math.Max(slot, 1e-9)));
            var ticks = Enumerable.Range(0, n).Where(i => i % every == 0).Select(i => new Tick(i, labels[i]))
                .Where(t => axis.Contains(t.At)).ToList();
            return (ticks, rotated);
        }
        var count = AxisTicks.TargetCount(axis.Length, axis.Horizontal);
        var all = axis.Type == "log"
            ? AxisTicks.Log(axis.Lo, axis.Hi, count, axis.Spec?.ExponentFormat ?? "B")
            : AxisTicks.Linear(axis.Lo, axis.Hi, count);
        return (all.Where(t => axis.Contains(t.At)).ToList(), false);
    }

    static string Shorten(string label) => label.Length > 30 ? label[..29] + "\u2026" : label;

    void GridLines(SvgWriter svg, AxisView axis, AxisView across)
    {
        var spec = axis.Spec;
        var (ticks, _) = TickLabels(axis);
        var gridColour = Rgb.Parse(spec?.GridColor, new(238, 238, 238)).Hex;
        svg.Open("g").Attr("class", $"grid {axis.Id}").Attr("stroke", gridColour).Attr("stroke-width", 1).Begin();
        if (spec?.ShowGrid ?? axis.Type != "category")
            foreach (var tick in ticks)
                Line(svg, axis, across, axis.Pixel(tick.At), tick.Minor ? 0.5 : 1);
        if (axis.Type == "linear" && (spec?.ZeroLine ?? true) && axis.Lo < 0 && axis.Hi > 0)
        {
            const string zeroColour = "#444444";
            var p = axis.Pixel(0);
            var (a, b) = (across.Start, across.End);
            svg.Open("line").Attr("class", "zeroline").Attr("stroke", zeroColour).Attr("stroke-width", 1)
                .Attr(axis.Horizontal ? "x1" : "y1", p).Attr(axis.Horizontal ? "x2" : "y2", p)
                .Attr(axis.Horizontal ? "y1" : "x1", a).Attr(axis.Horizontal ? "y2" : "x2", b).End();
        }
        svg.Close("g");
    }

    static void Line(SvgWriter svg, AxisView axis, AxisView across, double p, double opacity)
    {
        svg.Open("line").Attr(axis.Horizontal ? "x1" : "y1", p).Attr(axis.Horizontal ? "x2" : "y2", p)
            .Attr(axis.Horizontal ? "y1" : "x1", across.Start).Attr(axis.Horizontal ? "y2" : "x2", across.End);
        if (opacity < 1) svg.Attr("stroke-opacity", opacity);
        svg.End();
    }

    void Axis(SvgWriter svg, AxisView axis)
    {
        var spec = axis.Spec;
        var edge = AnchorStart(axis);
        var tickLength = TickLength(axis);
        var tickColour = Rgb.Parse(spec?.TickColor, new(68, 68, 68)).Hex;
        var size = TickFont(axis);
        var (ticks, rotated) = TickLabels(axis);
        svg.Open("g").Attr("class", $"axis {axis.Id}").Begin();
        if (spec?.ShowLine == true)
        {
            var lineColour = Rgb.Parse(spec.LineColor, new(68, 68, 68)).Hex;
            svg.Open("line").Attr("class", "axis-line").Attr("stroke", lineColour).Attr("stroke-width", 1)
                .Attr(axis.Horizontal ? "x1" : "y1", axis.Start).Attr(axis.Horizontal ? "x2" : "y2", axis.End)
                .Attr(axis.Horizontal ? "y1" : "x1", edge).Attr(axis.Horizontal ? "y2" : "x2", edge).End();
        }
        var widest = 0.0;
        foreach (var tick in ticks)
        {
            var p = axis.Pixel(tick.At);
            var minorScale = tick.Minor ? 0.75 : 1;
            if (tickLength > 0)
                svg.Open("line").Attr("stroke", tickColour)
                    .Attr(axis.Horizontal ? "x1" : "y1", p).Attr(axis.Horizontal ? "x2" : "y2", p)
                    .Attr(axis.Horizontal ? "y1" : "x1", edge)
                    .Attr(axis.Horizontal ? "y2" : "x2",
                        axis.Horizontal ? edge + tickLength * minorScale : edge - tickLength * minorScale).End();
            if (tick.Label.Length == 0) continue;
            var labelSize = size * minorScale;
            var labelClass = tick.Minor ? $"tick {axis.Id} minor" : $"tick {axis.Id}";
            widest = Math.Max(widest, TextMetrics.Width(tick.Label, labelSize));
            if (axis.Horizontal && rotated)
            {
                var ly = edge + tickLength + 6;
                svg.Open("text").Attr("class", labelClass).Attr("x", p).Attr("y", ly + labelSize * 0.35)
                    .Attr("text-anchor", "end").Attr("transform", $"rotate(-45 {SvgWriter.N(p)} {SvgWriter.N(ly)})")
                    .EndWithText("text", tick.Label);
            }
            else if (axis.Horizontal)
                svg.Open("text").Attr("class", labelClass)
                    .Attr("x", p).Attr("y", edge + tickLength + 3 + labelSize * 0.9)
                    .Attr("text-anchor", "middle").Attr("font-size", tick.Minor ? SvgWriter.N(labelSize) : null)
                    .EndWithText("text", tick.Label);
            else
                svg.Open("text").Attr("class", labelClass)
                    .Attr("x", edge - tickLength - 4).Attr("y", p + labelSize * 0.35)
                    .Attr("text-anchor", "end").Attr("font-size", tick.Minor ? SvgWriter.N(labelSize) : null)
                    .EndWithText("text", tick.Label);
        }
        var title = axis.Title;
        if (title.Length > 0)
        {
            var titleSize = TitleSize(axis);
            var middle = (axis.Start + axis.End) / 2;
            if (axis.Horizontal)
            {
                var labelHeight = ticks.Count == 0 ? 0 : rotated ? widest * 0.72 + size : size * 1.2;
                svg.Open("text").Attr("class", "axis-title")
                    .Attr("x", middle).Attr("y", edge + tickLength + 4 + labelHeight + titleSize)
                    .Attr("text-anchor", "middle").Attr("font-size", titleSize).EndWithText("text", PlainText(title));
            }
            else
            {
                var x = edge - tickLength - 4 - widest - 8;
                svg.Open("text").Attr("class", "axis-title").Attr("x", x).Attr("y", middle)
                    .Attr("text-anchor", "middle").Attr("font-size", titleSize)
                    .Attr("transform", $"rotate(-90 {SvgWriter.N(x)} {SvgWriter.N(middle)})")
                    .EndWithText("text", PlainText(title));
            }
        }
        svg.Close("g");
    }

    // ----- legend, title, annotations ----------------------------------------------------------------------------

    double LegendRow => Math.Max(fontSize + 7, 19);

    double LegendWidth() => 40 + legendItems.Max(t => TextMetrics.Width(t.Name!, fontSize)) + 10;

    void Legend(SvgWriter svg)
    {
        var x = X(1.02);
        var y = Y(1);
        svg.Open("g").Attr("class", "legend").Begin();
        for (var i = 0; i < legendItems.Count; i++)
        {
            var t = legendItems[i];
            var middle = y + LegendRow * i + LegendRow / 2;
            var colour = t.Color.Hex;
            svg.Open("g").Attr("class", "legend-item").Begin();
            if (t.Type == "bar")
                svg.Open("rect").Attr("x", x + 12).Attr("y", middle - 6).Attr("width", 12).Attr("height", 12)
                    .Attr("fill", colour).End();
            if (t.HasLines)
                svg.Open("line").Attr("x1", x + 5).Attr("x2", x + 35).Attr("y1", middle).Attr("y2", middle)
                    .Attr("stroke", colour).Attr("stroke-width", Math.Min(t.LineWidth, 4))
                    .Attr("stroke-dasharray", DashArray(t.Dash, Math.Min(t.LineWidth, 4))).End();
            if (t.HasMarkers)
                svg.Open("circle").Attr("cx", x + 20).Attr("cy", middle).Attr("r", Math.Clamp(t.MarkerSize / 2, 3, 6))
                    .Attr("fill", colour).End();
            svg.Open("text").Attr("x", x + 40).Attr("y", middle + fontSize * 0.35)
                .EndWithText("text", PlainText(t.Name!));
            svg.Close("g");
        }
        svg.Close("g");
    }

    void Title(SvgWriter svg)
    {
        var text = layout.Title.Text;
        if (text.Length == 0) return;
        var size = Math.Round(fontSize * 1.4);
        var fraction = layout.Title.X ?? 0.5;
        // plotly.js's "auto" anchor: the side nearest the title's place.
        var anchor = fraction < 1 / 3.0 ? "start" : fraction > 2 / 3.0 ? "end" : "middle";
        var lines = Lines(text);
        var y = top / 2 + size * 0.35 - (lines.Count - 1) * size * 0.6;
        MultilineText(svg, "title", width * fraction, y, lines, anchor, size);
    }

    void Annotations(SvgWriter svg)
    {
        foreach (var a in layout.Annotations ?? [])
        {
            var text = a.Text;
            if (string.IsNullOrEmpty(text)) continue;
            var size = a.FontSize ?? fontSize;
            // Only paper-referenced annotations (subplot titles, notes) are placed; data-referenced ones too when
            // their axes exist.
            var x = a.XRef != "paper" && axes.TryGetValue(a.XRef, out var xa) ? xa.Pixel(a.X) : X(a.X);
            var y = a.YRef != "paper" && axes.TryGetValue(a.YRef, out var ya) ? ya.Pixel(a.Y) : Y(a.Y);
            var lines = Lines(text);
            var blockHeight = lines.Count * size * 1.2;
            var baseline = a.YAnchor switch
            {
                "bottom" => y - blockHeight + size * 0.9 - 3,
                "top" => y + size * 0.9 + 3,
                _ => y - blockHeight / 2 + size * 0.9,
            };
            var anchor = a.XAnchor switch { "left" => "start", "right" => "end", _ => "middle" };
            MultilineText(svg, "annotation", x, baseline, lines, anchor, size);
        }
    }

    static void MultilineText(
        SvgWriter svg, string cssClass, double x, double y, List<string> lines, string anchor, double size)
    {
        svg.Open("text").Attr("class", cssClass).Attr("x", x).Attr("y", y)
            .Attr("text-anchor", anchor).Attr("font-size", size);
        if (lines.Count == 1)
        {
            svg.EndWithText("text", lines[0]);
            return;
        }
        svg.Raw(">");
        for (var i = 0; i < lines.Count; i++)
        {
            svg.Open("tspan").Attr("x", x).Attr("dy", i == 0 ? "0" : "1.2em");
            svg.EndWithText("tspan", lines[i]);
        }
        svg.Close("text");
    }

    /// <summary>Plotly titles may hold a little HTML: &lt;br&gt; breaks lines, tags such as &lt;b&gt; are dropped
    /// here, entities are decoded. Anything else, including a lone "&lt;", is shown as written.</summary>
    static List<string> Lines(string text) =>
        Regex.Split(text, @"<br\s*/?>", RegexOptions.IgnoreCase).Select(PlainText).ToList();

    static string PlainText(string text) =>
        System.Net.WebUtility.HtmlDecode(
            Regex.Replace(text, @"</?(b|i|em|strong|sup|sub|span|a)(\s[^<>]*)?>", "", RegexOptions.IgnoreCase));
}
