using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class FrenchDatesTests
{
    [Theory]
    [InlineData("Quelle ville a été inondée en mars ?", "2024-03-01..2024-03-31", "en mars")]
    [InlineData("Que s'est-il passé en juillet 2024 ?", "2024-07-01..2024-07-31", "en juillet 2024")]
    [InlineData("Quel feu au mois d'août ?", "2024-08-01..2024-08-31", "au mois d'août")]
    [InlineData("Qui a gagné au printemps 2024 ?", "2024-03-01..2024-05-31", "au printemps 2024")]
    [InlineData("Quelle tempête à l'automne ?", "2024-09-01..2024-11-30", "à l'automne")]
    [InlineData("Quel record cet été ?", "2024-06-01..2024-08-31", "cet été")]
    [InlineData("Quelles stations ont manqué de neige en hiver ?", "2023-12-01..2024-02-29", "en hiver")]
    [InlineData("Neige pendant l'hiver 2023-2024 ?", "2023-12-01..2024-02-29", "pendant l'hiver 2023-2024")]
    [InlineData("Que s'est-il passé début 2024 ?", "2024-01-01..2024-03-31", "début 2024")]
    [InlineData("Et fin 2024 ?", "2024-10-01..2024-12-31", "fin 2024")]
    [InlineData("Quels festivals à la mi-2024 ?", "2024-05-01..2024-08-31", "mi-2024")]
    [InlineData("Quelles grèves en début d'année ?", "2024-01-01..2024-03-31", "en début d'année")]
    [InlineData("Quels vignobles ont souffert fin avril ?", "2024-04-21..2024-04-30", "fin avril")]
    [InlineData("Qui a gagné mi-juillet ?", "2024-07-11..2024-07-20", "mi-juillet")]
    [InlineData("Que s'est-il passé le 14 mars ?", "2024-03-14..2024-03-14", "le 14 mars")]
    [InlineData("Manifestations du 1er mai 2024", "2024-05-01..2024-05-01", "1er mai 2024")]
    [InlineData("Quelles crues entre mars et mai ?", "2024-03-01..2024-05-31", "entre mars et mai")]
    [InlineData("Quelles crues de novembre à février 2024 ?", "2023-11-01..2024-02-29", "de novembre à février 2024")]
    [InlineData("Combien d'élèves à la rentrée ?", "2024-09-01..2024-09-30", "à la rentrée")]
    [InlineData("Quel taux de réussite au bac en 2024 ?", "2024-01-01..2024-12-31", "en 2024")]
    [InlineData("Le Tour de France 2024", "2024-01-01..2024-12-31", "2024")]
    [InlineData("La pire sécheresse depuis 2021", "2021-01-01..…", "depuis 2021")]
    [InlineData("EN DÉCEMBRE, quoi ?", "2024-12-01..2024-12-31", "EN DÉCEMBRE")]
    [InlineData("Inondations en fevrier", "2024-02-01..2024-02-29", "en fevrier")]
    public void Expressions_become_date_ranges(string question, string range, string expression)
    {
        var parsed = FrenchDates.Parse(question, 2024);
        Assert.Equal(range, parsed.Range?.ToString());
        Assert.Equal(expression, parsed.Expression);
    }

    [Theory]
    [InlineData("Quel film a été désigné meilleur film aux César ?")]
    [InlineData("Quelle mission vers la planète Mars ?")]
    [InlineData("Combien de festivaliers au Printemps de Bourges ?")]
    [InlineData("À combien s'élevait le chômage au deuxième trimestre ?")]
    [InlineData("Combien d'embauches : 1 200 ?")]
    public void Words_that_are_not_dates_give_no_range(string question) => Assert.Null(FrenchDates.Parse(question, 2024).Range);

    [Fact]
    public void The_date_expression_is_removed_from_the_search_text()
    {
        var parsed = FrenchDates.Parse("Quelle ville a été inondée en mars après des pluies ?", 2024);
        Assert.Equal("Quelle ville a été inondée après des pluies ?", parsed.QueryWithoutDate);
    }

    [Fact]
    public void A_period_outside_the_corpus_is_not_used_as_a_filter()
    {
        var span = new DateRange(new DateOnly(2024, 1, 2), new DateOnly(2024, 12, 31));
        var plan = QueryPlanner.Plan("Combien de morts sur les routes en 2023 ?", span);
        Assert.True(plan.Filter.IsEmpty);
        Assert.Equal(plan.Question, plan.SearchText);
        Assert.Contains("outside the corpus", plan.Note);
    }

    [Fact]
    public void The_missing_year_is_the_corpus_last_year()
    {
        var span = new DateRange(new DateOnly(2023, 6, 1), new DateOnly(2024, 12, 31));
        Assert.Equal(DateRange.Month(2024, 3), QueryPlanner.Plan("Inondations en mars ?", span).Filter.Dates);
    }

    [Fact]
    public void Seasons_are_meteorological()
    {
        Assert.Equal("2024-03-01..2024-05-31", FrenchDates.Season("printemps", 2024).ToString());
        Assert.Equal("2024-06-01..2024-08-31", FrenchDates.Season("été", 2024).ToString());
        Assert.Equal("2024-09-01..2024-11-30", FrenchDates.Season("automne", 2024).ToString());
        Assert.Equal("2024-12-01..2025-02-28", FrenchDates.Season("hiver", 2025).ToString());
    }
}
