namespace CourseWorkbook.Plotting;

/// <summary>A continuous colour scale for heatmaps: colour stops at fractions 0..1 of the value range
/// (0 = the smallest value shown, 1 = the largest).</summary>
public sealed record ColorScale(string Name, IReadOnlyList<(double At, string Color)> Stops)
{
    /// <summary>Dark purple (low) to yellow (high); perceptually uniform, plotly's usual choice.</summary>
    public static ColorScale Viridis { get; } = Even("Viridis",
        "#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725");

    /// <summary>White (low) to dark blue (high); good for distances and counts.</summary>
    public static ColorScale Blues { get; } = Even("Blues",
        "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b");

    /// <summary>Blue (low) through white to red (high); for signed values such as cosine similarity, with
    /// zMin = -zMax so that white means zero.</summary>
    public static ColorScale Diverging { get; } = Even("Diverging",
        "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b",
        "#67001f");

    /// <summary>A scale whose colours are spread evenly over 0..1.</summary>
    public static ColorScale Even(string name, params string[] colors)
    {
        if (colors.Length < 2)
            throw new ArgumentException("A colour scale needs at least two colours.", nameof(colors));
        return new(name, colors.Select((c, i) => ((double)i / (colors.Length - 1), c)).ToArray());
    }
}
