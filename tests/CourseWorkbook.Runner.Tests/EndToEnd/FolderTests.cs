namespace CourseWorkbook.Runner.Tests.EndToEnd;

public class FolderTests
{
    [Fact]
    public void A_folder_runs_every_dib_in_it_sorted_by_name()
    {
        var folder = TestPaths.NewTempDirectory("folder");
        File.WriteAllText(Path.Combine(folder, "b-second.dib"), "#!csharp\n\n2\n");
        File.WriteAllText(Path.Combine(folder, "a-first.dib"), "#!csharp\n\n1\n");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a notebook");
        var output = Path.Combine(folder, "out");

        var (exit, stderr, _) = RunnerProcess.Run(["run", folder, "--out", output], folder);

        Assert.True(exit == 0, stderr);
        var run = new RunResult(exit, stderr, folder, output, TimeSpan.Zero);
        Assert.Equal(["a-first", "b-second"], run.Summary.GetProperty("notebooks").EnumerateArray().Select(n => n.GetProperty("name").GetString()));
        Assert.True(stderr.IndexOf("a-first.dib", StringComparison.Ordinal) < stderr.IndexOf("b-second.dib", StringComparison.Ordinal));
    }
}
