using CourseWorkbook.Runner.Dib;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Tests.Output;

/// <summary>Hand-built run records, for testing the writers without running anything.</summary>
internal static class NotebookRecords
{
    public static NotebookRecord Sample()
    {
        var document = DibParser.Parse("#!markdown\n\n# Title\n\n#!csharp\n\nConsole.WriteLine(1);\n1 + 1\n\n#!csharp\n\nthrow new Exception(\"x\");\n\n#!csharp\n\nskipped()\n");
        var notebook = new NotebookRecord("notebooks/sample.dib", "sample", document, document.Cells.Select((c, i) => new CellRecord(i + 1, c)).ToList());
        var (markdown, ok, failed, skipped) = (notebook.Cells[0], notebook.Cells[1], notebook.Cells[2], notebook.Cells[3]);
        markdown.Status = CellStatus.Passed;
        ok.Status = CellStatus.Passed;
        ok.ExecutionCount = 1;
        ok.Seconds = 0.5;
        var stdout = new StreamOutput("stdout");
        stdout.Text.Append("1\n");
        ok.Outputs.Add(stdout);
        ok.Outputs.Add(new DataOutput(new Dictionary<string, string> { ["text/plain"] = "2", ["text/html"] = "<b>2</b>\n<i>two</i>" }, isResult: true));
        ok.Outputs.Add(new DataOutput(new Dictionary<string, string> { ["application/json"] = "{\"a\":[1,2]}", ["application/vnd.x+json"] = "not json" }, isResult: false, "d1"));
        failed.Status = CellStatus.Failed;
        failed.ExecutionCount = 2;
        failed.Seconds = 0.02;
        failed.Error = "System.Exception: x";
        failed.Outputs.Add(new ErrorOutput("System.Exception", "x", ["System.Exception: x", "   at Submission#2"]));
        notebook.Results["accuracy"] = 0.9;
        notebook.Results["steps"] = 10L;
        notebook.Results["label"] = "ok";
        notebook.Seconds = 1.5;
        notebook.KernelStartMs = 1800;
        notebook.TrivialCellMs.AddRange([30, 10, 20]);
        return notebook;
    }
}
