using CourseWorkbook.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Training;

/// <summary>The causal-LM loss as Hugging Face computes it: the logits at position t predict the label at t + 1
/// (shift by one), both are flattened batch-major to [B·(T−1), V] and [B·(T−1)], and cross-entropy averages over the
/// tokens whose label is not −100 — every real token weighs the same, whatever its sequence.</summary>
public static class CausalLmLoss
{
    /// <summary>Mean next-token cross-entropy over the counted tokens of the batch.</summary>
    public static Tensor Compute(Tensor logits, Tensor labels)
    {
        var (shiftLogits, shiftLabels) = Shift(logits, labels);
        return nn.functional.cross_entropy(shiftLogits, shiftLabels, ignore_index: CausalLmCollator.IgnoreIndex);
    }

    /// <summary>The summed loss and the number of counted tokens (to average over several batches token by
    /// token).</summary>
    public static (Tensor Sum, long Count) SumAndCount(Tensor logits, Tensor labels)
    {
        var (shiftLogits, shiftLabels) = Shift(logits, labels);
        var sum = nn.functional.cross_entropy(shiftLogits, shiftLabels, ignore_index: CausalLmCollator.IgnoreIndex,
            reduction: nn.Reduction.Sum);
        return (sum, shiftLabels.ne(CausalLmCollator.IgnoreIndex).sum().item<long>());
    }

    /// <summary>The loss of each predicted position, [B, T−1], 0 where the label is −100.</summary>
    public static Tensor PerToken(Tensor logits, Tensor labels)
    {
        long b = logits.shape[0], t = logits.shape[1];
        var (shiftLogits, shiftLabels) = Shift(logits, labels);
        return nn.functional.cross_entropy(shiftLogits, shiftLabels, ignore_index: CausalLmCollator.IgnoreIndex,
            reduction: nn.Reduction.None).reshape(b, t - 1);
    }

    /// <summary>logits[:, :-1] as [B·(T−1), V] and labels[:, 1:] as [B·(T−1)], batch-major like the tensors.</summary>
    public static (Tensor Logits, Tensor Labels) Shift(Tensor logits, Tensor labels)
    {
        long v = logits.shape[^1], t = logits.shape[1];
        var shiftLogits = logits.narrow(1, 0, t - 1).reshape(-1, v);
        var shiftLabels = labels.narrow(1, 1, t - 1).reshape(-1);
        return (shiftLogits, shiftLabels);
    }
}
