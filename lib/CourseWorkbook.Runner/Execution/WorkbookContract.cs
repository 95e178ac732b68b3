namespace CourseWorkbook.Runner.Execution;

/// <summary>
/// What the runner and the helper library agree on, with no compile-time dependency either way (a test pins the
/// names on both sides). Everything travels the way it does for a student in VS Code:
/// <list type="bullet">
/// <item>the runner gives the kernel process environment variables: <see cref="ParameterPrefix"/>NAME per
/// <c>--set NAME=VALUE</c> (the same variables a VS Code user sets through
/// <c>polyglot-notebook.kernelEnvironmentVariables</c>), <see cref="OutputDirectoryVariable"/> and
/// <see cref="NotebookVariable"/>;</item>
/// <item>the library answers in the kernel's event stream: published results are displayed with the mime type
/// <see cref="ResultsMimeType"/> (<c>{"results":[{"name":..., "value":..., "unit":...}]}</c>) and the declared
/// parameters with <see cref="ParametersMimeType"/> (<c>{"parameters":{"name":"value"}}</c>), each next to an
/// HTML and a plain-text view, so they reach the executed .ipynb too.</item>
/// </list>
/// </summary>
public static class WorkbookContract
{
    public const string ParameterPrefix = "COURSEWORKBOOK_PARAM_";
    public const string OutputDirectoryVariable = "COURSEWORKBOOK_OUTPUT_DIR";
    public const string NotebookVariable = "COURSEWORKBOOK_NOTEBOOK";
    public const string ResultsMimeType = "application/vnd.courseworkbook.results+json";
    public const string ParametersMimeType = "application/vnd.courseworkbook.parameters+json";

    /// <summary>The environment variable that carries parameter <paramref name="name"/>.</summary>
    public static string ParameterVariable(string name) => ParameterPrefix + name.ToUpperInvariant();

    /// <summary>True for a parameter name that can travel as an environment variable: letters, digits, '_'.</summary>
    public static bool IsValidParameterName(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
