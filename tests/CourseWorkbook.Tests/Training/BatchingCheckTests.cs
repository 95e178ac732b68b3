using CourseWorkbook.Data;
using CourseWorkbook.Models;
using CourseWorkbook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Training;

[Collection(TorchRandomCollection.Name)]
public class BatchingCheckTests : TorchTest
{
    static readonly long[][] Sequences = [[1, 4, 5, 6, 7, 2], [1, 9, 2], [1, 3, 3, 8, 2], [1, 11, 12, 13, 14, 15, 2]];

    static Tensor Loss(LlamaForCausalLM model, CausalLmBatch b) =>
        CausalLmLoss.Compute(model.Forward(b.input_ids, b.attention_mask, b.position_ids), b.labels);

    static BatchingCheckResult Check(LlamaForCausalLM model, PaddingSide side,
        Func<LlamaForCausalLM, CausalLmBatch, Tensor> loss) =>
        BatchingCheck.Compare(model, () => loss(model, CausalLmCollator.Collate(Sequences, 0, side)),
            Sequences.Select(s => ((Func<Tensor>)(() => loss(model, CausalLmCollator.Collate([s], 0, side))),
                (long)s.Length - 1)).ToList());

    [Theory]
    [InlineData(PaddingSide.Right)]
    [InlineData(PaddingSide.Left)]
    public void A_correct_batch_gradient_equals_the_token_weighted_mean_of_single_gradients(PaddingSide side)
    {
        var result = Check(TinyLlama.Create(), side, Loss);
        Assert.True(result.MaxRelativeDifference < 1e-10, $"{side}: {result}");
        Assert.Equal(4, result.Sequences);
        Assert.Equal(17, result.Tokens);
        Assert.Equal("Float64", result.DType);
    }

    [Fact]
    public void A_loss_averaged_per_sequence_fails_the_check()
    {
        Tensor PerSequence(LlamaForCausalLM m, CausalLmBatch b)
        {
            var perToken = CausalLmLoss.PerToken(m.Forward(b.input_ids, b.attention_mask, b.position_ids), b.labels);
            var counts = b.labels[.., 1..].ne(CausalLmCollator.IgnoreIndex).sum(1);
            return (perToken.sum(1) / counts).mean();
        }
        var result = Check(TinyLlama.Create(), PaddingSide.Right, PerSequence);
        Assert.True(result.MaxRelativeDifference > 1e-3, result.ToString());
    }

    [Fact]
    public void Left_padding_without_attention_mask_fails_the_check()
    {
        Tensor NoMask(LlamaForCausalLM m, CausalLmBatch b) => CausalLmLoss.Compute(m.Forward(b.input_ids), b.labels);
        var result = Check(TinyLlama.Create(), PaddingSide.Left, NoMask);
        Assert.True(result.MaxRelativeDifference > 1e-3, result.ToString());
    }

    [Fact]
    public void Gradients_are_copies_and_leave_the_model_without_gradient()
    {
        var w = new TorchSharp.Modules.Parameter(tensor(new double[] { 1, 2, 3 }));
        var model = new Holder(w);
        var g = BatchingCheck.Gradients(model, () => (w * w).sum());
        Assert.Equal([2.0, 4.0, 6.0], g["w"].data<double>().ToArray());
        Assert.True(w.grad is null || w.grad.abs().sum().item<double>() == 0);
    }

    [Fact]
    public void Tied_weights_appear_once()
    {
        var names = BatchingCheck.UniqueParameters(TinyLlama.Create()).Select(p => p.Name).ToList();
        Assert.Contains("model.embed_tokens.weight", names);
        Assert.DoesNotContain("lm_head.weight", names);
    }

    sealed class Holder : nn.Module
    {
        public TorchSharp.Modules.Parameter w;
        public Holder(TorchSharp.Modules.Parameter w) : base("holder") { this.w = w; RegisterComponents(); }
    }
}
