using CourseWorkbook.Embeddings;
using CourseWorkbook.Models;
using CourseWorkbook.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Clip;

/// <summary>
/// LiT, locked-image tuning (Zhai et al. 2022): CLIP's training with the image tower taken from elsewhere and frozen.
/// Here the tower is the ImageNet ResNet18 of <see cref="ResNetFeaturizer"/>: its 512 features are computed once per
/// image (the world's 32×32 images upscaled to 224×224 by nearest neighbour, each pixel a 7×7 block); only a linear
/// visual projection 512 → joint width, the text tower, its projection and logit_scale are trained, with the same
/// symmetric InfoNCE as <see cref="TinyClip.Train"/>.
/// </summary>
public static class LockedImageTuning
{
    /// <summary>Width of the frozen tower's features.</summary>
    public const int FeatureWidth = 512;

    /// <summary>Nearest-neighbour upscaling to <paramref name="size"/>×<paramref name="size"/> interleaved RGB bytes:
    /// output pixel (x, y) is input pixel (⌊x·W/size⌋, ⌊y·H/size⌋). From 32 to 224 every pixel becomes a 7×7 block,
    /// so no value is invented.</summary>
    public static byte[] Upscale(RgbImage image, int size = ResNetFeaturizer.ImageSize)
    {
        var output = new byte[size * size * 3];
        for (int y = 0; y < size; y++)
        {
            int sy = y * image.Height / size;
            for (int x = 0; x < size; x++)
            {
                int sx = x * image.Width / size;
                Array.Copy(image.Pixels, (sy * image.Width + sx) * 3, output, (y * size + x) * 3, 3);
            }
        }
        return output;
    }

    /// <summary>Upscaled images as the featurizer's input: [B, 3, 224, 224], values 0–255, RGB planes.</summary>
    public static Tensor Planar(IReadOnlyList<RgbImage> images)
    {
        int size = ResNetFeaturizer.ImageSize, n = size * size;
        var planar = new float[images.Count * 3 * n];
        for (int b = 0; b < images.Count; b++)
        {
            var bytes = Upscale(images[b], size);
            for (int i = 0; i < n; i++)
                for (int c = 0; c < 3; c++) planar[(b * 3 + c) * n + i] = bytes[3 * i + c];
        }
        return torch.tensor(planar, new long[] { images.Count, 3, size, size });
    }

    /// <summary>The frozen tower's features [N, 512] of the images, computed without gradients, <paramref
    /// name="chunk"/> images at a time.</summary>
    public static Tensor Features(ResNetFeaturizer featurizer, IReadOnlyList<ImageCaption> pairs, int chunk = 32)
    {
        featurizer.Model.eval();
        var parts = new List<Tensor>();
        for (int start = 0; start < pairs.Count; start += chunk)
        {
            var images = pairs.Skip(start).Take(chunk).Select(p => p.Image).ToList();
            using var pixels = Planar(images);
            parts.Add(featurizer.Features(pixels));
        }
        var all = torch.cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }

    /// <summary>The trainable visual projection: frozen features → the joint space, no bias (as CLIP's).</summary>
    public static Linear Projection(ClipConfig config) => nn.Linear(FeatureWidth, config.ProjectionDim, hasBias: false);

    /// <summary>The parameters LiT trains: the text tower, text_projection, logit_scale and the visual projection
    /// (the CLIP model's own vision tower is unused and left out).</summary>
    public static IEnumerable<Parameter> Trainable(ClipModel text, Linear projection) =>
        text.text_model.parameters().Concat(text.text_projection.parameters()).Append(text.logit_scale)
            .Concat(projection.parameters());

    /// <summary>Trains for <paramref name="steps"/> steps of <paramref name="batchSize"/> distinct pairs: frozen
    /// <paramref name="features"/> [N, 512] with caption <paramref name="ids"/> [N, T]; AdamW, symmetric InfoNCE,
    /// logit_scale clamped at ln 100 — <see cref="TinyClip.Train"/> with the image tower locked.
    /// <paramref name="evaluate"/>, if given, runs before every <paramref name="evaluateEvery"/>-th step and after the
    /// last.</summary>
    public static TrainingCurve Train(ClipModel text, Linear projection, Tensor features, Tensor ids, int steps,
        int batchSize, Random rng, double learningRate = 1e-3, int logEvery = 10, Action<int>? evaluate = null,
        int evaluateEvery = 50)
    {
        text.train();
        projection.train();
        var optimizer = optim.AdamW(Trainable(text, projection), lr: learningRate, weight_decay: 0.01);
        var curve = TrainingLoop.Run("LiT (frozen ResNet18)", steps, optimizer, step =>
        {
            if (evaluate is not null && step % evaluateEvery == 0) evaluate(step);
            var index = TinyClip.DistinctIndices(rng, (int)features.shape[0], batchSize);
            var image = projection.call(features.index_select(0, index));
            var caption = text.GetTextFeatures(ids.index_select(0, index));
            return ContrastiveLosses.InfoNce(image, caption, text.logit_scale, TinyClip.MaxLogitScale);
        }, logEvery: logEvery);
        using (torch.no_grad()) text.logit_scale.clamp_(max: TinyClip.MaxLogitScale);
        text.eval();
        projection.eval();
        evaluate?.Invoke(steps);
        return curve;
    }

    /// <summary>Zero-shot accuracy from frozen features: each image's projected feature against the prompt-averaged
    /// class embeddings of <see cref="ClipEvaluation.ClassEmbeddings"/>.</summary>
    public static ZeroShotResult ZeroShot(ClipModel text, Linear projection, ClipTokenizer tokenizer, Tensor features,
        IReadOnlyList<ImageCaption> images, IReadOnlyList<string> labels, IReadOnlyList<string> templates,
        int contextLength)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var classes = ClipEvaluation.ClassEmbeddings(text, tokenizer, labels, templates, contextLength);
        var embeds = nn.functional.normalize(projection.call(features), p: 2, dim: 1);
        var best = embeds.matmul(classes.t()).argmax(1).data<long>().ToArray();
        var predicted = best.Select(i => labels[(int)i]).ToList();
        var truth = images.Select(i => i.Scene.Label).ToList();
        return new ZeroShotResult(predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Count,
            predicted, truth);
    }
}
