using System.Text.RegularExpressions;

namespace CourseWorkbook.Weights;

/// <summary>Where a model file was found.</summary>
public enum ModelSource
{
    /// <summary>The workbook's local models folder ($COURSEWORKBOOK_MODELS or a shared/models folder).</summary>
    LocalFolder,
    /// <summary>The Hugging Face hub cache (~/.cache/huggingface/hub, $HF_HUB_CACHE, $HF_HOME/hub).</summary>
    HuggingFaceCache,
    /// <summary>Downloaded from the hub just now (and stored in the Hugging Face cache).</summary>
    Downloaded,
    /// <summary>A blob of the local Ollama model store (see <see cref="OllamaModelFiles"/>).</summary>
    OllamaStore,
}

/// <summary>The answer to "where is file F of model M?": a path and its source, or every place searched and why it
/// failed — a notebook branches on <see cref="Found"/> instead of catching exceptions.</summary>
public sealed record ModelLookup(string ModelId, string FileName, string? Path, ModelSource? Source,
    IReadOnlyList<string> Searched, string? Error = null)
{
    /// <summary>True when <see cref="Path"/> exists.</summary>
    public bool Found => Path is not null;

    /// <summary>The path, or an exception explaining what was searched.</summary>
    public string RequirePath() => Path ?? throw new FileNotFoundException(Message);

    /// <summary>A one-paragraph explanation for the notebook.</summary>
    public string Message => Found
        ? $"{ModelId}/{FileName}: {Source} at {Path}"
        : $"{ModelId}/{FileName} is not available offline{(Error is null ? "" : $" ({Error})")}. Searched:\n  "
            + string.Join("\n  ", Searched);
}

/// <summary>
/// Where models live, in one place: resolves model files by id ("stories260K", "Qwen/Qwen2.5-0.5B") from the local
/// models folder (<see cref="DefaultLocalFolder"/>: $COURSEWORKBOOK_MODELS, else a shared/models folder beside the
/// workbook), then the Hugging Face cache, then (when a <see cref="HubClient"/> is given) a download into that cache.
/// </summary>
public sealed class ModelStore
{
    /// <summary>The environment variable naming the local models folder.</summary>
    public const string LocalFolderVariable = "COURSEWORKBOOK_MODELS";

    /// <summary>A store over the default places; <paramref name="hub"/> null means offline.</summary>
    public ModelStore(string? localRoot = null, string? huggingFaceCache = null, HubClient? hub = null)
    {
        LocalRoot = localRoot ?? DefaultLocalFolder();
        HuggingFaceCache = huggingFaceCache ?? DefaultHuggingFaceCache();
        Hub = hub;
    }

    /// <summary>The local models folder (may be null).</summary>
    public string? LocalRoot { get; }
    /// <summary>The Hugging Face hub cache folder (models--org--name/... live here).</summary>
    public string HuggingFaceCache { get; }
    /// <summary>The hub client for downloads, or null when offline.</summary>
    public HubClient? Hub { get; }

    /// <summary>The local models folder: $COURSEWORKBOOK_MODELS, else a <c>shared/models</c> folder (or a
    /// <c>models/</c> folder holding REFERENCES.md) found walking up from the current directory and from this
    /// assembly's folder; null when there is none.</summary>
    public static string? DefaultLocalFolder()
    {
        if (Environment.GetEnvironmentVariable(LocalFolderVariable) is { Length: > 0 } env && Directory.Exists(env))
            return Path.GetFullPath(env);
        var starts = new[]
        {
            Environment.CurrentDirectory,
            AppContext.BaseDirectory,
            Path.GetDirectoryName(typeof(ModelStore).Assembly.Location),
        };
        foreach (var start in starts)
        {
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var shared = Path.Combine(dir.FullName, "shared", "models");
                if (Directory.Exists(shared)) return shared;
                var plain = Path.Combine(dir.FullName, "models");
                if (File.Exists(Path.Combine(plain, "REFERENCES.md"))) return plain;
            }
        }

        return null;
    }

    /// <summary>The model folders (one per model) in the local models folder.</summary>
    public static IReadOnlyList<string> LocalModels() => DefaultLocalFolder() is { } root
        ? Directory.GetDirectories(root).Select(d => Path.GetFileName(d)!).Order().ToArray()
        : [];

    /// <summary>The full path of <paramref name="relativePath"/> (file or folder) in the local models folder, or
    /// null.</summary>
    public static string? FindLocal(string relativePath)
    {
        if (DefaultLocalFolder() is not { } root) return null;
        var path = Path.Combine(root, relativePath);
        return File.Exists(path) || Directory.Exists(path) ? path : null;
    }

    /// <summary>Where the local models folder was looked for (for messages).</summary>
    public static string LocalFolderDescription => DefaultLocalFolder() is { } root
        ? $"models folder {root}"
        : $"no models folder (${LocalFolderVariable} unset or missing, "
          + $"no shared/models above {Environment.CurrentDirectory})";

    /// <summary>$HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub.</summary>
    public static string DefaultHuggingFaceCache()
    {
        if (Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } c) return c;
        if (Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } h) return Path.Combine(h, "hub");
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface",
            "hub");
    }

    /// <summary>"models--org--name", the cache folder name of a repo id.</summary>
    public static string CacheFolderName(string modelId) => "models--" + modelId.Replace("/", "--");

    /// <summary>Looks for the file locally (models folder, then HF cache) without touching the network.</summary>
    public ModelLookup Resolve(string modelId, string fileName, string revision = "main")
    {
        ValidateNames(modelId, fileName);
        var searched = new List<string>();
        if (LocalRoot is not null)
        {
            var name = modelId.Contains('/') ? modelId[(modelId.LastIndexOf('/') + 1)..] : modelId;
            foreach (var dir in new[] { Path.Combine(LocalRoot, modelId), Path.Combine(LocalRoot, name) }.Distinct())
            {
                var p = Path.Combine(dir, fileName);
                searched.Add(p);
                if (File.Exists(p)) return new ModelLookup(modelId, fileName, p, ModelSource.LocalFolder, searched);
            }
        }
        else searched.Add($"(no local models folder: set {LocalFolderVariable} or create shared/models)");

        var repo = Path.Combine(HuggingFaceCache, CacheFolderName(modelId));
        var snapshots = Path.Combine(repo, "snapshots");
        string? commit = IsCommit(revision) ? revision : ReadRef(repo, revision);
        if (commit is not null)
        {
            var p = Path.Combine(snapshots, commit, fileName);
            searched.Add(p);
            if (File.Exists(p)) return new ModelLookup(modelId, fileName, p, ModelSource.HuggingFaceCache, searched);
        }
        else
        {
            searched.Add(Path.Combine(snapshots, "*", fileName));
            if (Directory.Exists(snapshots))
                foreach (var snap in Directory.GetDirectories(snapshots)
                    .OrderByDescending(Directory.GetLastWriteTimeUtc))
                {
                    var p = Path.Combine(snap, fileName);
                    if (File.Exists(p))
                        return new ModelLookup(modelId, fileName, p, ModelSource.HuggingFaceCache, searched);
                }
        }
        return new ModelLookup(modelId, fileName, null, null, searched);
    }

    /// <summary>Resolves locally, else downloads from the hub into the HF cache (when online); never throws for
    /// "not available" — the lookup says what was searched and what failed.</summary>
    public async Task<ModelLookup> ResolveOrDownloadAsync(string modelId, string fileName, string revision = "main",
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var local = Resolve(modelId, fileName, revision);
        if (local.Found || Hub is null)
            return Hub is null && !local.Found ? local with { Error = "offline: no hub client configured" } : local;
        var searched = local.Searched.Append(Hub.FileUrl(modelId, fileName, revision)).ToList();
        try
        {
            var path = await Hub.DownloadToCacheAsync(HuggingFaceCache, modelId, fileName, revision, progress: progress,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            return new ModelLookup(modelId, fileName, path, ModelSource.Downloaded, searched);
        }
        catch (Exception e)
            when (e is HttpRequestException or IOException or InvalidDataException or TaskCanceledException)
        {
            return new ModelLookup(modelId, fileName, null, null, searched, e.Message);
        }
    }

    static bool IsCommit(string revision) => Regex.IsMatch(revision, "^[0-9a-f]{40}$");

    static string? ReadRef(string repo, string revision)
    {
        var refFile = Path.Combine(repo, "refs", revision);
        return File.Exists(refFile) ? File.ReadAllText(refFile).Trim() : null;
    }

    internal static void ValidateNames(string modelId, string fileName)
    {
        if (string.IsNullOrWhiteSpace(modelId) || modelId.Contains("..") || modelId.StartsWith('/')
            || modelId.Count(c => c == '/') > 1)
            throw new ArgumentException($"'{modelId}' is not a model id like 'org/name' or 'name'", nameof(modelId));
        if (string.IsNullOrWhiteSpace(fileName) || fileName.Contains("..") || Path.IsPathRooted(fileName))
            throw new ArgumentException($"'{fileName}' is not a relative file name inside a model repo",
                nameof(fileName));
    }
}
