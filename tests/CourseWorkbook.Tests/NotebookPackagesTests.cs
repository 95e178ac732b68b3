using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace CourseWorkbook.Tests;

/// <summary>Every package version is pinned once (Directory.Packages.props); the notebooks must ask for the same.</summary>
public partial class NotebookPackagesTests
{
    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }

    [GeneratedRegex("""^#r\s+"nuget:\s*(?<name>[^,"]+?)\s*(?:,\s*(?<version>[^"]*?)\s*)?"\s*$""", RegexOptions.Multiline)]
    private static partial Regex NugetLine();

    [Fact]
    public void Notebook_package_versions_equal_the_pinned_versions()
    {
        var pins = XDocument.Load(Path.Combine(Root(), "Directory.Packages.props"))
            .Descendants("PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!, StringComparer.OrdinalIgnoreCase);
        var notebooks = Directory.GetFiles(Path.Combine(Root(), "notebooks"), "*.dib");
        Assert.NotEmpty(notebooks);
        var problems = new List<string>();
        foreach (var notebook in notebooks)
        {
            var matches = NugetLine().Matches(File.ReadAllText(notebook));
            Assert.True(matches.Count > 0, $"{Path.GetFileName(notebook)} references no package");
            foreach (Match m in matches)
            {
                var name = m.Groups["name"].Value;
                var version = m.Groups["version"].Value;
                if (!pins.TryGetValue(name, out var pinned)) problems.Add($"{Path.GetFileName(notebook)}: {name} is not pinned in Directory.Packages.props");
                else if (version != pinned) problems.Add($"{Path.GetFileName(notebook)}: {name} {(version == "" ? "(no version)" : version)} differs from the pinned {pinned}");
            }
        }
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Notebooks_reference_every_package_the_library_depends_on()
    {
        var library = XDocument.Load(Path.Combine(Root(), "lib", "CourseWorkbook", "CourseWorkbook.csproj"))
            .Descendants("PackageReference").Select(e => (string)e.Attribute("Include")!)
            // Provided by the kernel (VS Code) or the runner, as .NET Interactive does.
            .Where(p => p != "Microsoft.DotNet.Interactive.Formatting")
            // The notebooks ask for TorchSharp-cpu, which brings TorchSharp and its native libtorch.
            .Select(p => p == "TorchSharp" ? "TorchSharp-cpu" : p)
            .ToList();
        foreach (var notebook in Directory.GetFiles(Path.Combine(Root(), "notebooks"), "*.dib"))
        {
            var referenced = NugetLine().Matches(File.ReadAllText(notebook)).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var missing = library.Where(p => !referenced.Contains(p)).ToList();
            Assert.True(missing.Count == 0, $"{Path.GetFileName(notebook)} lacks #r \"nuget:\" lines for {string.Join(", ", missing)}");
        }
    }
}
