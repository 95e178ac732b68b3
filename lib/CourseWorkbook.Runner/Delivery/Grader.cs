using System.Diagnostics;
using System.Text.Json;
using CourseWorkbook.Runner.Dib;
using CourseWorkbook.Runner.Execution;
using CourseWorkbook.Runner.Kernel;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Delivery;

/// <summary>An instructor's notebook read as an answer key: its hidden tests and the feed its notebooks load the
/// library from.</summary>
public sealed record AnswerKey(string Path, string Practical, DibDocument Document, ExerciseMap Marks, string Feed,
    QuizKey? Quiz)
{
    /// <summary>Reads an instructor's notebook; a malformed one throws <see cref="DibFormatException"/>. When the
    /// workbook has the practical's quiz bank and the notebook a quiz answer (a solution marked
    /// <c>&lt;number&gt;.quiz</c>) without a hidden test, the quiz's hidden test is added from the bank.</summary>
    public static AnswerKey Read(string path)
    {
        var document = DibParser.ParseFile(path);
        var marks = ExerciseMarkers.Read(document, path);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var practical = System.IO.Path.GetFileNameWithoutExtension(path);
        var quiz = QuizKey.Find(folder, practical);
        if (quiz is not null && marks.Tests.All(t => t.ExerciseId != quiz.ExerciseId)
            && marks.Solutions.LastOrDefault(s => s.ExerciseId == quiz.ExerciseId && !s.InMarkdown) is { } answer)
        {
            var cells = document.Cells.ToList();
            cells.Insert(answer.CellIndex + 1,
                new DibCell(KernelNames.CSharp, quiz.HiddenTestSource(), cells[answer.CellIndex].FirstLine));
            document = document with { Cells = cells };
            marks = ExerciseMarkers.Read(document, path);
        }
        return new AnswerKey(path, practical, document, marks, LocalFeed(folder), quiz);
    }

    /// <summary>The absolute folder of the local feed that the key's nuget.config names (the workbook's
    /// feed/).</summary>
    static string LocalFeed(string folder)
    {
        var config = System.IO.Path.Combine(folder, "nuget.config");
        if (File.Exists(config))
        {
            var add = System.Xml.Linq.XDocument.Load(config).Descendants("add")
                .FirstOrDefault(a => (string?)a.Attribute("key") == "courseworkbook-local");
            if ((string?)add?.Attribute("value") is { } value)
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, value));
        }
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, "..", "feed"));
    }
}

/// <summary>One student's notebook for one practical.</summary>
public sealed record Submission(string Student, string Path);

/// <summary>One hidden test's outcome.</summary>
public sealed record TestOutcome(double Points, double Earned, string Status, string Feedback);

/// <summary>One exercise's points and feedback.</summary>
public sealed record ExerciseGrade(string Id, double Points, double Max, string Feedback,
    IReadOnlyList<TestOutcome> Tests);

/// <summary>One submission's grade: points per exercise, what happened, where its executed notebook is.</summary>
public sealed record SubmissionGrade(string Student, string Practical, string Submission, string Status,
    double Points, double Max, double Seconds, IReadOnlyList<ExerciseGrade> Exercises, IReadOnlyList<string> Notes,
    string? ExecutedNotebook);

/// <summary>The grader's limits.</summary>
/// <param name="CellTimeout">Longest a cell may run (a submission's cell or a hidden test).</param>
/// <param name="NotebookTimeout">Longest a whole submission may run.</param>
/// <param name="KernelTimeout">Longest wait for its kernel to start.</param>
public sealed record GradeSettings(TimeSpan CellTimeout, TimeSpan NotebookTimeout, TimeSpan KernelTimeout);

/// <summary>
/// Grades one submission: its cells, with the key's hidden tests put back (<see cref="GradedNotebook"/>), run in a
/// kernel of its own, confined (<see cref="Containment"/>), in a scratch folder, with every limit of
/// <see cref="GradeSettings"/>; a failed cell does not stop the run, a timeout or a dead kernel does, and what ran
/// until then is graded. A hidden test earns its points when it runs without error (or the fraction it publishes
/// through Check.Score); its feedback is the failing check's message.
/// </summary>
public sealed class Grader(KernelTool tool, GradeSettings settings, Containment containment, TextWriter log)
{
    /// <summary>The library's variable for the folder of quiz files (QuizBank.FolderVariable).</summary>
    public const string QuizFolderVariable = "COURSEWORKBOOK_QUIZ";

    /// <summary>Grades <paramref name="submission"/> against <paramref name="key"/>, working in
    /// <paramref name="work"/>/&lt;student&gt;/&lt;practical&gt;/ and writing the executed notebook to
    /// <paramref name="executedPath"/>.</summary>
    public async Task<SubmissionGrade> GradeAsync(AnswerKey key, Submission submission, string work,
        string executedPath, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        DibDocument document;
        try
        {
            document = submission.Path.EndsWith(".ipynb", StringComparison.OrdinalIgnoreCase)
                ? IpynbReader.ReadFile(submission.Path)
                : DibParser.ParseFile(submission.Path);
        }
        catch (Exception e) when (e is DibFormatException or IOException or UnauthorizedAccessException)
        {
            var why = $"the submission could not be read: {e.Message}";
            return Ungraded(key, submission, "unreadable", why, clock);
        }

        var graded = GradedNotebook.Make(key.Document, key.Marks, document);
        var scratch = Path.Combine(work, GradeCommand.Safe(submission.Student), key.Practical);
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
        Directory.CreateDirectory(scratch);
        // The kernel's folder holds the submission as handed in (no hidden test) and a nuget.config naming the feed.
        var notebookPath = Path.Combine(scratch, key.Practical + ".dib");
        AtomicFile.WriteAllText(notebookPath, DibWriter.Write(document));
        AtomicFile.WriteAllText(Path.Combine(scratch, "nuget.config"), NuGetConfig(key.Feed));
        // The quiz's questions without the key, where the library looks first (the bank itself is hidden).
        var sheets = Path.Combine(scratch, "quiz");
        if (key.Quiz is { } quiz)
        {
            Directory.CreateDirectory(sheets);
            AtomicFile.WriteAllText(Path.Combine(sheets, key.Practical + ".json"), quiz.SheetJson);
        }

        var run = new RunSettings(settings.CellTimeout, settings.KernelTimeout, new Dictionary<string, string>(),
            TrivialCells: 0, KeepGoing: true, PrepareKernel: start =>
            {
                start.Environment[QuizFolderVariable] = sheets;
                containment.Apply(start, scratch);
            });
        var notes = new List<string>(graded.Notes);
        var (record, timedOut) = await RunOnceAsync(graded, notebookPath, key.Practical, run, scratch, cancel);
        // A kernel that dies is run once more: a submission's own exit dies again where it did, while a rare crash
        // of the native runtime (libtorch under memory pressure) should not cost a student points. The run that got
        // further is graded, and the note says so.
        if (!timedOut && DiedAt(record) is { } first)
        {
            var (again, againTimedOut) = await RunOnceAsync(graded, notebookPath, key.Practical, run, scratch, cancel);
            var second = DiedAt(again);
            notes.Add($"the kernel exited during cell {first.Index} ({FirstLine(first.Error)}); a second run "
                      + (second is null ? "went to the end and is graded"
                          : $"exited during cell {second.Index}; the run that got further is graded"));
            if (second is null || second.Index > first.Index) (record, timedOut) = (again, againTimedOut);
        }
        if (timedOut)
            notes.Add($"the submission's time limit ({settings.NotebookTimeout.TotalSeconds:0} s) was reached; "
                      + "it was graded as far as it got");
        if (record.Cells.FirstOrDefault(c => c.Status == CellStatus.Timeout) is { } slow)
            notes.Add($"cell {slow.Index} ran past the {settings.CellTimeout.TotalSeconds:0} s limit; its kernel was "
                      + "ended and the cells after it did not run");
        if (DiedAt(record) is { } died)
            notes.Add($"the kernel exited during cell {died.Index}; the cells after it did not run");

        string? executed = null;
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(executedPath)!);
            AtomicFile.WriteAllText(executedPath, IpynbWriter.Write(record));
            executed = executedPath;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            notes.Add($"the executed notebook could not be written: {e.Message}");
        }

        var exercises = Exercises(key, graded, record);
        log.WriteLine($"  {submission.Student}/{key.Practical}: {exercises.Sum(x => x.Points):0.##} of "
                      + $"{exercises.Sum(x => x.Max):0.##} points in {clock.Elapsed.TotalSeconds:0.0} s");
        return new SubmissionGrade(submission.Student, key.Practical, submission.Path,
            timedOut || DiedAt(record) is not null || record.Cells.Any(c => c.Status == CellStatus.Timeout)
                ? "graded, incomplete" : "graded",
            exercises.Sum(x => x.Points), exercises.Sum(x => x.Max), clock.Elapsed.TotalSeconds, exercises, notes,
            executed);
    }

    async Task<(NotebookRecord Record, bool TimedOut)> RunOnceAsync(GradedNotebook graded, string notebookPath,
        string practical, RunSettings run, string scratch, CancellationToken cancel)
    {
        var record = new NotebookRecord(notebookPath, practical, graded.Document,
            graded.Document.Cells.Select((c, i) => new CellRecord(i + 1, c)).ToList());
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(settings.NotebookTimeout);
        try
        {
            await new NotebookRunner(tool, run, TextWriter.Null).RunAsync(record, Path.Combine(scratch, "out"),
                limit.Token);
            return (record, false);
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return (record, true);
        }
    }

    static CellRecord? DiedAt(NotebookRecord record) =>
        record.Cells.FirstOrDefault(c => c.Error?.StartsWith("KernelExited", StringComparison.Ordinal) == true);

    static string FirstLine(string? text) => (text ?? "").Split('\n', 2)[0].Trim();

    static List<ExerciseGrade> Exercises(AnswerKey key, GradedNotebook graded, NotebookRecord record)
    {
        var byExercise = new Dictionary<string, List<TestOutcome>>(StringComparer.Ordinal);
        foreach (var placed in graded.Tests)
        {
            var cell = record.Cells[placed.CellIndex];
            var outcome = Outcome(placed, cell, record);
            if (!byExercise.TryGetValue(placed.Test.ExerciseId, out var list))
                byExercise[placed.Test.ExerciseId] = list = [];
            list.Add(outcome);
        }
        return key.Marks.ExerciseIds.Select(id =>
        {
            var tests = byExercise.GetValueOrDefault(id) ?? [];
            var feedback = string.Join(" | ", tests.Where(t => t.Feedback.Length > 0).Select(t => t.Feedback)
                .Distinct());
            return new ExerciseGrade(id, Math.Round(tests.Sum(t => t.Earned), 4), tests.Sum(t => t.Points),
                feedback.Length == 0 && tests.Count > 0 ? "all checks passed" : feedback, tests);
        }).ToList();
    }

    static TestOutcome Outcome(PlacedTest placed, CellRecord cell, NotebookRecord record)
    {
        double points = placed.Test.Points;
        switch (cell.Status)
        {
            case CellStatus.Passed:
                var fraction = ScoreFraction(cell, placed.Test.ExerciseId);
                if (fraction == 0 && NotDone(placed, record) is { } notDone)
                    return new TestOutcome(points, 0, "not done", notDone);
                var said = cell.Outputs.OfType<StreamOutput>().Where(o => o.Name == "stdout")
                    .Select(o => o.Text.ToString().Trim()).FirstOrDefault(t => t.Length > 0) ?? "";
                return new TestOutcome(points, points * (fraction ?? 1), "passed",
                    fraction is null ? "" : Cut(said.Length > 0 ? said : $"{fraction:P0} of the points"));
            case CellStatus.Failed:
                // An exercise left undone fails in its own cell; say that rather than what it broke afterwards.
                if (NotDone(placed, record) is { } undone) return new TestOutcome(points, 0, "not done", undone);
                return new TestOutcome(points, 0, "failed", Cut(Feedback(cell.Error ?? "failed")));
            case CellStatus.Timeout:
                return new TestOutcome(points, 0, "timeout", $"the check ran past the time limit: {cell.Error}");
            default:
                var stop = record.Cells.FirstOrDefault(c => c.Index < cell.Index
                    && (c.Status == CellStatus.Timeout || c.Error?.StartsWith("KernelExited") == true));
                var why = stop is null ? "the submission's time limit was reached before it"
                    : stop.Status == CellStatus.Timeout ? $"cell {stop.Index} ran past the time limit before it"
                    : $"the kernel exited in cell {stop.Index} before it";
                return new TestOutcome(points, 0, "not run", $"not checked: {why}");
        }
    }

    static string? NotDone(PlacedTest placed, NotebookRecord record) =>
        placed.AnchorIndex >= 0 && record.Cells[placed.AnchorIndex].Error is { } error
        && error.Contains($"Exercise {placed.Test.ExerciseId} is not done yet", StringComparison.Ordinal)
            ? $"Exercise {placed.Test.ExerciseId} is not done yet."
            : null;

    // The library's check failures read best without their type name; anything else keeps it.
    static string Feedback(string error)
    {
        const string check = "CourseWorkbook.Notebook.CheckFailedException: ";
        const string stub = "System.NotImplementedException: ";
        if (error.StartsWith(check, StringComparison.Ordinal)) return error[check.Length..];
        if (error.StartsWith(stub, StringComparison.Ordinal)) return error[stub.Length..];
        return error;
    }

    static double? ScoreFraction(CellRecord cell, string exerciseId)
    {
        var name = "grade." + exerciseId;
        double? fraction = null;
        foreach (var data in cell.Outputs.OfType<DataOutput>())
        {
            if (!data.Data.TryGetValue(WorkbookContract.ResultsMimeType, out var json)) continue;
            try
            {
                using var document = JsonDocument.Parse(json);
                foreach (var r in document.RootElement.GetProperty("results").EnumerateArray())
                    if (r.GetProperty("name").GetString() == name && r.GetProperty("value") is
                            { ValueKind: JsonValueKind.Number } value)
                        fraction = Math.Clamp(value.GetDouble(), 0, 1);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
        }
        return fraction;
    }

    SubmissionGrade Ungraded(AnswerKey key, Submission submission, string status, string why, Stopwatch clock)
    {
        log.WriteLine($"  {submission.Student}/{key.Practical}: {why}");
        var exercises = key.Marks.ExerciseIds.Select(id => new ExerciseGrade(id, 0,
            key.Marks.Points.GetValueOrDefault(id), why, [])).ToList();
        return new SubmissionGrade(submission.Student, key.Practical, submission.Path, status, 0,
            exercises.Sum(x => x.Max), clock.Elapsed.TotalSeconds, exercises, [why], null);
    }

    static string NuGetConfig(string feed) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <!-- Written by the grader: the workbook's local feed, by its absolute path. -->
        <configuration>
          <packageSources>
            <add key="courseworkbook-local" value="{System.Security.SecurityElement.Escape(feed)}" />
          </packageSources>
        </configuration>

        """;

    static string Cut(string text) => text.Length <= 500 ? text : text[..497] + "...";
}
