using CourseWorkbook.Models;
using CourseWorkbook.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Models;

public class BlockTests
{
    public BlockTests() => TorchRuntime.EnsureLoaded();

    static float[] Values(Tensor t) => t.to(ScalarType.Float32).contiguous().data<float>().ToArray();
    static Tensor T(float[] v, params long[] shape) => torch.tensor(v, shape);

    [Fact]
    public void RmsNorm_divides_by_the_root_mean_square_and_scales_by_gamma()
    {
        using var norm = new RmsNorm(2, eps: 0);
        using (torch.no_grad()) norm.weight.copy_(T([1f, 2f], 2));
        // x = (3, 4): mean square = 12.5, rms = 3.5355; y = (3/3.5355·1, 4/3.5355·2)
        var y = Values(norm.call(T([3f, 4f], 1, 2)));
        Assert.Equal(0.848528f, y[0], 5);
        Assert.Equal(2.262742f, y[1], 5);
    }

    [Fact]
    public void LayerNorm_centres_and_scales_to_unit_variance()
    {
        using var norm = new LayerNorm(3, eps: 0);
        // x = (1, 2, 3): mean 2, variance 2/3 → (−1.2247, 0, 1.2247)
        var y = Values(norm.call(T([1f, 2f, 3f], 1, 3)));
        Assert.Equal(-1.2247449f, y[0], 5);
        Assert.Equal(0f, y[1], 5);
        Assert.Equal(1.2247449f, y[2], 5);
    }

    [Fact]
    public void Sinusoidal_encoding_matches_the_paper_formula()
    {
        var pe = Values(SinusoidalPositionalEncoding.Table(3, 4)); // rows pos 0..2, columns sin/cos at i = 0, 1
        Assert.Equal([0f, 1f, 0f, 1f], pe[..4]);
        Assert.Equal(MathF.Sin(1), pe[4], 6);
        Assert.Equal(MathF.Cos(1), pe[5], 6);
        Assert.Equal(MathF.Sin(0.01f), pe[6], 6);   // 1 / 10000^(2/4) = 0.01
        Assert.Equal(MathF.Cos(0.01f), pe[7], 6);
        Assert.Equal(MathF.Sin(2), pe[8], 6);
    }

    [Fact]
    public void Rope_rotates_adjacent_pairs_by_position_times_frequency()
    {
        using var rope = new RotaryEmbedding(4, theta: 10000, RopeLayout.AdjacentPairs, maxPositions: 4);
        // head (1, 0, 1, 0) at position 1: pair 0 turns by 1 rad, pair 1 by 1/100 rad
        var y = Values(rope.call(T([1f, 0f, 1f, 0f], 1, 1, 1, 4), 1L));
        Assert.Equal(MathF.Cos(1), y[0], 6); Assert.Equal(MathF.Sin(1), y[1], 6);
        Assert.Equal(MathF.Cos(0.01f), y[2], 6); Assert.Equal(MathF.Sin(0.01f), y[3], 6);
    }

    [Fact]
    public void Rope_half_split_pairs_dimension_j_with_j_plus_half()
    {
        using var rope = new RotaryEmbedding(4, theta: 10000, RopeLayout.HalfSplit, maxPositions: 4);
        // pairs are (x0, x2) and (x1, x3): (1, 1, 0, 0) at position 1 → (cos 1, cos .01, sin 1, sin .01)
        var y = Values(rope.call(T([1f, 1f, 0f, 0f], 1, 1, 1, 4), 1L));
        Assert.Equal(MathF.Cos(1), y[0], 6); Assert.Equal(MathF.Cos(0.01f), y[1], 6);
        Assert.Equal(MathF.Sin(1), y[2], 6); Assert.Equal(MathF.Sin(0.01f), y[3], 6);
    }

    [Fact]
    public void Rope_leaves_position_zero_unchanged_and_makes_scores_depend_on_relative_position()
    {
        using var rope = new RotaryEmbedding(8, layout: RopeLayout.HalfSplit, maxPositions: 16);
        var q = torch.randn(1, 1, 1, 8);
        var k = torch.randn(1, 1, 1, 8);
        Assert.True(rope.call(q, 0L).allclose(q));
        float Score(long pq, long pk) => (rope.call(q, pq) * rope.call(k, pk)).sum().item<float>();
        Assert.Equal(Score(5, 3), Score(9, 7), 4);
    }

    [Fact]
    public void Causal_mask_lets_each_query_see_itself_and_the_past_only()
    {
        var m = Attention.CausalMask(3, 3);
        Assert.Equal([true, false, false, true, true, false, true, true, true], m.data<bool>().ToArray());
        // two new queries after two cached keys: query 0 is position 2, so it sees keys 0..2
        var cached = Attention.CausalMask(2, 4);
        Assert.Equal([true, true, true, false, true, true, true, true], cached.data<bool>().ToArray());
    }

    [Fact]
    public void Causal_attention_output_at_a_position_ignores_later_tokens()
    {
        using var attn = new MultiHeadAttention(8, heads: 2);
        var x = torch.randn(1, 4, 8);
        var y = attn.call(x);
        var x2 = x.clone();
        x2[0, 3] = torch.randn(8);
        var y2 = attn.call(x2);
        Assert.True(y[0, ..3].allclose(y2[0, ..3], atol: 1e-6));
        Assert.False(y[0, 3].allclose(y2[0, 3], atol: 1e-6));
    }

    [Fact]
    public void Padding_mask_makes_padded_keys_invisible()
    {
        using var attn = new MultiHeadAttention(8, heads: 2, causal: false);
        var x = torch.randn(1, 3, 8);
        var padded = torch.cat([x, torch.randn(1, 2, 8)], 1);
        var mask = torch.tensor(new long[] { 1, 1, 1, 0, 0 }, new long[] { 1, 5 });
        var y = attn.Attend(x, AttentionInputs.None);
        var yp = attn.Attend(padded, new AttentionInputs(mask));
        Assert.True(y.allclose(yp[.., ..3], atol: 1e-5));
    }

    [Fact]
    public void Grouped_query_attention_shares_each_kv_head_between_consecutive_query_heads()
    {
        var kv = torch.tensor(new float[] { 1, 2 }, new long[] { 1, 2, 1, 1 }); // two kv heads
        Assert.Equal([1f, 1f, 1f, 2f, 2f, 2f], Values(Attention.RepeatKv(kv, 3)));
        // a GQA layer has fewer K/V weights
        using var gqa = new MultiHeadAttention(16, heads: 4, kvHeads: 2);
        Assert.Equal(new long[] { 8, 16 }, gqa.k_proj.weight.shape);
        Assert.Equal(new long[] { 16, 16 }, gqa.q_proj.weight.shape);
    }

    [Fact]
    public void Gqa_equals_mha_whose_kv_heads_are_duplicated()
    {
        using var gqa = new MultiHeadAttention(8, heads: 4, kvHeads: 2);
        using var mha = new MultiHeadAttention(8, heads: 4, kvHeads: 4);
        using (torch.no_grad())
        {
            mha.q_proj.weight.copy_(gqa.q_proj.weight);
            mha.o_proj.weight.copy_(gqa.o_proj.weight);
            // kv head g serves query heads 2g and 2g+1: duplicate its rows (head size 2)
            mha.k_proj.weight.copy_(gqa.k_proj.weight.view(2, 1, 2, 8).expand(2, 2, 2, 8).reshape(8, 8));
            mha.v_proj.weight.copy_(gqa.v_proj.weight.view(2, 1, 2, 8).expand(2, 2, 2, 8).reshape(8, 8));
        }
        var x = torch.randn(2, 5, 8);
        Assert.True(gqa.call(x).allclose(mha.call(x), atol: 1e-5));
    }

    [Fact]
    public void Scaled_dot_product_attention_matches_a_hand_computed_example()
    {
        // one query (1, 0) against keys (1, 0) and (0, 1): scores 1/√2 and 0 → weights softmax(0.7071, 0)
        var q = T([1f, 0f], 1, 1, 1, 2);
        var k = T([1f, 0f, 0f, 1f], 1, 1, 2, 2);
        var v = T([10f, 0f, 0f, 10f], 1, 1, 2, 2);
        var y = Values(Attention.ScaledDotProduct(q, k, v, null, out var w));
        float w0 = 1f / (1f + MathF.Exp(-0.70710678f));
        Assert.Equal(w0, Values(w)[0], 5);
        Assert.Equal(10 * w0, y[0], 4);
        Assert.Equal(10 * (1 - w0), y[1], 4);
    }

    [Fact]
    public void SwiGlu_is_down_of_silu_gate_times_up()
    {
        using var mlp = new SwiGlu(1, 1);
        using (torch.no_grad())
        {
            mlp.gate_proj.weight.fill_(1); mlp.up_proj.weight.fill_(2); mlp.down_proj.weight.fill_(3);
        }
        // x = 1: silu(1) = 1/(1+e^-1) = 0.731059; y = 3 · 0.731059 · 2
        Assert.Equal(3 * 0.7310586f * 2, Values(mlp.call(T([1f], 1, 1)))[0], 5);
    }

    [Fact]
    public void Gelu_mlp_uses_exact_or_tanh_gelu()
    {
        var x = T([1f], 1);
        Assert.Equal(0.8413447f, Values(GeluMlp.Gelu(x, false))[0], 5);
        Assert.Equal(0.8411920f, Values(GeluMlp.Gelu(x, true))[0], 5);
    }

    [Fact]
    public void Pre_norm_keeps_the_residual_stream_and_post_norm_normalises_it()
    {
        TransformerBlock Block(NormPlacement placement)
        {
            var block = new TransformerBlock(new LayerNorm(8), new MultiHeadAttention(8, 2), new LayerNorm(8),
                new GeluMlp(8, 32), placement);
            using var _ = torch.no_grad();
            foreach (var (name, p) in block.named_parameters())
                if (!name.StartsWith("ln_", StringComparison.Ordinal)) p.zero_(); // both sublayers now output 0
            return block;
        }

        var x = torch.randn(1, 4, 8) * 3 + 1;
        using var pre = Block(NormPlacement.Pre);
        using var post = Block(NormPlacement.Post);

        Assert.True(pre.call(x).allclose(x)); // x + 0 + 0: the residual stream passes unchanged
        var y = post.call(x);                   // LN₂(LN₁(x + 0) + 0): normalised
        Assert.True(y.mean([-1]).abs().max().item<float>() < 1e-5);
        Assert.True((y.std([-1], unbiased: false) - 1).abs().max().item<float>() < 1e-3);
        Assert.False(y.allclose(x));
    }

    [Fact]
    public void Kv_cache_gives_the_same_logits_as_recomputing_the_prefix()
    {
        var config = new LlamaConfig(32, 16, 24, 2, 4, 2, MaxPositionEmbeddings: 32);
        using var model = new LlamaForCausalLM(config);
        var ids = torch.tensor(new long[] { 1, 5, 7, 3, 9, 2 }, new long[] { 1, 6 });
        using var _ = torch.no_grad();
        var full = model.Logits(ids);
        using var cache = model.NewCache(8);
        var first = model.Logits(ids[.., ..4], cache);
        var a = model.Logits(ids[.., 4..5], cache);
        var b = model.Logits(ids[.., 5..6], cache);
        Assert.Equal(6, cache.Length);
        Assert.True(full[.., ..4].allclose(first, atol: 1e-5));
        Assert.True(full[.., 4..5].allclose(a, atol: 1e-5));
        Assert.True(full[.., 5..6].allclose(b, atol: 1e-5));
        Assert.Equal(2L * 2 * 2 * 4 * 4 * 8, cache.SizeInBytes); // 2 × layers × kv_heads × head_dim × 4 bytes × 8 tokens
    }

    [Fact]
    public void Token_embedding_returns_the_rows_of_its_table()
    {
        using var e = new TokenEmbedding(4, 2);
        using (torch.no_grad()) e.weight.copy_(T([0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f], 4, 2));
        Assert.Equal([6f, 7f, 2f, 3f], Values(e.call(torch.tensor(new long[] { 3, 1 }))));
    }
}
