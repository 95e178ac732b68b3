using System.Text.Json;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

/// <summary>Runs Notebooks/features.dib once in the real kernel; each test checks one thing the runner records.</summary>
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
    public void Trailing_expression_becomes_an_execute_result_formatted_by_the_kernel()
    {
        var output = Assert.Single(_run.Outputs("features", 2));

        Assert.Equal("execute_result", Type(output));
        Assert.Contains("<pre>42</pre>", Data(output, "text/html"));
        Assert.Equal(1, output.GetProperty("execution_count").GetInt32());
    }

    [Fact]
    public void Null_value_shows_the_kernels_null_marker()
    {
        Assert.Contains("&lt;null&gt;", Data(Assert.Single(_run.Outputs("features", 3)), "text/html"));
    }

    [Fact]
    public void Trailing_statement_produces_nothing()
    {
        Assert.Empty(_run.Outputs("features", 4));
    }

    [Fact]
    public void Display_adds_outputs_and_each_update_replaces_its_own_display_even_from_a_later_cell()
    {
        var outputs = _run.Outputs("features", 5);

        Assert.Equal(3, outputs.Count);
        Assert.All(outputs, o => Assert.Equal("display_data", Type(o)));
        Assert.Equal("third, from a later cell", Data(outputs[0], "text/plain"));
        Assert.Contains("&lt;b&gt;bold&lt;/b&gt;", Data(outputs[1], "text/html"));
        Assert.Equal("other, updated", Data(outputs[2], "text/plain"));
        Assert.Empty(_run.Outputs("features", 12));
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
    public void Html_and_fsharp_cells_run_in_their_own_kernels()
    {
        Assert.Equal("<p>an html cell</p>", Data(Assert.Single(_run.Outputs("features", 8)), "text/html"));
        Assert.Contains("<pre>49</pre>", Data(Assert.Single(_run.Outputs("features", 9)), "text/html"));
        Assert.Equal("fsharp", _run.Cell("features", 9).GetProperty("kind").GetString());
    }

    [Fact]
    public void Raw_writes_to_stdout_do_not_break_the_protocol_stream()
    {
        Assert.Equal("still running", Data(Assert.Single(_run.Outputs("features", 10)), "text/plain"));
    }

    [Fact]
    public void A_huge_value_is_replaced_by_a_note_and_the_ipynb_stays_small()
    {
        var output = Assert.Single(_run.Outputs("features", 13));

        Assert.Contains("[output cut: more than the 5,000,000 characters kept per value", Data(output, "text/plain"));
        Assert.True(new FileInfo(Path.Combine(_run.OutDirectory, "features.ipynb")).Length < 1_000_000);
    }

    [Fact]
    public void Cells_run_in_the_notebook_folder_as_in_VS_Code()
    {
        Assert.Equal(Path.GetFullPath(_run.Folder), Data(Assert.Single(_run.Outputs("features", 11)), "text/plain"));
    }

    [Fact]
    public void Markdown_cells_stay_markdown_and_code_cells_are_counted()
    {
        var cells = _run.Ipynb("features").GetProperty("cells").EnumerateArray().ToList();

        Assert.Equal("markdown", cells[0].GetProperty("cell_type").GetString());
        Assert.Equal(["# What the kernel does with a notebook's cells, as the runner records it"],
            cells[0].GetProperty("source").EnumerateArray().Select(s => s.GetString()));
        var counts = cells.Where(c => c.GetProperty("cell_type").GetString() == "code").Select(c => c.GetProperty("execution_count").GetInt32());
        Assert.Equal(Enumerable.Range(1, 12), counts);
    }

    [Fact]
    public void Executed_notebook_validates_against_the_nbformat_schema_and_names_the_dotnet_csharp_kernel()
    {
        var schema = Output.JsonSchema.Load(TestPaths.Fixture("nbformat", "nbformat.v4.5.schema.json"));
        var ipynb = _run.Ipynb("features");

        Assert.Empty(schema.Validate(ipynb));
        Assert.Equal(".net-csharp", ipynb.GetProperty("metadata").GetProperty("kernelspec").GetProperty("name").GetString());
    }

    [Fact]
    public void Summary_reports_kernel_start_cell_times_and_the_per_cell_overhead()
    {
        var notebook = _run.Notebook("features");
        var code = notebook.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("kind").GetString() != "markdown").ToList();

        Assert.All(code, c => Assert.True(c.GetProperty("seconds").GetDouble() > 0));
        Assert.InRange(notebook.GetProperty("kernelStartMs").GetDouble(), 100, 60_000);
        Assert.Equal(7, notebook.GetProperty("trivialCellMs").GetArrayLength());
        // The target is 50 ms on a quiet machine (about 20 ms measured); this only catches gross regressions.
        Assert.InRange(_run.Summary.GetProperty("overhead").GetProperty("medianTrivialCellMs").GetDouble(), 1, 500);
        var md = File.ReadAllText(Path.Combine(_run.OutDirectory, "summary.md"));
        Assert.Contains("## Kernel start and per-cell overhead", md);
        Assert.Matches(@"\| features \| \d+ \| \d+\.\d\d \| \d+ \|", md);
    }

    [Fact]
    public void Outputs_are_written_atomically_with_no_temp_files_left()
    {
        var files = Directory.GetFiles(_run.OutDirectory).Select(Path.GetFileName).Order().ToList();

        Assert.Equal(["features.ipynb", "junit.xml", "summary.json", "summary.md"], files);
        Assert.True(Directory.Exists(Path.Combine(_run.OutDirectory, "features")), "the notebook's artifact folder");
    }

    [Fact]
    public void Progress_goes_to_stderr_per_cell_and_no_kernel_outlives_the_run()
    {
        Assert.Contains("notebook ", _run.Stderr);
        Assert.Matches(@"cell +2 csharp +\d+\.\d\d s  passed", _run.Stderr);
        Assert.Empty(RunnerProcess.KernelsFor(_run.Folder));
    }
}
