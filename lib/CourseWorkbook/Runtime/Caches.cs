namespace CourseWorkbook.Runtime;

/// <summary>The workbook's cache folder: $COURSEWORKBOOK_CACHE, else $XDG_CACHE_HOME/courseworkbook, else
/// ~/.cache/courseworkbook (LocalApplicationData on Windows).</summary>
public static class Caches
{
    /// <summary>The root cache folder (created on demand by the callers).</summary>
    public static string Root
    {
        get
        {
            if (Environment.GetEnvironmentVariable("COURSEWORKBOOK_CACHE") is { Length: > 0 } env) return env;
            if (Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg)
                return Path.Combine(xdg, "courseworkbook");
            if (OperatingSystem.IsWindows())
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData),
                    "courseworkbook");
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache",
                "courseworkbook");
        }
    }
}
