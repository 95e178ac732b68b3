using System.Text.Json;
using CourseWorkbook.Runner.Delivery;
using CourseWorkbook.Runner.Dib;
using Xunit;

namespace CourseWorkbook.Runner.Tests.Delivery;

/// <summary>
/// The grader end to end in the real kernel, on a small key (Notebooks/squares-key.dib: exercises 90.1 for 2 points,
/// 90.2 for 3, a quiz for 2 scored by fraction) and a class of eight submissions: the instructor's copy, the
/// untouched student edition, a partial answer (90.1 only), the instructor's copy as an .ipynb, and four hostile
/// submissions built on the partial one (an infinite loop, Environment.Exit, 100 MB of output, and a cell that reads
/// the key, deletes a classmate's file and overwrites the grades).
/// </summary>
[Collection(GradingCollection.Name)]
public sealed class GradeCommandTests
{
    [Fact]
    public async Task A_class_is_graded_exactly_and_hostile_submissions_are_contained()
    {
        var root = TestPaths.NewTempDirectory("grade");
        var keyFolder = Directory.CreateDirectory(Path.Combine(root, "course", "notebooks")).FullName;
        var keyPath = Path.Combine(keyFolder, "90-squares.dib");
        File.Copy(TestPaths.Notebook("squares-key.dib"), keyPath);
        TestPaths.AddLocalFeed(keyFolder);
        var key = DibParser.ParseFile(keyPath);
        var submissions = Directory.CreateDirectory(Path.Combine(root, "submissions")).FullName;
        var output = Path.Combine(root, "grades");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "grades.json"), "{\"from\": \"before\"}");

        void Submit(string student, string text, string extension = ".dib")
        {
            var folder = Directory.CreateDirectory(Path.Combine(submissions, student)).FullName;
            File.WriteAllText(Path.Combine(folder, "90-squares" + extension), text);
        }
        var partial = DibWriter.Write(StudentEdition.Make(key, keyPath, id => id == "90.1"));
        string Hostile(string code) => partial.Replace("#!markdown\n\n### Exercise 2",
            $"#!csharp\n\n{code}\n\n#!markdown\n\n### Exercise 2");
        var classmate = Path.Combine(submissions, "zed", "90-squares.dib");
        Submit("alice", File.ReadAllText(keyPath));
        Submit("bob", DibWriter.Write(StudentEdition.Make(key, keyPath)));
        Submit("carol", partial);
        Submit("dave", Ipynb(key), ".ipynb");
        Submit("loop", Hostile("while (true) { }"));
        Submit("exit", Hostile("Environment.Exit(3);"));
        Submit("flood", Hostile("Console.Write(new string('x', 100_000_000));"));
        Submit("peek", Hostile($$"""
            var keyText = System.IO.File.Exists("{{keyPath}}") ? System.IO.File.ReadAllText("{{keyPath}}") : "";
            Console.WriteLine(keyText.Contains("HIDDEN TEST") ? "KEY VISIBLE" : "KEY HIDDEN");
            try { System.IO.File.Delete("{{classmate}}"); } catch (Exception e) { Console.WriteLine(e.GetType().Name); }
            try { System.IO.File.WriteAllText("{{Path.Combine(output, "grades.json")}}", "{}"); }
            catch (Exception e) { Console.WriteLine(e.GetType().Name); }
            """));
        Submit("zed", partial);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await GradeCommand.RunAsync(["--key", keyFolder, submissions, "--out", output,
            "--cell-timeout", "30", "--parallel", "2"], stdout, stderr, CancellationToken.None);
        Assert.True(exit == 0, stderr.ToString());

        using var grades = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "grades.json")));
        var byStudent = grades.RootElement.GetProperty("submissions").EnumerateArray()
            .ToDictionary(s => s.GetProperty("student").GetString()!);
        double Points(string student, string? exercise = null) => exercise is null
            ? byStudent[student].GetProperty("points").GetDouble()
            : byStudent[student].GetProperty("exercises").EnumerateArray()
                .Single(x => x.GetProperty("id").GetString() == exercise).GetProperty("points").GetDouble();
        string Feedback(string student, string exercise) => byStudent[student].GetProperty("exercises")
            .EnumerateArray().Single(x => x.GetProperty("id").GetString() == exercise).GetProperty("feedback")
            .GetString()!;

        Assert.Equal(9, byStudent.Count);
        Assert.Equal(7, byStudent["alice"].GetProperty("max").GetDouble());
        Assert.Equal(7, Points("alice"));
        Assert.Equal(7, Points("dave"));                     // the same notebook handed in as .ipynb
        Assert.Equal(0, Points("bob"));
        Assert.Equal("Exercise 90.1 is not done yet.", Feedback("bob", "90.1"));
        Assert.Equal("Exercise 90.2 is not done yet.", Feedback("bob", "90.2"));
        Assert.Equal(2, Points("carol"));                    // exactly the partial points: 90.1 only
        Assert.Equal(2, Points("carol", "90.1"));
        Assert.Equal(2, Points("zed"));

        foreach (var hostile in new[] { "loop", "exit" })
        {
            Assert.Equal(2, Points(hostile));                // graded as far as it got: 90.1 ran before it
            Assert.Equal("graded, incomplete", byStudent[hostile].GetProperty("status").GetString());
            Assert.StartsWith("not checked", Feedback(hostile, "90.2"));
        }
        // 100 MB of output either passes within the cell limit (idle machine) or is stopped by it (busy one): either
        // way the grade is the partial one, and what is kept of the output is cut to the runner's limit.
        Assert.Equal(2, Points("flood"));
        Assert.True(new FileInfo(Path.Combine(output, "flood", "90-squares.ipynb")).Length < 10_000_000);

        var peek = File.ReadAllText(Path.Combine(output, "peek", "90-squares.ipynb"));
        if (Containment.Unshare is not null)
        {
            Assert.Contains("KEY HIDDEN", Outputs(peek));
            Assert.DoesNotContain("KEY VISIBLE", Outputs(peek));
            Assert.True(File.Exists(classmate), "a submission deleted a classmate's file");
        }
        Assert.Equal(2, Points("peek"));

        var csv = File.ReadAllLines(Path.Combine(output, "grades.csv"));
        Assert.Equal("student,practical,exercise,points,max,feedback", csv[0]);
        Assert.Equal(1 + 9 * 3, csv.Length);
        Assert.Contains("bob,90-squares,90.1,0,2,Exercise 90.1 is not done yet.", csv);
        var summary = File.ReadAllText(Path.Combine(output, "summary.md"));
        Assert.Contains("| 90.1 | 2 |", summary);
        Assert.False(Directory.Exists(Path.Combine(root, "course", ".grading"))
                     && Directory.EnumerateFileSystemEntries(Path.Combine(root, "course", ".grading")).Any());
    }

    /// <summary>The outputs' text of an executed .ipynb (sources excluded).</summary>
    static string Outputs(string ipynb)
    {
        using var document = JsonDocument.Parse(ipynb);
        return string.Join("\n", document.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.TryGetProperty("outputs", out _))
            .SelectMany(c => c.GetProperty("outputs").EnumerateArray())
            .Where(o => o.TryGetProperty("text", out _))
            .Select(o => string.Concat(o.GetProperty("text").EnumerateArray().Select(l => l.GetString()))));
    }

    static string[] Lines(string source)
    {
        var lines = source.Split('\n');
        return lines.Select((line, i) => i < lines.Length - 1 ? line + "\n" : line).ToArray();
    }

    /// <summary>A notebook as VS Code saves a Polyglot Notebook to .ipynb (source as lines, per-cell kernel).</summary>
    static string Ipynb(DibDocument document) => JsonSerializer.Serialize(new
    {
        cells = document.Cells.Select(c => new Dictionary<string, object>
        {
            ["cell_type"] = c.IsMarkdown ? "markdown" : "code",
            ["metadata"] = new { polyglot_notebook = new { kernelName = c.KernelName } },
            ["source"] = Lines(c.Source),
        }),
        metadata = new { kernelspec = new { language = "C#", name = ".net-csharp" } },
        nbformat = 4,
        nbformat_minor = 5,
    });
}

/// <summary>The grader's end-to-end tests, one at a time: each already runs two kernels at once, and the limits
/// of its hostile submissions are meant for those two, not for four.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GradingCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Grading";
}
