using CourseWorkbook.Runner.Dib;

namespace CourseWorkbook.Runner.Tests.Dib;

public class DibParserTests
{
    private static string[] Kinds(DibDocument d) => d.Cells.Select(c => c.KernelName).ToArray();

    [Fact]
    public void Approved_upstream_file_round_trips_byte_for_byte()
    {
        var path = TestPaths.Fixture("dotnet-interactive", "CodeSubmissionFormat.roundtrip.approved.dib");
        var bytes = File.ReadAllBytes(path);

        var written = DibWriter.Write(DibParser.Parse(System.Text.Encoding.UTF8.GetString(bytes), path));

        Assert.Equal(bytes, System.Text.Encoding.UTF8.GetBytes(written));
    }

    [Fact]
    public void Approved_upstream_file_has_one_cell_per_kernel()
    {
        var document = DibParser.ParseFile(TestPaths.Fixture("dotnet-interactive", "CodeSubmissionFormat.roundtrip.approved.dib"));

        Assert.Equal(["markdown", "csharp", "fsharp", "pwsh", "javascript", "mermaid"], Kinds(document));
        Assert.Equal("* Markdown code", document.Cells[0].Source);
        Assert.Equal("%% Mermaid code", document.Cells[^1].Source);
        Assert.Equal("csharp", document.DefaultKernelName);
    }

    [Fact]
    public void Upstream_test_script_parses_into_its_cells()
    {
        var document = DibParser.ParseFile(TestPaths.Fixture("dotnet-interactive", "NotebookTestScript.dib"));

        Assert.Equal(54, document.Cells.Count);
        var counts = document.Cells.GroupBy(c => c.KernelName).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(28, counts["markdown"]);
        Assert.Equal(13, counts["csharp"]);
        Assert.Equal(6, counts["javascript"]);
        Assert.Equal(3, counts["fsharp"]);
        Assert.Equal(1, counts["html"]);
        Assert.Equal(1, counts["value"]);
        Assert.Equal(1, counts["pwsh"]);
        Assert.Equal(1, counts["mermaid"]);
        Assert.Equal(["markdown", "csharp", "markdown", "csharp", "markdown", "csharp", "markdown", "csharp", "html", "markdown"], Kinds(document)[..10]);
        Assert.Equal("1+1", document.Cells[1].Source);
        Assert.Equal(13, document.Cells[1].FirstLine);
    }

    [Fact]
    public void Upstream_test_script_keeps_magic_commands_inside_their_cells()
    {
        var document = DibParser.ParseFile(TestPaths.Fixture("dotnet-interactive", "NotebookTestScript.dib"));

        var share = document.Cells.First(c => c.KernelName == "javascript");
        Assert.StartsWith("#!share --from csharp x\n", share.Source);
        var value = document.Cells.Single(c => c.KernelName == "value");
        Assert.Equal("#!value --from-value @input:wat --name value_from_input", value.Source);
    }

    [Theory]
    [InlineData("c#", "csharp")]
    [InlineData("cs", "csharp")]
    [InlineData("C#", "csharp")]
    [InlineData("csharp", "csharp")]
    [InlineData("md", "markdown")]
    [InlineData("markdown", "markdown")]
    [InlineData("f#", "fsharp")]
    [InlineData("fs", "fsharp")]
    [InlineData("powershell", "pwsh")]
    [InlineData("js", "javascript")]
    [InlineData("html", "html")]
    [InlineData("http", "http")]
    [InlineData("mermaid", "mermaid")]
    [InlineData("value", "value")]
    public void Aliases_start_a_cell_of_their_kernel(string alias, string kernel)
    {
        var document = DibParser.Parse($"#!markdown\n\nintro\n\n#!{alias}\n\nbody\n");

        Assert.Equal(["markdown", kernel], Kinds(document));
        Assert.Equal("body", document.Cells[1].Source);
    }

    [Theory]
    [InlineData("#!CSharp")]
    [InlineData("#!Markdown")]
    [InlineData("#!csharp ")]
    [InlineData("#!time")]
    [InlineData("#!foo --bar")]
    public void Lines_naming_no_known_kernel_stay_in_the_cell_as_magic_commands(string line)
    {
        var document = DibParser.Parse($"#!csharp\n\n{line}\nvar x = 1;\n");

        var cell = Assert.Single(document.Cells);
        Assert.Equal($"{line}\nvar x = 1;", cell.Source);
    }

    [Fact]
    public void Empty_cells_are_dropped()
    {
        var document = DibParser.Parse("#!csharp\n\n\n\n#!markdown\n\n#!csharp\n\nx\n\n#!fsharp\n");

        var cell = Assert.Single(document.Cells);
        Assert.Equal(("csharp", "x"), (cell.KernelName, cell.Source));
    }

    [Fact]
    public void Only_empty_lines_are_trimmed_at_cell_edges()
    {
        var document = DibParser.Parse("#!csharp\n\n  \nx\n\n\ny\n \n\n");

        Assert.Equal("  \nx\n\n\ny\n ", Assert.Single(document.Cells).Source);
    }

    [Fact]
    public void Text_before_the_first_separator_belongs_to_csharp_by_default()
    {
        var document = DibParser.Parse("var a = 1;\n\n#!markdown\n\ntext\n");

        Assert.Equal(["csharp", "markdown"], Kinds(document));
        Assert.Equal("var a = 1;", document.Cells[0].Source);
        Assert.Equal(1, document.Cells[0].FirstLine);
    }

    [Fact]
    public void Text_before_the_first_separator_belongs_to_the_meta_default_kernel()
    {
        // The meta block runs up to the next "#!" line, so such text can only come before #!meta.
        var document = DibParser.Parse("let a = 1\n\n#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"fsharp\",\"items\":[{\"name\":\"fsharp\"}]}}\n\n#!csharp\n\nvar b = 2;\n");

        Assert.Equal(["fsharp", "csharp"], Kinds(document));
        Assert.Equal("let a = 1", document.Cells[0].Source);
        Assert.Equal("fsharp", document.DefaultKernelName);
    }

    [Fact]
    public void Kernel_names_and_aliases_declared_in_meta_are_separators()
    {
        const string text = "#!meta\n\n{\"kernelInfo\":{\"items\":[{\"name\":\"sql\",\"aliases\":[\"mssql\"]},{\"name\":\"csharp\"}]}}\n\n"
            + "#!sql\n\nselect 1\n\n#!mssql\n\nselect 2\n\n#!kql\n\nstays\n";

        var document = DibParser.Parse(text);

        Assert.Equal(["sql", "sql"], Kinds(document));
        Assert.Equal("select 2\n\n#!kql\n\nstays", document.Cells[1].Source);
        Assert.Contains(document.DeclaredKernels, k => k.Name == "sql" && k.Aliases.SequenceEqual(["mssql"]));
    }

    [Fact]
    public void Crlf_input_parses_like_lf_input_and_writes_back_with_lf()
    {
        const string lf = "#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"csharp\"}}\n\n#!csharp\n\nvar a = 1;\nvar b = 2;\n\n#!markdown\n\n# Title\n";
        var crlf = lf.Replace("\n", "\r\n");

        var fromLf = DibParser.Parse(lf);
        var fromCrlf = DibParser.Parse(crlf);

        Assert.Equal(fromLf.Cells, fromCrlf.Cells);
        Assert.DoesNotContain('\r', fromCrlf.Cells[0].Source);
        Assert.Equal(lf, DibWriter.Write(fromCrlf));
    }

    [Fact]
    public void Cells_know_the_dib_line_of_their_first_source_line()
    {
        const string text = "#!meta\n\n{\"kernelInfo\":{}}\n\n#!csharp\n\n\n// line 8\nvar a = 1;\n\n#!markdown\n\n# line 13\n";

        var document = DibParser.Parse(text);

        Assert.Equal([8, 13], document.Cells.Select(c => c.FirstLine));
        Assert.Equal("// line 8", document.Cells[0].FirstSourceLine);
    }

    [Fact]
    public void Invalid_meta_json_names_the_file_and_line()
    {
        const string text = "#!meta\n\n{\"kernelInfo\":\n  {\"defaultKernelName\": csharp}}\n\n#!csharp\n\n1\n";

        var error = Assert.Throws<DibFormatException>(() => DibParser.Parse(text, "bad.dib"));

        Assert.Equal("bad.dib", error.Path);
        Assert.Equal(4, error.Line);
        Assert.StartsWith("bad.dib(4): invalid #!meta JSON", error.Message);
    }

    [Fact]
    public void Meta_kernel_info_of_the_wrong_shape_is_a_format_error()
    {
        var error = Assert.Throws<DibFormatException>(() => DibParser.Parse("#!meta\n\n{\"kernelInfo\":{\"items\":{}}}\n", "shape.dib"));

        Assert.Equal(1, error.Line);
        Assert.Contains("items must be an array", error.Message);
    }

    [Fact]
    public void Writer_puts_meta_json_on_one_line_and_uses_canonical_kernel_names()
    {
        var document = DibParser.Parse("#!meta\n\n{\n  \"kernelInfo\": {\"defaultKernelName\": \"csharp\"}\n}\n\n#!c#\n\n\nx\n\n#!md\n\ny");

        Assert.Equal("#!meta\n\n{\"kernelInfo\":{\"defaultKernelName\":\"csharp\"}}\n\n#!csharp\n\nx\n\n#!markdown\n\ny\n", DibWriter.Write(document));
    }

    [Fact]
    public void Writer_output_parses_back_to_the_same_cells()
    {
        var document = DibParser.ParseFile(TestPaths.Fixture("dotnet-interactive", "NotebookTestScript.dib"));

        var again = DibParser.Parse(DibWriter.Write(document));

        Assert.Equal(document.Cells.Select(c => (c.KernelName, c.Source)), again.Cells.Select(c => (c.KernelName, c.Source)));
    }

    [Fact]
    public void Empty_file_has_no_cells()
    {
        Assert.Empty(DibParser.Parse("").Cells);
        Assert.Equal("", DibWriter.Write(DibParser.Parse("")));
    }
}
