using System.Text.Json;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Peft;

/// <summary>reference/peft_family_reference.json, written by reference/make_peft_family_reference.py (PyTorch,
/// float64, the papers' equations): VeRA, bottleneck adapters and prefix attention, inputs and outputs.</summary>
static class PeftFamilyReference
{
    static readonly JsonElement Root = JsonDocument.Parse(File.ReadAllText(Path.Combine(LoraTests.ReferenceFolder(),
        "peft_family_reference.json"))).RootElement;

    public static JsonElement Section(string name) => Root.GetProperty(name);

    public static double[] D(this JsonElement section, string key) =>
        section.GetProperty(key).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public static int I(this JsonElement section, string key) => section.GetProperty(key).GetInt32();

    /// <summary>The array under <paramref name="key"/> as a float64 tensor of <paramref name="shape"/>.</summary>
    public static Tensor T(this JsonElement section, string key, params long[] shape) =>
        tensor(section.D(key), shape, float64);

    /// <summary>Each element of <paramref name="actual"/> within <paramref name="tol"/> of the reference.</summary>
    public static void Close(double[] expected, Tensor actual, double tol = 1e-12)
    {
        var got = actual.detach().to(float64).flatten().data<double>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) <= tol,
            $"element {i}: expected {expected[i]}, got {got[i]}");
    }
}
