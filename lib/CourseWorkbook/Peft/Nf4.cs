using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>A weight matrix stored as QLoRA's 4-bit NormalFloat: blocks of <see cref="BlockSize"/> values, each
/// block scaled by its largest magnitude (absmax, kept in fp32) and every value replaced by the index of the nearest
/// of 16 levels, two indices per byte.</summary>
public sealed record Nf4Tensor(Tensor Codes, Tensor AbsMax, long[] Shape, int BlockSize)
{
    /// <summary>Bytes of the packed codes and the block scales.</summary>
    public long Bytes => MemoryUse.Bytes(Codes) + MemoryUse.Bytes(AbsMax);
}

/// <summary>NF4 (Dettmers et al. 2023, QLoRA): the 16 levels are quantiles of a standard normal, rescaled to
/// [−1, 1] with an exact zero, so normally distributed weights use every level about equally. The levels are the
/// published table (bitsandbytes' NF4 code book, QLoRA's appendix E).</summary>
public static class Nf4
{
    /// <summary>QLoRA's block size for weights.</summary>
    public const int DefaultBlockSize = 64;

    /// <summary>The 16 NF4 levels, ascending.</summary>
    public static IReadOnlyList<float> Levels { get; } =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
        0.7229568362236023f, 1.0f,
    ];

    /// <summary>Quantises <paramref name="weight"/> (any shape, numel a multiple of the block size).</summary>
    public static Nf4Tensor Quantize(Tensor weight, int blockSize = DefaultBlockSize)
    {
        long n = weight.numel();
        if (blockSize < 2 || blockSize % 2 != 0 || n % blockSize != 0)
            throw new ArgumentException($"{n} values cannot be split into blocks of {blockSize} (even, dividing n)");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var blocks = weight.detach().to(float32).reshape(-1, blockSize);
        var absmax = blocks.abs().amax([1]).clamp_min(1e-12f);                 // [blocks]
        var normalized = blocks / absmax.unsqueeze(1);                          // in [−1, 1]
        var levels = tensor(Levels.ToArray());
        var index = (normalized.unsqueeze(-1) - levels).abs().argmin(-1).to(uint8).reshape(-1);   // nearest level
        var packed = (index[TensorIndex.Slice(0, null, 2)] * 16 + index[TensorIndex.Slice(1, null, 2)]).to(uint8);
        return new Nf4Tensor(packed.MoveToOuterDisposeScope(), absmax.MoveToOuterDisposeScope(), weight.shape,
            blockSize);
    }

    /// <summary>The float32 values the 4-bit tensor stands for.</summary>
    public static Tensor Dequantize(Nf4Tensor q)
    {
        using var scope = NewDisposeScope();
        var hi = q.Codes.to(int64).div(16, rounding_mode: RoundingMode.floor);
        var lo = q.Codes.to(int64).remainder(16);
        var index = stack([hi, lo], 1).reshape(-1);
        var values = tensor(Levels.ToArray()).index_select(0, index).reshape(-1, q.BlockSize) * q.AbsMax.unsqueeze(1);
        return values.reshape(q.Shape).MoveToOuterDisposeScope();
    }

    /// <summary>QLoRA's frozen base: every Linear of <paramref name="model"/> whose name matches
    /// <paramref name="targets"/> (all decoder linears by default) is replaced by its NF4 round trip. The model then
    /// computes with exactly the values a 4-bit base holds; on this CPU they are kept dequantised (fp32) for the
    /// matrix products, as bitsandbytes dequantises per layer on the fly. Returns the bytes of the 4-bit storage and
    /// of the fp32 weights it stands for.</summary>
    public static (long Nf4Bytes, long Fp32Bytes) QuantizeBase(nn.Module model, IReadOnlyList<string>? targets = null,
        int blockSize = DefaultBlockSize)
    {
        targets ??= LoraConfig.AllLinear;
        long nf4 = 0, fp32 = 0;
        foreach (var (name, module) in model.named_modules())
        {
            if (module is not Linear linear || !targets.Any(t => name.EndsWith("." + t, StringComparison.Ordinal)))
                continue;
            var q = Quantize(linear.weight!, blockSize);
            using (no_grad()) linear.weight!.copy_(Dequantize(q));
            nf4 += q.Bytes;
            fp32 += MemoryUse.Bytes(linear.weight!);
            q.Codes.Dispose();
            q.AbsMax.Dispose();
        }
        return (nf4, fp32);
    }
}
