using CourseWorkbook.Runner.Execution;

namespace CourseWorkbook.Runner.Tests.Execution;

public class PackageRestorerTests
{
    [Fact]
    public void Generated_project_targets_this_runtime_with_one_reference_per_package()
    {
        var text = PackageRestorer.ProjectText(
            [new PackageRequest("Zeta", "1.0.0"), new PackageRequest("Alpha", null), new PackageRequest("Pre", "*-*")],
            ["/local/feed", "https://example.org/index.json"]);

        Assert.Contains($"<TargetFramework>net{Environment.Version.Major}.{Environment.Version.Minor}</TargetFramework>", text);
        Assert.Contains($"<RuntimeIdentifier>{System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}</RuntimeIdentifier>", text);
        Assert.Contains("<RestoreAdditionalProjectSources>/local/feed;https://example.org/index.json</RestoreAdditionalProjectSources>", text);
        var alpha = text.IndexOf("<PackageReference Include=\"Alpha\" Version=\"*\" />", StringComparison.Ordinal);
        var pre = text.IndexOf("<PackageReference Include=\"Pre\" Version=\"*-*\" />", StringComparison.Ordinal);
        var zeta = text.IndexOf("<PackageReference Include=\"Zeta\" Version=\"1.0.0\" />", StringComparison.Ordinal);
        Assert.True(alpha > 0 && pre > alpha && zeta > pre, text);
    }

    [Fact]
    public void Assets_give_runtime_dlls_and_natives_but_not_placeholders_or_host_assemblies()
    {
        var folder = TestPaths.NewTempDirectory("assets");
        var packages = Path.Combine(folder, "packages");
        foreach (var file in new[] { "a/1.0.0/lib/net8.0/A.dll", "a/1.0.0/runtimes/linux-x64/native/libanative.so", "b/2.0.0/lib/net8.0/System.Text.Json.dll" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(packages, file))!);
            File.WriteAllText(Path.Combine(packages, file), "");
        }

        var target = $"{PackageRestorer.TargetFramework}/{PackageRestorer.RuntimeIdentifier}";
        var assets = Path.Combine(folder, "project.assets.json");
        File.WriteAllText(assets, $$"""
            {
              "targets": {
                "{{target}}": {
                  "A/1.0.0": { "type": "package", "runtime": { "lib/net8.0/A.dll": {} }, "native": { "runtimes/linux-x64/native/libanative.so": {} } },
                  "B/2.0.0": { "type": "package", "runtime": { "lib/net8.0/System.Text.Json.dll": {}, "lib/net8.0/_._": {} } },
                  "Proj/1.0.0": { "type": "project" }
                }
              },
              "libraries": { "A/1.0.0": { "path": "a/1.0.0" }, "B/2.0.0": { "path": "b/2.0.0" } },
              "packageFolders": { "{{packages.Replace("\\", "\\\\")}}/": {} }
            }
            """);

        var result = PackageRestorer.ReadAssets(assets);

        Assert.Equal([Path.Combine(packages, "a/1.0.0/lib/net8.0/A.dll")], result.Assemblies);
        Assert.Equal([Path.Combine(packages, "a/1.0.0/runtimes/linux-x64/native/libanative.so")], result.NativeFiles);
        Assert.Equal("2.0.0", result.ResolvedVersions["b"]);
    }

    [Theory]
    [InlineData("anative")]
    [InlineData("libanative.so")]
    [InlineData("libanative")]
    public void Native_libraries_are_found_by_dllimport_name(string name)
    {
        var loader = new PackageLoader();
        loader.Add([], ["/p/runtimes/linux-x64/native/libanative.so", "/p/runtimes/linux-x64/native/other.so"]);

        Assert.Equal("/p/runtimes/linux-x64/native/libanative.so", loader.FindNative(name));
    }
}

public class RestoreErrorTests
{
    [Fact]
    public void Restore_failures_quote_the_error_lines_without_project_paths()
    {
        const string output = """
              Determining projects to restore...
            /tmp/x/restore.csproj : error NU1101: Unable to find package No.Such.Package. No packages exist with this id in source(s): nuget.org [/tmp/x/restore.csproj]
              Failed to restore /tmp/x/restore.csproj (in 1.2 sec).
            """;

        var lines = PackageRestorer.ErrorLines(output);

        Assert.Equal(["/tmp/x/restore.csproj : error NU1101: Unable to find package No.Such.Package. No packages exist with this id in source(s): nuget.org"], lines);
    }
}
