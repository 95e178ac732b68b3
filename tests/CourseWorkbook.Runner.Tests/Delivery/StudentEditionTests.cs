using CourseWorkbook.Runner.Delivery;
using CourseWorkbook.Runner.Dib;
using CourseWorkbook.Runner.Tests.EndToEnd;

namespace CourseWorkbook.Runner.Tests.Delivery;

public class StudentEditionTests
{
    static readonly string InstructorPath = TestPaths.Notebook("instructor.dib");

    const string Expected = """
        #!meta

        {"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"},{"aliases":[],"languageName":"markdown","name":"markdown"}]}}

        #!markdown

        # A practical with two exercises

        Exercise 01.1: write `Square`.

        #!csharp

        var before = 40;
        Console.WriteLine($"before the exercises: {before}");

        #!csharp

        // EXERCISE 01.1: Square(x) returns x times x.
        int Square(int x)
        {
            // YOUR ANSWER (exercise 01.1): replace the next line with your code.
            throw new NotImplementedException("Exercise 01.1 is not done yet.");
        }

        #!csharp

        Square(3)

        #!markdown

        Exercise 01.2: the sum of the first n squares.

        *The explanation of exercise 01.2 comes with the correction.*

        #!csharp

        // EXERCISE 01.2
        int SumOfSquares(int n)
        {
            // YOUR ANSWER (exercise 01.2): replace the next line with your code.
            throw new NotImplementedException("Exercise 01.2 is not done yet.");
        }

        #!csharp

        Console.WriteLine($"after the exercises: {before + 2}");

        """;

    [Fact]
    public void Solutions_become_stubs_hidden_tests_go_and_the_rest_is_kept_byte_for_byte()
    {
        var instructor = DibParser.ParseFile(InstructorPath);
        var student = DibWriter.Write(StudentEdition.Make(instructor, InstructorPath));
        Assert.Equal(Expected.ReplaceLineEndings("\n"), student);
        // Deterministic, and a student edition has nothing left to strip.
        Assert.Equal(student, DibWriter.Write(StudentEdition.Make(DibParser.ParseFile(InstructorPath), "again")));
        Assert.Equal(student, DibWriter.Write(StudentEdition.Make(DibParser.Parse(student), "student.dib")));
    }

    [Fact]
    public void The_marks_give_each_exercise_its_solutions_and_its_points()
    {
        var marks = ExerciseMarkers.Read(DibParser.ParseFile(InstructorPath), InstructorPath);
        Assert.Equal(["01.1", "01.2"], marks.ExerciseIds);
        Assert.Equal([false, true, false], marks.Solutions.Select(s => s.InMarkdown));
        Assert.Equal(new Dictionary<string, double> { ["01.1"] = 2, ["01.2"] = 1 }, marks.Points);
        var first = marks.Solutions[0];
        Assert.Equal((21, 23), (first.FirstLine, first.LastLine));   // the lines of the markers in the file
    }

    [Theory]
    [InlineData("// END SOLUTION", 3, "END SOLUTION without a BEGIN SOLUTION")]
    [InlineData("// BEGIN SOLUTION\nx();\n// END SOLUTION", 3, "needs an exercise id")]
    [InlineData("// BEGIN SOLUTION 2.1\nx();", 3, "never closed")]
    [InlineData("// BEGIN SOLUTION 2.1\n// BEGIN SOLUTION 2.2\n// END SOLUTION", 4, "inside the solution opened at line 3")]
    [InlineData("// HIDDEN TEST 2.1\nAssert();", 3, "// HIDDEN TEST <exercise id> (<n> points)")]
    public void A_malformed_mark_names_the_file_and_the_line(string cell, int line, string reason)
    {
        var document = DibParser.Parse("#!csharp\n\n" + cell + "\n", "broken.dib");
        var e = Assert.Throws<DibFormatException>(() => StudentEdition.Make(document, "broken.dib"));
        Assert.Equal(line, e.Line);
        Assert.Equal("broken.dib", e.Path);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void The_command_writes_each_edition_and_writes_nothing_when_one_notebook_is_malformed()
    {
        var folder = TestPaths.NewTempDirectory("student");
        var output = Path.Combine(folder, "student");
        File.Copy(InstructorPath, Path.Combine(folder, "instructor.dib"));
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        Assert.Equal(0, StudentCommand.Run([folder, "--out", output], stdout, stderr));
        Assert.Equal(Expected.ReplaceLineEndings("\n"), File.ReadAllText(Path.Combine(output, "instructor.dib")));
        Assert.Contains("3 solutions stubbed, 2 hidden tests removed (2 exercises)", stdout.ToString());

        File.WriteAllText(Path.Combine(folder, "zz-broken.dib"), "#!csharp\n\n// END SOLUTION\n");
        var again = Path.Combine(folder, "again");
        Assert.Equal(2, StudentCommand.Run([folder, "--out", again], TextWriter.Null, stderr));
        Assert.Contains("zz-broken.dib(3): END SOLUTION without a BEGIN SOLUTION", stderr.ToString());
        Assert.False(Directory.Exists(again));

        Assert.Equal(2, StudentCommand.Run([Path.Combine(folder, "instructor.dib"), "--out", folder],
            TextWriter.Null, stderr));
        Assert.Contains("would overwrite", stderr.ToString());
    }

    [Fact]
    public void The_student_edition_runs_in_the_kernel_with_only_the_exercises_failing()
    {
        var instructor = RunnerProcess.RunNotebooks(["instructor.dib"]);
        Assert.True(instructor.ExitCode == 0, instructor.Stderr);

        var student = RunnerProcess.RunNotebooks(["instructor.dib"], ["--keep-going"], prepare: folder =>
        {
            var path = Path.Combine(folder, "instructor.dib");
            File.WriteAllText(path, DibWriter.Write(StudentEdition.Make(DibParser.ParseFile(path), path)));
        });
        Assert.Equal(1, student.ExitCode);
        var cells = student.Notebook("instructor").GetProperty("cells").EnumerateArray()
            .Select(c => (Status: c.GetProperty("status").GetString(),
                          Error: c.TryGetProperty("error", out var e) ? e.GetString() : null))
            .Where(c => c.Status is not null)
            .ToList();
        var failed = cells.Where(c => c.Status == "failed").ToList();
        Assert.Single(failed);
        Assert.Contains("Exercise 01.1 is not done yet.", failed[0].Error);
        Assert.Equal("passed", cells[^1].Status);   // the cells after the exercise still ran
        var last = student.Outputs("instructor", 7)[0];   // the student edition's 7th cell
        Assert.Contains("after the exercises: 42", RunResult.Text(last.GetProperty("text")));
    }
}
