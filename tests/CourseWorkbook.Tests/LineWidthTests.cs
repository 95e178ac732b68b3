using System.Text.RegularExpressions;

namespace CourseWorkbook.Tests;

/// <summary>
/// Lines a reader can take in: library code within 120 characters, notebook code cells within 110 (nanoGPT and peft stay
/// under ~120; a long line in a notebook cell is a horizontal scroll in the middle of a lecture). Files written before
/// the rule may still hold the long lines counted in <c>line-width-baseline.txt</c>, never more: the count only goes
/// down, and a file not listed there may hold none.
/// </summary>
public partial class LineWidthTests
{
    const int LibraryLimit = 120;
    const int NotebookLimit = 110;

    static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }

    [GeneratedRegex(@"^#!(\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex CellSeparator();

    /// <summary>Long lines per file: C# files under lib/ and tools/, and the code cells of notebooks/*.dib.</summary>
    internal static Dictionary<string, int> Count(string root)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var folder in new[] { "lib", "tools" })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file).Replace('\\', '/');
                if (relative.Contains("/obj/") || relative.Contains("/bin/")) continue;
                counts[relative] = File.ReadLines(file).Count(l => l.Length > LibraryLimit);
            }

        foreach (var notebook in Directory.EnumerateFiles(Path.Combine(root, "notebooks"), "*.dib"))
        {
            var parts = CellSeparator().Split(File.ReadAllText(notebook));
            var code = parts.Skip(1).Chunk(2).Where(p => p[0] == "csharp").SelectMany(p => p[1].Split('\n'));
            counts["notebooks/" + Path.GetFileName(notebook)] = code.Count(l => l.TrimEnd('\r').Length > NotebookLimit);
        }

        return counts;
    }

    [Fact]
    public void No_file_holds_more_long_lines_than_its_baseline()
    {
        var root = Root();
        var baseline = File.ReadAllLines(Path.Combine(root, "tests", "CourseWorkbook.Tests", "line-width-baseline.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2))
            .ToDictionary(p => p[1], p => int.Parse(p[0]), StringComparer.Ordinal);

        var worse = Count(root)
            .Where(c => c.Value > baseline.GetValueOrDefault(c.Key))
            .Select(c => $"{c.Key}: {c.Value} long lines (allowed {baseline.GetValueOrDefault(c.Key)})")
            .ToList();

        Assert.True(worse.Count == 0, $"lines over {LibraryLimit} (library) or {NotebookLimit} (notebook code):\n"
            + string.Join("\n", worse));
    }

    [Fact]
    public void The_baseline_only_lists_files_that_still_have_long_lines()
    {
        var root = Root();
        var counts = Count(root);
        var stale = File.ReadAllLines(Path.Combine(root, "tests", "CourseWorkbook.Tests", "line-width-baseline.txt"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2))
            .Where(p => counts.GetValueOrDefault(p[1]) < int.Parse(p[0]))
            .Select(p => $"{p[1]}: baseline {p[0]}, now {counts.GetValueOrDefault(p[1])}")
            .ToList();

        Assert.True(stale.Count == 0, "lower these baselines (the count only goes down):\n" + string.Join("\n", stale));
    }
}
