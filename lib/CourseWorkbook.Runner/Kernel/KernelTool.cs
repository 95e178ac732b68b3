using System.Diagnostics;
using System.Text.Json;

namespace CourseWorkbook.Runner.Kernel;

/// <summary>
/// The kernel students run: the dotnet tool Microsoft.dotnet-interactive, pinned in the repository's
/// <c>.config/dotnet-tools.json</c>. It is started the way VS Code's Polyglot Notebooks starts it,
/// <c>dotnet tool run dotnet-interactive -- stdio --working-dir &lt;the notebook's folder&gt;</c>, from the folder that
/// holds the tool manifest, and restored with <c>dotnet tool restore</c> when the NuGet cache does not have it yet.
/// </summary>
public sealed class KernelTool(string manifestRoot, string packageId, string version)
{
    /// <summary>The command name of the tool.</summary>
    public const string CommandName = "dotnet-interactive";

    /// <summary>Environment variable naming another kernel executable (tests use it to stand in a broken kernel);
    /// it is started with the same arguments as the tool.</summary>
    public const string OverrideVariable = "COURSEWORKBOOK_KERNEL";

    /// <summary>How long a <c>dotnet tool restore</c> may take.</summary>
    public static readonly TimeSpan RestoreTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The folder holding <c>.config/dotnet-tools.json</c>.</summary>
    public string ManifestRoot { get; } = manifestRoot;

    /// <summary>The tool's package id and pinned version, as the manifest names them.</summary>
    public string PackageId { get; } = packageId;
    public string Version { get; } = version;

    /// <summary>Finds the tool manifest above the runner's own folder, else above the current directory.</summary>
    public static KernelTool Locate()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var manifest = Path.Combine(dir.FullName, ".config", "dotnet-tools.json");
                if (File.Exists(manifest)) return FromManifest(dir.FullName, manifest);
            }
        }

        throw new KernelException("no .config/dotnet-tools.json found above the runner or the current folder; "
            + "the kernel is pinned there (Microsoft.dotnet-interactive)");
    }

    static KernelTool FromManifest(string root, string manifest)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(manifest));
        foreach (var tool in json.RootElement.GetProperty("tools").EnumerateObject())
        {
            var commands = tool.Value.GetProperty("commands").EnumerateArray().Select(c => c.GetString());
            if (commands.Contains(CommandName))
                return new KernelTool(root, tool.Name, tool.Value.GetProperty("version").GetString()!);
        }

        throw new KernelException($"{manifest} pins no tool with the command {CommandName}");
    }

    /// <summary>The pinned kernel, located and restored; null (after saying why on <paramref name="log"/>) when it
    /// cannot be.</summary>
    public static KernelTool? LocateRestored(TextWriter log)
    {
        try
        {
            var tool = Locate();
            tool.EnsureRestored(log);
            return tool;
        }
        catch (KernelException e)
        {
            log.WriteLine($"error: {e.Message}");
            return null;
        }
    }

    /// <summary>The NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages).</summary>
    public static string PackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>True when the pinned version sits in the NuGet cache.</summary>
    public bool IsRestored =>
        Directory.Exists(
            Path.Combine(PackagesFolder(), PackageId.ToLowerInvariant(), Version.ToLowerInvariant(), "tools"));

    /// <summary>Runs <c>dotnet tool restore</c> in the manifest's folder unless the tool is already in the
    /// cache.</summary>
    public void EnsureRestored(TextWriter log)
    {
        if (IsRestored || Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 }) return;
        log.WriteLine($"restoring the kernel ({PackageId} {Version}) with dotnet tool restore ...");
        var start = new ProcessStartInfo(DotnetHost(), "tool restore")
        {
            WorkingDirectory = ManifestRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new KernelException("could not start dotnet tool restore");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(RestoreTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new KernelException(
                $"dotnet tool restore did not finish within {RestoreTimeout.TotalMinutes:0} minutes");
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new KernelException(
                $"dotnet tool restore failed (exit code {process.ExitCode}):\n{stderr.Result}{stdout.Result}");
    }

    /// <summary>setsid, where there is one: it starts the kernel as the leader of a new process group, so that the
    /// kernel and every process its cells start can be ended together.</summary>
    public static string? Setsid { get; } =
        OperatingSystem.IsLinux() ? new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists) : null;

    /// <summary>How to start a kernel whose cells run in <paramref name="workingDirectory"/>.</summary>
    public ProcessStartInfo StartInfo(string workingDirectory)
    {
        var overrideKernel = Environment.GetEnvironmentVariable(OverrideVariable);
        var program = overrideKernel is { Length: > 0 } ? overrideKernel : DotnetHost();
        var start = new ProcessStartInfo(Setsid ?? program)
        {
            WorkingDirectory = overrideKernel is { Length: > 0 } ? workingDirectory : ManifestRoot,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
            StandardInputEncoding = new System.Text.UTF8Encoding(false),
        };
        if (Setsid is not null) start.ArgumentList.Add(program);
        if (overrideKernel is not { Length: > 0 })
            foreach (var arg in new[] { "tool", "run", CommandName, "--" }) start.ArgumentList.Add(arg);
        foreach (var arg in new[] { "stdio", "--working-dir", workingDirectory }) start.ArgumentList.Add(arg);
        // Without these the first run prints a plain-text banner into the protocol stream.
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_INTERACTIVE_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        return start;
    }

    /// <summary>The dotnet host running this process, else "dotnet" from PATH.</summary>
    public static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
}

/// <summary>The kernel could not be found, restored or started.</summary>
public sealed class KernelException(string message) : Exception(message);
