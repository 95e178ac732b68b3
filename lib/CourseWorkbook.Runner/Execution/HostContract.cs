namespace CourseWorkbook.Runner.Execution;

/// <summary>
/// The contract between the runner and the helper library, with no compile-time dependency either way: before the
/// first cell the worker calls <c>AppDomain.CurrentDomain.SetData(key, value)</c> for each key below, and the library
/// reads them with <c>AppDomain.CurrentDomain.GetData(key)</c> (null when running elsewhere, e.g. in VS Code).
/// <list type="bullet">
/// <item><see cref="Host"/>: <c>string</c> "runner".</item>
/// <item><see cref="Display"/>: <c>Func&lt;object?, string?, Action&lt;object?&gt;&gt;</c>; display(value, mimeTypeOrNull) adds a
/// display output to the current cell and returns an updater that replaces that same output later.</item>
/// <item><see cref="PublishResult"/>: <c>Action&lt;string, object&gt;</c>; a named result (double/long/int or string) for
/// summary.json "results"; the last write of a name wins.</item>
/// <item><see cref="Parameters"/>: <c>IReadOnlyDictionary&lt;string, string&gt;</c>; the --set NAME=VALUE overrides,
/// case-insensitive names.</item>
/// <item><see cref="DeclareParameter"/>: <c>Action&lt;string, string&gt;</c>; the library reports each parameter the
/// notebook declares (name, effective value); --set names never declared are reported as warnings.</item>
/// <item><see cref="NotebookPath"/>: <c>string</c>, full path of the .dib being run.</item>
/// <item><see cref="OutputDirectory"/>: <c>string</c>, an existing folder for this notebook's artifacts (OUT/&lt;name&gt;/).</item>
/// </list>
/// </summary>
public static class HostContract
{
    public const string Host = "CourseWorkbook.Host";
    public const string HostName = "runner";
    public const string Display = "CourseWorkbook.Display";
    public const string PublishResult = "CourseWorkbook.PublishResult";
    public const string Parameters = "CourseWorkbook.Parameters";
    public const string DeclareParameter = "CourseWorkbook.DeclareParameter";
    public const string NotebookPath = "CourseWorkbook.NotebookPath";
    public const string OutputDirectory = "CourseWorkbook.OutputDirectory";
}
