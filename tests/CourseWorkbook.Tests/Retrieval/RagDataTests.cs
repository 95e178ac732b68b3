using CourseWorkbook.Retrieval;

namespace CourseWorkbook.Tests.Retrieval;

public class RagDataTests
{
    private static readonly IReadOnlyList<Document> Headlines = Corpus.LoadHeadlines(RagData.HeadlinesPath);

    [Fact]
    public void The_corpus_has_at_least_600_unique_dated_headlines_across_2024()
    {
        Assert.True(Headlines.Count >= 600, $"{Headlines.Count} headlines");
        Assert.Equal(Headlines.Count, Headlines.Select(h => h.Id).Distinct().Count());
        Assert.Equal(Headlines.Count, Headlines.Select(h => h.Text).Distinct().Count());
        Assert.All(Headlines, h => Assert.Equal(2024, h.Date?.Year));
        Assert.Equal(12, Headlines.Select(h => h.Date!.Value.Month).Distinct().Count());
        Assert.Equal(["culture", "économie", "météo", "politique", "sciences", "société", "sport"], Headlines.Select(h => h.Section!).Distinct().Order());
        Assert.All(Headlines.GroupBy(h => h.Date!.Value.Month), month => Assert.True(month.Count() >= 40, $"month {month.Key}"));
    }

    [Fact]
    public void Questions_point_at_existing_headlines_that_pass_their_filters()
    {
        var questions = QuestionSet.Load(RagData.QuestionsPath);
        var exercise = QuestionSet.Load(RagData.ExerciseQuestionsPath);

        Assert.True(questions.Count >= 40);
        Assert.Equal(5, exercise.Count);
        Assert.True(questions.Count(q => q.Dates is not null) >= 8);
        Assert.Empty(QuestionSet.Validate(questions.Concat(exercise), Headlines));
        Assert.Equal(questions.Count + 5, questions.Concat(exercise).Select(q => q.Id).Distinct().Count());
    }

    [Fact]
    public void The_date_parser_recovers_every_gold_date_filter_it_reads()
    {
        // Gold dates name a publication period (a month, a season, part of a month). Days and holidays have none: the
        // planner widens them and the reranker treats them as a boost. « d'avril », « de novembre » are not read.
        var span = Corpus.Span(Headlines);
        var questions = QuestionSet.Load(RagData.QuestionsPath);
        var disagreements = questions
            .Where(q => q.Dates is not null && QueryPlanner.Plan(q.Question, span).Filter.Dates is { } parsed && parsed != q.Dates)
            .Select(q => $"{q.Id}: parsed {QueryPlanner.Plan(q.Question, span).Filter.Dates}, gold {q.Dates}");
        Assert.Empty(disagreements);
        var unread = questions.Where(q => q.Dates is not null && QueryPlanner.Plan(q.Question, span).Filter.Dates is null);
        Assert.All(unread, q => Assert.Matches(@"\b(d'|de )(avril|octobre|novembre|août)\b", q.Question));
    }

    [Fact]
    public void A_parsed_date_excludes_every_answer_only_in_the_known_cases()
    {
        // q58: « la nuit de la Saint-Sylvestre » is the night of 31 Dec 2023, reported on 2 Jan 2024, but the corpus' own
        // Saint-Sylvestre is 31 Dec 2024. q92: the policing of « pendant les Jeux » was announced in March. q181:
        // September's car sales were published in October. The fallback and the reranker's soft dates are for these.
        var span = Corpus.Span(Headlines);
        var byId = Headlines.ToDictionary(h => h.Id);
        var excluded = QuestionSet.Load(RagData.QuestionsPath)
            .Where(q => QueryPlanner.Plan(q.Question, span).Filter.Dates is { } d && !q.Relevant.Any(id => d.Contains(byId[id].Date!.Value)))
            .Select(q => q.Id);
        Assert.Equal(["q58", "q92", "q181"], excluded);
    }

    [Fact]
    public void The_question_set_is_valid_and_split()
    {
        var questions = QuestionSet.Load(RagData.QuestionsPath, Headlines); // throws on any problem
        Assert.Empty(QuestionSet.Validate(questions, Headlines));
        Assert.True(questions.Count >= 150);
        Assert.Equal(questions.Count, QuestionSet.Split(questions, "dev").Count + QuestionSet.Split(questions, "heldout").Count);
        Assert.True(questions.Count(q => q.Kind == "paraphrase") >= 0.4 * questions.Count);
        Assert.All(questions, q => Assert.Contains(q.Kind, new[] { "direct", "paraphrase", "recurring", "date", "ambiguous" }));
    }

    [Fact]
    public void Describe_counts_sections_and_total()
    {
        var rows = Corpus.Describe(Headlines);
        Assert.Equal("total", rows[^1].Section);
        Assert.Equal(Headlines.Count, rows[^1].Documents);
        Assert.Equal(Headlines.Count, rows.Take(rows.Count - 1).Sum(r => r.Documents));
    }

    [Fact]
    public void A_malformed_line_is_reported_with_file_and_line()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.File("bad.jsonl"), ["{\"id\":\"a\",\"date\":\"2024-01-01\",\"section\":\"x\",\"text\":\"ok\"}", "{\"id\":\"b\",\"date\":\"01/02/2024\",\"text\":\"t\"}"]);
        var e = Assert.Throws<FormatException>(() => Corpus.LoadHeadlines(dir.File("bad.jsonl")));
        Assert.Contains("bad.jsonl:2", e.Message);
    }

    [Fact]
    public void The_data_folder_is_found_above_the_first_start_that_has_one()
    {
        using var dir = new TempDir();
        var data = Directory.CreateDirectory(Path.Combine(dir.Path, "repo", "data", "rag")).FullName;
        File.WriteAllText(Path.Combine(data, "headlines.jsonl"), "");
        var notebooks = Directory.CreateDirectory(Path.Combine(dir.Path, "repo", "notebooks")).FullName;
        var elsewhere = Directory.CreateDirectory(Path.Combine(dir.Path, "elsewhere")).FullName;

        Assert.Equal(data, RagData.FindFrom([elsewhere, notebooks]));
        Assert.Null(RagData.FindFrom([elsewhere]));
    }

    [Fact]
    public void The_library_folder_is_searched_before_the_current_directory()
    {
        var starts = RagData.SearchStarts();
        var library = Path.GetDirectoryName(typeof(RagData).Assembly.Location)!;
        Assert.True(starts.ToList().IndexOf(library) < starts.ToList().LastIndexOf(Environment.CurrentDirectory),
            string.Join(", ", starts));
    }
}
