using System.Text.Json;
using CourseWorkbook.Notebook;
using CourseWorkbook.Runner.Execution;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

/// <summary>Runs Notebooks/workbook.dib, which loads the workbook's library from the local feed as the practicals do,
/// with --set overrides, once.</summary>
public sealed class WorkbookRun
{
    public RunResult Result { get; } = RunnerProcess.RunNotebooks(["workbook.dib"],
        ["--set", "EPOCHS=3", "--set", "never_declared=1"], prepare: TestPaths.AddLocalFeed);
}

public class WorkbookContractTests(WorkbookRun run) : IClassFixture<WorkbookRun>
{
    private readonly RunResult _run = run.Result;

    [Fact]
    public void Runner_and_library_agree_on_the_variable_names_and_mime_types()
    {
        Assert.Equal(WorkbookContract.ParameterPrefix, Host.Variables.ParameterPrefix);
        Assert.Equal(WorkbookContract.OutputDirectoryVariable, Host.Variables.OutputDirectory);
        Assert.Equal(WorkbookContract.NotebookVariable, Host.Variables.Notebook);
        Assert.Equal(WorkbookContract.ResultsMimeType, Host.MimeTypes.Results);
        Assert.Equal(WorkbookContract.ParametersMimeType, Host.MimeTypes.Parameters);
    }

    [Fact]
    public void The_notebook_passes_in_the_kernel_with_the_library_from_the_local_feed()
    {
        Assert.True(_run.ExitCode == 0, _run.Stderr);
        Assert.Contains("DotNetInteractive", RunResult.Text(_run.Outputs("workbook", 4).Last().GetProperty("data").GetProperty("text/html")));
    }

    [Fact]
    public void Set_parameters_reach_the_notebook_case_insensitively_and_declarations_are_recorded()
    {
        var parameters = _run.Notebook("workbook").GetProperty("parameters");

        Assert.Equal("3", parameters.GetProperty("epochs").GetString());
        Assert.Equal("0.01", parameters.GetProperty("learning_rate").GetString());
        var table = Assert.Single(_run.Outputs("workbook", 2));
        Assert.Contains("<td>epochs</td><td>3</td>", RunResult.Text(table.GetProperty("data").GetProperty("text/html")));
    }

    [Fact]
    public void Undeclared_set_parameters_are_warnings_not_failures()
    {
        var warnings = _run.Notebook("workbook").GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).ToList();

        Assert.Equal(["--set never_declared was given but workbook never declared a parameter of that name"], warnings);
    }

    [Fact]
    public void Published_results_land_in_the_summary_last_write_wins_and_show_as_one_box_per_cell()
    {
        var results = _run.Notebook("workbook").GetProperty("results");

        Assert.Equal(3, results.GetProperty("epochs").GetInt32());
        Assert.Equal(0.75, results.GetProperty("accuracy").GetDouble());
        Assert.Equal("ok", results.GetProperty("label").GetString());
        Assert.Equal(1.5, results.GetProperty("later_cell").GetDouble());
        var box = _run.Outputs("workbook", 3).Single(o => o.GetProperty("data").TryGetProperty(WorkbookContract.ResultsMimeType, out _));
        Assert.Equal("published: epochs = 3\npublished: accuracy = 0.75\npublished: label = ok",
            RunResult.Text(box.GetProperty("data").GetProperty("text/plain")));
    }

    [Fact]
    public void Progress_takes_its_live_path_in_the_kernel_and_ends_on_its_final_state()
    {
        var bar = _run.Outputs("workbook", 3).First();
        var data = bar.GetProperty("data");

        Assert.Equal("display_data", bar.GetProperty("output_type").GetString());
        Assert.StartsWith("training: 5/5 (100%)", RunResult.Text(data.GetProperty("text/plain")));
        Assert.EndsWith("epoch 5", RunResult.Text(data.GetProperty("text/plain")));
        Assert.Contains("<progress value=\"5\" max=\"5\"", RunResult.Text(data.GetProperty("text/html")));
    }

    [Fact]
    public void Notebook_path_and_output_directory_reach_the_kernel()
    {
        var artifact = Path.Combine(_run.OutDirectory, "workbook", "artifact.txt");

        Assert.True(File.Exists(artifact), "the notebook wrote into its output folder");
        Assert.Equal("workbook.dib", File.ReadAllText(artifact));
    }
}
