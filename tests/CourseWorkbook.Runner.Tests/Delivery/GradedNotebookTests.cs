using CourseWorkbook.Runner.Delivery;
using CourseWorkbook.Runner.Dib;
using Xunit;

namespace CourseWorkbook.Runner.Tests.Delivery;

public sealed class GradedNotebookTests
{
    static (DibDocument Key, ExerciseMap Marks) Key()
    {
        var path = TestPaths.Notebook("squares-key.dib");
        var key = DibParser.ParseFile(path);
        return (key, ExerciseMarkers.Read(key, path));
    }

    static string[] Sources(DibDocument document) => document.Cells.Select(c => c.FirstSourceLine).ToArray();

    [Fact]
    public void Hidden_tests_go_back_right_after_their_exercise_in_the_student_edition()
    {
        var (key, marks) = Key();
        var student = StudentEdition.Make(key, "squares-key.dib");
        var graded = GradedNotebook.Make(key, marks, student);
        // The graded notebook is the key again, cell for cell (first lines; the solutions stay stubs).
        Assert.Equal(Sources(key).Length, graded.Document.Cells.Count);
        Assert.Equal(3, graded.Tests.Count);
        foreach (var placed in graded.Tests)
        {
            Assert.StartsWith($"// HIDDEN TEST {placed.Test.ExerciseId}", graded.Document.Cells[placed.CellIndex].Source);
            Assert.Contains($"(exercise {placed.Test.ExerciseId})", graded.Document.Cells[placed.AnchorIndex].Source);
        }
    }

    [Fact]
    public void Cells_that_call_themselves_hidden_tests_are_dropped_and_checks_are_fully_qualified()
    {
        var (key, marks) = Key();
        var forged = key.Cells.Append(new DibCell("csharp", "// HIDDEN TEST 90.2 (100 points)\n1", 999)).ToList();
        var graded = GradedNotebook.Make(key, marks, key with { Cells = forged });
        Assert.Equal(4, graded.Notes.Count);                  // the key's own 3 hidden cells and the forged one
        Assert.Equal(3, graded.Tests.Count);
        Assert.DoesNotContain(graded.Document.Cells, c => c.Source.Contains("100 points"));
        Assert.Equal("global::CourseWorkbook.Notebook.Check.Near(x, 1, 0, \"a\"); MyCheck.Near(); a.Check.X",
            GradedNotebook.QualifyChecks("Check.Near(x, 1, 0, \"a\"); MyCheck.Near(); a.Check.X"));
    }

    [Fact]
    public void A_submission_that_lost_its_exercise_cell_gets_the_test_at_the_end()
    {
        var (key, marks) = Key();
        var student = StudentEdition.Make(key, "squares-key.dib");
        var kept = student.Cells.Where(c => !c.Source.Contains("(exercise 90.2)")).ToList();
        var graded = GradedNotebook.Make(key, marks, student with { Cells = kept });
        var moved = graded.Tests.Single(t => t.Test.ExerciseId == "90.2");
        Assert.Equal(-1, moved.AnchorIndex);
        Assert.StartsWith("at the end", moved.Placement);
    }

    [Fact]
    public void An_ipynb_reads_as_the_same_cells()
    {
        const string ipynb = """
            {"cells": [
              {"cell_type": "markdown", "metadata": {}, "source": ["# Title\n", "text"]},
              {"cell_type": "code", "metadata": {"polyglot_notebook": {"kernelName": "csharp"}}, "outputs": [],
               "source": ["var x = 1;\n", "x"]},
              {"cell_type": "code", "metadata": {"dotnet_interactive": {"language": "fsharp"}}, "source": "1 + 1"},
              {"cell_type": "raw", "metadata": {}, "source": []}
            ], "metadata": {"kernelspec": {"language": "C#"}}, "nbformat": 4, "nbformat_minor": 5}
            """;
        var document = IpynbReader.Parse(ipynb);
        Assert.Equal(["markdown", "csharp", "fsharp"], document.Cells.Select(c => c.KernelName));
        Assert.Equal("var x = 1;\nx", document.Cells[1].Source);
        var error = Assert.Throws<DibFormatException>(() => IpynbReader.Parse("{\"cells\": 3}", "alice.ipynb"));
        Assert.Contains("alice.ipynb", error.Message);
    }

    [Fact]
    public void Without_marks_each_test_follows_the_first_cell_like_its_key_cell_after_the_previous_one()
    {
        // Two exercises whose cells start alike (practical 07 redefines the same function for a later bug).
        var key = DibParser.Parse(string.Join("\n",
            "#!csharp", "", "// the loss", "int F() {", "    // BEGIN SOLUTION 9.1", "    return 1;", "    // END SOLUTION", "}", "",
            "#!csharp", "", "// HIDDEN TEST 9.1 (1 point)", "Check.Equal(1, F(), \"F\");", "",
            "#!csharp", "", "// the loss", "int F() {", "    // BEGIN SOLUTION 9.2", "    return 2;", "    // END SOLUTION", "}", "",
            "#!csharp", "", "// HIDDEN TEST 9.2 (1 point)", "Check.Equal(2, F(), \"F\");", ""), "key.dib");
        var marks = ExerciseMarkers.Read(key, "key.dib");
        // A submission whose solutions carry no marks nor stub comments at all.
        var plain = key with { Cells = key.Cells.Where(c => !c.Source.Contains("HIDDEN TEST"))
            .Select(c => c with { Source = string.Join("\n", c.Source.Split('\n').Where(l => !l.Contains("SOLUTION"))) })
            .ToList() };
        var graded = GradedNotebook.Make(key, marks, plain);
        Assert.Equal([0, 2], graded.Tests.Select(t => t.AnchorIndex));
        Assert.Equal(["9.1", "9.2"], graded.Tests.Select(t => t.Test.ExerciseId));
        Assert.Contains("return 1;", graded.Document.Cells[graded.Tests[0].CellIndex - 1].Source);
        Assert.Contains("return 2;", graded.Document.Cells[graded.Tests[1].CellIndex - 1].Source);
    }
}
