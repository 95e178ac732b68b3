using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Execution;

/// <summary>
/// Runs one notebook in a worker process (the runner itself with the hidden "worker" verb), reads its events,
/// and enforces the per-cell timeout by killing the worker's process tree. Until the worker's Roslyn warm-up has
/// finished (its "warm" event) the clock allows <see cref="StartupAllowance"/> (or the cell timeout if longer); from
/// then on each cell gets the cell timeout, counted from when the worker takes it or from the warm-up's end.
/// </summary>
public sealed class NotebookRunner(TimeSpan cellTimeout, IReadOnlyDictionary<string, string> parameters, TextWriter progress)
{
    private const int StderrTailLines = 40;

    /// <summary>How long a worker may take to start before its first cell.</summary>
    public static readonly TimeSpan StartupAllowance = TimeSpan.FromSeconds(60);

    /// <summary>Runs the notebook; <paramref name="outputDirectory"/> is the folder for its artifacts.</summary>
    public async Task RunAsync(NotebookRecord notebook, string outputDirectory)
    {
        var total = Stopwatch.StartNew();
        foreach (var cell in notebook.Cells)
            if (!cell.IsCode) cell.Status = CellStatus.Passed;
        var options = new WorkerOptions(Path.GetFullPath(notebook.Path), Path.GetFullPath(outputDirectory), parameters);
        Process process;
        try
        {
            var assembly = WorkerAssembly();
            notebook.WorkerReadyToRun = assembly != typeof(NotebookRunner).Assembly.Location;
            process = StartWorker(options, assembly);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            if (NextCodeCell(notebook) is { } first)
            {
                Finish(first, CellStatus.Failed, 0);
                first.Error = $"WorkerStartFailed: {e.Message}";
                first.Outputs.Add(new ErrorOutput("WorkerStartFailed", e.Message, [e.ToString()]));
            }

            notebook.Seconds = total.Elapsed.TotalSeconds;
            return;
        }

        using var ownedProcess = process;
        var lines = Channel.CreateUnbounded<string>();
        var stderrTail = new Queue<string>();
        var readStdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line) lines.Writer.TryWrite(line);
            lines.Writer.TryComplete();
        });
        var readStderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
                lock (stderrTail)
                {
                    stderrTail.Enqueue(line);
                    if (stderrTail.Count > StderrTailLines) stderrTail.Dequeue();
                }
        });

        CellRecord? current = null;
        var cellClock = Stopwatch.StartNew(); // time counted against the timeout
        var cellWall = Stopwatch.StartNew();  // time since the current cell started
        var startupBudget = cellTimeout > StartupAllowance ? cellTimeout : StartupAllowance;
        var budget = startupBudget;
        var warmed = false;
        var executionCount = 0;
        var done = false;
        var displays = new Dictionary<string, DataOutput>();
        while (!done)
        {
            var remaining = budget - cellClock.Elapsed;
            string line;
            try
            {
                using var timeout = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
                line = await lines.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                KillTree(process);
                var cell = current ?? NextCodeCell(notebook);
                if (cell is not null)
                {
                    cell.ExecutionCount ??= ++executionCount;
                    Finish(cell, CellStatus.Timeout, cellWall.Elapsed.TotalSeconds);
                    cell.Error = $"timed out after {FormatSeconds(cellTimeout.TotalSeconds)} s";
                    cell.Outputs.Add(new ErrorOutput("TimeoutException", cell.Error, [$"TimeoutException: {cell.Error}"]));
                }

                break;
            }
            catch (ChannelClosedException)
            {
                // The worker died without saying "done": a crash, Environment.Exit, or a kill from outside.
                if (!process.WaitForExit(5000)) KillTree(process);
                await readStderr.WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(_ => { });
                string tail;
                lock (stderrTail) tail = string.Join("\n", stderrTail);
                var cell = current ?? NextCodeCell(notebook);
                if (cell is not null)
                {
                    cell.ExecutionCount ??= ++executionCount;
                    Finish(cell, CellStatus.Failed, cellWall.Elapsed.TotalSeconds);
                    var exitCode = process.HasExited ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "unknown";
                    cell.Error = $"WorkerCrashed: the worker process exited with code {exitCode} during this cell"
                        + (tail.Length > 0 ? $"; stderr tail:\n{tail}" : "");
                    cell.Outputs.Add(new ErrorOutput("WorkerCrashed", cell.Error, cell.Error.Split('\n')));
                }

                break;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                lock (stderrTail) stderrTail.Enqueue($"(not an event) {line}");
                continue;
            }

            using var ownedDocument = document;
            var e = document.RootElement;
            var type = e.GetProperty("t").GetString();
            switch (type)
            {
                case WorkerEvent.Ready:
                    notebook.WorkerStartMs = total.Elapsed.TotalMilliseconds;
                    break;
                case WorkerEvent.Warm:
                    warmed = true;
                    budget = cellTimeout;
                    cellClock.Restart();
                    break;
                case WorkerEvent.Start:
                    current = Cell(notebook, e);
                    current.ExecutionCount = ++executionCount;
                    cellClock.Restart();
                    cellWall.Restart();
                    budget = warmed ? cellTimeout : startupBudget;
                    break;
                case WorkerEvent.Stream:
                    AppendStream(Cell(notebook, e), e.GetProperty("name").GetString()!, e.GetProperty("text").GetString()!);
                    break;
                case WorkerEvent.Display:
                {
                    var output = new DataOutput(Bundle(e), false, e.GetProperty("id").GetString());
                    displays[output.DisplayId!] = output;
                    Cell(notebook, e).Outputs.Add(output);
                    break;
                }
                case WorkerEvent.Update:
                    if (displays.TryGetValue(e.GetProperty("id").GetString()!, out var displayed)) displayed.Data = Bundle(e);
                    break;
                case WorkerEvent.Result:
                    Cell(notebook, e).Outputs.Add(new DataOutput(Bundle(e), true));
                    break;
                case WorkerEvent.Error:
                {
                    var cell = Cell(notebook, e);
                    var name = e.GetProperty("ename").GetString()!;
                    var value = e.GetProperty("evalue").GetString()!;
                    var traceback = e.GetProperty("traceback").EnumerateArray().Select(t => t.GetString()!).ToList();
                    cell.Outputs.Add(new ErrorOutput(name, value, traceback));
                    cell.Error = $"{name}: {value}";
                    if (e.TryGetProperty("line", out var errorLine)) cell.ErrorLine = errorLine.GetInt32();
                    break;
                }
                case WorkerEvent.Publish:
                {
                    var value = e.GetProperty("value");
                    notebook.Results[e.GetProperty("name").GetString()!] = value.ValueKind == JsonValueKind.Number
                        ? value.TryGetInt64(out var l) ? l : value.GetDouble()
                        : value.GetString() ?? "";
                    break;
                }
                case WorkerEvent.Param:
                    notebook.DeclaredParameters[e.GetProperty("name").GetString()!] = e.GetProperty("value").GetString() ?? "";
                    break;
                case WorkerEvent.End:
                {
                    var cell = Cell(notebook, e);
                    cell.RestoreMs = e.GetProperty("restoreMs").GetDouble();
                    cell.WarmUpWaitMs = e.GetProperty("warmUpWaitMs").GetDouble();
                    cell.CompileMs = e.GetProperty("compileMs").GetDouble();
                    cell.RunMs = e.GetProperty("runMs").GetDouble();
                    if (e.TryGetProperty("restoreFromCache", out var cached)) cell.RestoreFromCache = cached.GetBoolean();
                    // The worker's own clock for the cell: the parent may read events late, the worker never runs late.
                    Finish(cell, e.GetProperty("status").GetString()!, e.GetProperty("wallMs").GetDouble() / 1000);
                    current = null;
                    cellClock.Restart();
                    budget = warmed ? cellTimeout : startupBudget;
                    break;
                }
                case WorkerEvent.Done:
                    done = true;
                    break;
            }
        }

        if (!process.WaitForExit(3000)) KillTree(process);
        await Task.WhenAny(Task.WhenAll(readStdout, readStderr), Task.Delay(2000));

        notebook.Seconds = total.Elapsed.TotalSeconds;
        foreach (var name in parameters.Keys.Where(n => !notebook.DeclaredParameters.ContainsKey(n)))
            notebook.Warnings.Add($"--set {name} was given but {notebook.Name} never declared a parameter of that name");
    }

    private void Finish(CellRecord cell, string status, double seconds)
    {
        cell.Status = status;
        cell.Seconds = seconds;
        var line = $"  cell {cell.Index,3} {cell.Kind,-8} {seconds,7:0.00} s  {status}";
        if (cell.CompileMs is { } c and > 0 && cell.RunMs is { } r)
            line += $"  (compile {c:0} ms, run {r:0} ms{(cell.RestoreMs > 0 ? $", restore {cell.RestoreMs:0} ms" : "")})";
        progress.WriteLine(line);
    }

    // The event's cell; output that arrives outside any cell (e.g. from a background thread before the first cell)
    // goes to the first code cell.
    private static CellRecord Cell(NotebookRecord notebook, JsonElement e)
    {
        var index = e.TryGetProperty("cell", out var cell) ? cell.GetInt32() : 0;
        return index >= 1 && index <= notebook.Cells.Count ? notebook.Cells[index - 1] : notebook.Cells.First(c => c.IsCode);
    }

    private static CellRecord? NextCodeCell(NotebookRecord notebook) =>
        notebook.Cells.FirstOrDefault(c => c.IsCode && c.ExecutionCount is null);

    /// <summary>Console text kept per cell in the .ipynb; beyond it the text is cut with a note (the run goes on).</summary>
    public const int MaxStreamCharsPerCell = 1_000_000;

    internal static void AppendStream(CellRecord cell, string name, string text)
    {
        if (cell.OutputCut) return;
        var kept = cell.Outputs.OfType<StreamOutput>().Sum(s => s.Text.Length);
        if (cell.Outputs.LastOrDefault() is not StreamOutput stream || stream.Name != name)
        {
            stream = new StreamOutput(name);
            cell.Outputs.Add(stream);
        }

        if (kept + text.Length <= MaxStreamCharsPerCell)
        {
            stream.Text.Append(text);
            return;
        }

        stream.Text.Append(text.AsSpan(0, MaxStreamCharsPerCell - kept));
        stream.Text.Append($"\n[output cut: this cell printed more than {MaxStreamCharsPerCell:N0} characters]\n");
        cell.OutputCut = true;
    }

    private static IReadOnlyDictionary<string, string> Bundle(JsonElement e) =>
        e.GetProperty("data").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);

    internal static string FormatSeconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static Process StartWorker(WorkerOptions options, string runner)
    {
        var start = new ProcessStartInfo(PackageRestorer.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        // Like .NET Interactive in VS Code, a notebook's code runs with the notebook's folder as working directory,
        // so relative paths in cells mean the same in both places.
        start.WorkingDirectory = Path.GetDirectoryName(options.NotebookPath)!;
        start.ArgumentList.Add(runner);
        start.ArgumentList.Add(Program.WorkerVerb);
        foreach (var arg in options.ToArguments()) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // A notebook's code runs once or a few times (a training loop, a search over 100k vectors): with tiered
        // compilation it runs in unoptimised tier-0 code until the JIT catches up, which on a busy machine is most of
        // the run. Fully optimising on first JIT measured 12.4 → 6.6 s (practical 01) and 46.5 → 26.9 s (practical
        // 03), with compile medians 59 → 24 ms, on a loaded 2-core machine. A value set by the caller wins.
        if (Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is null)
            start.Environment["DOTNET_TieredCompilation"] = "0";
        start.Environment["DOTNET_NOLOGO"] = "1";
        // stdin stays open and unused: the worker exits when it closes, i.e. when this process is gone.
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the worker process");
    }

    /// <summary>
    /// The assembly a worker runs: the ReadyToRun copy that Release builds publish to r2r/ when its stamp matches
    /// this runner assembly (Roslyn precompiled: about half the first-cell startup), else this assembly.
    /// Set COURSEWORKBOOK_RUNNER_JIT=1 to always use this assembly.
    /// </summary>
    internal static string WorkerAssembly()
    {
        var self = typeof(NotebookRunner).Assembly.Location;
        if (Environment.GetEnvironmentVariable("COURSEWORKBOOK_RUNNER_JIT") == "1") return self;
        var directory = Path.Combine(Path.GetDirectoryName(self)!, "r2r");
        var copy = Path.Combine(directory, Path.GetFileName(self));
        var stamp = Path.Combine(directory, "runner.sha256");
        if (!File.Exists(copy) || !File.Exists(stamp)) return self;
        var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(self)));
        return string.Equals(File.ReadAllText(stamp).Trim(), hash, StringComparison.OrdinalIgnoreCase) ? copy : self;
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }
}
