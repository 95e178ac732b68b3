using System.Text.Json.Serialization;

namespace CourseWorkbook.Retrieval;

// JSON rows of the data files, read with source-generated serializers (no reflection: works in any host).

internal sealed record HeadlineRow(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("date")] string? Date,
    [property: JsonPropertyName("section")] string? Section,
    [property: JsonPropertyName("text")] string Text);

internal sealed record DatesRow(
    [property: JsonPropertyName("from")] string From,
    [property: JsonPropertyName("to")] string To);

internal sealed record QuestionRow(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("relevant")] List<string> Relevant,
    [property: JsonPropertyName("dates")] DatesRow? Dates,
    [property: JsonPropertyName("section")] string? Section,
    [property: JsonPropertyName("kind")] string? Kind = null,
    [property: JsonPropertyName("split")] string? Split = null);

[JsonSerializable(typeof(HeadlineRow))]
[JsonSerializable(typeof(QuestionRow))]
internal sealed partial class RetrievalJson : JsonSerializerContext;
