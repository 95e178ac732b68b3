using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>Hyper-parameters of GPT-2 as in its Hugging Face config.json (n_embd, n_layer, n_head, ...).</summary>
public sealed record Gpt2Config(
    int VocabSize = 50257, int NPositions = 1024, int NEmbd = 768, int NLayer = 12, int NHead = 12,
    int? NInner = null, double LayerNormEpsilon = 1e-5, string ActivationFunction = "gelu_new",
    bool TieWordEmbeddings = true)
{
    /// <summary>MLP hidden size (n_inner, else 4·n_embd).</summary>
    public int Inner => NInner ?? 4 * NEmbd;

    /// <summary>GPT-2 small (124M).</summary>
    public static Gpt2Config Small { get; } = new();

    /// <summary>Reads a Hugging Face GPT-2 config.json.</summary>
    public static Gpt2Config FromJson(string json)
    {
        var c = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException("config.json is not a JSON object");
        return new Gpt2Config(
            c["vocab_size"]?.GetValue<int>() ?? 50257,
            c["n_positions"]?.GetValue<int>() ?? 1024,
            c["n_embd"]?.GetValue<int>() ?? 768,
            c["n_layer"]?.GetValue<int>() ?? 12,
            c["n_head"]?.GetValue<int>() ?? 12,
            c["n_inner"]?.GetValue<int?>(),
            c["layer_norm_epsilon"]?.GetValue<double>() ?? 1e-5,
            c["activation_function"]?.GetValue<string>() ?? "gelu_new",
            c["tie_word_embeddings"]?.GetValue<bool>() ?? true);
    }
}

/// <summary>
/// GPT-2's causal self-attention: one fused projection c_attn gives Q, K and V; c_proj mixes the heads.
/// </summary>
public sealed class Gpt2Attention : nn.Module<Tensor, Tensor>, ISelfAttention
{
    /// <summary>d → 3d (Q, K, V concatenated), Conv1D layout [in, out].</summary>
    public Conv1D c_attn;
    /// <summary>d → d output projection.</summary>
    public Conv1D c_proj;
    Tensor? lastWeights;

    /// <summary>
    /// Causal attention with <paramref name="heads"/> heads over <paramref name="dim"/>-wide vectors.
    /// </summary>
    public Gpt2Attention(long dim, int heads, Device? device = null, ScalarType? dtype = null)
        : base(nameof(Gpt2Attention))
    {
        NumHeads = heads;
        c_attn = new Conv1D(dim, 3 * dim, device, dtype);
        c_proj = new Conv1D(dim, dim, device, dtype);
        RegisterComponents();
    }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }
    /// <inheritdoc/>
    public bool CaptureWeights { get; set; }
    /// <inheritdoc/>
    public Tensor? LastWeights => lastWeights;

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Attend(x, AttentionInputs.None);

    /// <inheritdoc/>
    public Tensor Attend(Tensor x, AttentionInputs inputs)
    {
        long b = x.shape[0], t = x.shape[1], d = x.shape[2], hd = d / NumHeads;
        var qkv = c_attn.call(x).split(d, 2);
        Tensor Heads(Tensor z) => z.view(b, t, NumHeads, hd).transpose(1, 2);
        Tensor q = Heads(qkv[0]), k = Heads(qkv[1]), v = Heads(qkv[2]);
        if (inputs.Cache is { } cache) (k, v) = cache.Append(k, v);
        var allowed = Attention.And(Attention.CausalMask(t, k.shape[2], x.device),
            inputs.AttentionMask is null ? null : Attention.PaddingMask(inputs.AttentionMask));
        var y = Attention.ScaledDotProduct(q, k, v, allowed, out var weights);
        if (CaptureWeights) { lastWeights?.Dispose(); lastWeights = weights.detach().cpu().DetachFromDisposeScope(); }
        return c_proj.call(y.transpose(1, 2).reshape(b, t, d));
    }
}

/// <summary>
/// The GPT-2 body (HF GPT2Model): token + learned position embeddings, pre-norm blocks, final LayerNorm.
/// </summary>
public sealed class Gpt2Model : nn.Module<Tensor, Tensor>
{
    /// <summary>Token embedding [V, d].</summary>
    public TokenEmbedding wte;
    /// <summary>Learned absolute position embedding [n_positions, d].</summary>
    public TokenEmbedding wpe;
    /// <summary>The blocks: ln_1, attn, ln_2, mlp (pre-norm).</summary>
    public ModuleList<TransformerBlock> h;
    /// <summary>Final LayerNorm.</summary>
    public LayerNorm ln_f;

    /// <summary>The body of <paramref name="config"/>.</summary>
    public Gpt2Model(Gpt2Config config, Device? device = null, ScalarType? dtype = null) : base(nameof(Gpt2Model))
    {
        double eps = config.LayerNormEpsilon;
        bool tanh = config.ActivationFunction is "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast";
        wte = new TokenEmbedding(config.VocabSize, config.NEmbd, device, dtype);
        wpe = new TokenEmbedding(config.NPositions, config.NEmbd, device, dtype);
        h = nn.ModuleList(Enumerable.Range(0, config.NLayer).Select(_ => new TransformerBlock(
            new LayerNorm(config.NEmbd, eps, device, dtype),
            new Gpt2Attention(config.NEmbd, config.NHead, device, dtype),
            new LayerNorm(config.NEmbd, eps, device, dtype),
            new GeluMlp(config.NEmbd, config.Inner, conv1d: true, tanh, device, dtype))).ToArray());
        ln_f = new LayerNorm(config.NEmbd, eps, device, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor ids) => Forward(ids, null, null);

    /// <summary>ids [B, T] → hidden states [B, T, d]; x₀ = wte(ids) + wpe(positions).
    /// <paramref name="positionIds"/> [B, T] (HF position_ids) default to cache.Length + 0..T−1; with left padding
    /// pass cumsum(mask) − 1.</summary>
    public Tensor Forward(Tensor ids, KvCache? cache, Tensor? attentionMask, Tensor? positionIds = null)
    {
        long start = cache?.Length ?? 0;
        var positions = positionIds
            ?? torch.arange(start, start + ids.shape[1], dtype: ScalarType.Int64, device: ids.device);
        var x = wte.call(ids) + wpe.call(positions);
        for (int i = 0; i < h.Count; i++) x = h[i].Forward(x, new AttentionInputs(attentionMask, cache?[i], start));
        return ln_f.call(x);
    }
}

/// <summary>GPT-2 with its language-model head (HF GPT2LMHeadModel); lm_head shares wte's weight.</summary>
public sealed class Gpt2LMHeadModel : nn.Module<Tensor, Tensor>, ICausalLanguageModel
{
    /// <summary>The body.</summary>
    public Gpt2Model transformer;
    /// <summary>d → V (tied to transformer.wte).</summary>
    public Linear lm_head;

    /// <summary>A randomly initialised GPT-2 (pass torch.META as device to build without memory).</summary>
    public Gpt2LMHeadModel(Gpt2Config config, Device? device = null, ScalarType? dtype = null)
        : base(nameof(Gpt2LMHeadModel))
    {
        Runtime.TorchRuntime.EnsureLoaded();
        Config = config;
        transformer = new Gpt2Model(config, device, dtype);
        lm_head = nn.Linear(config.NEmbd, config.VocabSize, false, device, dtype);
        if (config.TieWordEmbeddings) lm_head.weight = transformer.wte.weight;
        RegisterComponents();
    }

    /// <summary>The hyper-parameters.</summary>
    public Gpt2Config Config { get; }
    /// <inheritdoc/>
    public int VocabSize => Config.VocabSize;
    /// <inheritdoc/>
    public int ContextLength => Config.NPositions;
    /// <inheritdoc/>
    public IReadOnlyList<ISelfAttention> AttentionLayers => transformer.h.Select(b => b.Attention).ToList();

    /// <inheritdoc/>
    public override Tensor forward(Tensor ids) => Logits(ids);

    /// <inheritdoc/>
    public Tensor Logits(Tensor ids, KvCache? cache = null, Tensor? attentionMask = null) =>
        lm_head.call(transformer.Forward(ids, cache, attentionMask));

    /// <summary>HF's forward(input_ids, attention_mask, position_ids) → logits [B, T, V]; attention_mask 1 = keep,
    /// 0 = padding; position_ids default to 0..T−1 in every row (learned absolute positions: left padding needs
    /// them).</summary>
    public Tensor Forward(Tensor input_ids, Tensor? attention_mask = null, Tensor? position_ids = null) =>
        lm_head.call(transformer.Forward(input_ids, null, attention_mask, position_ids));

    /// <inheritdoc/>
    public KvCache NewCache(int capacity, long batch = 1) =>
        new(Config.NLayer, Config.NHead, Config.NEmbd / Config.NHead, capacity, batch,
            lm_head.weight.dtype, lm_head.weight.device);

    /// <summary>
    /// Loads HF GPT-2 weights; keys saved from GPT2Model (no "transformer." prefix) are accepted too.
    /// </summary>
    public LoadReport Load(ITensorSource source) =>
        StateDict.Load(this, source, k =>
            k.StartsWith("transformer.", StringComparison.Ordinal) || k.StartsWith("lm_head.", StringComparison.Ordinal)
                ? k
                : "transformer." + k);
}
