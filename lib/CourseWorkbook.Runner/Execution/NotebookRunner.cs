using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CourseWorkbook.Runner.Kernel;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Execution;

/// <summary>How long the runner waits, and what it passes to each notebook's kernel.</summary>
/// <param name="CellTimeout">Longest a cell may run; past it the kernel is ended (it cannot stop a synchronous
/// loop).</param>
/// <param name="KernelTimeout">Longest wait for a new kernel to report ready.</param>
/// <param name="Parameters">The --set overrides, passed as COURSEWORKBOOK_PARAM_* environment variables.</param>
/// <param name="TrivialCells">Trivial cells timed after a passing notebook, to report the per-cell overhead.</param>
/// <param name="KeepGoing">Run the cells after a failed cell too.</param>
/// <param name="PrepareKernel">Last changes to a kernel's start (the grader confines submissions with it).</param>
public sealed record RunSettings(
    TimeSpan CellTimeout, TimeSpan KernelTimeout, IReadOnlyDictionary<string, string> Parameters, int TrivialCells = 7,
    bool KeepGoing = false, Action<System.Diagnostics.ProcessStartInfo>? PrepareKernel = null);

/// <summary>
/// Runs one notebook in its own kernel process, the real .NET Interactive kernel that VS Code starts: it submits the
/// code cells in order, turns the kernel's events into the cells' outputs, and stops at the first cell that fails or
/// runs past the timeout (the kernel is then ended and the remaining cells are skipped); with
/// <see cref="RunSettings.KeepGoing"/> a failed cell does not stop the run.
/// </summary>
public sealed class NotebookRunner(KernelTool tool, RunSettings settings, TextWriter progress)
{
    /// <summary>Console text kept per cell in the .ipynb; beyond it the text is cut with a note (the run goes
    /// on).</summary>
    public const int MaxStreamCharsPerCell = 1_000_000;

    /// <summary>Characters kept of one displayed value in one mime type; a larger one is replaced by a note, so that a
    /// cell returning a huge string cannot make a huge .ipynb.</summary>
    public const int MaxDataChars = 5_000_000;

    /// <summary>The code of the trivial cell timed after a notebook.</summary>
    public const string TrivialCell = "0";

    static readonly TimeSpan ProgressEchoInterval = TimeSpan.FromSeconds(3);

    /// <summary>Runs the notebook; <paramref name="outputDirectory"/> is the folder for its artifacts.
    /// Throws <see cref="OperationCanceledException"/> (after ending the kernel) when <paramref name="cancel"/>
    /// fires.</summary>
    public async Task RunAsync(NotebookRecord notebook, string outputDirectory, CancellationToken cancel)
    {
        var total = Stopwatch.StartNew();
        foreach (var cell in notebook.Cells)
            if (!cell.IsCode) cell.Status = CellStatus.Passed;
        try
        {
            await RunCellsAsync(notebook, outputDirectory, cancel);
        }
        finally
        {
            notebook.Seconds = total.Elapsed.TotalSeconds;
        }

        foreach (var name in settings.Parameters.Keys.Where(n => !notebook.DeclaredParameters.ContainsKey(n)))
            notebook.Warnings.Add(
                $"--set {name} was given but {notebook.Name} never declared a parameter of that name");
    }

    async Task RunCellsAsync(NotebookRecord notebook, string outputDirectory, CancellationToken cancel)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(notebook.Path))!;
        Directory.CreateDirectory(outputDirectory);
        var start = tool.StartInfo(folder);
        foreach (var (name, value) in settings.Parameters)
            start.Environment[WorkbookContract.ParameterVariable(name)] = value;
        start.Environment[WorkbookContract.OutputDirectoryVariable] = Path.GetFullPath(outputDirectory);
        start.Environment[WorkbookContract.NotebookVariable] = Path.GetFullPath(notebook.Path);
        settings.PrepareKernel?.Invoke(start);

        var clock = Stopwatch.StartNew();
        KernelProcess kernel;
        try
        {
            kernel = KernelProcess.Start(start);
        }
        catch (Exception e)
            when (e is KernelException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            FailBeforeCells(notebook, "KernelStartFailed", $"the kernel could not be started: {e.Message}");
            return;
        }

        using var owned = kernel;
        using var stopOnCancel = cancel.Register(kernel.Kill);
        if (!await kernel.WaitReadyAsync(settings.KernelTimeout, cancel))
        {
            cancel.ThrowIfCancellationRequested();
            var why = kernel.HasExited
                ? $"the kernel exited with code {kernel.ExitCode} before it reported ready"
                : $"the kernel did not report ready within {Seconds(settings.KernelTimeout.TotalSeconds)} s";
            kernel.Kill();
            FailBeforeCells(notebook, "KernelNotReady", WithTail(why, kernel));
            return;
        }

        notebook.KernelStartMs = clock.Elapsed.TotalMilliseconds;
        var session = new Session(notebook, kernel, progress);
        foreach (var cell in notebook.Cells.Where(c => c.IsCode))
        {
            if (await session.RunAsync(cell, settings.CellTimeout, cancel)) continue;
            // A failed cell ends the run, unless asked to keep going; a timeout or a dead kernel always does.
            if (!settings.KeepGoing || cell.Status != CellStatus.Failed || kernel.HasExited) break;
        }

        cancel.ThrowIfCancellationRequested();
        if (notebook.Status == CellStatus.Passed && !kernel.HasExited)
            notebook.TrivialCellMs.AddRange(await session.TimeTrivialCellsAsync(settings.TrivialCells, cancel));
        kernel.Stop();
    }

    static void FailBeforeCells(NotebookRecord notebook, string name, string message)
    {
        if (notebook.Cells.FirstOrDefault(c => c.IsCode) is not { } first) return;
        first.Status = CellStatus.Failed;
        first.Error = $"{name}: {message}";
        first.Outputs.Add(new ErrorOutput(name, message, first.Error.Split('\n')));
    }

    static string WithTail(string message, KernelProcess kernel) =>
        kernel.Tail is { Length: > 0 } tail ? $"{message}; its last output:\n{tail}" : message;

    internal static string Seconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The conversation with one kernel: which cell is running, and the displays shown so far.</summary>
    sealed class Session(NotebookRecord notebook, KernelProcess kernel, TextWriter progress)
    {
        readonly List<DataOutput> displays = [];
        readonly Dictionary<string, DataOutput> displaysById = new(StringComparer.Ordinal);
        int executionCount;

        /// <summary>Runs one code cell to its end; false when it failed, timed out or the kernel died.</summary>
        public async Task<bool> RunAsync(CellRecord cell, TimeSpan timeout, CancellationToken cancel)
        {
            var token = $"cell{cell.Index}";
            cell.ExecutionCount = ++executionCount;
            var wall = Stopwatch.StartNew();
            var lastEcho = Stopwatch.StartNew();
            if (!kernel.Submit(token, cell.Cell.Source, cell.Kind))
                return Died(cell, wall);
            while (true)
            {
                var e = await kernel.ReadAsync(timeout - wall.Elapsed, cancel);
                if (e is null)
                {
                    if (kernel.HasExited) return Died(cell, wall);
                    kernel.Kill();
                    cell.Error = $"timed out after {Seconds(timeout.TotalSeconds)} s" + (Restoring(cell)
                        ? " while restoring NuGet packages (#r \"nuget:\"): a package source did not answer"
                        : "");
                    cell.Outputs.Add(
                        new ErrorOutput("TimeoutException", cell.Error, [$"TimeoutException: {cell.Error}"]));
                    Finish(cell, CellStatus.Timeout, wall);
                    return false;
                }

                var target = e.Answers(token) ? cell : CellOf(e) ?? cell;
                switch (e.EventType)
                {
                    case "CommandSucceeded" when e.Token == token:
                        Finish(cell, CellStatus.Passed, wall);
                        return true;
                    case "CommandFailed" when e.Token == token:
                        Fail(cell, e.Text("message") ?? "the kernel reported a failure without a message");
                        Finish(cell, CellStatus.Failed, wall);
                        return false;
                    default:
                        Handle(target, e);
                        if (e.EventType == "DisplayedValueUpdated" && lastEcho.Elapsed >= ProgressEchoInterval
                            && e.FormattedValues().TryGetValue("text/plain", out var text))
                        {
                            progress.WriteLine($"    {text.Split('\n')[0]}");
                            lastEcho.Restart();
                        }

                        break;
                }
            }
        }

        // The kernel shows "Installing Packages" while it restores a cell's #r "nuget:" lines, "Installed" once done.
        static bool Restoring(CellRecord cell) =>
            cell.Outputs.OfType<DataOutput>()
                .LastOrDefault(d => d.Data.Values.Any(v => v.Contains("Packages</strong>")))
                ?.Data.Values.Any(v => v.Contains("Installing Packages")) == true;

        /// <summary>Times <paramref name="count"/> trivial cells (not part of the notebook), in milliseconds.</summary>
        public async Task<List<double>> TimeTrivialCellsAsync(int count, CancellationToken cancel)
        {
            var times = new List<double>();
            for (var i = 1; i <= count; i++)
            {
                var token = $"trivial{i}";
                var clock = Stopwatch.StartNew();
                if (!kernel.Submit(token, TrivialCell, "csharp")) break;
                KernelEvent? e;
                do e = await kernel.ReadAsync(TimeSpan.FromSeconds(30), cancel);
                while (e is not null && !(e.Token == token && e.EventType is "CommandSucceeded" or "CommandFailed"));
                if (e?.EventType != "CommandSucceeded") break;
                times.Add(clock.Elapsed.TotalMilliseconds);
            }

            return times;
        }

        // An event that answers another command (a background task's output, an update of an earlier display).
        CellRecord? CellOf(KernelEvent e)
        {
            if (e.Token is not { } t || !t.StartsWith("cell", StringComparison.Ordinal)) return null;
            var digits = t[4..].Split('.')[0];
            return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                   && index >= 1 && index <= notebook.Cells.Count
                ? notebook.Cells[index - 1]
                : null;
        }

        void Handle(CellRecord cell, KernelEvent e)
        {
            switch (e.EventType)
            {
                case "StandardOutputValueProduced":
                    AppendStream(cell, "stdout", e.FormattedValues().Values.FirstOrDefault() ?? "");
                    break;
                case "StandardErrorValueProduced":
                    AppendStream(cell, "stderr", e.FormattedValues().Values.FirstOrDefault() ?? "");
                    break;
                case "ReturnValueProduced":
                    AddData(cell, new DataOutput(e.FormattedValues(), isResult: true));
                    break;
                case "DisplayedValueProduced":
                {
                    var output = new DataOutput(e.FormattedValues(), isResult: false, e.Text("valueId"));
                    displays.Add(output);
                    if (output.DisplayId is { } id) displaysById[id] = output;
                    AddData(cell, output);
                    break;
                }
                case "DisplayedValueUpdated":
                    Update(cell, e);
                    break;
            }
        }

        void AddData(CellRecord cell, DataOutput output)
        {
            cell.Outputs.Add(output);
            Collect(output.Data);
            output.Data = Capped(output.Data);
        }

        // The kernel (1.0.712001) announces a display under one valueId and sends its updates under another, so an
        // update whose id is new is matched to the most recent display with the same mime types that no update has
        // claimed yet, in its own cell first. That is exact for the usual pattern (one display, many updates).
        void Update(CellRecord cell, KernelEvent e)
        {
            var data = e.FormattedValues();
            var id = e.Text("valueId") ?? "";
            if (!displaysById.TryGetValue(id, out var output))
            {
                bool Fits(DataOutput d) => !d.Claimed && d.Data.Keys.Order().SequenceEqual(data.Keys.Order());
                output = cell.Outputs.OfType<DataOutput>().LastOrDefault(d => !d.IsResult && Fits(d))
                         ?? displays.LastOrDefault(Fits);
                if (output is null)
                {
                    output = new DataOutput(data, isResult: false, id);
                    displays.Add(output);
                    cell.Outputs.Add(output);
                }

                output.Claimed = true;
                displaysById[id] = output;
            }

            Collect(data);
            output.Data = Capped(data);
        }

        // Published results and declared parameters travel as displays of the workbook's mime types.
        void Collect(IReadOnlyDictionary<string, string> data)
        {
            if (data.TryGetValue(WorkbookContract.ResultsMimeType, out var results)) ReadResults(notebook, results);
            if (data.TryGetValue(WorkbookContract.ParametersMimeType, out var parameters))
                ReadParameters(notebook, parameters);
        }

        bool Died(CellRecord cell, Stopwatch wall)
        {
            var code = kernel.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
            var message = WithTail($"the kernel process exited with code {code} during this cell", kernel);
            cell.Error = $"KernelExited: {message}";
            cell.Outputs.Add(new ErrorOutput("KernelExited", message, cell.Error.Split('\n')));
            Finish(cell, CellStatus.Failed, wall);
            return false;
        }

        void Finish(CellRecord cell, string status, Stopwatch wall)
        {
            cell.Status = status;
            cell.Seconds = wall.Elapsed.TotalSeconds;
            progress.WriteLine($"  cell {cell.Index,3} {cell.Kind,-8} {cell.Seconds,7:0.00} s  {status}");
        }
    }

    /// <summary>Turns the kernel's failure message into the cell's error: the exception's type and message (or the
    /// compiler's error), the line within the cell when the compiler names one, and the full text as
    /// traceback.</summary>
    internal static void Fail(CellRecord cell, string message)
    {
        var lines = message.Replace("\r", "").Split('\n');
        var first = lines[0];
        var compile = System.Text.RegularExpressions.Regex.Match(first, @"^\((\d+),(\d+)\): error (\w+): (.*)$");
        string name, value;
        if (compile.Success)
        {
            name = compile.Groups[3].Value;
            value = compile.Groups[4].Value;
            cell.ErrorLine = int.Parse(compile.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        else if (first.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0
                 && first[..colon] is var type && !type.Contains(' ') && type.Contains('.'))
        {
            name = type;
            value = first[(colon + 2)..];
        }
        else
        {
            name = "Error";
            value = first;
        }

        cell.Error = $"{name}: {value}";
        cell.Outputs.Add(new ErrorOutput(name, value, lines));
    }

    /// <summary>The mime bundle with every value over <see cref="MaxDataChars"/> replaced by a plain-text
    /// note.</summary>
    internal static IReadOnlyDictionary<string, string> Capped(IReadOnlyDictionary<string, string> data)
    {
        if (data.Values.All(v => v.Length <= MaxDataChars)) return data;
        var big = data.Where(p => p.Value.Length > MaxDataChars).ToList();
        var kept = data.Where(p => p.Value.Length <= MaxDataChars && p.Key != "text/plain")
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var note = string.Join("; ", big.Select(p => $"{p.Key}: {p.Value.Length:N0} characters"));
        var plain = data.TryGetValue("text/plain", out var text) && text.Length <= MaxDataChars ? text + "\n" : "";
        kept["text/plain"] = $"{plain}[output cut: more than the {MaxDataChars:N0} characters kept per value ({note})]";
        return kept;
    }

    internal static void ReadResults(NotebookRecord notebook, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var r in document.RootElement.GetProperty("results").EnumerateArray())
            {
                var value = r.GetProperty("value");
                notebook.Results[r.GetProperty("name").GetString()!] = value.ValueKind == JsonValueKind.Number
                    ? value.TryGetInt64(out var l) ? (object)l : value.GetDouble()
                    : value.ToString();
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            notebook.Warnings.Add($"a published-results display could not be read: {e.Message}");
        }
    }

    internal static void ReadParameters(NotebookRecord notebook, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var p in document.RootElement.GetProperty("parameters").EnumerateObject())
                notebook.DeclaredParameters[p.Name] = p.Value.ToString();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            notebook.Warnings.Add($"a parameters display could not be read: {e.Message}");
        }
    }

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
}
