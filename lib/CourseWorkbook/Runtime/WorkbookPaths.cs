namespace CourseWorkbook.Runtime;

/// <summary>Finds the workbook's folders (data/rag, data/embeddings, shared/models) wherever the code runs from: a
/// notebook's folder, the library's bin folder, a test's bin folder, or the current directory.</summary>
public static class WorkbookPaths
{
    /// <summary>The first folder <c>&lt;ancestor&gt;/<paramref name="relative"/></c> that <paramref name="accept"/>
    /// takes, walking up from each start in turn (nearest ancestor first); null when there is none.</summary>
    public static string? FindAbove(IEnumerable<string?> starts, string relative, Func<string, bool> accept)
    {
        foreach (var start in starts)
            for (var dir = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start);
                dir is not null;
                dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (accept(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>The repository a reproduce command under tools/ runs in: the first folder above the current directory
    /// that holds CourseWorkbook.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("run inside the CourseWorkbook repository (CourseWorkbook.sln not found)");
    }

    /// <summary>The first data/<paramref name="topic"/> folder holding <paramref name="fileName"/>, walking up from the
    /// notebook, the library, the current directory and the app's base directory; null when there is none.</summary>
    public static string? DataFolder(string topic, string fileName)
    {
        var notebook = Notebook.Host.NotebookPath;
        var library = typeof(WorkbookPaths).Assembly.Location;
        var starts = new[]
        {
            string.IsNullOrEmpty(notebook) ? null : Path.GetDirectoryName(Path.GetFullPath(notebook)),
            string.IsNullOrEmpty(library) ? null : Path.GetDirectoryName(library),
            Environment.CurrentDirectory, AppContext.BaseDirectory,
        };
        return FindAbove(starts, Path.Combine("data", topic), c => File.Exists(Path.Combine(c, fileName)));
    }
}
