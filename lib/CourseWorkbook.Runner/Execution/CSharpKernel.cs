using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;

namespace CourseWorkbook.Runner.Execution;

/// <summary>What running one C# cell produced, with its compile and run times measured separately.</summary>
public sealed record SubmissionResult(
    double CompileMs,
    double RunMs,
    bool HasValue,
    object? Value,
    Exception? Exception,
    IReadOnlyList<string> CompileErrors,
    int? ErrorLine);

/// <summary>
/// Runs C# cells in one Roslyn script state, in order, like the .NET Interactive C# kernel: default usings,
/// LanguageVersion Latest, the whole shared framework referenced, #r paths relative to the notebook folder.
/// </summary>
public sealed class CSharpKernel
{
    /// <summary>The C# kernel's default usings.</summary>
    public static readonly ImmutableArray<string> DefaultUsings =
        ["System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Threading.Tasks", "System.Linq"];

    private readonly string _notebookPath;
    private readonly CellGlobals _globals;
    private readonly Task _warmUp;
    private readonly HashSet<string> _referenced = new(StringComparer.OrdinalIgnoreCase);
    private ScriptOptions _options = ScriptOptions.Default;
    private ScriptState<object>? _state;

    /// <summary>Starts building the options and compiling an empty submission in the background.</summary>
    public CSharpKernel(string notebookPath, CellGlobals globals)
    {
        _notebookPath = notebookPath;
        _globals = globals;
        _warmUp = RunOnOwnThread(WarmUp);
    }

    // A dedicated thread, so the warm-up never waits for a thread-pool thread (the pool starts with one per core).
    private static Task RunOnOwnThread(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                action();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }) { IsBackground = true, Name = "roslyn-warm-up" };
        thread.Start();
        return done.Task;
    }

    /// <summary>Completes when the background warm-up has finished.</summary>
    public Task WarmUpTask => _warmUp;

    /// <summary>Milliseconds the background warm-up took (options, first compile, first run).</summary>
    public double WarmUpMs { get; private set; }

    /// <summary>Waits for the warm-up; returns how long this call waited.</summary>
    public double WaitForWarmUp()
    {
        var stopwatch = Stopwatch.StartNew();
        _warmUp.GetAwaiter().GetResult();
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    private void WarmUp()
    {
        var stopwatch = Stopwatch.StartNew();
        var directory = Path.GetDirectoryName(_notebookPath)!;
        var references = FrameworkAssemblies()
            .Concat([typeof(CellGlobals).Assembly.Location,
                typeof(Microsoft.DotNet.Interactive.Formatting.Formatter).Assembly.Location,
                typeof(Microsoft.AspNetCore.Html.IHtmlContent).Assembly.Location])
            .Where(p => _referenced.Add(p))
            .Select(p => MetadataReference.CreateFromFile(p))
            .ToList();
        _options = ScriptOptions.Default
            .WithReferences(references)
            .WithImports(DefaultUsings)
            .WithLanguageVersion(LanguageVersion.Latest)
            .WithOptimizationLevel(OptimizationLevel.Release)
            .WithAllowUnsafe(true)
            .WithEmitDebugInformation(true)
            .WithFileEncoding(System.Text.Encoding.UTF8)
            .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(directory))
            .WithSourceResolver(new SourceFileResolver(ImmutableArray<string>.Empty, directory));

        // The chain head: an empty submission that every cell continues.
        var head = CSharpScript.Create("", _options.WithFilePath(CellPath(0)), typeof(CellGlobals));
        _state = head.RunAsync(_globals).GetAwaiter().GetResult();

        // A throwaway continuation with lambdas, LINQ and generics: the first real cell then finds the binder jitted.
        var probe = _state.Script.ContinueWith("var warm = new List<int> { 1 }.Select(x => x + 1).Sum(); $\"{warm}\"", _options);
        probe.Compile();
        WarmUpMs = stopwatch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Adds assemblies (e.g. restored package DLLs) as references for the following cells.</summary>
    public void AddReferences(IEnumerable<string> paths)
    {
        var added = paths.Where(p => _referenced.Add(p)).Select(p => MetadataReference.CreateFromFile(p)).ToList();
        if (added.Count > 0) _options = _options.AddReferences(added);
    }

    /// <summary>Compiles and runs one cell's code (directives already hoisted); cell is the 1-based cell number.</summary>
    public async Task<SubmissionResult> SubmitAsync(string code, int cell)
    {
        WaitForWarmUp();
        var stopwatch = Stopwatch.StartNew();
        var script = _state!.Script.ContinueWith(code, _options.WithFilePath(CellPath(cell)));
        var diagnostics = script.Compile();
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            var firstLine = errors[0].Location.IsInSource ? errors[0].Location.GetLineSpan().StartLinePosition.Line + 1 : (int?)null;
            return new SubmissionResult(stopwatch.Elapsed.TotalMilliseconds, 0, false, null, null, errors.Select(Describe).ToList(), firstLine);
        }

        script.CreateDelegate(); // emits and loads the assembly, so that the run time below is the cell's own
        var hasValue = HasTrailingValue(script.GetCompilation());
        var compileMs = stopwatch.Elapsed.TotalMilliseconds;

        stopwatch.Restart();
        var state = await script.RunFromAsync(_state, _ => true);
        var runMs = stopwatch.Elapsed.TotalMilliseconds;
        _state = state;
        if (state.Exception is { } exception)
            return new SubmissionResult(compileMs, runMs, false, null, exception, [], ExceptionLine(exception, cell));
        return new SubmissionResult(compileMs, runMs, hasValue, hasValue ? state.ReturnValue : null, null, [], null);
    }

    /// <summary>True when the submission ends in an expression without a semicolon whose type is not void.</summary>
    internal static bool HasTrailingValue(Compilation compilation)
    {
        var tree = compilation.SyntaxTrees.Last();
        if (tree.GetRoot() is not Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax root
            || root.Members.LastOrDefault() is not Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax
            {
                Statement: Microsoft.CodeAnalysis.CSharp.Syntax.ExpressionStatementSyntax { SemicolonToken.IsMissing: true } statement,
            })
        {
            return false;
        }

        var type = compilation.GetSemanticModel(tree).GetTypeInfo(statement.Expression).Type;
        return type is not null && type.SpecialType != SpecialType.System_Void;
    }

    /// <summary>The file path given to a cell's submission: stack traces then read "nb.dib#cell3:line 2".</summary>
    public string CellPath(int cell) => $"{_notebookPath}#cell{cell}";

    private int? ExceptionLine(Exception exception, int cell)
    {
        var path = CellPath(cell);
        foreach (var frame in new StackTrace(exception, true).GetFrames())
            if (frame.GetFileName() == path && frame.GetFileLineNumber() > 0) return frame.GetFileLineNumber();
        return null;
    }

    private static string Describe(Diagnostic d)
    {
        if (!d.Location.IsInSource) return $"error {d.Id}: {d.GetMessage()}";
        var position = d.Location.GetLineSpan().StartLinePosition;
        return $"({position.Line + 1},{position.Character + 1}): error {d.Id}: {d.GetMessage()}";
    }

    // The shared framework's assemblies: the trusted platform assemblies that live in the runtime's own folder.
    private static IEnumerable<string> FrameworkAssemblies()
    {
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        return tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => string.Equals(Path.GetDirectoryName(p), runtimeDirectory, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }
}
