namespace CourseWorkbook.Runner.Execution;

/// <summary>Options the parent passes to a worker: the notebook, its artifact folder and the --set overrides.</summary>
public sealed record WorkerOptions(string NotebookPath, string OutputDirectory, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>The command-line arguments after the hidden "worker" verb.</summary>
    public IEnumerable<string> ToArguments()
    {
        yield return NotebookPath;
        yield return "--out";
        yield return OutputDirectory;
        foreach (var (name, value) in Parameters)
        {
            yield return "--set";
            yield return $"{name}={value}";
        }
    }

    /// <summary>Reads the arguments written by <see cref="ToArguments"/>.</summary>
    public static WorkerOptions Parse(IReadOnlyList<string> args)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? output = null;
        for (var i = 1; i < args.Count; i++)
        {
            if (args[i] == "--out") output = args[++i];
            else if (args[i] == "--set" && args[++i].Split('=', 2) is [var name, var value]) parameters[name] = value;
        }

        return new WorkerOptions(args[0], output ?? Path.GetDirectoryName(args[0])!, parameters);
    }
}
