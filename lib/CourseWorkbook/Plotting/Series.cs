namespace CourseWorkbook.Plotting;

/// <summary>How a line-chart series is drawn.</summary>
public enum SeriesMode
{
    /// <summary>A line through the points (training curves).</summary>
    Lines,
    /// <summary>Markers only (measured points of a scaling law).</summary>
    Markers,
    /// <summary>A line with a marker at each point.</summary>
    LinesAndMarkers,
}

/// <summary>One named curve of a line chart: the points (X[i], Y[i]), drawn as <paramref name="Mode"/>;
/// <paramref name="Dashed"/> draws the line dashed (a fitted law next to the measurements).</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y,
    SeriesMode Mode = SeriesMode.Lines, bool Dashed = false)
{
    /// <summary>A curve of values against their index: x = first, first + 1, ... (loss per epoch or step).</summary>
    public static Series FromY(string name, IReadOnlyList<double> y, double first = 0) =>
        new(name, Enumerable.Range(0, y.Count).Select(i => first + i).ToArray(), y);
}
