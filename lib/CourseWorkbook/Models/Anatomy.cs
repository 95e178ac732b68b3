using Microsoft.Data.Analysis;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>One parameter of a model: HF name, shape, dtype, element count and the component it belongs to.</summary>
public sealed record ParameterRow(string Name, string Shape, string DType, long Count, string Component);

/// <summary>Parameters per component (embeddings, attention, MLP, norms, head).</summary>
public sealed record ComponentRow(string Component, long Parameters, double Percent);

/// <summary>The answers to "what kind of transformer is this?", read off a built model.</summary>
public sealed record ArchitectureFacts(string Family, int Layers, long HiddenSize, int Heads, int KvHeads, int HeadDim,
    long IntermediateSize, long VocabSize, string NormType, string NormPlacement, string Activation,
    string PositionalScheme, bool TiedEmbeddings, long Parameters);

/// <summary>Attention probabilities of one layer for one sequence: Weights[head, query, key].</summary>
public sealed record AttentionMap(int Layer, IReadOnlyList<string> Tokens, float[,,] Weights)
{
    /// <summary>Number of heads.</summary>
    public int Heads => Weights.GetLength(0);

    /// <summary>One head's [query, key] weights, ready for <c>Plot.Heatmap</c>.</summary>
    public double[,] Head(int h)
    {
        int queries = Weights.GetLength(1), keys = Weights.GetLength(2);
        var grid = new double[queries, keys];
        for (int q = 0; q < queries; q++)
            for (int k = 0; k < keys; k++) grid[q, k] = Weights[h, q, k];
        return grid;
    }
}

/// <summary>
/// Looking inside a model: its parameters as a table, where they sit, its architecture facts, its attention.
/// </summary>
public static class Anatomy
{
    /// <summary>The component a parameter name belongs to (HF naming of GPT-2, Llama/Qwen2 and BERT).</summary>
    public static string ComponentOf(string name)
    {
        if (name.Contains("norm", StringComparison.OrdinalIgnoreCase) || name.Contains(".ln_", StringComparison.Ordinal)
            || name.StartsWith("ln_", StringComparison.Ordinal)
            || name.Contains("LayerNorm", StringComparison.Ordinal)) return "Norms";
        if (name.StartsWith("lm_head", StringComparison.Ordinal) || name.StartsWith("cls.", StringComparison.Ordinal)
            || name.Contains("pooler", StringComparison.Ordinal)) return "Head";
        if (name.Contains("embed", StringComparison.Ordinal) || name.Contains("wte", StringComparison.Ordinal)
            || name.Contains("wpe", StringComparison.Ordinal)) return "Embeddings";
        if (name.Contains("attn", StringComparison.Ordinal)
            || name.Contains("attention", StringComparison.Ordinal)) return "Attention";
        if (name.Contains("mlp", StringComparison.Ordinal) || name.Contains("intermediate", StringComparison.Ordinal)
            || name.Contains("output.dense", StringComparison.Ordinal)) return "MLP";
        return "Other";
    }

    /// <summary>named_parameters as rows (tied weights listed once, under their first name).</summary>
    public static IReadOnlyList<ParameterRow> Parameters(nn.Module model) =>
        model.named_parameters().Select(p => new ParameterRow(p.name, "[" + string.Join(", ", p.parameter.shape) + "]",
            p.parameter.dtype.ToString(), p.parameter.numel(), ComponentOf(p.name))).ToList();

    /// <summary>named_parameters as a DataFrame with columns Name, Shape, DType, Count, Component.</summary>
    public static DataFrame ParameterTable(nn.Module model)
    {
        var rows = Parameters(model);
        return new DataFrame(
            new StringDataFrameColumn("Name", rows.Select(r => r.Name)),
            new StringDataFrameColumn("Shape", rows.Select(r => r.Shape)),
            new StringDataFrameColumn("DType", rows.Select(r => r.DType)),
            new PrimitiveDataFrameColumn<long>("Count", rows.Select(r => r.Count)),
            new StringDataFrameColumn("Component", rows.Select(r => r.Component)));
    }

    /// <summary>Parameters summed per component, largest first, with percentages.</summary>
    public static IReadOnlyList<ComponentRow> Breakdown(nn.Module model)
    {
        var rows = Parameters(model);
        double total = rows.Sum(r => r.Count);
        return rows.GroupBy(r => r.Component)
            .Select(g => new ComponentRow(g.Key, g.Sum(r => r.Count), 100.0 * g.Sum(r => r.Count) / total))
            .OrderByDescending(r => r.Parameters).ToList();
    }

    /// <summary>
    /// Reads the architecture off the built model's modules and weights (not off a hard-coded table).
    /// </summary>
    public static ArchitectureFacts Describe(nn.Module model)
    {
        var modules = model.named_modules().Select(m => m.module).ToList();
        var parameters = model.named_parameters().ToList();
        var attn = modules.OfType<ISelfAttention>().ToList();
        var embedding = modules.OfType<TokenEmbedding>().First();
        int heads = attn.FirstOrDefault() switch
        {
            MultiHeadAttention m => m.NumHeads,
            Gpt2Attention g => g.NumHeads,
            BertSelfAttention b => b.NumHeads,
            _ => 0,
        };
        int kvHeads = attn.FirstOrDefault() is MultiHeadAttention mq ? mq.NumKvHeads : heads;
        long hidden = embedding.weight.shape[1];
        int headDim = attn.FirstOrDefault() is MultiHeadAttention mh ? mh.HeadDim
            : heads == 0 ? 0 : (int)(hidden / heads);
        long inter = modules.OfType<SwiGlu>().Select(s => s.gate_proj.weight.shape[0])
            .Concat(modules.OfType<GeluMlp>()
                .Select(g => g.c_fc is Conv1D c ? c.weight.shape[1] : ((Linear)g.c_fc).weight.shape[0]))
            .Concat(modules.OfType<BertIntermediate>().Select(b => b.dense.weight.shape[0])).FirstOrDefault();
        string norm = modules.OfType<RmsNorm>().Any() ? "RMSNorm"
            : modules.OfType<LayerNorm>().Any() ? "LayerNorm" : "none";
        string placement = modules.OfType<TransformerBlock>().FirstOrDefault()?.Placement.ToString()
            ?? (modules.OfType<LlamaDecoderLayer>().Any() ? "Pre" : modules.OfType<BertLayer>().Any() ? "Post" : "?");
        string activation = modules.OfType<SwiGlu>().Any() ? "SwiGLU (SiLU-gated)"
            : modules.OfType<GeluMlp>().FirstOrDefault() is { } gm
                ? (gm.TanhApproximation ? "GELU (tanh approximation)" : "GELU")
            : modules.OfType<BertIntermediate>().Any() ? "GELU" : "?";
        string positions = modules.OfType<RotaryEmbedding>().FirstOrDefault() is { } rope
            ? $"RoPE ({(rope.Layout == RopeLayout.HalfSplit ? "half-split" : "adjacent pairs")}, θ = {rope.Theta:G})"
            : modules.OfType<SinusoidalPositionalEncoding>().Any() ? "sinusoidal"
            : parameters.Any(p => p.name.EndsWith("wpe.weight") || p.name.EndsWith("position_embeddings.weight"))
                ? "learned absolute" : "none";
        var tokenWeight = embedding.weight.Handle;
        bool tied = modules.OfType<Linear>().Any(l => l.weight.Handle == tokenWeight);
        long vocab = embedding.weight.shape[0];
        string family = model switch
        {
            LlamaForCausalLM l => l.Config.ModelType,
            Gpt2LMHeadModel => "gpt2",
            BertModel or BertForMaskedLM => "bert",
            _ => model.GetName(),
        };
        return new ArchitectureFacts(family, attn.Count, hidden, heads, kvHeads, headDim, inter, vocab, norm, placement,
            activation, positions, tied, ParameterCounts.Count(model));
    }

    /// <summary>The attention probabilities of layer <paramref name="layer"/> when <paramref name="model"/> reads
    /// <paramref name="ids"/> (one sequence); <paramref name="tokens"/> labels the axes.</summary>
    public static AttentionMap AttentionOf(ICausalLanguageModel model, IReadOnlyList<int> ids, int layer,
        IReadOnlyList<string>? tokens = null) =>
        Capture(model.AttentionLayers, layer, ids, tokens, input => model.Logits(input));

    /// <summary>The attention probabilities of a BERT layer.</summary>
    public static AttentionMap AttentionOf(BertModel model, IReadOnlyList<int> ids, int layer,
        IReadOnlyList<string>? tokens = null) =>
        Capture(model.AttentionLayers, layer, ids, tokens, input => model.Forward(input));

    static AttentionMap Capture(IReadOnlyList<ISelfAttention> layers, int layer, IReadOnlyList<int> ids,
        IReadOnlyList<string>? tokens, Func<Tensor, Tensor> run)
    {
        Runtime.TorchRuntime.EnsureLoaded();
        if (layer < 0 || layer >= layers.Count)
            throw new ArgumentOutOfRangeException(nameof(layer), $"the model has {layers.Count} layers");
        var target = layers[layer];
        target.CaptureWeights = true;
        try
        {
            using var scope = torch.NewDisposeScope();
            using var _ = torch.no_grad();
            run(torch.tensor(ids.Select(i => (long)i).ToArray(), new long[] { 1, ids.Count }));
            var w = target.LastWeights![0].to(ScalarType.Float32).contiguous();
            long h = w.shape[0], q = w.shape[1], k = w.shape[2];
            var flat = w.data<float>().ToArray();
            var result = new float[h, q, k];
            Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(float));
            return new AttentionMap(layer, tokens ?? ids.Select(i => i.ToString()).ToList(), result);
        }
        finally { target.CaptureWeights = false; }
    }
}
