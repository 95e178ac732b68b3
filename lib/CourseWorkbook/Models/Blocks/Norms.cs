using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>Layer normalisation: y = (x − μ) / √(σ² + ε) · γ + β over the last dimension (GPT-2, BERT).</summary>
public sealed class LayerNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>γ, initialised to 1.</summary>
    public Parameter weight;
    /// <summary>β, initialised to 0.</summary>
    public Parameter bias;

    /// <summary>A LayerNorm over vectors of size <paramref name="dim"/>.</summary>
    public LayerNorm(long dim, double eps = 1e-5, Device? device = null, ScalarType? dtype = null)
        : base(nameof(LayerNorm))
    {
        Eps = eps;
        weight = new Parameter(torch.ones(new[] { dim }, dtype: dtype, device: device));
        bias = new Parameter(torch.zeros(new[] { dim }, dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>ε, added to the variance.</summary>
    public double Eps { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        var mean = x.mean(new long[] { -1 }, keepdim: true);
        var variance = (x - mean).pow(2).mean(new long[] { -1 }, keepdim: true);
        return (x - mean) * torch.rsqrt(variance + Eps) * weight + bias;
    }
}

/// <summary>
/// Root-mean-square normalisation: y = x / √(mean(x²) + ε) · γ — no centring, no bias (Llama, Qwen2).
/// </summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>γ, initialised to 1.</summary>
    public Parameter weight;

    /// <summary>An RMSNorm over vectors of size <paramref name="dim"/>.</summary>
    public RmsNorm(long dim, double eps = 1e-6, Device? device = null, ScalarType? dtype = null) : base(nameof(RmsNorm))
    {
        Eps = eps;
        weight = new Parameter(torch.ones(new[] { dim }, dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <summary>ε, added to the mean square.</summary>
    public double Eps { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        // At least float32 (half-precision inputs are promoted, as HF does); float64 stays float64 for exact checks.
        var x32 = x.dtype == ScalarType.Float64 ? x : x.to(ScalarType.Float32);
        var ms = x32.pow(2).mean(new long[] { -1 }, keepdim: true);
        return (x32 * torch.rsqrt(ms + Eps)).to(x.dtype) * weight;
    }
}
