using System.Text.Json;

namespace CourseWorkbook.Weights;

/// <summary>
/// Finds the GGUF file behind a model pulled with Ollama, on this machine. Ollama keeps a manifest per model
/// (<c>manifests/{registry}/{namespace}/{name}/{tag}</c>, JSON listing layers by media type and digest) and the layers
/// themselves as content-addressed blobs (<c>blobs/sha256-{hex}</c>); the layer of media type
/// <c>application/vnd.ollama.image.model</c> is the weights, a plain GGUF file. The store is <c>$OLLAMA_MODELS</c>,
/// else <c>~/.ollama/models</c>, else the Linux service's <c>/usr/share/ollama/.ollama/models</c>.
/// </summary>
public static class OllamaModelFiles
{
    /// <summary>The media type of the weights layer in an Ollama manifest.</summary>
    public const string ModelMediaType = "application/vnd.ollama.image.model";

    /// <summary>The registry Ollama assumes when a name has none.</summary>
    public const string DefaultRegistry = "registry.ollama.ai";

    /// <summary>The folders that may hold Ollama's store, in the order Ollama itself would use them.</summary>
    public static IReadOnlyList<string> DefaultRoots()
    {
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("OLLAMA_MODELS") is { Length: > 0 } env) roots.Add(env);
        roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ollama", "models"));
        roots.Add("/usr/share/ollama/.ollama/models");
        return roots;
    }

    /// <summary>The manifest path parts of a model name: "qwen2.5" → (registry.ollama.ai, library, qwen2.5, latest);
    /// "user/model:tag" → (registry.ollama.ai, user, model, tag); "host/ns/model:tag" keeps its host.</summary>
    public static (string Registry, string Namespace, string Name, string Tag) ParseName(string model)
    {
        if (string.IsNullOrWhiteSpace(model) || model.Contains("..") || model.StartsWith('/'))
            throw new ArgumentException($"'{model}' is not an Ollama model name like 'qwen2.5' or 'user/model:tag'",
                nameof(model));
        string tag = "latest";
        int slash = model.LastIndexOf('/'), colon = model.LastIndexOf(':');
        if (colon > slash) { tag = model[(colon + 1)..]; model = model[..colon]; }
        var parts = model.Split('/');
        return parts.Length switch
        {
            1 => (DefaultRegistry, "library", parts[0], tag),
            2 => (DefaultRegistry, parts[0], parts[1], tag),
            3 => (parts[0], parts[1], parts[2], tag),
            _ => throw new ArgumentException($"'{model}' has too many '/' for an Ollama model name", nameof(model)),
        };
    }

    /// <summary>Looks for the GGUF weights of <paramref name="model"/> (as <c>ollama list</c> names it) in
    /// <paramref name="modelsRoot"/> or the default roots; never throws for "not there" — the lookup says what was
    /// searched.</summary>
    public static ModelLookup Resolve(string model, string? modelsRoot = null)
    {
        var (registry, ns, name, tag) = ParseName(model);
        var searched = new List<string>();
        foreach (var root in modelsRoot is null ? DefaultRoots() : [modelsRoot])
        {
            var manifest = Path.Combine(root, "manifests", registry, ns, name, tag);
            searched.Add(manifest);
            if (!File.Exists(manifest)) continue;
            string? digest;
            try { digest = ModelDigest(File.ReadAllText(manifest)); }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException
                or InvalidOperationException or KeyNotFoundException)
            {
                return new ModelLookup(model, "model blob", null, null, searched,
                    $"cannot read {manifest}: {e.Message}");
            }
            if (digest is null)
                return new ModelLookup(model, "model blob", null, null, searched,
                    $"{manifest} lists no {ModelMediaType} layer");
            var blob = Path.Combine(root, "blobs", digest.Replace(':', '-'));
            searched.Add(blob);
            if (File.Exists(blob)) return new ModelLookup(model, "model blob", blob, ModelSource.OllamaStore, searched);
        }
        return new ModelLookup(model, "model blob", null, null, searched);
    }

    /// <summary>The digest ("sha256:…") of the weights layer of a manifest, or null.</summary>
    public static string? ModelDigest(string manifestJson)
    {
        using var doc = JsonDocument.Parse(manifestJson);
        foreach (var layer in doc.RootElement.GetProperty("layers").EnumerateArray())
            if (layer.TryGetProperty("mediaType", out var media) && media.GetString() == ModelMediaType
                && layer.TryGetProperty("digest", out var digest) && digest.GetString() is { } d
                && System.Text.RegularExpressions.Regex.IsMatch(d, "^sha256:[0-9a-f]{64}$"))
                return d;
        return null;
    }
}
