using System.Text.RegularExpressions;

namespace CourseWorkbook.Retrieval;

/// <summary>What <see cref="FrenchDates.Parse"/> found in a question: the period, the words that named it, and the question without them.</summary>
public sealed record DateQuery(string Question, DateRange? Range, string? Expression, string QueryWithoutDate)
{
    /// <summary>One line: the expression and its range, or "no date".</summary>
    public override string ToString() => Range is null ? $"no date in « {Question} »" : $"« {Expression} » → {Range}";
}

/// <summary>
/// A small parser for the French date expressions of questions, so dates become a metadata filter applied
/// before ranking instead of words left to similarity. Understands: a day (« le 14 mars », « 1er mai 2024 »),
/// a part of a month (« début mars », « mi-juillet », « fin avril »), a month (« en mars », « au mois d'août »,
/// « en juillet 2024 »), a span of months (« entre mars et mai », « de juin à août 2024 »), a season (« au
/// printemps 2024 », « cet été », « à l'automne », « l'hiver 2023-2024 »), a part of a year (« début 2024 »,
/// « mi-2024 », « fin 2024 », « en début d'année »), « à la rentrée », and a year (« en 2024 », « depuis 2021 »).
/// Seasons are meteorological, as Météo-France counts them: spring = March–May, summer = June–August, autumn =
/// September–November, winter Y = December Y−1 to February Y. A missing year is <c>defaultYear</c>. A bare month
/// name needs a preposition (« en mars »), so « la planète Mars » is not a date. Quarters (« au deuxième
/// trimestre ») are not parsed on purpose: they name the period a statistic measures, published months later.
/// </summary>
public static partial class FrenchDates
{
    private const string Months = "janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre";

    /// <summary>Finds the first date expression of the question (the most specific pattern wins) and its range.</summary>
    public static DateQuery Parse(string question, int defaultYear)
    {
        foreach (var (pattern, toRange) in Rules)
        {
            var m = pattern.Match(question);
            if (!m.Success) continue;
            var range = toRange(m, defaultYear);
            if (range is null) continue;
            var without = Spaces().Replace(question.Remove(m.Index, m.Length), " ").Trim();
            return new DateQuery(question, range, m.Value.Trim(), without);
        }
        return new DateQuery(question, null, null, question);
    }

    /// <summary>1–12 for a French month name (accents optional), else 0.</summary>
    public static int MonthNumber(string name) => FrenchTokenizer.RemoveAccents(name.ToLowerInvariant()) switch
    {
        "janvier" => 1, "fevrier" => 2, "mars" => 3, "avril" => 4, "mai" => 5, "juin" => 6,
        "juillet" => 7, "aout" => 8, "septembre" => 9, "octobre" => 10, "novembre" => 11, "decembre" => 12,
        _ => 0,
    };

    /// <summary>The meteorological season of a year (winter Y runs from December Y−1 to February Y).</summary>
    public static DateRange Season(string season, int year) => FrenchTokenizer.RemoveAccents(season.ToLowerInvariant()) switch
    {
        "printemps" => new(new DateOnly(year, 3, 1), new DateOnly(year, 5, 31)),
        "ete" => new(new DateOnly(year, 6, 1), new DateOnly(year, 8, 31)),
        "automne" => new(new DateOnly(year, 9, 1), new DateOnly(year, 11, 30)),
        "hiver" => new(new DateOnly(year - 1, 12, 1), new DateOnly(year, 2, DateTime.DaysInMonth(year, 2))),
        _ => throw new ArgumentException($"unknown season '{season}'"),
    };

    private static int YearOr(Group g, int defaultYear) => g.Success ? int.Parse(g.Value) : defaultYear;

    private static DateRange? Day(Match m, int defaultYear)
    {
        var year = YearOr(m.Groups["y"], defaultYear);
        var month = MonthNumber(m.Groups["m"].Value);
        var day = m.Groups["d"].Value.StartsWith('1') && m.Groups["d"].Value.EndsWith("er") ? 1 : int.Parse(m.Groups["d"].Value);
        if (day < 1 || day > DateTime.DaysInMonth(year, month)) return null;
        var date = new DateOnly(year, month, day);
        return new DateRange(date, date);
    }

    private static DateRange PartOfMonth(Match m, int defaultYear)
    {
        var year = YearOr(m.Groups["y"], defaultYear);
        var month = MonthNumber(m.Groups["m"].Value);
        var last = DateTime.DaysInMonth(year, month);
        return m.Groups["p"].Value.ToLowerInvariant() switch
        {
            "début" or "debut" => new(new DateOnly(year, month, 1), new DateOnly(year, month, 10)),
            "mi" => new(new DateOnly(year, month, 11), new DateOnly(year, month, 20)),
            _ => new(new DateOnly(year, month, 21), new DateOnly(year, month, last)),
        };
    }

    private static DateRange MonthSpan(Match m, int defaultYear)
    {
        var year = YearOr(m.Groups["y"], defaultYear);
        int from = MonthNumber(m.Groups["m1"].Value), to = MonthNumber(m.Groups["m2"].Value);
        var fromYear = from <= to ? year : year - 1; // « de novembre à février 2024 »
        return new(DateRange.Month(fromYear, from).From, DateRange.Month(year, to).To);
    }

    private static DateRange SeasonRange(Match m, int defaultYear)
    {
        var season = m.Groups["s"].Value;
        if (m.Groups["y2"].Success) return Season(season, int.Parse(m.Groups["y2"].Value)); // hiver 2023-2024
        return Season(season, YearOr(m.Groups["y"], defaultYear));
    }

    private static DateRange PartOfYear(Match m, int defaultYear)
    {
        var year = YearOr(m.Groups["y"], defaultYear);
        return m.Groups["p"].Value.ToLowerInvariant() switch
        {
            "début" or "debut" => new(new DateOnly(year, 1, 1), new DateOnly(year, 3, 31)),
            "mi" or "milieu" => new(new DateOnly(year, 5, 1), new DateOnly(year, 8, 31)),
            _ => new(new DateOnly(year, 10, 1), new DateOnly(year, 12, 31)),
        };
    }

    private static DateRange YearRange(Match m, int defaultYear)
    {
        var year = int.Parse(m.Groups["y"].Value);
        return m.Groups["rel"].Value.ToLowerInvariant() switch
        {
            "depuis" => new(new DateOnly(year, 1, 1), DateOnly.MaxValue),
            "après" or "apres" => new(new DateOnly(year + 1, 1, 1), DateOnly.MaxValue),
            "avant" => new(DateOnly.MinValue, new DateOnly(year - 1, 12, 31)),
            _ => DateRange.Year(year),
        };
    }

    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
    private const string Year = @"(?<y>(?:19|20)\d\d)";

    private static readonly (Regex Pattern, Func<Match, int, DateRange?> ToRange)[] Rules =
    [
        (new Regex($@"\b(?:entre\s+(?:le\s+mois\s+de\s+)?(?<m1>{Months})\s+et|de\s+(?<m1>{Months})\s+à)\s+(?<m2>{Months})(?:\s+{Year})?\b", Options), (m, y) => MonthSpan(m, y)),
        (new Regex($@"\b(?:le\s+)?(?<d>1er|[0-3]?\d)\s+(?<m>{Months})(?:\s+{Year})?\b", Options), Day),
        (new Regex($@"(?:\b(?:en|au|à)\s+)?\b(?<p>début|debut|mi|fin)[\s-]+(?<m>{Months})(?:\s+{Year})?\b", Options), (m, y) => PartOfMonth(m, y)),
        (new Regex($@"\b(?:en|courant|dans\s+le\s+courant\s+d(?:e\s+|')|au\s+(?:cours\s+du\s+)?mois\s+d(?:e\s+|')|pendant\s+le\s+mois\s+d(?:e\s+|'))\s*(?<m>{Months})(?:\s+{Year})?\b", Options),
            (m, y) => DateRange.Month(YearOr(m.Groups["y"], y), MonthNumber(m.Groups["m"].Value))),
        (new Regex($@"\b(?<m>{Months})\s+{Year}\b", Options), (m, y) => DateRange.Month(int.Parse(m.Groups["y"].Value), MonthNumber(m.Groups["m"].Value))),
        // A season needs a preposition or a year, and a lower-case name after a preposition: « a été nommé » and
        // « au Printemps de Bourges » are not dates.
        (new Regex($@"(?:\b(?:au\s+cours\s+(?:de\s+l'|du)|pendant\s+l'|durant\s+l'|pendant\s+le|durant\s+le|de\s+l'|à\s+l'|au|en|cet|ce|du|l')\s*(?<s>(?-i:printemps|été|ete|automne|hiver))|\b(?<s>(?-i:[Pp]rintemps|[ÉéEe]t[ée]|[Aa]utomne|[Hh]iver))(?=\s+(?:19|20)\d\d))(?:\s+(?<y>(?:19|20)\d\d)(?:\s*[-/]\s*(?<y2>(?:19|20)\d\d))?)?\b", Options), (m, y) => SeasonRange(m, y)),
        (new Regex($@"(?:\b(?:en|au|à)\s+)?\b(?<p>début|debut|mi|milieu|fin)[\s-]+(?:d'année|de\s+l'année\s+{Year}|{Year})\b", Options), (m, y) => PartOfYear(m, y)),
        (new Regex(@"\b(?:à|a|pour|depuis)\s+la\s+rentrée(?:\s+(?<y>(?:19|20)\d\d))?\b", Options), (m, y) => DateRange.Month(YearOr(m.Groups["y"], y), 9)),
        (new Regex($@"(?:\b(?<rel>depuis|avant|après|apres)\s+|\b(?:en|au\s+cours\s+de|durant|pendant)\s+(?:l'année\s+)?)?\b{Year}\b", Options), (m, y) => YearRange(m, y)),
    ];

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Spaces();
}
