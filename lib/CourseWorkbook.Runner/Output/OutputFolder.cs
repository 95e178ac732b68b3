namespace CourseWorkbook.Runner.Output;

/// <summary>The run's output folder, made ready before the first notebook: no stale file may pass for this
/// run's.</summary>
public static class OutputFolder
{
    /// <summary>Removes temp files that a killed run left (their writer is gone) and the executed notebooks of an
    /// earlier run of the same notebooks, which an interrupted run would otherwise leave beside a summary that does not
    /// list them.</summary>
    public static void Prepare(string outDirectory, IEnumerable<string> notebookNames)
    {
        Directory.CreateDirectory(outDirectory);
        foreach (var temp in Directory.EnumerateFiles(outDirectory, ".*.tmp").Where(AtomicFile.IsAbandonedTemp))
            TryDelete(temp);
        foreach (var name in notebookNames) TryDelete(Path.Combine(outDirectory, name + ".ipynb"));
    }

    static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // left as it is; writing over it later reports the problem
        }
    }
}
