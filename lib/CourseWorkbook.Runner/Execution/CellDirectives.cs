using System.Text.RegularExpressions;

namespace CourseWorkbook.Runner.Execution;

/// <summary>A package asked for by <c>#r "nuget: Name, Version"</c>; a null version means latest (floating).</summary>
public sealed record PackageRequest(string Name, string? Version)
{
    /// <summary>The version as restore takes it: explicit, or a floating "*" / "*-*".</summary>
    public string RestoreVersion => Version ?? "*";

    /// <summary>True when not one exact version: latest, a wildcard or a range.</summary>
    public bool IsFloating => Version is null || Version.Contains('*') || Version.StartsWith('[') || Version.StartsWith('(');

    /// <summary>True when the version is one NuGet accepts: a version (wildcards allowed) or a range like [1.0,2.0).</summary>
    public bool HasValidVersion => Version is null || ValidVersion.IsMatch(Version) || ValidRange.IsMatch(Version);

    private static readonly Regex ValidVersion =
        new(@"^(\d+|\*)(\.(\d+|\*)){0,3}(-[0-9A-Za-z\-\.\*]+)?(\+[0-9A-Za-z\-\.]+)?$", RegexOptions.CultureInvariant);

    private static readonly Regex ValidRange =
        new(@"^[\[\(]\s*[0-9A-Za-z\-\.\+\*]*\s*(,\s*[0-9A-Za-z\-\.\+\*]*\s*)?[\]\)]$", RegexOptions.CultureInvariant);

    /// <summary>Builds a request, mapping empty, "*" and "*-*" to latest.</summary>
    public static PackageRequest Create(string name, string? version)
    {
        var v = version?.Trim();
        return new PackageRequest(name.Trim(), string.IsNullOrEmpty(v) || v == "*" ? null : v);
    }
}

/// <summary>A C# cell with its hoisted directives: packages, package sources and magic commands, and the code Roslyn sees.</summary>
/// <remarks>Hoisted lines are blanked, not removed, so Roslyn's line numbers stay the cell's line numbers.</remarks>
public sealed record CellDirectives(
    string Code,
    IReadOnlyList<PackageRequest> Packages,
    IReadOnlyList<string> Sources,
    IReadOnlyList<(int Line, string Text)> MagicCommands)
{
    private static readonly Regex NugetReference =
        new(@"^\s*#r\s+""nuget:\s*(?<name>[^,""]+?)\s*(,\s*(?<version>[^""]*?)\s*)?""\s*$", RegexOptions.CultureInvariant);

    private static readonly Regex SourceInclude =
        new(@"^\s*#i\s+""(nuget:)?\s*(?<source>[^""]+?)\s*""\s*$", RegexOptions.CultureInvariant);

    /// <summary>Splits a cell's source; relative local #i sources are resolved against <paramref name="baseDirectory"/>.</summary>
    public static CellDirectives Parse(string source, string baseDirectory)
    {
        var lines = source.Split('\n');
        var packages = new List<PackageRequest>();
        var sources = new List<string>();
        var magics = new List<(int, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            Match m;
            if ((m = NugetReference.Match(line)).Success)
            {
                packages.Add(PackageRequest.Create(m.Groups["name"].Value, m.Groups["version"].Success ? m.Groups["version"].Value : null));
            }
            else if ((m = SourceInclude.Match(line)).Success)
            {
                sources.Add(ResolveSource(m.Groups["source"].Value, baseDirectory));
            }
            else if (line.StartsWith("#!", StringComparison.Ordinal))
            {
                magics.Add((i + 1, line.TrimEnd()));
            }
            else
            {
                continue;
            }

            lines[i] = "";
        }

        return new CellDirectives(string.Join("\n", lines), packages, sources, magics);
    }

    private static string ResolveSource(string source, string baseDirectory)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile) return source;
        var path = source.StartsWith('~') ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + source[1..] : source;
        return Path.GetFullPath(path, baseDirectory);
    }
}
