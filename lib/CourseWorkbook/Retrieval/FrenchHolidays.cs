namespace CourseWorkbook.Retrieval;

/// <summary>
/// The French holidays and events a question names instead of a date: « à Noël », « le week-end de Pâques », « pour la
/// Toussaint », « pendant les JO ». Fixed days, Easter and the feasts that follow it (computed), and the Paris 2024
/// Games. A holiday is one day (the planner widens it by its tolerance); an event is its own span.
/// </summary>
public static class FrenchHolidays
{
    /// <summary>The names recognised, as a regular-expression alternation (longest first, case-insensitive).</summary>
    public const string Pattern =
        "Jeux\\s+paralympiques|Paralympiques|Jeux\\s+olympiques(?:\\s+de\\s+Paris)?|JO(?:\\s+de\\s+Paris)?|Jeux" +
        "|lundi\\s+de\\s+Pâques|Pâques|Paques|Ascension|Pentecôte|Pentecote|Noël|Noel|Saint-Sylvestre" +
        "|jour\\s+de\\s+l'an|Nouvel\\s+An|Épiphanie|Epiphanie|Chandeleur|Saint-Valentin|fête\\s+du\\s+Travail" +
        "|fête\\s+des\\s+mères|fête\\s+de\\s+la\\s+musique|Saint-Jean|fête\\s+nationale|Assomption|Halloween" +
        "|Toussaint|Armistice|fêtes\\s+de\\s+fin\\s+d'année";

    /// <summary>Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, « Meeus/Jones/Butcher »).</summary>
    public static DateOnly Easter(int year)
    {
        int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
        int h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
        int m = (a + 11 * h + 22 * l) / 451, month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
        return new DateOnly(year, month, day);
    }

    /// <summary>Mother's Day in France: the last Sunday of May, or the first of June when that is Pentecost.</summary>
    public static DateOnly MothersDay(int year)
    {
        var day = new DateOnly(year, 5, 31);
        while (day.DayOfWeek != DayOfWeek.Sunday) day = day.AddDays(-1);
        return day == Easter(year).AddDays(49) ? day.AddDays(7) : day;
    }

    /// <summary>The days a holiday or event covers in a year, or null when the name is unknown or the event did not
    /// take place that year (the Paris Games are 2024 only).</summary>
    public static DateRange? Find(string name, int year)
    {
        var key = FrenchTokenizer.RemoveAccents(string.Join(' ', name.ToLowerInvariant().Split((char[]?)null,
            StringSplitOptions.RemoveEmptyEntries)));
        DateRange Day(DateOnly d) => new(d, d);
        DateRange Fixed(int month, int day) => Day(new DateOnly(year, month, day));
        return key switch
        {
            "jeux paralympiques" or "paralympiques" => year == 2024 ? new(new(2024, 8, 28), new(2024, 9, 8)) : null,
            "jeux olympiques" or "jeux olympiques de paris" or "jo" or "jo de paris" or "jeux" =>
                year == 2024 ? new(new(2024, 7, 26), new(2024, 8, 11)) : null,
            "paques" => Day(Easter(year)),
            "lundi de paques" => Day(Easter(year).AddDays(1)),
            "ascension" => Day(Easter(year).AddDays(39)),
            "pentecote" => Day(Easter(year).AddDays(49)),
            "noel" => Fixed(12, 25),
            "saint-sylvestre" => Fixed(12, 31),
            "jour de l'an" or "nouvel an" => Fixed(1, 1),
            "epiphanie" => Fixed(1, 6),
            "chandeleur" => Fixed(2, 2),
            "saint-valentin" => Fixed(2, 14),
            "fete du travail" => Fixed(5, 1),
            "fete des meres" => Day(MothersDay(year)),
            "fete de la musique" => Fixed(6, 21),
            "saint-jean" => Fixed(6, 24),
            "fete nationale" => Fixed(7, 14),
            "assomption" => Fixed(8, 15),
            "halloween" => Fixed(10, 31),
            "toussaint" => Fixed(11, 1),
            "armistice" => Fixed(11, 11),
            "fetes de fin d'annee" => new(new(year, 12, 20), new(year, 12, 31)),
            _ => null,
        };
    }
}
