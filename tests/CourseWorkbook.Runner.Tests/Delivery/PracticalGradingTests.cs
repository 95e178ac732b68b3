using System.Text.Json;
using CourseWorkbook.Runner.Delivery;
using CourseWorkbook.Runner.Dib;
using Xunit;

namespace CourseWorkbook.Runner.Tests.Delivery;

/// <summary>
/// Every practical through the grader, in the real kernel, with its three reference submissions: the instructor's
/// edition (full marks), the untouched student edition (zero on every exercise, and it runs to its end: every hidden
/// test is reached), and a partial one, the student edition with only the first exercise solved (exactly that
/// exercise's points).
/// </summary>
[Collection(GradingCollection.Name)]
public sealed class PracticalGradingTests
{
    [Fact]
    public async Task Each_practical_grades_its_reference_submissions_as_stated()
    {
        var notebooks = Path.Combine(TestPaths.RepoRoot(), "notebooks");
        var root = TestPaths.NewTempDirectory("practical-grades");
        var submissions = Directory.CreateDirectory(Path.Combine(root, "submissions")).FullName;
        var expected = new Dictionary<(string Student, string Practical), (double Points, string? Solved)>();
        foreach (var keyPath in Directory.GetFiles(notebooks, "*.dib").Order(StringComparer.Ordinal))
        {
            var practical = Path.GetFileNameWithoutExtension(keyPath);
            var key = AnswerKey.Read(keyPath);
            var document = DibParser.ParseFile(keyPath);
            var first = key.Marks.ExerciseIds.First(id => key.Marks.Points.ContainsKey(id));
            void Submit(string student, DibDocument submission)
            {
                var folder = Directory.CreateDirectory(Path.Combine(submissions, student)).FullName;
                File.WriteAllText(Path.Combine(folder, practical + ".dib"), DibWriter.Write(submission));
            }
            Submit("instructor", document);
            Submit("student", StudentEdition.Make(document, keyPath));
            Submit("partial", StudentEdition.Make(document, keyPath, id => id == first));
            var max = key.Marks.Points.Values.Sum();
            expected[("instructor", practical)] = (max, null);
            expected[("student", practical)] = (0, null);
            expected[("partial", practical)] = (key.Marks.Points[first], first);
        }

        var output = Path.Combine(root, "grades");
        var stderr = new StringWriter();
        var exit = await GradeCommand.RunAsync(["--key", notebooks, submissions, "--out", output, "--parallel", "2"],
            new StringWriter(), stderr, CancellationToken.None);
        Assert.True(exit == 0, stderr.ToString());

        using var grades = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "grades.json")));
        var problems = new List<string>();
        foreach (var g in grades.RootElement.GetProperty("submissions").EnumerateArray())
        {
            var student = g.GetProperty("student").GetString()!;
            var practical = g.GetProperty("practical").GetString()!;
            var (points, solved) = expected[(student, practical)];
            var got = g.GetProperty("points").GetDouble();
            var tests = g.GetProperty("exercises").EnumerateArray()
                .SelectMany(x => x.GetProperty("tests").EnumerateArray()).ToList();
            var detail = g.GetProperty("exercises").EnumerateArray()
                .Select(x => $"{x.GetProperty("id")}: {x.GetProperty("points")} {x.GetProperty("feedback")}");
            if (Math.Abs(got - points) > 1e-9)
                problems.Add($"{student}/{practical}: {got} points, expected {points}; {string.Join(" | ", detail)}");
            if (tests.Any(t => t.GetProperty("status").GetString() is "not run" or "timeout"))
                problems.Add($"{student}/{practical} did not run to its end: {g.GetProperty("notes")}");
        }
        Assert.Equal(expected.Count, grades.RootElement.GetProperty("submissions").GetArrayLength());
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
