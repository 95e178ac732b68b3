using System.Text.Json;

namespace CourseWorkbook.Tests.Embeddings;

/// <summary>The reference files under Embeddings/Fixtures (made by make_fixtures.py with scikit-learn).</summary>
static class FixtureFiles
{
    public static string Path(string name) => InTests("Embeddings", "Fixtures", name);

    /// <summary>A file under tests/CourseWorkbook.Tests, found from the repository root (CourseWorkbook.sln).</summary>
    public static string InTests(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CourseWorkbook.sln")))
                return System.IO.Path.Combine([dir.FullName, "tests", "CourseWorkbook.Tests", .. parts]);
        throw new FileNotFoundException("repository root (CourseWorkbook.sln) not found above " + AppContext.BaseDirectory);
    }

    public static JsonElement Json(string name) => JsonDocument.Parse(File.ReadAllText(Path(name))).RootElement;

    public static float[][] Csv(string name) => File.ReadLines(Path(name))
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .Select(l => l.Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray())
        .ToArray();
}
