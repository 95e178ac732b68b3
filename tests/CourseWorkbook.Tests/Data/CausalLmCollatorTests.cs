using CourseWorkbook.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Data;

public class CausalLmCollatorTests : TorchTest
{
    static readonly long[][] Sequences = [[1, 5, 6, 2], [1, 7, 2]];
    const long I = CausalLmCollator.IgnoreIndex;

    static long[][] Rows(Tensor t) =>
        Enumerable.Range(0, (int)t.shape[0]).Select(i => t[i].data<long>().ToArray()).ToArray();

    [Fact]
    public void Right_padding_masks_the_padding_and_the_first_label()
    {
        var b = CausalLmCollator.Collate(Sequences, padId: 0, PaddingSide.Right);
        Assert.Equal([[1, 5, 6, 2], [1, 7, 2, 0]], Rows(b.input_ids));
        Assert.Equal([[1, 1, 1, 1], [1, 1, 1, 0]], Rows(b.attention_mask));
        Assert.Equal([[I, 5, 6, 2], [I, 7, 2, I]], Rows(b.labels));
        Assert.Equal([[0, 1, 2, 3], [0, 1, 2, 0]], Rows(b.position_ids));
    }

    [Fact]
    public void Left_padding_numbers_positions_from_the_first_real_token()
    {
        var b = CausalLmCollator.Collate(Sequences, padId: 9, PaddingSide.Left);
        Assert.Equal([[1, 5, 6, 2], [9, 1, 7, 2]], Rows(b.input_ids));
        Assert.Equal([[1, 1, 1, 1], [0, 1, 1, 1]], Rows(b.attention_mask));
        Assert.Equal([[I, 5, 6, 2], [I, I, 7, 2]], Rows(b.labels));
        Assert.Equal([[0, 1, 2, 3], [0, 0, 1, 2]], Rows(b.position_ids));
    }

    [Fact]
    public void Position_ids_from_the_mask_match_the_collate_function_as_HF_computes_them()
    {
        var b = CausalLmCollator.Collate([[1, 2], [1, 3, 4, 5, 2], [1, 2, 2]], side: PaddingSide.Left);
        Assert.Equal(Rows(b.position_ids), Rows(CausalLmCollator.PositionIds(b.attention_mask)));
    }

    [Fact]
    public void Token_counts_are_the_real_tokens_and_the_predicted_ones()
    {
        foreach (var side in new[] { PaddingSide.Left, PaddingSide.Right })
        {
            var b = CausalLmCollator.Collate(Sequences, side: side);
            Assert.Equal(7, b.Tokens);
            Assert.Equal(3 + 2, b.PredictedTokens);   // every token but the first of each sequence
        }
    }
}
