namespace CourseWorkbook.Runtime;

/// <summary>Finds the local models folder: $COURSEWORKBOOK_MODELS, else a <c>shared/models</c> folder beside the
/// workbook (found by walking up from the current directory and from this assembly's folder).</summary>
public static class ModelFolders
{
    /// <summary>The models folder, or null when there is none.</summary>
    public static string? Locate()
    {
        if (Environment.GetEnvironmentVariable("COURSEWORKBOOK_MODELS") is { Length: > 0 } env && Directory.Exists(env))
            return Path.GetFullPath(env);
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory, Path.GetDirectoryName(typeof(ModelFolders).Assembly.Location) })
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                // A shared/models folder beside the workbook, or a plain models/ folder that is one (it has REFERENCES.md).
                var shared = Path.Combine(dir.FullName, "shared", "models");
                if (Directory.Exists(shared)) return shared;
                var plain = Path.Combine(dir.FullName, "models");
                if (File.Exists(Path.Combine(plain, "REFERENCES.md"))) return plain;
            }
        }
        return null;
    }

    /// <summary>The model folders (one per model) inside <see cref="Locate"/>.</summary>
    public static IReadOnlyList<string> List() =>
        Locate() is { } root ? Directory.GetDirectories(root).Select(d => Path.GetFileName(d)!).Order().ToArray() : [];
}
