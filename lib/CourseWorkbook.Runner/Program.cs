using System.Diagnostics;
using System.Globalization;
using CourseWorkbook.Runner.Dib;
using System.Runtime.InteropServices;
using CourseWorkbook.Runner.Execution;
using CourseWorkbook.Runner.Kernel;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner;

/// <summary>Entry point of the headless notebook runner: each notebook runs in the real .NET Interactive kernel,
/// the one VS Code's Polyglot Notebooks starts, driven over its stdio protocol.</summary>
public static class Program
{
    /// <summary>Default per-cell timeout in seconds.</summary>
    public const int DefaultCellTimeoutSeconds = 300;

    /// <summary>Default wait for a kernel to report ready, in seconds.</summary>
    public const int DefaultKernelTimeoutSeconds = 120;

    public const int ExitPassed = 0;
    public const int ExitFailed = 1;
    public const int ExitUsage = 2;
    public const int ExitInterrupted = 130;
    public const int ExitTerminated = 143;

    public const string Usage = """
        usage: CourseWorkbook.Runner run <notebook.dib|folder>... [--out DIR] [--cell-timeout SECONDS]
                                     [--kernel-timeout SECONDS] [--set NAME=VALUE]... [--keep-going]
               CourseWorkbook.Runner student <notebook.dib|folder>... [--out DIR]
               CourseWorkbook.Runner grade --key <notebook.dib|folder> <submission|folder>... [--out DIR] (grade --help)

        Runs .dib notebooks headless in the real .NET Interactive kernel (the dotnet tool Microsoft.dotnet-interactive
        pinned in .config/dotnet-tools.json, started as VS Code starts it, one kernel process per notebook, in the
        notebook's folder), and writes to DIR (default: artifacts/):
          <name>.ipynb    each executed notebook (nbformat 4.5, kernelspec .net-csharp), and <name>/ for its artifacts
          summary.json    per notebook and cell: status, seconds, errors, published results, kernel timings
          summary.md      the same as tables, plus kernel start and per-cell overhead
          junit.xml       one testsuite per notebook, one testcase per code cell

        A folder runs every *.dib in it, sorted by name.
          --out DIR                 output folder (default: artifacts)
          --cell-timeout SECONDS    a cell running longer fails as "timed out" (default: 300); its kernel is ended
                                    and the notebook's remaining cells are skipped
          --kernel-timeout SECONDS  longest wait for a kernel to start (default: 120)
          --set NAME=VALUE          override a notebook parameter (repeatable; letters, digits and _; names are
                                    case-insensitive): the kernel gets COURSEWORKBOOK_PARAM_NAME=VALUE, as a VS Code
                                    user sets it through polyglot-notebook.kernelEnvironmentVariables
          --keep-going              run the cells after a failed cell too (a student edition, a submission to
                                    grade); the notebook still fails, and a timeout or a dead kernel still ends it

        Every cell goes to the kernel its .dib names: csharp, fsharp, pwsh, html and value cells run there; a cell
        for a kernel the tool does not have (javascript, python, ...) fails with the kernel's message. Markdown cells
        are kept as they are.

        student writes the student edition of instructor notebooks to DIR (default: student/): each worked solution
        (between // BEGIN SOLUTION <id> and // END SOLUTION) becomes a stub that throws "not done yet", each hidden
        test cell (first line // HIDDEN TEST <id> (<n> points)) is removed, everything else is kept byte for byte.

        Exit codes: 0 every notebook passed; 1 a cell failed or timed out, or a kernel would not start or died;
        2 bad usage or an unparseable notebook; 130 / 143 interrupted by SIGINT / SIGTERM (the kernels are ended,
        the notebooks finished so far keep their outputs, the interrupted one writes none).
        """;

    public static int Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        var exitCode = ExitInterrupted;
        void Stop(PosixSignalContext context, int code)
        {
            context.Cancel = true; // finish in order: end the kernels, leave no half-written file
            exitCode = code;
            cancel.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, ExitInterrupted));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, ExitTerminated));
        try
        {
            return RunAsync(args, Console.Error, cancel.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            Console.Error.WriteLine(
                "interrupted: the kernels were ended; the notebook that was running wrote no output");
            return exitCode;
        }
    }

    /// <summary>The CLI: parses arguments, runs the notebooks and writes the outputs; returns the exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stderr,
        CancellationToken cancel = default)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            stderr.WriteLine(Usage);
            return args.Count == 0 ? ExitUsage : ExitPassed;
        }

        if (args[0] == "student") return Delivery.StudentCommand.Run(args.Skip(1).ToList(), Console.Out, stderr);
        if (args[0] == "grade")
            return await Delivery.GradeCommand.RunAsync(args.Skip(1).ToList(), Console.Out, stderr, cancel);
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

            if (document.Cells.Count == 0)
            {
                stderr.WriteLine($"error: {file} has no cells (an empty notebook)");
                return ExitUsage;
            }

            var name = Path.GetFileNameWithoutExtension(file);
            for (var n = 2; !names.Add(name); n++) name = $"{Path.GetFileNameWithoutExtension(file)}-{n}";
            var path = Path.GetRelativePath(Environment.CurrentDirectory, Path.GetFullPath(file));
            if (path.StartsWith("..", StringComparison.Ordinal)) path = Path.GetFullPath(file);
            notebooks.Add(new NotebookRecord(path, name, document,
                document.Cells.Select((c, i) => new CellRecord(i + 1, c)).ToList()));
        }

        if (KernelTool.LocateRestored(stderr) is not { } tool) return ExitFailed;

        var outDirectory = Path.GetFullPath(options.OutDirectory);
        if (OutputProblem(outDirectory, notebooks.Select(n => n.Name)) is { } problem)
            return UsageError(stderr, problem);
        OutputFolder.Prepare(outDirectory, notebooks.Select(n => n.Name));
        var settings = new RunSettings(options.CellTimeout, options.KernelTimeout, options.Parameters,
            KeepGoing: options.KeepGoing);
        var runner = new NotebookRunner(tool, settings, stderr);
        var total = Stopwatch.StartNew();
        var done = new List<NotebookRecord>();
        foreach (var notebook in notebooks)
        {
            stderr.WriteLine($"notebook {notebook.Path}: "
                + $"{notebook.Cells.Count(c => c.IsCode)} code cells of {notebook.Cells.Count}");
            await runner.RunAsync(notebook, Path.Combine(outDirectory, notebook.Name), cancel);
            done.Add(notebook);
            try
            {
                AtomicFile.WriteAllText(Path.Combine(outDirectory, notebook.Name + ".ipynb"),
                    IpynbWriter.Write(notebook));
                WriteSummaries(outDirectory, done, total.Elapsed.TotalSeconds);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"error: cannot write the outputs of {notebook.Path} to {outDirectory}: {e.Message}");
                return ExitUsage;
            }

            stderr.WriteLine($"{(notebook.Status == CellStatus.Passed ? "PASSED" : "FAILED")} {notebook.Path} "
                + $"in {notebook.Seconds:0.00} s");
            if (notebook.FailedCell is { } failed) stderr.WriteLine(FailureMessage(notebook, failed));
            foreach (var warning in notebook.Warnings) stderr.WriteLine($"warning: {warning}");
        }

        var overhead = Overhead.Of(done);
        if (overhead.MedianTrivialCellMs is { } median)
            stderr.WriteLine($"per-cell overhead: median {median:0.0} ms over {overhead.CellsMeasured} trivial cells; "
                + $"median kernel start {overhead.MedianKernelStartMs:0} ms");
        var passed = done.Count(n => n.Status == CellStatus.Passed);
        stderr.WriteLine($"{passed}/{done.Count} notebooks passed in {total.Elapsed.TotalSeconds:0.00} s; "
            + $"outputs in {outDirectory}");
        return passed == done.Count ? ExitPassed : ExitFailed;
    }

    /// <summary>
    /// The stderr message for a failed cell: notebook, cell number, first line, exception type and message, line.
    /// </summary>
    public static string FailureMessage(NotebookRecord notebook, CellRecord cell)
    {
        var where = cell.ErrorLine is { } line
            ? $" [line {line} of the cell, {notebook.Path}:{cell.Cell.FirstLine + line - 1}]"
            : "";
        var error = (cell.Error ?? cell.Status).Split('\n');
        var message = $"error: {notebook.Path}: cell {cell.Index} "
            + $"(line {cell.Cell.FirstLine}: {cell.Cell.FirstSourceLine}) "
            + (cell.Status == CellStatus.Timeout ? error[0] : $"failed: {error[0]}{where}");
        return error.Length > 1 ? message + "\n  " + string.Join("\n  ", error.Skip(1)) : message;
    }

    /// <summary>Why the outputs could not be written to <paramref name="outDirectory"/>, checked before anything runs;
    /// null when they can.</summary>
    internal static string? OutputProblem(string outDirectory, IEnumerable<string> notebookNames)
    {
        if (File.Exists(outDirectory)) return $"--out '{outDirectory}' is a file, not a folder";
        try
        {
            Directory.CreateDirectory(outDirectory);
            var probe = Path.Combine(outDirectory, $".courseworkbook-write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"--out '{outDirectory}' cannot be written: {e.Message}";
        }

        var outputs = notebookNames.Select(n => n + ".ipynb").Concat(["summary.json", "summary.md", "junit.xml"]);
        return outputs.Select(f => Path.Combine(outDirectory, f)).FirstOrDefault(Directory.Exists) is { } blocked
            ? $"cannot write '{blocked}': a folder of that name is in the way"
            : null;
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
        TimeSpan KernelTimeout,
        IReadOnlyDictionary<string, string> Parameters,
        bool Help,
        bool KeepGoing = false);

    /// <summary>The longest timeout accepted: a week.</summary>
    public const int MaxTimeoutSeconds = 7 * 24 * 3600;

    static bool TryParseSeconds(string? text, out double seconds) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out seconds)
        && seconds > 0 && seconds <= MaxTimeoutSeconds;

    /// <summary>Parses the arguments after "run".</summary>
    public static bool TryParseRun(IReadOnlyList<string> args, out RunOptions options, out string error)
    {
        var inputs = new List<string>();
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var outDirectory = "artifacts";
        var timeout = TimeSpan.FromSeconds(DefaultCellTimeoutSeconds);
        var kernelTimeout = TimeSpan.FromSeconds(DefaultKernelTimeoutSeconds);
        var help = false;
        var keepGoing = false;
        options = new RunOptions(inputs, outDirectory, timeout, kernelTimeout, parameters, false);
        error = "";
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? Value()
            {
                var eq = arg.IndexOf('=');
                if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0
                    && arg[..eq] is "--out" or "--cell-timeout" or "--kernel-timeout")
                    return arg[(eq + 1)..];
                return i + 1 < args.Count ? args[++i] : null;
            }

            var option = arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=') is > 0 and var e
                && arg[..e] is "--out" or "--cell-timeout" or "--kernel-timeout"
                ? arg[..e]
                : arg;
            switch (option)
            {
                case "-h" or "--help":
                    help = true;
                    break;
                case "--keep-going":
                    keepGoing = true;
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
                    if (!TryParseSeconds(Value(), out var seconds))
                    {
                        error = $"--cell-timeout needs a positive number of seconds, at most {MaxTimeoutSeconds}";
                        return false;
                    }

                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                case "--kernel-timeout":
                    if (!TryParseSeconds(Value(), out var kernelSeconds))
                    {
                        error = $"--kernel-timeout needs a positive number of seconds, at most {MaxTimeoutSeconds}";
                        return false;
                    }

                    kernelTimeout = TimeSpan.FromSeconds(kernelSeconds);
                    break;
                case "--set":
                    if (i + 1 >= args.Count || args[++i].Split('=', 2) is not [{ Length: > 0 } name, var value])
                    {
                        error = "--set needs NAME=VALUE";
                        return false;
                    }

                    if (!WorkbookContract.IsValidParameterName(name.Trim()))
                    {
                        error = $"--set: parameter name '{name}' may hold only letters, digits and _";
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

        options = new RunOptions(inputs, outDirectory, timeout, kernelTimeout, parameters, help, keepGoing);
        return true;
    }
}
