namespace CourseWorkbook.Plotting;

/// <summary>The categorical colours of the charts: plotly.js's default colour cycle (D3 "category10"), so the
/// interactive chart and its static SVG give each trace the same colour.</summary>
public static class Palette
{
    /// <summary>The ten colours, in the order traces receive them.</summary>
    public static IReadOnlyList<string> Categorical { get; } =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ];

    /// <summary>The colour of the trace at <paramref name="index"/> (the cycle repeats after ten).</summary>
    public static string Color(int index) => Categorical[index % Categorical.Count];
}
