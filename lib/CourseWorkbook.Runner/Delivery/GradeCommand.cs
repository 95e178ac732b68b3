using System.Diagnostics;
using System.Globalization;
using CourseWorkbook.Runner.Dib;
using CourseWorkbook.Runner.Kernel;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Delivery;

/// <summary>The runner's <c>grade</c> command: grades submitted notebooks against the instructor's hidden
/// tests.</summary>
public static class GradeCommand
{
    /// <summary>The command's usage.</summary>
    public const string Usage = """
        CourseWorkbook.Runner grade --key <instructor notebook.dib|folder> <submission|folder>... [--out DIR]
                                    [--cell-timeout SECONDS] [--notebook-timeout SECONDS] [--parallel N]

        Grades each submission (.dib or .ipynb) against the key's hidden tests. A submission's practical is the key
        notebook whose name its file name contains; its student is the folder holding it when the file name is just
        the practical's (submissions/alice/03-triplet-loss.dib), else the rest of the file name
        (alice_03-triplet-loss.ipynb). Each runs in its own kernel, confined where the system allows (the key and
        the submissions hidden, the output read-only), with the hidden tests put back after each exercise's cell.
        Writes to DIR (default grades/): grades.json (per student, practical and exercise: points and feedback),
        grades.csv (one row per student and exercise), summary.md (the class), and <student>/<practical>.ipynb (each
        executed submission, hidden tests included, for the instructor).
          --cell-timeout SECONDS      longest a cell may run (default 120)
          --notebook-timeout SECONDS  longest a submission may run in all (default 600)
          --parallel N                submissions graded at once (default 1)
        Exit codes: 0 graded (whatever the marks), 2 bad usage or an unreadable key.
        """;

    /// <summary>Runs the command; returns the exit code.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr,
        CancellationToken cancel)
    {
        var keys = new List<string>();
        var inputs = new List<string>();
        string outDirectory = "grades";
        double cellSeconds = 120, notebookSeconds = 600;
        int parallel = 1;
        for (int i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "--key": keys.Add(Value()); break;
                    case "--out": outDirectory = Value(); break;
                    case "--cell-timeout": cellSeconds = Positive(Value(), "--cell-timeout"); break;
                    case "--notebook-timeout": notebookSeconds = Positive(Value(), "--notebook-timeout"); break;
                    case "--parallel": parallel = (int)Positive(Value(), "--parallel"); break;
                    case "-h" or "--help": stderr.WriteLine(Usage); return Program.ExitPassed;
                    default:
                        if (args[i].StartsWith('-')) throw new ArgumentException($"unknown option '{args[i]}'");
                        inputs.Add(args[i]);
                        break;
                }
            }
            catch (ArgumentException e) { return Fail(stderr, e.Message); }
        }
        if (keys.Count == 0) return Fail(stderr, "name the instructor's notebooks with --key");
        if (inputs.Count == 0) return Fail(stderr, "name at least one submission or folder of submissions");

        var answerKeys = new List<AnswerKey>();
        var keyFiles = Expand(keys, [".dib"], out var missing);
        foreach (var file in keyFiles)
        {
            try { answerKeys.Add(AnswerKey.Read(file)); }
            catch (Exception e) when (e is DibFormatException or InvalidDataException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return Program.ExitUsage;
            }
        }
        if (missing is not null) return Fail(stderr, $"no such key notebook or folder: '{missing}'");
        if (answerKeys.Count == 0) return Fail(stderr, "the key names no .dib notebook");
        var submissionFiles = Expand(inputs, [".dib", ".ipynb"], out missing);
        if (missing is not null) return Fail(stderr, $"no such submission or folder: '{missing}'");

        var outFull = Path.GetFullPath(outDirectory);
        // Hidden from every kernel: the key's folders, and the submissions' (a file's own folder too, unless it is
        // a shared one such as /tmp or the home folder, which the kernel needs).
        var shared = new[] { "/", Path.GetTempPath(), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) }
            .Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p))).ToHashSet();
        var guarded = keys.Concat(inputs).Select(p => Path.GetFullPath(Directory.Exists(p) ? p
                : Path.GetDirectoryName(Path.GetFullPath(p))!))
            .Select(Path.TrimEndingDirectorySeparator).Where(p => !shared.Contains(p)).Distinct().ToList();
        if (guarded.FirstOrDefault(g => Inside(outFull, g) || Inside(g, outFull)) is { } clash)
            return Fail(stderr, $"--out '{outFull}' must be outside the key and the submissions (and not hold them): "
                                + $"'{clash}'");

        var plan = new List<(AnswerKey Key, Submission Submission)>();
        var unmatched = new List<string>();
        var students = new HashSet<(string, string)>();
        foreach (var file in submissionFiles)
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var key = answerKeys.Where(k => name.Contains(k.Practical, StringComparison.OrdinalIgnoreCase))
                .MaxBy(k => k.Practical.Length);
            if (key is null) { unmatched.Add(file); continue; }
            var student = StudentOf(file, name, key.Practical);
            if (!students.Add((student, key.Practical)))
                return Fail(stderr, $"two submissions of {key.Practical} for student '{student}' (the second: {file})");
            plan.Add((key, new Submission(student, file)));
        }

        if (KernelTool.LocateRestored(stderr) is not { } tool) return Program.ExitFailed;

        var workbookRoot = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(answerKeys[0].Path))!)!;
        if (guarded.FirstOrDefault(g => Inside(workbookRoot, g)) is { } tooWide)
            return Fail(stderr, $"'{tooWide}' holds the workbook itself (its feed/ and data/), so it cannot be hidden "
                                + "from the submissions: give the key's notebooks folder and the submissions' folders");
        Directory.CreateDirectory(outFull);
        // Scratch folders sit in the workbook (beside the key's folder) so that notebooks find data/ as they do there.
        var work = Path.Combine(workbookRoot, ".grading", $"{DateTime.UtcNow:yyyyMMddHHmmss}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        // The quiz banks (the answer keys) are hidden too; each kernel gets the answer-less sheets instead.
        var banks = answerKeys.Where(k => k.Quiz is not null)
            .Select(k => Path.GetDirectoryName(k.Quiz!.Path)!).Distinct();
        var containment = new Containment(hidden: guarded.Concat(banks), readOnly: [outFull]);
        stderr.WriteLine(containment.Describe());
        stderr.WriteLine($"grading {plan.Count} submissions of {plan.Select(p => p.Key.Practical).Distinct().Count()} "
                         + $"practicals, {parallel} at a time");
        foreach (var file in unmatched) stderr.WriteLine($"warning: {file} matches no key notebook; not graded");

        var settings = new GradeSettings(TimeSpan.FromSeconds(cellSeconds), TimeSpan.FromSeconds(notebookSeconds),
            TimeSpan.FromSeconds(Program.DefaultKernelTimeoutSeconds));
        var grader = new Grader(tool, settings, containment, stderr);
        var clock = Stopwatch.StartNew();
        var grades = new SubmissionGrade[plan.Count];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, plan.Count),
                new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancel },
                async (i, token) =>
                {
                    var (key, submission) = plan[i];
                    var executed = Path.Combine(outFull, Safe(submission.Student), key.Practical + ".ipynb");
                    grades[i] = await grader.GradeAsync(key, submission, work, executed, token);
                });
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"warning: the scratch folder {work} could not be removed: {e.Message}");
            }
        }

        var ordered = grades.OrderBy(g => g.Student, StringComparer.Ordinal)
            .ThenBy(g => g.Practical, StringComparer.Ordinal).ToList();
        AtomicFile.WriteAllText(Path.Combine(outFull, "grades.json"),
            GradeReports.Json(ordered, unmatched, containment.Describe(), clock.Elapsed.TotalSeconds));
        AtomicFile.WriteAllText(Path.Combine(outFull, "grades.csv"), GradeReports.Csv(ordered));
        AtomicFile.WriteAllText(Path.Combine(outFull, "summary.md"),
            GradeReports.Summary(ordered, unmatched, containment.Describe(), clock.Elapsed.TotalSeconds));
        stdout.WriteLine($"graded {ordered.Count} submissions in {clock.Elapsed.TotalSeconds:0} s; "
                         + $"results in {outFull} (grades.json, grades.csv, summary.md)");
        return Program.ExitPassed;
    }

    /// <summary>The student a submission belongs to: its folder's name when the file is named after the practical,
    /// else the file name without the practical's name.</summary>
    public static string StudentOf(string file, string name, string practical)
    {
        var rest = name.Replace(practical, "", StringComparison.OrdinalIgnoreCase).Trim('-', '_', '.', ' ');
        if (rest.Length > 0) return rest;
        var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file)));
        return string.IsNullOrEmpty(folder) ? name : folder;
    }

    static List<string> Expand(IEnumerable<string> inputs, string[] extensions, out string? missing)
    {
        missing = null;
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories)
                    .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}.", StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal));
            else if (File.Exists(input)) files.Add(input);
            else missing ??= input;
        }
        return files.Distinct().ToList();
    }

    static bool Inside(string path, string folder)
    {
        var f = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        return (Path.TrimEndingDirectorySeparator(path) + Path.DirectorySeparatorChar)
            .StartsWith(f, StringComparison.Ordinal);
    }

    /// <summary>A student name usable as a folder name.</summary>
    public static string Safe(string student) =>
        string.Concat(student.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'))
            .TrimStart('.') is { Length: > 0 } safe ? safe : "student";

    static double Positive(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
            ? v
            : throw new ArgumentException($"{option} needs a positive number, got '{text}'");

    static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine("usage: " + Usage.Split('\n')[0]);
        return Program.ExitUsage;
    }
}
