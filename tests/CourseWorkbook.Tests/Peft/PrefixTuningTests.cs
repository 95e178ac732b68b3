using CourseWorkbook.Models;
using CourseWorkbook.Peft;
using CourseWorkbook.Tests.Training;
using TorchSharp;
using static CourseWorkbook.Tests.Peft.PeftFamilyReference;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Peft;

/// <summary>Prefix tuning: the model zoo's attention with prefix keys and values against PyTorch's scaled dot-product
/// attention on the concatenated keys and values (reference/make_peft_family_reference.py), and the prefix on a
/// whole Llama: counts, peft's names, the KV cache, the start from real words.</summary>
[Collection(TorchRandomCollection.Name)]
public class PrefixTuningTests : TorchTest
{
    static readonly System.Text.Json.JsonElement Ref = Section("prefix");
    static readonly long[] Ids = [1, 4, 7, 3, 9, 2, 5];

    [Theory]
    [InlineData("causal", false, false, 1e-12)]
    [InlineData("causal_padding", false, true, 1e-12)]
    [InlineData("rope_causal", true, false, 1e-6)]   // RoPE's angles are float32 in both (as HF computes them)
    public void Attention_with_a_prefix_matches_pytorch_on_the_concatenated_keys_and_values(string key, bool rope,
        bool padding, double tol)
    {
        int d = Ref.I("d"), heads = Ref.I("heads"), kv = Ref.I("kv_heads"), hd = Ref.I("head_dim");
        int p = Ref.I("prefix"), t = Ref.I("tokens");
        var attention = new MultiHeadAttention(d, heads, kv, hd,
            rope: rope ? new RotaryEmbedding(hd, 10000, RopeLayout.HalfSplit, 16) : null, dtype: float64);
        using var _ = no_grad();
        attention.q_proj.weight!.copy_(Ref.T("q_proj", heads * hd, d));
        attention.k_proj.weight!.copy_(Ref.T("k_proj", kv * hd, d));
        attention.v_proj.weight!.copy_(Ref.T("v_proj", kv * hd, d));
        attention.o_proj.weight!.copy_(Ref.T("o_proj", d, heads * hd));
        var keys = Ref.T("prefix_keys", kv, p, hd);
        var values = Ref.T("prefix_values", kv, p, hd);
        attention.PrefixKeyValues = b => (keys.unsqueeze(0).expand(b, -1, -1, -1),
            values.unsqueeze(0).expand(b, -1, -1, -1));
        var mask = padding ? tensor(Ref.GetProperty("padding").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
            [2, t]) : null;
        Close(Ref.D(key), attention.Attend(Ref.T("x", 2, t, d), new AttentionInputs(mask)), tol);
        attention.CaptureWeights = true;
        attention.Attend(Ref.T("x", 2, t, d), AttentionInputs.None);
        Assert.Equal([2L, heads, t, p + t], attention.LastWeights!.shape);   // every query over P + T keys
    }

    [Fact]
    public void Trainable_count_is_layers_times_2_times_prefix_times_kv_heads_times_head_dim_with_peft_s_name()
    {
        // stories260K: 5 layers, 4 kv heads of 8, P = 16: 5 × 2 × 16 × 4 × 8 = 5,120 (keys and values).
        var c = LlamaConfig.Stories260K;
        using var model = new LlamaForCausalLM(c);
        var prefix = PrefixTuning.Inject(model, new PrefixTuningConfig(16));
        Assert.Equal((long)c.NumHiddenLayers * 2 * 16 * c.NumKeyValueHeads * c.HeadDimension, Trainable.Count(model));
        Assert.Equal(5_120L, Trainable.Count(model));
        var (name, table) = Assert.Single(Trainable.Parameters(model));
        Assert.Equal("prompt_encoder.default.embedding.weight", name);
        Assert.Equal([16L, 320L], table.shape);
        var (k, v) = prefix.KeysAndValues(4);
        Assert.Equal([4L, 16L, 8L], k.shape);   // P_k of the last layer: [H_kv, P, d_head]
        Assert.Equal([4L, 16L, 8L], v.shape);

        // With the paper's reparameterisation: table P × d, then Linear(d → h) + tanh + Linear(h → 5·2·4·8).
        using var projected = new LlamaForCausalLM(c);
        PrefixTuning.Inject(projected, new PrefixTuningConfig(16, PrefixProjection: true, EncoderHiddenSize: 32));
        Assert.Equal(16L * 64 + (64 * 32 + 32) + (32 * 320 + 320), Trainable.Count(projected));
    }

    [Fact]
    public void Disabled_gives_the_base_model_bit_for_bit_and_only_the_table_gets_gradients()
    {
        var model = TinyLlama.Create();
        var ids = tensor(Ids).unsqueeze(0);
        Tensor before;
        using (no_grad()) before = model.Forward(ids);
        manual_seed(2);
        var prefix = PrefixTuning.Inject(model, new PrefixTuningConfig(3));
        var with = model.Forward(ids);
        Assert.False(with.allclose(before));   // the prefix changes attention from the start
        with.pow(2).sum().backward();
        Assert.True(prefix.Encoder.embedding.weight!.grad!.abs().max().item<double>() > 0);
        Assert.Null(model.model.layers[0].self_attn.q_proj.weight!.grad);
        prefix.Disabled = true;
        using (no_grad()) Assert.True(model.Forward(ids).eq(before).all().item<bool>());
        prefix.Disabled = false;
        using (no_grad()) Assert.True(model.Forward(ids).eq(with).all().item<bool>());
    }

    [Fact]
    public void Decoding_with_the_kv_cache_sees_the_prefix_as_the_full_forward_does()
    {
        var model = TinyLlama.Create();
        manual_seed(4);
        PrefixTuning.Inject(model, new PrefixTuningConfig(2));
        using var _ = no_grad();
        var full = model.Forward(tensor(Ids).unsqueeze(0));
        using var cache = model.NewCache(16);
        for (int i = 0; i < Ids.Length; i++)
        {
            var step = model.Logits(tensor(new[] { Ids[i] }).unsqueeze(0), cache);
            Assert.True((step[0, 0] - full[0, i]).abs().max().item<double>() < 1e-10, $"token {i}");
        }
    }

    [Fact]
    public void Starting_from_real_words_gives_each_layer_the_keys_and_values_the_model_computes_for_them()
    {
        // Li and Liang 2021, section 7.2. The KV cache of the frozen model reading the same words holds the same
        // values, and the same keys rotated by RoPE at positions 0..P−1 (the prefix keys are not rotated).
        var model = TinyLlama.Create();
        var words = new long[] { 1, 5, 9 };
        var prefix = PrefixTuning.Inject(model, new PrefixTuningConfig(words.Length));
        prefix.InitializeFromTokens(words);
        Assert.False(prefix.Disabled);
        using var _ = no_grad();
        using var cache = model.NewCache(8);
        prefix.Disabled = true;
        model.Logits(tensor(words).unsqueeze(0), cache);
        prefix.Disabled = false;
        for (int layer = 0; layer < model.Config.NumHiddenLayers; layer++)
        {
            var (k, v) = prefix.KeysAndValues(layer);
            var (cachedK, cachedV) = cache[layer].Append(empty(1, k.shape[0], 0, k.shape[2], dtype: float64),
                empty(1, k.shape[0], 0, k.shape[2], dtype: float64));   // a view of what is stored
            Assert.True((cachedV[0] - v).abs().max().item<double>() < 1e-12, $"values of layer {layer}");
            var rotated = model.model.rotary_emb.call(k.unsqueeze(0), 0)[0];
            Assert.True((cachedK[0] - rotated).abs().max().item<double>() < 1e-12, $"keys of layer {layer}");
        }
        Assert.Throws<ArgumentException>(() => prefix.InitializeFromTokens([1, 2]));
    }
}
