using System.Text.Json;
using System.Text.Json.Nodes;
using CourseWorkbook.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>Hyper-parameters of a Llama-family decoder (Llama 2/3, Qwen2/2.5, llama2.c's TinyStories models), as in a
/// Hugging Face config.json. Qwen2 differs from Llama only by biases on the Q/K/V projections.</summary>
public sealed record LlamaConfig(
    int VocabSize, int HiddenSize, int IntermediateSize,
    int NumHiddenLayers, int NumAttentionHeads, int NumKeyValueHeads,
    int MaxPositionEmbeddings = 2048, double RmsNormEps = 1e-5, double RopeTheta = 10000,
    bool TieWordEmbeddings = false, bool QkvBias = false, bool OutputBias = false,
    RopeLayout RopeLayout = RopeLayout.HalfSplit, int? HeadDim = null,
    string ModelType = "llama", string HiddenAct = "silu", int BosTokenId = 1, int EosTokenId = 2,
    double AttentionDropout = 0)
{
    /// <summary>Size of one attention head (head_dim, else hidden / heads).</summary>
    public int HeadDimension => HeadDim ?? HiddenSize / NumAttentionHeads;

    /// <summary>Qwen2.5-0.5B's published config (tied embeddings, GQA 14:2, Q/K/V biases).</summary>
    public static LlamaConfig Qwen2_5_0_5B { get; } = new(151936, 896, 4864, 24, 14, 2, 32768, 1e-6, 1_000_000, true,
        QkvBias: true, ModelType: "qwen2", BosTokenId: 151643, EosTokenId: 151643);

    /// <summary>Qwen2.5-1.5B (hidden 1536, 28 layers, GQA 12:2, intermediate 8960, tied): 1.54 B parameters.</summary>
    public static LlamaConfig Qwen2_5_1_5B { get; } = Qwen2_5_0_5B with
    {
        HiddenSize = 1536, IntermediateSize = 8960, NumHiddenLayers = 28, NumAttentionHeads = 12
    };

    /// <summary>Qwen2.5-3B (hidden 2048, 36 layers, GQA 16:2, intermediate 11008, tied): 3.09 B parameters.</summary>
    public static LlamaConfig Qwen2_5_3B { get; } = Qwen2_5_0_5B with
    {
        HiddenSize = 2048, IntermediateSize = 11008, NumHiddenLayers = 36, NumAttentionHeads = 16
    };

    /// <summary>
    /// Qwen2.5-7B (hidden 3584, 28 layers, GQA 28:4, intermediate 18944, vocabulary 152064, untied): 7.62 B parameters.
    /// </summary>
    public static LlamaConfig Qwen2_5_7B { get; } = Qwen2_5_0_5B with
    {
        VocabSize = 152064, HiddenSize = 3584, IntermediateSize = 18944, NumHiddenLayers = 28,
        NumAttentionHeads = 28, NumKeyValueHeads = 4, MaxPositionEmbeddings = 131072, TieWordEmbeddings = false
    };

    /// <summary>
    /// Llama-2-7B (hidden 4096, 32 layers, 32 heads without GQA, intermediate 11008, vocabulary 32000, untied):
    /// 6.74 B parameters.
    /// </summary>
    public static LlamaConfig Llama2_7B { get; } = new(32000, 4096, 11008, 32, 32, 32, 4096, 1e-5, 10000);

    /// <summary>
    /// llama2.c's stories260K (doc/stories260K.md): dim 64, hidden 172, 5 layers, 8 heads, 4 kv heads, vocab 512.
    /// </summary>
    public static LlamaConfig Stories260K { get; } =
        new(512, 64, 172, 5, 8, 4, 512, 1e-5, 10000, true, RopeLayout: RopeLayout.AdjacentPairs);

    /// <summary>Reads a Hugging Face config.json (model_type llama, qwen2 or mistral).</summary>
    public static LlamaConfig FromJson(string json)
    {
        var c = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException("config.json is not a JSON object");
        string type = c["model_type"]?.GetValue<string>() ?? "llama";
        int heads = Int(c, "num_attention_heads");
        bool qwen = type.StartsWith("qwen2", StringComparison.Ordinal);
        bool bias = c["attention_bias"]?.GetValue<bool>() ?? false;
        return new LlamaConfig(
            Int(c, "vocab_size"), Int(c, "hidden_size"), Int(c, "intermediate_size"),
            Int(c, "num_hidden_layers"), heads,
            c["num_key_value_heads"]?.GetValue<int>() ?? heads,
            c["max_position_embeddings"]?.GetValue<int>() ?? 2048,
            c["rms_norm_eps"]?.GetValue<double>() ?? 1e-6,
            c["rope_theta"]?.GetValue<double>() ?? 10000,
            c["tie_word_embeddings"]?.GetValue<bool>() ?? false,
            QkvBias: qwen || bias, OutputBias: !qwen && bias, HeadDim: c["head_dim"]?.GetValue<int>(),
            ModelType: type, HiddenAct: c["hidden_act"]?.GetValue<string>() ?? "silu",
            BosTokenId: c["bos_token_id"]?.GetValue<int>() ?? 1,
            EosTokenId: c["eos_token_id"] is JsonValue e ? e.GetValue<int>() : 2);
    }

    /// <summary>Reads a config.json file.</summary>
    public static LlamaConfig FromFile(string path) => FromJson(File.ReadAllText(path));

    static int Int(JsonObject c, string key) =>
        c[key]?.GetValue<int>() ?? throw new InvalidDataException($"config.json lacks {key}");

    /// <summary>Reads the hyper-parameters of a GGUF llama/qwen2 file. GGUF llama weights use adjacent-pair RoPE
    /// (llama.cpp permutes Q/K when converting from HF); qwen2 keeps HF's half-split layout.</summary>
    public static LlamaConfig FromGguf(GgufFile gguf)
    {
        string arch = gguf.Architecture ?? throw new InvalidDataException($"{gguf.Path}: no general.architecture");
        if (arch is not ("llama" or "qwen2"))
            throw new NotSupportedException($"{gguf.Path}: architecture {arch} is not a Llama-family decoder");
        int Get(string k) => checked((int)gguf.Get<long>($"{arch}.{k}"));
        int vocab = gguf.TryGet("tokenizer.ggml.tokens", out var toks) && toks is string[] ts
            ? ts.Length
            : Get("vocab_size");
        int heads = Get("attention.head_count");
        bool hasOutput = gguf.Tensors.Any(t => t.Name == "output.weight");
        bool tied = !hasOutput || gguf.SameData("output.weight", "token_embd.weight");
        return new LlamaConfig(vocab, Get("embedding_length"), Get("feed_forward_length"), Get("block_count"), heads,
            (int)gguf.GetOrDefault($"{arch}.attention.head_count_kv", (long)heads), Get("context_length"),
            gguf.GetOrDefault($"{arch}.attention.layer_norm_rms_epsilon", 1e-5),
            gguf.GetOrDefault($"{arch}.rope.freq_base", 10000.0),
            tied,
            QkvBias: gguf.Tensors.Any(t => t.Name == "blk.0.attn_q.bias"),
            OutputBias: gguf.Tensors.Any(t => t.Name == "blk.0.attn_output.bias"),
            RopeLayout: arch == "llama" ? RopeLayout.AdjacentPairs : RopeLayout.HalfSplit, ModelType: arch,
            BosTokenId: (int)gguf.GetOrDefault("tokenizer.ggml.bos_token_id", 1L),
            EosTokenId: (int)gguf.GetOrDefault("tokenizer.ggml.eos_token_id", 2L));
    }

    /// <summary>
    /// The Hugging Face name of a GGUF llama tensor ("blk.3.attn_q.weight" → "model.layers.3.self_attn.q_proj.weight").
    /// </summary>
    public static string? HfNameOfGgufTensor(string name)
    {
        switch (name)
        {
            case "token_embd.weight": return "model.embed_tokens.weight";
            case "output_norm.weight": return "model.norm.weight";
            case "output.weight": return "lm_head.weight";
        }
        var parts = name.Split('.');
        if (parts.Length != 4 || parts[0] != "blk") return null;
        string layer = $"model.layers.{parts[1]}.";
        string? module = parts[2] switch
        {
            "attn_norm" => "input_layernorm", "ffn_norm" => "post_attention_layernorm",
            "attn_q" => "self_attn.q_proj", "attn_k" => "self_attn.k_proj", "attn_v" => "self_attn.v_proj",
            "attn_output" => "self_attn.o_proj",
            "ffn_gate" => "mlp.gate_proj", "ffn_up" => "mlp.up_proj", "ffn_down" => "mlp.down_proj",
            _ => null,
        };
        return module is null ? null : layer + module + "." + parts[3];
    }
}

/// <summary>A Llama decoder layer: h = x + Attn(RMSNorm(x)); y = h + SwiGLU(RMSNorm(h)).</summary>
public sealed class LlamaDecoderLayer : nn.Module<Tensor, Tensor>
{
    /// <summary>Grouped-query self-attention with RoPE.</summary>
    public MultiHeadAttention self_attn;
    /// <summary>The SwiGLU feed-forward network.</summary>
    public SwiGlu mlp;
    /// <summary>RMSNorm before attention.</summary>
    public RmsNorm input_layernorm;
    /// <summary>RMSNorm before the MLP.</summary>
    public RmsNorm post_attention_layernorm;

    /// <summary>
    /// One layer of <paramref name="config"/>, sharing <paramref name="rope"/> with the other layers.
    /// </summary>
    public LlamaDecoderLayer(LlamaConfig config, RotaryEmbedding rope, Device? device = null, ScalarType? dtype = null)
        : base(nameof(LlamaDecoderLayer))
    {
        self_attn = new MultiHeadAttention(config.HiddenSize, config.NumAttentionHeads, config.NumKeyValueHeads,
            config.HeadDimension, config.QkvBias, config.OutputBias, rope, causal: true, device, dtype)
        { AttentionDropout = config.AttentionDropout };
        mlp = new SwiGlu(config.HiddenSize, config.IntermediateSize, device, dtype);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Forward(x, AttentionInputs.None);

    /// <summary>The layer with a padding mask / KV cache.</summary>
    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        var h = x + self_attn.Attend(input_layernorm.call(x), inputs);
        return h + mlp.call(post_attention_layernorm.call(h));
    }
}

/// <summary>The Llama body: token embedding, N decoder layers, final RMSNorm (HF "model.*").</summary>
public sealed class LlamaModel : nn.Module<Tensor, Tensor>
{
    /// <summary>Token embedding [V, d].</summary>
    public TokenEmbedding embed_tokens;
    /// <summary>The decoder layers.</summary>
    public ModuleList<LlamaDecoderLayer> layers;
    /// <summary>Final RMSNorm.</summary>
    public RmsNorm norm;
    /// <summary>Rotary position embedding shared by all layers (no weights).</summary>
    public RotaryEmbedding rotary_emb;

    /// <summary>The body of <paramref name="config"/>.</summary>
    public LlamaModel(LlamaConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(LlamaModel))
    {
        embed_tokens = new TokenEmbedding(config.VocabSize, config.HiddenSize, device, dtype);
        rotary_emb = new RotaryEmbedding(config.HeadDimension, config.RopeTheta, config.RopeLayout,
            Math.Min(config.MaxPositionEmbeddings, 8192), device?.type == DeviceType.META ? null : device);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(_ => new LlamaDecoderLayer(config, rotary_emb, device, dtype))
            .ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor ids) => Forward(ids, null, null);

    /// <summary>ids [B, T] → final hidden states [B, T, d]. <paramref name="attentionMask"/> [B, Tk]: 1 = token,
    /// 0 = padding (no query attends to a padding key); <paramref name="positionIds"/> [B, T]: each token's RoPE
    /// position (default cache.Length + 0..T−1 for every row, as in HF: with left padding pass cumsum(mask) − 1).
    /// </summary>
    public Tensor Forward(Tensor ids, KvCache? cache, Tensor? attentionMask, Tensor? positionIds = null)
    {
        long start = cache?.Length ?? 0;
        var x = embed_tokens.call(ids);
        for (int i = 0; i < layers.Count; i++)
            x = layers[i].Forward(x, new AttentionInputs(attentionMask, cache?[i], start, positionIds));
        return norm.call(x);
    }
}

/// <summary>A Llama-family causal LM (HF LlamaForCausalLM / Qwen2ForCausalLM): the body plus the lm_head projection
/// to vocabulary logits, optionally tied to the token embedding.</summary>
public sealed class LlamaForCausalLM : nn.Module<Tensor, Tensor>, ICausalLanguageModel
{
    /// <summary>The transformer body.</summary>
    public LlamaModel model;
    /// <summary>d → V projection (shares its weight with embed_tokens when tied).</summary>
    public Linear lm_head;

    /// <summary>A randomly initialised model of <paramref name="config"/>; pass <c>torch.META</c> as
    /// <paramref name="device"/> to build it without allocating memory (for counting parameters).</summary>
    public LlamaForCausalLM(LlamaConfig config, Device? device = null, ScalarType? dtype = null)
        : base(nameof(LlamaForCausalLM))
    {
        Runtime.TorchRuntime.EnsureLoaded();
        Config = config;
        model = new LlamaModel(config, device, dtype);
        lm_head = nn.Linear(config.HiddenSize, config.VocabSize, false, device, dtype);
        if (config.TieWordEmbeddings) lm_head.weight = model.embed_tokens.weight;
        RegisterComponents();
    }

    /// <summary>The hyper-parameters.</summary>
    public LlamaConfig Config { get; }
    /// <inheritdoc/>
    public int VocabSize => Config.VocabSize;
    /// <inheritdoc/>
    public int ContextLength => model.rotary_emb.MaxPositions;
    /// <inheritdoc/>
    public IReadOnlyList<ISelfAttention> AttentionLayers =>
        model.layers.Select(l => (ISelfAttention)l.self_attn).ToList();

    /// <inheritdoc/>
    public override Tensor forward(Tensor ids) => Logits(ids);

    /// <inheritdoc/>
    public Tensor Logits(Tensor ids, KvCache? cache = null, Tensor? attentionMask = null) =>
        lm_head.call(model.Forward(ids, cache, attentionMask));

    /// <summary>HF's forward(input_ids, attention_mask, position_ids) → logits [B, T, V]. attention_mask: 1 = keep,
    /// 0 = padding; position_ids default to 0..T−1 in every row (HF does the same: it does not derive them from the
    /// mask during training, so left-padded batches need them).</summary>
    public Tensor Forward(Tensor input_ids, Tensor? attention_mask = null, Tensor? position_ids = null) =>
        lm_head.call(model.Forward(input_ids, null, attention_mask, position_ids));

    /// <inheritdoc/>
    public KvCache NewCache(int capacity, long batch = 1) =>
        new(Config.NumHiddenLayers, Config.NumKeyValueHeads, Config.HeadDimension, capacity, batch,
            lm_head.weight.dtype, lm_head.weight.device);

    /// <summary>Loads HF-named weights (safetensors, a state dict, ...) and reports what matched.</summary>
    public LoadReport Load(ITensorSource source) => StateDict.Load(this, source);

    /// <summary>Builds the model a GGUF file describes and loads its weights (names mapped to HF's).</summary>
    public static (LlamaForCausalLM Model, LoadReport Report) FromGguf(GgufFile gguf)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        var model = new LlamaForCausalLM(LlamaConfig.FromGguf(gguf));
        var report = StateDict.Load(model, TensorSource.From(gguf, LlamaConfig.HfNameOfGgufTensor));
        model.eval();
        return (model, report);
    }
}
