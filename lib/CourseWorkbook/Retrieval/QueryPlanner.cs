namespace CourseWorkbook.Retrieval;

/// <summary>How a question will be searched: the text sent to the retriever and the metadata filter.</summary>
/// <param name="Question">The question as asked.</param>
/// <param name="SearchText">The question without its date expression (« en mars » says when, not what).</param>
/// <param name="Filter">Metadata filter applied before ranking.</param>
/// <param name="DateExpression">The words that named the period, e.g. « au printemps 2024 ».</param>
/// <param name="Note">Why the plan differs from the obvious one, e.g. a date outside the corpus was ignored.</param>
public sealed record QueryPlan(string Question, string SearchText, SearchFilter Filter, string? DateExpression = null, string? Note = null)
{
    /// <summary>One line: filter, search text and note.</summary>
    public override string ToString() =>
        $"filter: {Filter}; search: « {SearchText} »{(Note is null ? "" : $"; note: {Note}")}";
}

/// <summary>Turns a question into a <see cref="QueryPlan"/> with <see cref="FrenchDates"/>.</summary>
public static class QueryPlanner
{
    /// <summary>
    /// Parses the question's date expression into a filter (missing year: the corpus' last year). A period that does
    /// not overlap the corpus at all (« en 2023 » in a 2024 corpus) is dropped with a note: it names when something
    /// happened, not when it was published, and filtering on it would leave no candidate.
    /// </summary>
    public static QueryPlan Plan(string question, DateRange? corpusSpan = null, string? section = null)
    {
        var defaultYear = corpusSpan?.To.Year ?? DateTime.Today.Year;
        var parsed = FrenchDates.Parse(question, defaultYear);
        if (parsed.Range is null) return new QueryPlan(question, question, new SearchFilter(null, section));
        if (corpusSpan is not null && !parsed.Range.Overlaps(corpusSpan))
            return new QueryPlan(question, question, new SearchFilter(null, section), parsed.Expression,
                $"« {parsed.Expression} » ({parsed.Range}) lies outside the corpus ({corpusSpan}): no date filter");
        return new QueryPlan(question, parsed.QueryWithoutDate, new SearchFilter(parsed.Range, section), parsed.Expression);
    }
}
