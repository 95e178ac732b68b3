using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Data;

/// <summary>Which side of a short sequence the padding goes: right for training, left for batched generation.</summary>
public enum PaddingSide
{
    /// <summary>Tokens first, padding after (HF's default for training).</summary>
    Right,
    /// <summary>Padding first, tokens after, so every row's last token is real (batched generation).</summary>
    Left,
}

/// <summary>A batch for a causal LM, named as in Hugging Face: input_ids, attention_mask (1 = token, 0 = padding),
/// labels (a copy of input_ids with −100 at padding and at each row's first token, which nothing real predicts; the
/// loss shifts them) and position_ids (each token's position from the row's first real token). All [B, T],
/// int64.</summary>
public sealed record CausalLmBatch(Tensor input_ids, Tensor attention_mask, Tensor labels, Tensor position_ids)
    : IDisposable
{
    /// <summary>Frees the four tensors now rather than on the garbage collector's finalizer thread.</summary>
    public void Dispose()
    {
        input_ids.Dispose();
        attention_mask.Dispose();
        labels.Dispose();
        position_ids.Dispose();
    }

    /// <summary>Rows in the batch.</summary>
    public long BatchSize => input_ids.shape[0];
    /// <summary>Real (non-padding) tokens in the batch.</summary>
    public long Tokens => attention_mask.sum().item<long>();
    /// <summary>Positions whose next token is predicted and counted in the loss (labels ≠ −100 after the
    /// shift).</summary>
    public long PredictedTokens => labels[.., 1..].ne(CausalLmCollator.IgnoreIndex).sum().item<long>();
}

/// <summary>Turns token sequences into a padded <see cref="CausalLmBatch"/>: the data side of a causal-LM
/// trainer.</summary>
public static class CausalLmCollator
{
    /// <summary>The label that cross-entropy skips (PyTorch's and HF's ignore_index).</summary>
    public const long IgnoreIndex = -100;

    /// <summary>Pads <paramref name="sequences"/> to the longest with <paramref name="padId"/> on <paramref
    /// name="side"/>,
    /// masks the padding (attention_mask 0, labels −100) and numbers the real tokens 0, 1, 2, ... in every row
    /// (padding gets position 0 — never attended, never predicted). The first token's label is −100 too: with right
    /// padding the shift drops it anyway; with left padding it would be predicted from a padding position.</summary>
    public static CausalLmBatch Collate(IReadOnlyList<long[]> sequences, long padId = 0,
        PaddingSide side = PaddingSide.Right)
    {
        if (sequences.Count == 0) throw new ArgumentException("a batch needs at least one sequence", nameof(sequences));
        int b = sequences.Count, t = sequences.Max(s => s.Length);
        var ids = new long[b * t];
        var mask = new long[b * t];
        var labels = new long[b * t];
        var positions = new long[b * t];
        for (int row = 0; row < b; row++)
        {
            var s = sequences[row];
            int offset = side == PaddingSide.Left ? t - s.Length : 0;
            for (int j = 0; j < t; j++)
            {
                int k = row * t + j, i = j - offset;
                bool real = i >= 0 && i < s.Length;
                ids[k] = real ? s[i] : padId;
                mask[k] = real ? 1 : 0;
                labels[k] = real && i > 0 ? s[i] : IgnoreIndex;   // the first token is never a target
                positions[k] = real ? i : 0;
            }
        }
        long[] shape = [b, t];
        return new CausalLmBatch(tensor(ids, shape), tensor(mask, shape), tensor(labels, shape),
            tensor(positions, shape));
    }

    /// <summary>HF's position ids from an attention mask: cumsum(mask) − 1, with padding set to 0.</summary>
    public static Tensor PositionIds(Tensor attentionMask)
    {
        var positions = attentionMask.to(ScalarType.Int64).cumsum(-1) - 1;
        return positions.masked_fill(attentionMask.eq(0), 0);
    }
}
