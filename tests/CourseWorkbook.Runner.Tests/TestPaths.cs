namespace CourseWorkbook.Runner.Tests;

/// <summary>Where the test inputs are: copied next to the test assembly by the project file.</summary>
internal static class TestPaths
{
    public static string BaseDirectory => AppContext.BaseDirectory;

    public static string Fixture(params string[] parts) => Path.Combine([BaseDirectory, "Fixtures", .. parts]);

    public static string Notebook(string name) => Path.Combine(BaseDirectory, "Notebooks", name);

    /// <summary>The repository's root (the folder holding CourseWorkbook.sln).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root (CourseWorkbook.sln) not found");
    }

    /// <summary>Writes a nuget.config into <paramref name="folder"/> that points at the repository's local feed, as
    /// notebooks/nuget.config does for the practicals, so a test notebook there can load the workbook's library.</summary>
    public static void AddLocalFeed(string folder) => File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <add key="courseworkbook-local" value="{Path.Combine(RepoRoot(), "feed")}" />
          </packageSources>
        </configuration>
        """);

    private static readonly string TempRoot = CleanTempRoot();

    /// <summary>A fresh empty folder under the system temp folder (kept for inspection; removed by a later test run).</summary>
    public static string NewTempDirectory(string prefix)
    {
        var path = Path.Combine(TempRoot, $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)]);
        Directory.CreateDirectory(path);
        return path;
    }

    // Folders of earlier test runs older than an hour are deleted, so runs don't pile up in the temp folder.
    private static string CleanTempRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "cwb-runner-tests");
        if (!Directory.Exists(root)) return root;
        foreach (var dir in Directory.GetDirectories(root))
        {
            try
            {
                if (Directory.GetCreationTimeUtc(dir) < DateTime.UtcNow.AddHours(-1)) Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return root;
    }
}
