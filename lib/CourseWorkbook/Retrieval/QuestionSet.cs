using System.Text.Json;
using System.Text.Json.Serialization;

namespace CourseWorkbook.Retrieval;

/// <summary>An evaluation question: its text, the ids of the documents that answer it, and its gold filter.</summary>
/// <param name="Id">Question id, e.g. <c>q07</c>.</param>
/// <param name="Question">The question as a reader would ask it.</param>
/// <param name="Relevant">Ids of the documents that answer it (one is enough).</param>
/// <param name="Dates">The period the question names, when the answer depends on it (publication dates).</param>
/// <param name="Section">A section the answer must come from, when the question names one.</param>
public sealed record RagQuestion(string Id, string Question, IReadOnlyList<string> Relevant, DateRange? Dates = null, string? Section = null)
{
    /// <summary>The filter written by hand with the question (what a perfect date parser would produce).</summary>
    public SearchFilter GoldFilter => new(Dates, Section);

    /// <summary>One line: id, question, relevant ids, filter.</summary>
    public override string ToString() =>
        $"{Id} {Question} → {string.Join(",", Relevant)}{(GoldFilter.IsEmpty ? "" : $" ({GoldFilter})")}";
}

/// <summary>Loads question sets (JSONL: id, question, relevant, optional dates {from,to} and section).</summary>
public static class QuestionSet
{
    /// <summary>Reads one question a line; a malformed line fails with its file name and line number.</summary>
    public static IReadOnlyList<RagQuestion> Load(string path)
    {
        var questions = new List<RagQuestion>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            QuestionRow? row;
            try { row = JsonSerializer.Deserialize(line, RetrievalJson.Default.QuestionRow); }
            catch (JsonException e) { throw new FormatException($"{path}:{lineNumber}: not a JSON question ({e.Message})", e); }
            if (row is null || string.IsNullOrWhiteSpace(row.Id) || string.IsNullOrWhiteSpace(row.Question) || row.Relevant is not { Count: > 0 })
                throw new FormatException($"{path}:{lineNumber}: a question needs an id, a text and at least one relevant id");
            DateRange? dates = null;
            if (row.Dates is not null)
            {
                if (!DateOnly.TryParseExact(row.Dates.From, "yyyy-MM-dd", out var from) || !DateOnly.TryParseExact(row.Dates.To, "yyyy-MM-dd", out var to))
                    throw new FormatException($"{path}:{lineNumber}: dates must be {{\"from\":\"yyyy-MM-dd\",\"to\":\"yyyy-MM-dd\"}}");
                dates = new DateRange(from, to);
            }
            questions.Add(new RagQuestion(row.Id, row.Question, row.Relevant, dates, row.Section));
        }
        return questions;
    }

    /// <summary>Checks that every relevant id exists in the corpus and passes the question's gold filter.</summary>
    public static IReadOnlyList<string> Validate(IEnumerable<RagQuestion> questions, IEnumerable<Document> corpus)
    {
        var byId = corpus.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var q in questions)
            foreach (var id in q.Relevant)
            {
                if (!byId.TryGetValue(id, out var doc)) problems.Add($"{q.Id}: unknown document {id}");
                else if (!q.GoldFilter.Matches(doc)) problems.Add($"{q.Id}: {id} does not pass the filter {q.GoldFilter}");
            }
        return problems;
    }
}
