using System.Text;
using System.Text.Json;

namespace CourseWorkbook.Plotting;

/// <summary>Writes a <see cref="Chart"/> as plotly.js figure JSON, {"data": [...], "layout": {...}}, with plotly.js's
/// attribute names. Missing values (NaN, infinities) are written as the strings "NaN", "Infinity", "-Infinity",
/// which plotly.js leaves out (a gap in a line), as Plotly.NET did.</summary>
internal static class ChartJson
{
    public static string Figure(Chart chart)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteStartArray("data");
            foreach (var trace in chart.Traces) WriteTrace(json, trace);
            json.WriteEndArray();
            json.WritePropertyName("layout");
            WriteLayout(json, chart.Layout);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    static void WriteTrace(Utf8JsonWriter json, Trace trace)
    {
        json.WriteStartObject();
        json.WriteString("type", trace.Type);
        if (trace.Name is { } name) json.WriteString("name", name);
        switch (trace)
        {
            case ScatterTrace s:
                json.WriteString("mode", s.Mode switch
                {
                    SeriesMode.Lines => "lines",
                    SeriesMode.LinesAndMarkers => "lines+markers",
                    _ => "markers",
                });
                Numbers(json, "x", s.X);
                Numbers(json, "y", s.Y);
                json.WriteStartObject("marker");
                json.WriteString("color", s.Marker.Color);
                Number(json, "size", s.Marker.Size);
                json.WriteEndObject();
                json.WriteStartObject("line");
                json.WriteString("color", s.Line.Color);
                Number(json, "width", s.Line.Width);
                if (s.Line.Dash is { } dash) json.WriteString("dash", dash);
                json.WriteEndObject();
                if (s.HoverTexts is { } texts) Strings(json, "text", texts);
                break;
            case HeatmapTrace h:
                json.WriteStartArray("z");
                foreach (var row in h.Z)
                {
                    json.WriteStartArray();
                    foreach (var v in row) Number(json, v);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                LabelsOrIndices(json, "x", h.XLabels, h.Columns);
                LabelsOrIndices(json, "y", h.YLabels, h.Z.Count);
                json.WriteStartArray("colorscale");
                foreach (var (at, color) in h.ColorScale.Stops)
                {
                    json.WriteStartArray();
                    Number(json, at);
                    json.WriteStringValue(color);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
                if (h.ZMin is { } zMin) Number(json, "zmin", zMin);
                if (h.ZMax is { } zMax) Number(json, "zmax", zMax);
                if (h.TextTemplate is { } template) json.WriteString("texttemplate", template);
                break;
            case BarTrace b:
                Strings(json, "x", b.X);
                Numbers(json, "y", b.Y);
                json.WriteStartObject("marker");
                json.WriteString("color", b.Color);
                json.WriteEndObject();
                break;
        }
        if (trace.XAxis is { } xAxis) json.WriteString("xaxis", xAxis);
        if (trace.YAxis is { } yAxis) json.WriteString("yaxis", yAxis);
        if (trace is HeatmapTrace { ColorBar: { } bar })
        {
            json.WriteStartObject("colorbar");
            Number(json, "x", bar.X);
            json.WriteString("xanchor", "left");
            Number(json, "y", bar.Y);
            json.WriteString("yanchor", "middle");
            Number(json, "len", bar.Length);
            Number(json, "thickness", bar.Thickness);
            json.WriteEndObject();
        }
        if (trace.LegendGroup is { } group) json.WriteString("legendgroup", group);
        if (trace.ShowLegend is { } show) json.WriteBoolean("showlegend", show);
        json.WriteEndObject();
    }

    static void WriteLayout(Utf8JsonWriter json, Layout layout)
    {
        json.WriteStartObject();
        json.WriteStartObject("title");
        json.WriteString("text", layout.Title.Text);
        if (layout.Title.X is { } titleX) Number(json, "x", titleX);
        json.WriteEndObject();
        json.WriteNumber("width", layout.Width);
        json.WriteNumber("height", layout.Height);
        json.WriteStartObject("font");
        json.WriteString("family", layout.Font.Family);
        Number(json, "size", layout.Font.Size);
        json.WriteString("color", layout.Font.Color);
        json.WriteEndObject();
        json.WriteString("paper_bgcolor", layout.PaperBackground);
        json.WriteString("plot_bgcolor", layout.PlotBackground);
        Strings(json, "colorway", layout.Colorway);
        json.WriteStartObject("margin");
        Number(json, "l", layout.Margin.Left);
        Number(json, "r", layout.Margin.Right);
        Number(json, "t", layout.Margin.Top);
        Number(json, "b", layout.Margin.Bottom);
        json.WriteEndObject();
        json.WriteString("hovermode", layout.HoverMode);
        foreach (var axis in layout.Axes) WriteAxis(json, axis);
        if (layout.Legend is { } legend)
        {
            json.WriteStartObject("legend");
            Number(json, "tracegroupgap", legend.TraceGroupGap);
            json.WriteEndObject();
        }
        if (layout.BarMode is { } barMode) json.WriteString("barmode", barMode);
        if (layout.BarGap is { } barGap) Number(json, "bargap", barGap);
        if (layout.Annotations is { } annotations)
        {
            json.WriteStartArray("annotations");
            foreach (var a in annotations)
            {
                json.WriteStartObject();
                json.WriteString("text", a.Text);
                Number(json, "x", a.X);
                json.WriteString("xref", a.XRef);
                json.WriteString("xanchor", a.XAnchor);
                Number(json, "y", a.Y);
                json.WriteString("yref", a.YRef);
                json.WriteString("yanchor", a.YAnchor);
                json.WriteBoolean("showarrow", false);
                if (a.FontSize is { } size)
                {
                    json.WriteStartObject("font");
                    Number(json, "size", size);
                    json.WriteEndObject();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        if (layout.ShowLegend is { } showLegend) json.WriteBoolean("showlegend", showLegend);
        json.WriteEndObject();
    }

    static void WriteAxis(Utf8JsonWriter json, Axis axis)
    {
        json.WriteStartObject(AxisKey(axis.Id));
        json.WriteStartObject("title");
        json.WriteString("text", axis.Title);
        json.WriteEndObject();
        json.WriteString("type", axis.Type switch
        {
            AxisType.Log => "log",
            AxisType.Category => "category",
            _ => "linear",
        });
        json.WriteBoolean("showline", axis.ShowLine);
        json.WriteString("linecolor", axis.LineColor);
        json.WriteString("ticks", axis.Ticks);
        Number(json, "ticklen", axis.TickLength);
        json.WriteString("tickcolor", axis.TickColor);
        json.WriteBoolean("showgrid", axis.ShowGrid);
        json.WriteString("gridcolor", axis.GridColor);
        json.WriteBoolean("zeroline", axis.ZeroLine);
        json.WriteBoolean("automargin", axis.AutoMargin);
        if (axis.ExponentFormat is { } format) json.WriteString("exponentformat", format);
        if (axis.Reversed && axis.Range is null) json.WriteString("autorange", "reversed");
        if (axis.Range is (var from, var to))
        {
            // plotly.js draws a range given from high to low reversed.
            json.WriteStartArray("range");
            Number(json, axis.Reversed ? Math.Max(from, to) : from);
            Number(json, axis.Reversed ? Math.Min(from, to) : to);
            json.WriteEndArray();
        }
        if (axis.Domain is (var start, var end))
        {
            json.WriteStartArray("domain");
            Number(json, start);
            Number(json, end);
            json.WriteEndArray();
        }
        if (axis.Anchor is { } anchor) json.WriteString("anchor", anchor);
        json.WriteEndObject();
    }

    /// <summary>The layout key of an axis id: "x" → "xaxis", "y3" → "yaxis3".</summary>
    public static string AxisKey(string id) => id[0] + "axis" + id[1..];

    static void LabelsOrIndices(Utf8JsonWriter json, string name, IReadOnlyList<string>? labels, int count)
    {
        if (labels is not null)
        {
            Strings(json, name, labels);
            return;
        }
        json.WriteStartArray(name);
        for (var i = 0; i < count; i++) json.WriteNumberValue(i);
        json.WriteEndArray();
    }

    static void Strings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) json.WriteStringValue(v);
        json.WriteEndArray();
    }

    static void Numbers(Utf8JsonWriter json, string name, IEnumerable<double> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values) Number(json, v);
        json.WriteEndArray();
    }

    static void Number(Utf8JsonWriter json, string name, double value)
    {
        json.WritePropertyName(name);
        Number(json, value);
    }

    static void Number(Utf8JsonWriter json, double value)
    {
        if (double.IsFinite(value)) json.WriteNumberValue(value);
        else json.WriteStringValue(double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
    }
}
