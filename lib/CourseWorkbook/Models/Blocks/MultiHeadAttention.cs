using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>Multi-head self-attention with separate Q, K, V, O projections (Llama/Qwen2 names), optional grouped-query
/// attention (fewer K/V heads than Q heads), rotary positions, causal and padding masks, and a KV cache:
/// head_h = Attention(x W_Q^h, x W_K^{g(h)}, x W_V^{g(h)}), y = concat(head_1..head_H) W_O.</summary>
public sealed class MultiHeadAttention : nn.Module<Tensor, Tensor>, ISelfAttention
{
    /// <summary>W_Q: d → H·d_head.</summary>
    public Linear q_proj;
    /// <summary>W_K: d → H_kv·d_head.</summary>
    public Linear k_proj;
    /// <summary>W_V: d → H_kv·d_head.</summary>
    public Linear v_proj;
    /// <summary>W_O: H·d_head → d.</summary>
    public Linear o_proj;

    readonly RotaryEmbedding? rope;
    Tensor? lastWeights;

    /// <summary>Attention over <paramref name="dim"/>-wide vectors with <paramref name="heads"/> query heads and
    /// <paramref name="kvHeads"/> key/value heads (= heads for plain MHA, 1 for multi-query attention).</summary>
    public MultiHeadAttention(long dim, int heads, int? kvHeads = null, int? headDim = null,
        bool qkvBias = false, bool outputBias = false, RotaryEmbedding? rope = null, bool causal = true,
        Device? device = null, ScalarType? dtype = null)
        : base(nameof(MultiHeadAttention))
    {
        NumHeads = heads;
        NumKvHeads = kvHeads ?? heads;
        HeadDim = headDim ?? (int)(dim / heads);
        if (NumHeads % NumKvHeads != 0)
            throw new ArgumentException($"{NumHeads} query heads cannot be shared evenly by {NumKvHeads} kv heads");
        Causal = causal;
        q_proj = nn.Linear(dim, NumHeads * HeadDim, qkvBias, device, dtype);
        k_proj = nn.Linear(dim, NumKvHeads * HeadDim, qkvBias, device, dtype);
        v_proj = nn.Linear(dim, NumKvHeads * HeadDim, qkvBias, device, dtype);
        o_proj = nn.Linear(NumHeads * HeadDim, dim, outputBias, device, dtype);
        RegisterComponents();
        this.rope = rope; // shared with the other layers; registered by the model, not here
    }

    /// <summary>Number of query heads H.</summary>
    public int NumHeads { get; }
    /// <summary>Number of key/value heads H_kv (GQA when &lt; H).</summary>
    public int NumKvHeads { get; }
    /// <summary>Size of one head.</summary>
    public int HeadDim { get; }
    /// <summary>Whether a token may only attend to itself and earlier tokens.</summary>
    public bool Causal { get; set; }
    /// <summary>Dropout on the attention probabilities, active only in train mode (HF attention_dropout).</summary>
    public double AttentionDropout { get; set; }
    /// <inheritdoc/>
    public bool CaptureWeights { get; set; }
    /// <inheritdoc/>
    public Tensor? LastWeights => lastWeights;

    /// <summary>Optional extra key/value positions placed before the sequence's own, which every query may see:
    /// given the batch size, keys and values [B, H_kv, P, d] (not rotated by RoPE). Prefix tuning sets it
    /// (peft passes them as past_key_values); null, the default, leaves attention unchanged.</summary>
    public Func<long, (Tensor Keys, Tensor Values)>? PrefixKeyValues { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Attend(x, AttentionInputs.None);

    /// <inheritdoc/>
    public Tensor Attend(Tensor x, AttentionInputs inputs)
    {
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.call(x).view(b, t, NumHeads, HeadDim).transpose(1, 2);   // [B, H, T, d]
        var k = k_proj.call(x).view(b, t, NumKvHeads, HeadDim).transpose(1, 2); // [B, H_kv, T, d]
        var v = v_proj.call(x).view(b, t, NumKvHeads, HeadDim).transpose(1, 2);
        if (rope is not null && inputs.PositionIds is { } positions)
        {
            q = rope.Apply(q, positions);
            k = rope.Apply(k, positions);
        }
        else if (rope is not null)
        {
            q = rope.call(q, inputs.StartPos);
            k = rope.call(k, inputs.StartPos);
        }
        if (inputs.Cache is { } cache) (k, v) = cache.Append(k, v);       // keys/values of all tokens so far
        var allowed = Attention.And(
            Causal ? Attention.CausalMask(t, k.shape[2], x.device) : null,
            inputs.AttentionMask is null ? null : Attention.PaddingMask(inputs.AttentionMask));
        if (PrefixKeyValues is { } prefix)
        {
            var (prefixKeys, prefixValues) = prefix(b);
            k = torch.cat([prefixKeys, k], 2);                                // [B, H_kv, P + Tk, d]
            v = torch.cat([prefixValues, v], 2);
            allowed = Attention.WithPrefix(allowed, prefixKeys.shape[2]);
        }
        k = Attention.RepeatKv(k, NumHeads / NumKvHeads);
        v = Attention.RepeatKv(v, NumHeads / NumKvHeads);

        var y = Attention.ScaledDotProduct(q, k, v, allowed, out var weights, training ? AttentionDropout : 0);
        if (CaptureWeights) { lastWeights?.Dispose(); lastWeights = weights.detach().cpu().DetachFromDisposeScope(); }
        return o_proj.call(y.transpose(1, 2).reshape(b, t, NumHeads * HeadDim));
    }
}
