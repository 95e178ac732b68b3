using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>
/// VeRA on one model-zoo <see cref="Linear"/> y = W·x + b (Kopiczko et al. 2023): the layer computes
/// y + Λ_b·B·Λ_d·A·dropout(x), where A [r, in] and B [out, r] are slices of one pair of frozen random matrices
/// shared by every adapted layer, and only the vectors λ_d [r] (starting at d_initial) and λ_b [out] (starting at
/// zero, so a new adapter changes nothing) train: r + out parameters per layer. The vectors hang under the Linear as
/// "vera_lambda_d.&lt;name&gt;" and "vera_lambda_b.&lt;name&gt;" (peft's names); a forward hook adds the update.
/// </summary>
public sealed class VeraLayer
{
    readonly VeraModel owner;
    readonly nn.Module<Tensor, Tensor> dropout;
    bool merged;

    internal VeraLayer(VeraModel owner, Linear linear, string moduleName, string adapter, VeraConfig config)
    {
        this.owner = owner;
        Base = linear;
        ModuleName = moduleName;
        Adapter = adapter;
        var w = linear.weight!;
        InFeatures = w.shape[1];
        OutFeatures = w.shape[0];
        LambdaD = new Parameter(full(config.R, config.DInitial, dtype: w.dtype, device: w.device));
        LambdaB = new Parameter(zeros(OutFeatures, dtype: w.dtype, device: w.device));
        var d = new AdapterModules();
        var b = new AdapterModules();
        d.Add(adapter, LambdaD);
        b.Add(adapter, LambdaB);
        linear.register_module("vera_lambda_d", d);
        linear.register_module("vera_lambda_b", b);
        dropout = config.VeraDropout > 0 ? nn.Dropout(config.VeraDropout) : nn.Identity();
        linear.register_module("vera_dropout", dropout);
        linear.register_forward_hook((_, x, y) => AddDelta(x, y));
    }

    /// <summary>The adapted layer (frozen).</summary>
    public Linear Base { get; }
    /// <summary>The layer's name in its model, e.g. "model.layers.0.self_attn.q_proj".</summary>
    public string ModuleName { get; }
    /// <summary>The adapter's name.</summary>
    public string Adapter { get; }
    /// <summary>Input and output widths of the base layer.</summary>
    public long InFeatures { get; }
    /// <inheritdoc cref="InFeatures"/>
    public long OutFeatures { get; }
    /// <summary>λ_d [r], scales the r directions of A (peft: vera_lambda_d).</summary>
    public Parameter LambdaD { get; }
    /// <summary>λ_b [out], scales each output of B (peft: vera_lambda_b).</summary>
    public Parameter LambdaB { get; }
    /// <summary>When true the layer behaves as the base Linear.</summary>
    public bool Disabled { get; set; }
    /// <summary>True while the update is merged into the base weight.</summary>
    public bool Merged => merged;

    /// <summary>This layer's slice of the shared A: its first <see cref="InFeatures"/> columns, [r, in].</summary>
    public Tensor A => owner.VeraA.narrow(1, 0, InFeatures);
    /// <summary>This layer's slice of the shared B: its first <see cref="OutFeatures"/> rows, [out, r].</summary>
    public Tensor B => owner.VeraB.narrow(0, 0, OutFeatures);

    /// <summary>ΔW = Λ_b·B·Λ_d·A [out, in] (Λ = diag(λ)).</summary>
    public Tensor DeltaWeight() => matmul(LambdaB.unsqueeze(1) * B * LambdaD.unsqueeze(0), A);

    Tensor AddDelta(Tensor x, Tensor y)
    {
        if (Disabled || merged) return y;
        var h = nn.functional.linear(dropout.call(x), A) * LambdaD;   // Λ_d·A·x, [..., r]
        return y + nn.functional.linear(h, B) * LambdaB;              // + Λ_b·B·(…), [..., out]
    }

    /// <summary>Adds ΔW into the base weight (computed in float64, rounded once): same outputs, no extra
    /// cost.</summary>
    public void Merge()
    {
        if (merged) return;
        using var _ = no_grad();
        Base.weight!.copy_((Base.weight.to(ScalarType.Float64) + DeltaWeight().to(ScalarType.Float64))
            .to(Base.weight.dtype));
        merged = true;
    }

    /// <summary>Subtracts a merged ΔW from the base weight again.</summary>
    public void Unmerge()
    {
        if (!merged) return;
        using var _ = no_grad();
        Base.weight!.copy_((Base.weight.to(ScalarType.Float64) - DeltaWeight().to(ScalarType.Float64))
            .to(Base.weight.dtype));
        merged = false;
    }
}
