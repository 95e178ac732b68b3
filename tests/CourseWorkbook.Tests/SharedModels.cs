using CourseWorkbook.Weights;

namespace CourseWorkbook.Tests;

/// <summary>A fact that needs files from the shared models folder; skipped, with the reason, when they are absent.</summary>
public sealed class SharedModelFactAttribute : FactAttribute
{
    public SharedModelFactAttribute(params string[] relativePaths)
    {
        var missing = relativePaths.Where(p => ModelFiles.Find(p) is null).ToList();
        if (missing.Count > 0)
            Skip = $"needs {string.Join(", ", missing)} under the models folder (set {ModelFiles.EnvironmentVariable} or provide shared/models; {ModelFiles.SearchDescription})";
    }
}

static class SharedModels
{
    public const string Stories = "stories260K/stories260K.gguf";
    public static string Path(string relative) => ModelFiles.Find(relative) ?? throw new FileNotFoundException(relative);
}
