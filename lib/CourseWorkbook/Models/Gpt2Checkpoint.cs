using CourseWorkbook.Tokenization;
using CourseWorkbook.Weights;
using Microsoft.ML.Tokenizers;

namespace CourseWorkbook.Models;

/// <summary>
/// A GPT-2 checkpoint in Hugging Face's layout — gpt2, distilgpt2 — with its tokenizer: <c>config.json</c>,
/// <c>model.safetensors</c>, <c>vocab.json</c> and <c>merges.txt</c>, found through the model store (a local models
/// folder, the Hugging Face cache, or a download from the hub when asked to).
/// </summary>
public sealed class Gpt2Checkpoint : IDisposable
{
    /// <summary>The four files a checkpoint needs.</summary>
    public static IReadOnlyList<string> Files { get; } =
        ["config.json", "model.safetensors", "vocab.json", "merges.txt"];

    Gpt2Checkpoint(string modelId, Gpt2LMHeadModel model, BpeTokenizer tokenizer, LoadReport report,
        IReadOnlyList<ModelLookup> files)
    {
        ModelId = modelId;
        Model = model;
        Tokenizer = tokenizer;
        Report = report;
        FilesFound = files;
        EndOfText = tokenizer.Vocabulary.TryGetValue(EndOfTextToken, out var id) ? id : model.VocabSize - 1;
    }

    /// <summary>GPT-2's only special token: it ends every document, and GPT-2 has no padding token.</summary>
    public const string EndOfTextToken = "<|endoftext|>";

    /// <summary>The repo id, e.g. "distilgpt2".</summary>
    public string ModelId { get; }
    /// <summary>The model, with the checkpoint's weights.</summary>
    public Gpt2LMHeadModel Model { get; }
    /// <summary>GPT-2's byte-level BPE tokenizer.</summary>
    public BpeTokenizer Tokenizer { get; }
    /// <summary>What loading the weights matched, by name.</summary>
    public LoadReport Report { get; }
    /// <summary>Where each of the four files came from.</summary>
    public IReadOnlyList<ModelLookup> FilesFound { get; }
    /// <summary>The id of &lt;|endoftext|&gt; (50256 in GPT-2).</summary>
    public long EndOfText { get; }

    /// <summary>Where the weights came from (local folder, HF cache, downloaded).</summary>
    public ModelSource? Source => FilesFound.First(f => f.FileName == "model.safetensors").Source;

    /// <summary>Loads the checkpoint whose four files are given (by <see cref="Files"/> name); throws
    /// <see cref="InvalidDataException"/> naming the file when one is malformed or the weights do not fit.</summary>
    public static Gpt2Checkpoint Load(string modelId, IReadOnlyList<ModelLookup> files)
    {
        string PathOf(string name) => files.FirstOrDefault(f => f.FileName == name)?.Path
            ?? throw new FileNotFoundException($"{modelId}: {name} was not found");
        var config = Gpt2Config.FromJson(File.ReadAllText(PathOf("config.json")));
        var tokenizer = Tokenizers.Gpt2(PathOf("vocab.json"), PathOf("merges.txt"));
        var model = new Gpt2LMHeadModel(config);
        using var weights = SafeTensorsFile.Open(PathOf("model.safetensors"));
        var report = model.Load(TensorSource.From(weights));
        report.ThrowIfIncomplete();
        model.eval();
        return new Gpt2Checkpoint(modelId, model, tokenizer, report, files);
    }

    /// <summary>Loads a checkpoint from a folder holding the four files.</summary>
    public static Gpt2Checkpoint Load(string folder)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        var files = Files.Select(f =>
            new ModelLookup(name, f, Path.Combine(folder, f), ModelSource.LocalFolder, [folder]));
        return Load(name, files.ToList());
    }

    /// <summary>Frees the model's tensors.</summary>
    public void Dispose() => Model.Dispose();

    /// <summary>Finds the four files locally (models folder, HF cache) and, when <paramref name="download"/> is true,
    /// downloads the missing ones from the hub into the HF cache, each wait bounded by <paramref name="timeout"/>
    /// for the connection. Never throws for "not available": the result says what was searched.</summary>
    public static async Task<Gpt2CheckpointLookup> FindAsync(string modelId, bool download, TimeSpan timeout,
        ModelStore? store = null, IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var local = store ?? new ModelStore();
        var found = Files.Select(f => local.Resolve(modelId, f)).ToList();
        if (found.All(f => f.Found) || !download) return new Gpt2CheckpointLookup(modelId, found, download);

        using var hub = new HubClient(connectTimeout: timeout);
        var online = new ModelStore(local.LocalRoot, local.HuggingFaceCache, hub);
        for (int i = 0; i < found.Count; i++)
        {
            if (found[i].Found) continue;
            found[i] = await online.ResolveOrDownloadAsync(modelId, Files[i], progress: progress,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!found[i].Found) break;   // offline: one bounded failure is enough
        }
        return new Gpt2CheckpointLookup(modelId, found, download);
    }
}

/// <summary>Where the files of a GPT-2 checkpoint were found, or why not.</summary>
public sealed record Gpt2CheckpointLookup(string ModelId, IReadOnlyList<ModelLookup> Files, bool Downloaded)
{
    /// <summary>True when all four files are on disk.</summary>
    public bool Found => Files.All(f => f.Found);

    /// <summary>Loads the checkpoint (only when <see cref="Found"/>).</summary>
    public Gpt2Checkpoint Load() => Found
        ? Gpt2Checkpoint.Load(ModelId, Files)
        : throw new FileNotFoundException(Message);

    /// <summary>A paragraph for the notebook: where the files are, or what was searched and what to do.</summary>
    public string Message
    {
        get
        {
            if (Found) return $"{ModelId}: " + string.Join(", ", Files.Select(f => $"{f.FileName} ({f.Source})"));
            var missing = Files.First(f => !f.Found);
            var advice = Downloaded
                ? "The hub did not answer (offline?)."
                : "Not downloaded: the download is opt-in.";
            return $"{ModelId} is not available here. {advice}\n{missing.Message}";
        }
    }
}
