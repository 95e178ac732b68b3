using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CourseWorkbook.Runner.Tests.EndToEnd;

public class PackageTests
{
    [Fact]
    public void Nuget_package_restores_once_and_the_second_run_hits_the_cache()
    {
        var cache = TestPaths.NewTempDirectory("cache");
        var environment = new Dictionary<string, string> { ["COURSEWORKBOOK_RUNNER_CACHE"] = cache };

        var first = RunnerProcess.RunNotebooks(["nuget.dib"], environment: environment);
        var second = RunnerProcess.RunNotebooks(["nuget.dib"], environment: environment);

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(second.ExitCode == 0, second.Stderr);
        var value = first.Outputs("nuget", 2).Single();
        Assert.Equal("{\"a\":1}", RunResult.Text(value.GetProperty("data").GetProperty("text/plain")));
        var (cold, warm) = (first.Cell("nuget", 1), second.Cell("nuget", 1));
        Assert.False(cold.GetProperty("restoreFromCache").GetBoolean());
        Assert.True(warm.GetProperty("restoreFromCache").GetBoolean());
        Assert.True(warm.GetProperty("restoreMs").GetDouble() < cold.GetProperty("restoreMs").GetDouble(),
            $"cache hit {warm.GetProperty("restoreMs")} ms vs restore {cold.GetProperty("restoreMs")} ms");
        Assert.Single(Directory.GetDirectories(Path.Combine(cache, "restore")));
        Console.WriteLine($"restore: {cold.GetProperty("restoreMs")} ms; cache hit: {warm.GetProperty("restoreMs")} ms");
    }

    [Fact]
    public void Asking_for_another_version_of_a_loaded_package_fails_the_cell()
    {
        var run = RunnerProcess.RunNotebooks(["nuget-conflict.dib"]);

        Assert.Equal(1, run.ExitCode);
        var cell = run.Cell("nuget-conflict", 2);
        Assert.Equal("failed", cell.GetProperty("status").GetString());
        Assert.Contains("Newtonsoft.Json version 12.0.1 cannot be loaded: version 13.0.3 is already loaded", cell.GetProperty("error").GetString());
    }

    [Fact]
    public void File_references_and_loads_resolve_relative_to_the_notebook_folder()
    {
        var run = RunnerProcess.RunNotebooks(["local-dll.dib"], environment: null, prepare: folder =>
        {
            BuildGreeter(Path.Combine(folder, "lib", "Greeter.dll"));
            Directory.CreateDirectory(Path.Combine(folder, "scripts"));
            File.WriteAllText(Path.Combine(folder, "scripts", "helper.csx"), "int Twice(int x) => 2 * x;\n");
        }, workingDirectory: Path.GetTempPath());

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("Hello, runner!", RunResult.Text(run.Outputs("local-dll", 1).Single().GetProperty("data").GetProperty("text/plain")));
        Assert.Equal("42", RunResult.Text(run.Outputs("local-dll", 2).Single().GetProperty("data").GetProperty("text/plain")));
    }

    [Fact]
    public void An_invalid_package_version_fails_the_cell_before_restoring()
    {
        var run = RunnerProcess.RunNotebooks(["bad-version.dib"]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'not-a-version' is not a valid version for package Newtonsoft.Json", run.Cell("bad-version", 1).GetProperty("error").GetString());
    }

    private static void BuildGreeter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tree = CSharpSyntaxTree.ParseText("namespace Greeting; public static class Greeter { public static string Hello(string name) => $\"Hello, {name}!\"; }");
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll")
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create("Greeter", [tree], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var result = compilation.Emit(path);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }
}
