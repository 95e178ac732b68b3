using System.Diagnostics;
using System.Text.Json;
using CourseWorkbook.Runner.Execution;
using CourseWorkbook.Runner.Kernel;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

/// <summary>What one `dotnet CourseWorkbook.Runner.dll run ...` child process did, and its output folder.</summary>
public sealed record RunResult(int ExitCode, string Stderr, string Folder, string OutDirectory, TimeSpan Elapsed)
{
    public JsonElement Summary => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutDirectory, "summary.json"))).RootElement;

    public JsonElement Notebook(string name) =>
        Summary.GetProperty("notebooks").EnumerateArray().Single(n => n.GetProperty("name").GetString() == name);

    public JsonElement Cell(string notebook, int index) =>
        Notebook(notebook).GetProperty("cells").EnumerateArray().Single(c => c.GetProperty("index").GetInt32() == index);

    public JsonElement Ipynb(string name) => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutDirectory, name + ".ipynb"))).RootElement;

    /// <summary>The outputs of the .ipynb cell with the given 1-based index.</summary>
    public List<JsonElement> Outputs(string notebook, int index) =>
        Ipynb(notebook).GetProperty("cells")[index - 1].GetProperty("outputs").EnumerateArray().ToList();

    /// <summary>Joins a Jupyter multiline string.</summary>
    public static string Text(JsonElement multiline) =>
        multiline.ValueKind == JsonValueKind.String ? multiline.GetString()! : string.Concat(multiline.EnumerateArray().Select(l => l.GetString()));
}

/// <summary>Runs the built runner the way users do: `dotnet CourseWorkbook.Runner.dll run ...` as a child process.</summary>
internal static class RunnerProcess
{
    /// <summary>The runner assembly the test project references (copied next to the tests with its runtimeconfig).</summary>
    public static string RunnerAssembly => typeof(Program).Assembly.Location;

    /// <summary>Copies the named test notebooks into a fresh folder and runs them (in the given order) with extra arguments.</summary>
    public static RunResult RunNotebooks(string[] notebooks, string[]? extraArgs = null, Dictionary<string, string>? environment = null,
        Action<string>? prepare = null, string? workingDirectory = null)
    {
        var folder = TestPaths.NewTempDirectory("run");
        foreach (var notebook in notebooks) File.Copy(TestPaths.Notebook(notebook), Path.Combine(folder, notebook));
        prepare?.Invoke(folder);
        var outDirectory = Path.Combine(folder, "out");
        var args = new List<string> { "run" };
        args.AddRange(notebooks.Select(n => Path.Combine(folder, n)));
        args.AddRange(["--out", outDirectory]);
        args.AddRange(extraArgs ?? []);
        var (exit, stderr, elapsed) = Run(args, workingDirectory ?? folder, environment);
        return new RunResult(exit, stderr, folder, outDirectory, elapsed);
    }

    public static (int Exit, string Stderr, TimeSpan Elapsed) Run(IEnumerable<string> args, string workingDirectory,
        Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(KernelTool.DotnetHost())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(RunnerAssembly);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (name, value) in environment ?? []) start.Environment[name] = value;
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the runner did not finish in 2 minutes: {stderr.Result}");
        }

        process.WaitForExit();
        return (process.ExitCode, stderr.Result + stdout.Result, stopwatch.Elapsed);
    }

    /// <summary>Kernel processes (the dotnet tool runner and the kernel it starts) whose cells run in <paramref name="folder"/>.</summary>
    public static List<int> KernelsFor(string folder) => ProcessesMentioning("--working-dir\0" + Path.GetFullPath(folder));

    /// <summary>Processes (other than the test host) whose command line mentions the text; Linux /proc only.</summary>
    public static List<int> ProcessesMentioning(string text)
    {
        var found = new List<int>();
        if (!Directory.Exists("/proc")) return found;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId) continue;
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(text, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
