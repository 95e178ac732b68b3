using System.Text.RegularExpressions;
using CourseWorkbook.Runner.Dib;

namespace CourseWorkbook.Runner.Delivery;

/// <summary>A hidden test placed in a submission: the cell's index in <see cref="GradedNotebook.Document"/>, the
/// index of the cell it follows (the exercise's; −1 when placed at the end) and how its place was found.</summary>
public sealed record PlacedTest(HiddenTest Test, int CellIndex, int AnchorIndex, string Placement);

/// <summary>
/// A submission with the key's hidden tests put back, each right after the cell that holds its exercise: the cell
/// with the student edition's stub comment or the solution marks for that exercise, else the cell that starts like
/// the key's solution cell, else the end of the notebook. Cells a submission marks as hidden tests itself are
/// dropped (they would earn nothing, and could shadow the real ones), and the hidden tests call the library's
/// checks by their full name, so that a submission cannot replace <c>Check</c> with a class of its own.
/// </summary>
public sealed partial record GradedNotebook(DibDocument Document, IReadOnlyList<PlacedTest> Tests,
    IReadOnlyList<string> Notes)
{
    [GeneratedRegex(@"(?<![\w.:])Check\.")]
    private static partial Regex CheckCall();

    [GeneratedRegex(@"^\s*//\s*HIDDEN TEST\b")]
    private static partial Regex HiddenTestLine();

    /// <summary>Puts <paramref name="key"/>'s hidden tests into <paramref name="submission"/>.</summary>
    public static GradedNotebook Make(DibDocument key, ExerciseMap marks, DibDocument submission)
    {
        var notes = new List<string>();
        var cells = new List<DibCell>();
        foreach (var cell in submission.Cells)
        {
            if (cell.IsCSharp && HiddenTestLine().IsMatch(cell.FirstSourceLine))
            {
                notes.Add($"cell at line {cell.FirstLine} calls itself a hidden test; it was removed");
                continue;
            }
            cells.Add(cell);
        }

        // Where each test goes, decided on the submission's own cells before any is inserted.
        var placements = new List<(HiddenTest Test, int After, string How)>();
        int from = 0, previousKeyCell = -1;
        foreach (var test in marks.Tests)
        {
            int keyCell = KeyCell(key, marks, test);
            // A test of the same key cell as the previous test may share its place; another starts after it.
            int start = keyCell == previousKeyCell ? from : from + (previousKeyCell >= 0 ? 1 : 0);
            var (after, how) = Anchor(key, test, keyCell, cells, start);
            placements.Add((test, after, how));
            if (after != int.MaxValue) (from, previousKeyCell) = (after, keyCell);
        }

        var document = new List<DibCell>();
        var placed = new List<PlacedTest>();
        void InsertAfter(int index)
        {
            int anchor = index is >= 0 and < int.MaxValue ? document.Count - 1 : -1;
            foreach (var (test, _, how) in placements.Where(p => p.After == index))
            {
                var source = QualifyChecks(key.Cells[test.CellIndex].Source);
                placed.Add(new PlacedTest(test, document.Count, anchor, how));
                document.Add(new DibCell(KernelNames.CSharp, source, key.Cells[test.CellIndex].FirstLine));
            }
        }
        InsertAfter(-1);
        for (int i = 0; i < cells.Count; i++)
        {
            document.Add(cells[i]);
            InsertAfter(i);
        }
        InsertAfter(int.MaxValue);
        return new GradedNotebook(submission with { Cells = document }, placed, notes);
    }

    /// <summary>The hidden test's source with every <c>Check.</c> call written as
    /// <c>global::CourseWorkbook.Notebook.Check.</c>.</summary>
    public static string QualifyChecks(string source) =>
        CheckCall().Replace(source, "global::CourseWorkbook.Notebook.Check.");

    // The exercise's cell: the one with its stub comment or marks; else, from the previous test's place on (the
    // exercises come in order), the first cell that starts like the key's; else the end.
    static (int After, string How) Anchor(DibDocument key, HiddenTest test, int keyIndex, List<DibCell> cells,
        int from)
    {
        var id = Regex.Escape(test.ExerciseId);
        var mark = new Regex($@"\(exercise {id}\)|BEGIN SOLUTION {id}\b");
        int last = -1;
        for (int i = 0; i < cells.Count; i++)
            if (cells[i].IsCSharp && mark.IsMatch(cells[i].Source)) last = i;
        if (last >= 0) return (last, $"after the cell of exercise {test.ExerciseId}");

        if (keyIndex >= 0)
        {
            var first = key.Cells[keyIndex].FirstSourceLine;
            for (int i = from; i < cells.Count; i++)
                if (first.Length > 0 && cells[i].FirstSourceLine == first)
                    return (i, $"after the cell that starts like the key's: {Shorten(first)}");
        }
        return (int.MaxValue, "at the end (the exercise's cell was not found)");
    }

    // The key's cell before the test: the solution's cell, or whatever code cell the test follows.
    static int KeyCell(DibDocument key, ExerciseMap marks, HiddenTest test)
    {
        var solution = marks.Solutions.LastOrDefault(s => s.ExerciseId == test.ExerciseId && !s.InMarkdown
                                                          && s.CellIndex < test.CellIndex);
        return solution?.CellIndex ?? PreviousCodeCell(key, test.CellIndex);
    }

    static int PreviousCodeCell(DibDocument key, int index)
    {
        for (int i = index - 1; i >= 0; i--)
            if (key.Cells[i].IsCSharp && !HiddenTestLine().IsMatch(key.Cells[i].FirstSourceLine)) return i;
        return -1;
    }

    static string Shorten(string line) => line.Length <= 60 ? line : line[..57] + "...";
}
