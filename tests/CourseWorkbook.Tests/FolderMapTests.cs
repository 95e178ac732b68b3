using System.Text.RegularExpressions;

namespace CourseWorkbook.Tests;

/// <summary>
/// A newcomer's map of the library: every folder of lib/CourseWorkbook has a README.md that says which practicals use
/// it and lists every file in it with its main type. The map stays true: a file added, renamed or removed without its
/// line in the folder's README fails here.
/// </summary>
public partial class FolderMapTests
{
    static string LibraryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln")))
                return Path.Combine(dir.FullName, "lib", "CourseWorkbook");
        throw new DirectoryNotFoundException("repository root not found");
    }

    [GeneratedRegex(@"`([\w/]+\.cs)`")]
    private static partial Regex FileMention();

    public static TheoryData<string> Folders()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(LibraryRoot()).Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(dir);
            if (name is not ("bin" or "obj")) data.Add(name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Each_library_folder_lists_its_files_and_its_practicals(string folder)
    {
        var dir = Path.Combine(LibraryRoot(), folder);
        var readme = Path.Combine(dir, "README.md");
        Assert.True(File.Exists(readme), $"lib/CourseWorkbook/{folder}/ has no README.md (its map: practicals, files)");
        var text = File.ReadAllText(readme);
        Assert.Contains("Used by:", text);

        var files = Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        var listed = FileMention().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        var missing = files.Except(listed).Order(StringComparer.Ordinal).ToList();
        var stale = listed.Except(files).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0 && stale.Count == 0,
            $"{folder}/README.md: not listed [{string.Join(", ", missing)}]; listed but absent [{string.Join(", ", stale)}]");
    }
}
