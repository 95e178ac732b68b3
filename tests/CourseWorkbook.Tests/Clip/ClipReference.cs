using System.Text.Json;

namespace CourseWorkbook.Tests.Clip;

/// <summary>The files under Clip/reference: values computed by make_references.py (plain torch, PIL, numpy),
/// independently of the C# code; and the clip-vit-base-patch32 config.json written by hand from the architecture.</summary>
static class ClipReference
{
    public static string Path(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CourseWorkbook.sln")))
                return System.IO.Path.Combine(dir.FullName, "tests", "CourseWorkbook.Tests", "Clip", "reference", name);
        throw new FileNotFoundException("repository root (CourseWorkbook.sln) not found above " + AppContext.BaseDirectory);
    }

    public static JsonElement Json(string name) => JsonDocument.Parse(File.ReadAllText(Path(name))).RootElement;

    public static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    public static long[] Longs(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt64()).ToArray();
}
