using System.Globalization;
using System.Xml.Linq;

namespace CourseWorkbook.Runner.Output;

/// <summary>Writes junit.xml: one testsuite per notebook, one testcase per code cell, failures with messages.</summary>
public static class JUnitWriter
{
    /// <summary>The junit.xml text of a run.</summary>
    public static string Write(IReadOnlyList<NotebookRecord> notebooks, double seconds)
    {
        var suites = new XElement("testsuites",
            new XAttribute("name", "notebooks"),
            new XAttribute("tests", notebooks.Sum(n => n.Cells.Count(c => c.IsCode))),
            new XAttribute("failures",
                notebooks.Sum(n => n.Cells.Count(c => c.Status is CellStatus.Failed or CellStatus.Timeout))),
            new XAttribute("skipped",
                notebooks.Sum(n => n.Cells.Count(c => c.IsCode && c.Status == CellStatus.Skipped))),
            new XAttribute("time", Seconds(seconds)));
        foreach (var notebook in notebooks)
        {
            var code = notebook.Cells.Where(c => c.IsCode).ToList();
            var suite = new XElement("testsuite",
                new XAttribute("name", notebook.Name),
                new XAttribute("file", notebook.Path),
                new XAttribute("tests", code.Count),
                new XAttribute("failures", code.Count(c => c.Status is CellStatus.Failed or CellStatus.Timeout)),
                new XAttribute("errors", 0),
                new XAttribute("skipped", code.Count(c => c.Status == CellStatus.Skipped)),
                new XAttribute("time", Seconds(notebook.Seconds)));
            foreach (var cell in code)
            {
                var firstLine = cell.Cell.FirstSourceLine;
                var testcase = new XElement("testcase",
                    new XAttribute("classname", notebook.Name),
                    new XAttribute("name",
                        Clean($"cell {cell.Index:00} (line {cell.Cell.FirstLine}): {Truncate(firstLine, 80)}")),
                    new XAttribute("time", Seconds(cell.Seconds)));
                if (cell.Status is CellStatus.Failed or CellStatus.Timeout)
                {
                    var body = string.Join("\n", cell.Outputs.OfType<ErrorOutput>().SelectMany(e => e.Traceback));
                    testcase.Add(new XElement("failure",
                        new XAttribute("message", Clean(cell.Error ?? cell.Status)),
                        new XAttribute("type", cell.Status == CellStatus.Timeout ? "timeout" : ErrorType(cell)),
                        Clean(body)));
                }
                else if (cell.Status == CellStatus.Skipped)
                {
                    testcase.Add(new XElement("skipped", new XAttribute("message", "an earlier cell failed")));
                }

                suite.Add(testcase);
            }

            suites.Add(suite);
        }

        return new XDocument(new XDeclaration("1.0", "utf-8", null), suites).Declaration + "\n" + suites + "\n";
    }

    private static string ErrorType(CellRecord cell) =>
        cell.Outputs.OfType<ErrorOutput>().FirstOrDefault()?.Name ?? "error";

    private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..(max - 3)] + "...";

    // XML 1.0 cannot hold most control characters (e.g. ANSI escapes in tracebacks).
    private static string Clean(string s) => new(s.Where(ch => ch is '\n' or '\t' or '\r' || ch >= ' ').ToArray());
}
