using CourseWorkbook.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>A named collection of tensors that can be read one at a time (a checkpoint file or a dictionary).</summary>
public interface ITensorSource
{
    /// <summary>Where the tensors come from (for messages).</summary>
    string Description { get; }
    /// <summary>Every tensor's name and PyTorch shape, without reading data.</summary>
    IEnumerable<(string Name, long[] Shape)> Entries { get; }
    /// <summary>Reads one tensor (the caller disposes it).</summary>
    Tensor Read(string name);
}

/// <summary>Adapters from checkpoint formats to <see cref="ITensorSource"/>.</summary>
public static class TensorSource
{
    /// <summary>Tensors of a safetensors file, names as stored.</summary>
    public static ITensorSource From(SafeTensorsFile file) =>
        new Adapter(file.Path, file.Tensors.Select(t => (t.Name, t.Shape)), file.ReadTensor);

    /// <summary>
    /// Tensors of a GGUF file (dequantised to float32), names
    /// mapped by <paramref name="rename"/> (null drops a tensor).
    /// </summary>
    public static ITensorSource From(GgufFile file, Func<string, string?> rename)
    {
        var map = file.Tensors.Select(t => (Hf: rename(t.Name), t)).Where(p => p.Hf is not null)
            .ToDictionary(p => p.Hf!, p => p.t);
        return new Adapter(file.Path, map.Select(kv => (kv.Key, kv.Value.TorchShape)),
            n => file.ReadTensor(map[n].Name));
    }

    /// <summary>An in-memory state dict (tensors are copied when read, the originals stay the caller's).</summary>
    public static ITensorSource From(IReadOnlyDictionary<string, Tensor> tensors, string description = "state dict") =>
        new Adapter(description, tensors.Select(kv => (kv.Key, kv.Value.shape)), n => tensors[n].clone());

    sealed record Adapter(string Description, IEnumerable<(string Name, long[] Shape)> Entries,
        Func<string, Tensor> Reader) : ITensorSource
    {
        public Tensor Read(string name) => Reader(name);
    }
}

/// <summary>A key whose checkpoint shape differs from the model's.</summary>
public sealed record ShapeMismatch(string Key, long[] ModelShape, long[] CheckpointShape)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Key}: model [{string.Join(", ", ModelShape)}] vs checkpoint [{string.Join(", ", CheckpointShape)}]";
}

/// <summary>What loading a checkpoint into a model did: loaded keys, keys the model has but the checkpoint lacks,
/// checkpoint keys the model does not have, shape mismatches, keys satisfied by weight tying, ignored keys.</summary>
public sealed record LoadReport(string Source, IReadOnlyList<string> Loaded, IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected, IReadOnlyList<ShapeMismatch> Mismatched, IReadOnlyList<string> Tied,
    IReadOnlyList<string> Ignored, IReadOnlyList<string> Notes)
{
    /// <summary>True when every model key got a value of the right shape.</summary>
    public bool IsComplete => Missing.Count == 0 && Mismatched.Count == 0;

    /// <summary>Throws <see cref="InvalidDataException"/> listing the problems unless <see cref="IsComplete"/> (and,
    /// when <paramref name="strict"/>, no unexpected keys).</summary>
    public LoadReport ThrowIfIncomplete(bool strict = false)
    {
        if (IsComplete && (!strict || Unexpected.Count == 0)) return this;
        throw new InvalidDataException($"loading {Source} failed:\n{this}");
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new System.Text.StringBuilder(
            $"{Loaded.Count} loaded, {Missing.Count} missing, {Unexpected.Count} unexpected, "
            + $"{Mismatched.Count} shape mismatches, {Tied.Count} tied, {Ignored.Count} ignored");
        foreach (var m in Missing.Take(20)) sb.Append("\n  missing: ").Append(m);
        foreach (var u in Unexpected.Take(20)) sb.Append("\n  unexpected: ").Append(u);
        foreach (var s in Mismatched.Take(20)) sb.Append("\n  shape: ").Append(s);
        foreach (var n in Notes) sb.Append("\n  note: ").Append(n);
        return sb.ToString();
    }
}

/// <summary>Loads checkpoints into modules by parameter name, the way PyTorch's load_state_dict does, but reporting
/// instead of throwing so a notebook can show what went wrong.</summary>
public static class StateDict
{
    /// <summary>Keys that Hugging Face checkpoints may carry but that are buffers recomputed here.</summary>
    public static readonly IReadOnlyList<string> DefaultIgnoredSuffixes = [".attn.bias", ".attn.masked_bias",
        "rotary_emb.inv_freq", "embeddings.position_ids"];

    /// <summary>Copies every tensor of <paramref name="source"/> into the parameter of the same name (after
    /// <paramref name="rename"/>, which may return null to skip a key); tied parameters are filled once and their
    /// other names reported as tied.</summary>
    public static LoadReport Load(nn.Module module, ITensorSource source, Func<string, string?>? rename = null,
        IEnumerable<string>? ignoredSuffixes = null)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        var ignoredList = (ignoredSuffixes ?? DefaultIgnoredSuffixes).ToList();
        var target = module.state_dict();
        // Tied parameters share one tensor: the first name
        // (named_parameters order) is canonical, the others are aliases.
        var canonical = new Dictionary<IntPtr, string>();
        foreach (var (name, p) in module.named_parameters()) canonical.TryAdd(p.Handle, name);
        string Canonical(string key) => canonical.TryGetValue(target[key].Handle, out var c) ? c : key;

        var loaded = new List<string>(); var unexpected = new List<string>();
        var mismatched = new List<ShapeMismatch>();
        var tied = new List<string>(); var ignored = new List<string>(); var notes = new List<string>();
        var done = new HashSet<string>();
        var aliasesSeen = new List<(string Key, string Canonical)>();
        foreach (var (rawName, shape) in source.Entries)
        {
            var key = rename is null ? rawName : rename(rawName);
            if (key is null) { ignored.Add(rawName); continue; }
            if (!target.TryGetValue(key, out var dest))
            {
                if (ignoredList.Any(s => key.EndsWith(s, StringComparison.Ordinal))) ignored.Add(key);
                else unexpected.Add(key);
                continue;
            }
            if (!dest.shape.SequenceEqual(shape))
            {
                mismatched.Add(new ShapeMismatch(key, dest.shape, shape));
                continue;
            }
            var canon = Canonical(key);
            if (canon != key) { aliasesSeen.Add((key, canon)); continue; }
            using (torch.no_grad())
            using (var t = source.Read(rawName))
            {
                if (dest.device_type == DeviceType.META)
                    throw new InvalidOperationException(
                        $"{key} lives on the meta device; build the model on the CPU to load weights");
                dest.copy_(t.to(dest.dtype));
            }
            loaded.Add(key);
            done.Add(key);
        }
        foreach (var (alias, canon) in aliasesSeen)
        {
            tied.Add(alias);
            string raw = rename is null ? alias : source.Entries.First(e => rename(e.Name) == alias).Name;
            using var t = source.Read(raw);
            var canonTensor = target[canon]; // the model's own parameter: not disposed here
            if (!done.Contains(canon))
            {
                using (torch.no_grad()) canonTensor.copy_(t.to(canonTensor.dtype));
                done.Add(canon);
                notes.Add($"{alias} is tied to {canon}, which the checkpoint lacks; loaded it from {alias}");
            }
            else if (!t.to(canonTensor.dtype).eq(canonTensor).all().item<bool>())
                notes.Add(
                    $"{alias} is tied to {canon} but the checkpoint's copy differs; the model uses {canon}'s values");
            else
                notes.Add($"{alias} is tied to {canon}; the checkpoint's copy is identical");
        }
        var missing = target.Keys.Where(k => !done.Contains(Canonical(k))).ToList();
        return new LoadReport(source.Description, loaded, missing, unexpected, mismatched, tied, ignored, notes);
    }
}
