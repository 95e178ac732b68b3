using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CourseWorkbook.Runner.Output;

/// <summary>
/// Writes an executed notebook as nbformat 4.5 .ipynb JSON (kernelspec .net-csharp, cell ids, outputs).
/// </summary>
public static partial class IpynbWriter
{
    /// <summary>The .ipynb text of a run notebook.</summary>
    public static string Write(NotebookRecord notebook)
    {
        using var buffer = new MemoryStream();
        var writerOptions = new JsonWriterOptions
        {
            Indented = true,
            IndentSize = 1,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        using (var json = new Utf8JsonWriter(buffer, writerOptions))
        {
            json.WriteStartObject();
            json.WriteStartArray("cells");
            foreach (var cell in notebook.Cells) WriteCell(json, cell);
            json.WriteEndArray();
            WriteMetadata(json, notebook);
            json.WriteNumber("nbformat", 4);
            json.WriteNumber("nbformat_minor", 5);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteMetadata(Utf8JsonWriter json, NotebookRecord notebook)
    {
        json.WriteStartObject("metadata");
        json.WriteStartObject("kernelspec");
        json.WriteString("display_name", ".NET (C#)");
        json.WriteString("language", "C#");
        json.WriteString("name", ".net-csharp");
        json.WriteEndObject();
        json.WriteStartObject("language_info");
        json.WriteString("name", "C#");
        json.WriteString("file_extension", ".cs");
        json.WriteString("mimetype", "text/x-csharp");
        json.WriteString("pygments_lexer", "csharp");
        json.WriteEndObject();
        json.WriteStartObject("polyglot_notebook");
        json.WritePropertyName("kernelInfo");
        using var meta = notebook.Document.MetadataJson is { } text ? JsonDocument.Parse(text) : null;
        if (meta is not null && meta.RootElement.TryGetProperty("kernelInfo", out var kernelInfo))
        {
            kernelInfo.WriteTo(json);
        }
        else
        {
            json.WriteStartObject();
            json.WriteString("defaultKernelName", "csharp");
            json.WriteStartArray("items");
            json.WriteStartObject();
            json.WriteString("name", "csharp");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteCell(Utf8JsonWriter json, CellRecord cell)
    {
        json.WriteStartObject();
        json.WriteString("cell_type", cell.IsCode ? "code" : "markdown");
        json.WriteString("id", $"cell-{cell.Index}");
        json.WriteStartObject("metadata");
        if (cell.IsCode)
        {
            json.WriteStartObject("dotnet_interactive");
            json.WriteString("language", cell.Kind);
            json.WriteEndObject();
            json.WriteStartObject("polyglot_notebook");
            json.WriteString("kernelName", cell.Kind);
            json.WriteEndObject();
            json.WriteStartObject("courseworkbook");
            json.WriteString("status", cell.Status);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        WriteMultiline(json, "source", cell.Cell.Source);
        if (cell.IsCode)
        {
            if (cell.ExecutionCount is { } count) json.WriteNumber("execution_count", count);
            else json.WriteNull("execution_count");
            json.WriteStartArray("outputs");
            foreach (var output in cell.Outputs) WriteOutput(json, output, cell.ExecutionCount);
            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteOutput(Utf8JsonWriter json, CellOutput output, int? executionCount)
    {
        json.WriteStartObject();
        switch (output)
        {
            case StreamOutput stream:
                json.WriteString("output_type", "stream");
                json.WriteString("name", stream.Name);
                WriteMultiline(json, "text", stream.Text.ToString());
                break;
            case DataOutput data:
                json.WriteString("output_type", data.IsResult ? "execute_result" : "display_data");
                json.WriteStartObject("data");
                foreach (var (mime, text) in data.Data)
                {
                    if (JsonMime().IsMatch(mime) && TryParse(text) is { } parsed)
                    {
                        json.WritePropertyName(mime);
                        parsed.RootElement.WriteTo(json);
                        parsed.Dispose();
                    }
                    else
                    {
                        WriteMultiline(json, mime, text);
                    }
                }

                json.WriteEndObject();
                json.WriteStartObject("metadata");
                json.WriteEndObject();
                if (data.IsResult)
                {
                    if (executionCount is { } count) json.WriteNumber("execution_count", count);
                    else json.WriteNull("execution_count");
                }

                break;
            case ErrorOutput error:
                json.WriteString("output_type", "error");
                json.WriteString("ename", error.Name);
                json.WriteString("evalue", error.Value);
                json.WriteStartArray("traceback");
                foreach (var line in error.Traceback) json.WriteStringValue(line);
                json.WriteEndArray();
                break;
        }

        json.WriteEndObject();
    }

    /// <summary>Jupyter's multiline string: an array of lines, each keeping its trailing \n.</summary>
    private static void WriteMultiline(Utf8JsonWriter json, string property, string text)
    {
        json.WriteStartArray(property);
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n') continue;
            json.WriteStringValue(text.AsSpan(start, i + 1 - start));
            start = i + 1;
        }

        if (start < text.Length) json.WriteStringValue(text.AsSpan(start));
        json.WriteEndArray();
    }

    private static JsonDocument? TryParse(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^application/(.*\+)?json$")]
    private static partial Regex JsonMime();
}
