using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

/// <summary>Dates as a soft signal: holidays, seasons, tolerance, fallback, proximity.</summary>
public class SoftDatesTests
{
    private static readonly DateRange Span2024 = new(new DateOnly(2024, 1, 2), new DateOnly(2024, 12, 31));

    [Theory]
    [InlineData(2024, "2024-03-31")]
    [InlineData(2025, "2025-04-20")]
    [InlineData(2019, "2019-04-21")]
    [InlineData(2000, "2000-04-23")]
    public void Easter_is_computed(int year, string easter) => Assert.Equal(easter, FrenchHolidays.Easter(year).ToString("yyyy-MM-dd"));

    [Theory]
    [InlineData("Quel temps à Pâques ?", "2024-03-31..2024-03-31")]
    [InlineData("Combien de monde pour la Toussaint ?", "2024-11-01..2024-11-01")]
    [InlineData("Que mange-t-on à Noël ?", "2024-12-25..2024-12-25")]
    [InlineData("Où était le défilé le jour de la fête nationale ?", "2024-07-14..2024-07-14")]
    [InlineData("Quels bouchons le week-end de l'Ascension ?", "2024-05-09..2024-05-09")]
    [InlineData("Quels records pendant les JO ?", "2024-07-26..2024-08-11")]
    [InlineData("Quelles médailles lors des Jeux paralympiques ?", "2024-08-28..2024-09-08")]
    [InlineData("Quelle tempête juste avant Noël ?", "2024-12-18..2024-12-24")]
    [InlineData("Qui a gagné juste après Noël ?", "2024-12-26..2025-01-01")]
    [InlineData("Combien de cadeaux pour la fête des mères ?", "2024-05-26..2024-05-26")]
    public void Holidays_and_events_are_dates(string question, string range)
    {
        var parsed = FrenchDates.Parse(question, 2024, Span2024);
        Assert.Equal(range, parsed.Range?.ToString());
        Assert.True(parsed.KeepsWords); // « Toussaint », « JO » also say what the question is about
        Assert.Equal(question, parsed.QueryWithoutDate);
    }

    [Theory]
    [InlineData("Combien de voitures brûlées pour le jour de l'an 2024 ?", "2024-01-01..2024-01-01")]
    [InlineData("Que s'est-il passé le jour de la Saint-Sylvestre ?", "2024-12-31..2024-12-31")]
    [InlineData("Quel prix pour la galette à l'Épiphanie ?", "2024-01-06..2024-01-06")]
    [InlineData("Qui a défilé le 14 juillet ?", "2024-07-14..2024-07-14")]
    [InlineData("Combien d'élèves à la rentrée ?", "2024-09-01..2024-09-30")]
    public void Named_days_of_the_calendar_resolve_to_their_date(string question, string range) =>
        Assert.Equal(range, FrenchDates.Parse(question, 2024, Span2024).Range?.ToString());

    [Theory]
    [InlineData("Quels policiers avant les Jeux ?")] // « avant » an event is not a week: no date
    [InlineData("Quel film a gagné le prix Jean-Vigo ?")]
    [InlineData("Où se trouve le marché de Noël ?")] // no preposition: « de Noël » names a thing
    public void Holiday_words_without_a_date_meaning_give_no_range(string question) =>
        Assert.Null(FrenchDates.Parse(question, 2024, Span2024).Range);

    [Fact]
    public void The_first_parser_does_not_know_holidays() =>
        Assert.Null(FrenchDates.Parse("Quel temps à Pâques ?", 2024, Span2024, extended: false).Range);

    [Theory]
    [InlineData("Quelle ville inondée au début de l'été ?", "2024-06-01..2024-06-30", "Quelle ville inondée ?")]
    [InlineData("Quelle tempête à la fin de l'hiver ?", "2024-02-01..2024-02-29", "Quelle tempête ?")]
    [InlineData("Quelle tempête au début de l'hiver ?", "2024-12-01..2024-12-31", "Quelle tempête ?")]
    [InlineData("Quelle neige à la fin de l'automne 2024 ?", "2024-11-01..2024-11-30", "Quelle neige ?")]
    public void The_start_or_end_of_a_season_is_its_first_or_last_month(string question, string range, string without)
    {
        var parsed = FrenchDates.Parse(question, 2024, Span2024);
        Assert.Equal(range, parsed.Range?.ToString());
        Assert.Equal(without, parsed.QueryWithoutDate);
    }

    [Fact]
    public void A_season_without_a_year_is_the_instance_that_overlaps_the_corpus_most()
    {
        // Corpus: Sept 2023 .. March 2024, default year 2024. Autumn 2024 lies outside it: « l'automne » is autumn 2023.
        var span = new DateRange(new DateOnly(2023, 9, 1), new DateOnly(2024, 3, 31));
        Assert.Equal("2023-09-01..2023-11-30", FrenchDates.Parse("Quelles crues à l'automne ?", 2024, span).Range?.ToString());
        Assert.Equal("2023-12-01..2024-02-29", FrenchDates.Parse("Quelle neige en hiver ?", 2024, span).Range?.ToString());
        // Without the span, the default year's autumn.
        Assert.Equal("2024-09-01..2024-11-30", FrenchDates.Parse("Quelles crues à l'automne ?", 2024).Range?.ToString());
    }

    [Fact]
    public void Last_winter_is_the_last_complete_one()
    {
        // A 2024 corpus overlaps winter 2024 (Jan–Feb) and winter 2025 (December): « l'hiver dernier » is the complete one.
        Assert.Equal("2023-12-01..2024-02-29", FrenchDates.Parse("Quel froid l'hiver dernier ?", 2024, Span2024).Range?.ToString());
    }

    [Fact]
    public void A_day_gets_a_tolerance_on_each_side()
    {
        var plan = QueryPlanner.Plan("Qui a manifesté le 8 mars ?", Span2024, null, new PlannerOptions(DayTolerance: 2));
        Assert.Equal("2024-03-06..2024-03-10", plan.Filter.Dates?.ToString());
        Assert.Equal("2024-03-08..2024-03-08", plan.Named?.ToString());
        Assert.True(plan.FallBack);
        var strict = QueryPlanner.Plan("Qui a manifesté le 8 mars ?", Span2024, null, PlannerOptions.Strict);
        Assert.Equal("2024-03-08..2024-03-08", strict.Filter.Dates?.ToString());
        Assert.False(strict.FallBack);
    }

    [Fact]
    public void A_month_gets_no_tolerance() =>
        Assert.Equal("2024-03-01..2024-03-31", QueryPlanner.Plan("Quelles crues en mars ?", Span2024).Filter.Dates?.ToString());

    private static readonly Document[] Docs =
    [
        new("a", "Crue de la Vilaine à Rennes", new DateOnly(2024, 1, 9)),
        new("b", "La Saône en crue à Lyon", new DateOnly(2024, 5, 19)),
        new("c", "Crue de la Garonne à Toulouse", new DateOnly(2024, 6, 11)),
        new("d", "L'OM bat Lens", new DateOnly(2024, 6, 12)),
    ];

    [Fact]
    public async Task A_filter_that_leaves_fewer_than_k_passages_falls_back_to_the_best_outside_it()
    {
        var bm25 = new Bm25Retriever(Docs);
        var plan = QueryPlanner.Plan("Quelle crue le 20 mai ?", Span2024); // 18..22 May: only b
        var hits = await QueryPlanner.SearchAsync(bm25, plan, 3);
        Assert.Equal("b", hits[0].Document.Id);
        Assert.Equal(3, hits.Count); // a and c (they share « crue ») complete the list, ranked after
        Assert.Equal([1, 2, 3], hits.Select(h => h.Rank));
        Assert.DoesNotContain(hits, h => h.Document.Id == "d"); // BM25 returns nothing that shares no word

        var strict = QueryPlanner.Plan("Quelle crue le 20 mai ?", Span2024, null, PlannerOptions.Strict); // 20 May only
        Assert.Empty(await QueryPlanner.SearchAsync(bm25, strict, 3)); // the wall: nothing at all
    }

    [Fact]
    public void Fallback_keeps_the_filtered_hits_first_and_drops_duplicates()
    {
        SearchHit Hit(int rank, string id) => new(rank, 1.0 / rank, new Document(id, id));
        var merged = QueryPlanner.WithFallback([Hit(1, "x")], [Hit(1, "y"), Hit(2, "x"), Hit(3, "z")], 3);
        Assert.Equal(["x", "y", "z"], merged.Select(h => h.Document.Id));
        Assert.Equal([1, 2, 3], merged.Select(h => h.Rank));
    }

    [Theory]
    [InlineData("2024-05-10", 1.0)]        // inside the period
    [InlineData("2024-05-13", 1 - 3 / 7.0)] // 3 days after its end, horizon 7
    [InlineData("2024-05-01", 1 - 4 / 7.0)] // 4 days before its start
    [InlineData("2024-05-20", 0.0)]        // beyond the horizon
    public void Date_proximity_falls_linearly_outside_the_period(string date, double expected)
    {
        var period = new DateRange(new DateOnly(2024, 5, 5), new DateOnly(2024, 5, 10));
        Assert.Equal(expected, DateProximity.Score(DateOnly.Parse(date), period, 7), 12);
    }

    [Fact]
    public void Date_proximity_is_zero_without_a_date_or_a_period()
    {
        Assert.Equal(0, DateProximity.Score(null, DateRange.Year(2024), 7));
        Assert.Equal(0, DateProximity.Score(new DateOnly(2024, 1, 1), null, 7));
    }
}
