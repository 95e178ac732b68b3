using CourseWorkbook.Weights;

namespace CourseWorkbook.Tests;

/// <summary>A fact that needs files from the shared models folder; skipped, with the reason, when they are absent.</summary>
public sealed class SharedModelFactAttribute : FactAttribute
{
    public SharedModelFactAttribute(params string[] relativePaths)
    {
        var missing = relativePaths.Where(p => ModelStore.FindLocal(p) is null).ToList();
        if (missing.Count > 0)
            Skip = $"needs {string.Join(", ", missing)} under the models folder (set {ModelStore.LocalFolderVariable} or provide shared/models; {ModelStore.LocalFolderDescription})";
    }
}

static class SharedModels
{
    public const string Stories = "stories260K/stories260K.gguf";
    public static string Path(string relative) => ModelStore.FindLocal(relative) ?? throw new FileNotFoundException(relative);
}
