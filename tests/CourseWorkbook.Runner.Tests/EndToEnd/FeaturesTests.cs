using System.Text.Json;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

/// <summary>Runs Notebooks/features.dib once; each test checks one behaviour of the C# kernel in its outputs.</summary>
public sealed class FeaturesRun
{
    public RunResult Result { get; } = RunnerProcess.RunNotebooks(["features.dib"]);
}

public class FeaturesTests(FeaturesRun run) : IClassFixture<FeaturesRun>
{
    private readonly RunResult _run = run.Result;

    private static string Data(JsonElement output, string mime) => RunResult.Text(output.GetProperty("data").GetProperty(mime));

    private static string Type(JsonElement output) => output.GetProperty("output_type").GetString()!;

    [Fact]
    public void Notebook_passes_with_exit_code_0()
    {
        Assert.True(_run.ExitCode == 0, _run.Stderr);
        Assert.Equal("passed", _run.Notebook("features").GetProperty("status").GetString());
        Assert.Contains("PASSED", _run.Stderr);
    }

    [Fact]
    public void Trailing_expression_becomes_an_execute_result_with_plain_text_and_html()
    {
        var output = Assert.Single(_run.Outputs("features", 2));

        Assert.Equal("execute_result", Type(output));
        Assert.Equal("42", Data(output, "text/plain"));
        Assert.Contains("<pre>42</pre>", Data(output, "text/html"));
        Assert.Equal(1, output.GetProperty("execution_count").GetInt32());
    }

    [Fact]
    public void Null_value_prints_null_marker()
    {
        var output = Assert.Single(_run.Outputs("features", 3));

        Assert.Equal("<null>", Data(output, "text/plain"));
    }

    [Fact]
    public void Trailing_statement_produces_nothing()
    {
        Assert.Empty(_run.Outputs("features", 4));
    }

    [Fact]
    public void Display_adds_outputs_and_update_replaces_its_own()
    {
        var outputs = _run.Outputs("features", 5);

        Assert.Equal(3, outputs.Count);
        Assert.All(outputs, o => Assert.Equal("display_data", Type(o)));
        Assert.Equal("second", Data(outputs[0], "text/plain"));
        Assert.Equal("<b>bold</b>", Data(outputs[1], "text/html"));
        Assert.False(outputs[1].GetProperty("data").TryGetProperty("text/plain", out _));
        Assert.Equal("[ 1, 2, 3 ]", Data(outputs[2], "text/plain"));
        Assert.Contains("<pre>[ 1, 2, 3 ]</pre>", Data(outputs[2], "text/html"));
    }

    [Fact]
    public void Console_writes_become_stream_outputs_in_order()
    {
        var outputs = _run.Outputs("features", 6);

        Assert.Equal(["stdout", "stderr", "stdout"], outputs.Select(o => o.GetProperty("name").GetString()));
        Assert.Equal("to stdout\n", RunResult.Text(outputs[0].GetProperty("text")));
        Assert.Equal("to stderr\n", RunResult.Text(outputs[1].GetProperty("text")));
        Assert.Equal("back to stdout", RunResult.Text(outputs[2].GetProperty("text")));
    }

    [Fact]
    public void State_is_shared_across_cells_and_default_usings_are_imported()
    {
        var output = Assert.Single(_run.Outputs("features", 7));

        Assert.Equal("42", Data(output, "text/plain")); // answer: 40, made 41 by cell 4, plus 1
    }

    [Fact]
    public void Formatting_namespace_is_usable_in_cells()
    {
        Assert.Equal("<null>", Data(Assert.Single(_run.Outputs("features", 8)), "text/plain"));
    }

    [Fact]
    public void Html_and_mermaid_cells_are_shown_as_display_outputs()
    {
        Assert.Equal("<p>an html cell</p>", Data(Assert.Single(_run.Outputs("features", 9)), "text/html"));
        Assert.Contains("```mermaid\ngraph TD; A-->B\n```", Data(Assert.Single(_run.Outputs("features", 11)), "text/markdown"));
    }

    [Fact]
    public void Void_call_has_no_value()
    {
        var output = Assert.Single(_run.Outputs("features", 10));

        Assert.Equal("stream", Type(output));
    }

    [Fact]
    public void String_value_is_plain_text_only()
    {
        var output = Assert.Single(_run.Outputs("features", 12));

        Assert.Equal(["text/plain"], output.GetProperty("data").EnumerateObject().Select(p => p.Name));
        Assert.Equal("just text", Data(output, "text/plain"));
    }

    [Fact]
    public void Raw_writes_to_stdout_do_not_reach_the_event_stream()
    {
        var output = Assert.Single(_run.Outputs("features", 13));

        Assert.Equal("still running", Data(output, "text/plain"));
    }

    [Fact]
    public void Cells_run_in_the_notebook_folder_as_in_VS_Code()
    {
        var output = Assert.Single(_run.Outputs("features", 14));

        Assert.Equal(Path.GetFullPath(_run.Folder), Data(output, "text/plain"));
    }

    [Fact]
    public void Markdown_cells_stay_markdown_and_code_cells_are_counted()
    {
        var cells = _run.Ipynb("features").GetProperty("cells").EnumerateArray().ToList();

        Assert.Equal("markdown", cells[0].GetProperty("cell_type").GetString());
        Assert.Equal(["# Features of the C# kernel the runner reproduces"], cells[0].GetProperty("source").EnumerateArray().Select(s => s.GetString()));
        var counts = cells.Where(c => c.GetProperty("cell_type").GetString() == "code").Select(c => c.GetProperty("execution_count").GetInt32());
        Assert.Equal(Enumerable.Range(1, 13), counts);
    }

    [Fact]
    public void Executed_notebook_validates_against_the_nbformat_schema()
    {
        var schema = Output.JsonSchema.Load(TestPaths.Fixture("nbformat", "nbformat.v4.5.schema.json"));

        Assert.Empty(schema.Validate(_run.Ipynb("features")));
    }

    [Fact]
    public void Summary_reports_each_cell_with_timings_and_the_runner_overhead()
    {
        var cells = _run.Notebook("features").GetProperty("cells").EnumerateArray().ToList();
        var code = cells.Where(c => c.GetProperty("kind").GetString() == "csharp").ToList();

        Assert.Equal(14, cells.Count);
        Assert.All(code, c => Assert.True(c.GetProperty("compileMs").GetDouble() > 0));
        Assert.All(code, c => Assert.True(c.GetProperty("overheadMs").GetDouble() >= 0));
        var median = _run.Summary.GetProperty("overhead").GetProperty("medianOverheadMs").GetDouble();
        Assert.InRange(median, 0, 250); // the target is 50 ms on a quiet machine; this only catches gross regressions
        var md = File.ReadAllText(Path.Combine(_run.OutDirectory, "summary.md"));
        Assert.Contains("## Runner overhead", md);
        Assert.Contains("first compile", md);
    }

    [Fact]
    public void Outputs_are_written_atomically_with_no_temp_files_left()
    {
        var files = Directory.GetFiles(_run.OutDirectory).Select(Path.GetFileName).Order().ToList();

        Assert.Equal(["features.ipynb", "junit.xml", "summary.json", "summary.md"], files);
        Assert.True(Directory.Exists(Path.Combine(_run.OutDirectory, "features")), "the notebook's artifact folder");
    }

    [Fact]
    public void Progress_goes_to_stderr_per_cell()
    {
        Assert.Contains("notebook ", _run.Stderr);
        Assert.Matches(@"cell +2 csharp +\d+\.\d\d s  passed", _run.Stderr);
    }
}
