using CourseWorkbook.Clip;
using CourseWorkbook.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Clip;

public sealed class ClipModelTests : TorchTest
{
    /// <summary>openai/clip-vit-base-patch32's published size. By hand, from the architecture: text tower
    /// 49,408·512 + 77·512 + 12·3,152,384 + 1,024 = 63,165,952; image tower 3·32²·768 + 768 + 50·768 + 1,536
    /// + 12·7,087,872 + 1,536 = 87,456,000; projections 768·512 + 512·512 = 655,360; logit_scale 1.</summary>
    const long ClipVitBasePatch32Parameters = 151_277_313;

    [Fact]
    public void Config_json_of_clip_vit_base_patch32_reads_as_the_published_architecture()
    {
        var config = ClipConfig.FromFile(ClipReference.Path("clip-vit-base-patch32.config.json"));
        Assert.Equal(ClipConfig.VitBasePatch32 with { Text = ClipConfig.VitBasePatch32.Text with { BosTokenId = 0, EosTokenId = 2 } },
            config);
        Assert.Equal(50, config.Vision.NumPositions);
    }

    [Fact]
    public void Clip_vit_base_patch32_built_on_the_meta_device_has_the_published_parameter_count()
    {
        var config = ClipConfig.FromFile(ClipReference.Path("clip-vit-base-patch32.config.json"));
        Assert.Equal(ClipVitBasePatch32Parameters, ParameterCounts.CountOnMeta(d => new ClipModel(config, d)));
        Assert.Equal(ClipVitBasePatch32Parameters, ParameterCounts.Clip(config));
    }

    [Fact]
    public void Parameter_names_are_hugging_face_clip_names()
    {
        using var model = new ClipModel(ClipConfig.FromJson(ClipReference.Json("tiny_clip.json").GetProperty("config").GetRawText()));
        var names = model.state_dict().Keys.ToHashSet();
        foreach (var name in new[] { "text_model.embeddings.token_embedding.weight", "text_model.embeddings.position_embedding.weight",
            "text_model.encoder.layers.0.self_attn.out_proj.bias", "text_model.encoder.layers.1.mlp.fc2.weight",
            "text_model.final_layer_norm.weight", "vision_model.embeddings.class_embedding",
            "vision_model.embeddings.patch_embedding.weight", "vision_model.pre_layrnorm.bias",
            "vision_model.encoder.layers.1.layer_norm2.weight", "vision_model.post_layernorm.weight",
            "visual_projection.weight", "text_projection.weight", "logit_scale" })
            Assert.Contains(name, names);
        Assert.Equal(2.6592f, model.logit_scale.item<float>(), 4);
    }

    [Fact]
    public void Logits_of_a_random_tiny_clip_match_an_independent_torch_forward()
    {
        var (model, pixels, ids, expected) = LoadTiny();
        using var _ = no_grad();
        var logits = model.forward(pixels, ids).LogitsPerImage.data<float>().ToArray();
        Assert.Equal(expected.Length, logits.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], logits[i], 3);
        model.Dispose();
    }

    [Fact]
    public void Argmax_pooling_of_the_original_config_finds_the_same_end_token_as_the_end_token_id()
    {
        // eos_token_id 2 (OpenAI's legacy value) makes the text tower pool at argmax(ids), which is the end token
        // because <|endoftext|> has the largest id: the logits are the same.
        var (model, pixels, ids, expected) = LoadTiny(c => c with { Text = c.Text with { EosTokenId = 2 } });
        using var _ = no_grad();
        var logits = model.forward(pixels, ids).LogitsPerImage.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], logits[i], 3);
        model.Dispose();
    }

    [Fact]
    public void Tokens_after_the_end_token_do_not_change_the_text_embedding_because_attention_is_causal()
    {
        var (model, _, ids, _) = LoadTiny();
        using var _ = no_grad();
        var changed = ids.clone();
        changed[0, 5] = tensor(7L);   // row 0 ends at position 3; positions 4.. are padding
        var a = model.GetTextFeatures(ids);
        var b = model.GetTextFeatures(changed);
        Assert.True(a[0].allclose(b[0], rtol: 0, atol: 1e-6));
        var early = ids.clone();
        early[0, 1] = tensor(8L);     // a token before the end token does change it
        Assert.False(a[0].allclose(model.GetTextFeatures(early)[0], rtol: 0, atol: 1e-3));
        model.Dispose();
    }

    [Fact]
    public void Save_then_load_by_name_round_trips_every_parameter_and_the_logits()
    {
        var (model, pixels, ids, _) = LoadTiny();
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"clip-roundtrip-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.Save(path);
            using var copy = new ClipModel(model.Config);
            var report = copy.Load(path);
            Assert.True(report.IsComplete, report.ToString());
            Assert.Empty(report.Unexpected);
            using var _ = no_grad();
            Assert.True(model.forward(pixels, ids).LogitsPerImage.allclose(copy.forward(pixels, ids).LogitsPerImage, 0, 0));
        }
        finally { File.Delete(path); model.Dispose(); }
    }

    [Fact]
    public void A_checkpoint_of_another_size_is_reported_as_shape_mismatches_not_loaded_silently()
    {
        var config = ClipConfig.FromJson(ClipReference.Json("tiny_clip.json").GetProperty("config").GetRawText());
        using var model = new ClipModel(config with { ProjectionDim = 5 });
        var report = model.Load(ClipReference.Path("tiny_clip.safetensors"));
        Assert.False(report.IsComplete);
        Assert.Contains(report.Mismatched, m => m.Key == "visual_projection.weight");
        Assert.Throws<InvalidDataException>(() => report.ThrowIfIncomplete());
    }

    [Fact]
    public void A_config_with_a_bad_value_names_the_key()
    {
        var e = Assert.Throws<InvalidDataException>(() => ClipConfig.FromJson(
            """{"vision_config": {"hidden_size": 10, "num_attention_heads": 3}}""", "x/config.json"));
        Assert.Contains("x/config.json: vision_config", e.Message);
        e = Assert.Throws<InvalidDataException>(() => ClipConfig.FromJson("""{"projection_dim": "big"}""", "c.json"));
        Assert.Contains("projection_dim", e.Message);
    }

    static (ClipModel Model, Tensor Pixels, Tensor Ids, float[] Expected) LoadTiny(Func<ClipConfig, ClipConfig>? change = null)
    {
        var reference = ClipReference.Json("tiny_clip.json");
        var config = ClipConfig.FromJson(reference.GetProperty("config").GetRawText());
        var model = new ClipModel(change is null ? config : change(config));
        model.Load(ClipReference.Path("tiny_clip.safetensors")).ThrowIfIncomplete(strict: true);
        model.eval();
        var pixels = tensor(ClipReference.Floats(reference.GetProperty("pixels")), new long[] { 3, 3, 8, 8 });
        var ids = tensor(ClipReference.Longs(reference.GetProperty("input_ids")), new long[] { 4, 7 });
        return (model, pixels, ids, ClipReference.Floats(reference.GetProperty("logits_per_image")));
    }
}
