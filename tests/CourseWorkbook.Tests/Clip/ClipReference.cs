using System.Text.Json;
using CourseWorkbook.Tests.Embeddings;

namespace CourseWorkbook.Tests.Clip;

/// <summary>The files under Clip/reference: values computed by make_references.py (plain torch, PIL, numpy),
/// independently of the C# code; and the clip-vit-base-patch32 config.json written by hand from the architecture.</summary>
static class ClipReference
{
    public static string Path(string name) => FixtureFiles.InTests("Clip", "reference", name);

    public static JsonElement Json(string name) => JsonDocument.Parse(File.ReadAllText(Path(name))).RootElement;

    public static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    public static long[] Longs(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt64()).ToArray();
}
