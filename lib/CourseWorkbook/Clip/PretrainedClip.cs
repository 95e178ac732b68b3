using CourseWorkbook.Weights;

namespace CourseWorkbook.Clip;

/// <summary>A real CLIP checkpoint with its tokenizer, or the reason it is not there.</summary>
public sealed record PretrainedClipLookup(ClipModel? Model, ClipTokenizer? Tokenizer, ModelSource? Source,
    string Message)
{
    /// <summary>True when the model and its tokenizer were loaded.</summary>
    public bool Found => Model is not null && Tokenizer is not null;
}

/// <summary>
/// Loads a Hugging Face CLIPModel (openai/clip-vit-base-patch32 by default) through the model store: the local models
/// folder, then the Hugging Face cache, then — only when the store has a hub client — a download into that cache.
/// Four files: config.json, model.safetensors (loaded by name), vocab.json and merges.txt (the BPE tokenizer).
/// </summary>
public static class PretrainedClip
{
    /// <summary>The course's checkpoint.</summary>
    public const string VitBasePatch32 = "openai/clip-vit-base-patch32";

    /// <summary>The files a CLIP folder needs.</summary>
    public static readonly IReadOnlyList<string> Files =
        ["config.json", "vocab.json", "merges.txt", "model.safetensors"];

    /// <summary>Finds (and with a hub client, downloads) the files and loads them; never throws for "not
    /// available": the lookup's message says what was searched.</summary>
    public static async Task<PretrainedClipLookup> LoadAsync(ModelStore store, string modelId = VitBasePatch32,
        CancellationToken cancellationToken = default)
    {
        var paths = new Dictionary<string, string>();
        ModelSource? source = null;
        foreach (var file in Files)
        {
            var lookup = await store.ResolveOrDownloadAsync(modelId, file, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (!lookup.Found) return new PretrainedClipLookup(null, null, null, lookup.Message);
            paths[file] = lookup.Path!;
            source ??= lookup.Source;
        }
        var model = new ClipModel(ClipConfig.FromFile(paths["config.json"]));
        var report = model.Load(paths["model.safetensors"]);
        if (!report.IsComplete)
        {
            model.Dispose();
            var message = $"{paths["model.safetensors"]} did not load:\n{report}";
            return new PretrainedClipLookup(null, null, source, message);
        }
        model.eval();
        var tokenizer = ClipTokenizer.FromFiles(paths["vocab.json"], paths["merges.txt"]);
        return new PretrainedClipLookup(model, tokenizer, source, $"{modelId}: {source} ({report})");
    }
}
