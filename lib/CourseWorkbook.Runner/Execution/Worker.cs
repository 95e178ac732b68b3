using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CourseWorkbook.Runner.Dib;

namespace CourseWorkbook.Runner.Execution;

/// <summary>
/// The worker process: runs one notebook's cells in order and streams events to the parent. It stops at the first
/// failing cell; the parent enforces timeouts by killing it.
/// </summary>
public sealed class Worker
{
    /// <summary>Exit code of a worker whose parent went away.</summary>
    public const int ExitParentGone = 70;

    private readonly WorkerEventWriter _events;
    private readonly OutputCapture _capture;
    private readonly CSharpKernel _kernel;
    private readonly string _notebookDirectory;
    private readonly PackageLoader _loader = new();
    private readonly PackageRestorer _restorer = new(PackageRestorer.DefaultCacheRoot());
    private readonly Dictionary<string, PackageRequest> _packages = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _resolvedVersions = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _sources = [];
    private string? _restoredProject; // the package set last restored, as its generated project text

    private Worker(WorkerEventWriter events, OutputCapture capture, WorkerOptions options)
    {
        _events = events;
        _capture = capture;
        var notebookPath = Path.GetFullPath(options.NotebookPath);
        _notebookDirectory = Path.GetDirectoryName(notebookPath)!;
        Func<object?, string?, Action<object?>> display = capture.Display;
        _kernel = new CSharpKernel(notebookPath, new CellGlobals(display));
        new Thread(ValueFormatter.WarmUp) { IsBackground = true, Name = "formatter-warm-up" }.Start();
        SetHostData(options, display);
    }

    /// <summary>Entry point of the hidden "worker" verb.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var startup = Stopwatch.StartNew();
        // Cells may block thread-pool threads (Task.Wait, .Result); don't let the pool's slow growth stall the runner.
        ThreadPool.SetMinThreads(Math.Max(8, Environment.ProcessorCount * 2), Math.Max(8, Environment.ProcessorCount * 2));
        using var events = new WorkerEventWriter(WorkerEventWriter.OpenProtocolStream());
        using var capture = new OutputCapture(events);
        // Environment.Exit in a cell ends the process; send what the cell printed before it goes.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => capture.Flush();
        WatchParent();
        Console.SetIn(TextReader.Null);
        Console.SetOut(capture.CreateWriter("stdout"));
        Console.SetError(capture.CreateWriter("stderr"));

        var options = WorkerOptions.Parse(args);
        var document = DibParser.ParseFile(options.NotebookPath);
        Directory.CreateDirectory(options.OutputDirectory);
        var worker = new Worker(events, capture, options);
        events.Write(WorkerEvent.Ready, j => j.WriteNumber("ms", startup.Elapsed.TotalMilliseconds));
        _ = worker._kernel.WarmUpTask.ContinueWith(
            _ => events.Write(WorkerEvent.Warm, j => j.WriteNumber("ms", worker._kernel.WarmUpMs)), TaskScheduler.Default);

        for (var i = 0; i < document.Cells.Count; i++)
        {
            if (document.Cells[i].IsMarkdown) continue;
            if (!await worker.RunCellAsync(document.Cells[i], i + 1)) break;
        }

        capture.Dispose();
        events.Write(WorkerEvent.Done);
        return 0;
    }

    // Runs one non-markdown cell between its start and end events; false when it failed.
    private async Task<bool> RunCellAsync(DibCell cell, int number)
    {
        _capture.Cell = number;
        _events.Write(WorkerEvent.Start, j => j.WriteNumber("cell", number));
        var timing = new CellTiming();
        var wall = Stopwatch.StartNew();
        bool passed;
        try
        {
            passed = cell.KernelName switch
            {
                KernelNames.CSharp => await RunCSharpAsync(cell, number, timing),
                "html" => Show(cell.Source, "text/html"),
                "mermaid" => Show($"```mermaid\n{cell.Source}\n```\n", "text/markdown"),
                _ => Fail("NotSupportedException",
                    $"#!{cell.KernelName} cells are not supported by the headless runner (it runs C#, and shows markdown, html and mermaid)"),
            };
        }
        catch (Exception e)
        {
            passed = Fail(e.GetType().FullName ?? e.GetType().Name, e.Message, e.ToString().Split('\n'));
        }

        _capture.Flush();
        wall.Stop();
        _events.Write(WorkerEvent.End, j =>
        {
            j.WriteNumber("cell", number);
            j.WriteString("status", passed ? "passed" : "failed");
            j.WriteNumber("wallMs", wall.Elapsed.TotalMilliseconds);
            j.WriteNumber("restoreMs", timing.RestoreMs);
            j.WriteNumber("warmUpWaitMs", timing.WarmUpWaitMs);
            j.WriteNumber("compileMs", timing.CompileMs);
            j.WriteNumber("runMs", timing.RunMs);
            if (timing.RestoreFromCache is { } cached) j.WriteBoolean("restoreFromCache", cached);
        });
        return passed;
    }

    private async Task<bool> RunCSharpAsync(DibCell cell, int number, CellTiming timing)
    {
        var directives = CellDirectives.Parse(cell.Source, _notebookDirectory);
        foreach (var (line, text) in directives.MagicCommands)
        {
            if (text.StartsWith("#!time", StringComparison.Ordinal)) continue;
            return Fail("NotSupportedException", $"magic command '{text}' is not supported by the headless runner", line: line);
        }

        if (AddPackages(directives) is { } packageError) return Fail(packageError.Type, packageError.Message);
        var project = PackageRestorer.ProjectText(_packages.Values.ToList(), _sources);
        if (_packages.Count > 0 && project != _restoredProject)
        {
            try
            {
                var restored = _restorer.Restore(_packages.Values.ToList(), _sources);
                timing.RestoreMs = restored.Milliseconds;
                timing.RestoreFromCache = restored.FromCache;
                foreach (var (name, version) in restored.ResolvedVersions) _resolvedVersions[name] = version;
                _loader.Add(restored.Assemblies, restored.NativeFiles);
                timing.WarmUpWaitMs = _kernel.WaitForWarmUp();
                _kernel.AddReferences(restored.Assemblies);
                _restoredProject = project;
            }
            catch (PackageRestoreException e)
            {
                return Fail("PackageRestoreException", e.Message, e.Message.Split('\n'));
            }
        }

        timing.WarmUpWaitMs += _kernel.WaitForWarmUp();
        var result = await _kernel.SubmitAsync(directives.Code, number);
        timing.CompileMs = result.CompileMs;
        timing.RunMs = result.RunMs;
        if (result.CompileErrors.Count > 0)
            return Fail("CompilationErrorException", result.CompileErrors[0], result.CompileErrors, result.ErrorLine);
        if (result.Exception is { } exception)
        {
            var root = exception is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerException! : exception;
            return Fail(root.GetType().FullName ?? root.GetType().Name, root.Message, root.ToString().Split('\n'), result.ErrorLine);
        }

        if (result.HasValue)
        {
            var bundle = ValueFormatter.Format(result.Value);
            _capture.Emit(WorkerEvent.Result, j =>
            {
                j.WriteNumber("cell", number);
                WorkerEventWriter.WriteBundle(j, "data", bundle);
            });
        }

        return true;
    }

    // Adds the cell's packages and sources to the notebook's set. Asking for a different explicit version of a package
    // this notebook already loaded (directly or as a dependency) is an error, as in .NET Interactive.
    private (string Type, string Message)? AddPackages(CellDirectives directives)
    {
        foreach (var package in directives.Packages)
        {
            if (!package.HasValidVersion)
                return ("PackageRestoreException", $"'{package.Version}' is not a valid version for package {package.Name}");
            var have = _packages.TryGetValue(package.Name, out var earlier) && !earlier.IsFloating
                ? earlier.Version
                : _resolvedVersions.GetValueOrDefault(package.Name);
            if (!package.IsFloating && have is not null && !string.Equals(have, package.Version, StringComparison.OrdinalIgnoreCase))
                return ("InvalidOperationException",
                    $"{package.Name} version {package.Version} cannot be loaded: version {have} is already loaded in this notebook");
            if (!_packages.ContainsKey(package.Name) && !_resolvedVersions.ContainsKey(package.Name)) _packages[package.Name] = package;
        }

        _sources.AddRange(directives.Sources.Where(s => !_sources.Contains(s)).Distinct());
        return null;
    }

    private bool Show(string content, string mimeType)
    {
        _capture.Display(content, mimeType);
        return true;
    }

    private bool Fail(string type, string message, IEnumerable<string>? traceback = null, int? line = null)
    {
        _capture.Emit(WorkerEvent.Error, j =>
        {
            j.WriteNumber("cell", _capture.Cell);
            j.WriteString("ename", type);
            j.WriteString("evalue", message);
            if (line is { } l) j.WriteNumber("line", l);
            j.WriteStartArray("traceback");
            foreach (var t in traceback ?? [$"{type}: {message}"]) j.WriteStringValue(t.TrimEnd('\r'));
            j.WriteEndArray();
        });
        return false;
    }

    // The parent holds our stdin open while it runs; end of input means it is gone, so don't run on as an orphan.
    private static void WatchParent()
    {
        var stdin = Console.OpenStandardInput();
        new Thread(() =>
        {
            var buffer = new byte[64];
            try
            {
                while (stdin.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            Environment.Exit(ExitParentGone);
        }) { IsBackground = true, Name = "parent-watch" }.Start();
    }

    // The host contract (see HostContract): what the helper library finds with AppDomain.GetData.
    private void SetHostData(WorkerOptions options, Func<object?, string?, Action<object?>> display)
    {
        var domain = AppDomain.CurrentDomain;
        domain.SetData(HostContract.Host, HostContract.HostName);
        domain.SetData(HostContract.Display, display);
        domain.SetData(HostContract.PublishResult, new Action<string, object>((name, value) => _capture.Emit(WorkerEvent.Publish, j =>
        {
            j.WriteString("name", name);
            WriteResultValue(j, value);
        })));
        domain.SetData(HostContract.Parameters,
            (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(options.Parameters, StringComparer.OrdinalIgnoreCase));
        domain.SetData(HostContract.DeclareParameter, new Action<string, string>((name, value) => _capture.Emit(WorkerEvent.Param, j =>
        {
            j.WriteString("name", name);
            j.WriteString("value", value);
        })));
        domain.SetData(HostContract.NotebookPath, Path.GetFullPath(options.NotebookPath));
        domain.SetData(HostContract.OutputDirectory, Path.GetFullPath(options.OutputDirectory));
    }

    // Numbers stay JSON numbers (NaN and infinities become strings, which JSON cannot hold as numbers); anything else is text.
    private static void WriteResultValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case int or long or short or byte or sbyte or ushort or uint:
                json.WriteNumber("value", Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                json.WriteNumber("value", u);
                break;
            case double or float or decimal:
                var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(d)) json.WriteNumber("value", d);
                else json.WriteString("value", d.ToString(CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString("value", Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
                break;
        }
    }

    private sealed class CellTiming
    {
        public double RestoreMs { get; set; }
        public bool? RestoreFromCache { get; set; }
        public double WarmUpWaitMs { get; set; }
        public double CompileMs { get; set; }
        public double RunMs { get; set; }
    }
}
