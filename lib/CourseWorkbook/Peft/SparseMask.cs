using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>
/// Lottery-ticket sparse fine-tuning (Ansell et al. 2022, after Frankle and Carbin's lottery tickets): fine-tune
/// every weight, keep the fraction that changed most, rewind all weights to the pretrained values, and fine-tune
/// again with only the kept entries free to move. The result is the pretrained model plus a sparse difference.
/// </summary>
public sealed class SparseMask
{
    readonly Dictionary<string, (Tensor Before, Tensor Mask)> entries;

    SparseMask(Dictionary<string, (Tensor, Tensor)> entries, long kept, long total)
    {
        this.entries = entries;
        Kept = kept;
        Total = total;
    }

    /// <summary>Entries free to move.</summary>
    public long Kept { get; }
    /// <summary>Entries of the parameters the mask covers.</summary>
    public long Total { get; }

    /// <summary>Copies of every parameter's values (θ₀), by name.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module model)
    {
        using var _ = no_grad();
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone()
            .DetachFromDisposeScope());
    }

    /// <summary>Keeps the <paramref name="keep"/> fraction of entries whose |θ − θ₀| is largest over the whole
    /// model (ties may keep a few more).</summary>
    public static SparseMask FromChanges(nn.Module model, IReadOnlyDictionary<string, Tensor> before, double keep)
    {
        if (keep is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(keep), keep, "keep must be in (0, 1]");
        using var _ = no_grad();
        var parameters = model.named_parameters().Where(p => before.ContainsKey(p.name)).ToList();
        var changes = parameters.Select(p => (p.parameter - before[p.name]).abs().flatten()).ToList();
        var all = cat(changes, 0);
        long total = all.numel(), k = Math.Max(1, (long)Math.Round(keep * total));
        var threshold = all.topk((int)k).values[-1];
        var entries = new Dictionary<string, (Tensor, Tensor)>();
        long kept = 0;
        foreach (var (name, p) in parameters)
        {
            var mask = (p - before[name]).abs().ge(threshold).to(p.dtype).DetachFromDisposeScope();
            kept += mask.ne(0).sum().item<long>();
            entries[name] = (before[name], mask);
        }
        return new SparseMask(entries, kept, total);
    }

    /// <summary>Rewinds every covered parameter to θ₀.</summary>
    public void Rewind(nn.Module model)
    {
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (entries.TryGetValue(name, out var e)) p.copy_(e.Before);
    }

    /// <summary>Zeroes the gradients outside the mask (call before optimizer.step()).</summary>
    public void MaskGradients(nn.Module model)
    {
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (entries.TryGetValue(name, out var e) && p.grad is { } g) g.mul_(e.Mask);
    }

    /// <summary>Puts every entry outside the mask back to θ₀ (call after optimizer.step(): Adam's momentum and
    /// weight decay would otherwise move them).</summary>
    public void Apply(nn.Module model)
    {
        using var _ = no_grad();
        foreach (var (name, p) in model.named_parameters())
            if (entries.TryGetValue(name, out var e)) p.copy_(e.Before + e.Mask * (p - e.Before));
    }

    /// <summary>Entries that differ from θ₀ now.</summary>
    public long Changed(nn.Module model)
    {
        using var _ = no_grad();
        return model.named_parameters().Where(p => entries.ContainsKey(p.name))
            .Sum(p => p.parameter.ne(entries[p.name].Before).sum().item<long>());
    }
}
