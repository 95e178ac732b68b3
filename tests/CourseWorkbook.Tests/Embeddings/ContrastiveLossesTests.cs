using CourseWorkbook.Embeddings;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Embeddings;

public class ContrastiveLossesTests : TorchTest
{
    [Fact]
    public void Triplet_loss_matches_hand_computation()
    {
        // a=(0,0), p=(3,4): d=5; n=(6,8): d=10 → max(0, 5-10+1)=0. Second: p=(1,0): d=1, n=(0,0.5): d=0.5 → 1-0.5+1=1.5
        var a = tensor(new float[] { 0, 0, 0, 0 }).reshape(2, 2);
        var p = tensor(new float[] { 3, 4, 1, 0 }).reshape(2, 2);
        var n = tensor(new float[] { 6, 8, 0, 0.5f }).reshape(2, 2);
        var loss = ContrastiveLosses.Triplet(a, p, n, margin: 1.0).item<float>();
        Assert.Equal(0.75, loss, 4);
    }

    [Fact]
    public void Triplet_loss_equals_torch_builtin()
    {
        torch.manual_seed(1);
        var a = randn(16, 5); var p = randn(16, 5); var n = randn(16, 5);
        var ours = ContrastiveLosses.Triplet(a, p, n, margin: 0.7).item<float>();
        var builtin = nn.functional.triplet_margin_loss(a, p, n, margin: 0.7).item<float>();
        Assert.Equal(builtin, ours, 5);
    }

    [Fact]
    public void Pairwise_margin_loss_matches_hand_computation()
    {
        // similar pair at distance 2 → 4; dissimilar at distance 0.5 with margin 1 → 0.25; dissimilar at 3 → 0.
        var x1 = tensor(new float[] { 0, 0, 0, 0, 0, 0 }).reshape(3, 2);
        var x2 = tensor(new float[] { 2, 0, 0, 0.5f, 3, 0 }).reshape(3, 2);
        var y = tensor(new float[] { 1, 0, 0 });
        var loss = ContrastiveLosses.PairwiseMargin(x1, x2, y, margin: 1.0).item<float>();
        Assert.Equal((4 + 0.25) / 3, loss, 4);
    }

    [Fact]
    public void Pairwise_margin_loss_equals_hinge_embedding_of_squared_terms()
    {
        torch.manual_seed(2);
        var x1 = randn(32, 3); var x2 = randn(32, 3);
        var y = (rand(32) > 0.5).to_type(ScalarType.Float32);
        var d = nn.functional.pairwise_distance(x1, x2);
        var expected = (y * d.pow(2) + (1 - y) * nn.functional.relu(1.5 - d).pow(2)).mean().item<float>();
        Assert.Equal(expected, ContrastiveLosses.PairwiseMargin(x1, x2, y, margin: 1.5).item<float>(), 5);
    }

    [Fact]
    public void InfoNce_matches_hand_computation()
    {
        // Unit vectors: q0=(1,0), q1=(0,1); k0=(1,0), k1=(0,1). logits = I/τ with τ=0.5 → rows [2,0],[0,2].
        // loss = -log(e²/(e²+1)) for both rows.
        var q = tensor(new float[] { 1, 0, 0, 1 }).reshape(2, 2);
        var loss = ContrastiveLosses.InfoNce(q, q * 3, temperature: 0.5).item<float>();
        Assert.Equal(-Math.Log(Math.Exp(2) / (Math.Exp(2) + 1)), loss, 4);
    }

    [Fact]
    public void InfoNce_equals_cross_entropy_of_scaled_cosine_logits_and_symmetric_averages_both_directions()
    {
        torch.manual_seed(3);
        var q = randn(8, 4); var k = randn(8, 4);
        var logits = nn.functional.cosine_similarity(q.unsqueeze(1), k.unsqueeze(0), dim: 2) / 0.1;
        var target = arange(8, dtype: ScalarType.Int64);
        var forward = nn.functional.cross_entropy(logits, target).item<float>();
        var backward = nn.functional.cross_entropy(logits.t(), target).item<float>();
        Assert.Equal(forward, ContrastiveLosses.InfoNce(q, k, 0.1).item<float>(), 4);
        Assert.Equal((forward + backward) / 2, ContrastiveLosses.InfoNce(q, k, 0.1, symmetric: true).item<float>(), 4);
    }

    [Fact]
    public void InfoNce_with_hard_negatives_adds_them_as_columns_of_the_query_direction_only()
    {
        torch.manual_seed(4);
        var q = randn(6, 4); var k = randn(6, 4); var h = randn(3, 4);
        var keys = cat([k, h], 0);
        var logits = nn.functional.cosine_similarity(q.unsqueeze(1), keys.unsqueeze(0), dim: 2) / 0.2;   // [6, 9]
        var target = arange(6, dtype: ScalarType.Int64);
        var forward = nn.functional.cross_entropy(logits, target).item<float>();
        var backward = nn.functional.cross_entropy(logits[.., ..6].t(), target).item<float>();
        Assert.Equal(forward, ContrastiveLosses.InfoNce(q, k, 0.2, hardNegatives: h).item<float>(), 4);
        Assert.Equal((forward + backward) / 2, ContrastiveLosses.InfoNce(q, k, 0.2, symmetric: true, hardNegatives: h).item<float>(), 4);
        // A hard negative makes the task harder: the loss can only grow.
        Assert.True(forward > ContrastiveLosses.InfoNce(q, k, 0.2).item<float>());
        Assert.Equal(ContrastiveLosses.InfoNce(q, k, 0.2).item<float>(), ContrastiveLosses.InfoNce(q, k, 0.2, hardNegatives: zeros(0, 4)).item<float>(), 6);
    }

    [Fact]
    public void Losses_have_gradients()
    {
        var a = randn(4, 3, requires_grad: true);
        ContrastiveLosses.Triplet(a, randn(4, 3), randn(4, 3), margin: 10).backward();
        Assert.True(a.grad is not null && a.grad.abs().sum().item<float>() > 0);
    }
}
