namespace CourseWorkbook.Peft;

/// <summary>The new domain of practical 08: data/peft/captains-log.txt, a ship captain's log written for the
/// workbook (one entry per line, each opening with "Captain's log."), in the plain words of TinyStories but in a
/// style and a world stories260K never saw.</summary>
public static class PeftData
{
    /// <summary>The corpus file's name in data/peft.</summary>
    public const string CaptainsLogFile = "captains-log.txt";

    /// <summary>The log entries, one per non-empty line, in file order.</summary>
    public static IReadOnlyList<string> CaptainsLog(string? folder = null)
    {
        folder ??= Runtime.WorkbookPaths.DataFolder("peft", CaptainsLogFile) ?? throw new DirectoryNotFoundException(
            $"data/peft/{CaptainsLogFile} not found above the notebook, the library or the current directory");
        var path = Path.Combine(folder, CaptainsLogFile);
        var lines = File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) throw new InvalidDataException($"{path}: no entries");
        return lines;
    }
}
