namespace CourseWorkbook.Runner.Dib;

/// <summary>The kernel names and aliases that start a .dib cell, as .NET Interactive knows them.</summary>
public static class KernelNames
{
    public const string CSharp = "csharp";
    public const string Markdown = "markdown";

    /// <summary>
    /// Canonical kernel name and its aliases (case-sensitive), for the kernels .NET Interactive ships.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> BuiltIn = new Dictionary<string, string[]>
    {
        [CSharp] = ["c#", "cs", "C#"],
        ["fsharp"] = ["f#", "fs", "F#"],
        ["pwsh"] = ["powershell"],
        ["html"] = [],
        ["http"] = [],
        ["javascript"] = ["js"],
        ["mermaid"] = [],
        ["value"] = [],
        [Markdown] = ["md"],
    };

    /// <summary>Builds the alias → canonical name map: built-in kernels plus those declared in #!meta.</summary>
    public static Dictionary<string, string> AliasMap(IEnumerable<DibKernelInfo> declared)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, aliases) in BuiltIn)
        {
            map[name] = name;
            foreach (var alias in aliases) map[alias] = name;
        }

        foreach (var kernel in declared)
        {
            map[kernel.Name] = kernel.Name;
            foreach (var alias in kernel.Aliases) map.TryAdd(alias, kernel.Name);
        }

        return map;
    }
}
