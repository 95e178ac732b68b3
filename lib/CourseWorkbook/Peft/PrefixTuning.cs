using CourseWorkbook.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Peft;

/// <summary>Prefix tuning's settings, named as in Hugging Face peft's PrefixTuningConfig: the number of virtual
/// tokens P, and optionally the paper's reparameterisation (<see cref="PrefixProjection"/>: the prefix is computed by
/// an MLP from a smaller table, which Li and Liang found steadier to train; the MLP can be dropped after training).
/// </summary>
public sealed record PrefixTuningConfig(int NumVirtualTokens = 10, bool PrefixProjection = false,
    int EncoderHiddenSize = 0)
{
    /// <summary>Checks the values a run cannot use and says which one is wrong.</summary>
    public void Validate()
    {
        if (NumVirtualTokens < 1)
            throw new ArgumentOutOfRangeException(nameof(NumVirtualTokens), NumVirtualTokens, "must be at least 1");
        if (PrefixProjection && EncoderHiddenSize < 1)
            throw new ArgumentOutOfRangeException(nameof(EncoderHiddenSize), EncoderHiddenSize,
                "the prefix projection needs a hidden size of at least 1");
    }
}

/// <summary>
/// peft's PrefixEncoder: produces the prefix of every layer at once, [P, layers·2·H_kv·d] (for each layer its keys,
/// then its values). Without projection it is one trainable table, "embedding" (P × layers·2·H_kv·d parameters);
/// with projection, a table [P, hidden] passed through "transform" = Linear(hidden → h), tanh, Linear(h →
/// layers·2·H_kv·d).
/// </summary>
public sealed class PrefixEncoder : nn.Module
{
    /// <summary>The trainable table (rows = virtual tokens).</summary>
    public Embedding embedding;
    /// <summary>The reparameterisation MLP (null without projection).</summary>
    public Sequential? transform;

    /// <summary>An encoder for <paramref name="config"/> on a model of <paramref name="model"/>'s shape.</summary>
    public PrefixEncoder(PrefixTuningConfig config, LlamaConfig model, Device? device = null,
        ScalarType? dtype = null) : base(nameof(PrefixEncoder))
    {
        long width = 2L * model.NumHiddenLayers * model.NumKeyValueHeads * model.HeadDimension;
        if (config.PrefixProjection)
        {
            embedding = nn.Embedding(config.NumVirtualTokens, model.HiddenSize, device: device, dtype: dtype);
            transform = nn.Sequential(
                nn.Linear(model.HiddenSize, config.EncoderHiddenSize, device: device, dtype: dtype), nn.Tanh(),
                nn.Linear(config.EncoderHiddenSize, width, device: device, dtype: dtype));
        }
        else embedding = nn.Embedding(config.NumVirtualTokens, width, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>[P, layers·2·H_kv·d]: every layer's prefix keys and values.</summary>
    public Tensor Forward() => transform is null ? embedding.weight! : transform.call(embedding.weight!);
}

/// <summary>
/// Prefix tuning (Li and Liang 2021) on a model-zoo Llama: every parameter is frozen and each attention layer gets P
/// trainable key vectors P_k and value vectors P_v per key/value head, placed before the sequence's own keys and
/// values (through <see cref="MultiHeadAttention.PrefixKeyValues"/>): head_h = softmax(q·[P_k; K]ᵀ/√d)·[P_v; V].
/// Every query sees all P prefix positions (they are neither future nor padding). The prefix keys take no RoPE
/// rotation: in peft they enter as an already-rotated past_key_values cache, so they act as keys at position 0;
/// the real tokens keep positions 0..T−1 (peft numbers them from P; RoPE depends only on differences, so their
/// attention among themselves is the same). The table is registered under the model as
/// "prompt_encoder.&lt;name&gt;.embedding.weight", peft's name.
/// </summary>
public sealed class PrefixTuning
{
    readonly LlamaForCausalLM model;

    PrefixTuning(LlamaForCausalLM model, PrefixTuningConfig config, PrefixEncoder encoder)
    {
        this.model = model;
        Config = config;
        Encoder = encoder;
    }

    /// <summary>The settings.</summary>
    public PrefixTuningConfig Config { get; }
    /// <summary>The trainable part.</summary>
    public PrefixEncoder Encoder { get; }
    /// <summary>When true attention ignores the prefix: the base model's outputs.</summary>
    public bool Disabled
    {
        get => disabled;
        set
        {
            disabled = value;
            var layers = model.model.layers;
            for (int i = 0; i < layers.Count; i++) layers[i].self_attn.PrefixKeyValues = value ? null : Hook(i);
        }
    }
    bool disabled;

    Func<long, (Tensor, Tensor)> Hook(int layer) => batch =>
    {
        var (k, v) = KeysAndValues(layer);
        return (k.unsqueeze(0).expand(batch, -1, -1, -1), v.unsqueeze(0).expand(batch, -1, -1, -1));
    };

    /// <summary>Freezes <paramref name="model"/> and gives every attention layer a prefix (peft's get_peft_model
    /// with a PrefixTuningConfig). The table starts as peft's: N(0, 1) from the current torch seed;
    /// <see cref="InitializeFromTokens"/> offers the paper's start from real words.</summary>
    public static PrefixTuning Inject(LlamaForCausalLM model, PrefixTuningConfig config, string adapter = "default")
    {
        config.Validate();
        foreach (var (_, p) in model.named_parameters()) p.requires_grad = false;
        var w = model.lm_head.weight!;
        var encoder = new PrefixEncoder(config, model.Config, w.device, w.dtype);
        var holder = new AdapterModules();
        holder.Add(adapter, encoder);
        model.register_module("prompt_encoder", holder);
        return new PrefixTuning(model, config, encoder) { Disabled = false };
    }

    /// <summary>Layer <paramref name="layer"/>'s prefix: P_k and P_v, each [H_kv, P, d].</summary>
    public (Tensor Keys, Tensor Values) KeysAndValues(int layer)
    {
        var c = model.Config;
        var all = Encoder.Forward().view(Config.NumVirtualTokens, c.NumHiddenLayers, 2, c.NumKeyValueHeads,
            c.HeadDimension);
        return (all[.., layer, 0].transpose(0, 1), all[.., layer, 1].transpose(0, 1));
    }

    /// <summary>Li and Liang's initialisation from real words (section 7.2; without projection only): the table
    /// gets the keys (before RoPE) and values that the frozen model computes for <paramref name="tokenIds"/>
    /// (P tokens), layer by layer.</summary>
    public void InitializeFromTokens(IReadOnlyList<long> tokenIds)
    {
        if (Encoder.transform is not null)
            throw new NotSupportedException(
                "initialising from tokens sets the table itself: use it without projection");
        if (tokenIds.Count != Config.NumVirtualTokens)
            throw new ArgumentException($"{tokenIds.Count} tokens for {Config.NumVirtualTokens} virtual tokens",
                nameof(tokenIds));
        bool wasDisabled = Disabled;
        Disabled = true;
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var x = model.model.embed_tokens.call(tensor(tokenIds.ToArray(), device: model.lm_head.weight!.device)
                .unsqueeze(0));
            var perLayer = new List<Tensor>();
            foreach (var layer in model.model.layers)
            {
                var normed = layer.input_layernorm.call(x);
                perLayer.Add(stack([layer.self_attn.k_proj.call(normed)[0], layer.self_attn.v_proj.call(normed)[0]],
                    1));   // [P, 2, H_kv·d]
                x = layer.Forward(x, AttentionInputs.None);
            }
            Encoder.embedding.weight!.copy_(stack(perLayer, 1).reshape(Config.NumVirtualTokens, -1));
        }
        finally { Disabled = wasDisabled; }
    }
}
