using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CourseWorkbook.Runner.Delivery;

/// <summary>The grader's outputs: grades.json, grades.csv and the class summary (summary.md).</summary>
public static class GradeReports
{
    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Every grade, exercise by exercise and test by test.</summary>
    public static string Json(IReadOnlyList<SubmissionGrade> grades, IReadOnlyList<string> unmatched,
        string containment, double seconds) =>
        JsonSerializer.Serialize(new
        {
            graded = grades.Count,
            seconds = Math.Round(seconds, 1),
            containment,
            not_graded = unmatched,
            submissions = grades.Select(g => new
            {
                g.Student, g.Practical, g.Submission, g.Status, g.Points, g.Max,
                seconds = Math.Round(g.Seconds, 1), g.Notes, g.ExecutedNotebook,
                exercises = g.Exercises.Select(x => new
                {
                    x.Id, x.Points, x.Max, x.Feedback,
                    tests = x.Tests.Select(t => new { t.Points, t.Earned, t.Status, t.Feedback }),
                }),
            }),
        }, Options) + "\n";

    /// <summary>One row per student, practical and exercise (RFC 4180 quoting).</summary>
    public static string Csv(IReadOnlyList<SubmissionGrade> grades)
    {
        var csv = new StringBuilder("student,practical,exercise,points,max,feedback\n");
        foreach (var g in grades)
            foreach (var x in g.Exercises)
                csv.Append(string.Join(",", Field(g.Student), Field(g.Practical), Field(x.Id), Number(x.Points),
                    Number(x.Max), Field(x.Feedback))).Append('\n');
        return csv.ToString();
    }

    /// <summary>The class at a glance: per practical, each exercise's mean and how many got full marks; each
    /// student's total; every submission that did not run to its end.</summary>
    public static string Summary(IReadOnlyList<SubmissionGrade> grades, IReadOnlyList<string> unmatched,
        string containment, double seconds)
    {
        var md = new StringBuilder("# Grades\n\n");
        md.Append(CultureInfo.InvariantCulture,
            $"{grades.Count} submissions graded in {seconds:0} s. {containment}.\n\n");
        foreach (var practical in grades.GroupBy(g => g.Practical).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = practical.ToList();
            md.Append(CultureInfo.InvariantCulture, $"## {practical.Key} ({list.Count} submissions)\n\n");
            md.Append("| exercise | max | mean | full marks | zero |\n|---|---:|---:|---:|---:|\n");
            foreach (var id in list[0].Exercises.Select(x => x.Id))
            {
                var marks = list.Select(g => g.Exercises.First(x => x.Id == id)).ToList();
                double max = marks[0].Max;
                md.Append(CultureInfo.InvariantCulture,
                    $"| {id} | {Number(max)} | {marks.Average(m => m.Points):0.##} | "
                    + $"{marks.Count(m => m.Points >= max && max > 0)} | {marks.Count(m => m.Points == 0)} |\n");
            }
            var totals = list.Select(g => g.Points).Order().ToList();
            md.Append(CultureInfo.InvariantCulture,
                $"\nTotal out of {Number(list[0].Max)}: mean {totals.Average():0.##}, median {Median(totals):0.##}, "
                + $"lowest {totals[0]:0.##}, highest {totals[^1]:0.##}.\n\n");
            md.Append("| student | points | seconds | status |\n|---|---:|---:|---|\n");
            foreach (var g in list)
                md.Append(CultureInfo.InvariantCulture,
                    $"| {Cell(g.Student)} | {Number(g.Points)} / {Number(g.Max)} | {g.Seconds:0} | "
                    + $"{Cell(g.Status)} |\n");
            md.Append('\n');
        }
        var troubled = grades.Where(g => g.Notes.Count > 0).ToList();
        if (troubled.Count > 0)
        {
            md.Append("## Notes\n\n");
            foreach (var g in troubled)
                md.Append(CultureInfo.InvariantCulture,
                    $"- {g.Student} / {g.Practical}: {string.Join("; ", g.Notes)}\n");
            md.Append('\n');
        }
        if (unmatched.Count > 0)
            md.Append("## Not graded (no key notebook in the file name)\n\n")
                .Append(string.Concat(unmatched.Select(u => $"- {u}\n"))).Append('\n');
        return md.ToString();
    }

    static double Median(List<double> sorted) =>
        sorted.Count % 2 == 1
            ? sorted[sorted.Count / 2]
            : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    static string Field(string text) =>
        text.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;

    static string Cell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
