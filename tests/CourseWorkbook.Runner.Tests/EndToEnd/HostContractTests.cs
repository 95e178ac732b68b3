using CourseWorkbook.Runner.Execution;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

/// <summary>Runs host-contract.dib with --set epochs=3 --set unknown=1; the notebook uses every host key.</summary>
public sealed class HostContractRun
{
    public RunResult Result { get; } =
        RunnerProcess.RunNotebooks(["host-contract.dib"], ["--set", "EPOCHS=3", "--set", "unknown=1"]);
}

public class HostContractTests(HostContractRun run) : IClassFixture<HostContractRun>
{
    private readonly RunResult _run = run.Result;

    [Fact]
    public void Key_names_are_the_documented_ones()
    {
        Assert.Equal(
            ["CourseWorkbook.Host", "CourseWorkbook.Display", "CourseWorkbook.PublishResult", "CourseWorkbook.Parameters",
             "CourseWorkbook.DeclareParameter", "CourseWorkbook.NotebookPath", "CourseWorkbook.OutputDirectory"],
            [HostContract.Host, HostContract.Display, HostContract.PublishResult, HostContract.Parameters,
             HostContract.DeclareParameter, HostContract.NotebookPath, HostContract.OutputDirectory]);
    }

    [Fact]
    public void Notebook_using_every_key_passes()
    {
        Assert.True(_run.ExitCode == 0, _run.Stderr);
    }

    [Fact]
    public void Host_is_runner()
    {
        var value = _run.Outputs("host-contract", 2).Single(o => o.GetProperty("output_type").GetString() == "execute_result");

        Assert.Equal("runner", RunResult.Text(value.GetProperty("data").GetProperty("text/plain")));
    }

    [Fact]
    public void Published_results_land_in_the_summary_last_write_wins()
    {
        var results = _run.Notebook("host-contract").GetProperty("results");

        Assert.Equal(3, results.GetProperty("epochs").GetInt64());
        Assert.Equal(0.75, results.GetProperty("accuracy").GetDouble());
        Assert.Equal("ok", results.GetProperty("label").GetString());
        Assert.Contains("| accuracy | 0.75 |", File.ReadAllText(Path.Combine(_run.OutDirectory, "summary.md")));
    }

    [Fact]
    public void Set_parameters_reach_the_notebook_case_insensitively_and_declarations_are_recorded()
    {
        var parameters = _run.Notebook("host-contract").GetProperty("parameters");

        Assert.Equal("3", parameters.GetProperty("Epochs").GetString());
        Assert.Equal("0.01", parameters.GetProperty("learning_rate").GetString());
    }

    [Fact]
    public void Undeclared_set_parameters_are_warnings_not_failures()
    {
        Assert.Contains("warning: --set unknown was given but host-contract never declared a parameter of that name", _run.Stderr);
        Assert.DoesNotContain("--set EPOCHS was given", _run.Stderr);
        Assert.Contains("--set unknown was given", File.ReadAllText(Path.Combine(_run.OutDirectory, "summary.md")));
    }

    [Fact]
    public void Display_function_adds_outputs_whose_updater_replaces_them()
    {
        var displays = _run.Outputs("host-contract", 2).Where(o => o.GetProperty("output_type").GetString() == "display_data").ToList();

        Assert.Equal(2, displays.Count);
        Assert.Equal("progress 100%", RunResult.Text(displays[0].GetProperty("data").GetProperty("text/plain")));
        Assert.Equal("<i>html</i>", RunResult.Text(displays[1].GetProperty("data").GetProperty("text/html")));
    }

    [Fact]
    public void Notebook_path_and_output_directory_are_given()
    {
        var artifact = Path.Combine(_run.OutDirectory, "host-contract", "artifact.txt");

        Assert.True(File.Exists(artifact), "the notebook wrote into its output directory");
        Assert.Equal("host-contract.dib", File.ReadAllText(artifact));
    }
}
