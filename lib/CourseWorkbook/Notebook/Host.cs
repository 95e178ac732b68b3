using System.Reflection;
using Microsoft.DotNet.Interactive.Formatting;

namespace CourseWorkbook.Notebook;

/// <summary>Where the notebook runs: the headless runner, a .NET Interactive kernel (VS Code Polyglot Notebooks) or
/// plain .NET code such as a test or a console program.</summary>
public enum HostKind { Console, Runner, DotNetInteractive }

/// <summary>
/// The bridge between the library and whatever executes the notebook. The headless runner publishes delegates
/// under well-known AppDomain data keys (no compile-time dependency either way); inside .NET Interactive the
/// kernel's own <c>display</c> is found by reflection; elsewhere values are written to the console.
/// </summary>
public static class Host
{
    /// <summary>AppDomain data keys set by CourseWorkbook.Runner before the first cell.</summary>
    public static class Keys
    {
        public const string Host = "CourseWorkbook.Host";
        public const string Display = "CourseWorkbook.Display";
        public const string PublishResult = "CourseWorkbook.PublishResult";
        public const string Parameters = "CourseWorkbook.Parameters";
        public const string DeclareParameter = "CourseWorkbook.DeclareParameter";
        public const string NotebookPath = "CourseWorkbook.NotebookPath";
        public const string OutputDirectory = "CourseWorkbook.OutputDirectory";
    }

    static MethodInfo? kernelDisplay;
    static bool kernelLookedUp;

    /// <summary>The kind of host executing this code.</summary>
    public static HostKind Kind =>
        AppDomain.CurrentDomain.GetData(Keys.Host) as string == "runner" ? HostKind.Runner
        : KernelDisplay() is not null ? HostKind.DotNetInteractive
        : HostKind.Console;

    /// <summary>True when no person watches the output live (runner or console).</summary>
    public static bool IsHeadless => Kind != HostKind.DotNetInteractive;

    /// <summary>The .dib being executed by the runner, when known.</summary>
    public static string? NotebookPath => AppDomain.CurrentDomain.GetData(Keys.NotebookPath) as string;

    /// <summary>A folder for this notebook's artifacts (TensorBoard logs, saved charts): the runner's output folder
    /// for the notebook, else <c>runs/</c> under the current directory.</summary>
    public static string OutputDirectory
    {
        get
        {
            var dir = AppDomain.CurrentDomain.GetData(Keys.OutputDirectory) as string ?? Path.Combine(Environment.CurrentDirectory, "runs");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    /// <summary>Shows a value as a cell output and returns a handle that can replace it later.</summary>
    public static DisplayHandle Display(object? value, string? mimeType = null)
    {
        if (AppDomain.CurrentDomain.GetData(Keys.Display) is Func<object?, string?, Action<object?>> runnerDisplay)
            return new DisplayHandle(runnerDisplay(value, mimeType));

        if (KernelDisplay() is { } display)
        {
            var mimeTypes = mimeType is null ? Array.Empty<string>() : new[] { mimeType };
            var displayed = display.Invoke(null, new object?[] { value, mimeTypes });
            var update = displayed?.GetType().GetMethod("Update", new[] { typeof(object) });
            return new DisplayHandle(v => update?.Invoke(displayed, new[] { v }));
        }

        Console.WriteLine(value?.ToDisplayString(mimeType ?? "text/plain") ?? "<null>");
        return new DisplayHandle(v => Console.WriteLine(v?.ToDisplayString(mimeType ?? "text/plain") ?? "<null>"));
    }

    static MethodInfo? KernelDisplay()
    {
        if (kernelLookedUp) return kernelDisplay;
        var kernel = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name == "Microsoft.DotNet.Interactive")
            .Select(a => a.GetType("Microsoft.DotNet.Interactive.Kernel"))
            .FirstOrDefault(t => t is not null);
        kernelDisplay = kernel?.GetMethod("display", BindingFlags.Public | BindingFlags.Static, new[] { typeof(object), typeof(string[]) });
        kernelLookedUp = kernel is not null;
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
