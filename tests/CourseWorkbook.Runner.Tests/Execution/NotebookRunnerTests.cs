using CourseWorkbook.Runner.Dib;
using CourseWorkbook.Runner.Execution;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Tests.Execution;

public class NotebookRunnerTests
{
    private static CellRecord CodeCell() => new(1, new DibCell("csharp", "x", 1));

    [Fact]
    public void Consecutive_writes_to_one_stream_merge_and_a_switch_starts_a_new_output()
    {
        var cell = CodeCell();

        NotebookRunner.AppendStream(cell, "stdout", "a");
        NotebookRunner.AppendStream(cell, "stdout", "b");
        NotebookRunner.AppendStream(cell, "stderr", "c");
        NotebookRunner.AppendStream(cell, "stdout", "d");

        Assert.Equal(["stdout:ab", "stderr:c", "stdout:d"], cell.Outputs.OfType<StreamOutput>().Select(s => $"{s.Name}:{s.Text}"));
    }

    [Fact]
    public void Huge_console_output_is_cut_with_a_note()
    {
        var cell = CodeCell();

        for (var i = 0; i < 30; i++) NotebookRunner.AppendStream(cell, "stdout", new string('x', 50_000));

        var text = Assert.Single(cell.Outputs.OfType<StreamOutput>()).Text.ToString();
        Assert.StartsWith(new string('x', NotebookRunner.MaxStreamCharsPerCell), text);
        Assert.EndsWith("characters]\n", text);
        Assert.True(text.Length < NotebookRunner.MaxStreamCharsPerCell + 100);
    }
}
