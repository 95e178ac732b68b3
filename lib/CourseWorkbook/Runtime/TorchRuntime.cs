using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace CourseWorkbook.Runtime;

/// <summary>
/// Loads TorchSharp's native libraries robustly, wherever TorchSharp.dll came from: an app's bin folder, the NuGet
/// package cache (.NET Interactive, the headless runner) or a test project that only downloaded libtorch.
/// On Linux distributions whose libstdc++ lacks GLIBCXX_3.4.32 (Debian 12, Ubuntu 22.04) it loads a copy of
/// libLibTorchSharp.so whose requirement on that version is marked weak (see <see cref="ElfVersionPatcher"/>).
/// Call <see cref="EnsureLoaded"/> before the first TorchSharp call; it is idempotent and thread-safe.
/// </summary>
public static class TorchRuntime
{
    /// <summary>The only libstdc++ version that libLibTorchSharp.so 0.107.0 needs beyond Debian 12's; nothing calls
    /// the one symbol bound to it (std::ios_base_library_init), so it is safe to mark weak.</summary>
    public const string HarmlessGlibcxxVersion = "GLIBCXX_3.4.32";

    static readonly object Gate = new();
    static NativeLoadReport? report;
    static IntPtr libTorchSharp, libTorch, libTorchCpu;

    /// <summary>What was loaded from where; null until <see cref="EnsureLoaded"/> ran.</summary>
    public static NativeLoadReport? Report => report;

    /// <summary>
    /// Finds, (if needed) patches and loads libtorch and LibTorchSharp, then initialises the CPU backend.
    /// </summary>
    public static NativeLoadReport EnsureLoaded()
    {
        lock (Gate)
        {
            if (report is not null) return report;
            var notes = new List<string>();
            var torchAssembly = typeof(torch).Assembly;
            string rid = RuntimeInformation.RuntimeIdentifier;
            string nativeRid = NativeRid();

            string? torchDir = null, sharpPath = null, usedSharp = null;
            bool patched = false;
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsWindows())
            {
                torchDir = FindLibTorchDirectory(torchAssembly, nativeRid);
                sharpPath = FindLibTorchSharp(torchAssembly, nativeRid);
            }

            if (torchDir is not null)
            {
                libTorchCpu = TryLoad(Path.Combine(torchDir, LibName("torch_cpu")), notes);
                libTorch = TryLoad(Path.Combine(torchDir, LibName("torch")), notes);
            }
            else notes.Add($"libtorch not found next to TorchSharp or in the NuGet cache (rid {nativeRid}); "
                + "relying on TorchSharp's own loader");

            if (sharpPath is not null)
            {
                usedSharp = sharpPath;
                if (!NativeLibrary.TryLoad(sharpPath, out libTorchSharp) && OperatingSystem.IsLinux())
                {
                    usedSharp = PatchedCopy(sharpPath, notes);
                    patched = true;
                    libTorchSharp = NativeLibrary.Load(usedSharp);
                }
                else if (libTorchSharp == IntPtr.Zero)
                {
                    // Let NativeLibrary.Load throw the loader's own message.
                    libTorchSharp = NativeLibrary.Load(sharpPath);
                }
            }
            else notes.Add("libLibTorchSharp not found; relying on TorchSharp's own loader");

            if (libTorchSharp != IntPtr.Zero)
            {
                try { NativeLibrary.SetDllImportResolver(torchAssembly, Resolve); }
                catch (InvalidOperationException)
                {
                    // Someone (a host) already set a resolver for TorchSharp: fall back to the load-context event.
                    System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(torchAssembly)!.ResolvingUnmanagedDll +=
                        (asm, name) => asm == torchAssembly ? Resolve(name, asm, null) : IntPtr.Zero;
                    notes.Add("a DllImport resolver was already set for TorchSharp; using ResolvingUnmanagedDll");
                }
            }

            torch.InitializeDeviceType(DeviceType.CPU);
            report = new NativeLoadReport(
                TorchSharpVersion: torchAssembly.GetName().Version?.ToString(3) ?? "?",
                LibTorchDirectory: torchDir,
                LibTorchSharpPath: usedSharp,
                PatchedGlibcxx: patched,
                RuntimeIdentifier: rid,
                Notes: notes);
            return report;
        }
    }

    static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) => name switch
    {
        "LibTorchSharp" or "libLibTorchSharp" or "libLibTorchSharp.so" => libTorchSharp,
        "torch_cpu" or "libtorch_cpu" or "libtorch_cpu.so" => libTorchCpu,
        "torch" or "libtorch" or "libtorch.so" => libTorch,
        _ => IntPtr.Zero,
    };

    static IntPtr TryLoad(string path, List<string> notes)
    {
        if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle)) return handle;
        notes.Add($"could not load {path}");
        return IntPtr.Zero;
    }

    /// <summary>
    /// Makes (once, atomically) and returns a copy of libLibTorchSharp.so with GLIBCXX_3.4.32 marked weak.
    /// </summary>
    internal static string PatchedCopy(string original, List<string> notes)
    {
        var bytes = File.ReadAllBytes(original);
        var missing = MissingLibstdcxxVersions(bytes, original);
        var unsafeMissing = missing.Where(v => v != HarmlessGlibcxxVersion).ToList();
        if (unsafeMissing.Count > 0)
            throw new DllNotFoundException(
                $"{original} needs {string.Join(", ", unsafeMissing)} from libstdc++, " +
                "which this system's libstdc++ lacks. " +
                "Install a newer libstdc++ (e.g. from a newer distribution or conda-forge) and try again.");

        string hash = Convert.ToHexString(SHA256.HashData(bytes))[..16].ToLowerInvariant();
        string dir = Path.Combine(Caches.Root, "natives", $"libtorchsharp-{hash}");
        string target = Path.Combine(dir, Path.GetFileName(original));
        if (File.Exists(target)) return target;

        int changed = ElfVersionPatcher.MarkVersionWeak(bytes, HarmlessGlibcxxVersion, original);
        notes.Add($"marked {changed} requirement(s) on {HarmlessGlibcxxVersion} weak in a copy of {original}");
        Directory.CreateDirectory(dir);
        AtomicFile.WriteAllBytes(target, bytes);
        return target;
    }

    /// <summary>The versions a library needs from libstdc++.so.6 that the system's libstdc++ does not define.</summary>
    internal static IReadOnlyList<string> MissingLibstdcxxVersions(byte[] elf, string fileName)
    {
        var needed = ElfVersionPatcher.ReadVersionNeeds(elf, fileName)
            .Where(n => n.File.StartsWith("libstdc++", StringComparison.Ordinal) && !n.IsWeak)
            .Select(n => n.Version).Distinct().ToList();
        var system = FindSystemLibstdcxx();
        if (system is null) return needed.Where(v => v == HarmlessGlibcxxVersion).ToList();
        var defined = ElfVersionPatcher.ReadVersionDefinitions(File.ReadAllBytes(system), system).ToHashSet();
        return needed.Where(v => !defined.Contains(v)).ToList();
    }

    /// <summary>The libstdc++.so.6 this process uses (from /proc/self/maps) or the usual system paths.</summary>
    static string? FindSystemLibstdcxx()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int i = line.IndexOf('/');
                if (i >= 0 && line.Contains("libstdc++.so.6", StringComparison.Ordinal)) return line[i..].Trim();
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        foreach (var p in new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6" })
            if (File.Exists(p)) return p;
        return null;
    }

    static string NativeRid()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        return $"{os}-{arch}";
    }

    static string LibName(string name) =>
        OperatingSystem.IsWindows() ? $"{name}.dll" : OperatingSystem.IsMacOS() ? $"lib{name}.dylib" : $"lib{name}.so";

    /// <summary>
    /// NuGet package roots to search: the one TorchSharp.dll was loaded from, NUGET_PACKAGES, ~/.nuget/packages.
    /// </summary>
    internal static IEnumerable<string> PackageRoots(Assembly torchAssembly)
    {
        var dir = Path.GetDirectoryName(torchAssembly.Location);
        // <root>/torchsharp/<version>/lib/<tfm>/TorchSharp.dll
        if (dir is not null && dir.Replace('\\', '/').Contains("/torchsharp/", StringComparison.OrdinalIgnoreCase))
            yield return Path.GetFullPath(Path.Combine(dir, "..", "..", "..", ".."));
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env) yield return env;
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget",
            "packages");
    }

    static string? FindLibTorchDirectory(Assembly torchAssembly, string nativeRid)
    {
        string file = LibName("torch_cpu");
        var dir = Path.GetDirectoryName(torchAssembly.Location) ?? ".";
        foreach (var candidate in new[] { dir, Path.Combine(dir, "runtimes", nativeRid, "native") })
            if (File.Exists(Path.Combine(candidate, file))) return candidate;
        foreach (var root in PackageRoots(torchAssembly).Distinct())
        {
            var package = Path.Combine(root, $"libtorch-cpu-{nativeRid}");
            if (!Directory.Exists(package)) continue;
            var best = Directory.GetDirectories(package)
                .Select(v => Path.Combine(v, "runtimes", nativeRid, "native"))
                .Where(d => File.Exists(Path.Combine(d, file)))
                .OrderByDescending(d => ParseVersion(
                    Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(d))))))
                .FirstOrDefault();
            if (best is not null) return best;
        }
        return null;
    }

    static string? FindLibTorchSharp(Assembly torchAssembly, string nativeRid)
    {
        string file = LibName("LibTorchSharp");
        var dir = Path.GetDirectoryName(torchAssembly.Location) ?? ".";
        var candidates = new List<string> { dir, Path.Combine(dir, "runtimes", nativeRid, "native"),
            Path.GetFullPath(Path.Combine(dir, "..", "..", "runtimes", nativeRid, "native")) };
        string version = torchAssembly.GetName().Version?.ToString(3) ?? "";
        foreach (var root in PackageRoots(torchAssembly).Distinct())
            candidates.Add(Path.Combine(root, "torchsharp", version, "runtimes", nativeRid, "native"));
        return candidates.Select(c => Path.Combine(c, file)).FirstOrDefault(File.Exists);
    }

    static Version ParseVersion(string? s) => Version.TryParse(s, out var v) ? v : new Version(0, 0);
}

/// <summary>Where TorchSharp's natives came from.</summary>
public sealed record NativeLoadReport(
    string TorchSharpVersion,
    string? LibTorchDirectory,
    string? LibTorchSharpPath,
    bool PatchedGlibcxx,
    string RuntimeIdentifier,
    IReadOnlyList<string> Notes);
