using CourseWorkbook.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>Where a bottleneck adapter reads its input.</summary>
public enum AdapterPlacement
{
    /// <summary>Houlsby et al. 2019: after a sublayer, on its output h: h + ReLU(h·W_down)·W_up.</summary>
    Sequential,
    /// <summary>He et al. 2021: beside a sublayer, on its input x: sublayer(x) + s·ReLU(x·W_down)·W_up.</summary>
    Parallel,
}

/// <summary>A bottleneck adapter's settings: the bottleneck width m, the placement, the scale s on its output, and
/// which sublayers of each Llama decoder layer get one ("self_attn", "mlp"). Defaults follow the papers:
/// sequential after attention and after the MLP (Houlsby), parallel beside the MLP with s = 4 (He et al.'s best
/// setting).</summary>
public sealed record BottleneckConfig(int BottleneckSize = 8,
    AdapterPlacement Placement = AdapterPlacement.Sequential, IReadOnlyList<string>? Sublayers = null,
    double Scaling = double.NaN)
{
    /// <summary>The sublayers that get an adapter.</summary>
    public IReadOnlyList<string> Targets =>
        Sublayers ?? (Placement == AdapterPlacement.Sequential ? ["self_attn", "mlp"] : ["mlp"]);

    /// <summary>s: 1 for sequential adapters, 4 for parallel ones unless given.</summary>
    public double Scale => double.IsNaN(Scaling) ? Placement == AdapterPlacement.Sequential ? 1 : 4 : Scaling;

    /// <summary>Checks the values a run cannot use and says which one is wrong.</summary>
    public void Validate()
    {
        if (BottleneckSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BottleneckSize), BottleneckSize, "must be at least 1");
        if (Targets.Count == 0 || Targets.Any(t => t is not ("self_attn" or "mlp")))
            throw new ArgumentException($"sublayers must be \"self_attn\" and/or \"mlp\", got "
                + $"[{string.Join(", ", Targets)}]", nameof(Sublayers));
        if (Placement == AdapterPlacement.Parallel && Targets.Contains("self_attn"))
            throw new NotSupportedException("a parallel adapter needs the sublayer's input; here it sits beside "
                + "the MLP only (the attention block is not called through a hook that sees its input)");
    }
}

/// <summary>
/// A bottleneck adapter (Houlsby et al. 2019): f(z) = ReLU(z·W_down + b_down)·W_up + b_up, d → m → d with m ≪ d,
/// added to a sublayer's output. W_down [m, d] is Kaiming-uniform like LoRA's A; W_up and both biases start at zero,
/// so a new adapter changes nothing. Module names follow AdapterHub: adapter_down, adapter_up. It is placed under
/// the sublayer as "adapter" (e.g. "model.layers.0.mlp.adapter.adapter_up.weight") and a forward hook adds it:
/// sequential, y + s·f(y) on the sublayer's output y (the attention's is o_proj's output); parallel,
/// y + s·f(x) on the sublayer's input x.
/// </summary>
public sealed class BottleneckAdapter : nn.Module<Tensor, Tensor>
{
    /// <summary>W_down: d → m.</summary>
    public Linear adapter_down;
    /// <summary>W_up: m → d (zero at the start).</summary>
    public Linear adapter_up;

    /// <summary>An adapter on <paramref name="dim"/>-wide vectors with bottleneck <paramref name="bottleneck"/>.
    /// </summary>
    public BottleneckAdapter(long dim, long bottleneck, Device? device = null, ScalarType? dtype = null)
        : base(nameof(BottleneckAdapter))
    {
        adapter_down = nn.Linear(dim, bottleneck, hasBias: true, device: device, dtype: dtype);
        adapter_up = nn.Linear(bottleneck, dim, hasBias: true, device: device, dtype: dtype);
        using (no_grad())
        {
            nn.init.kaiming_uniform_(adapter_down.weight!, a: Math.Sqrt(5));
            nn.init.zeros_(adapter_down.bias!);
            nn.init.zeros_(adapter_up.weight!);
            nn.init.zeros_(adapter_up.bias!);
        }
        RegisterComponents();
    }

    /// <summary>f(z) = ReLU(z·W_down)·W_up (the residual is added by the placement).</summary>
    public override Tensor forward(Tensor z) => adapter_up.call(nn.functional.relu(adapter_down.call(z)));

    /// <summary>When true the adapter adds nothing.</summary>
    public bool Disabled { get; set; }

    /// <summary>Freezes <paramref name="model"/> and adds an adapter to the sublayers <paramref name="config"/>
    /// names in every decoder layer; returns them in order (layer 0 attention, layer 0 MLP, ...).</summary>
    public static IReadOnlyList<BottleneckAdapter> Inject(LlamaForCausalLM model, BottleneckConfig config)
    {
        config.Validate();
        foreach (var (_, p) in model.named_parameters()) p.requires_grad = false;
        var w = model.lm_head.weight!;
        long d = model.Config.HiddenSize;
        double s = config.Scale;
        var adapters = new List<BottleneckAdapter>();
        foreach (var layer in model.model.layers)
            foreach (var target in config.Targets)
            {
                var adapter = new BottleneckAdapter(d, config.BottleneckSize, w.device, w.dtype);
                adapters.Add(adapter);
                nn.Module<Tensor, Tensor> hooked = target == "mlp" ? layer.mlp : layer.self_attn.o_proj;
                (target == "mlp" ? (nn.Module)layer.mlp : layer.self_attn).register_module("adapter", adapter);
                if (config.Placement == AdapterPlacement.Sequential)
                    hooked.register_forward_hook((_, _, y) => adapter.Disabled ? y : y + s * adapter.call(y));
                else
                    hooked.register_forward_hook((_, x, y) => adapter.Disabled ? y : y + s * adapter.call(x));
            }
        return adapters;
    }
}
