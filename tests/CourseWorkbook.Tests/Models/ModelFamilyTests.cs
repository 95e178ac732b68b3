using CourseWorkbook.Models;
using CourseWorkbook.Runtime;
using CourseWorkbook.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Models;

public class ModelFamilyTests
{
    public ModelFamilyTests() => TorchRuntime.EnsureLoaded();

    static readonly LlamaConfig TinyQwen = new(40, 16, 24, 2, 4, 2, 64, 1e-6, 1e6, TieWordEmbeddings: false, QkvBias: true, ModelType: "qwen2");
    static readonly Gpt2Config TinyGpt2 = new(40, 16, 8, 2, 2);
    static readonly BertConfig TinyBert = new(40, 8, 2, 2, 16, MaxPositionEmbeddings: 16);

    static IEnumerable<string> PerLayer(int layers, Func<int, IEnumerable<string>> names) => Enumerable.Range(0, layers).SelectMany(names);

    [Fact]
    public void Llama_qwen2_state_dict_keys_match_the_hugging_face_checkpoint()
    {
        var expected = new[] { "model.embed_tokens.weight" }
            .Concat(PerLayer(2, i => new[] { "self_attn.q_proj.weight", "self_attn.q_proj.bias", "self_attn.k_proj.weight", "self_attn.k_proj.bias",
                "self_attn.v_proj.weight", "self_attn.v_proj.bias", "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
                "mlp.down_proj.weight", "input_layernorm.weight", "post_attention_layernorm.weight" }.Select(n => $"model.layers.{i}.{n}")))
            .Concat(["model.norm.weight", "lm_head.weight"]);
        using var model = new LlamaForCausalLM(TinyQwen);
        Assert.Equal(expected.Order(), model.state_dict().Keys.Order());
    }

    [Fact]
    public void Gpt2_state_dict_keys_match_the_hugging_face_checkpoint()
    {
        var expected = new[] { "transformer.wte.weight", "transformer.wpe.weight" }
            .Concat(PerLayer(2, i => new[] { "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
                "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias" }.Select(n => $"transformer.h.{i}.{n}")))
            .Concat(["transformer.ln_f.weight", "transformer.ln_f.bias", "lm_head.weight"]);
        using var model = new Gpt2LMHeadModel(TinyGpt2);
        Assert.Equal(expected.Order(), model.state_dict().Keys.Order());
        Assert.Equal(new long[] { 8, 24 }, model.transformer.h[0].attn.named_parameters().First().parameter.shape); // Conv1D [in, out]
    }

    static IEnumerable<string> BertLayerKeys(string prefix, int layers) => PerLayer(layers, i => new[] {
        "attention.self.query.weight", "attention.self.query.bias", "attention.self.key.weight", "attention.self.key.bias",
        "attention.self.value.weight", "attention.self.value.bias", "attention.output.dense.weight", "attention.output.dense.bias",
        "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias", "intermediate.dense.weight", "intermediate.dense.bias",
        "output.dense.weight", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias" }.Select(n => $"{prefix}encoder.layer.{i}.{n}"));

    static IEnumerable<string> BertEmbeddingKeys(string prefix) => new[] { "word_embeddings.weight", "position_embeddings.weight",
        "token_type_embeddings.weight", "LayerNorm.weight", "LayerNorm.bias" }.Select(n => $"{prefix}embeddings.{n}");

    [Fact]
    public void Bert_state_dict_keys_match_the_hugging_face_checkpoint()
    {
        var expected = BertEmbeddingKeys("").Concat(BertLayerKeys("", 2)).Concat(["pooler.dense.weight", "pooler.dense.bias"]);
        using var model = new BertModel(TinyBert);
        Assert.Equal(expected.Order(), model.state_dict().Keys.Order());
    }

    [Fact]
    public void Bert_mlm_state_dict_keys_match_the_hugging_face_checkpoint_and_the_decoder_is_tied()
    {
        var expected = BertEmbeddingKeys("bert.").Concat(BertLayerKeys("bert.", 2)).Concat(["cls.predictions.bias",
            "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias", "cls.predictions.transform.LayerNorm.weight",
            "cls.predictions.transform.LayerNorm.bias", "cls.predictions.decoder.weight", "cls.predictions.decoder.bias"]);
        using var model = new BertForMaskedLM(TinyBert);
        Assert.Equal(expected.Order(), model.state_dict().Keys.Order());
        Assert.Equal(model.bert.embeddings.word_embeddings.weight.Handle, model.cls.predictions.decoder.weight.Handle);
        var logits = model.Forward(torch.tensor(new long[] { 1, 2, 3 }, new long[] { 1, 3 }));
        Assert.Equal(new long[] { 1, 3, 40 }, logits.shape);
    }

    [Fact]
    public void Bert_dropout_acts_in_training_mode_only_and_is_read_from_config_json()
    {
        var ids = torch.tensor(new long[] { 1, 2, 3, 4, 5, 6 }, new long[] { 1, 6 });
        using var model = new BertModel(TinyBert with { HiddenDropoutProb = 0.3, AttentionProbsDropoutProb = 0.3 });
        using var plain = new BertModel(TinyBert with { HiddenDropoutProb = 0, AttentionProbsDropoutProb = 0 });
        // The same weights, copied rather than re-seeded: other tests draw from torch's global generator in parallel.
        plain.load_state_dict(model.state_dict());
        model.eval();
        plain.eval();
        var reference = plain.Forward(ids);
        Assert.True(reference.allclose(model.Forward(ids)));            // eval: no dropout, same weights → same output
        model.train();
        var a = model.Forward(ids); var b = model.Forward(ids);
        Assert.False(a.allclose(b));                                    // two training passes differ (SimCSE's two views)
        Assert.False(a.allclose(reference));
        plain.train();
        Assert.True(reference.allclose(plain.Forward(ids)));            // p = 0: training mode changes nothing

        var c = BertConfig.FromJson("""{"hidden_dropout_prob": 0.2, "attention_probs_dropout_prob": 0.05}""");
        Assert.Equal((0.2, 0.05), (c.HiddenDropoutProb, c.AttentionProbsDropoutProb));
        Assert.Equal((0.1, 0.1), (BertConfig.FromJson("{}").HiddenDropoutProb, BertConfig.FromJson("{}").AttentionProbsDropoutProb));
    }

    [Fact]
    public void Published_parameter_counts_are_reproduced_on_the_meta_device_and_by_formula()
    {
        Assert.Equal(494_032_768, ParameterCounts.CountOnMeta(d => new LlamaForCausalLM(LlamaConfig.Qwen2_5_0_5B, d)));
        Assert.Equal(124_439_808, ParameterCounts.CountOnMeta(d => new Gpt2LMHeadModel(Gpt2Config.Small, d)));
        Assert.Equal(109_482_240, ParameterCounts.CountOnMeta(d => new BertModel(BertConfig.BertBaseUncased, true, d)));
        Assert.Equal(22_713_216, ParameterCounts.CountOnMeta(d => new BertModel(BertConfig.AllMiniLmL6V2, true, d)));
        Assert.Equal(260_032, ParameterCounts.CountOnMeta(d => new LlamaForCausalLM(LlamaConfig.Stories260K, d)));
        Assert.Equal(494_032_768, ParameterCounts.Llama(LlamaConfig.Qwen2_5_0_5B));
        Assert.Equal(124_439_808, ParameterCounts.Gpt2(Gpt2Config.Small));
        Assert.Equal(109_482_240, ParameterCounts.Bert(BertConfig.BertBaseUncased));
        Assert.Equal(22_713_216, ParameterCounts.Bert(BertConfig.AllMiniLmL6V2));
        Assert.Equal(4_385_920, ParameterCounts.Bert(BertConfig.BertTiny));
        Assert.Equal(4_385_920 - 16_512 + 47_290, ParameterCounts.Bert(BertConfig.BertTiny, pooler: false, mlmHead: true));
    }

    [Fact]
    public void Larger_presets_have_their_published_parameter_counts()
    {
        // Model cards: Qwen2.5 1.54 B / 3.09 B / 7.61 B (non-embedding 1.31 B / 2.77 B / 6.53 B); Llama-2-7B 6,738,415,616.
        Assert.Equal(6_738_415_616, ParameterCounts.Llama(LlamaConfig.Llama2_7B));
        Assert.Equal(1.54e9, ParameterCounts.Llama(LlamaConfig.Qwen2_5_1_5B), 0.005e9);
        Assert.Equal(3.09e9, ParameterCounts.Llama(LlamaConfig.Qwen2_5_3B), 0.005e9);
        Assert.Equal(7.61e9, ParameterCounts.Llama(LlamaConfig.Qwen2_5_7B), 0.01e9);
        long NonEmbedding(LlamaConfig c) => ParameterCounts.Llama(c) - (c.TieWordEmbeddings ? 1 : 2) * (long)c.VocabSize * c.HiddenSize;
        Assert.Equal(1.31e9, NonEmbedding(LlamaConfig.Qwen2_5_1_5B), 0.005e9);
        Assert.Equal(2.77e9, NonEmbedding(LlamaConfig.Qwen2_5_3B), 0.005e9);
        Assert.Equal(6.53e9, NonEmbedding(LlamaConfig.Qwen2_5_7B), 0.005e9);
        Assert.Equal(ParameterCounts.Llama(LlamaConfig.Qwen2_5_1_5B), ParameterCounts.CountOnMeta(d => new LlamaForCausalLM(LlamaConfig.Qwen2_5_1_5B, d)));
    }

    [Fact]
    public void Parameter_formulas_equal_the_allocated_count_of_tiny_models()
    {
        using var qwen = new LlamaForCausalLM(TinyQwen);
        Assert.Equal(ParameterCounts.Llama(TinyQwen), ParameterCounts.Count(qwen));
        var tiedLlama = TinyQwen with { TieWordEmbeddings = true, QkvBias = false, OutputBias = true };
        using var llama = new LlamaForCausalLM(tiedLlama);
        Assert.Equal(ParameterCounts.Llama(tiedLlama), ParameterCounts.Count(llama));
        using var gpt2 = new Gpt2LMHeadModel(TinyGpt2);
        Assert.Equal(ParameterCounts.Gpt2(TinyGpt2), ParameterCounts.Count(gpt2));
        using var bert = new BertModel(TinyBert);
        Assert.Equal(ParameterCounts.Bert(TinyBert), ParameterCounts.Count(bert));
        using var mlm = new BertForMaskedLM(TinyBert);
        Assert.Equal(ParameterCounts.Bert(TinyBert, pooler: false, mlmHead: true), ParameterCounts.Count(mlm));
    }

    [Fact]
    public void Config_json_is_read_for_each_family()
    {
        var qwen = LlamaConfig.FromJson("""{"model_type":"qwen2","vocab_size":151936,"hidden_size":896,"intermediate_size":4864,"num_hidden_layers":24,"num_attention_heads":14,"num_key_value_heads":2,"max_position_embeddings":32768,"rms_norm_eps":1e-06,"rope_theta":1000000.0,"tie_word_embeddings":true,"bos_token_id":151643,"eos_token_id":151643}""");
        Assert.Equal(LlamaConfig.Qwen2_5_0_5B, qwen);
        var minilm = BertConfig.FromFile(SharedModelsOrInline());
        Assert.Equal(BertConfig.AllMiniLmL6V2 with { }, minilm);
        Assert.Equal(Gpt2Config.Small, Gpt2Config.FromJson("""{"n_embd":768,"n_layer":12,"n_head":12,"n_positions":1024,"vocab_size":50257,"activation_function":"gelu_new"}"""));
    }

    static string SharedModelsOrInline()
    {
        if (ModelStore.FindLocal("all-MiniLM-L6-v2/config.json") is { } p) return p;
        var temp = Path.GetTempFileName();
        File.WriteAllText(temp, """{"hidden_size":384,"num_hidden_layers":6,"num_attention_heads":12,"intermediate_size":1536,"vocab_size":30522,"max_position_embeddings":512,"type_vocab_size":2,"layer_norm_eps":1e-12,"hidden_act":"gelu","pad_token_id":0}""");
        return temp;
    }

    [Fact]
    public void Loader_reports_missing_unexpected_and_mismatched_keys()
    {
        using var model = new Gpt2LMHeadModel(TinyGpt2);
        var source = model.state_dict().Where(kv => kv.Key != "transformer.ln_f.bias" && kv.Key != "lm_head.weight")
            .ToDictionary(kv => kv.Key.Replace("transformer.", ""), kv => kv.Value.detach().clone());
        source["h.0.attn.bias"] = torch.ones(1, 1, 8, 8);                 // HF's causal-mask buffer: ignored
        source["extra.weight"] = torch.ones(2);                          // unexpected
        source["wpe.weight"] = torch.zeros(9, 16);                        // wrong shape
        using var fresh = new Gpt2LMHeadModel(TinyGpt2);
        var report = fresh.Load(TensorSource.From(source));
        Assert.Equal(["transformer.extra.weight"], report.Unexpected);
        Assert.Contains("transformer.h.0.attn.bias", report.Ignored);
        Assert.Equal("transformer.wpe.weight", Assert.Single(report.Mismatched).Key);
        Assert.Equal(["transformer.ln_f.bias", "transformer.wpe.weight"], report.Missing.Order());
        Assert.False(report.IsComplete);
        Assert.Throws<InvalidDataException>(() => report.ThrowIfIncomplete());
        Assert.True(fresh.transformer.wte.weight.allclose(model.transformer.wte.weight)); // loaded by name, lm_head follows (tied)
        Assert.Equal(fresh.lm_head.weight.Handle, fresh.transformer.wte.weight.Handle);
    }

    [Fact]
    public void Safetensors_round_trip_loads_a_model_by_name()
    {
        using var model = new LlamaForCausalLM(TinyQwen);
        var path = Path.Combine(Path.GetTempPath(), $"cw-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensorsFile.Save(path, model.state_dict());
            using var file = SafeTensorsFile.Open(path);
            using var copy = new LlamaForCausalLM(TinyQwen);
            var report = copy.Load(TensorSource.From(file)).ThrowIfIncomplete(strict: true);
            Assert.Equal(model.state_dict().Count, report.Loaded.Count);
            var ids = torch.tensor(new long[] { 1, 2, 3 }, new long[] { 1, 3 });
            Assert.True(model.Logits(ids).allclose(copy.Logits(ids)));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Gpt2_generation_with_and_without_cache_agree()
    {
        using var model = new Gpt2LMHeadModel(TinyGpt2);
        var a = TextGeneration.Generate(model, [1, 2], 5, useKvCache: true);
        var b = TextGeneration.Generate(model, [1, 2], 5, useKvCache: false);
        Assert.Equal(a.GeneratedIds, b.GeneratedIds);
        Assert.Equal(5, a.GeneratedIds.Count);
    }

    [Fact]
    public void Bert_mean_pooling_ignores_padding()
    {
        var hidden = torch.tensor(new float[] { 1, 1, 3, 3, 100, 100 }, new long[] { 1, 3, 2 });
        var mask = torch.tensor(new long[] { 1, 1, 0 }, new long[] { 1, 3 });
        Assert.Equal([2f, 2f], BertModel.MeanPool(hidden, mask).data<float>().ToArray());
        using var bert = new BertModel(TinyBert);
        bert.eval();
        var ids = torch.tensor(new long[] { 1, 5, 6, 2, 0, 0 }, new long[] { 1, 6 });
        var m = torch.tensor(new long[] { 1, 1, 1, 1, 0, 0 }, new long[] { 1, 6 });
        var padded = BertModel.MeanPool(bert.Forward(ids, m), m);
        var alone = BertModel.MeanPool(bert.Forward(ids[.., ..4]), m[.., ..4]);
        Assert.True(padded.allclose(alone, atol: 1e-5));
    }
}
