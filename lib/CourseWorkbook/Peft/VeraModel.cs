using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>
/// A model with VeRA adapters (Kopiczko et al. 2023) in its Linear layers by name, as peft's VeraModel: every
/// parameter of the model is frozen, one pair of random matrices A [r, max in] and B [max out, r] is drawn from a
/// generator seeded by <see cref="VeraConfig.ProjectionPrngKey"/> (Kaiming-uniform, as peft) and shared, frozen, by
/// all adapted layers, each of which takes the slice of its own shape and trains two vectors (<see cref="VeraLayer"/>).
/// The shared pair sits once in the model, as buffers "vera_A.&lt;name&gt;" and "vera_B.&lt;name&gt;".
/// </summary>
public sealed class VeraModel
{
    readonly List<VeraLayer> layers = new();

    VeraModel(nn.Module model, VeraConfig config, Tensor a, Tensor b)
    {
        Model = model;
        Config = config;
        VeraA = a;
        VeraB = b;
    }

    /// <summary>The adapted model (the object passed in, with the adapters inside).</summary>
    public nn.Module Model { get; }
    /// <summary>The settings.</summary>
    public VeraConfig Config { get; }
    /// <summary>The shared frozen A [r, largest in] (peft: vera_A).</summary>
    public Tensor VeraA { get; }
    /// <summary>The shared frozen B [largest out, r] (peft: vera_B).</summary>
    public Tensor VeraB { get; }
    /// <summary>The adapted layers, in module order.</summary>
    public IReadOnlyList<VeraLayer> Layers => layers;

    /// <summary>Freezes <paramref name="model"/>, draws the shared projections and adapts the Linear layers that
    /// <paramref name="config"/> targets (peft's get_peft_model with a VeraConfig).</summary>
    public static VeraModel Inject(nn.Module model, VeraConfig config, string adapter = "default")
    {
        config.Validate();
        var targets = model.named_modules().Where(m => config.Matches(m.name)).ToList();
        if (targets.Count == 0)
            throw new ArgumentException($"no module matches the targets {string.Join(", ", config.Targets)}");
        var linears = targets.Select(t => t.module as Linear ?? throw new NotSupportedException(
            $"{t.name} is a {t.module.GetType().Name}; VeRA here adapts Linear layers")).ToList();
        foreach (var (_, p) in model.named_parameters()) p.requires_grad = false;
        var w = linears[0].weight!;
        long maxIn = linears.Max(l => l.weight!.shape[1]), maxOut = linears.Max(l => l.weight!.shape[0]);
        var generator = new Generator((ulong)config.ProjectionPrngKey);
        var a = KaimingUniform(config.R, maxIn, generator, w.dtype, w.device);
        var b = KaimingUniform(maxOut, config.R, generator, w.dtype, w.device);
        var holderA = new AdapterModules();
        var holderB = new AdapterModules();
        holderA.AddBuffer(adapter, a);
        holderB.AddBuffer(adapter, b);
        model.register_module("vera_A", holderA);
        model.register_module("vera_B", holderB);
        var vera = new VeraModel(model, config, a, b);
        for (int i = 0; i < targets.Count; i++)
            vera.layers.Add(new VeraLayer(vera, linears[i], targets[i].name, adapter, config));
        return vera;
    }

    /// <summary>peft's _kaiming_init: U(−√3·√2/√fan_in, +√3·√2/√fan_in) with fan_in = columns, from
    /// <paramref name="generator"/>.</summary>
    static Tensor KaimingUniform(long rows, long cols, Generator generator, ScalarType dtype, Device device)
    {
        double bound = Math.Sqrt(3) * Math.Sqrt(2) / Math.Sqrt(cols);
        using var _ = no_grad();
        return empty(new[] { rows, cols }, dtype: dtype, device: device).uniform_(-bound, bound, generator);
    }

    /// <summary>Runs <paramref name="action"/> with every adapter switched off: the base model's outputs.</summary>
    public T WithoutAdapters<T>(Func<T> action)
    {
        foreach (var l in layers) l.Disabled = true;
        try { return action(); }
        finally { foreach (var l in layers) l.Disabled = false; }
    }

    /// <summary>Adds every layer's Λ_b·B·Λ_d·A into its weight: a plain model with the same outputs.</summary>
    public void Merge() { foreach (var l in layers) l.Merge(); }

    /// <summary>Takes the merged updates out of the weights again.</summary>
    public void Unmerge() { foreach (var l in layers) l.Unmerge(); }

    /// <summary>Parameters with requires_grad (the λ vectors), counted once each.</summary>
    public long TrainableParameters => Trainable.Count(Model);
}
