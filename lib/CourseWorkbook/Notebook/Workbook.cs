using System.Runtime.InteropServices;
using CourseWorkbook.Runtime;
using CourseWorkbook.Weights;
using TorchSharp;

namespace CourseWorkbook.Notebook;

/// <summary>The one call of every notebook's first cell.</summary>
public static class Workbook
{
    /// <summary>
    /// Loads TorchSharp's natives (handling the GLIBCXX trap), seeds every random source, registers display
    /// formatters (charts, tensors, DataFrames) and returns an environment report: TorchSharp/libtorch, threads,
    /// Ollama reachable or not, models found.
    /// </summary>
    /// <param name="seed">Seed of torch's generator and of <see cref="Seeding.Random"/>.</param>
    /// <param name="threads">Torch's intra-op threads. The workbook's models are small, so per-operation overhead
    /// dominates and one thread is about as fast as several on an idle laptop — and many times faster on a busy one,
    /// where OpenMP threads spinning against other processes slow every operation down (measured: 3 s vs 15–20 s for
    /// the same 100 training steps on a loaded 2-core machine). Pass more for large models.</param>
    /// <param name="probeOllama">Whether to check (≤ 1 s) for an Ollama server.</param>
    public static EnvironmentReport Init(int seed = 42, int threads = 1, bool probeOllama = true)
    {
        var native = TorchRuntime.EnsureLoaded();
        torch.set_num_threads(Math.Max(1, threads));
        Seeding.SeedAll(seed);
        Formatters.EnsureRegistered();
        var ollama = probeOllama ? Task.Run(() => Ollama.ProbeAsync()).GetAwaiter().GetResult() : null;
        return new EnvironmentReport(
            Host: Host.Kind == HostKind.DotNetInteractive
                ? (Host.IsHeadlessRunner
                    ? ".NET Interactive kernel, run headless by CourseWorkbook.Runner"
                    : ".NET Interactive kernel")
                : "console (no notebook kernel)",
            Runtime: $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} "
                + $"({RuntimeInformation.RuntimeIdentifier})",
            TorchSharp: native.TorchSharpVersion,
            LibTorch: native.LibTorchDirectory ?? "(TorchSharp's own loader)",
            NativeNote: native.PatchedGlibcxx
                ? $"libstdc++ lacks {TorchRuntime.HarmlessGlibcxxVersion}: loaded a weak-patched copy of LibTorchSharp"
                : "natives loaded as shipped",
            Threads: $"{torch.get_num_threads()} torch thread(s) on {Environment.ProcessorCount} core(s)",
            Seed: seed,
            Ollama: ollama is null ? "not probed" : ollama.Reachable
                ? $"reachable at {ollama.Host}: "
                    + $"{(ollama.Models.Count == 0 ? "no models pulled" : string.Join(", ", ollama.Models))}"
                : ollama.Message,
            OllamaReachable: ollama?.Reachable ?? false,
            ModelsFolder: ModelStore.DefaultLocalFolder() ?? $"(none: set {ModelStore.LocalFolderVariable})",
            Models: ModelStore.LocalModels());
    }
}

/// <summary>What the notebook can use on this machine.</summary>
public sealed record EnvironmentReport(
    string Host, string Runtime, string TorchSharp, string LibTorch, string NativeNote, string Threads, int Seed,
    string Ollama, bool OllamaReachable, string ModelsFolder, IReadOnlyList<string> Models)
{
    /// <summary>Rows of (item, value) for display.</summary>
    public IEnumerable<(string Item, string Value)> Rows() =>
    [
        ("host", Host), ("runtime", Runtime), ("TorchSharp", TorchSharp), ("libtorch", LibTorch),
        ("natives", NativeNote),
        ("threads", Threads), ("seed", Seed.ToString()), ("Ollama", Ollama),
        ("models folder", ModelsFolder), ("models", Models.Count == 0 ? "(none)" : string.Join(", ", Models)),
    ];

    public override string ToString() =>
        string.Join(Environment.NewLine, Rows().Select(r => $"{r.Item,-14} {r.Value}"));
}
