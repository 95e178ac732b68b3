using CourseWorkbook.Data;
using CourseWorkbook.Models;
using CourseWorkbook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Training;

[Collection(TorchRandomCollection.Name)]
public class DraftLoopTests : TorchTest
{
    static readonly long[][] Mixed = [[1, 4, 5, 6, 7, 2], [1, 9, 2], [1, 3, 3, 8, 2], [1, 11, 12, 13, 14, 15, 2]];
    static readonly long[][] SameLength = [[1, 4, 5, 6, 2], [1, 9, 9, 3, 2], [1, 3, 3, 8, 2]];

    static long[] Values(Tensor t) => t.contiguous().data<long>().ToArray();

    static double Loss(LlamaForCausalLM model, IReadOnlyList<long[]> rows, int stage)
    {
        using var _ = no_grad();
        return DraftLoop.ComputeLoss(model, DraftLoop.Collate(rows, 0, stage), stage).item<double>();
    }

    [Fact]
    public void The_draft_collate_pads_left_and_copies_the_inputs_as_labels()
    {
        var b = DraftLoop.Collate([[1, 5, 2], [1, 2]], 0, fixedThrough: 0);
        Assert.Equal(new long[] { 1, 5, 2, 0, 1, 2 }, Values(b.input_ids));
        Assert.Equal(new long[] { 1, 1, 1, 0, 1, 1 }, Values(b.attention_mask));
        Assert.Equal(new long[] { 1, 5, 2, 0, 1, 2 }, Values(b.labels));
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2 }, Values(b.position_ids));
    }

    [Fact]
    public void Fix_6_masks_padding_and_first_tokens_in_the_labels_and_fix_8_counts_positions_from_the_text()
    {
        var six = DraftLoop.Collate([[1, 5, 2], [1, 2]], 0, fixedThrough: 6);
        Assert.Equal(new long[] { -100, 5, 2, -100, -100, 2 }, Values(six.labels));
        Assert.Equal(new long[] { 0, 1, 2, 0, 1, 2 }, Values(six.position_ids));
        var eight = DraftLoop.Collate([[1, 5, 2], [1, 2]], 0, fixedThrough: 8);
        Assert.Equal(new long[] { 0, 1, 2, 0, 0, 1 }, Values(eight.position_ids));
    }

    [Fact]
    public void The_fixed_collate_equals_the_library_collator_with_left_padding()
    {
        var ours = DraftLoop.Collate(Mixed, 0, DraftLoop.Bugs);
        var library = CausalLmCollator.Collate(Mixed, 0, PaddingSide.Left);
        Assert.Equal(Values(library.input_ids), Values(ours.input_ids));
        Assert.Equal(Values(library.attention_mask), Values(ours.attention_mask));
        Assert.Equal(Values(library.labels), Values(ours.labels));
        Assert.Equal(Values(library.position_ids), Values(ours.position_ids));
    }

    [Fact]
    public void The_draft_loss_scores_each_position_against_its_own_token_computed_by_hand()
    {
        var model = TinyLlama.Create();
        long[] row = [1, 4, 5, 6, 7, 2];
        double expected;
        using (no_grad())
        {
            var logSoftmax = nn.functional.log_softmax(model.Forward(tensor(row).unsqueeze(0))[0], -1);
            expected = -Enumerable.Range(0, row.Length).Average(t => logSoftmax[t, row[t]].item<double>());
        }
        Assert.Equal(expected, Loss(model, [row], 0), 12);
    }

    [Fact]
    public void Fix_1_alone_gives_the_library_loss_at_batch_size_1()
    {
        var model = TinyLlama.Create();
        foreach (var row in Mixed)
        {
            var b = CausalLmCollator.Collate([row]);
            double library;
            using (no_grad()) library = CausalLmLoss.Compute(model.Forward(b.input_ids), b.labels).item<double>();
            Assert.Equal(library, Loss(model, [row], 1), 12);
        }
    }

    [Fact]
    public void Fix_5_makes_a_batch_without_padding_score_as_its_rows_alone()
    {
        var model = TinyLlama.Create();
        foreach (var (stage, same) in new[] { (4, false), (5, true) })
        {
            double together = Loss(model, SameLength, stage);
            double alone = SameLength.Average(r => Loss(model, [r], stage));
            Assert.Equal(same, Math.Abs(together - alone) < 1e-12);
        }
    }

    [Fact]
    public void Fix_7_hides_the_padding_from_the_model()
    {
        var model = TinyLlama.Create();
        foreach (var (stage, hidden) in new[] { (6, false), (7, true) })
        {
            var b = DraftLoop.Collate(Mixed, 0, stage);
            var otherPadding = b with { input_ids = b.input_ids.masked_fill(b.attention_mask.eq(0), 3) };
            using var _ = no_grad();
            double first = DraftLoop.ComputeLoss(model, b, stage).item<double>();
            double second = DraftLoop.ComputeLoss(model, otherPadding, stage).item<double>();
            Assert.Equal(hidden, Math.Abs(first - second) < 1e-12);
        }
    }

    [Fact]
    public void The_fixed_loss_equals_the_library_loss_and_passes_the_batching_check_which_fix_8_fails()
    {
        var model = TinyLlama.Create();
        var b = DraftLoop.Collate(Mixed, 0, DraftLoop.Bugs);
        double library;
        using (no_grad())
            library = CausalLmLoss.Compute(model.Forward(b.input_ids, b.attention_mask, b.position_ids), b.labels)
                .item<double>();
        Assert.Equal(library, Loss(model, Mixed, DraftLoop.Bugs), 12);

        BatchingCheckResult Identity(int stage) => BatchingCheck.Compare(model,
            () => DraftLoop.ComputeLoss(model, DraftLoop.Collate(Mixed, 0, stage), stage),
            Mixed.Select(s => ((Func<Tensor>)(() => DraftLoop.ComputeLoss(model, DraftLoop.Collate([s], 0, stage),
                stage)), (long)s.Length - 1)).ToList());
        Assert.True(Identity(9).MaxRelativeDifference < 1e-10, Identity(9).ToString());
        Assert.True(Identity(8).MaxRelativeDifference > 1e-3, Identity(8).ToString());
    }

    [Theory]
    [InlineData(1, 2.0, false)]   // gradients add up, eval mode kept
    [InlineData(2, 1.0, false)]   // zeroed
    [InlineData(3, 1.0, true)]    // zeroed, train mode
    public void The_train_step_zeroes_gradients_from_fix_2_and_trains_in_train_mode_from_fix_3(int stage,
        double gradientRatio, bool trainMode)
    {
        var model = TinyLlama.Create();
        var optimizer = optim.SGD(model.parameters(), 0.0);
        var batch = DraftLoop.Collate([Mixed[0]], 0, DraftLoop.Bugs);
        Tensor Loss(LlamaForCausalLM m, CausalLmBatch b) => DraftLoop.ComputeLoss(m, b, DraftLoop.Bugs);
        double Norm() => Math.Sqrt(model.parameters().Sum(p => p.grad is { } g ? g.pow(2).sum().item<double>() : 0));

        var loss = DraftLoop.TrainStep(model, optimizer, batch, Loss, null, stage);
        double once = Norm();
        DraftLoop.TrainStep(model, optimizer, batch, Loss, null, stage);
        Assert.Equal(gradientRatio, Norm() / once, 9);
        Assert.Equal(trainMode, model.training);
        using (no_grad()) Assert.Equal(Loss(model, batch).item<double>(), loss.item<double>(), 12);
    }

    [Fact]
    public void A_stage_outside_the_bugs_is_refused_by_name()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DraftLoop.Collate(Mixed, 0, 10));
        Assert.Equal("fixedThrough", e.ParamName);
        Assert.Throws<ArgumentException>(() => DraftLoop.Collate([], 0, 0));
    }
}
