using CourseWorkbook.Runner.Execution;

namespace CourseWorkbook.Runner.Tests.Execution;

public class CellDirectivesTests
{
    [Fact]
    public void Nuget_references_are_hoisted_and_their_lines_blanked()
    {
        var cell = CellDirectives.Parse("#r \"nuget: Newtonsoft.Json, 13.0.3\"\n#r \"nuget:Humanizer\"\nusing Newtonsoft.Json;\n1", "/nb");

        Assert.Equal([new PackageRequest("Newtonsoft.Json", "13.0.3"), new PackageRequest("Humanizer", null)], cell.Packages);
        Assert.Equal("\n\nusing Newtonsoft.Json;\n1", cell.Code);
    }

    [Theory]
    [InlineData("#r \"nuget: A\"", null)]
    [InlineData("#r \"nuget: A, \"", null)]
    [InlineData("#r \"nuget: A, *\"", null)]
    [InlineData("#r \"nuget: A, *-*\"", "*-*")]
    [InlineData("#r \"nuget: A,1.2.3-beta.1\"", "1.2.3-beta.1")]
    public void Empty_star_or_star_dash_star_versions_float(string line, string? version)
    {
        var package = Assert.Single(CellDirectives.Parse(line, "/nb").Packages);

        Assert.Equal(version, package.Version);
        Assert.True(version is not null && !version.Contains('*') ? !package.IsFloating : package.IsFloating);
        Assert.Equal(version ?? "*", package.RestoreVersion);
    }

    [Fact]
    public void Package_sources_are_hoisted_and_local_ones_resolved_against_the_notebook_folder()
    {
        var cell = CellDirectives.Parse("#i \"nuget: https://example.org/v3/index.json\"\n#i \"nuget: ../packages\"\nvar x = 1;", "/work/nb");

        Assert.Equal(["https://example.org/v3/index.json", "/work/packages"], cell.Sources);
        Assert.Equal("\n\nvar x = 1;", cell.Code);
    }

    [Fact]
    public void File_references_stay_in_the_code_for_roslyn()
    {
        var cell = CellDirectives.Parse("#r \"lib/My.dll\"\nMy.Thing()", "/nb");

        Assert.Empty(cell.Packages);
        Assert.Equal("#r \"lib/My.dll\"\nMy.Thing()", cell.Code);
    }

    [Fact]
    public void Magic_commands_are_hoisted_with_their_cell_line()
    {
        var cell = CellDirectives.Parse("var a = 1;\n#!time\na", "/nb");

        Assert.Equal([(2, "#!time")], cell.MagicCommands);
        Assert.Equal("var a = 1;\n\na", cell.Code);
    }
}

public class PackageRequestTests
{
    [Theory]
    [InlineData("13.0.3", true, false)]
    [InlineData("1", true, false)]
    [InlineData("1.0.0-beta.23562.1", true, false)]
    [InlineData("2.*", true, true)]
    [InlineData("*-*", true, true)]
    [InlineData("[1.0,2.0)", true, true)]
    [InlineData("not-a-version", false, false)]
    [InlineData("1.0.0 beta", false, false)]
    public void Versions_are_checked_before_restore(string version, bool valid, bool floating)
    {
        var request = PackageRequest.Create("P", version);

        Assert.Equal(valid, request.HasValidVersion);
        Assert.Equal(floating, request.IsFloating);
    }
}
