using System.Runtime.InteropServices;
using CourseWorkbook.Runtime;
using TorchSharp;

namespace CourseWorkbook.Notebook;

/// <summary>The one call of every notebook's first cell.</summary>
public static class Workbook
{
    static bool formattersRegistered;

    /// <summary>
    /// Loads TorchSharp's natives (handling the GLIBCXX trap), seeds every random source, registers display
    /// formatters (charts, tensors, DataFrames) and returns an environment report: TorchSharp/libtorch, threads,
    /// Ollama reachable or not, models found.
    /// </summary>
    public static EnvironmentReport Init(int seed = 42, bool probeOllama = true)
    {
        var native = TorchRuntime.EnsureLoaded();
        Seeding.SeedAll(seed);
        if (!formattersRegistered)
        {
            Formatters.Register();
            formattersRegistered = true;
        }
        var ollama = probeOllama ? OllamaProbe.Probe() : null;
        return new EnvironmentReport(
            Host: Host.Kind.ToString(),
            Runtime: $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.RuntimeIdentifier})",
            TorchSharp: native.TorchSharpVersion,
            LibTorch: native.LibTorchDirectory ?? "(TorchSharp's own loader)",
            NativeNote: native.PatchedGlibcxx ? $"libstdc++ lacks {TorchRuntime.HarmlessGlibcxxVersion}: loaded a weak-patched copy of LibTorchSharp" : "natives loaded as shipped",
            Threads: torch.get_num_threads(),
            Seed: seed,
            Ollama: ollama?.ToString() ?? "not probed",
            OllamaReachable: ollama?.Reachable ?? false,
            ModelsFolder: ModelFolders.Locate() ?? "(none: set COURSEWORKBOOK_MODELS)",
            Models: ModelFolders.List());
    }
}

/// <summary>What the notebook can use on this machine.</summary>
public sealed record EnvironmentReport(
    string Host, string Runtime, string TorchSharp, string LibTorch, string NativeNote, int Threads, int Seed,
    string Ollama, bool OllamaReachable, string ModelsFolder, IReadOnlyList<string> Models)
{
    /// <summary>Rows of (item, value) for display.</summary>
    public IEnumerable<(string Item, string Value)> Rows() =>
    [
        ("host", Host), ("runtime", Runtime), ("TorchSharp", TorchSharp), ("libtorch", LibTorch), ("natives", NativeNote),
        ("threads", Threads.ToString()), ("seed", Seed.ToString()), ("Ollama", Ollama),
        ("models folder", ModelsFolder), ("models", Models.Count == 0 ? "(none)" : string.Join(", ", Models)),
    ];

    public override string ToString() => string.Join(Environment.NewLine, Rows().Select(r => $"{r.Item,-14} {r.Value}"));
}
