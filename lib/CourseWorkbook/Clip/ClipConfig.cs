using System.Globalization;
using System.Text.Json.Nodes;

namespace CourseWorkbook.Clip;

/// <summary>One tower of CLIP as in the "text_config" / "vision_config" of a Hugging Face CLIP config.json.
/// The text tower uses VocabSize, MaxPositionEmbeddings and the token ids; the vision tower ImageSize, PatchSize
/// and NumChannels.</summary>
public sealed record ClipTowerConfig(int HiddenSize, int IntermediateSize, int NumHiddenLayers, int NumAttentionHeads,
    string HiddenAct = "quick_gelu", double LayerNormEps = 1e-5,
    int VocabSize = 49408, int MaxPositionEmbeddings = 77, int BosTokenId = 49406, int EosTokenId = 49407,
    int PadTokenId = 1, int ImageSize = 224, int PatchSize = 32, int NumChannels = 3)
{
    /// <summary>Patches per side of the image grid.</summary>
    public int PatchesPerSide => ImageSize / PatchSize;

    /// <summary>Image tokens: one per patch, plus the class token.</summary>
    public int NumPositions => PatchesPerSide * PatchesPerSide + 1;

    internal void Validate(string where)
    {
        if (HiddenSize <= 0 || NumAttentionHeads <= 0 || HiddenSize % NumAttentionHeads != 0)
            throw new InvalidDataException(
                $"{where}: hidden_size {HiddenSize} is not a multiple of {NumAttentionHeads} heads");
        if (NumHiddenLayers < 0 || IntermediateSize <= 0)
            throw new InvalidDataException($"{where}: needs num_hidden_layers ≥ 0 and intermediate_size > 0");
        if (HiddenAct is not ("quick_gelu" or "gelu"))
            throw new InvalidDataException($"{where}: hidden_act '{HiddenAct}' is not quick_gelu or gelu");
        if (PatchSize <= 0 || ImageSize % PatchSize != 0)
            throw new InvalidDataException(
                $"{where}: image_size {ImageSize} is not a multiple of patch_size {PatchSize}");
    }
}

/// <summary>A CLIP model's hyper-parameters (Hugging Face CLIPConfig): two towers, the width of the joint space
/// (projection_dim) and the initial logit scale, ln(1/0.07) = 2.6592.</summary>
public sealed record ClipConfig(ClipTowerConfig Text, ClipTowerConfig Vision, int ProjectionDim = 512,
    double LogitScaleInitValue = 2.6592)
{
    /// <summary>openai/clip-vit-base-patch32: a 12-layer, 512-wide text transformer and a ViT-B/32 (12 layers, 768
    /// wide, 32×32 patches of a 224×224 image), joined in a 512-dimensional space.</summary>
    public static ClipConfig VitBasePatch32 { get; } = new(
        new ClipTowerConfig(512, 2048, 12, 8),
        new ClipTowerConfig(768, 3072, 12, 12, ImageSize: 224, PatchSize: 32));

    /// <summary>Reads a Hugging Face CLIP config.json (missing keys take CLIPConfig's defaults, which are
    /// clip-vit-base-patch32's). Throws <see cref="InvalidDataException"/> naming the key that is wrong.</summary>
    public static ClipConfig FromJson(string json, string source = "config.json")
    {
        JsonObject root;
        try { root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: not an object"); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
        var text = Tower(root["text_config"] as JsonObject, VitBasePatch32.Text, $"{source}: text_config");
        var vision = Tower(root["vision_config"] as JsonObject, VitBasePatch32.Vision, $"{source}: vision_config");
        var config = new ClipConfig(text, vision, Int(root, "projection_dim", 512, source),
            Double(root, "logit_scale_init_value", 2.6592, source));
        if (config.ProjectionDim <= 0) throw new InvalidDataException($"{source}: projection_dim must be > 0");
        return config;
    }

    /// <summary>Reads a config.json file.</summary>
    public static ClipConfig FromFile(string path) => FromJson(File.ReadAllText(path), path);

    /// <summary>The config as a Hugging Face config.json (the keys <see cref="FromJson"/> reads).</summary>
    public string ToJson()
    {
        static JsonObject Tower(ClipTowerConfig t, bool text)
        {
            var o = new JsonObject
            {
                ["hidden_size"] = t.HiddenSize, ["intermediate_size"] = t.IntermediateSize,
                ["num_hidden_layers"] = t.NumHiddenLayers, ["num_attention_heads"] = t.NumAttentionHeads,
                ["hidden_act"] = t.HiddenAct, ["layer_norm_eps"] = t.LayerNormEps,
            };
            if (text)
            {
                o["vocab_size"] = t.VocabSize; o["max_position_embeddings"] = t.MaxPositionEmbeddings;
                o["bos_token_id"] = t.BosTokenId; o["eos_token_id"] = t.EosTokenId; o["pad_token_id"] = t.PadTokenId;
            }
            else
            {
                o["image_size"] = t.ImageSize; o["patch_size"] = t.PatchSize; o["num_channels"] = t.NumChannels;
            }
            return o;
        }
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray("CLIPModel"), ["model_type"] = "clip",
            ["projection_dim"] = ProjectionDim, ["logit_scale_init_value"] = LogitScaleInitValue,
            ["text_config"] = Tower(Text, true), ["vision_config"] = Tower(Vision, false),
        };
        return root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    static ClipTowerConfig Tower(JsonObject? o, ClipTowerConfig d, string where)
    {
        if (o is null) return d;
        var t = new ClipTowerConfig(Int(o, "hidden_size", d.HiddenSize, where),
            Int(o, "intermediate_size", d.IntermediateSize, where),
            Int(o, "num_hidden_layers", d.NumHiddenLayers, where),
            Int(o, "num_attention_heads", d.NumAttentionHeads, where),
            o["hidden_act"]?.GetValue<string>() ?? d.HiddenAct, Double(o, "layer_norm_eps", d.LayerNormEps, where),
            Int(o, "vocab_size", d.VocabSize, where), Int(o, "max_position_embeddings", d.MaxPositionEmbeddings, where),
            Int(o, "bos_token_id", d.BosTokenId, where), Int(o, "eos_token_id", d.EosTokenId, where),
            Int(o, "pad_token_id", d.PadTokenId, where), Int(o, "image_size", d.ImageSize, where),
            Int(o, "patch_size", d.PatchSize, where), Int(o, "num_channels", d.NumChannels, where));
        t.Validate(where);
        return t;
    }

    static int Int(JsonObject o, string key, int fallback, string where) => o[key] is not { } v ? fallback
        : v.GetValueKind() == System.Text.Json.JsonValueKind.Number && int.TryParse(v.ToJsonString(),
            NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i
        : throw new InvalidDataException($"{where}: {key} = {v.ToJsonString()} is not an integer");

    static double Double(JsonObject o, string key, double fallback, string where) => o[key] is not { } v ? fallback
        : v.GetValueKind() == System.Text.Json.JsonValueKind.Number ? v.GetValue<double>()
        : throw new InvalidDataException($"{where}: {key} = {v.ToJsonString()} is not a number");
}
