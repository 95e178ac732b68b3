using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace CourseWorkbook.Runner.Execution;

/// <summary>
/// Makes restored packages loadable: managed assemblies by simple name and native libraries by name, through
/// the default load context's Resolving / ResolvingUnmanagedDll events (a library's own resolver still wins).
/// </summary>
public sealed class PackageLoader
{
    private readonly Dictionary<string, string> _assemblies = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _natives = [];
    private readonly Lock _gate = new();

    /// <summary>Registers the event handlers on the default load context.</summary>
    public PackageLoader()
    {
        AssemblyLoadContext.Default.Resolving += (context, name) =>
            FindAssembly(name.Name) is { } path ? context.LoadFromAssemblyPath(path) : null;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (_, name) =>
            FindNative(name) is { } path && NativeLibrary.TryLoad(path, out var handle) ? handle : IntPtr.Zero;
    }

    /// <summary>Adds restored files to the lookup lists.</summary>
    public void Add(IEnumerable<string> assemblies, IEnumerable<string> natives)
    {
        lock (_gate)
        {
            foreach (var path in assemblies) _assemblies.TryAdd(Path.GetFileNameWithoutExtension(path), path);
            foreach (var path in natives) if (!_natives.Contains(path)) _natives.Add(path);
        }
    }

    private string? FindAssembly(string? simpleName)
    {
        if (simpleName is null) return null;
        lock (_gate) return _assemblies.GetValueOrDefault(simpleName);
    }

    /// <summary>Finds a native file for a DllImport name: exact file name, or with lib prefix / platform suffix.</summary>
    internal string? FindNative(string name)
    {
        var fileName = Path.GetFileName(name);
        string[] candidates =
        [
            fileName,
            fileName + ".so", "lib" + fileName + ".so",
            fileName + ".dylib", "lib" + fileName + ".dylib",
            fileName + ".dll",
        ];
        lock (_gate)
        {
            foreach (var candidate in candidates)
            {
                var match = _natives.FirstOrDefault(p => string.Equals(Path.GetFileName(p), candidate, StringComparison.Ordinal));
                if (match is not null) return match;
            }

            // Versioned shared objects: libfoo.so.1 for "foo" or "libfoo.so".
            return _natives.FirstOrDefault(p =>
            {
                var file = Path.GetFileName(p);
                return file.StartsWith("lib" + fileName + ".so.", StringComparison.Ordinal)
                    || file.StartsWith(fileName + ".", StringComparison.Ordinal) && file.Contains(".so.", StringComparison.Ordinal);
            });
        }
    }
}
