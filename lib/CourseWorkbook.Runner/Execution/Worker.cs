using System.Diagnostics;
using System.Text.Json;
using CourseWorkbook.Runner.Dib;

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

/// <summary>
/// The worker process: runs one notebook's cells in order and streams events to the parent. It stops at the first
/// failing cell; the parent enforces timeouts by killing it.
/// </summary>
public static class Worker
{
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
        var notebookDirectory = Path.GetDirectoryName(Path.GetFullPath(options.NotebookPath))!;
        Directory.CreateDirectory(options.OutputDirectory);

        Func<object?, string?, Action<object?>> display = capture.Display;
        var kernel = new CSharpKernel(Path.GetFullPath(options.NotebookPath), new CellGlobals(display));
        new Thread(ValueFormatter.WarmUp) { IsBackground = true, Name = "formatter-warm-up" }.Start();
        SetHostData(options, display, capture);
        var loader = new PackageLoader();
        var restorer = new PackageRestorer(PackageRestorer.DefaultCacheRoot());
        var packages = new Dictionary<string, PackageRequest>(StringComparer.OrdinalIgnoreCase);
        var resolved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var sources = new List<string>();

        events.Write(WorkerEvent.Ready, j => j.WriteNumber("ms", startup.Elapsed.TotalMilliseconds));
        _ = kernel.WarmUpTask.ContinueWith(
            _ => events.Write(WorkerEvent.Warm, j => j.WriteNumber("ms", kernel.WarmUpMs)), TaskScheduler.Default);

        for (var i = 0; i < document.Cells.Count; i++)
        {
            var cell = document.Cells[i];
            var number = i + 1;
            if (cell.IsMarkdown) continue;

            capture.Cell = number;
            events.Write(WorkerEvent.Start, j => j.WriteNumber("cell", number));
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

            capture.Flush();
            wall.Stop();
            events.Write(WorkerEvent.End, j =>
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
            if (!passed) break;
        }

        capture.Dispose();
        events.Write(WorkerEvent.Done);
        return 0;

        // Asking for a different explicit version of a package this notebook already loaded is an error.
        string? VersionConflict(PackageRequest package)
        {
            if (package.IsFloating) return null;
            var have = packages.TryGetValue(package.Name, out var earlier) && !earlier.IsFloating
                ? earlier.Version
                : resolved.GetValueOrDefault(package.Name);
            return have is null || string.Equals(have, package.Version, StringComparison.OrdinalIgnoreCase)
                ? null
                : $"{package.Name} version {package.Version} cannot be loaded: version {have} is already loaded in this notebook";
        }

        bool Show(string content, string mimeType)
        {
            capture.Display(content, mimeType);
            return true;
        }

        bool Fail(string type, string message, IEnumerable<string>? traceback = null, int? line = null)
        {
            capture.Emit(WorkerEvent.Error, j =>
            {
                j.WriteNumber("cell", capture.Cell);
                j.WriteString("ename", type);
                j.WriteString("evalue", message);
                if (line is { } l) j.WriteNumber("line", l);
                j.WriteStartArray("traceback");
                foreach (var t in traceback ?? [$"{type}: {message}"]) j.WriteStringValue(t.TrimEnd('\r'));
                j.WriteEndArray();
            });
            return false;
        }

        async Task<bool> RunCSharpAsync(DibCell cell, int number, CellTiming timing)
        {
            var directives = CellDirectives.Parse(cell.Source, notebookDirectory);
            foreach (var (line, text) in directives.MagicCommands)
            {
                if (text.StartsWith("#!time", StringComparison.Ordinal)) continue;
                return Fail("NotSupportedException", $"magic command '{text}' is not supported by the headless runner", line: line);
            }

            if (directives.Packages.Count > 0 || directives.Sources.Count > 0)
            {
                foreach (var package in directives.Packages)
                {
                    if (!package.HasValidVersion)
                        return Fail("PackageRestoreException", $"'{package.Version}' is not a valid version for package {package.Name}");
                    if (VersionConflict(package) is { } conflict) return Fail("InvalidOperationException", conflict);
                    if (!packages.ContainsKey(package.Name) && !resolved.ContainsKey(package.Name)) packages[package.Name] = package;
                }

                sources.AddRange(directives.Sources.Where(s => !sources.Contains(s)));
                try
                {
                    var restored = restorer.Restore(packages.Values.ToList(), sources);
                    timing.RestoreMs = restored.Milliseconds;
                    timing.RestoreFromCache = restored.FromCache;
                    foreach (var (name, version) in restored.ResolvedVersions) resolved[name] = version;
                    loader.Add(restored.Assemblies, restored.NativeFiles);
                    timing.WarmUpWaitMs = kernel.WaitForWarmUp();
                    kernel.AddReferences(restored.Assemblies);
                }
                catch (PackageRestoreException e)
                {
                    return Fail("PackageRestoreException", e.Message, e.Message.Split('\n'));
                }
            }

            timing.WarmUpWaitMs += kernel.WaitForWarmUp();
            var result = await kernel.SubmitAsync(directives.Code, number);
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
                capture.Emit(WorkerEvent.Result, j =>
                {
                    j.WriteNumber("cell", number);
                    WorkerEventWriter.WriteBundle(j, "data", bundle);
                });
            }

            return true;
        }
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

    /// <summary>Exit code of a worker whose parent went away.</summary>
    public const int ExitParentGone = 70;

    private static void SetHostData(WorkerOptions options, Func<object?, string?, Action<object?>> display, OutputCapture capture)
    {
        var domain = AppDomain.CurrentDomain;
        domain.SetData(HostContract.Host, HostContract.HostName);
        domain.SetData(HostContract.Display, display);
        domain.SetData(HostContract.PublishResult, new Action<string, object>((name, value) => capture.Emit(WorkerEvent.Publish, j =>
        {
            j.WriteString("name", name);
            WriteResultValue(j, value);
        })));
        domain.SetData(HostContract.Parameters,
            (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(options.Parameters, StringComparer.OrdinalIgnoreCase));
        domain.SetData(HostContract.DeclareParameter, new Action<string, string>((name, value) => capture.Emit(WorkerEvent.Param, j =>
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
                json.WriteNumber("value", Convert.ToInt64(value));
                break;
            case ulong u:
                json.WriteNumber("value", u);
                break;
            case double or float or decimal:
                var d = Convert.ToDouble(value);
                if (double.IsFinite(d)) json.WriteNumber("value", d);
                else json.WriteString("value", d.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                json.WriteString("value", value?.ToString() ?? "");
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
