using CourseWorkbook.Data;
using CourseWorkbook.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Training;

public class CausalLmLossTests : TorchTest
{
    // logits [B = 2, T = 3, V = 4]; labels [2, 3] with −100 on padding and on the first token.
    static readonly double[] LogitValues =
    [
        0.1, 0.5, -0.3, 2.0,   1.0, 0.0, 0.0, -1.0,   0.3, 0.3, 0.3, 0.3,
        -2.0, 1.5, 0.2, 0.0,   0.0, 0.0, 3.0, 0.0,    9.0, 9.0, 9.0, 9.0,
    ];
    static readonly long[] LabelValues = [-100, 3, 1, -100, 2, -100];

    static (Tensor Logits, Tensor Labels) Inputs() =>
        (tensor(LogitValues, new long[] { 2, 3, 4 }), tensor(LabelValues, new long[] { 2, 3 }));

    static double NegLogSoftmax(int offset, int target)
    {
        var row = LogitValues.Skip(offset).Take(4).ToArray();
        double logSum = Math.Log(row.Sum(Math.Exp));
        return logSum - row[target];
    }

    [Fact]
    public void The_loss_is_the_mean_over_counted_next_tokens_computed_by_hand()
    {
        // Row 0: position 0 predicts label 3, position 1 predicts label 1. Row 1: position 0 predicts label 2;
        // position 1 predicts −100 (ignored). Position 2 predicts nothing.
        double expected = (NegLogSoftmax(0, 3) + NegLogSoftmax(4, 1) + NegLogSoftmax(12, 2)) / 3;
        var (logits, labels) = Inputs();
        Assert.Equal(expected, CausalLmLoss.Compute(logits, labels).item<double>(), 12);
    }

    [Fact]
    public void The_loss_equals_torch_cross_entropy_with_ignore_index_on_shifted_tensors()
    {
        var (logits, labels) = Inputs();
        var reference = nn.functional.cross_entropy(logits[.., ..2].reshape(-1, 4), labels[.., 1..].reshape(-1),
            ignore_index: -100);
        Assert.Equal(reference.item<double>(), CausalLmLoss.Compute(logits, labels).item<double>(), 14);
    }

    [Fact]
    public void Sum_count_and_per_token_losses_agree_with_the_mean()
    {
        var (logits, labels) = Inputs();
        var (sum, count) = CausalLmLoss.SumAndCount(logits, labels);
        var perToken = CausalLmLoss.PerToken(logits, labels);
        Assert.Equal(3, count);
        Assert.Equal([2L, 2L], perToken.shape);
        Assert.Equal(0.0, perToken[1, 1].item<double>());
        Assert.Equal(CausalLmLoss.Compute(logits, labels).item<double>(), sum.item<double>() / count, 12);
        Assert.Equal(sum.item<double>(), perToken.sum().item<double>(), 12);
    }

    [Fact]
    public void The_ignore_index_is_PyTorchs()
    {
        Assert.Equal(-100, CausalLmCollator.IgnoreIndex);
    }
}
