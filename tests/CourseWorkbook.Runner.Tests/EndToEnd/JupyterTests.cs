using System.Diagnostics;
using System.Text.Json;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

public class JupyterTests
{
    [Fact]
    public async Task The_executed_notebooks_name_the_kernelspec_the_pinned_tool_installs_for_Jupyter()
    {
        var folder = TestPaths.NewTempDirectory("jupyter");
        var start = new ProcessStartInfo(Kernel.KernelTool.DotnetHost())
        {
            WorkingDirectory = TestPaths.RepoRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "tool", "run", "dotnet-interactive", "--", "jupyter", "install", "--path", folder })
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_INTERACTIVE_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        using var install = Process.Start(start)!;
        var output = install.StandardOutput.ReadToEndAsync();
        var errors = install.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await install.WaitForExitAsync(limit.Token);
        Assert.True(install.ExitCode == 0, await output + await errors);

        using var spec = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, ".net-csharp", "kernel.json")));
        var notebook = Output.NotebookRecords.Sample();
        using var ipynb = JsonDocument.Parse(CourseWorkbook.Runner.Output.IpynbWriter.Write(notebook));
        var kernelspec = ipynb.RootElement.GetProperty("metadata").GetProperty("kernelspec");
        Assert.Equal(".net-csharp", kernelspec.GetProperty("name").GetString());
        Assert.Equal(spec.RootElement.GetProperty("display_name").GetString(), kernelspec.GetProperty("display_name").GetString());
        Assert.Equal(spec.RootElement.GetProperty("language").GetString(), kernelspec.GetProperty("language").GetString());
        Assert.Contains("csharp", spec.RootElement.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
    }
}
