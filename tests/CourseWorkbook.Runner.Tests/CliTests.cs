namespace CourseWorkbook.Runner.Tests;

/// <summary>Usage and input errors, through the runner's public entry point in-process (no kernel is started).</summary>
public class CliTests
{
    private static (int Exit, string Stderr) Run(params string[] args)
    {
        var stderr = new StringWriter();
        var exit = Program.RunAsync(args, stderr).GetAwaiter().GetResult();
        return (exit, stderr.ToString());
    }

    [Theory]
    [InlineData(new string[0], "usage:")]
    [InlineData(new[] { "execute", "x.dib" }, "unknown command 'execute'")]
    [InlineData(new[] { "run" }, "run needs at least one notebook")]
    [InlineData(new[] { "run", "x.dib", "--cell-timeout", "soon" }, "--cell-timeout needs a positive number")]
    [InlineData(new[] { "run", "x.dib", "--cell-timeout", "0" }, "--cell-timeout needs a positive number")]
    [InlineData(new[] { "run", "x.dib", "--cell-timeout", "Infinity" }, "--cell-timeout needs a positive number")]
    [InlineData(new[] { "run", "x.dib", "--cell-timeout", "1e300" }, "--cell-timeout needs a positive number")]
    [InlineData(new[] { "run", "x.dib", "--cell-timeout", "NaN" }, "--cell-timeout needs a positive number")]
    [InlineData(new[] { "run", "x.dib", "--kernel-timeout", "-1" }, "--kernel-timeout needs a positive number")]
    [InlineData(new[] { "run", "x.dib", "--set", "novalue" }, "--set needs NAME=VALUE")]
    [InlineData(new[] { "run", "x.dib", "--set", "learning-rate=1" }, "parameter name 'learning-rate' may hold only letters, digits and _")]
    [InlineData(new[] { "run", "x.dib", "--out" }, "--out needs a folder")]
    [InlineData(new[] { "run", "x.dib", "--verbose" }, "unknown option '--verbose'")]
    public void Bad_usage_exits_2_with_a_message(string[] args, string message)
    {
        var (exit, stderr) = Run(args);

        Assert.Equal(2, exit);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Help_prints_usage_and_the_default_timeout()
    {
        var (exit, stderr) = Run("run", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--cell-timeout SECONDS", stderr);
        Assert.Contains("default: 300", stderr);
    }

    [Fact]
    public void Missing_notebook_exits_2_naming_it()
    {
        var missing = Path.Combine(TestPaths.NewTempDirectory("missing"), "nope.dib");

        var (exit, stderr) = Run("run", missing);

        Assert.Equal(2, exit);
        Assert.Contains($"no such notebook or folder: '{missing}'", stderr);
    }

    [Fact]
    public void Folder_without_notebooks_exits_2()
    {
        var folder = TestPaths.NewTempDirectory("empty");

        var (exit, stderr) = Run("run", folder);

        Assert.Equal(2, exit);
        Assert.Contains("no .dib files", stderr);
    }

    [Fact]
    public void Unparseable_notebook_exits_2_naming_file_and_line_before_running_anything()
    {
        var folder = TestPaths.NewTempDirectory("bad");
        var good = Path.Combine(folder, "a-good.dib");
        var bad = Path.Combine(folder, "b-bad.dib");
        File.WriteAllText(good, "#!csharp\n\n1\n");
        File.WriteAllText(bad, "#!meta\n\n{\"kernelInfo\": {,}}\n\n#!csharp\n\n1\n");
        var output = Path.Combine(folder, "out");

        var (exit, stderr) = Run("run", folder, "--out", output);

        Assert.Equal(2, exit);
        Assert.Contains("b-bad.dib(3): invalid #!meta JSON", stderr);
        Assert.False(Directory.Exists(output), "nothing runs when a notebook cannot be parsed");
    }

    [Fact]
    public void Run_options_parse_with_defaults()
    {
        Assert.True(Program.TryParseRun(
            ["a.dib", "dir", "--set", "Epochs=3", "--set", "lr=0.1=x", "--cell-timeout=2.5", "--kernel-timeout", "9"], out var options, out _));

        Assert.Equal(["a.dib", "dir"], options.Inputs);
        Assert.Equal("artifacts", options.OutDirectory);
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.CellTimeout);
        Assert.Equal(TimeSpan.FromSeconds(9), options.KernelTimeout);
        Assert.Equal("3", options.Parameters["EPOCHS"]);
        Assert.Equal("0.1=x", options.Parameters["lr"]);
    }

    [Fact]
    public void Default_timeouts_are_300_seconds_per_cell_and_120_for_a_kernel_to_start()
    {
        Assert.True(Program.TryParseRun(["a.dib"], out var options, out _));

        Assert.Equal(TimeSpan.FromSeconds(300), options.CellTimeout);
        Assert.Equal(TimeSpan.FromSeconds(120), options.KernelTimeout);
    }

    [Fact]
    public void An_empty_notebook_exits_2_naming_it()
    {
        var folder = TestPaths.NewTempDirectory("emptydib");
        var empty = Path.Combine(folder, "empty.dib");
        File.WriteAllText(empty, "\n\n");

        var (exit, stderr) = Run("run", empty, "--out", Path.Combine(folder, "out"));

        Assert.Equal(2, exit);
        Assert.Contains($"{empty} has no cells", stderr);
    }

    [Fact]
    public void An_out_path_that_is_a_file_exits_2_before_running_anything()
    {
        var folder = TestPaths.NewTempDirectory("outfile");
        var notebook = Path.Combine(folder, "n.dib");
        File.WriteAllText(notebook, "#!csharp\n\n1\n");
        var file = Path.Combine(folder, "taken");
        File.WriteAllText(file, "a file");

        var (exit, stderr) = Run("run", notebook, "--out", file);

        Assert.Equal(2, exit);
        Assert.Contains($"--out '{file}' is a file, not a folder", stderr);
    }

    [Theory]
    [InlineData("n.ipynb")]
    [InlineData("summary.json")]
    public void A_folder_in_the_way_of_an_output_exits_2_before_running_anything(string blocked)
    {
        var folder = TestPaths.NewTempDirectory("outblocked");
        var notebook = Path.Combine(folder, "n.dib");
        File.WriteAllText(notebook, "#!csharp\n\n1\n");
        var output = Path.Combine(folder, "out");
        Directory.CreateDirectory(Path.Combine(output, blocked));

        var (exit, stderr) = Run("run", notebook, "--out", output);

        Assert.Equal(2, exit);
        Assert.Contains($"cannot write '{Path.Combine(output, blocked)}': a folder of that name is in the way", stderr);
        Assert.False(File.Exists(Path.Combine(output, "summary.md")), "nothing ran");
    }
}
