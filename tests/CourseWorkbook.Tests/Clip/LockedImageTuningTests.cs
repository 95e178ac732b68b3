using CourseWorkbook.Clip;
using CourseWorkbook.Models;
using CourseWorkbook.Tests.Weights;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Clip;

[Collection(TorchRandomCollection.Name)]
public sealed class LockedImageTuningTests : TorchTest
{
    [Fact]
    public void Upscaling_a_2x2_image_by_3_repeats_each_pixel_as_a_3x3_block()
    {
        byte[] pixels = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];   // (0,0) (1,0) / (0,1) (1,1), RGB each
        var up = LockedImageTuning.Upscale(new RgbImage(2, 2, pixels), size: 6);
        Assert.Equal(6 * 6 * 3, up.Length);
        for (int y = 0; y < 6; y++)
            for (int x = 0; x < 6; x++)
            {
                int source = (y / 3 * 2 + x / 3) * 3;
                Assert.Equal(pixels[source..(source + 3)], up[((y * 6 + x) * 3)..((y * 6 + x) * 3 + 3)]);
            }
    }

    [Fact]
    public void Upscaling_32_to_224_equals_libtorch_nearest_interpolation()
    {
        var images = ShapeWorld.Sample(2, new Random(5)).Select(p => p.Image).ToList();
        using var ours = LockedImageTuning.Planar(images);
        using var small = ClipImageProcessorPlanar(images);
        using var theirs = nn.functional.interpolate(small, size: [224, 224], mode: InterpolationMode.Nearest);
        Assert.Equal(theirs.shape, ours.shape);
        Assert.True(theirs.eq(ours).all().item<bool>());
    }

    /// <summary>The 32×32 images as planar float tensors [B, 3, 32, 32], values 0–255.</summary>
    static Tensor ClipImageProcessorPlanar(IReadOnlyList<RgbImage> images)
    {
        var values = new float[images.Count * 3 * 32 * 32];
        for (int b = 0; b < images.Count; b++)
            for (int i = 0; i < 32 * 32; i++)
                for (int c = 0; c < 3; c++) values[(b * 3 + c) * 1024 + i] = images[b].Pixels[3 * i + c];
        return torch.tensor(values, new long[] { images.Count, 3, 32, 32 });
    }

    [Fact]
    public void The_trainable_parameters_leave_out_every_vision_tower_parameter()
    {
        var tokenizer = ShapeWorld.Tokenizer();
        using var clip = new ClipModel(TinyClip.Config(tokenizer, width: 32, layers: 1));
        using var projection = LockedImageTuning.Projection(clip.Config);
        var trainable = LockedImageTuning.Trainable(clip, projection).ToList();
        var vision = clip.vision_model.parameters().Concat(clip.visual_projection.parameters()).ToList();
        Assert.DoesNotContain(trainable, p => vision.Any(v => ReferenceEquals(v, p)));
        Assert.Contains(trainable, p => ReferenceEquals(p, clip.logit_scale));
        Assert.Equal(new long[] { 32, 512 }, projection.weight.shape);
        Assert.Null(projection.bias);
    }

    [Fact]
    public void A_short_run_on_fixed_features_is_repeatable_and_beats_chance()
    {
        // stand-in frozen features: colour and shape as indicators repeated over the 512 features, plus noise
        var tokenizer = ShapeWorld.Tokenizer();
        var train = ShapeWorld.Sample(256, new Random(1));
        var test = ShapeWorld.Sample(100, new Random(2));
        Tensor Codes(IReadOnlyList<ImageCaption> pairs, int seed)
        {
            var rng = new Random(seed);
            var words = ShapeWorld.Colours.Concat(ShapeWorld.Shapes).ToList();
            var values = pairs.SelectMany(p => Enumerable.Range(0, 512).Select(i =>
                (float)((i % 18 == words.IndexOf(p.Scene.Colour) ? 1 : 0)
                    + (i % 18 == words.IndexOf(p.Scene.Shape) ? 1 : 0) + 0.1 * rng.NextDouble()))).ToArray();
            return torch.tensor(values, new long[] { pairs.Count, 512 });
        }
        (double Accuracy, IReadOnlyList<double> Losses) Run()
        {
            torch.manual_seed(3);
            using var clip = new ClipModel(TinyClip.Config(tokenizer, width: 32, layers: 1));
            using var projection = LockedImageTuning.Projection(clip.Config);
            using var features = Codes(train, 7);
            using var testFeatures = Codes(test, 8);
            using var ids = TinyClip.Ids(tokenizer, train.Select(p => p.Caption).ToList());
            var curve = LockedImageTuning.Train(clip, projection, features, ids, steps: 80, batchSize: 32,
                new Random(4), learningRate: 3e-3, logEvery: 1);
            var accuracy = LockedImageTuning.ZeroShot(clip, projection, tokenizer, testFeatures, test,
                ShapeWorld.Labels, ClipEvaluation.Ensemble, TinyClip.ContextLength).Accuracy;
            return (accuracy, curve.Losses);
        }
        var a = Run();
        var b = Run();
        Assert.Equal(a.Losses, b.Losses);
        Assert.Equal(a.Accuracy, b.Accuracy);
        Assert.True(a.Accuracy > 3.0 / 20, $"zero-shot {a.Accuracy:F3}; chance is 1/20");
    }

    [PackagedFact(OnnxTestFiles.ResNet18)]
    public void The_ResNet_stays_frozen_its_features_unchanged_and_without_gradients()
    {
        var lookup = ResNetFeaturizer.TryLoad();
        var featurizer = lookup.Featurizer ?? throw new InvalidOperationException(lookup.Message);
        var tokenizer = ShapeWorld.Tokenizer();
        var pairs = ShapeWorld.Sample(24, new Random(9));
        using var before = LockedImageTuning.Features(featurizer, pairs, chunk: 8);
        Assert.False(before.requires_grad);
        var weights = featurizer.Model.parameters().Select(p => p.detach().clone()).ToList();
        torch.manual_seed(3);
        using var clip = new ClipModel(TinyClip.Config(tokenizer, width: 32, layers: 1));
        using var projection = LockedImageTuning.Projection(clip.Config);
        using var ids = TinyClip.Ids(tokenizer, pairs.Select(p => p.Caption).ToList());
        var start = projection.weight.detach().clone();
        LockedImageTuning.Train(clip, projection, before, ids, steps: 5, batchSize: 8, new Random(4));
        Assert.False(projection.weight.eq(start).all().item<bool>());   // the projection did train
        Assert.All(featurizer.Model.parameters(), p => Assert.Null(p.grad));
        Assert.All(featurizer.Model.parameters().Zip(weights),
            pw => Assert.True(pw.First.eq(pw.Second).all().item<bool>()));
        using var after = LockedImageTuning.Features(featurizer, pairs, chunk: 8);
        Assert.True(after.eq(before).all().item<bool>());
        // the batched path equals the featurizer's own one-image path on the upscaled bytes
        var single = featurizer.Features(LockedImageTuning.Upscale(pairs[3].Image));
        double diff = single.Zip(before[3].data<float>().ToArray(), (x, y) => Math.Abs((double)x - y)).Max();
        Assert.True(diff <= 1e-4, $"max |Δ| = {diff:E2}");
    }
}
