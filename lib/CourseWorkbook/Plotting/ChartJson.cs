using System.Text.Json.Nodes;
using Plotly.NET;

namespace CourseWorkbook.Plotting;

internal static class ChartJson
{
    /// <summary>The chart as plotly's figure JSON: {"data": [...], "layout": {...}}.</summary>
    public static string Figure(GenericChart chart)
    {
        var figure = JsonNode.Parse(GenericChart.toFigureJson(chart))!.AsObject();
        return new JsonObject
        {
            ["data"] = figure["data"]?.DeepClone() ?? new JsonArray(),
            ["layout"] = figure["layout"]?.DeepClone() ?? new JsonObject(),
        }.ToJsonString();
    }

    /// <summary>The chart's title text, or "" when it has none.</summary>
    public static string Title(GenericChart chart) => PlotGrid.TitleOf(chart);
}
