using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CourseWorkbook.Notebook;

namespace CourseWorkbook.Tests.Notebook;

/// <summary>The practicals' question banks (data/quiz) and the API that shows and grades them.</summary>
public class QuizTests : IDisposable
{
    static readonly string[] Practicals =
    [
        "01-rag", "02-embedding-visualization", "03-triplet-loss", "04-clip", "05-model-anatomy", "06-scaling-laws",
        "07-training-loop-debugging", "08-peft",
    ];

    readonly string folder = Directory.CreateTempSubdirectory("quiz-tests-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    internal static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "CourseWorkbook.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("repository root not found");
    }

    static string BankPath(string practical) => Path.Combine(Root(), "data", "quiz", practical + ".json");

    /// <summary>A valid bank of <paramref name="count"/> questions "99.1".."99.n" whose answers cycle a, b, c,
    /// d.</summary>
    internal static JsonObject SampleBank(int count = 10) => new()
    {
        ["practical"] = "99-sample",
        ["title"] = "A bank written by the test",
        ["questions"] = new JsonArray(Enumerable.Range(1, count).Select(i => (JsonNode)new JsonObject
        {
            ["id"] = $"99.{i}",
            ["topic"] = "testing",
            ["question"] = $"Question {i}?",
            ["choices"] = new JsonArray("first", "second", "third", "fourth"),
            ["answer"] = (i - 1) % 4,
            ["explanation"] = $"Choice {(i - 1) % 4} is right.",
        }).ToArray()),
    };

    string Write(JsonNode bank, string name = "99-sample")
    {
        var path = Path.Combine(folder, name + ".json");
        File.WriteAllText(path, bank.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    static JsonObject Question(JsonNode bank, int index) => bank["questions"]![index]!.AsObject();

    [Fact]
    public void Each_notebooks_worked_quiz_answer_is_its_banks_key()
    {
        foreach (var practical in Practicals)
        {
            var notebook = File.ReadAllText(Path.Combine(Root(), "notebooks", practical + ".dib"));
            var number = practical[..2];
            var region = System.Text.RegularExpressions.Regex.Match(notebook,
                $@"// BEGIN SOLUTION {number}\.quiz\n(.*?)// END SOLUTION",
                System.Text.RegularExpressions.RegexOptions.Singleline);
            Assert.True(region.Success, $"{practical}: no quiz solution");
            var given = System.Text.RegularExpressions.Regex.Matches(region.Groups[1].Value,
                    @"quizAnswers\[""([0-9.]+)""\] = '([a-d])';")
                .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value[0]);
            var bank = QuizBank.LoadFile(BankPath(practical));
            Assert.Equal(bank.Questions.ToDictionary(q => q.Id, q => q.AnswerLetter), given);
        }
    }

    [Fact]
    public void A_sheet_without_the_key_shows_and_records_but_does_not_score()
    {
        var bank = QuizBank.LoadFile(BankPath("03-triplet-loss"));
        // The sheet as the runner's student command writes it: the bank without answers and explanations.
        var sheetJson = JsonNode.Parse(File.ReadAllText(BankPath("03-triplet-loss")))!;
        foreach (var question in sheetJson["questions"]!.AsArray())
        {
            question!.AsObject().Remove("answer");
            question.AsObject().Remove("explanation");
        }
        var sheetPath = Write(sheetJson, "03-triplet-loss");
        var sheet = QuizBank.LoadFile(sheetPath);
        Assert.False(sheet.HasKey);
        Assert.True(bank.HasKey);
        Assert.DoesNotContain("\"answer\"", File.ReadAllText(sheetPath));
        Assert.DoesNotContain(bank.Questions[0].Explanation, File.ReadAllText(sheetPath));
        Assert.Equal(bank.Questions.Select(q => q.Question), sheet.Questions.Select(q => q.Question));
        var result = Quiz.Grade(sheet, new Dictionary<string, char> { ["03.1"] = 'a', ["03.2"] = 'b' });
        Assert.Equal(2, result.Answered);
        Assert.Equal(0, result.Score);
        Assert.Contains("2 of 12 answered; this edition has no answer key", result.Summary);

        // A bank with some answers and not others is neither a key nor a sheet.
        var half = SampleBank();
        Question(half, 3).Remove("answer");
        Question(half, 3).Remove("explanation");
        var error = Assert.Throws<InvalidDataException>(() => QuizBank.LoadFile(Write(half)));
        Assert.Contains("question 99.4: 'answer' is missing", error.Message);
    }

    [Fact]
    public void Every_practical_has_a_bank_that_loads()
    {
        foreach (var practical in Practicals)
        {
            var bank = QuizBank.LoadFile(BankPath(practical));
            Assert.Equal(practical, bank.Practical);
            Assert.True(bank.Questions.Count >= QuizBank.MinimumQuestions, $"{practical}: {bank.Questions.Count}");
            Assert.Equal(bank.Questions.Count, bank.Questions.Select(q => q.Id).Distinct().Count());
            Assert.All(bank.Questions, q => Assert.StartsWith(practical[..2] + ".", q.Id));
        }
    }

    [Fact]
    public void The_folder_holds_exactly_the_eight_banks_and_they_are_found_by_name_or_number()
    {
        var files = Directory.EnumerateFiles(Path.Combine(Root(), "data", "quiz"), "*.json")
            .Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);
        Assert.Equal(Practicals, files);
        Assert.Equal(BankPath("03-triplet-loss"), QuizBank.Load("03-triplet-loss").Path);
        Assert.Equal(BankPath("08-peft"), QuizBank.Load("08").Path);
        Assert.Throws<FileNotFoundException>(() => QuizBank.Load("09"));
    }

    [Fact]
    public void Each_bank_spreads_its_answers_and_every_question_is_well_formed()
    {
        foreach (var practical in Practicals)
        {
            var bank = QuizBank.LoadFile(BankPath(practical));
            var positions = bank.Questions.GroupBy(q => q.Answer).ToDictionary(g => g.Key, g => g.Count());
            Assert.True(positions.Count >= 3, $"{practical}: answers at {string.Join(", ", positions.Keys)} only");
            Assert.True(positions.Values.Max() <= bank.Questions.Count / 2,
                $"{practical}: {positions.Values.Max()} of {bank.Questions.Count} answers in one position");
            // A test-wise student who always picks the longest (or the shortest) choice must not score well.
            int Beaten(Func<int, int, bool> beats) => bank.Questions.Count(q =>
                q.Choices.Count(c => beats(c.Length, q.Choices[q.Answer].Length)) == 1);
            var longest = Beaten((other, right) => other >= right);
            var shortest = Beaten((other, right) => other <= right);
            Assert.True(longest <= bank.Questions.Count / 3,
                $"{practical}: the right answer is the longest choice in {longest} of {bank.Questions.Count}");
            Assert.True(shortest <= bank.Questions.Count / 3,
                $"{practical}: the right answer is the shortest choice in {shortest} of {bank.Questions.Count}");
            foreach (var q in bank.Questions)
            {
                Assert.True(q.Question.Length >= 15, $"{q.Id}: question too short");
                Assert.True(q.Explanation.Length >= 40, $"{q.Id}: explanation too short");
                var sentences = q.Explanation.Split(". ").Length;
                Assert.True(sentences <= 4, $"{q.Id}: explanation of {sentences} sentences");
            }
        }
    }

    [Fact]
    public void The_bank_states_the_published_numbers_it_quotes_correctly()
    {
        // Numbers checked against published sources (see data/quiz/README.md); a typo in one fails here.
        string Text(string practical) => File.ReadAllText(BankPath(practical));
        Assert.Contains("124,439,808", Text("05-model-anatomy"));
        Assert.Contains("540,672", Text("08-peft"));
        Assert.Equal(540_672, 24 * 8 * ((896 + 896) + (896 + 128)));
        Assert.DoesNotContain("124,439,809", Text("05-model-anatomy"));
    }

    [Fact]
    public void The_sheet_shows_lettered_choices_and_never_the_answers()
    {
        var bank = QuizBank.LoadFile(Write(SampleBank()));
        var sheet = new QuizSheet(bank);
        var text = sheet.ToString();
        Assert.Contains("99.1  Question 1?", text);
        Assert.Contains("a) first", text);
        Assert.Contains("d) fourth", text);
        Assert.DoesNotContain("is right", text);
        Assert.DoesNotContain("is right", sheet.ToHtml());
        Assert.Contains("<ol type=\"a\">", sheet.ToHtml());
        Assert.Equal(["id", "question", "a", "b", "c", "d"], sheet.ToTable().Columns);
        Assert.Equal(["99.2", "Question 2?", "first", "second", "third", "fourth"], sheet.ToTable().Rows[1]);

        var real = Quiz.Sheet("01-rag");
        Assert.All(real.Bank.Questions, q => Assert.DoesNotContain(q.Explanation, real.ToString()));
    }

    [Fact]
    public void Grading_counts_right_wrong_blank_invalid_and_unknown_answers()
    {
        var bank = QuizBank.LoadFile(Write(SampleBank(10)));
        // Right answers: 99.1 a, 99.2 b, 99.3 c, 99.4 d, 99.5 a, ...
        var answers = new Dictionary<string, char>
        {
            ["99.1"] = 'a', // right
            ["99.2"] = 'B', // right: letters are case-insensitive
            ["99.3"] = 'a', // wrong
            ["99.4"] = ' ', // blank
            ["99.5"] = 'e', // invalid
            ["99.6"] = 'b', // right
            ["42.1"] = 'a', // unknown id
            ["99.11"] = 'c', // unknown id
        };
        var result = Quiz.Grade(bank, answers);
        Assert.Equal(3, result.Score);
        Assert.Equal(10, result.Total);
        Assert.Equal(0.3, result.Fraction, 12);
        Assert.Equal(4, result.Answered);
        Assert.Equal(1, result.Wrong);
        Assert.Equal(5, result.Blank); // 99.4 and the four never answered
        Assert.Equal(["99.5"], result.InvalidIds);
        Assert.Equal(["42.1", "99.11"], result.UnknownIds);
        Assert.Equal(["right", "right", "wrong", "blank", "invalid", "right", "blank"],
            result.Answers.Take(7).Select(a => a.Outcome));
        Assert.Equal("c", result.Answers[2].Correct);
        Assert.Equal("b", result.Answers[1].Given);
        Assert.Contains("3/10 right (0.3), 1 wrong, 5 blank", result.Summary);
        Assert.Contains("99.5", result.Summary);
        Assert.Contains("unknown ids ignored: 42.1, 99.11", result.Summary);

        var table = result.ToTable();
        Assert.Equal(["id", "given", "correct", "result", "explanation"], table.Columns);
        Assert.Equal(["99.3", "a", "c", "wrong", "Choice 2 is right."], table.Rows[2]);
        Assert.Contains("Choice 2 is right.", result.ToHtml());
    }

    [Fact]
    public void A_perfect_sheet_scores_one_and_an_empty_one_zero()
    {
        var bank = QuizBank.LoadFile(BankPath("06-scaling-laws"));
        var perfect = Quiz.Grade(bank, bank.Questions.ToDictionary(q => q.Id, q => q.AnswerLetter));
        Assert.Equal(1.0, perfect.Fraction);
        Assert.Equal(bank.Questions.Count, perfect.Answered);
        var allWrong = Quiz.Grade(bank, bank.Questions.ToDictionary(q => q.Id, q => Quiz.Letter((q.Answer + 1) % 4)));
        Assert.Equal(0, allWrong.Score);
        Assert.Equal(bank.Questions.Count, allWrong.Wrong);
        var empty = Quiz.Grade(bank, new Dictionary<string, char>());
        Assert.Equal(0.0, empty.Fraction);
        Assert.Equal(bank.Questions.Count, empty.Blank);
    }

    void AssertRejected(JsonNode bank, params string[] expected)
    {
        var path = Write(bank);
        var error = Assert.Throws<InvalidDataException>(() => QuizBank.LoadFile(path));
        Assert.Contains(path, error.Message);
        foreach (var part in expected) Assert.Contains(part, error.Message);
    }

    [Fact]
    public void A_duplicate_id_is_rejected_naming_the_file_and_the_question()
    {
        var bank = SampleBank();
        Question(bank, 6)["id"] = "99.3";
        AssertRejected(bank, "question 99.3", "used twice");
    }

    [Fact]
    public void Three_choices_are_rejected()
    {
        var bank = SampleBank();
        Question(bank, 4)["choices"]!.AsArray().RemoveAt(3);
        AssertRejected(bank, "question 99.5", "3 choices");
    }

    [Fact]
    public void An_answer_out_of_range_is_rejected()
    {
        var bank = SampleBank();
        Question(bank, 7)["answer"] = 4;
        AssertRejected(bank, "question 99.8", "'answer' is 4");
    }

    [Fact]
    public void Other_malformed_questions_are_rejected()
    {
        var bank = SampleBank();
        Question(bank, 1)["choices"]![2] = "FIRST";
        AssertRejected(bank, "question 99.2", "two choices are the same");

        bank = SampleBank();
        Question(bank, 2)["explanation"] = " ";
        AssertRejected(bank, "question 99.3", "'explanation' is missing");

        bank = SampleBank();
        Question(bank, 0)["id"] = "98.1";
        AssertRejected(bank, "question 98.1", "99.<n>");

        bank = SampleBank();
        Question(bank, 9).Remove("id");
        AssertRejected(bank, "question #10 (no id)");

        bank = SampleBank();
        Question(bank, 3)["choices"]![1] = "";
        AssertRejected(bank, "question 99.4", "a choice is empty");

        bank = SampleBank();
        Question(bank, 5)["anwser"] = 1;
        AssertRejected(bank, "anwser");

        AssertRejected(SampleBank(9), "9 questions", "at least 10");

        bank = SampleBank();
        bank["practical"] = "98-other";
        AssertRejected(bank, "98-other", "99-sample.json");
    }

    [Fact]
    public void Bad_json_is_rejected_with_its_line()
    {
        var text = SampleBank().ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var lines = text.Split('\n').ToList();
        var answerLine = lines.FindIndex(l => l.Contains("\"answer\""));
        lines[answerLine] = lines[answerLine].TrimEnd().TrimEnd(','); // a missing comma
        var path = Path.Combine(folder, "99-sample.json");
        File.WriteAllText(path, string.Join('\n', lines));
        var error = Assert.Throws<InvalidDataException>(() => QuizBank.LoadFile(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("invalid quiz JSON", error.Message);
        Assert.Contains($"line {answerLine + 2}", error.Message);
        Assert.Contains("$.questions[0]", error.Message);

        var wrongType = SampleBank();
        Question(wrongType, 2)["answer"] = "c";
        AssertRejected(wrongType, "invalid quiz JSON", "$.questions[2].answer");
    }
}

/// <summary>Quiz calls that publish and display: they write to the console, so they never run beside tests that
/// capture it.</summary>
[Collection(Name)]
public class QuizPublishingTests
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Quiz console output";

    [Fact]
    public void The_graders_inline_key_earns_the_fraction_right_and_names_the_wrong_ids()
    {
        var original = Console.Out;
        var shown = new StringWriter();
        Console.SetOut(shown);
        double fraction;
        try
        {
            fraction = Quiz.ScoreAgainstKey("42-sample", new Dictionary<string, char>
                { ["42.1"] = 'B', ["42.2"] = 'a', ["42.4"] = 'd' }, "42.1=b;42.2=c;42.3=a;42.4=d");
        }
        finally { Console.SetOut(original); }
        Assert.Equal(0.5, fraction);
        Assert.Equal(0.5, (double)Results.All[Check.ScorePrefix + "42.quiz"]);
        Assert.Contains("2 of 4 right; not right: 42.2, 42.3", shown.ToString());
        Assert.Throws<ArgumentException>(() => Quiz.ScoreAgainstKey("42-sample", null, "42.1=bc"));
    }

    [Fact]
    public void Grading_publishes_the_score_and_the_count_answered()
    {
        var bank = QuizBank.Load("02-embedding-visualization");
        var answers = bank.Questions.Take(4).ToDictionary(q => q.Id, q => q.AnswerLetter);
        answers[bank.Questions[4].Id] = Quiz.Letter((bank.Questions[4].Answer + 2) % 4);
        var original = Console.Out;
        var shown = new StringWriter();
        Console.SetOut(shown);
        QuizResult result;
        try
        {
            result = Quiz.Grade("02-embedding-visualization", answers);
        }
        finally { Console.SetOut(original); }
        Assert.Equal(4, result.Score);
        Assert.Equal(4.0 / bank.Questions.Count, (double)Results.All["quiz_02_embedding_visualization_score"], 12);
        Assert.Equal(5.0, (double)Results.All["quiz_02_embedding_visualization_answered"]);
        var fraction = (4.0 / bank.Questions.Count).ToString("0.####", CultureInfo.InvariantCulture);
        Assert.Contains($"published: quiz_02_embedding_visualization_score = {fraction}", shown.ToString());
        Assert.Contains("published: quiz_02_embedding_visualization_answered = 5", shown.ToString());
        Assert.Equal("quiz_08_peft_score", Quiz.ResultName("08-peft", "score"));
    }

    [Fact]
    public void Show_writes_the_questions_with_lettered_choices_and_no_answers()
    {
        var bank = QuizBank.Load("05-model-anatomy");
        var original = Console.Out;
        var shown = new StringWriter();
        Console.SetOut(shown);
        try { Quiz.Show("05"); }
        finally { Console.SetOut(original); }
        var text = shown.ToString();
        Assert.Contains(bank.Title, text);
        foreach (var q in bank.Questions)
        {
            Assert.Contains($"{q.Id}  {q.Question}", text);
            Assert.Contains($"d) {q.Choices[3]}", text);
            Assert.DoesNotContain(q.Explanation, text);
        }
        Assert.Contains("Quiz.Grade(\"05-model-anatomy\", answers)", text);
    }
}

/// <summary>Runs <see cref="QuizPublishingTests"/> alone.</summary>
[CollectionDefinition(QuizPublishingTests.Name, DisableParallelization = true)]
public class QuizPublishingCollection;
