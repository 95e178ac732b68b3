using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Formatting;

namespace CourseWorkbook.Notebook;

/// <summary>One multiple-choice question of a practical's bank: four choices, one of them right.</summary>
/// <param name="Id">"&lt;practical number&gt;.&lt;n&gt;", e.g. <c>01.3</c>.</param>
/// <param name="Topic">What the question is about (retrieval, margin, LoRA rank...).</param>
/// <param name="Question">The question as the student reads it.</param>
/// <param name="Choices">Exactly four distinct choices, shown as a) to d).</param>
/// <param name="Answer">The 0-based index of the right choice; −1 in a student's sheet (no key).</param>
/// <param name="Explanation">Why the answer is right and what is wrong with the tempting distractor ("" in a
/// sheet).</param>
public sealed record QuizQuestion(
    string Id, string Topic, string Question, IReadOnlyList<string> Choices, int Answer, string Explanation)
{
    /// <summary>The letter of the right choice, 'a' to 'd' ('?' in a sheet without the key).</summary>
    public char AnswerLetter => Answer >= 0 ? Quiz.Letter(Answer) : '?';
}

/// <summary>
/// A practical's bank of questions, read from <c>data/quiz/&lt;practical&gt;.json</c> and validated: a malformed bank
/// throws <see cref="InvalidDataException"/> naming the file and the question.
/// </summary>
/// <param name="Practical">The notebook's stem, e.g. <c>01-rag</c>.</param>
/// <param name="Title">The bank's title.</param>
/// <param name="Questions">The questions, in the order the student sees them.</param>
/// <param name="Path">The file the bank was read from.</param>
public sealed partial record QuizBank(
    string Practical, string Title, IReadOnlyList<QuizQuestion> Questions, string Path)
{
    /// <summary>The fewest questions a bank may hold.</summary>
    public const int MinimumQuestions = 10;

    /// <summary>The number of choices of every question.</summary>
    public const int ChoiceCount = 4;

    /// <summary>The practical's number, the part of <see cref="Practical"/> before its first '-' (e.g. "01").</summary>
    public string Number => Practical.Split('-', 2)[0];

    /// <summary>The question with this id, or null.</summary>
    public QuizQuestion? Find(string id) => Questions.FirstOrDefault(q => q.Id == id);

    /// <summary>True when the bank holds the answers and explanations (the instructor's key); false for the sheet a
    /// student edition carries, which holds the questions and choices only.</summary>
    public bool HasKey => Questions.All(q => q.Answer >= 0);

    /// <summary>The variable that names the folder of quiz files ahead of every other place (the grader points it at
    /// the answer-less sheets).</summary>
    public const string FolderVariable = "COURSEWORKBOOK_QUIZ";

    /// <summary>The folder of quiz files: <c>COURSEWORKBOOK_QUIZ</c> when set; else a <c>quiz</c> folder beside the
    /// notebook (where the student edition puts its sheets); else <c>COURSEWORKBOOK_DATA</c>/quiz; else data/quiz
    /// searched upwards from the notebook the runner executes, the library's folder, the current directory and the
    /// application's folder (the same search as practical 01's data).</summary>
    public static string Directory
    {
        get
        {
            if (Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } quiz) return quiz;
            var notebook = Host.NotebookPath;
            var beside = string.IsNullOrEmpty(notebook)
                ? System.IO.Path.Combine(Environment.CurrentDirectory, "quiz")
                : System.IO.Path.Combine(
                    System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(notebook))!, "quiz");
            if (System.IO.Directory.Exists(beside) && System.IO.Directory.EnumerateFiles(beside, "*.json").Any())
                return beside;
            if (Environment.GetEnvironmentVariable("COURSEWORKBOOK_DATA") is { Length: > 0 } env)
                return System.IO.Path.Combine(env, "quiz");
            var starts = Retrieval.RagData.SearchStarts();
            return Runtime.WorkbookPaths.FindAbove(starts, System.IO.Path.Combine("data", "quiz"),
                       c => System.IO.Directory.Exists(c) && System.IO.Directory.EnumerateFiles(c, "*.json").Any())
                ?? throw new DirectoryNotFoundException(
                    $"data/quiz not found above any of: {string.Join(", ", starts)}; set COURSEWORKBOOK_DATA");
        }
    }

    /// <summary>The practicals that have a bank in <see cref="Directory"/>, sorted (e.g. "01-rag", "02-...").</summary>
    public static IReadOnlyList<string> Available() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.json")
            .Select(f => System.IO.Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal).ToList();

    /// <summary>Reads and validates the bank of a practical: its notebook's stem ("01-rag") or, when only one bank
    /// starts with it, its number ("01").</summary>
    public static QuizBank Load(string practical)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(practical);
        var folder = Directory;
        var exact = System.IO.Path.Combine(folder, practical + ".json");
        if (File.Exists(exact)) return LoadFile(exact);
        var matches = System.IO.Directory.EnumerateFiles(folder, practical + "-*.json").Order(StringComparer.Ordinal)
            .ToList();
        return matches.Count == 1 ? LoadFile(matches[0])
            : throw new FileNotFoundException(matches.Count == 0
                ? $"no quiz bank for '{practical}' in {folder} (banks: {string.Join(", ", Available())})"
                : $"'{practical}' names several banks in {folder}: {string.Join(", ", matches)}", exact);
    }

    /// <summary>Reads and validates a bank file. Its <c>practical</c> must be the file's name without .json.</summary>
    public static QuizBank LoadFile(string path)
    {
        BankFile file;
        try
        {
            using var stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize<BankFile>(stream, Json) ?? throw Bad(path, "the file holds null");
        }
        catch (JsonException e)
        {
            var where = e.Path is null ? "" : $" at {e.Path}";
            var line = e.LineNumber is { } n ? $", line {n + 1}, position {e.BytePositionInLine + 1}" : "";
            throw new InvalidDataException($"{path}: invalid quiz JSON{where}{line}: {e.Message}", e);
        }

        var stem = System.IO.Path.GetFileNameWithoutExtension(path);
        if (string.IsNullOrWhiteSpace(file.Practical) || !PracticalName().IsMatch(file.Practical))
            throw Bad(path, $"'practical' is '{file.Practical}', not a notebook stem such as 01-rag");
        if (file.Practical != stem) throw Bad(path, $"'practical' is '{file.Practical}' but the file is {stem}.json");
        if (string.IsNullOrWhiteSpace(file.Title)) throw Bad(path, "'title' is missing");
        if (file.Questions is not { } raw) throw Bad(path, "'questions' is missing");

        var number = file.Practical.Split('-', 2)[0];
        // A key gives every question its answer and explanation; a student's sheet gives none.
        bool sheet = raw.Count > 0 && raw.All(q => q is not null && q.Answer is null && q.Explanation is null);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var questions = new List<QuizQuestion>();
        for (int i = 0; i < raw.Count; i++)
        {
            var q = raw[i] ?? throw Bad(path, $"question #{i + 1} is null");
            var label = string.IsNullOrWhiteSpace(q.Id) ? $"question #{i + 1} (no id)" : $"question {q.Id}";
            Exception Fail(string problem) => Bad(path, $"{label}: {problem}");

            if (string.IsNullOrWhiteSpace(q.Id)) throw Fail("'id' is missing");
            if (!Regex.IsMatch(q.Id, "^" + Regex.Escape(number) + @"\.[1-9][0-9]*$"))
                throw Fail($"the id must be '{number}.<n>' (the practical's number, a dot, a positive number)");
            if (!seen.Add(q.Id)) throw Fail("the id is used twice");
            if (string.IsNullOrWhiteSpace(q.Topic)) throw Fail("'topic' is missing");
            if (string.IsNullOrWhiteSpace(q.Question)) throw Fail("'question' is missing");
            if (q.Choices is not { } choices) throw Fail("'choices' is missing");
            if (choices.Count != ChoiceCount) throw Fail($"{choices.Count} choices; a question has {ChoiceCount}");
            if (choices.Any(string.IsNullOrWhiteSpace)) throw Fail("a choice is empty");
            if (choices.Select(c => c.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() != ChoiceCount)
                throw Fail("two choices are the same");
            if (sheet)
            {
                questions.Add(new QuizQuestion(q.Id, q.Topic.Trim(), q.Question.Trim(),
                    choices.Select(c => c.Trim()).ToArray(), -1, ""));
                continue;
            }
            if (q.Answer is not { } answer) throw Fail("'answer' is missing");
            if (answer is < 0 or >= ChoiceCount)
                throw Fail($"'answer' is {answer}; it is the 0-based index of a choice, 0 to {ChoiceCount - 1}");
            if (string.IsNullOrWhiteSpace(q.Explanation)) throw Fail("'explanation' is missing");
            questions.Add(new QuizQuestion(q.Id, q.Topic.Trim(), q.Question.Trim(),
                choices.Select(c => c.Trim()).ToArray(), answer, q.Explanation.Trim()));
        }

        if (questions.Count < MinimumQuestions)
            throw Bad(path, $"{questions.Count} questions; a bank needs at least {MinimumQuestions}");
        return new QuizBank(file.Practical, file.Title.Trim(), questions, System.IO.Path.GetFullPath(path));
    }

    static InvalidDataException Bad(string path, string problem) => new($"{path}: {problem}");

    [GeneratedRegex("^[0-9]+-[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex PracticalName();

    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    sealed record BankFile(string? Practical, string? Title, List<QuestionEntry?>? Questions);

    sealed record QuestionEntry(
        string? Id, string? Topic, string? Question, List<string>? Choices, int? Answer, string? Explanation);
}

/// <summary>The questions as the student sees them: lettered choices, no answers, no explanations.</summary>
/// <param name="Bank">The bank shown.</param>
public sealed record QuizSheet(QuizBank Bank)
{
    /// <summary>One row per question: id, question, and the choices a) to d).</summary>
    public Table ToTable() => new(["id", "question", "a", "b", "c", "d"],
        Bank.Questions.Select(q => new[] { q.Id, q.Question }.Concat(q.Choices).ToArray()).ToList());

    /// <summary>The sheet as HTML: each question with its lettered choices, and how to answer.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder();
        html.Append("<div><b>").Append(WebUtility.HtmlEncode(Bank.Title)).Append("</b>");
        foreach (var q in Bank.Questions)
        {
            html.Append("<p><b>").Append(WebUtility.HtmlEncode(q.Id)).Append("</b> ")
                .Append(WebUtility.HtmlEncode(q.Question)).Append("</p><ol type=\"a\">");
            foreach (var choice in q.Choices) html.Append("<li>").Append(WebUtility.HtmlEncode(choice)).Append("</li>");
            html.Append("</ol>");
        }
        return html.Append("<p><i>").Append(WebUtility.HtmlEncode(Quiz.HowToAnswer(Bank))).Append("</i></p></div>")
            .ToString();
    }

    /// <summary>The sheet as text: each question, then its choices a) to d) indented.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Bank.Title).AppendLine().AppendLine();
        foreach (var q in Bank.Questions)
        {
            text.Append(q.Id).Append("  ").AppendLine(q.Question);
            for (int i = 0; i < q.Choices.Count; i++)
                text.Append("      ").Append(Quiz.Letter(i)).Append(") ").AppendLine(q.Choices[i]);
            text.AppendLine();
        }
        return text.Append(Quiz.HowToAnswer(Bank)).ToString();
    }
}

/// <summary>How one question was answered.</summary>
/// <param name="Id">The question's id.</param>
/// <param name="Given">The letter given (a to d), "" when blank, or what was given when it is not a letter a to
/// d.</param>
/// <param name="Correct">The right letter.</param>
/// <param name="Right">Whether the given letter is the right one.</param>
/// <param name="Explanation">Why the right answer is right.</param>
public sealed record QuizAnswer(string Id, string Given, string Correct, bool Right, string Explanation)
{
    /// <summary>"right", "wrong", "blank" or "invalid" (an answer that is not a letter a to d).</summary>
    public string Outcome => Right ? "right" : Given.Length == 0 ? "blank" : Given is "a" or "b" or "c" or "d"
        ? Correct == "?" ? "recorded" : "wrong" : "invalid";
}

/// <summary>A graded quiz: one <see cref="QuizAnswer"/> per question of the bank, the score, and what could not be
/// graded (answers to ids the bank does not have). Displays as a table with the explanations.</summary>
/// <param name="Practical">The practical graded.</param>
/// <param name="Answers">One entry per question of the bank, in the bank's order.</param>
/// <param name="UnknownIds">Ids answered that the bank does not hold (ignored by the score).</param>
public sealed record QuizResult(string Practical, IReadOnlyList<QuizAnswer> Answers, IReadOnlyList<string> UnknownIds)
{
    /// <summary>Questions answered right.</summary>
    public int Score => Answers.Count(a => a.Right);

    /// <summary>Questions in the bank.</summary>
    public int Total => Answers.Count;

    /// <summary><see cref="Score"/> / <see cref="Total"/>, 0 to 1.</summary>
    public double Fraction => Total == 0 ? 0 : (double)Score / Total;

    /// <summary>Questions given a letter a to d (right or wrong).</summary>
    public int Answered => Answers.Count(a => a.Outcome is "right" or "wrong" or "recorded");

    /// <summary>Questions answered with a letter a to d that is not the right one.</summary>
    public int Wrong => Answers.Count(a => a.Outcome == "wrong");

    /// <summary>Questions left blank (no entry, or a blank character).</summary>
    public int Blank => Answers.Count(a => a.Outcome == "blank");

    /// <summary>Questions given something other than a letter a to d (counted as not right).</summary>
    public IReadOnlyList<string> InvalidIds => Answers.Where(a => a.Outcome == "invalid").Select(a => a.Id).ToList();

    /// <summary>One line: score, fraction, and the counts of each outcome.</summary>
    public string Summary
    {
        get
        {
            if (Answers.Count > 0 && Answers.All(a => a.Correct == "?"))
                return $"{Practical}: {Answered} of {Total} answered; this edition has no answer key: "
                    + "your instructor's grader scores the quiz";
            var fraction = Fraction.ToString("0.###", CultureInfo.InvariantCulture);
            var line = $"{Practical}: {Score}/{Total} right ({fraction}), {Wrong} wrong, {Blank} blank";
            if (InvalidIds.Count > 0)
                line += $", {InvalidIds.Count} not a letter a-d ({string.Join(", ", InvalidIds)})";
            if (UnknownIds.Count > 0) line += $"; unknown ids ignored: {string.Join(", ", UnknownIds)}";
            return line;
        }
    }

    /// <summary>One row per question: id, given, correct, outcome, explanation.</summary>
    public Table ToTable() => new(["id", "given", "correct", "result", "explanation"],
        Answers.Select(a => new[] { a.Id, a.Given, a.Correct, a.Outcome, a.Explanation }).ToList());

    /// <summary>The summary line above the table, as HTML.</summary>
    public string ToHtml() => $"<div><b>{WebUtility.HtmlEncode(Summary)}</b></div>{ToTable().ToHtml()}";

    /// <summary>The summary line, then each question's outcome and explanation.</summary>
    public override string ToString()
    {
        var text = new StringBuilder(Summary).AppendLine();
        foreach (var a in Answers)
            text.Append(a.Id).Append("  ").Append(a.Outcome).Append(" (given ")
                .Append(a.Given.Length == 0 ? "-" : a.Given).Append(", correct ").Append(a.Correct).Append(")  ")
                .AppendLine(a.Explanation);
        return text.ToString().TrimEnd();
    }
}

/// <summary>
/// The multiple-choice quiz of a practical, in a notebook cell: <see cref="Show"/> displays the questions (lettered
/// choices, no answers); the student fills a dictionary of id → letter; <see cref="Grade(string,
/// IReadOnlyDictionary{string, char})"/> scores it, publishes the score and returns the answers with their
/// explanations. Deterministic: no shuffling, the bank's order and letters.
/// </summary>
public static class Quiz
{
    static bool formattersRegistered;

    /// <summary>The letter of a 0-based choice index: 0 → 'a'.</summary>
    public static char Letter(int index) => (char)('a' + index);

    /// <summary>The name a score is published under: <c>quiz_&lt;stem&gt;_&lt;what&gt;</c>, with the stem's '-' as '_'
    /// (e.g. <c>quiz_01_rag_score</c>).</summary>
    public static string ResultName(string practical, string what) => $"quiz_{practical.Replace('-', '_')}_{what}";

    /// <summary>The questions of a practical as the student sees them, without displaying them.</summary>
    public static QuizSheet Sheet(string practical)
    {
        EnsureFormatters();
        return new QuizSheet(QuizBank.Load(practical));
    }

    /// <summary>Displays the questions of a practical: lettered choices a) to d), no answers, no
    /// explanations.</summary>
    public static void Show(string practical) => Host.Display(Sheet(practical), "text/html", "text/plain");

    /// <summary>
    /// Grades a practical's quiz and publishes <c>quiz_&lt;stem&gt;_score</c> (the fraction right, 0 to 1) and
    /// <c>quiz_&lt;stem&gt;_answered</c> (questions given a letter a to d) with <see cref="Results.Publish(string,
    /// double, string?)"/>. Letters are case-insensitive; a missing entry or a blank character is a blank answer;
    /// anything else outside a to d is reported as invalid, and ids the bank lacks as unknown — never thrown.
    /// </summary>
    public static QuizResult Grade(string practical, IReadOnlyDictionary<string, char> answers)
    {
        var bank = QuizBank.Load(practical);
        var result = Grade(bank, answers);
        EnsureFormatters();
        if (!bank.HasKey)
        {
            // A student's sheet: the answers are recorded, the instructor's grader scores them.
            Results.Publish(ResultName(bank.Practical, "answered"), result.Answered);
            return result;
        }
        Results.Publish(ResultName(bank.Practical, "score"), result.Fraction);
        Results.Publish(ResultName(bank.Practical, "answered"), result.Answered);
        return result;
    }

    /// <summary>
    /// Scores answers against a key written inline (<c>"01.1=b;01.2=d;..."</c>): what the grader's quiz test runs,
    /// so that the key never sits where a submission could read it. Earns the fraction right through
    /// <see cref="Check.Score"/> under exercise <c>&lt;number&gt;.quiz</c>, and says which ids were wrong.
    /// </summary>
    public static double ScoreAgainstKey(string practical, IReadOnlyDictionary<string, char>? answers, string key)
    {
        var pairs = key.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2)).ToList();
        if (pairs.Count == 0 || pairs.Any(p => p.Length != 2 || p[1].Length != 1))
            throw new ArgumentException($"a quiz key is id=letter pairs separated by ';', got '{key}'", nameof(key));
        answers ??= new Dictionary<string, char>();
        var wrong = pairs.Where(p => !(answers.TryGetValue(p[0], out var c) && Given(c) == p[1])).Select(p => p[0])
            .ToList();
        double fraction = (pairs.Count - wrong.Count) / (double)pairs.Count;
        var number = practical.Split('-', 2)[0];
        Check.Score(number + ".quiz", fraction, $"{pairs.Count - wrong.Count} of {pairs.Count} right"
            + (wrong.Count > 0 ? $"; not right: {string.Join(", ", wrong)}" : ""));
        return fraction;
    }

    /// <summary>Grades answers against a bank, without publishing anything.</summary>
    public static QuizResult Grade(QuizBank bank, IReadOnlyDictionary<string, char> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var graded = bank.Questions.Select(q =>
        {
            var given = answers.TryGetValue(q.Id, out var c) ? Given(c) : "";
            var correct = q.AnswerLetter.ToString();
            return new QuizAnswer(q.Id, given, correct, given == correct, q.Explanation);
        }).ToList();
        var unknown = answers.Keys.Where(id => bank.Find(id) is null).Order(StringComparer.Ordinal).ToList();
        return new QuizResult(bank.Practical, graded, unknown);
    }

    /// <summary>The line under the questions that tells the student how to answer.</summary>
    internal static string HowToAnswer(QuizBank bank)
    {
        var first = bank.Questions[0].Id;
        var second = bank.Questions.Count > 1 ? bank.Questions[1].Id : first;
        return $"Answer in code: var answers = new Dictionary<string, char> {{ [\"{first}\"] = 'a', [\"{second}\"] = "
            + $"'c', ... }}; then Quiz.Grade(\"{bank.Practical}\", answers).";
    }

    static string Given(char c) => char.IsWhiteSpace(c) || c == '\0' ? ""
        : char.ToLowerInvariant(c) is >= 'a' and <= 'd' ? char.ToLowerInvariant(c).ToString()
        : char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();

    static void EnsureFormatters()
    {
        if (formattersRegistered) return;
        formattersRegistered = true;
        Formatters.EnsureRegistered();
        Formatter.Register<QuizSheet>((s, w) => w.Write(s.ToHtml()), "text/html");
        Formatter.Register<QuizSheet>((s, w) => w.Write(s.ToString()), "text/plain");
        Formatter.Register<QuizResult>((r, w) => w.Write(r.ToHtml()), "text/html");
        Formatter.Register<QuizResult>((r, w) => w.Write(r.ToString()), "text/plain");
    }
}
