using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CourseWorkbook.Tests;

/// <summary>A notebook loads the workbook's library in one step, as a package of the local feed that every build
/// packs; its version lives in Directory.Build.props, every other version in Directory.Packages.props.</summary>
public partial class NotebookPackagesTests
{
    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }

    static string LibraryVersion() =>
        XDocument.Load(Path.Combine(Root(), "Directory.Build.props")).Descendants("CourseWorkbookVersion").Single().Value;

    static IEnumerable<string> Notebooks() => Directory.GetFiles(Path.Combine(Root(), "notebooks"), "*.dib").Order();

    [GeneratedRegex("""^#r\s+"nuget:\s*(?<name>[^,"]+?)\s*(?:,\s*(?<version>[^"]*?)\s*)?"\s*$""", RegexOptions.Multiline)]
    private static partial Regex NugetLine();

    [GeneratedRegex("""^#r\s+"(?!nuget:)[^"]*"\s*$""", RegexOptions.Multiline)]
    private static partial Regex FileReference();

    [Fact]
    public void Every_notebook_loads_the_library_package_of_this_build_in_its_first_code_cell()
    {
        var expected = $"#r \"nuget: CourseWorkbook, {LibraryVersion()}\"";
        Assert.NotEmpty(Notebooks());
        foreach (var notebook in Notebooks())
        {
            var firstCode = File.ReadAllText(notebook).Split("#!csharp", 2)[1];
            Assert.True(firstCode.TrimStart().StartsWith(expected, StringComparison.Ordinal),
                $"{Path.GetFileName(notebook)}: the first code cell should start with {expected}");
            Assert.False(FileReference().IsMatch(File.ReadAllText(notebook)),
                $"{Path.GetFileName(notebook)} references a DLL by path, which can be stale: load the package instead");
        }
    }

    [Fact]
    public void The_library_package_is_pinned_at_the_version_every_build_packs()
    {
        var pinned = XDocument.Load(Path.Combine(Root(), "Directory.Packages.props")).Descendants("PackageVersion")
            .Single(e => (string?)e.Attribute("Include") == "CourseWorkbook");

        Assert.Equal(LibraryVersion(), (string)pinned.Attribute("Version")!);
    }

    [Fact]
    public void Other_package_versions_equal_the_pinned_versions()
    {
        var pins = XDocument.Load(Path.Combine(Root(), "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var notebook in Notebooks())
        {
            foreach (Match m in NugetLine().Matches(File.ReadAllText(notebook)))
            {
                var (name, version) = (m.Groups["name"].Value, m.Groups["version"].Value);
                if (!pins.TryGetValue(name, out var pinned)) problems.Add($"{Path.GetFileName(notebook)}: {name} is not pinned");
                else if (version != pinned) problems.Add($"{Path.GetFileName(notebook)}: {name} {version} differs from the pinned {pinned}");
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_notebooks_nuget_config_points_at_the_feed_the_library_is_packed_into()
    {
        var feed = XDocument.Load(Path.Combine(Root(), "Directory.Build.props")).Descendants("CourseWorkbookFeed").Single().Value
            .Replace("$(MSBuildThisFileDirectory)", Root() + Path.DirectorySeparatorChar);
        var source = XDocument.Load(Path.Combine(Root(), "notebooks", "nuget.config"))
            .Descendants("add").Single(e => (string?)e.Attribute("key") == "courseworkbook-local").Attribute("value")!.Value;

        Assert.Equal(Path.GetFullPath(feed), Path.GetFullPath(Path.Combine(Root(), "notebooks", source)) + Path.DirectorySeparatorChar);
        Assert.True(File.Exists(Path.Combine(feed, $"CourseWorkbook.{LibraryVersion()}.nupkg")), "the build packed the library");
    }
}
