using CourseWorkbook.Models;
using CourseWorkbook.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Clip;

/// <summary>CLIP's multi-head self-attention (HF CLIPAttention: q_proj, k_proj, v_proj, out_proj, all with biases),
/// causal for the text tower, bidirectional for the image tower; the equation is the zoo's
/// <see cref="Attention.ScaledDotProduct"/>.</summary>
public sealed class ClipAttention : nn.Module<Tensor, Tensor>
{
    /// <summary>W_Q, W_K, W_V, W_O.</summary>
    public Linear q_proj, k_proj, v_proj, out_proj;

    /// <summary>Attention over <paramref name="dim"/>-wide tokens with <paramref name="heads"/> heads.</summary>
    public ClipAttention(long dim, int heads, Device? device = null) : base(nameof(ClipAttention))
    {
        NumHeads = heads;
        q_proj = nn.Linear(dim, dim, true, device);
        k_proj = nn.Linear(dim, dim, true, device);
        v_proj = nn.Linear(dim, dim, true, device);
        out_proj = nn.Linear(dim, dim, true, device);
        RegisterComponents();
    }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Attention probabilities [B, H, T, T] of the last call (with <see cref="CaptureWeights"/>).</summary>
    public Tensor? LastWeights { get; private set; }

    /// <summary>Keep the attention probabilities of each call.</summary>
    public bool CaptureWeights { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Attend(x, null);

    /// <summary>x [B, T, d] → [B, T, d]; <paramref name="allowed"/> (bool, broadcastable to [B, H, T, T]) says which
    /// key each query may see.</summary>
    public Tensor Attend(Tensor x, Tensor? allowed)
    {
        long b = x.shape[0], t = x.shape[1], d = x.shape[2], hd = d / NumHeads;
        Tensor Heads(Tensor z) => z.view(b, t, NumHeads, hd).transpose(1, 2);
        var y = Attention.ScaledDotProduct(Heads(q_proj.call(x)), Heads(k_proj.call(x)), Heads(v_proj.call(x)),
            allowed, out var weights);
        if (CaptureWeights) { LastWeights?.Dispose(); LastWeights = weights.detach().DetachFromDisposeScope(); }
        return out_proj.call(y.transpose(1, 2).reshape(b, t, d));
    }
}

/// <summary>CLIP's MLP: fc2(act(fc1(x))), act = quick-GELU x·σ(1.702x) in OpenAI's checkpoints (a cheap
/// GELU).</summary>
public sealed class ClipMlp : nn.Module<Tensor, Tensor>
{
    /// <summary>d → intermediate and back.</summary>
    public Linear fc1, fc2;
    readonly bool quick;

    /// <summary>The MLP of a tower.</summary>
    public ClipMlp(ClipTowerConfig c, Device? device = null) : base(nameof(ClipMlp))
    {
        fc1 = nn.Linear(c.HiddenSize, c.IntermediateSize, true, device);
        fc2 = nn.Linear(c.IntermediateSize, c.HiddenSize, true, device);
        quick = c.HiddenAct == "quick_gelu";
        RegisterComponents();
    }

    /// <summary>quick-GELU(x) = x·σ(1.702·x).</summary>
    public static Tensor QuickGelu(Tensor x) => x * torch.sigmoid(1.702 * x);

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        var h = fc1.call(x);
        return fc2.call(quick ? QuickGelu(h) : nn.functional.gelu(h));
    }
}

/// <summary>A pre-norm transformer layer with HF CLIP's names: h = x + Attn(LN₁(x)); y = h + MLP(LN₂(h)).
/// The zoo's <see cref="TransformerBlock"/> computes the same thing under GPT-2's names (ln_1, attn);
/// this class keeps CLIP's (layer_norm1, self_attn) so that checkpoints load by name.</summary>
public sealed class ClipEncoderLayer : nn.Module<Tensor, Tensor>
{
    /// <summary>The norms before attention and before the MLP.</summary>
    public Models.LayerNorm layer_norm1, layer_norm2;
    /// <summary>Self-attention.</summary>
    public ClipAttention self_attn;
    /// <summary>The MLP.</summary>
    public ClipMlp mlp;

    /// <summary>A layer of a tower.</summary>
    public ClipEncoderLayer(ClipTowerConfig c, Device? device = null) : base(nameof(ClipEncoderLayer))
    {
        layer_norm1 = new Models.LayerNorm(c.HiddenSize, c.LayerNormEps, device);
        self_attn = new ClipAttention(c.HiddenSize, c.NumAttentionHeads, device);
        layer_norm2 = new Models.LayerNorm(c.HiddenSize, c.LayerNormEps, device);
        mlp = new ClipMlp(c, device);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>The layer with an attention mask (see <see cref="ClipAttention.Attend"/>).</summary>
    public Tensor Forward(Tensor x, Tensor? allowed)
    {
        var h = x + self_attn.Attend(layer_norm1.call(x), allowed);
        return h + mlp.call(layer_norm2.call(h));
    }
}

/// <summary>The stack of layers ("encoder.layers.N").</summary>
public sealed class ClipEncoder : nn.Module<Tensor, Tensor>
{
    /// <summary>The layers.</summary>
    public ModuleList<ClipEncoderLayer> layers;

    /// <summary>The layers of a tower.</summary>
    public ClipEncoder(ClipTowerConfig c, Device? device = null) : base(nameof(ClipEncoder))
    {
        var list = Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new ClipEncoderLayer(c, device)).ToArray();
        layers = nn.ModuleList(list);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x) => Forward(x, null);

    /// <summary>Every layer in turn, with the same mask.</summary>
    public Tensor Forward(Tensor x, Tensor? allowed)
    {
        foreach (var layer in layers) x = layer.Forward(x, allowed);
        return x;
    }
}

/// <summary>Token + learned position embeddings of the text tower.</summary>
public sealed class ClipTextEmbeddings : nn.Module<Tensor, Tensor>
{
    /// <summary>[V, d] and [P, d].</summary>
    public TokenEmbedding token_embedding, position_embedding;

    /// <summary>The text embeddings.</summary>
    public ClipTextEmbeddings(ClipTowerConfig c, Device? device = null) : base(nameof(ClipTextEmbeddings))
    {
        token_embedding = new TokenEmbedding(c.VocabSize, c.HiddenSize, device);
        position_embedding = new TokenEmbedding(c.MaxPositionEmbeddings, c.HiddenSize, device);
        RegisterComponents();
    }

    /// <summary>ids [B, T] → [B, T, d].</summary>
    public override Tensor forward(Tensor ids) =>
        token_embedding.call(ids) + position_embedding.call(torch.arange(ids.shape[1], device: ids.device));
}

/// <summary>CLIP's text tower: a causal (GPT-like) transformer read out at the end-of-text token.</summary>
public sealed class ClipTextTransformer : nn.Module<Tensor, Tensor>
{
    /// <summary>Embeddings.</summary>
    public ClipTextEmbeddings embeddings;
    /// <summary>The layers.</summary>
    public ClipEncoder encoder;
    /// <summary>The norm after the last layer.</summary>
    public Models.LayerNorm final_layer_norm;
    readonly ClipTowerConfig config;

    /// <summary>The text tower of <paramref name="c"/>.</summary>
    public ClipTextTransformer(ClipTowerConfig c, Device? device = null) : base(nameof(ClipTextTransformer))
    {
        config = c;
        embeddings = new ClipTextEmbeddings(c, device);
        encoder = new ClipEncoder(c, device);
        final_layer_norm = new Models.LayerNorm(c.HiddenSize, c.LayerNormEps, device);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor ids) => Pooled(ids, null);

    /// <summary>ids [B, T] (+ attention mask [B, T], 1 = token) → the pooled output [B, d]: the final hidden state
    /// at each row's end-of-text token. As Hugging Face does for OpenAI's vocabulary (eos_token_id 2 in their
    /// config.json, a legacy value), that token is found as the argmax of the ids — &lt;|endoftext|&gt; has the
    /// largest id; with another eos_token_id, it is that id's first occurrence.</summary>
    public Tensor Pooled(Tensor ids, Tensor? attentionMask)
    {
        long t = ids.shape[1];
        if (t > config.MaxPositionEmbeddings)
            throw new ArgumentException(
                $"{t} tokens is more than the {config.MaxPositionEmbeddings} positions of the text tower");
        var allowed = Attention.And(Attention.CausalMask(t, t, ids.device),
            attentionMask is null ? null : Attention.PaddingMask(attentionMask));
        var hidden = final_layer_norm.call(encoder.Forward(embeddings.call(ids), allowed));
        var eos = config.EosTokenId == 2 ? ids.argmax(1) : ids.eq(config.EosTokenId).to(ScalarType.Int32).argmax(1);
        return hidden[torch.arange(ids.shape[0], device: ids.device), eos];
    }
}

/// <summary>The image tower's input: the image cut into patches (a convolution with stride = kernel = patch size),
/// each patch a token, a learned class token in front, learned positions added.</summary>
public sealed class ClipVisionEmbeddings : nn.Module<Tensor, Tensor>
{
    /// <summary>The class token [d].</summary>
    public Parameter class_embedding;
    /// <summary>Conv2d(channels → d, kernel = stride = patch), no bias.</summary>
    public Conv2d patch_embedding;
    /// <summary>[patches + 1, d].</summary>
    public TokenEmbedding position_embedding;

    /// <summary>The vision embeddings.</summary>
    public ClipVisionEmbeddings(ClipTowerConfig c, Device? device = null) : base(nameof(ClipVisionEmbeddings))
    {
        class_embedding = new Parameter(torch.randn(c.HiddenSize, device: device) * Math.Pow(c.HiddenSize, -0.5));
        patch_embedding = nn.Conv2d(c.NumChannels, c.HiddenSize, c.PatchSize, stride: c.PatchSize, bias: false,
            device: device);
        position_embedding = new TokenEmbedding(c.NumPositions, c.HiddenSize, device);
        RegisterComponents();
    }

    /// <summary>pixels [B, C, H, W] → tokens [B, 1 + patches, d].</summary>
    public override Tensor forward(Tensor pixels)
    {
        var patches = patch_embedding.call(pixels).flatten(2).transpose(1, 2);       // [B, N, d]
        var cls = class_embedding.expand(pixels.shape[0], 1, -1);
        var x = torch.cat([cls, patches], 1);
        return x + position_embedding.call(torch.arange(x.shape[1], device: pixels.device));
    }
}

/// <summary>CLIP's image tower, a Vision Transformer: embeddings, pre_layrnorm (sic, HF's spelling), the layers,
/// and post_layernorm of the class token's final state.</summary>
public sealed class ClipVisionTransformer : nn.Module<Tensor, Tensor>
{
    /// <summary>Patches, class token, positions.</summary>
    public ClipVisionEmbeddings embeddings;
    /// <summary>The norm before the first layer.</summary>
    public Models.LayerNorm pre_layrnorm;
    /// <summary>The layers (bidirectional attention).</summary>
    public ClipEncoder encoder;
    /// <summary>The norm of the pooled class token.</summary>
    public Models.LayerNorm post_layernorm;

    /// <summary>The vision tower of <paramref name="c"/>.</summary>
    public ClipVisionTransformer(ClipTowerConfig c, Device? device = null) : base(nameof(ClipVisionTransformer))
    {
        embeddings = new ClipVisionEmbeddings(c, device);
        pre_layrnorm = new Models.LayerNorm(c.HiddenSize, c.LayerNormEps, device);
        encoder = new ClipEncoder(c, device);
        post_layernorm = new Models.LayerNorm(c.HiddenSize, c.LayerNormEps, device);
        RegisterComponents();
    }

    /// <summary>pixels [B, C, H, W] → the pooled output [B, d].</summary>
    public override Tensor forward(Tensor pixels)
    {
        var hidden = encoder.call(pre_layrnorm.call(embeddings.call(pixels)));
        return post_layernorm.call(hidden.select(1, 0));
    }
}

/// <summary>What CLIP computes for a batch of images and texts (HF CLIPOutput): the scaled cosine similarities both
/// ways and the normalised embeddings.</summary>
public sealed record ClipOutput(Tensor LogitsPerImage, Tensor LogitsPerText, Tensor ImageEmbeds, Tensor TextEmbeds);

/// <summary>
/// CLIP (Radford et al. 2021), with Hugging Face's module and parameter names so that a CLIPModel checkpoint loads
/// by name: a text tower and an image tower, each projected linearly (no bias) into one joint space where matching
/// image–caption pairs have the highest cosine. logits_per_image = exp(logit_scale)·imageᵀtext.
/// </summary>
public sealed class ClipModel : nn.Module<Tensor, Tensor, ClipOutput>
{
    /// <summary>The text transformer.</summary>
    public ClipTextTransformer text_model;
    /// <summary>The vision transformer.</summary>
    public ClipVisionTransformer vision_model;
    /// <summary>Image pooled output → joint space (no bias).</summary>
    public Linear visual_projection;
    /// <summary>Text pooled output → joint space (no bias).</summary>
    public Linear text_projection;
    /// <summary>s with 1/τ = exp(s), a scalar parameter learned with the rest.</summary>
    public Parameter logit_scale;

    /// <summary>CLIP of <paramref name="config"/>, on <paramref name="device"/> (use the meta device to count
    /// parameters without allocating).</summary>
    public ClipModel(ClipConfig config, Device? device = null) : base(nameof(ClipModel))
    {
        Runtime.TorchRuntime.EnsureLoaded();
        Config = config;
        text_model = new ClipTextTransformer(config.Text, device);
        vision_model = new ClipVisionTransformer(config.Vision, device);
        visual_projection = nn.Linear(config.Vision.HiddenSize, config.ProjectionDim, false, device);
        text_projection = nn.Linear(config.Text.HiddenSize, config.ProjectionDim, false, device);
        logit_scale = new Parameter(torch.tensor((float)config.LogitScaleInitValue, device: device));
        RegisterComponents();
    }

    /// <summary>The configuration.</summary>
    public ClipConfig Config { get; }

    /// <summary>Image embeddings [B, P] (not normalised), HF get_image_features.</summary>
    public Tensor GetImageFeatures(Tensor pixels) => visual_projection.call(vision_model.call(pixels));

    /// <summary>Text embeddings [B, P] (not normalised), HF get_text_features.</summary>
    public Tensor GetTextFeatures(Tensor ids, Tensor? attentionMask = null) =>
        text_projection.call(text_model.Pooled(ids, attentionMask));

    /// <inheritdoc/>
    public override ClipOutput forward(Tensor pixels, Tensor ids) => Forward(pixels, ids, null);

    /// <summary>Both towers, normalised, compared: logits_per_image [images, texts] and its transpose.</summary>
    public ClipOutput Forward(Tensor pixels, Tensor ids, Tensor? attentionMask)
    {
        var image = nn.functional.normalize(GetImageFeatures(pixels), p: 2, dim: 1);
        var text = nn.functional.normalize(GetTextFeatures(ids, attentionMask), p: 2, dim: 1);
        var logitsPerText = torch.matmul(text, image.t()) * logit_scale.exp();
        return new ClipOutput(logitsPerText.t(), logitsPerText, image, text);
    }

    /// <summary>Loads a CLIPModel safetensors checkpoint by name (position_ids buffers of older checkpoints are
    /// ignored); the report lists what was missing or unexpected.</summary>
    public LoadReport Load(string safetensorsPath)
    {
        using var file = SafeTensorsFile.Open(safetensorsPath);
        return StateDict.Load(this, TensorSource.From(file));
    }

    /// <summary>Writes the parameters as safetensors under their HF names (atomically).</summary>
    public void Save(string safetensorsPath, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafeTensorsFile.Save(safetensorsPath, state_dict(), metadata);

    /// <summary>Builds a model from a folder holding config.json and model.safetensors and loads it; throws if a
    /// parameter is missing or has the wrong shape.</summary>
    public static ClipModel FromFolder(string folder)
    {
        var model = new ClipModel(ClipConfig.FromFile(Path.Combine(folder, "config.json")));
        model.Load(Path.Combine(folder, "model.safetensors")).ThrowIfIncomplete();
        model.eval();
        return model;
    }
}
