using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace CourseWorkbook.Runner.Execution;

/// <summary>What a restore produced: managed assemblies to reference, native files to resolve, resolved package versions.</summary>
public sealed record RestoreResult(
    IReadOnlyList<string> Assemblies,
    IReadOnlyList<string> NativeFiles,
    IReadOnlyDictionary<string, string> ResolvedVersions,
    bool FromCache,
    double Milliseconds);

/// <summary>A failed restore; the message quotes restore's error lines.</summary>
public sealed class PackageRestoreException(string message) : Exception(message);

/// <summary>
/// Restores <c>#r "nuget:"</c> packages with a real <c>dotnet restore</c> of a generated project, cached under
/// <c>$XDG_CACHE_HOME/courseworkbook/runner/restore/&lt;hash&gt;</c> so an unchanged package set restores once.
/// </summary>
public sealed class PackageRestorer(string cacheRoot)
{
    /// <summary>The cache root: $COURSEWORKBOOK_RUNNER_CACHE, else $XDG_CACHE_HOME or ~/.cache, + courseworkbook/runner.</summary>
    public static string DefaultCacheRoot()
    {
        var explicitRoot = Environment.GetEnvironmentVariable("COURSEWORKBOOK_RUNNER_CACHE");
        if (!string.IsNullOrEmpty(explicitRoot)) return explicitRoot;
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "courseworkbook", "runner");
    }

    /// <summary>Target framework of the generated project: the running runtime's, e.g. net10.0.</summary>
    public static string TargetFramework => $"net{Environment.Version.Major}.{Environment.Version.Minor}";

    /// <summary>This machine's runtime identifier, e.g. linux-x64.</summary>
    public static string RuntimeIdentifier => RuntimeInformation.RuntimeIdentifier;

    /// <summary>Restores the packages (all of the notebook's so far) with the extra sources and returns their assets.</summary>
    public RestoreResult Restore(IReadOnlyList<PackageRequest> packages, IReadOnlyList<string> sources)
    {
        var stopwatch = Stopwatch.StartNew();
        var projectText = ProjectText(packages, sources);
        var directory = Path.Combine(cacheRoot, "restore", Hash(projectText));
        Directory.CreateDirectory(directory);
        var project = Path.Combine(directory, "restore.csproj");
        var assets = Path.Combine(directory, "obj", "project.assets.json");

        using var _ = AcquireLock(Path.Combine(directory, ".lock"));
        var fromCache = IsCached(project, assets, projectText);
        if (!fromCache)
        {
            // Empty Directory.* files stop MSBuild from importing anything from the folders above the cache.
            foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
                File.WriteAllText(Path.Combine(directory, name), "<Project />\n");
            File.WriteAllText(project, projectText);
            RunRestore(project, assets);
        }

        var result = ReadAssets(assets);
        return result with { FromCache = fromCache, Milliseconds = stopwatch.Elapsed.TotalMilliseconds };
    }

    private static bool IsCached(string project, string assets, string projectText) =>
        File.Exists(project) && File.Exists(assets)
        && File.GetLastWriteTimeUtc(assets) > File.GetLastWriteTimeUtc(project)
        && File.ReadAllText(project) == projectText;

    internal static string ProjectText(IReadOnlyList<PackageRequest> packages, IReadOnlyList<string> sources)
    {
        var text = new StringBuilder();
        text.Append("<Project Sdk=\"Microsoft.NET.Sdk\">\n  <PropertyGroup>\n");
        text.Append($"    <TargetFramework>{TargetFramework}</TargetFramework>\n");
        text.Append($"    <RuntimeIdentifier>{RuntimeIdentifier}</RuntimeIdentifier>\n");
        text.Append("    <SelfContained>false</SelfContained>\n    <UseAppHost>false</UseAppHost>\n");
        text.Append("    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>\n");
        text.Append("    <ImplicitUsings>disable</ImplicitUsings>\n");
        if (sources.Count > 0)
            text.Append($"    <RestoreAdditionalProjectSources>{Escape(string.Join(";", sources.Distinct()))}</RestoreAdditionalProjectSources>\n");
        text.Append("  </PropertyGroup>\n  <ItemGroup>\n");
        foreach (var package in packages.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase))
            text.Append($"    <PackageReference Include=\"{Escape(package.Name)}\" Version=\"{Escape(package.RestoreVersion)}\" />\n");
        text.Append("  </ItemGroup>\n</Project>\n");
        return text.ToString();
    }

    private static string Escape(string s) => System.Security.SecurityElement.Escape(s);

    private static string Hash(string text) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static void RunRestore(string project, string assets)
    {
        var start = new ProcessStartInfo(DotnetHost(), ["restore", project, "--nologo", "-v", "q", "-nodeReuse:false", "--disable-build-servers"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(project)!,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = Process.Start(start) ?? throw new PackageRestoreException("could not start dotnet restore");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var output = stdout.Result + "\n" + stderr.Result;
        if (process.ExitCode != 0 || !File.Exists(assets))
        {
            if (File.Exists(assets)) File.Delete(assets);
            throw new PackageRestoreException($"dotnet restore failed (exit code {process.ExitCode}):\n{string.Join("\n", ErrorLines(output))}");
        }
    }

    /// <summary>Restore's error lines (e.g. "error NU1101: Unable to find package ..."), without the project path suffix.</summary>
    internal static IReadOnlyList<string> ErrorLines(string output)
    {
        var lines = output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var errors = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"\berror\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\s*\[[^\]]*\.csproj\]$", ""))
            .Distinct()
            .ToList();
        return errors.Count > 0 ? errors : lines;
    }

    /// <summary>The dotnet executable running us (or DOTNET_HOST_PATH, or dotnet on PATH).</summary>
    internal static string DotnetHost()
    {
        var processPath = Environment.ProcessPath;
        if (processPath is not null && Path.GetFileNameWithoutExtension(processPath) == "dotnet") return processPath;
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(hostPath) && File.Exists(hostPath) ? hostPath : "dotnet";
    }

    internal static RestoreResult ReadAssets(string assetsPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(assetsPath));
        var root = document.RootElement;
        var packageFolders = root.GetProperty("packageFolders").EnumerateObject().Select(p => p.Name).ToList();
        var libraries = root.GetProperty("libraries");
        var targetName = $"{TargetFramework}/{RuntimeIdentifier}";
        if (!root.GetProperty("targets").TryGetProperty(targetName, out var target))
            throw new PackageRestoreException($"project.assets.json has no target {targetName}");

        var hostAssemblies = HostAssemblyNames();
        var assemblies = new List<string>();
        var natives = new List<string>();
        var versions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var library in target.EnumerateObject())
        {
            if (!library.Value.TryGetProperty("type", out var type) || type.GetString() != "package") continue;
            var slash = library.Name.IndexOf('/');
            versions[library.Name[..slash]] = library.Name[(slash + 1)..];
            var libraryPath = libraries.GetProperty(library.Name).GetProperty("path").GetString()!;
            string Locate(string relative) =>
                packageFolders.Select(f => Path.GetFullPath(Path.Combine(f, libraryPath, relative))).FirstOrDefault(File.Exists)
                ?? Path.GetFullPath(Path.Combine(packageFolders[0], libraryPath, relative));

            if (library.Value.TryGetProperty("runtime", out var runtime))
            {
                foreach (var file in runtime.EnumerateObject())
                {
                    if (Path.GetFileName(file.Name) == "_._") continue;
                    if (hostAssemblies.Contains(Path.GetFileNameWithoutExtension(file.Name))) continue;
                    assemblies.Add(Locate(file.Name));
                }
            }

            if (library.Value.TryGetProperty("native", out var native))
            {
                foreach (var file in native.EnumerateObject())
                    if (Path.GetFileName(file.Name) != "_._") natives.Add(Locate(file.Name));
            }
        }

        return new RestoreResult(assemblies, natives, versions, false, 0);
    }

    /// <summary>Simple names of the trusted platform assemblies: the shared framework plus the runner's own dependencies.</summary>
    internal static HashSet<string> HostAssemblyNames()
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
            foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
                names.Add(Path.GetFileNameWithoutExtension(path));
        return names;
    }

    private static IDisposable AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }
}
