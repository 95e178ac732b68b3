using System.Diagnostics;
using System.Globalization;
using CourseWorkbook.Runner.Dib;
using CourseWorkbook.Runner.Execution;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner;

/// <summary>Entry point of the headless notebook runner: <c>run</c> for users, a hidden <c>worker</c> verb for its child processes.</summary>
public static class Program
{
    /// <summary>The hidden verb a worker process is started with.</summary>
    public const string WorkerVerb = "worker";

    /// <summary>Default per-cell timeout in seconds.</summary>
    public const int DefaultCellTimeoutSeconds = 300;

    public const int ExitPassed = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;

    public const string Usage = """
        usage: CourseWorkbook.Runner run <notebook.dib|folder>... [--out DIR] [--cell-timeout SECONDS] [--set NAME=VALUE]...

        Runs the C# cells of .dib notebooks headless, in order, and writes to DIR (default: artifacts/):
          <name>.ipynb    each executed notebook (nbformat 4.5), and <name>/ for the notebook's own artifacts
          summary.json    per notebook and cell: status, seconds, errors, timings, published results
          summary.md      the same as tables, plus the runner's overhead
          junit.xml       one testsuite per notebook, one testcase per code cell

        A folder runs every *.dib in it, sorted by name. Each notebook runs in its own worker process.
          --out DIR               output folder (default: artifacts)
          --cell-timeout SECONDS  kill a cell running longer than this (default: 300); the cell fails with "timed out"
          --set NAME=VALUE        override a notebook parameter (repeatable; names are case-insensitive)

        Exit codes: 0 every notebook passed; 1 a cell failed or timed out; 2 bad usage or an unparseable notebook.
        Only C# code runs; markdown cells are kept, html and mermaid cells are shown as display outputs, and cells of
        other kernels (fsharp, pwsh, javascript, ...) fail as not supported.
        """;

    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == WorkerVerb) return Worker.RunAsync(args[1..]).GetAwaiter().GetResult();
        return RunAsync(args, Console.Error).GetAwaiter().GetResult();
    }

    /// <summary>The CLI: parses arguments, runs the notebooks and writes the outputs; returns the exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stderr)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            stderr.WriteLine(Usage);
            return args.Count == 0 ? ExitUsage : ExitPassed;
        }

        if (args[0] != "run") return UsageError(stderr, $"unknown command '{args[0]}'");
        if (!TryParseRun(args.Skip(1).ToList(), out var options, out var error)) return UsageError(stderr, error);
        if (options.Help)
        {
            stderr.WriteLine(Usage);
            return ExitPassed;
        }

        var files = new List<string>();
        foreach (var input in options.Inputs)
        {
            if (Directory.Exists(input))
            {
                var found = Directory.GetFiles(input, "*.dib").Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0) return UsageError(stderr, $"no .dib files in folder '{input}'");
                files.AddRange(found);
            }
            else if (File.Exists(input))
            {
                files.Add(input);
            }
            else
            {
                return UsageError(stderr, $"no such notebook or folder: '{input}'");
            }
        }

        var notebooks = new List<NotebookRecord>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
        {
            DibDocument document;
            try
            {
                document = DibParser.ParseFile(file);
            }
            catch (DibFormatException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitUsage;
            }
            catch (IOException e)
            {
                stderr.WriteLine($"error: cannot read '{file}': {e.Message}");
                return ExitUsage;
            }

            var name = Path.GetFileNameWithoutExtension(file);
            for (var n = 2; !names.Add(name); n++) name = $"{Path.GetFileNameWithoutExtension(file)}-{n}";
            var path = Path.GetRelativePath(Environment.CurrentDirectory, Path.GetFullPath(file));
            if (path.StartsWith("..", StringComparison.Ordinal)) path = Path.GetFullPath(file);
            notebooks.Add(new NotebookRecord(path, name, document, document.Cells.Select((c, i) => new CellRecord(i + 1, c)).ToList()));
        }

        var outDirectory = Path.GetFullPath(options.OutDirectory);
        Directory.CreateDirectory(outDirectory);
        var runner = new NotebookRunner(options.CellTimeout, options.Parameters, stderr);
        var total = Stopwatch.StartNew();
        var done = new List<NotebookRecord>();
        foreach (var notebook in notebooks)
        {
            stderr.WriteLine($"notebook {notebook.Path}: {notebook.Cells.Count(c => c.IsCode)} code cells of {notebook.Cells.Count}");
            await runner.RunAsync(notebook, Path.Combine(outDirectory, notebook.Name));
            done.Add(notebook);
            AtomicFile.WriteAllText(Path.Combine(outDirectory, notebook.Name + ".ipynb"), IpynbWriter.Write(notebook));
            WriteSummaries(outDirectory, done, total.Elapsed.TotalSeconds);

            stderr.WriteLine($"{(notebook.Status == CellStatus.Passed ? "PASSED" : "FAILED")} {notebook.Path} in {notebook.Seconds:0.00} s");
            if (notebook.FailedCell is { } failed) stderr.WriteLine(FailureMessage(notebook, failed));
            foreach (var warning in notebook.Warnings) stderr.WriteLine($"warning: {warning}");
        }

        var overhead = Overhead.Of(done);
        if (overhead.MedianOverheadMs is { } median)
            stderr.WriteLine($"runner overhead: median {median:0.0} ms per cell after the first (compile median {overhead.MedianCompileMs:0.0} ms) over {overhead.CellsMeasured} cells");
        var passed = done.Count(n => n.Status == CellStatus.Passed);
        stderr.WriteLine($"{passed}/{done.Count} notebooks passed in {total.Elapsed.TotalSeconds:0.00} s; outputs in {outDirectory}");
        return passed == done.Count ? ExitPassed : ExitFailed;
    }

    /// <summary>The stderr message for a failed cell: notebook, cell number, first line, exception type and message, line.</summary>
    public static string FailureMessage(NotebookRecord notebook, CellRecord cell)
    {
        var where = cell.ErrorLine is { } line
            ? $" [line {line} of the cell, {notebook.Path}:{cell.Cell.FirstLine + line - 1}]"
            : "";
        var error = (cell.Error ?? cell.Status).Split('\n');
        var message = $"error: {notebook.Path}: cell {cell.Index} (line {cell.Cell.FirstLine}: {cell.Cell.FirstSourceLine}) "
            + (cell.Status == CellStatus.Timeout ? error[0] : $"failed: {error[0]}{where}");
        return error.Length > 1 ? message + "\n  " + string.Join("\n  ", error.Skip(1)) : message;
    }

    private static void WriteSummaries(string outDirectory, IReadOnlyList<NotebookRecord> notebooks, double seconds)
    {
        AtomicFile.WriteAllText(Path.Combine(outDirectory, "summary.json"), SummaryWriter.Json(notebooks, seconds));
        AtomicFile.WriteAllText(Path.Combine(outDirectory, "summary.md"), SummaryWriter.Markdown(notebooks, seconds));
        AtomicFile.WriteAllText(Path.Combine(outDirectory, "junit.xml"), JUnitWriter.Write(notebooks, seconds));
    }

    private static int UsageError(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine(Usage);
        return ExitUsage;
    }

    /// <summary>Parsed options of the run command.</summary>
    public sealed record RunOptions(
        IReadOnlyList<string> Inputs,
        string OutDirectory,
        TimeSpan CellTimeout,
        IReadOnlyDictionary<string, string> Parameters,
        bool Help);

    /// <summary>Parses the arguments after "run".</summary>
    public static bool TryParseRun(IReadOnlyList<string> args, out RunOptions options, out string error)
    {
        var inputs = new List<string>();
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var outDirectory = "artifacts";
        var timeout = TimeSpan.FromSeconds(DefaultCellTimeoutSeconds);
        var help = false;
        options = new RunOptions(inputs, outDirectory, timeout, parameters, false);
        error = "";
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? Value()
            {
                var eq = arg.IndexOf('=');
                if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 && arg[..eq] is "--out" or "--cell-timeout") return arg[(eq + 1)..];
                return i + 1 < args.Count ? args[++i] : null;
            }

            var option = arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is > 0 and var e && arg[..e] is "--out" or "--cell-timeout"
                ? arg[..e]
                : arg;
            switch (option)
            {
                case "-h" or "--help":
                    help = true;
                    break;
                case "--out":
                    if (Value() is not { Length: > 0 } dir)
                    {
                        error = "--out needs a folder";
                        return false;
                    }

                    outDirectory = dir;
                    break;
                case "--cell-timeout":
                    if (!double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !(seconds > 0))
                    {
                        error = "--cell-timeout needs a positive number of seconds";
                        return false;
                    }

                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                case "--set":
                    if (i + 1 >= args.Count || args[++i].Split('=', 2) is not [{ Length: > 0 } name, var value])
                    {
                        error = "--set needs NAME=VALUE";
                        return false;
                    }

                    parameters[name.Trim()] = value;
                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        error = $"unknown option '{arg}'";
                        return false;
                    }

                    inputs.Add(arg);
                    break;
            }
        }

        if (inputs.Count == 0 && !help)
        {
            error = "run needs at least one notebook or folder";
            return false;
        }

        options = new RunOptions(inputs, outDirectory, timeout, parameters, help);
        return true;
    }
}
