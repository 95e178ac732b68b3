using System.Text.Json.Nodes;
using CourseWorkbook.Models;
using CourseWorkbook.Tokenization;
using CourseWorkbook.Weights;
using TorchSharp;

namespace CourseWorkbook.Embeddings;

/// <summary>Whether a pretrained encoder could be loaded, and why not when it could not.</summary>
/// <param name="ModelId">The Hugging Face id looked up.</param>
/// <param name="Encoder">The encoder, or null when its files are absent.</param>
/// <param name="Message">What was loaded, or which file was missing and where it was searched.</param>
/// <param name="Downloaded">True when the files were downloaded for this call (a NuGet package restored on demand).
/// </param>
public sealed record PretrainedEncoderLookup(string ModelId, WorkbookEncoder? Encoder, string Message,
    bool Downloaded = false);

/// <summary>
/// The course's real pair for practical 02 — distilbert-base-uncased (a vanilla MLM encoder) and a BGE model
/// (contrastively trained) — loaded from local files through the model store (models folder or Hugging Face cache),
/// never waiting on the network.
/// </summary>
public static class PretrainedEncoders
{
    /// <summary>The vanilla MLM encoder of the course.</summary>
    public const string DistilBert = "distilbert-base-uncased";
    /// <summary>The contrastively trained encoder of the course (BERT architecture, [CLS] pooling).</summary>
    public const string Bge = "BAAI/bge-small-en-v1.5";

    /// <summary>
    /// Loads <paramref name="modelId"/> (config.json, vocab.txt, model.safetensors) if all three are found locally.
    /// </summary>
    public static PretrainedEncoderLookup TryLoad(string modelId, ModelStore? store = null)
    {
        store ??= new ModelStore();
        var files = new[] { "config.json", "vocab.txt", "model.safetensors" }.Select(f => store.Resolve(modelId, f))
            .ToArray();
        if (files.FirstOrDefault(f => !f.Found) is { } missing)
            return new PretrainedEncoderLookup(modelId, null,
                $"{modelId}: {missing.FileName} absent (searched {string.Join("; ", missing.Searched)})");
        var json = JsonNode.Parse(File.ReadAllText(files[0].Path!))!.AsObject();
        bool distil = json["model_type"]?.GetValue<string>() == "distilbert";
        var config = distil
            ? new BertConfig(VocabSize: json["vocab_size"]!.GetValue<int>(), HiddenSize: json["dim"]!.GetValue<int>(),
                NumHiddenLayers: json["n_layers"]!.GetValue<int>(), NumAttentionHeads: json["n_heads"]!.GetValue<int>(),
                IntermediateSize: json["hidden_dim"]!.GetValue<int>(),
                MaxPositionEmbeddings: json["max_position_embeddings"]!.GetValue<int>())
            : BertConfig.FromJson(json.ToJsonString());
        var model = new BertModel(config, addPoolingLayer: false);
        using (var file = SafeTensorsFile.Open(files[2].Path!))
        {
            if (distil)
            {
                // DistilBERT has no segment embedding: zero it so BERT's sum of embeddings equals DistilBERT's.
                using (torch.no_grad()) model.embeddings.token_type_embeddings.weight.zero_();
                var report = StateDict.Load(model, TensorSource.From(file), DistilBertKey);
                if (report.Missing.Any(k => !k.Contains("token_type_embeddings")) || report.Mismatched.Count > 0)
                    report.ThrowIfIncomplete();
            }
            else model.Load(TensorSource.From(file)).ThrowIfIncomplete();
        }
        model.eval();
        var encoder = new WorkbookEncoder(modelId, model, Tokenizers.Bert(files[1].Path!), 128,
            distil ? Pooling.Mean : Pooling.Cls);
        return new PretrainedEncoderLookup(modelId, encoder,
            $"{modelId}: loaded from {Path.GetDirectoryName(files[2].Path)}");
    }

    /// <summary>
    /// DistilBERT's parameter names → BERT's (same post-norm layer; q_lin → query, sa_layer_norm →
    /// attention.output.LayerNorm, ...).
    /// </summary>
    public static string? DistilBertKey(string key)
    {
        if (key.StartsWith("distilbert.", StringComparison.Ordinal)) key = key["distilbert.".Length..];
        if (key.StartsWith("vocab_", StringComparison.Ordinal)) return null;   // the MLM head
        if (!key.StartsWith("transformer.layer.", StringComparison.Ordinal)) return key;
        var rest = key["transformer.layer.".Length..];
        int dot = rest.IndexOf('.');
        var (layer, name) = (rest[..dot], rest[(dot + 1)..]);
        string mapped = name
            .Replace("attention.q_lin.", "attention.self.query.").Replace("attention.k_lin.", "attention.self.key.")
            .Replace("attention.v_lin.", "attention.self.value.")
            .Replace("attention.out_lin.", "attention.output.dense.")
            .Replace("sa_layer_norm.", "attention.output.LayerNorm.").Replace("ffn.lin1.", "intermediate.dense.")
            .Replace("ffn.lin2.", "output.dense.").Replace("output_layer_norm.", "output.LayerNorm.");
        return $"encoder.layer.{layer}.{mapped}";
    }
}
