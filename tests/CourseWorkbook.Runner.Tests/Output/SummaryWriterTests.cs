using System.Text.Json;
using System.Xml.Linq;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Tests.Output;

public class SummaryWriterTests
{
    [Fact]
    public void Summary_json_lists_notebooks_cells_and_results()
    {
        using var json = JsonDocument.Parse(SummaryWriter.Json([NotebookRecords.Sample()], 2));
        var notebook = json.RootElement.GetProperty("notebooks")[0];

        Assert.Equal("failed", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("notebooks/sample.dib", notebook.GetProperty("path").GetString());
        Assert.Equal("failed", notebook.GetProperty("status").GetString());
        Assert.Equal(1.5, notebook.GetProperty("seconds").GetDouble());
        var cells = notebook.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4], cells.Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(["markdown", "csharp", "csharp", "csharp"], cells.Select(c => c.GetProperty("kind").GetString()));
        Assert.Equal(["passed", "passed", "failed", "skipped"], cells.Select(c => c.GetProperty("status").GetString()));
        Assert.Equal("System.Exception: x", cells[2].GetProperty("error").GetString());
        Assert.Equal(JsonValueKind.Null, cells[1].GetProperty("error").ValueKind);
        Assert.Equal(1800, notebook.GetProperty("kernelStartMs").GetDouble());
        Assert.Equal([30.0, 10, 20], notebook.GetProperty("trivialCellMs").EnumerateArray().Select(t => t.GetDouble()));
        var overhead = json.RootElement.GetProperty("overhead");
        Assert.Equal(20, overhead.GetProperty("medianTrivialCellMs").GetDouble());
        Assert.Equal(3, overhead.GetProperty("trivialCellsMeasured").GetInt32());
        Assert.Equal(1800, overhead.GetProperty("medianKernelStartMs").GetDouble());
        var results = notebook.GetProperty("results");
        Assert.Equal(0.9, results.GetProperty("accuracy").GetDouble());
        Assert.Equal(10, results.GetProperty("steps").GetInt64());
        Assert.Equal("ok", results.GetProperty("label").GetString());
    }

    [Fact]
    public void Summary_markdown_has_a_table_per_notebook_results_kernel_start_and_overhead()
    {
        var md = SummaryWriter.Markdown([NotebookRecords.Sample()], 2);

        Assert.Contains("## sample — failed (1.50 s)", md);
        Assert.Contains("| 3 | csharp | 12 | failed | 0.02 | System.Exception: x |", md);
        Assert.Contains("| accuracy | 0.9 |", md);
        Assert.Contains("## Kernel start and per-cell overhead", md);
        Assert.Contains("Median per-cell overhead: **20.0 ms** over 3 trivial cells", md);
        Assert.Contains("| sample | 1800 | 0.50 | 20 |", md);
    }

    [Fact]
    public void Junit_has_a_suite_per_notebook_and_a_case_per_code_cell()
    {
        var xml = XDocument.Parse(JUnitWriter.Write([NotebookRecords.Sample()], 2));
        var suite = Assert.Single(xml.Root!.Elements("testsuite"));
        var cases = suite.Elements("testcase").ToList();

        Assert.Equal("sample", suite.Attribute("name")!.Value);
        Assert.Equal("3", suite.Attribute("tests")!.Value);
        Assert.Equal("1", suite.Attribute("failures")!.Value);
        Assert.Equal("1", suite.Attribute("skipped")!.Value);
        Assert.Equal(3, cases.Count);
        Assert.Null(cases[0].Element("failure"));
        Assert.Equal("System.Exception: x", cases[1].Element("failure")!.Attribute("message")!.Value);
        Assert.NotNull(cases[2].Element("skipped"));
    }

    [Fact]
    public void Median_of_even_and_odd_counts()
    {
        Assert.Equal(2, Overhead.Median([3, 1, 2]));
        Assert.Equal(2.5, Overhead.Median([4, 1, 3, 2]));
        Assert.Null(Overhead.Median([]));
    }
}
