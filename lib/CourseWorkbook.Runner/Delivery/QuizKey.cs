using System.Text.Json;
using System.Text.Json.Nodes;

namespace CourseWorkbook.Runner.Delivery;

/// <summary>
/// A practical's quiz bank as the grader and the student edition use it (data/quiz/&lt;practical&gt;.json, the
/// instructor's key): the answer key, which the grader writes inline into a hidden test so that it never sits where
/// a submission can read it, and the student's sheet (questions and choices; no answers, no explanations).
/// </summary>
public sealed record QuizKey(string Practical, string Path, IReadOnlyList<(string Id, char Letter)> Answers,
    string SheetJson)
{
    /// <summary>The bank of <paramref name="practical"/> in the workbook holding <paramref name="notebookFolder"/>
    /// (its data/quiz), or null when it has none. A bank that is not a key throws, naming the file.</summary>
    public static QuizKey? Find(string notebookFolder, string practical)
    {
        var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(notebookFolder, "..", "data", "quiz",
            practical + ".json"));
        return File.Exists(path) ? Read(path, practical) : null;
    }

    /// <summary>Reads a key file.</summary>
    public static QuizKey Read(string path, string practical)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
        if (root?["questions"] is not JsonArray questions)
            throw new InvalidDataException($"{path}: no 'questions' array");
        var answers = new List<(string, char)>();
        foreach (var question in questions)
        {
            var id = question?["id"]?.GetValue<string>()
                     ?? throw new InvalidDataException($"{path}: a question has no id");
            if (question["answer"]?.GetValue<int>() is not { } answer || answer is < 0 or > 3)
                throw new InvalidDataException($"{path}: question {id} has no answer 0..3; this is not a key");
            answers.Add((id, (char)('a' + answer)));
            question.AsObject().Remove("answer");
            question.AsObject().Remove("explanation");
        }
        var sheet = root.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n";
        return new QuizKey(practical, path, answers, sheet);
    }

    /// <summary>The exercise id of the quiz: the practical's number and ".quiz" (e.g. 01.quiz).</summary>
    public string ExerciseId => Practical.Split('-', 2)[0] + ".quiz";

    /// <summary>The hidden test the grader adds after the quiz's answer cell: one point per question, scored
    /// against the key written inline.</summary>
    public string HiddenTestSource(string answersVariable = "quizAnswers") => string.Join("\n",
        $"// HIDDEN TEST {ExerciseId} ({Answers.Count} points)",
        $"// Written by the grader from data/quiz/{Practical}.json: one point per question answered right.",
        $"global::CourseWorkbook.Notebook.Quiz.ScoreAgainstKey(\"{Practical}\", {answersVariable},",
        $"    \"{string.Join(";", Answers.Select(a => $"{a.Id}={a.Letter}"))}\");");
}
