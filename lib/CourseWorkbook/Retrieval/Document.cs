namespace CourseWorkbook.Retrieval;

/// <summary>A passage that can be retrieved (a headline, or a chunk of a longer text) with its metadata.</summary>
/// <param name="Id">Stable identifier, e.g. <c>h0042</c> or <c>guide.pdf#p2-c1</c>.</param>
/// <param name="Text">The text that is embedded, indexed and shown to the model.</param>
/// <param name="Date">Publication date, used by date filters (never left to similarity).</param>
/// <param name="Section">Section or category, used by section filters.</param>
/// <param name="Source">Where the text came from (file name and page for PDF chunks).</param>
public sealed record Document(string Id, string Text, DateOnly? Date = null, string? Section = null,
    string? Source = null)
{
    /// <summary>One line: id, date and section in brackets, then the text (line breaks shown as spaces).</summary>
    public override string ToString()
    {
        var meta = string.Join(' ', new[] { Date?.ToString("yyyy-MM-dd"), Section, Source }.Where(s => s is not null));
        var text = Text.ReplaceLineEndings(" ");
        return meta.Length == 0 ? $"{Id} {text}" : $"{Id} [{meta}] {text}";
    }
}

/// <summary>
/// An inclusive range of days; <see cref="DateOnly.MinValue"/> or <see cref="DateOnly.MaxValue"/> leave a side open.
/// </summary>
public sealed record DateRange(DateOnly From, DateOnly To)
{
    /// <summary>Whether the day falls inside the range, both ends included.</summary>
    public bool Contains(DateOnly day) => From <= day && day <= To;

    /// <summary>Whether the two ranges share at least one day.</summary>
    public bool Overlaps(DateRange other) => From <= other.To && other.From <= To;

    /// <summary>The whole calendar month.</summary>
    public static DateRange Month(int year, int month) =>
        new(new DateOnly(year, month, 1), new DateOnly(year, month, DateTime.DaysInMonth(year, month)));

    /// <summary>The whole calendar year.</summary>
    public static DateRange Year(int year) => new(new DateOnly(year, 1, 1), new DateOnly(year, 12, 31));

    /// <summary><c>2024-03-01..2024-03-31</c>, with <c>…</c> for an open side.</summary>
    public override string ToString() =>
        $"{(From == DateOnly.MinValue ? "…" : From.ToString("yyyy-MM-dd"))}.."
        + $"{(To == DateOnly.MaxValue ? "…" : To.ToString("yyyy-MM-dd"))}";
}

/// <summary>Metadata filter applied before ranking: only documents that match are scored.</summary>
public sealed record SearchFilter(DateRange? Dates = null, string? Section = null)
{
    /// <summary>The filter that keeps everything.</summary>
    public static SearchFilter None { get; } = new();

    /// <summary>True when the filter keeps every document.</summary>
    public bool IsEmpty => Dates is null && Section is null;

    /// <summary>
    /// Whether the document passes: a date filter drops undated documents, a section filter compares ignoring case.
    /// </summary>
    public bool Matches(Document document) =>
        (Dates is null || document.Date is { } d && Dates.Contains(d))
        && (Section is null || string.Equals(document.Section, Section, StringComparison.OrdinalIgnoreCase));

    /// <summary><c>dates 2024-03-01..2024-03-31, section météo</c>, or <c>none</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Dates is not null) parts.Add($"dates {Dates}");
        if (Section is not null) parts.Add($"section {Section}");
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}

/// <summary>One retrieved document with its rank (1 = best) and the retriever's score.</summary>
public sealed record SearchHit(int Rank, double Score, Document Document)
{
    /// <summary>One line: rank, score, document.</summary>
    public override string ToString() => $"{Rank,2}. {Score,7:0.0000}  {Document}";
}

/// <summary>Anything that ranks documents for a query: BM25, dense vectors, a hybrid of both.</summary>
public interface IRetriever
{
    /// <summary>Short name shown in evaluation tables.</summary>
    string Name { get; }

    /// <summary>
    /// The <paramref name="k"/> best documents for the query among those the filter keeps, best first.
    /// </summary>
    Task<IReadOnlyList<SearchHit>> SearchAsync(string query, int k, SearchFilter? filter = null,
        CancellationToken cancellationToken = default);
}
