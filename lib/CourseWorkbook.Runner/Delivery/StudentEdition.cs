using CourseWorkbook.Runner.Dib;

namespace CourseWorkbook.Runner.Delivery;

/// <summary>
/// The student edition of an instructor's notebook: every worked solution replaced by a stub, every hidden test
/// removed, everything else identical. A C# stub throws a clear "not done yet" error where the solution was, so an
/// exercise left undone fails in its own cell and says which exercise it is; a markdown solution becomes a line
/// saying the explanation comes with the correction. The result is deterministic: the same notebook gives the same
/// bytes.
/// </summary>
public static class StudentEdition
{
    /// <summary>The exception type the C# stub throws (available in every kernel without a reference).</summary>
    public const string StubException = "NotImplementedException";

    /// <summary>The lines that replace a C# solution, at the indentation of its BEGIN line.</summary>
    public static IReadOnlyList<string> CodeStub(string exerciseId, string indent) =>
    [
        $"{indent}// YOUR ANSWER (exercise {exerciseId}): replace the next line with your code.",
        $"{indent}throw new {StubException}(\"Exercise {exerciseId} is not done yet.\");",
    ];

    /// <summary>The line that replaces a markdown solution.</summary>
    public static string MarkdownStub(string exerciseId) =>
        $"*The explanation of exercise {exerciseId} comes with the correction.*";

    /// <summary>Makes the student edition of <paramref name="instructor"/> (read from <paramref name="path"/>, which
    /// only names the file in errors).</summary>
    public static DibDocument Make(DibDocument instructor, string path) => Make(instructor, path, _ => false);

    /// <summary>The student edition with the solutions of the exercises <paramref name="keep"/> selects left in place
    /// (their marks removed): a partly solved submission, as the grader's tests need one.</summary>
    public static DibDocument Make(DibDocument instructor, string path, Func<string, bool> keep)
    {
        var marks = ExerciseMarkers.Read(instructor, path);
        var hidden = marks.Tests.Select(t => t.CellIndex).ToHashSet();
        var cells = new List<DibCell>();
        for (int c = 0; c < instructor.Cells.Count; c++)
        {
            if (hidden.Contains(c)) continue;
            var cell = instructor.Cells[c];
            var regions = marks.Solutions.Where(s => s.CellIndex == c).OrderBy(s => s.FirstLine).ToList();
            cells.Add(regions.Count == 0 ? cell : cell with { Source = Replace(cell, regions, keep) });
        }
        return instructor with { Cells = cells };
    }

    static string Replace(DibCell cell, IReadOnlyList<SolutionRegion> regions, Func<string, bool> keep)
    {
        var lines = DibParser.SplitLines(cell.Source);
        var result = new List<string>();
        int next = 0;
        foreach (var region in regions)
        {
            int from = region.FirstLine - cell.FirstLine, to = region.LastLine - cell.FirstLine;
            result.AddRange(lines[next..from]);
            var indent = lines[from][..(lines[from].Length - lines[from].TrimStart().Length)];
            if (keep(region.ExerciseId))
            {
                // As a student who did the exercise hands it in: the stub's comment, then the answer.
                if (!region.InMarkdown) result.Add(CodeStub(region.ExerciseId, indent)[0]);
                result.AddRange(lines[(from + 1)..to]);
            }
            else if (region.InMarkdown) result.Add(MarkdownStub(region.ExerciseId));
            else result.AddRange(CodeStub(region.ExerciseId, indent));
            next = to + 1;
        }
        result.AddRange(lines[next..]);
        return string.Join("\n", result);
    }
}
