using CourseWorkbook.Embeddings;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Clip;

/// <summary>CLIP's symmetric InfoNCE with a learnable logit scale against torch autograd (reference/info_nce.json).</summary>
public sealed class ClipLossTests : TorchTest
{
    [Fact]
    public void Loss_and_its_gradient_in_the_logit_scale_match_pytorch_and_the_scale_is_clamped_at_ln_100()
    {
        var reference = ClipReference.Json("info_nce.json");
        var images = tensor(ClipReference.Floats(reference.GetProperty("images")), new long[] { 5, 4 });
        var texts = tensor(ClipReference.Floats(reference.GetProperty("texts")), new long[] { 5, 4 });
        foreach (var c in reference.GetProperty("cases").EnumerateArray())
        {
            var scale = tensor((float)c.GetProperty("logit_scale").GetDouble()).requires_grad_(true);
            var loss = ContrastiveLosses.InfoNce(images, texts, scale);
            loss.backward();
            Assert.Equal(c.GetProperty("loss").GetDouble(), loss.item<float>(), 4);
            Assert.Equal(c.GetProperty("grad").GetDouble(), scale.grad!.item<float>(), 4);
        }
    }

    [Fact]
    public void With_a_fixed_scale_it_equals_the_symmetric_infonce_at_temperature_one_over_exp_scale()
    {
        var q = randn(6, 3, generator: new Generator(7));
        var k = randn(6, 3, generator: new Generator(8));
        var learnable = ContrastiveLosses.InfoNce(q, k, tensor(MathF.Log(1 / 0.07f))).item<float>();
        Assert.Equal(ContrastiveLosses.InfoNce(q, k, 0.07, symmetric: true).item<float>(), learnable, 4);
    }
}
