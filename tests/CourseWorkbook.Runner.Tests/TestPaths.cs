namespace CourseWorkbook.Runner.Tests;

/// <summary>Where the test inputs are: copied next to the test assembly by the project file.</summary>
internal static class TestPaths
{
    public static string BaseDirectory => AppContext.BaseDirectory;

    public static string Fixture(params string[] parts) => Path.Combine([BaseDirectory, "Fixtures", .. parts]);

    public static string Notebook(string name) => Path.Combine(BaseDirectory, "Notebooks", name);

    /// <summary>A fresh empty folder under the system temp folder.</summary>
    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), "cwb-runner-tests", $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)]);
        Directory.CreateDirectory(path);
        return path;
    }
}
