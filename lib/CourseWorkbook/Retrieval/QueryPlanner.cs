namespace CourseWorkbook.Retrieval;

/// <summary>How a question will be searched: the text sent to the retriever and the metadata filter.</summary>
/// <param name="Question">The question as asked.</param>
/// <param name="SearchText">The question without its date expression (« en mars » says when, not what).</param>
/// <param name="Filter">Metadata filter applied before ranking.</param>
/// <param name="DateExpression">The words that named the period, e.g. « au printemps 2024 ».</param>
/// <param name="Note">Why the plan differs from the obvious one, e.g. a date outside the corpus was ignored.</param>
/// <param name="Named">The period as the question names it, before any tolerance (the filter may be wider).</param>
/// <param name="FallBack">When the date filter leaves fewer than k passages, complete with unfiltered ones.</param>
public sealed record QueryPlan(string Question, string SearchText, SearchFilter Filter, string? DateExpression = null,
    string? Note = null, DateRange? Named = null, bool FallBack = false)
{
    /// <summary>One line: filter, search text and note.</summary>
    public override string ToString() =>
        $"filter: {Filter}; search: « {SearchText} »{(Note is null ? "" : $"; note: {Note}")}";
}

/// <summary>How dates in questions are planned.</summary>
/// <param name="DayTolerance">Days added on each side of a day-level date (« le 8 mars »): news of an event is often
/// published the day before or after it.</param>
/// <param name="Extended">Holidays and events, « début de l'été », « l'hiver dernier », seasons resolved against the
/// corpus span (see <see cref="FrenchDates.Parse(string, int, DateRange?, bool)"/>).</param>
/// <param name="FallBack">Complete with unfiltered passages when the filter leaves fewer than k.</param>
public sealed record PlannerOptions(int DayTolerance = 2, bool Extended = true, bool FallBack = true)
{
    /// <summary>The first planner: every date is a hard filter, exactly as parsed, with no way back.</summary>
    public static PlannerOptions Strict { get; } = new(0, false, false);

    /// <summary>The planner with every fix (the default).</summary>
    public static PlannerOptions Default { get; } = new();
}

/// <summary>Turns a question into a <see cref="QueryPlan"/> with <see cref="FrenchDates"/>.</summary>
public static class QueryPlanner
{
    /// <summary>
    /// Parses the question's date expression into a filter (missing year: the corpus' last year). A period that does
    /// not overlap the corpus at all (« en 2023 » in a 2024 corpus) is dropped with a note: it names when something
    /// happened, not when it was published, and filtering on it would leave no candidate. A day is widened by
    /// <see cref="PlannerOptions.DayTolerance"/> days on each side.
    /// </summary>
    public static QueryPlan Plan(string question, DateRange? corpusSpan = null, string? section = null,
        PlannerOptions? options = null)
    {
        options ??= PlannerOptions.Default;
        var defaultYear = corpusSpan?.To.Year ?? DateTime.Today.Year;
        var parsed = FrenchDates.Parse(question, defaultYear, options.Extended ? corpusSpan : null, options.Extended);
        if (parsed.Range is null) return new QueryPlan(question, question, new SearchFilter(null, section));
        var range = parsed.IsDay && options.DayTolerance > 0
            ? new DateRange(parsed.Range.From.AddDays(-options.DayTolerance),
                parsed.Range.To.AddDays(options.DayTolerance))
            : parsed.Range;
        if (corpusSpan is not null && !range.Overlaps(corpusSpan))
            return new QueryPlan(question, question, new SearchFilter(null, section), parsed.Expression,
                $"« {parsed.Expression} » ({parsed.Range}) lies outside the corpus ({corpusSpan}): no date filter");
        return new QueryPlan(question, parsed.QueryWithoutDate, new SearchFilter(range, section), parsed.Expression,
            Named: parsed.Range, FallBack: options.FallBack);
    }

    /// <summary>
    /// Searches with the plan. With <see cref="QueryPlan.FallBack"/>, a date filter that leaves fewer than k passages
    /// (a wrong date, a period with little news) is completed by the best passages without it, ranked after.
    /// </summary>
    public static async Task<IReadOnlyList<SearchHit>> SearchAsync(IRetriever retriever, QueryPlan plan, int k,
        CancellationToken cancellationToken = default)
    {
        var hits = await retriever.SearchAsync(plan.SearchText, k, plan.Filter, cancellationToken)
            .ConfigureAwait(false);
        if (!plan.FallBack || plan.Filter.Dates is null || hits.Count >= k) return hits;
        var wider = await retriever.SearchAsync(plan.SearchText, k, plan.Filter with { Dates = null },
            cancellationToken).ConfigureAwait(false);
        return WithFallback(hits, wider, k);
    }

    /// <summary>The filtered hits first, then unfiltered ones not already there, up to k, ranks renumbered.</summary>
    public static IReadOnlyList<SearchHit> WithFallback(IReadOnlyList<SearchHit> filtered,
        IReadOnlyList<SearchHit> wider, int k)
    {
        var seen = filtered.Select(h => h.Document.Id).ToHashSet(StringComparer.Ordinal);
        return filtered.Concat(wider.Where(h => !seen.Contains(h.Document.Id))).Take(k)
            .Select((h, i) => h with { Rank = i + 1 }).ToList();
    }
}
