namespace CourseWorkbook.Retrieval;

/// <summary>
/// Where practical 01's files live: data/rag/ in the repository, found from the current directory upwards.
/// </summary>
public static class RagData
{
    /// <summary>
    /// The data/rag folder, searched upwards from: the notebook the headless runner executes, the folder this
    /// library was loaded from (a notebook loads it from its repository's lib/), the current directory (VS Code
    /// starts notebooks in their own folder), then the host application's folder. So the paths work from VS Code,
    /// from the runner started anywhere, and from the tests.
    /// </summary>
    public static string Directory => directory ??= Locate();

    /// <summary>The 661 fictional 2024 headlines.</summary>
    public static string HeadlinesPath => Path.Combine(Directory, "headlines.jsonl");

    /// <summary>The evaluation questions.</summary>
    public static string QuestionsPath => Path.Combine(Directory, "questions.jsonl");

    /// <summary>The five extra questions of the "invent 5 questions" exercise.</summary>
    public static string ExerciseQuestionsPath => Path.Combine(Directory, "questions-exercise.jsonl");

    /// <summary>The plain-text source of the "another domain" exercise (a fictional library rulebook).</summary>
    public static string RulebookTextPath => Path.Combine(Directory, "reglement-mediatheque.txt");

    /// <summary>data/rag/.cache: vector stores and generated files (ignored by git).</summary>
    public static string CacheDirectory
    {
        get
        {
            var path = Path.Combine(Directory, ".cache");
            System.IO.Directory.CreateDirectory(path);
            return path;
        }
    }

    /// <summary>
    /// The store file for an embedder id, e.g.
    /// <c>.cache/vectors-ollama-nextfire-paraphrase-multilingual-minilm.cwvs</c>.
    /// </summary>
    public static string StorePath(string embedderId)
    {
        var safe = new string(embedderId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' ? c : '-')
            .ToArray());
        return Path.Combine(CacheDirectory, $"vectors-{safe}.cwvs");
    }

    /// <summary>
    /// The rulebook as a PDF in the cache (written from <see cref="RulebookTextPath"/> when missing or older): the
    /// input of the "another domain from PDFs" exercise. First line: title; lines starting with "# ": headings.
    /// </summary>
    public static string RulebookPdf()
    {
        var pdf = Path.Combine(CacheDirectory, "reglement-mediatheque.pdf");
        if (!File.Exists(pdf) || File.GetLastWriteTimeUtc(pdf) < File.GetLastWriteTimeUtc(RulebookTextPath))
        {
            var lines = File.ReadAllLines(RulebookTextPath).Where(l => l.Trim().Length > 0).ToList();
            PdfText.WriteSimplePdf(pdf, lines[0], lines.Skip(1));
        }
        return pdf;
    }

    private static string? directory;

    private static string Locate()
    {
        var starts = SearchStarts();
        return FindFrom(starts)
            ?? throw new DirectoryNotFoundException(
                $"data/rag/headlines.jsonl not found above any of: {string.Join(", ", starts)}");
    }

    /// <summary>Where the search for data/rag starts, in order (see <see cref="Directory"/>).</summary>
    internal static IReadOnlyList<string> SearchStarts()
    {
        var notebook = Notebook.Host.NotebookPath;
        var library = typeof(RagData).Assembly.Location;
        return new[]
        {
            string.IsNullOrEmpty(notebook) ? null : Path.GetDirectoryName(Path.GetFullPath(notebook)),
            string.IsNullOrEmpty(library) ? null : Path.GetDirectoryName(library),
            Environment.CurrentDirectory,
            AppContext.BaseDirectory,
        }.OfType<string>().ToList();
    }

    /// <summary>The first data/rag folder holding headlines.jsonl in or above one of the starts, else null.</summary>
    internal static string? FindFrom(IEnumerable<string> starts) =>
        Runtime.WorkbookPaths.FindAbove(starts, Path.Combine("data", "rag"),
            c => File.Exists(Path.Combine(c, "headlines.jsonl")));
}
