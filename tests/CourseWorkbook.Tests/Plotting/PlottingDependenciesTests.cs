using CourseWorkbook.Plotting;

namespace CourseWorkbook.Tests.Plotting;

/// <summary>The .NET Interactive kernel holds FSharp.Core 10.0.0.0; Plotly.NET 6.0.0 and its DynamicObj need 10.1,
/// so the library must not need any of them (nor Plotly.NET's other dependencies).</summary>
public class PlottingDependenciesTests
{
    [Fact]
    public void The_library_references_no_fsharp_or_plotly_assembly()
    {
        var referenced = typeof(Plot).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("System.Text.Json", referenced);   // the list is real: the figure JSON is written with it
        string[] forbidden = ["FSharp.Core", "Plotly.NET", "DynamicObj", "Giraffe.ViewEngine", "Newtonsoft.Json"];
        Assert.Empty(referenced.Intersect(forbidden, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void Charts_are_the_librarys_own_type()
    {
        var chart = Plot.Scatter("Points", [1, 2], [3, 4]);

        Assert.Same(typeof(Plot).Assembly, chart.GetType().Assembly);
        var trainingChart = typeof(CourseWorkbook.Training.TrainingCurve).GetMethod("Chart")!.ReturnType;
        Assert.Same(typeof(Chart), trainingChart);
    }
}
