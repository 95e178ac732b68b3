using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Tests.Output;

public class AtomicFileTests
{
    [Fact]
    public void Replaces_the_file_whole_and_leaves_no_temp_file()
    {
        var folder = TestPaths.NewTempDirectory("atomic");
        var path = Path.Combine(folder, "summary.json");
        File.WriteAllText(path, "old");

        AtomicFile.WriteAllText(path, "new content");

        Assert.Equal("new content", File.ReadAllText(path));
        Assert.Equal(["summary.json"], Directory.GetFiles(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void A_failed_write_keeps_the_old_file_and_cleans_up()
    {
        var folder = TestPaths.NewTempDirectory("atomic");
        var target = Path.Combine(folder, "taken");
        Directory.CreateDirectory(target); // renaming a file over a folder fails

        Assert.ThrowsAny<IOException>(() => AtomicFile.WriteAllText(target, "x"));

        Assert.True(Directory.Exists(target));
        Assert.Empty(Directory.GetFiles(folder));
    }
}

public class OutputFolderTests
{
    [Fact]
    public void Preparing_removes_abandoned_temp_files_and_earlier_notebooks_of_this_run_but_keeps_the_rest()
    {
        var folder = TestPaths.NewTempDirectory("outfolder");
        var abandoned = Path.Combine(folder, ".summary.json.999999999.0123abcd.tmp");
        var live = Path.Combine(folder, $".summary.json.{Environment.ProcessId}.0123abcd.tmp");
        foreach (var f in new[] { abandoned, live, Path.Combine(folder, "a.ipynb"), Path.Combine(folder, "other.ipynb") })
            File.WriteAllText(f, "x");

        CourseWorkbook.Runner.Output.OutputFolder.Prepare(folder, ["a"]);

        Assert.Equal([live, Path.Combine(folder, "other.ipynb")], Directory.GetFiles(folder).Order());
    }
}
