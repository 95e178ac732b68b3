using CourseWorkbook.Data;
using CourseWorkbook.Models;
using CourseWorkbook.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Models;

/// <summary>HF semantics of LlamaForCausalLM.Forward(input_ids, attention_mask, position_ids): 1 = keep, 0 = padding;
/// positions default to 0..T−1 in every row.</summary>
[Collection(TorchRandomCollection.Name)]
public class LlamaPaddingTests : TorchTest
{
    static readonly long[] Short = [1, 7, 3, 2];
    static readonly long[] Long = [1, 4, 5, 6, 9, 10, 2];

    static Tensor Alone(LlamaForCausalLM m, long[] ids) => m.Forward(tensor(ids).unsqueeze(0))[0];

    [Fact]
    public void Left_padding_with_mask_and_position_ids_gives_each_sequence_its_logits_alone()
    {
        var m = TinyLlama.Create();
        var b = CausalLmCollator.Collate([Short, Long], side: PaddingSide.Left);
        using var _ = no_grad();
        var logits = m.Forward(b.input_ids, b.attention_mask, b.position_ids);
        var shortInBatch = logits[0].narrow(0, Long.Length - Short.Length, Short.Length);
        Assert.True(shortInBatch.allclose(Alone(m, Short), rtol: 0, atol: 1e-10));
        Assert.True(logits[1].allclose(Alone(m, Long), rtol: 0, atol: 1e-10));
    }

    [Fact]
    public void Left_padding_needs_the_mask_and_RoPE_forgives_a_constant_position_offset()
    {
        var m = TinyLlama.Create();
        var b = CausalLmCollator.Collate([Short, Long], side: PaddingSide.Left);
        using var _ = no_grad();
        var alone = Alone(m, Short);
        double Gap(Tensor logits) =>
            (logits[0].narrow(0, Long.Length - Short.Length, Short.Length) - alone).abs().max().item<double>();
        Assert.True(Gap(m.Forward(b.input_ids)) > 1e-3, "no mask: real tokens attend to padding");
        // RoPE scores depend on relative positions only: shifting a whole row by its padding changes nothing but
        // rounding.
        // (The cos/sin tables are float32, so "nothing" is float32 rounding of the angles.)
        var gap = Gap(m.Forward(b.input_ids, b.attention_mask));
        Assert.True(gap < 1e-4, $"mask, default positions: {gap}");
        Assert.True(Gap(m.Forward(b.input_ids, b.attention_mask, b.position_ids)) < 1e-10);
    }

    [Fact]
    public void Gpt2_learned_positions_need_position_ids_with_left_padding()
    {
        manual_seed(0);
        var m = new Gpt2LMHeadModel(new Gpt2Config(VocabSize: 16, NPositions: 16, NEmbd: 8, NLayer: 2, NHead: 2),
            dtype: ScalarType.Float64);
        m.eval();
        using (no_grad()) m.transformer.wpe.weight.mul_(50);
        var b = CausalLmCollator.Collate([Short, Long], side: PaddingSide.Left);
        using var _ = no_grad();
        var alone = m.Forward(tensor(Short).unsqueeze(0))[0];
        double Gap(Tensor logits) =>
            (logits[0].narrow(0, Long.Length - Short.Length, Short.Length) - alone).abs().max().item<double>();
        Assert.True(Gap(m.Forward(b.input_ids, b.attention_mask)) > 1e-3, "mask, default positions");
        Assert.True(Gap(m.Forward(b.input_ids, b.attention_mask, b.position_ids)) < 1e-10);
        Assert.True(m.Logits(b.input_ids).allclose(m.Forward(b.input_ids), rtol: 0, atol: 0));
    }

    [Fact]
    public void Right_padding_only_needs_the_mask_for_its_real_tokens()
    {
        var m = TinyLlama.Create();
        var b = CausalLmCollator.Collate([Short, Long], side: PaddingSide.Right);
        using var _ = no_grad();
        var logits = m.Forward(b.input_ids, b.attention_mask);
        Assert.True(logits[0].narrow(0, 0, Short.Length).allclose(Alone(m, Short), rtol: 0, atol: 1e-10));
    }

    [Fact]
    public void Default_positions_are_zero_to_T_minus_one()
    {
        var m = TinyLlama.Create();
        var ids = tensor(Long).unsqueeze(0);
        using var _ = no_grad();
        var explicitPositions = m.Forward(ids, null, arange(Long.Length).unsqueeze(0));
        Assert.True(explicitPositions.allclose(m.Forward(ids), rtol: 0, atol: 1e-12));
        Assert.True(m.Logits(ids).allclose(m.Forward(ids), rtol: 0, atol: 0));
    }

    [Fact]
    public void Rope_with_position_ids_equals_rope_from_a_start_position()
    {
        var rope = new RotaryEmbedding(8, layout: RopeLayout.AdjacentPairs, maxPositions: 16);
        var x = randn(1, 2, 3, 8);
        var fromStart = rope.call(x, 5);
        var fromIds = rope.Apply(x, tensor(new long[] { 5, 6, 7 }).unsqueeze(0));
        Assert.True(fromIds.allclose(fromStart, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Attention_dropout_acts_in_train_mode_only()
    {
        var m = TinyLlama.Create(attentionDropout: 0.5);
        var ids = tensor(Long).unsqueeze(0);
        using var _ = no_grad();
        m.eval();
        Assert.True(m.Forward(ids).allclose(m.Forward(ids), rtol: 0, atol: 0));
        m.train();
        Assert.False(m.Forward(ids).allclose(m.Forward(ids), rtol: 0, atol: 1e-6));
    }
}
