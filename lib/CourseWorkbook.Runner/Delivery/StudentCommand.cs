using CourseWorkbook.Runner.Dib;
using CourseWorkbook.Runner.Output;

namespace CourseWorkbook.Runner.Delivery;

/// <summary>The runner's <c>student</c> command: writes the student edition of instructor notebooks.</summary>
public static class StudentCommand
{
    /// <summary>The command's usage line.</summary>
    public const string Usage = "CourseWorkbook.Runner student <notebook.dib|folder>... [--out DIR]";

    /// <summary>Writes DIR/&lt;name&gt;.dib (default DIR: student/) for every notebook, each file atomically; returns
    /// the exit code: 0 written, 2 bad usage or a malformed notebook (nothing is written then).</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var inputs = new List<string>();
        var outDirectory = "student";
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == "--out")
            {
                if (i + 1 >= args.Count || args[i + 1].Length == 0) return Fail(stderr, "--out needs a folder");
                outDirectory = args[++i];
            }
            else if (args[i].StartsWith("--out=", StringComparison.Ordinal)) outDirectory = args[i]["--out=".Length..];
            else if (args[i].StartsWith('-')) return Fail(stderr, $"unknown option '{args[i]}'");
            else inputs.Add(args[i]);
        }
        if (inputs.Count == 0) return Fail(stderr, "name at least one notebook or folder");

        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.GetFiles(input, "*.dib").Order(StringComparer.Ordinal));
            else if (File.Exists(input)) files.Add(input);
            else return Fail(stderr, $"no such notebook or folder: '{input}'");
        }

        // Everything is read and checked before anything is written: a malformed notebook writes nothing.
        var editions = new List<(string Target, string Text, ExerciseMap Marks)>();
        foreach (var file in files)
        {
            var target = Path.GetFullPath(Path.Combine(outDirectory, Path.GetFileName(file)));
            if (target == Path.GetFullPath(file)) return Fail(stderr, $"--out would overwrite the instructor's {file}");
            try
            {
                var instructor = DibParser.ParseFile(file);
                editions.Add((target, DibWriter.Write(StudentEdition.Make(instructor, file)),
                    ExerciseMarkers.Read(instructor, file)));
            }
            catch (DibFormatException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return Program.ExitUsage;
            }
        }
        // The notebooks' nuget.config (the local feed of the library) travels with them, so the student edition
        // restores the same packages from a sibling folder such as student/.
        var configs = files.Select(f => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(f))!, "nuget.config"));
        foreach (var config in configs.Distinct().Where(File.Exists))
        {
            var copy = Path.Combine(Path.GetFullPath(outDirectory), "nuget.config");
            if (!File.Exists(copy)) AtomicFile.WriteAllText(copy, File.ReadAllText(config));
        }
        // Each practical's quiz goes with it as a sheet: the questions and choices, not the key (data/quiz).
        foreach (var file in files)
        {
            var practical = Path.GetFileNameWithoutExtension(file);
            QuizKey? quiz;
            try { quiz = QuizKey.Find(Path.GetDirectoryName(Path.GetFullPath(file))!, practical); }
            catch (InvalidDataException e) { return Fail(stderr, e.Message); }
            if (quiz is null) continue;
            var sheets = Directory.CreateDirectory(Path.Combine(Path.GetFullPath(outDirectory), "quiz")).FullName;
            AtomicFile.WriteAllText(Path.Combine(sheets, practical + ".json"), quiz.SheetJson);
        }
        foreach (var (target, text, marks) in editions)
        {
            AtomicFile.WriteAllText(target, text);
            stdout.WriteLine($"{target}: {marks.Solutions.Count} solutions stubbed, {marks.Tests.Count} hidden tests "
                + $"removed ({marks.ExerciseIds.Count} exercises)");
        }
        return Program.ExitPassed;
    }

    static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"error: {message}");
        stderr.WriteLine("usage: " + Usage);
        return Program.ExitUsage;
    }
}
