using System.Reflection;
using Microsoft.DotNet.Interactive.Formatting;

namespace CourseWorkbook.Notebook;

/// <summary>Where the notebook runs: a .NET Interactive kernel (VS Code, Jupyter, or the headless runner, which
/// drives the same kernel) or plain .NET code such as a test or a console program.</summary>
public enum HostKind { Console, DotNetInteractive }

/// <summary>
/// The bridge between the library and whatever executes the notebook. Inside the .NET Interactive kernel, values are
/// shown with the kernel's own <c>display</c> (found by reflection: the library needs no reference to the kernel);
/// elsewhere they are written to the console. The headless runner drives that same kernel and talks to the library
/// only through environment variables it sets and the mime types of what the library displays
/// (<see cref="Variables"/>, <see cref="MimeTypes"/>), the way a VS Code session would.
/// </summary>
public static class Host
{
    /// <summary>Environment variables the headless runner sets for the kernel (a VS Code user may set them
    /// too).</summary>
    public static class Variables
    {
        /// <summary>Prefix of a parameter override: COURSEWORKBOOK_PARAM_EPOCHS=3.</summary>
        public const string ParameterPrefix = "COURSEWORKBOOK_PARAM_";

        /// <summary>A folder for the notebook's artifacts (the runner's OUT/&lt;notebook&gt;/).</summary>
        public const string OutputDirectory = "COURSEWORKBOOK_OUTPUT_DIR";

        /// <summary>The full path of the .dib being run headless.</summary>
        public const string Notebook = "COURSEWORKBOOK_NOTEBOOK";
    }

    /// <summary>Mime types of the workbook's own displays, read by the headless runner from the kernel's
    /// events.</summary>
    public static class MimeTypes
    {
        /// <summary><c>{"results":[{"name":..., "value":..., "unit":...}]}</c>: numbers the lesson publishes.</summary>
        public const string Results = "application/vnd.courseworkbook.results+json";

        /// <summary><c>{"parameters":{"name":"value"}}</c>: the parameters the notebook declared.</summary>
        public const string Parameters = "application/vnd.courseworkbook.parameters+json";
    }

    static MethodInfo? kernelDisplay;
    static PropertyInfo? currentContext;
    static bool kernelLookedUp;

    /// <summary>The kind of host executing this code.</summary>
    public static HostKind Kind => KernelDisplay() is not null ? HostKind.DotNetInteractive : HostKind.Console;

    /// <summary>True when the headless runner started this kernel.</summary>
    public static bool IsHeadlessRunner => NotebookPath is not null;

    /// <summary>The .dib being executed by the headless runner, when known.</summary>
    public static string? NotebookPath =>
        Environment.GetEnvironmentVariable(Variables.Notebook) is { Length: > 0 } p ? p : null;

    /// <summary>A folder for this notebook's artifacts (TensorBoard logs, saved charts): the runner's output folder
    /// for the notebook, else <c>runs/</c> under the current directory.</summary>
    public static string OutputDirectory
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable(Variables.OutputDirectory) is { Length: > 0 } d
                ? d
                : Path.Combine(Environment.CurrentDirectory, "runs");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>Shows a value as a cell output, formatted for each of <paramref name="mimeTypes"/> (default: the
    /// type's preferred ones), and returns a handle that can replace it later.</summary>
    public static DisplayHandle Display(object? value, params string[] mimeTypes)
    {
        Formatters.EnsureRegistered();
        if (KernelDisplay() is { } display)
        {
            var displayed = display.Invoke(null, [value, mimeTypes]);
            var update = displayed?.GetType().GetMethod("Update", [typeof(object)]);
            return new DisplayHandle(v => update?.Invoke(displayed, [v]));
        }

        var mimeType = mimeTypes.FirstOrDefault(m => m == "text/plain") ?? "text/plain";
        Console.WriteLine(value?.ToDisplayString(mimeType) ?? "<null>");
        return new DisplayHandle(v => Console.WriteLine(v?.ToDisplayString(mimeType) ?? "<null>"));
    }

    /// <summary>The kernel command (the cell submission) being handled on this thread, or null outside a
    /// kernel.</summary>
    internal static object? CurrentCommand()
    {
        if (KernelDisplay() is null || currentContext?.GetValue(null) is not { } context) return null;
        return context.GetType().GetProperty("Command")?.GetValue(context);
    }

    static MethodInfo? KernelDisplay()
    {
        if (kernelLookedUp) return kernelDisplay;
        var interactive = AppDomain.CurrentDomain.GetAssemblies()
            .FirstOrDefault(a => a.GetName().Name == "Microsoft.DotNet.Interactive");
        var kernel = interactive?.GetType("Microsoft.DotNet.Interactive.Kernel");
        kernelDisplay = kernel?.GetMethod("display", BindingFlags.Public | BindingFlags.Static,
            [typeof(object), typeof(string[])]);
        currentContext = interactive?.GetType("Microsoft.DotNet.Interactive.KernelInvocationContext")
            ?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static);
        kernelLookedUp = interactive is not null;
        return kernelDisplay;
    }
}

/// <summary>A displayed output that can be replaced in place (progress bars, live numbers).</summary>
public sealed class DisplayHandle
{
    readonly Action<object?> update;
    internal DisplayHandle(Action<object?> update) => this.update = update;

    /// <summary>Replaces the displayed value.</summary>
    public void Update(object? value) => update(value);
}
