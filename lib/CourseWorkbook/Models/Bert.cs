using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>Hyper-parameters of a BERT encoder as in its Hugging Face config.json.</summary>
public sealed record BertConfig(int VocabSize = 30522, int HiddenSize = 768, int NumHiddenLayers = 12,
    int NumAttentionHeads = 12, int IntermediateSize = 3072, string HiddenAct = "gelu", int MaxPositionEmbeddings = 512,
    int TypeVocabSize = 2, double LayerNormEps = 1e-12, int PadTokenId = 0, double HiddenDropoutProb = 0.1,
    double AttentionProbsDropoutProb = 0.1)
{
    /// <summary>bert-base-uncased.</summary>
    public static BertConfig BertBaseUncased { get; } = new();
    /// <summary>sentence-transformers/all-MiniLM-L6-v2 (hidden 384, 6 layers, 12 heads, intermediate 1536).</summary>
    public static BertConfig AllMiniLmL6V2 { get; } = new(HiddenSize: 384, NumHiddenLayers: 6, IntermediateSize: 1536);
    /// <summary>google/bert_uncased_L-2_H-128_A-2 (bert-tiny).</summary>
    public static BertConfig BertTiny { get; } = new(HiddenSize: 128, NumHiddenLayers: 2, NumAttentionHeads: 2,
        IntermediateSize: 512);

    /// <summary>Reads a Hugging Face BERT config.json.</summary>
    public static BertConfig FromJson(string json)
    {
        var c = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException("config.json is not a JSON object");
        return new BertConfig(c["vocab_size"]?.GetValue<int>() ?? 30522, c["hidden_size"]?.GetValue<int>() ?? 768,
            c["num_hidden_layers"]?.GetValue<int>() ?? 12, c["num_attention_heads"]?.GetValue<int>() ?? 12,
            c["intermediate_size"]?.GetValue<int>() ?? 3072, c["hidden_act"]?.GetValue<string>() ?? "gelu",
            c["max_position_embeddings"]?.GetValue<int>() ?? 512, c["type_vocab_size"]?.GetValue<int>() ?? 2,
            c["layer_norm_eps"]?.GetValue<double>() ?? 1e-12, c["pad_token_id"]?.GetValue<int>() ?? 0,
            c["hidden_dropout_prob"]?.GetValue<double>() ?? 0.1,
            c["attention_probs_dropout_prob"]?.GetValue<double>() ?? 0.1);
    }

    /// <summary>Reads a config.json file.</summary>
    public static BertConfig FromFile(string path) => FromJson(File.ReadAllText(path));

    internal bool TanhGelu => HiddenAct is "gelu_new" or "gelu_pytorch_tanh";
}

/// <summary>BERT's input embedding: LayerNorm(word + position + token-type embeddings).</summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor>
{
    /// <summary>Token embedding [V, H].</summary>
    public TokenEmbedding word_embeddings;
    /// <summary>Learned absolute positions [P, H].</summary>
    public TokenEmbedding position_embeddings;
    /// <summary>Segment (sentence A/B) embedding [2, H].</summary>
    public TokenEmbedding token_type_embeddings;
    /// <summary>LayerNorm over the sum.</summary>
    public LayerNorm LayerNorm;
    internal double dropout;

    /// <summary>The embeddings of <paramref name="c"/>.</summary>
    public BertEmbeddings(BertConfig c, Device? device = null, ScalarType? dtype = null) : base(nameof(BertEmbeddings))
    {
        word_embeddings = new TokenEmbedding(c.VocabSize, c.HiddenSize, device, dtype);
        position_embeddings = new TokenEmbedding(c.MaxPositionEmbeddings, c.HiddenSize, device, dtype);
        token_type_embeddings = new TokenEmbedding(c.TypeVocabSize, c.HiddenSize, device, dtype);
        LayerNorm = new LayerNorm(c.HiddenSize, c.LayerNormEps, device, dtype);
        dropout = c.HiddenDropoutProb;
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor ids) => Forward(ids, null);

    /// <summary>
    /// ids [B, T] (+ token types) → [B, T, H]; in training mode, dropout (hidden_dropout_prob) follows the norm.
    /// </summary>
    public Tensor Forward(Tensor ids, Tensor? tokenTypes)
    {
        var positions = torch.arange(ids.shape[1], dtype: ScalarType.Int64, device: ids.device);
        tokenTypes ??= torch.zeros_like(ids);
        var x = LayerNorm.call(
            word_embeddings.call(ids) + position_embeddings.call(positions) + token_type_embeddings.call(tokenTypes));
        return nn.functional.dropout(x, dropout, training);
    }
}

/// <summary>BERT's bidirectional multi-head self-attention (query, key, value projections; no causal mask).</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor>, ISelfAttention
{
    /// <summary>W_Q.</summary>
    public Linear query;
    /// <summary>W_K.</summary>
    public Linear key;
    /// <summary>W_V.</summary>
    public Linear value;
    Tensor? lastWeights;
    internal double dropout;

    /// <summary>Attention of <paramref name="c"/>.</summary>
    public BertSelfAttention(BertConfig c, Device? device = null, ScalarType? dtype = null)
        : base(nameof(BertSelfAttention))
    {
        NumHeads = c.NumAttentionHeads;
        query = nn.Linear(c.HiddenSize, c.HiddenSize, true, device, dtype);
        key = nn.Linear(c.HiddenSize, c.HiddenSize, true, device, dtype);
        value = nn.Linear(c.HiddenSize, c.HiddenSize, true, device, dtype);
        dropout = c.AttentionProbsDropoutProb;
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
        Tensor Heads(Tensor z) => z.view(b, t, NumHeads, hd).transpose(1, 2);
        var allowed = inputs.AttentionMask is null ? null : Attention.PaddingMask(inputs.AttentionMask);
        var y = Attention.ScaledDotProduct(Heads(query.call(x)), Heads(key.call(x)), Heads(value.call(x)), allowed,
            out var weights, training ? dropout : 0);
        if (CaptureWeights) { lastWeights?.Dispose(); lastWeights = weights.detach().cpu().DetachFromDisposeScope(); }
        return y.transpose(1, 2).reshape(b, t, d);
    }
}

/// <summary>The projection after attention plus the post-norm residual: LayerNorm(dense(h) + x).</summary>
public sealed class BertSelfOutput : nn.Module<Tensor, Tensor, Tensor>
{
    /// <summary>W_O.</summary>
    public Linear dense;
    /// <summary>Post-norm.</summary>
    public LayerNorm LayerNorm;
    internal double dropout;

    /// <summary>
    /// The output of <paramref name="c"/>'s attention (or MLP, with <paramref name="inner"/> inputs).
    /// </summary>
    public BertSelfOutput(BertConfig c, long? inner = null, Device? device = null, ScalarType? dtype = null)
        : base(nameof(BertSelfOutput))
    {
        dense = nn.Linear(inner ?? c.HiddenSize, c.HiddenSize, true, device, dtype);
        LayerNorm = new LayerNorm(c.HiddenSize, c.LayerNormEps, device, dtype);
        dropout = c.HiddenDropoutProb;
        RegisterComponents();
    }

    /// <summary>LayerNorm(Dropout(dense(h)) + residual); dropout (hidden_dropout_prob) only in training mode.</summary>
    public override Tensor forward(Tensor h, Tensor residual) =>
        LayerNorm.call(residual + nn.functional.dropout(dense.call(h), dropout, training));
}

/// <summary>BERT's attention block: self-attention then its output projection with residual and LayerNorm.</summary>
public sealed class BertAttention : nn.Module<Tensor, Tensor>
{
    /// <summary>The self-attention ("attention.self").</summary>
    public BertSelfAttention self;
    /// <summary>dense + LayerNorm ("attention.output").</summary>
    public BertSelfOutput output;

    /// <summary>The attention block of <paramref name="c"/>.</summary>
    public BertAttention(BertConfig c, Device? device = null, ScalarType? dtype = null) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(c, device, dtype);
        output = new BertSelfOutput(c, null, device, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Forward(x, AttentionInputs.None);

    /// <summary>LayerNorm(x + W_O·Attention(x)).</summary>
    public Tensor Forward(Tensor x, AttentionInputs inputs) => output.call(self.Attend(x, inputs), x);
}

/// <summary>W₁ and the activation of BERT's MLP ("intermediate").</summary>
public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    /// <summary>H → I.</summary>
    public Linear dense;
    readonly bool tanh;

    /// <summary>The intermediate layer of <paramref name="c"/>.</summary>
    public BertIntermediate(BertConfig c, Device? device = null, ScalarType? dtype = null)
        : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(c.HiddenSize, c.IntermediateSize, true, device, dtype);
        tanh = c.TanhGelu;
        RegisterComponents();
    }

    /// <summary>GELU(W₁x + b₁).</summary>
    public override Tensor forward(Tensor x) => GeluMlp.Gelu(dense.call(x), tanh);
}

/// <summary>One BERT encoder layer (post-norm): h = LN(x + Attn(x)); y = LN(h + W₂·GELU(W₁h)).</summary>
public sealed class BertLayer : nn.Module<Tensor, Tensor>
{
    /// <summary>Attention with its output projection and norm.</summary>
    public BertAttention attention;
    /// <summary>W₁ + GELU.</summary>
    public BertIntermediate intermediate;
    /// <summary>W₂ + residual + LayerNorm.</summary>
    public BertSelfOutput output;

    /// <summary>A layer of <paramref name="c"/>.</summary>
    public BertLayer(BertConfig c, Device? device = null, ScalarType? dtype = null) : base(nameof(BertLayer))
    {
        attention = new BertAttention(c, device, dtype);
        intermediate = new BertIntermediate(c, device, dtype);
        output = new BertSelfOutput(c, c.IntermediateSize, device, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Forward(x, AttentionInputs.None);

    /// <summary>The layer with a padding mask.</summary>
    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        var h = attention.Forward(x, inputs);
        return output.call(intermediate.call(h), h);
    }
}

/// <summary>The stack of encoder layers ("encoder.layer.N").</summary>
public sealed class BertEncoder : nn.Module<Tensor, Tensor>
{
    /// <summary>The layers.</summary>
    public ModuleList<BertLayer> layer;

    /// <summary>The encoder of <paramref name="c"/>.</summary>
    public BertEncoder(BertConfig c, Device? device = null, ScalarType? dtype = null) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new BertLayer(c, device, dtype))
            .ToArray());
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>Runs every layer with the padding mask.</summary>
    public Tensor Forward(Tensor x, Tensor? attentionMask)
    {
        foreach (var l in layer) x = l.Forward(x, new AttentionInputs(attentionMask));
        return x;
    }
}

/// <summary>The pooler: tanh(W·h_[CLS]) — the sentence vector BERT's next-sentence head was trained on.</summary>
public sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    /// <summary>H → H.</summary>
    public Linear dense;

    /// <summary>The pooler of <paramref name="c"/>.</summary>
    public BertPooler(BertConfig c, Device? device = null, ScalarType? dtype = null) : base(nameof(BertPooler))
    {
        dense = nn.Linear(c.HiddenSize, c.HiddenSize, true, device, dtype);
        RegisterComponents();
    }

    /// <summary>hidden [B, T, H] → tanh(dense(hidden[:, 0])).</summary>
    public override Tensor forward(Tensor hidden) => torch.tanh(dense.call(hidden.select(1, 0)));
}

/// <summary>The BERT encoder (HF BertModel): embeddings, encoder, optional pooler.</summary>
public sealed class BertModel : nn.Module<Tensor, Tensor>
{
    /// <summary>Input embeddings.</summary>
    public BertEmbeddings embeddings;
    /// <summary>The layers.</summary>
    public BertEncoder encoder;
    /// <summary>The [CLS] pooler (null when built without it, as inside BertForMaskedLM).</summary>
    public BertPooler? pooler;

    /// <summary>A randomly initialised encoder (pass torch.META as device to build without memory).</summary>
    public BertModel(BertConfig config, bool addPoolingLayer = true, Device? device = null, ScalarType? dtype = null)
        : base(nameof(BertModel))
    {
        Runtime.TorchRuntime.EnsureLoaded();
        Config = config;
        embeddings = new BertEmbeddings(config, device, dtype);
        encoder = new BertEncoder(config, device, dtype);
        pooler = addPoolingLayer ? new BertPooler(config, device, dtype) : null;
        RegisterComponents();
    }

    /// <summary>The hyper-parameters (the dropout probabilities as built; see <see cref="SetDropout"/>).</summary>
    public BertConfig Config { get; }

    /// <summary>Changes the dropout probabilities of every layer (hidden_dropout_prob, attention_probs_dropout_prob),
    /// e.g. to pretrain without dropout and fine-tune with it, as setting <c>p</c> on each <c>nn.Dropout</c> does in
    /// PyTorch.</summary>
    public void SetDropout(double hidden, double attention)
    {
        if (hidden is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "a dropout probability lies in [0, 1)");
        if (attention is < 0 or >= 1)
            throw new ArgumentOutOfRangeException(nameof(attention), attention, "a dropout probability lies in [0, 1)");
        embeddings.dropout = hidden;
        foreach (var l in encoder.layer)
        {
            l.attention.self.dropout = attention;
            l.attention.output.dropout = hidden;
            l.output.dropout = hidden;
        }
    }
    /// <summary>The self-attention of every layer.</summary>
    public IReadOnlyList<ISelfAttention> AttentionLayers =>
        encoder.layer.Select(l => (ISelfAttention)l.attention.self).ToList();

    /// <inheritdoc/>
    public override Tensor forward(Tensor ids) => Forward(ids);

    /// <summary>ids [B, T] (+ attention mask [B, T], token types) → last hidden states [B, T, H].</summary>
    public Tensor Forward(Tensor ids, Tensor? attentionMask = null, Tensor? tokenTypes = null) =>
        encoder.Forward(embeddings.Forward(ids, tokenTypes), attentionMask);

    /// <summary>Mean pooling over real tokens: Σ_t mask_t·h_t / Σ_t mask_t — sentence-transformers' default.</summary>
    public static Tensor MeanPool(Tensor hidden, Tensor attentionMask)
    {
        var m = attentionMask.to(hidden.dtype).unsqueeze(-1);
        return (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9);
    }

    /// <summary>
    /// Loads HF BERT weights; keys with a "bert." prefix (saved from BertForMaskedLM etc.) are accepted.
    /// </summary>
    public LoadReport Load(ITensorSource source) =>
        StateDict.Load(this, source,
            k => k.StartsWith("bert.", StringComparison.Ordinal) ? k[5..]
                : k.StartsWith("cls.", StringComparison.Ordinal) ? null : k);

    /// <summary>Token ids and attention mask [B, T] of <paramref name="texts"/>: each with [CLS]/[SEP], cut to
    /// <paramref name="maxLength"/> tokens, padded to the longest with the tokenizer's [PAD].</summary>
    public static (Tensor Ids, Tensor Mask) Batch(BertTokenizer tokenizer, IReadOnlyList<string> texts, int maxLength)
    {
        var encoded = texts.Select(s => tokenizer.EncodeToIds(s, addSpecialTokens: true).Take(maxLength).ToArray())
            .ToList();
        int t = encoded.Max(e => e.Length);
        var ids = new long[encoded.Count * t];
        var mask = new long[encoded.Count * t];
        Array.Fill(ids, tokenizer.PaddingTokenId);
        for (int i = 0; i < encoded.Count; i++)
            for (int j = 0; j < encoded[i].Length; j++)
            {
                ids[i * t + j] = encoded[i][j];
                mask[i * t + j] = 1;
            }
        return (torch.tensor(ids, new long[] { encoded.Count, t }),
            torch.tensor(mask, new long[] { encoded.Count, t }));
    }

    /// <summary>Sentence embeddings: tokenize with [CLS]/[SEP], pad, run, mean-pool over the attention mask,
    /// L2-normalise. Returns [N, H].</summary>
    public Tensor EncodeSentences(BertTokenizer tokenizer, IReadOnlyList<string> sentences, int maxLength = 256,
        bool normalize = true)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var (idT, maskT) = Batch(tokenizer, sentences, maxLength);
        var pooled = MeanPool(Forward(idT, maskT), maskT);
        if (normalize) pooled = nn.functional.normalize(pooled, p: 2, dim: 1);
        return pooled.MoveToOuterDisposeScope();
    }
}

/// <summary>The MLM head's transform: LayerNorm(GELU(dense(h))).</summary>
public sealed class BertPredictionHeadTransform : nn.Module<Tensor, Tensor>
{
    /// <summary>H → H.</summary>
    public Linear dense;
    /// <summary>LayerNorm.</summary>
    public LayerNorm LayerNorm;
    readonly bool tanh;

    /// <summary>The transform of <paramref name="c"/>.</summary>
    public BertPredictionHeadTransform(BertConfig c, Device? device = null, ScalarType? dtype = null)
        : base(nameof(BertPredictionHeadTransform))
    {
        dense = nn.Linear(c.HiddenSize, c.HiddenSize, true, device, dtype);
        LayerNorm = new LayerNorm(c.HiddenSize, c.LayerNormEps, device, dtype);
        tanh = c.TanhGelu;
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor h) => LayerNorm.call(GeluMlp.Gelu(dense.call(h), tanh));
}

/// <summary>Masked-LM prediction head: transform, then the decoder tied to the word embeddings, plus a bias.</summary>
public sealed class BertLMPredictionHead : nn.Module<Tensor, Tensor>
{
    /// <summary>dense + GELU + LayerNorm.</summary>
    public BertPredictionHeadTransform transform;
    /// <summary>H → V, weight shared with embeddings.word_embeddings, bias shared with <see cref="bias"/>.</summary>
    public Linear decoder;
    /// <summary>Per-token output bias [V].</summary>
    public Parameter bias;

    /// <summary>
    /// The head of <paramref name="c"/>; <paramref name="wordEmbeddings"/> is the tied decoder weight.
    /// </summary>
    public BertLMPredictionHead(BertConfig c, Parameter wordEmbeddings, Device? device = null, ScalarType? dtype = null)
        : base(nameof(BertLMPredictionHead))
    {
        transform = new BertPredictionHeadTransform(c, device, dtype);
        decoder = nn.Linear(c.HiddenSize, c.VocabSize, false, device, dtype);
        decoder.weight = wordEmbeddings;
        bias = new Parameter(torch.zeros(new long[] { c.VocabSize }, dtype: dtype, device: device));
        decoder.bias = bias;
        RegisterComponents();
    }

    /// <summary>h [B, T, H] → vocabulary logits [B, T, V].</summary>
    public override Tensor forward(Tensor h) => decoder.call(transform.call(h));
}

/// <summary>The "cls" wrapper of HF's BertOnlyMLMHead.</summary>
public sealed class BertOnlyMLMHead : nn.Module<Tensor, Tensor>
{
    /// <summary>The prediction head.</summary>
    public BertLMPredictionHead predictions;

    /// <summary>Wraps the head.</summary>
    public BertOnlyMLMHead(BertConfig c, Parameter wordEmbeddings, Device? device = null, ScalarType? dtype = null)
        : base(nameof(BertOnlyMLMHead))
    {
        predictions = new BertLMPredictionHead(c, wordEmbeddings, device, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor h) => predictions.call(h);
}

/// <summary>BERT with its masked-language-model head (HF BertForMaskedLM; the encoder has no pooler).</summary>
public sealed class BertForMaskedLM : nn.Module<Tensor, Tensor>
{
    /// <summary>The encoder.</summary>
    public BertModel bert;
    /// <summary>The MLM head.</summary>
    public BertOnlyMLMHead cls;

    /// <summary>A randomly initialised BERT MLM.</summary>
    public BertForMaskedLM(BertConfig config, Device? device = null, ScalarType? dtype = null)
        : base(nameof(BertForMaskedLM))
    {
        bert = new BertModel(config, addPoolingLayer: false, device, dtype);
        cls = new BertOnlyMLMHead(config, bert.embeddings.word_embeddings.weight, device, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor ids) => Forward(ids);

    /// <summary>ids [B, T] → logits [B, T, V] for every position (read the [MASK] positions).</summary>
    public Tensor Forward(Tensor ids, Tensor? attentionMask = null, Tensor? tokenTypes = null) =>
        cls.call(bert.Forward(ids, attentionMask, tokenTypes));

    /// <summary>Loads HF BertForMaskedLM weights.</summary>
    public LoadReport Load(ITensorSource source) => StateDict.Load(this, source);
}
