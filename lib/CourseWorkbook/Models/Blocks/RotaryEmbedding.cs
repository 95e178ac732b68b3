using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>How a head's dimensions are paired for rotation.</summary>
public enum RopeLayout
{
    /// <summary>
    /// Hugging Face "rotate_half": dimension j pairs with j + d/2 (GPT-NeoX, HF Llama/Qwen2 checkpoints).
    /// </summary>
    HalfSplit,
    /// <summary>
    /// Adjacent pairs (2j, 2j+1), as in the RoFormer paper, Meta's Llama code, llama2.c and GGUF llama weights.
    /// </summary>
    AdjacentPairs,
}

/// <summary>Rotary position embedding (RoFormer): each pair of a query/key head's dimensions is rotated by the angle
/// pos·θ_j with θ_j = base^(−2j/d), so q·k depends only on the relative position of the two tokens.</summary>
public sealed class RotaryEmbedding : nn.Module<Tensor, long, Tensor>
{
    readonly Tensor cos, sin;

    /// <summary>
    /// Precomputes cos/sin for <paramref name="maxPositions"/> positions of a head of size <paramref name="headDim"/>.
    /// </summary>
    public RotaryEmbedding(int headDim, double theta = 10000, RopeLayout layout = RopeLayout.HalfSplit,
        int maxPositions = 2048, Device? device = null)
        : base(nameof(RotaryEmbedding))
    {
        if (headDim % 2 != 0)
            throw new ArgumentException($"head dimension must be even, got {headDim}", nameof(headDim));
        HeadDim = headDim; Theta = theta; Layout = layout; MaxPositions = maxPositions;
        var (c, s) = Angles(headDim, theta, layout, maxPositions);
        cos = c.to(device ?? torch.CPU);
        sin = s.to(device ?? torch.CPU);
        register_buffer(nameof(cos), cos, persistent: false);
        register_buffer(nameof(sin), sin, persistent: false);
        RegisterComponents();
    }

    /// <summary>Size of one head.</summary>
    public int HeadDim { get; }
    /// <summary>The frequency base (10000 for Llama 2, 1e6 for Qwen2.5).</summary>
    public double Theta { get; }
    /// <summary>The dimension pairing.</summary>
    public RopeLayout Layout { get; }
    /// <summary>Positions precomputed.</summary>
    public int MaxPositions { get; }

    /// <summary>
    /// cos and sin tables [positions, headDim], each angle repeated over the two dimensions of its pair.
    /// </summary>
    public static (Tensor Cos, Tensor Sin) Angles(int headDim, double theta, RopeLayout layout, int positions)
    {
        int half = headDim / 2;
        var c = new float[positions * headDim];
        var s = new float[positions * headDim];
        for (int pos = 0; pos < positions; pos++)
            for (int j = 0; j < half; j++)
            {
                // float32 arithmetic, as llama2.c and HF compute the angles
                float freq = 1.0f / MathF.Pow((float)theta, 2f * j / headDim);
                float angle = pos * freq;
                float cj = MathF.Cos(angle), sj = MathF.Sin(angle);
                var (a, b) = layout == RopeLayout.HalfSplit ? (j, j + half) : (2 * j, 2 * j + 1);
                c[pos * headDim + a] = cj; c[pos * headDim + b] = cj;
                s[pos * headDim + a] = sj; s[pos * headDim + b] = sj;
            }
        return (torch.tensor(c, new long[] { positions, headDim }), torch.tensor(s, new long[] { positions, headDim }));
    }

    /// <summary>x [B, H, T, d] at positions startPos..startPos+T−1 → x·cos + rotate(x)·sin.</summary>
    public override Tensor forward(Tensor x, long startPos)
    {
        long t = x.shape[^2];
        if (startPos + t > MaxPositions)
            throw new ArgumentOutOfRangeException(
                nameof(startPos), $"position {startPos + t - 1} ≥ {MaxPositions} precomputed");
        var c = cos.narrow(0, startPos, t).to(x.dtype);
        var s = sin.narrow(0, startPos, t).to(x.dtype);
        return x * c + Rotate(x, Layout) * s;
    }

    /// <summary>x [B, H, T, d] with each token at its own position: <paramref name="positionIds"/> [B, T] (HF
    /// position_ids; with left padding the first real token of every row is at position 0).</summary>
    public Tensor Apply(Tensor x, Tensor positionIds)
    {
        var flat = positionIds.reshape(-1).to(ScalarType.Int64);   // index_select throws for a position out of range
        var shape = new[] { positionIds.shape[0], 1, positionIds.shape[1], (long)HeadDim };
        var c = cos.index_select(0, flat).reshape(shape).to(x.dtype);   // [B, 1, T, d], broadcast over heads
        var s = sin.index_select(0, flat).reshape(shape).to(x.dtype);
        return x * c + Rotate(x, Layout) * s;
    }

    /// <summary>
    /// The 90° partner of each pair: (x₁, x₂) → (−x₂, x₁), pairs laid out as <paramref name="layout"/> says.
    /// </summary>
    public static Tensor Rotate(Tensor x, RopeLayout layout)
    {
        long d = x.shape[^1];
        if (layout == RopeLayout.HalfSplit)
        {
            var x1 = x.narrow(-1, 0, d / 2);
            var x2 = x.narrow(-1, d / 2, d / 2);
            return torch.cat(new[] { -x2, x1 }, -1);
        }
        var pairs = x.reshape(x.shape[..^1].Concat(new[] { d / 2, 2L }).ToArray());
        var even = pairs.select(-1, 0);
        var odd = pairs.select(-1, 1);
        return torch.stack(new[] { -odd, even }, -1).reshape(x.shape);
    }
}
