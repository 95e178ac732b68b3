using System.Text.Json;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Tests.Output;

public class IpynbWriterTests
{
    private static readonly JsonSchema Schema = JsonSchema.Load(TestPaths.Fixture("nbformat", "nbformat.v4.5.schema.json"));

    [Fact]
    public void Written_notebook_validates_against_the_nbformat_4_5_schema()
    {
        using var json = JsonDocument.Parse(IpynbWriter.Write(NotebookRecords.Sample()));

        Assert.Empty(Schema.Validate(json.RootElement));
    }

    [Fact]
    public void Validator_rejects_notebooks_that_break_the_schema()
    {
        using var json = JsonDocument.Parse(IpynbWriter.Write(NotebookRecords.Sample()));
        var text = json.RootElement.GetRawText();

        Assert.Contains("\"execution_count\": 1,", text);
        Assert.NotEmpty(Schema.Validate(Parse(text.Replace("\"execution_count\": 1,", ""))));
        Assert.NotEmpty(Schema.Validate(Parse(text.Replace("\"cell-2\"", "\"cell 2!\""))));
        Assert.NotEmpty(Schema.Validate(Parse(text.Replace("\"nbformat\": 4", "\"nbformat\": \"4\""))));
        Assert.NotEmpty(Schema.Validate(Parse(text.Replace("\"output_type\": \"stream\"", "\"output_type\": \"printout\""))));
    }

    [Fact]
    public void Notebook_metadata_names_the_dotnet_csharp_kernel()
    {
        using var json = JsonDocument.Parse(IpynbWriter.Write(NotebookRecords.Sample()));
        var metadata = json.RootElement.GetProperty("metadata");

        Assert.Equal(".net-csharp", metadata.GetProperty("kernelspec").GetProperty("name").GetString());
        Assert.Equal(".NET (C#)", metadata.GetProperty("kernelspec").GetProperty("display_name").GetString());
        Assert.Equal("C#", metadata.GetProperty("kernelspec").GetProperty("language").GetString());
        Assert.Equal("C#", metadata.GetProperty("language_info").GetProperty("name").GetString());
        Assert.Equal(4, json.RootElement.GetProperty("nbformat").GetInt32());
        Assert.Equal(5, json.RootElement.GetProperty("nbformat_minor").GetInt32());
    }

    [Fact]
    public void Cells_carry_ids_sources_as_lines_execution_counts_and_outputs()
    {
        using var json = JsonDocument.Parse(IpynbWriter.Write(NotebookRecords.Sample()));
        var cells = json.RootElement.GetProperty("cells").EnumerateArray().ToList();

        Assert.Equal(["markdown", "code", "code", "code"], cells.Select(c => c.GetProperty("cell_type").GetString()));
        Assert.Equal(4, cells.Select(c => c.GetProperty("id").GetString()).Distinct().Count());
        Assert.Equal(["Console.WriteLine(1);\n", "1 + 1"], cells[1].GetProperty("source").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(1, cells[1].GetProperty("execution_count").GetInt32());
        Assert.Equal(JsonValueKind.Null, cells[3].GetProperty("execution_count").ValueKind);
        Assert.Empty(cells[3].GetProperty("outputs").EnumerateArray());

        var outputs = cells[1].GetProperty("outputs").EnumerateArray().ToList();
        Assert.Equal(["stream", "execute_result", "display_data"], outputs.Select(o => o.GetProperty("output_type").GetString()));
        Assert.Equal(1, outputs[1].GetProperty("execution_count").GetInt32());
        Assert.Equal(["<b>2</b>\n", "<i>two</i>"], outputs[1].GetProperty("data").GetProperty("text/html").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(2, outputs[2].GetProperty("data").GetProperty("application/json").GetProperty("a")[1].GetInt32());
        Assert.Equal("not json", outputs[2].GetProperty("data").GetProperty("application/vnd.x+json")[0].GetString());

        var error = Assert.Single(cells[2].GetProperty("outputs").EnumerateArray());
        Assert.Equal("error", error.GetProperty("output_type").GetString());
        Assert.Equal("System.Exception", error.GetProperty("ename").GetString());
        Assert.Equal("x", error.GetProperty("evalue").GetString());
        Assert.Equal(2, error.GetProperty("traceback").GetArrayLength());
    }

    private static JsonElement Parse(string text) => JsonDocument.Parse(text).RootElement;
}
