using System.Text.Json;
using System.Text.Json.Serialization;

namespace CourseWorkbook.Retrieval;

/// <summary>Count of documents in one section, with the first and last dates seen.</summary>
public sealed record SectionCount(string Section, int Documents, DateOnly? First, DateOnly? Last)
{
    /// <summary>One line: section, count, date range.</summary>
    public override string ToString() => $"{Section}: {Documents} documents, {First:yyyy-MM-dd}..{Last:yyyy-MM-dd}";
}

/// <summary>Loads the headline corpus (JSONL: id, date, section, text) and describes it.</summary>
public static class Corpus
{
    /// <summary>Reads one headline a line; a malformed line fails with its file name and line number.</summary>
    public static IReadOnlyList<Document> LoadHeadlines(string path)
    {
        var documents = new List<Document>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            HeadlineRow? row;
            try { row = JsonSerializer.Deserialize(line, RetrievalJson.Default.HeadlineRow); }
            catch (JsonException e)
            {
                throw new FormatException($"{path}:{lineNumber}: not a JSON headline ({e.Message})", e);
            }
            if (row is null || string.IsNullOrWhiteSpace(row.Id) || string.IsNullOrWhiteSpace(row.Text))
                throw new FormatException($"{path}:{lineNumber}: a headline needs an id and a text");
            if (!ids.Add(row.Id)) throw new FormatException($"{path}:{lineNumber}: duplicate id {row.Id}");
            DateOnly? date = null;
            if (row.Date is not null)
            {
                if (!DateOnly.TryParseExact(row.Date, "yyyy-MM-dd", out var d))
                    throw new FormatException($"{path}:{lineNumber}: date '{row.Date}' is not yyyy-MM-dd");
                date = d;
            }
            documents.Add(new Document(row.Id, row.Text.Trim(), date, row.Section));
        }
        return documents;
    }

    /// <summary>Documents per section (and in total), for a first look at the corpus.</summary>
    public static IReadOnlyList<SectionCount> Describe(IEnumerable<Document> documents)
    {
        var list = documents.ToList();
        static SectionCount Count(string name, IReadOnlyCollection<Document> docs)
        {
            var dates = docs.Where(d => d.Date is not null).Select(d => d.Date!.Value).ToList();
            return new SectionCount(name, docs.Count, dates.Count == 0 ? null : dates.Min(),
                dates.Count == 0 ? null : dates.Max());
        }
        var rows = list.GroupBy(d => d.Section ?? "(none)")
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Count(g.Key, g.ToList()))
            .ToList();
        rows.Add(Count("total", list));
        return rows;
    }

    /// <summary>The smallest range holding every dated document, or null when none is dated.</summary>
    public static DateRange? Span(IEnumerable<Document> documents)
    {
        var dates = documents.Where(d => d.Date is not null).Select(d => d.Date!.Value).ToList();
        return dates.Count == 0 ? null : new DateRange(dates.Min(), dates.Max());
    }
}
