using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>The attention equation and its masks, shared by every model family.</summary>
public static class Attention
{
    /// <summary>Attention(Q, K, V) = softmax(QKᵀ/√d_k, masked) · V for q [B, H, Tq, d], k/v [B, H, Tk, d];
    /// <paramref name="allowed"/> (bool, broadcastable to [B, H, Tq, Tk]) is true where a query may look at a key.
    /// <paramref name="weights"/> receives the attention probabilities;
    /// <paramref name="dropout"/> &gt; 0 (training only) drops some of them before they weigh the values, as BERT's
    /// attention_probs_dropout_prob does.</summary>
    public static Tensor ScaledDotProduct(
        Tensor q, Tensor k, Tensor v, Tensor? allowed, out Tensor weights, double dropout = 0)
    {
        var scores = torch.matmul(q, k.transpose(-2, -1)) / Math.Sqrt(q.shape[^1]);
        if (allowed is not null)
            scores = scores.masked_fill(allowed.logical_not(), torch.finfo(scores.dtype).min);
        weights = nn.functional.softmax(scores, -1);
        return torch.matmul(dropout > 0 ? nn.functional.dropout(weights, dropout, true) : weights, v);
    }

    /// <summary>The causal mask [Tq, Tk]: the queries are the last Tq of Tk positions, and query i may see keys
    /// j ≤ (Tk − Tq) + i — itself and everything before it, never the future.</summary>
    public static Tensor CausalMask(long queries, long keys, Device? device = null) =>
        torch.ones(new[] { queries, keys }, dtype: ScalarType.Bool, device: device).tril(keys - queries);

    /// <summary>The padding mask [B, 1, 1, Tk] from an attention mask [B, Tk] (1 = real token, 0 = padding):
    /// no query may look at a padding key.</summary>
    public static Tensor PaddingMask(Tensor attentionMask) =>
        attentionMask.to(ScalarType.Bool).unsqueeze(1).unsqueeze(2);

    /// <summary>
    /// Grouped-query attention's head sharing: [B, H_kv, T, d] → [B, H_kv·groups, T, d], each key/value head
    /// repeated for the <paramref name="groups"/> query heads that share it (query head h uses kv head h / groups).
    /// </summary>
    public static Tensor RepeatKv(Tensor x, long groups) =>
        groups == 1 ? x : x.repeat_interleave(groups, dim: 1);

    /// <summary>A mask over Tk keys widened to <paramref name="prefix"/> + Tk keys, the first
    /// <paramref name="prefix"/> visible to every query (prefix tuning's virtual tokens: not future, not padding).
    /// A null mask (everything visible) stays null.</summary>
    public static Tensor? WithPrefix(Tensor? allowed, long prefix)
    {
        if (allowed is null || prefix == 0) return allowed;
        var shape = allowed.shape.ToArray();
        shape[^1] = prefix;
        return torch.cat([torch.ones(shape, dtype: ScalarType.Bool, device: allowed.device), allowed], -1);
    }

    /// <summary>Combines optional masks with logical and.</summary>
    public static Tensor? And(Tensor? a, Tensor? b) => a is null ? b : b is null ? a : a.logical_and(b);
}

/// <summary>What a self-attention layer needs besides its input: a padding mask, a KV cache, the first position, and
/// optionally each token's position (HF position_ids [B, T], needed with left padding; they override
/// StartPos).</summary>
public sealed record AttentionInputs(Tensor? AttentionMask = null, KvCacheLayer? Cache = null, long StartPos = 0,
    Tensor? PositionIds = null)
{
    /// <summary>No padding, no cache, positions from 0.</summary>
    public static AttentionInputs None { get; } = new();
}

/// <summary>A self-attention layer that can take padding masks and a KV cache.</summary>
public interface ISelfAttention
{
    /// <summary>x [B, T, d] → [B, T, d].</summary>
    Tensor Attend(Tensor x, AttentionInputs inputs);

    /// <summary>When true, the layer keeps the probabilities of its last call in <see cref="LastWeights"/>.</summary>
    bool CaptureWeights { get; set; }

    /// <summary>Attention probabilities [B, H, Tq, Tk] of the last call (if captured).</summary>
    Tensor? LastWeights { get; }
}
