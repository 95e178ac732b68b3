using System.Text.Json;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

/// <summary>Runs the failing test notebooks together, then one that passes, each in its own kernel.</summary>
public sealed class FailuresRun
{
    public static readonly string[] Names = ["throws", "compile-error", "crash", "dies", "unsupported", "missing-package", "passes"];

    public RunResult Result { get; } = RunnerProcess.RunNotebooks(Names.Select(n => n + ".dib").ToArray());
}

public class FailureTests(FailuresRun run) : IClassFixture<FailuresRun>
{
    private readonly RunResult _run = run.Result;

    private string StderrLine(string text) => _run.Stderr.Split('\n').Single(l => l.Contains(text));

    [Fact]
    public void A_failing_cell_makes_the_run_exit_1_while_other_notebooks_still_run()
    {
        Assert.Equal(1, _run.ExitCode);
        Assert.Equal("passed", _run.Notebook("passes").GetProperty("status").GetString());
        Assert.Equal("failed", _run.Summary.GetProperty("status").GetString());
    }

    [Fact]
    public void Stderr_names_notebook_cell_first_line_and_exception()
    {
        var line = StderrLine("throws.dib: cell 3");

        Assert.Contains("(line 11: // cell 3 throws)", line);
        Assert.Contains("System.InvalidOperationException: boom from cell three", line);
    }

    [Fact]
    public void Cells_after_a_failure_are_skipped_and_the_summary_says_so()
    {
        var failed = _run.Cell("throws", 3);

        Assert.Equal("passed", _run.Cell("throws", 1).GetProperty("status").GetString());
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("System.InvalidOperationException: boom from cell three", failed.GetProperty("error").GetString());
        Assert.Equal("skipped", _run.Cell("throws", 4).GetProperty("status").GetString());
        Assert.Equal("failed", _run.Notebook("throws").GetProperty("status").GetString());
    }

    [Fact]
    public void The_ipynb_has_the_output_before_the_error_and_an_error_output()
    {
        var outputs = _run.Outputs("throws", 3);

        Assert.Equal("about to throw\n", RunResult.Text(outputs[0].GetProperty("text")));
        var error = outputs[1];
        Assert.Equal("error", error.GetProperty("output_type").GetString());
        Assert.Equal("System.InvalidOperationException", error.GetProperty("ename").GetString());
        Assert.Equal("boom from cell three", error.GetProperty("evalue").GetString());
        Assert.Contains(error.GetProperty("traceback").EnumerateArray(), l => l.GetString()!.Contains("Submission#"));
        Assert.Equal(JsonValueKind.Null, _run.Ipynb("throws").GetProperty("cells")[3].GetProperty("execution_count").ValueKind);
    }

    [Fact]
    public void A_compile_error_names_the_line_in_the_cell_and_in_the_file()
    {
        var line = StderrLine("compile-error.dib: cell 1");

        Assert.Contains("CS0103: The name 'undefinedName' does not exist", line);
        Assert.Contains("[line 2 of the cell, ", line);
        Assert.Contains("compile-error.dib:4]", line);
        Assert.Equal(2, _run.Cell("compile-error", 1).GetProperty("errorLine").GetInt32());
    }

    [Fact]
    public void A_cell_that_calls_Environment_Exit_fails_with_the_exit_code_and_keeps_what_it_printed()
    {
        var cell = _run.Cell("crash", 1);

        Assert.Equal("failed", cell.GetProperty("status").GetString());
        Assert.Contains("KernelExited: the kernel process exited with code 3 during this cell", cell.GetProperty("error").GetString());
        Assert.Equal("exiting\n", RunResult.Text(_run.Outputs("crash", 1)[0].GetProperty("text")));
        Assert.Equal("skipped", _run.Cell("crash", 2).GetProperty("status").GetString());
        Assert.Contains("crash.dib: cell 1 (line 3: Console.WriteLine(\"exiting\");) failed: KernelExited", _run.Stderr);
    }

    [Fact]
    public void A_kernel_killed_mid_notebook_fails_that_cell_and_skips_the_rest()
    {
        Assert.Equal("passed", _run.Cell("dies", 1).GetProperty("status").GetString());
        Assert.Contains("KernelExited: the kernel process exited with code", _run.Cell("dies", 2).GetProperty("error").GetString());
        Assert.Equal("skipped", _run.Cell("dies", 3).GetProperty("status").GetString());
    }

    [Fact]
    public void A_cell_for_a_kernel_the_tool_does_not_have_fails_with_the_kernels_message()
    {
        var cell = _run.Cell("unsupported", 2);

        Assert.Equal("javascript", cell.GetProperty("kind").GetString());
        Assert.Equal("failed", cell.GetProperty("status").GetString());
        Assert.Contains("No handler registered on kernel javascript", cell.GetProperty("error").GetString());
        Assert.Equal("skipped", _run.Cell("unsupported", 3).GetProperty("status").GetString());
        Assert.Contains("unsupported.dib: cell 2", _run.Stderr);
    }

    [Fact]
    public void A_package_that_does_not_exist_fails_its_cell_with_the_restore_error()
    {
        var error = _run.Cell("missing-package", 1).GetProperty("error").GetString();

        Assert.Contains("NU1101", error);
        Assert.Contains("CourseWorkbook.NoSuchPackage.Anywhere", error);
        Assert.Equal("skipped", _run.Cell("missing-package", 2).GetProperty("status").GetString());
    }

    [Fact]
    public void Junit_reports_failures_and_skips()
    {
        var xml = System.Xml.Linq.XDocument.Load(Path.Combine(_run.OutDirectory, "junit.xml"));
        var suites = xml.Root!.Elements("testsuite").ToDictionary(s => s.Attribute("name")!.Value);

        Assert.Equal(FailuresRun.Names, suites.Keys);
        Assert.Equal("1", suites["throws"].Attribute("failures")!.Value);
        Assert.Equal("1", suites["throws"].Attribute("skipped")!.Value);
        Assert.Equal("0", suites["passes"].Attribute("failures")!.Value);
    }

    [Fact]
    public void Failed_notebooks_still_write_valid_ipynb_files_and_no_kernel_is_left()
    {
        var schema = Output.JsonSchema.Load(TestPaths.Fixture("nbformat", "nbformat.v4.5.schema.json"));

        foreach (var name in FailuresRun.Names)
            Assert.Empty(schema.Validate(_run.Ipynb(name)));
        Assert.Empty(RunnerProcess.KernelsFor(_run.Folder));
    }
}

public class TimeoutTests
{
    [Fact]
    public void A_hanging_cell_times_out_its_kernel_is_ended_and_the_next_notebook_passes()
    {
        var run = RunnerProcess.RunNotebooks(["hangs.dib", "passes.dib"], ["--cell-timeout", "20"]);

        Assert.Equal(1, run.ExitCode);
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(100), $"took {run.Elapsed}");
        var hung = run.Cell("hangs", 2);
        Assert.Equal("timeout", hung.GetProperty("status").GetString());
        Assert.Equal("timed out after 20 s", hung.GetProperty("error").GetString());
        Assert.Equal("skipped", run.Cell("hangs", 3).GetProperty("status").GetString());
        Assert.Contains("hangs.dib: cell 2 (line 7: Console.WriteLine(\"spinning\");) timed out", run.Stderr);
        Assert.Equal("spinning\n", RunResult.Text(run.Outputs("hangs", 2)[0].GetProperty("text")));
        Assert.Equal("passed", run.Notebook("passes").GetProperty("status").GetString());
        Assert.Empty(RunnerProcess.KernelsFor(run.Folder));
    }
}
