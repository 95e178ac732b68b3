namespace CourseWorkbook.Retrieval;

/// <summary>
/// Dates as a soft signal: how close a publication date is to the period a question names. 1 inside the period,
/// falling linearly to 0 at <c>horizonDays</c> outside it, 0 beyond (and 0 for an undated document or no period).
/// A reranker adds it to the similarity instead of dropping every passage outside the period: a boost, not a wall.
/// </summary>
public static class DateProximity
{
    /// <summary><c>max(0, 1 − distance / horizonDays)</c>, distance being the days between the date and the
    /// period.</summary>
    public static double Score(DateOnly? date, DateRange? period, int horizonDays)
    {
        if (date is not { } d || period is null) return 0;
        if (period.Contains(d)) return 1;
        if (horizonDays <= 0) return 0;
        var distance = d < period.From ? period.From.DayNumber - d.DayNumber : d.DayNumber - period.To.DayNumber;
        return Math.Max(0, 1 - (double)distance / horizonDays);
    }
}
