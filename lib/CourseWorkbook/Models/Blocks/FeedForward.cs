using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>The position-wise MLP of GPT-2/BERT: y = W₂·GELU(W₁x + b₁) + b₂, hidden size usually 4d.</summary>
public sealed class GeluMlp : nn.Module<Tensor, Tensor>
{
    /// <summary>W₁: d → hidden ("c_fc" in GPT-2).</summary>
    public nn.Module<Tensor, Tensor> c_fc;
    /// <summary>W₂: hidden → d ("c_proj" in GPT-2).</summary>
    public nn.Module<Tensor, Tensor> c_proj;

    /// <summary>An MLP d → hidden → d; <paramref name="conv1d"/> stores weights [in, out] as HF's GPT-2 Conv1D does;
    /// <paramref name="tanhApproximation"/> selects GPT-2's "gelu_new" instead of the exact erf GELU.</summary>
    public GeluMlp(long dim, long hidden, bool conv1d = false, bool tanhApproximation = false,
        Device? device = null, ScalarType? dtype = null)
        : base(nameof(GeluMlp))
    {
        TanhApproximation = tanhApproximation;
        c_fc = conv1d ? new Conv1D(dim, hidden, device, dtype) : nn.Linear(dim, hidden, true, device, dtype);
        c_proj = conv1d ? new Conv1D(hidden, dim, device, dtype) : nn.Linear(hidden, dim, true, device, dtype);
        RegisterComponents();
    }

    /// <summary>True for GELU(x) ≈ ½x(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    public bool TanhApproximation { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => c_proj.call(Gelu(c_fc.call(x), TanhApproximation));

    /// <summary>GELU(x) = x·Φ(x), exact (erf) or with the tanh approximation.</summary>
    public static Tensor Gelu(Tensor x, bool tanhApproximation) =>
        nn.functional.gelu(x, tanhApproximation
            ? TorchSharp.Modules.GELU.Approximate.tanh
            : TorchSharp.Modules.GELU.Approximate.none);
}

/// <summary>The gated MLP of Llama/Qwen2 (Shazeer 2020): y = W_down(SiLU(W_gate x) ⊙ W_up x), no biases.</summary>
public sealed class SwiGlu : nn.Module<Tensor, Tensor>
{
    /// <summary>W_gate: d → hidden.</summary>
    public Linear gate_proj;
    /// <summary>W_up: d → hidden.</summary>
    public Linear up_proj;
    /// <summary>W_down: hidden → d.</summary>
    public Linear down_proj;

    /// <summary>A SwiGLU MLP d → hidden → d.</summary>
    public SwiGlu(long dim, long hidden, Device? device = null, ScalarType? dtype = null) : base(nameof(SwiGlu))
    {
        gate_proj = nn.Linear(dim, hidden, false, device, dtype);
        up_proj = nn.Linear(dim, hidden, false, device, dtype);
        down_proj = nn.Linear(hidden, dim, false, device, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => down_proj.call(nn.functional.silu(gate_proj.call(x)) * up_proj.call(x));
}

/// <summary>Hugging Face's GPT-2 "Conv1D": a linear layer whose weight is stored [in, out] (transposed w.r.t.
/// nn.Linear), y = x·W + b. Kept so that GPT-2 checkpoints load without transposing.</summary>
public sealed class Conv1D : nn.Module<Tensor, Tensor>
{
    /// <summary>W, shape [in, out].</summary>
    public Parameter weight;
    /// <summary>b, shape [out].</summary>
    public Parameter bias;

    /// <summary>
    /// A Conv1D from <paramref name="inFeatures"/> to <paramref name="outFeatures"/>, W ~ N(0, 0.02²).
    /// </summary>
    public Conv1D(long inFeatures, long outFeatures, Device? device = null, ScalarType? dtype = null)
        : base(nameof(Conv1D))
    {
        weight = new Parameter(torch.empty(new[] { inFeatures, outFeatures }, dtype: dtype, device: device));
        bias = new Parameter(torch.zeros(new[] { outFeatures }, dtype: dtype, device: device));
        using (torch.no_grad()) nn.init.normal_(weight, 0, 0.02);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => torch.matmul(x, weight) + bias;
}
