using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>A named set of sub-modules that can grow after construction (one entry per adapter name), so that a
/// parameter is called "lora_A.default.weight" as in peft's ModuleDict.</summary>
public sealed class AdapterModules : nn.Module
{
    /// <summary>An empty set.</summary>
    public AdapterModules() : base(nameof(AdapterModules)) { }

    /// <summary>Registers <paramref name="module"/> under <paramref name="adapter"/>.</summary>
    public void Add(string adapter, nn.Module module) => register_module(adapter, module);

    /// <summary>Registers a parameter under <paramref name="adapter"/> (DoRA's magnitude).</summary>
    public void Add(string adapter, Parameter parameter) => register_parameter(adapter, parameter);

    /// <summary>Registers a frozen tensor under <paramref name="adapter"/> (VeRA's shared projections).</summary>
    public void AddBuffer(string adapter, Tensor buffer) => register_buffer(adapter, buffer);
}

/// <summary>
/// LoRA on one model-zoo <see cref="Linear"/> y = W·x + b: the layer computes y + s·B·A·dropout(x), with A [r, in]
/// Kaiming-uniform, B [out, r] zero (so a new adapter changes nothing) and s = α / r. The Linear keeps its type and
/// place in the model: the adapters hang under it as "lora_A.&lt;name&gt;", "lora_B.&lt;name&gt;" (peft's names) and
/// a forward hook adds their output. Several adapters can be attached; one is active. Merging adds s·B·A into W,
/// so inference costs nothing extra; unmerging subtracts it again.
/// </summary>
public sealed class LoraLayer
{
    readonly AdapterModules loraA = new(), loraB = new(), dropout = new(), magnitude = new();
    readonly Dictionary<string, Adapter> configs = new();

    sealed record Adapter(LoraConfig Config, Linear A, Linear B, nn.Module<Tensor, Tensor> Dropout,
        Parameter? Magnitude);
    readonly HashSet<string> merged = new();

    /// <summary>Attaches LoRA to <paramref name="linear"/>, whose full name in its model is
    /// <paramref name="moduleName"/> (used for peft's saved key names).</summary>
    public LoraLayer(Linear linear, string moduleName)
    {
        Base = linear;
        ModuleName = moduleName;
        linear.register_module("lora_A", loraA);
        linear.register_module("lora_B", loraB);
        linear.register_module("lora_dropout", dropout);
        linear.register_module("lora_magnitude_vector", magnitude);
        linear.register_forward_hook((_, x, y) => AddDelta(x, y));
    }

    /// <summary>The adapted layer (its weight is frozen by <see cref="LoraModel"/>).</summary>
    public Linear Base { get; }
    /// <summary>The layer's name in its model, e.g. "model.layers.0.self_attn.q_proj".</summary>
    public string ModuleName { get; }
    /// <summary>Names of the attached adapters.</summary>
    public IReadOnlyCollection<string> Adapters => configs.Keys;
    /// <summary>The adapter whose update the forward pass adds (null: none).</summary>
    public string? ActiveAdapter { get; set; }
    /// <summary>When true the layer behaves as the base Linear (peft's disable_adapter).</summary>
    public bool Disabled { get; set; }
    /// <summary>Adapters whose update is currently merged into the base weight.</summary>
    public IReadOnlyCollection<string> MergedAdapters => merged;

    /// <summary>The settings of adapter <paramref name="adapter"/>.</summary>
    public LoraConfig Config(string adapter) => Get(adapter).Config;

    /// <summary>A [r, in] (peft: lora_A.&lt;adapter&gt;.weight).</summary>
    public Parameter A(string adapter) => Get(adapter).A.weight!;
    /// <summary>B [out, r] (peft: lora_B.&lt;adapter&gt;.weight).</summary>
    public Parameter B(string adapter) => Get(adapter).B.weight!;
    /// <summary>DoRA's magnitude m [out] (peft: lora_magnitude_vector); null for other variants.</summary>
    public Parameter? Magnitude(string adapter) => Get(adapter).Magnitude;

    Adapter Get(string adapter) => configs.TryGetValue(adapter, out var a) ? a
        : throw new KeyNotFoundException($"{ModuleName} has no adapter '{adapter}'");

    /// <summary>Adds adapter <paramref name="adapter"/> (A random from the current torch seed, B zero).</summary>
    public void AddAdapter(string adapter, LoraConfig config)
    {
        config.Validate();
        if (configs.ContainsKey(adapter)) throw new ArgumentException($"{ModuleName} already has adapter '{adapter}'");
        long inF = Base.weight!.shape[1], outF = Base.weight.shape[0];
        var device = Base.weight.device;
        var dtype = Base.weight.dtype;
        var a = nn.Linear(inF, config.R, hasBias: false, device: device, dtype: dtype);
        var b = nn.Linear(config.R, outF, hasBias: false, device: device, dtype: dtype);
        using (no_grad())
        {
            nn.init.kaiming_uniform_(a.weight!, a: Math.Sqrt(5));   // peft's reset_lora_parameters
            nn.init.zeros_(b.weight!);
        }
        if (config.Variant == LoraVariant.LoRAFA) a.weight!.requires_grad = false;
        loraA.Add(adapter, a);
        loraB.Add(adapter, b);
        nn.Module<Tensor, Tensor> drop = config.LoraDropout > 0 ? nn.Dropout(config.LoraDropout) : nn.Identity();
        dropout.Add(adapter, drop);
        Parameter? m = null;
        if (config.Variant == LoraVariant.DoRA)
        {
            using var _ = no_grad();
            m = new Parameter(Base.weight.detach().norm(1, keepdim: false).clone());
            magnitude.Add(adapter, m);
        }
        configs[adapter] = new Adapter(config, a, b, drop, m);
    }

    /// <summary>ΔW = s·B·A [out, in] of <paramref name="adapter"/>.</summary>
    public Tensor DeltaWeight(string adapter) => matmul(B(adapter), A(adapter)) * Config(adapter).Scaling;

    Tensor AddDelta(Tensor x, Tensor y)
    {
        if (Disabled || ActiveAdapter is not { } name || merged.Contains(name)) return y;
        var adapter = configs[name];
        var lora = adapter.B.call(adapter.A.call(adapter.Dropout.call(x))) * adapter.Config.Scaling;
        if (adapter.Config.Variant != LoraVariant.DoRA) return y + lora;
        // DoRA: y' = (m / ‖W + ΔW‖)·(W·x + ΔW·x) + b, the norm detached as in the paper (section 4.3).
        var weight = Base.weight! + DeltaWeight(name);
        var scale = adapter.Magnitude! / weight.detach().norm(1, keepdim: false);
        var baseOut = Base.bias is null ? y : y - Base.bias;
        var output = scale * (baseOut + lora);
        return Base.bias is null ? output : output + Base.bias;
    }

    /// <summary>Adds the active adapter's update into the base weight (DoRA: W ← m·(W+ΔW)/‖W+ΔW‖).</summary>
    public void Merge()
    {
        if (ActiveAdapter is not { } name || merged.Contains(name)) return;
        if (merged.Count > 0) throw new InvalidOperationException($"{ModuleName}: unmerge '{merged.First()}' first");
        using var _ = no_grad();
        var w = Base.weight!.to(ScalarType.Float64) + DeltaWeight(name).to(ScalarType.Float64);   // one rounding
        if (Config(name).Variant == LoraVariant.DoRA)
        {
            var norm = w.norm(1, keepdim: false);
            doraNorms[name] = norm.DetachFromDisposeScope();   // kept to undo the division exactly
            w = (Magnitude(name)! / norm).unsqueeze(1) * w;
        }
        Base.weight!.copy_(w.to(Base.weight.dtype));
        merged.Add(name);
    }

    /// <summary>Removes a merged update from the base weight again.</summary>
    public void Unmerge()
    {
        if (merged.Count == 0) return;
        var name = merged.First();
        using var _ = no_grad();
        if (Config(name).Variant == LoraVariant.DoRA)
        {
            var norm = doraNorms[name];
            var w = Base.weight!.to(ScalarType.Float64) * (norm / Magnitude(name)!.to(ScalarType.Float64)).unsqueeze(1);
            Base.weight.copy_((w - DeltaWeight(name).to(ScalarType.Float64)).to(Base.weight.dtype));
            doraNorms.Remove(name);
            norm.Dispose();
        }
        else Base.weight!.copy_((Base.weight.to(ScalarType.Float64) - DeltaWeight(name).to(ScalarType.Float64))
            .to(Base.weight.dtype));
        merged.Remove(name);
    }

    readonly Dictionary<string, Tensor> doraNorms = new();
}
