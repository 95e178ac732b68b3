using System.Text.RegularExpressions;

namespace CourseWorkbook.Retrieval;

/// <summary>What <see cref="FrenchDates.Parse(string, int)"/> found in a question: the period, the words that named
/// it, and the question without them.</summary>
/// <param name="Question">The question as asked.</param>
/// <param name="Range">The period found, or null.</param>
/// <param name="Expression">The words that named it.</param>
/// <param name="QueryWithoutDate">The question without them (with them, when <paramref name="KeepsWords"/>).</param>
/// <param name="IsDay">The expression names one day (« le 14 mars », « à Pâques »): a publication date a day or two
/// away still answers, so the planner widens it by a tolerance.</param>
/// <param name="KeepsWords">The expression's words also say what (« à la Toussaint », « pendant les JO »): they stay in
/// the search text.</param>
public sealed record DateQuery(string Question, DateRange? Range, string? Expression, string QueryWithoutDate,
    bool IsDay = false, bool KeepsWords = false)
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
    private const string Months = "janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t"
        + "|septembre|octobre|novembre|d[ée]cembre";

    /// <summary>
    /// Finds the first date expression of the question (the most specific pattern wins) and its range.
    /// </summary>
    public static DateQuery Parse(string question, int defaultYear) => Parse(question, defaultYear, null);

    /// <summary>
    /// As <see cref="Parse(string, int)"/>, and when <paramref name="span"/> is given a season or holiday named without
    /// a year is the instance that overlaps the corpus most (« l'hiver » of a 2024 corpus: Dec 2023–Feb 2024),
    /// « l'hiver
    /// dernier » the last complete one. <paramref name="extended"/> adds what the first parser missed: holidays and
    /// events (<see cref="FrenchHolidays"/>), « avant / après » a holiday, the start or end of a season, « début de
    /// l'année », « cette année », « l'an dernier »; false gives the first parser exactly.
    /// </summary>
    public static DateQuery Parse(string question, int defaultYear, DateRange? span, bool extended = true)
    {
        var context = new Context(defaultYear, span);
        foreach (var rule in Rules)
        {
            if (rule.Extended && !extended) continue;
            var m = rule.Pattern.Match(question);
            if (!m.Success) continue;
            var range = rule.ToRange(m, context);
            if (range is null) continue;
            var without = Spaces().Replace(question.Remove(m.Index, m.Length), " ").Trim();
            var isDay = rule.Kind == RuleKind.Day || rule.Kind == RuleKind.Holiday && range.From == range.To;
            return new DateQuery(question, range, m.Value.Trim(), rule.Kind == RuleKind.Holiday ? question : without,
                isDay, rule.Kind == RuleKind.Holiday);
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
    public static DateRange Season(string season, int year) =>
        FrenchTokenizer.RemoveAccents(season.ToLowerInvariant()) switch
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
        var day = m.Groups["d"].Value.StartsWith('1') && m.Groups["d"].Value.EndsWith("er") ? 1
            : int.Parse(m.Groups["d"].Value);
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

    private static DateRange SeasonRange(Match m, Context c)
    {
        var season = m.Groups["s"].Value;
        if (m.Groups["y2"].Success) return Season(season, int.Parse(m.Groups["y2"].Value)); // hiver 2023-2024
        if (m.Groups["y"].Success) return Season(season, int.Parse(m.Groups["y"].Value));
        return ResolveYear(y => Season(season, y), c, m.Groups["last"].Success);
    }

    /// <summary>
    /// The instance of a yearly period named without a year: without a corpus span, the default year's; with one, the
    /// instance overlapping the span most (ties: the later), or with <paramref name="last"/> (« l'hiver dernier ») the
    /// latest that ends inside the span.
    /// </summary>
    internal static DateRange ResolveYear(Func<int, DateRange> instance, Context c, bool last = false)
    {
        if (c.Span is null) return instance(c.DefaultYear);
        var years = Enumerable.Range(c.Span.From.Year - 1, c.Span.To.Year - c.Span.From.Year + 3)
            .Select(instance).ToList();
        if (last && years.Where(r => c.Span.Contains(r.To)).LastOrDefault() is { } complete) return complete;
        return years.OrderByDescending(r => OverlapDays(r, c.Span)).ThenBy(r => DaysAway(r, c.Span))
            .ThenByDescending(r => r.From).First();
    }

    private static int OverlapDays(DateRange a, DateRange b)
    {
        var from = a.From > b.From ? a.From : b.From;
        var to = a.To < b.To ? a.To : b.To;
        return to < from ? 0 : to.DayNumber - from.DayNumber + 1;
    }

    private static int DaysAway(DateRange a, DateRange b) =>
        a.To < b.From ? b.From.DayNumber - a.To.DayNumber : b.To < a.From ? a.From.DayNumber - b.To.DayNumber : 0;

    /// <summary>« début de l'été » is its first month, « fin de l'hiver » its last (not the whole season).</summary>
    private static DateRange SeasonPart(Match m, Context c)
    {
        var start = FrenchTokenizer.RemoveAccents(m.Groups["p"].Value.ToLowerInvariant()) == "debut";
        var season = m.Groups["s"].Value;
        DateRange Part(int year)
        {
            var whole = Season(season, year);
            return start
                ? DateRange.Month(whole.From.Year, whole.From.Month)
                : DateRange.Month(whole.To.Year, whole.To.Month);
        }
        // The part, not the whole season, is resolved against the corpus: « au début de l'hiver » of a 2024 corpus is
        // December 2024 (winter 2025 starts inside it), not December 2023.
        return m.Groups["y"].Success ? Part(int.Parse(m.Groups["y"].Value)) : ResolveYear(Part, c);
    }

    /// <summary>A holiday or event; « avant » is the week before it, « après » the week after.</summary>
    private static DateRange? HolidayRange(Match m, Context c)
    {
        var name = m.Groups["h"].Value;
        DateRange? Instance(int year) => FrenchHolidays.Find(name, year);
        DateRange? range;
        if (m.Groups["y"].Success) range = Instance(int.Parse(m.Groups["y"].Value));
        else if (Instance(c.DefaultYear) is null) return null;
        else range = ResolveYear(y => Instance(y) ?? Instance(c.DefaultYear)!, c);
        if (range is null) return null;
        if (m.Groups["rel"].Success && range.From != range.To) return null; // « avant les Jeux »: not a week
        return FrenchTokenizer.RemoveAccents(m.Groups["rel"].Value.ToLowerInvariant()) switch
        {
            "avant" => new(range.From.AddDays(-7), range.From.AddDays(-1)),
            "apres" => new(range.To.AddDays(1), range.To.AddDays(7)),
            _ => range,
        };
    }

    private static DateRange PartOfYear(Match m, int defaultYear)
    {
        var year = YearOr(m.Groups["y"], defaultYear);
        if (m.Groups["this"].Success) return DateRange.Year(year);
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

    internal sealed record Context(int DefaultYear, DateRange? Span);

    private enum RuleKind { Period, Day, Holiday }

    private sealed record Rule(Regex Pattern, Func<Match, Context, DateRange?> ToRange, RuleKind Kind = RuleKind.Period,
        bool Extended = false);

    private const string SeasonName = "(?-i:printemps|été|ete|automne|hiver)";
    private const string Relative = @"(?:juste\s+)?(?<rel>avant|après|apres)\s+";

    private const string HolidayLead = @"(?:à|a|pour|pendant|durant|lors|au\s+moment|le\s+jour|la\s+veille|la\s+nuit"
        + @"|le\s+week-end|le\s+pont|le\s+réveillon|du\s+réveillon)";

    private static readonly Rule[] Rules =
    [
        new(new Regex($@"\b(?:entre\s+(?:le\s+mois\s+de\s+)?(?<m1>{Months})\s+et|de\s+(?<m1>{Months})\s+à)"
                + $@"\s+(?<m2>{Months})(?:\s+{Year})?\b", Options),
            (m, c) => MonthSpan(m, c.DefaultYear)),
        new(new Regex($@"\b(?:le\s+)?(?<d>1er|[0-3]?\d)\s+(?<m>{Months})(?:\s+{Year})?\b", Options),
            (m, c) => Day(m, c.DefaultYear), RuleKind.Day),
        new(new Regex($@"(?:\b(?:en|au|à)\s+)?\b(?<p>début|debut|mi|fin)[\s-]+(?<m>{Months})(?:\s+{Year})?\b", Options),
            (m, c) => PartOfMonth(m, c.DefaultYear)),
        new(new Regex($@"\b(?:en|courant|dans\s+le\s+courant\s+d(?:e\s+|')|au\s+(?:cours\s+du\s+)?mois\s+d(?:e\s+|')"
                + $@"|pendant\s+le\s+mois\s+d(?:e\s+|'))\s*(?<m>{Months})(?:\s+{Year})?\b", Options),
            (m, c) => DateRange.Month(YearOr(m.Groups["y"], c.DefaultYear), MonthNumber(m.Groups["m"].Value))),
        new(new Regex($@"\b(?<m>{Months})\s+{Year}\b", Options),
            (m, c) => DateRange.Month(int.Parse(m.Groups["y"].Value), MonthNumber(m.Groups["m"].Value))),
        // Holidays and events, with a preposition: « à la Toussaint », « pendant les JO », « juste avant Noël ».
        new(new Regex($@"\b(?:{Relative}|{HolidayLead}\s+(?:de\s+|d'|des\s+|du\s+)?)(?:la\s+|l'|les\s+|le\s+)?"
                + $@"(?<h>{FrenchHolidays.Pattern})(?:\s+{Year})?(?!\w)", Options),
            HolidayRange, RuleKind.Holiday, Extended: true),
        // The start or end of a season: « au début de l'été », « à la fin de l'hiver », « fin de l'automne 2024 ».
        new(new Regex($@"(?:\b(?:au|à\s+la|a\s+la|dès\s+le|en)\s+)?\b(?<p>début|debut|fin)\s+(?:de\s+l'|du\s+|de\s+)"
                + $@"(?<s>{SeasonName})(?:\s+{Year})?\b", Options),
            SeasonPart, Extended: true),
        // A season needs a preposition or a year, and a lower-case name after a preposition: « a été nommé » and
        // « au Printemps de Bourges » are not dates.
        new(new Regex($@"(?:\b(?:au\s+cours\s+(?:de\s+l'|du)|pendant\s+l'|durant\s+l'|pendant\s+le|durant\s+le"
                + $@"|de\s+l'|à\s+l'|au|en|cet|ce|du|l')\s*(?<s>{SeasonName})"
                + $@"|\b(?<s>(?-i:[Pp]rintemps|[ÉéEe]t[ée]|[Aa]utomne|[Hh]iver))(?=\s+(?:19|20)\d\d))"
                + $@"(?:\s+(?<y>(?:19|20)\d\d)(?:\s*[-/]\s*(?<y2>(?:19|20)\d\d))?"
                + $@"|(?<last>\s+derni(?:er|ère)))?\b", Options),
            SeasonRange),
        new(new Regex($@"(?:\b(?:en|au|à)\s+)?\b(?<p>début|debut|mi|milieu|fin)[\s-]+"
                + $@"(?:d'année|de\s+l'année\s+{Year}|{Year})\b", Options),
            (m, c) => PartOfYear(m, c.DefaultYear)),
        new(new Regex(@"(?:\b(?:en|au|à)\s+)?\b(?<p>début|debut|mi|milieu|fin)\s+de\s+l'année\b", Options),
            (m, c) => PartOfYear(m, c.Span?.To.Year ?? c.DefaultYear), Extended: true),
        new(new Regex(@"\b(?:à|a|pour|depuis)\s+la\s+rentrée(?:\s+(?<y>(?:19|20)\d\d))?\b", Options),
            (m, c) => DateRange.Month(YearOr(m.Groups["y"], c.DefaultYear), 9)),
        new(new Regex(@"\b(?<this>cette\s+année)\b", Options),
            (m, c) => PartOfYear(m, c.Span?.To.Year ?? c.DefaultYear), Extended: true),
        new(new Regex(@"\b(?:l'an|l'année)\s+(?:derni(?:er|ère)|pass(?:é|ée))\b", Options),
            (m, c) => DateRange.Year((c.Span?.To.Year ?? c.DefaultYear) - 1), Extended: true),
        new(new Regex($@"(?:\b(?<rel>depuis|avant|après|apres)\s+"
                + $@"|\b(?:en|au\s+cours\s+de|durant|pendant)\s+(?:l'année\s+)?)?\b{Year}\b", Options),
            (m, c) => YearRange(m, c.DefaultYear)),
    ];

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Spaces();
}
