using System.Globalization;
using System.Text.RegularExpressions;
using CourseWorkbook.Runner.Dib;

namespace CourseWorkbook.Runner.Delivery;

/// <summary>A worked solution in an instructor's notebook: lines <see cref="FirstLine"/>..<see cref="LastLine"/>
/// (1-based, in the .dib file, the markers included) of cell <see cref="CellIndex"/>.</summary>
public sealed record SolutionRegion(string ExerciseId, int CellIndex, int FirstLine, int LastLine, bool InMarkdown);

/// <summary>A grading cell: hidden from students, run after a submission to score exercise
/// <see cref="ExerciseId"/>.</summary>
public sealed record HiddenTest(string ExerciseId, int CellIndex, int Line, double Points);

/// <summary>The exercises an instructor's notebook marks: its solutions and its hidden tests.</summary>
public sealed record ExerciseMap(IReadOnlyList<SolutionRegion> Solutions, IReadOnlyList<HiddenTest> Tests)
{
    /// <summary>The exercise ids, in notebook order.</summary>
    public IReadOnlyList<string> ExerciseIds =>
        Solutions.Select(s => s.ExerciseId).Concat(Tests.Select(t => t.ExerciseId)).Distinct().ToList();

    /// <summary>Points per exercise (the sum of its hidden tests).</summary>
    public IReadOnlyDictionary<string, double> Points => Tests.GroupBy(t => t.ExerciseId)
        .ToDictionary(g => g.Key, g => g.Sum(t => t.Points));
}

/// <summary>
/// The marks of an instructor's notebook. In a C# cell, a worked solution sits between two comment lines
/// <c>// BEGIN SOLUTION 03.1</c> and <c>// END SOLUTION</c> (whole statements; several regions per cell are
/// allowed); in a markdown cell, between <c>&lt;!-- BEGIN SOLUTION 03.1 --&gt;</c> and
/// <c>&lt;!-- END SOLUTION --&gt;</c>. A hidden test is a C# cell whose first line is
/// <c>// HIDDEN TEST 03.1 (2 points)</c>. Exercise ids are letters, digits, dots and dashes.
/// </summary>
public static partial class ExerciseMarkers
{
    [GeneratedRegex(@"^\s*//\s*BEGIN SOLUTION(?:\s+(?<id>[\w.-]+))?\s*$")]
    private static partial Regex CodeBegin();

    [GeneratedRegex(@"^\s*//\s*END SOLUTION\s*$")]
    private static partial Regex CodeEnd();

    [GeneratedRegex(@"^\s*<!--\s*BEGIN SOLUTION(?:\s+(?<id>[\w.-]+))?\s*-->\s*$")]
    private static partial Regex MarkdownBegin();

    [GeneratedRegex(@"^\s*<!--\s*END SOLUTION\s*-->\s*$")]
    private static partial Regex MarkdownEnd();

    [GeneratedRegex(@"^\s*//\s*HIDDEN TEST(?<rest>.*)$")]
    private static partial Regex HiddenTestLine();

    [GeneratedRegex(@"^\s+(?<id>[\w.-]+)\s+\((?<points>\d+(?:\.\d+)?)\s+points?\)\s*$")]
    private static partial Regex HiddenTestArguments();

    /// <summary>Reads the marks; a malformed mark throws <see cref="DibFormatException"/> naming the file and line
    /// (an END without BEGIN, a BEGIN never closed, a solution without an id, a hidden test without points).</summary>
    public static ExerciseMap Read(DibDocument document, string path)
    {
        var solutions = new List<SolutionRegion>();
        var tests = new List<HiddenTest>();
        for (int c = 0; c < document.Cells.Count; c++)
        {
            var cell = document.Cells[c];
            if (!cell.IsCSharp && !cell.IsMarkdown) continue;
            var lines = DibParser.SplitLines(cell.Source);
            int firstLine = cell.FirstLine;
            if (cell.IsCSharp && FirstNonBlank(lines) is var (index, text)
                && HiddenTestLine().Match(text) is { Success: true } hidden)
            {
                tests.Add(ReadHiddenTest(hidden.Groups["rest"].Value, c, firstLine + index, path));
                continue;
            }

            var (begin, end) = cell.IsCSharp ? (CodeBegin(), CodeEnd()) : (MarkdownBegin(), MarkdownEnd());
            (string Id, int Line)? open = null;
            for (int i = 0; i < lines.Length; i++)
            {
                int line = firstLine + i;
                if (begin.Match(lines[i]) is { Success: true } b)
                {
                    if (open is { } o)
                        throw Malformed(path, line, $"BEGIN SOLUTION inside the solution opened at line {o.Line}");
                    if (!b.Groups["id"].Success)
                        throw Malformed(path, line, "BEGIN SOLUTION needs an exercise id, e.g. // BEGIN SOLUTION 03.1");
                    open = (b.Groups["id"].Value, line);
                }
                else if (end.IsMatch(lines[i]))
                {
                    if (open is not { } o) throw Malformed(path, line, "END SOLUTION without a BEGIN SOLUTION");
                    solutions.Add(new SolutionRegion(o.Id, c, o.Line, line, cell.IsMarkdown));
                    open = null;
                }
            }
            if (open is { } unclosed)
                throw Malformed(path, unclosed.Line, "BEGIN SOLUTION is never closed by an END SOLUTION in its cell");
        }
        return new ExerciseMap(solutions, tests);
    }

    static DibFormatException Malformed(string path, int line, string reason) => new(path, line, reason);

    static (int Index, string Text)? FirstNonBlank(string[] lines)
    {
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].Trim().Length > 0) return (i, lines[i]);
        return null;
    }

    static HiddenTest ReadHiddenTest(string arguments, int cell, int line, string path)
    {
        var m = HiddenTestArguments().Match(arguments);
        if (!m.Success)
            throw Malformed(path, line, "a hidden test starts with // HIDDEN TEST <exercise id> (<n> points)");
        var points = double.Parse(m.Groups["points"].Value, CultureInfo.InvariantCulture);
        return new HiddenTest(m.Groups["id"].Value, cell, line, points);
    }
}
