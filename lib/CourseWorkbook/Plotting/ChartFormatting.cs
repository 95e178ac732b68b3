namespace CourseWorkbook.Plotting;

/// <summary>Placeholder until the plotting layer lands (replaced by the plotting branch).</summary>
public static class ChartFormatting
{
    public static void Register() { }
}
