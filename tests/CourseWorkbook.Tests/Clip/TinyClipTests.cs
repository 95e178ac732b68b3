using CourseWorkbook.Clip;
using TorchSharp;
using Xunit;

namespace CourseWorkbook.Tests.Clip;

[Collection(TorchRandomCollection.Name)]
public sealed class TinyClipTests : TorchTest
{
    [Fact]
    public void A_short_run_lowers_the_loss_and_is_the_same_for_the_same_seed()
    {
        ClipTrainingRun Run()
        {
            torch.manual_seed(3);
            var tokenizer = ShapeWorld.Tokenizer();
            using var model = new ClipModel(TinyClip.Config(tokenizer, width: 32, layers: 1));
            var data = TinyClip.Tensors(ShapeWorld.Sample(256, new Random(1)), tokenizer);
            return TinyClip.Train(model, data, steps: 60, batchSize: 32, new Random(2), learningRate: 3e-3, logEvery: 1);
        }
        var a = Run();
        var b = Run();
        // it starts at ln 32 (every caption equally likely) and must leave that plateau
        Assert.True(a.Curve.Losses.TakeLast(5).Average() < Math.Log(32) - 0.5,
            string.Join(", ", a.Curve.Losses.Select(l => l.ToString("F3"))));
        Assert.Equal(a.Curve.Losses, b.Curve.Losses);
        Assert.Equal(Math.Exp(2.6592), a.InverseTemperature[0], 3);   // logit_scale starts at 2.6592 ≈ ln(1/0.07)
    }

    [Fact]
    public void The_committed_checkpoint_loads_by_name_and_classifies_seen_combinations_zero_shot()
    {
        Assert.NotNull(TinyClip.Folder);
        using var model = TinyClip.LoadPretrained();
        var tokenizer = ShapeWorld.Tokenizer();
        Assert.Equal(TinyClip.Config(tokenizer), model.Config);
        var seen = ShapeWorld.Sample(200, new Random(11));
        var result = ClipEvaluation.ZeroShot(model, tokenizer, seen, ShapeWorld.Labels, ClipEvaluation.Ensemble,
            TinyClip.ContextLength);
        Assert.True(result.Accuracy >= 0.9, $"zero-shot accuracy {result.Accuracy}");
        Assert.InRange(Math.Exp(model.logit_scale.item<float>()), 1, 100.001);
    }

    [Fact]
    public void Recall_counts_a_retrieved_item_with_the_same_caption_as_a_hit()
    {
        // 3 images × 3 captions; captions 0 and 2 are equal. Image 0's best text is 2 (same caption: a hit).
        var similarity = torch.tensor(new float[] { 0.1f, 0.0f, 0.9f, 0.0f, 0.2f, 0.8f, 0.5f, 0.4f, 0.3f }, 3, 3);
        var recall = ClipEvaluation.Recall(similarity, ["a", "b", "a"]);
        Assert.Equal(2 / 3.0, recall.ImageToTextAt1, 6);   // image 1 retrieves caption "a": miss
        Assert.Equal(1.0, recall.ImageToTextAt5, 6);
        Assert.Equal(2 / 3.0, recall.TextToImageAt1, 6);   // text 0 → image 2 (hit), 1 → image 2 (miss), 2 → image 0 (hit)
        Assert.Equal(1.0, recall.TextToImageAt5, 6);
    }
}
