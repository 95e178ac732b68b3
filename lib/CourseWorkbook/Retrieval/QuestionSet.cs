using System.Text.Json;
using System.Text.Json.Serialization;

namespace CourseWorkbook.Retrieval;

/// <summary>An evaluation question: its text, the ids of the documents that answer it, and its gold filter.</summary>
/// <param name="Id">Question id, e.g. <c>q07</c>.</param>
/// <param name="Question">The question as a reader would ask it.</param>
/// <param name="Relevant">Ids of the documents that answer it (one is enough).</param>
/// <param name="Dates">The period the question names, when the answer depends on it (publication dates).</param>
/// <param name="Section">A section the answer must come from, when the question names one.</param>
/// <param name="Kind">What makes it hard: <c>direct</c>, <c>paraphrase</c> (few shared words), <c>recurring</c> (a
/// topic that comes back, told apart by its date), <c>date</c> (a day, a holiday, a relative period),
/// <c>ambiguous</c>.</param>
/// <param name="Split"><c>dev</c> (for tuning) or <c>heldout</c> (measured once, at the end).</param>
public sealed record RagQuestion(string Id, string Question, IReadOnlyList<string> Relevant, DateRange? Dates = null,
    string? Section = null, string? Kind = null, string? Split = null)
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
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{lineNumber}: not a JSON question ({e.Message})", e);
            }
            if (row is null || string.IsNullOrWhiteSpace(row.Id) || string.IsNullOrWhiteSpace(row.Question)
                || row.Relevant is not { Count: > 0 })
                throw new FormatException(
                    $"{path}:{lineNumber}: a question needs an id, a text and at least one relevant id");
            DateRange? dates = null;
            if (row.Dates is not null)
            {
                if (!DateOnly.TryParseExact(row.Dates.From, "yyyy-MM-dd", out var from)
                    || !DateOnly.TryParseExact(row.Dates.To, "yyyy-MM-dd", out var to))
                    throw new FormatException(
                        $"{path}:{lineNumber}: dates must be {{\"from\":\"yyyy-MM-dd\",\"to\":\"yyyy-MM-dd\"}}");
                dates = new DateRange(from, to);
            }
            questions.Add(new RagQuestion(row.Id, row.Question, row.Relevant, dates, row.Section, row.Kind, row.Split));
        }
        return questions;
    }

    /// <summary>
    /// Loads the questions and checks them against the corpus (<see cref="Validate"/>); a problem fails the load.
    /// </summary>
    public static IReadOnlyList<RagQuestion> Load(string path, IEnumerable<Document> corpus)
    {
        var questions = Load(path);
        var problems = Validate(questions, corpus);
        if (problems.Count > 0) throw new FormatException($"{path}: {string.Join("; ", problems)}");
        return questions;
    }

    /// <summary>The questions of one split (<c>dev</c> or <c>heldout</c>).</summary>
    public static IReadOnlyList<RagQuestion> Split(IEnumerable<RagQuestion> questions, string split) =>
        questions.Where(q => string.Equals(q.Split, split, StringComparison.Ordinal)).ToList();

    /// <summary>
    /// Checks that question ids are unique, date ranges ordered (from ≤ to), and every relevant id exists in the corpus
    /// and passes the question's gold filter. Returns the problems found (empty: valid).
    /// </summary>
    public static IReadOnlyList<string> Validate(IEnumerable<RagQuestion> questions, IEnumerable<Document> corpus)
    {
        var byId = corpus.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var problems = new List<string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var q in questions)
        {
            if (!ids.Add(q.Id)) problems.Add($"{q.Id}: duplicate question id");
            if (q.Dates is { } d && d.From > d.To) problems.Add($"{q.Id}: dates {d} end before they start");
        }
        foreach (var q in questions)
            foreach (var id in q.Relevant)
            {
                if (!byId.TryGetValue(id, out var doc)) problems.Add($"{q.Id}: unknown document {id}");
                else if (!q.GoldFilter.Matches(doc))
                    problems.Add($"{q.Id}: {id} does not pass the filter {q.GoldFilter}");
            }
        return problems;
    }
}
