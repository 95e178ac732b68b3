using CourseWorkbook.Embeddings;
using CourseWorkbook.Notebook;
using CourseWorkbook.Runtime;
using CourseWorkbook.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Clip;

/// <summary>A training run of CLIP on the synthetic world: the loss curve, and 1/τ = exp(logit_scale) along
/// it.</summary>
public sealed record ClipTrainingRun(TrainingCurve Curve, IReadOnlyList<double> InverseTemperature)
{
    /// <summary>τ at the end of training.</summary>
    public double FinalTemperature => 1 / InverseTemperature[^1];
}

/// <summary>
/// The workbook's tiny CLIP: the same <see cref="ClipModel"/> as openai/clip-vit-base-patch32, at toy size — a ViT on
/// 32×32 images cut into 8×8 patches (16 patch tokens + the class token) and a causal text transformer over the
/// world's captions, both 2 layers of width 64, joined in a 64-dimensional space. Trained on
/// <see cref="ShapeWorld"/> with CLIP's symmetric InfoNCE and learnable temperature.
/// </summary>
public static class TinyClip
{
    /// <summary>Tokens per caption (start and end included).</summary>
    public const int ContextLength = 16;

    /// <summary>Image side in pixels.</summary>
    public const int ImageSize = 32;

    /// <summary>The tiny model's config for a tokenizer (its vocabulary size and token ids).</summary>
    public static ClipConfig Config(ClipTokenizer tokenizer, int width = 64, int layers = 2) => new(
        new ClipTowerConfig(width, 2 * width, layers, 4, VocabSize: tokenizer.VocabSize,
            MaxPositionEmbeddings: ContextLength, BosTokenId: tokenizer.StartId, EosTokenId: tokenizer.EndId,
            PadTokenId: tokenizer.EndId),
        new ClipTowerConfig(width, 2 * width, layers, 4, ImageSize: ImageSize, PatchSize: 8),
        ProjectionDim: width);

    /// <summary>The folder of the checkpoint that tools/TrainClip writes (data/clip), found above the current
    /// directory or the library; null when absent.</summary>
    public static string? Folder => WorkbookPaths.FindAbove(
        [Environment.CurrentDirectory, AppContext.BaseDirectory,
            Path.GetDirectoryName(typeof(TinyClip).Assembly.Location)],
        Path.Combine("data", "clip"), d => File.Exists(Path.Combine(d, "model.safetensors")));

    /// <summary>The checkpoint of data/clip, loaded by name into a new <see cref="ClipModel"/>.</summary>
    public static ClipModel LoadPretrained()
    {
        var folder = Folder ?? throw new FileNotFoundException(
            "data/clip/model.safetensors not found above " + Environment.CurrentDirectory +
            ": run `dotnet run -c Release --project tools/TrainClip`");
        return ClipModel.FromFolder(folder);
    }

    /// <summary>Token ids [B, ContextLength] of captions (attention is causal, so the padding after the end token
    /// never reaches the pooled end token: no mask is needed).</summary>
    public static Tensor Ids(ClipTokenizer tokenizer, IReadOnlyList<string> texts) =>
        torch.tensor(tokenizer.EncodeBatch(texts, ContextLength).Ids, new long[] { texts.Count, ContextLength });

    /// <summary>Pixel values [B, 3, 32, 32] of the world's images (at the model's size already: only
    /// normalised).</summary>
    public static Tensor Pixels(IReadOnlyList<ImageCaption> batch) =>
        ClipImageProcessor.Normalized(batch.Select(b => b.Image).ToList());

    /// <summary>Image–caption pairs as tensors: pixel values [N, 3, 32, 32] and token ids [N, ContextLength].</summary>
    public sealed record PairTensors(IReadOnlyList<ImageCaption> Pairs, Tensor Pixels, Tensor Ids)
    {
        /// <summary>Number of pairs.</summary>
        public int Count => Pairs.Count;
    }

    /// <summary>Renders once and tokenises: training then draws batches by index, with no managed allocation per
    /// step (cheaper, and the garbage collector stays quiet while libtorch runs).</summary>
    public static PairTensors Tensors(IReadOnlyList<ImageCaption> pairs, ClipTokenizer tokenizer) =>
        new(pairs, Pixels(pairs).DetachFromDisposeScope(),
            Ids(tokenizer, pairs.Select(p => p.Caption).ToList()).DetachFromDisposeScope());

    /// <summary>Trains <paramref name="model"/> for <paramref name="steps"/> steps of <paramref name="batchSize"/>
    /// pairs drawn at random from <paramref name="data"/> with AdamW and
    /// <see cref="ContrastiveLosses.InfoNce(Tensor, Tensor, Tensor, double)"/>, logit_scale learned and clamped at
    /// ln 100. Batches come from <paramref name="rng"/>; progress is shown; <paramref name="evaluate"/>, if given, is
    /// called before every <paramref name="evaluateEvery"/>-th step and after the last.</summary>
    public static ClipTrainingRun Train(ClipModel model, PairTensors data, int steps, int batchSize, Random rng,
        double learningRate = 1e-3, string name = "tiny CLIP", int logEvery = 10, Action<int>? evaluate = null,
        int evaluateEvery = 50)
    {
        model.train();
        var optimizer = optim.AdamW(model.parameters(), lr: learningRate, weight_decay: 0.01);
        var inverseTemperature = new List<double>();
        var curve = TrainingLoop.Run(name, steps, optimizer, step =>
        {
            if (evaluate is not null && step % evaluateEvery == 0) evaluate(step);
            var index = DistinctIndices(rng, data.Count, batchSize);
            var image = model.GetImageFeatures(data.Pixels.index_select(0, index));
            var text = model.GetTextFeatures(data.Ids.index_select(0, index));
            if (step % logEvery == 0 || step == steps - 1)
                inverseTemperature.Add(Math.Exp(Math.Min(model.logit_scale.item<float>(), MaxLogitScale)));
            return ContrastiveLosses.InfoNce(image, text, model.logit_scale, MaxLogitScale);
        }, logEvery: logEvery);
        using (torch.no_grad()) model.logit_scale.clamp_(max: MaxLogitScale);
        model.eval();
        evaluate?.Invoke(steps);
        return new ClipTrainingRun(curve, inverseTemperature);
    }

    /// <summary>The objective CLIP was compared with: predict the caption from the image. Here its simplest form, a
    /// bag of words — the image tower, then <paramref name="head"/> (joint space → vocabulary), trained with binary
    /// cross-entropy to say which tokens the caption contains. Same data, batches and optimiser as
    /// <see cref="Train"/>.</summary>
    public static TrainingCurve TrainCaptionPrediction(ClipModel model, nn.Module<Tensor, Tensor> head,
        PairTensors data, int steps, int batchSize, Random rng, double learningRate = 1e-3, int logEvery = 10,
        Action<int>? evaluate = null, int evaluateEvery = 50)
    {
        model.train();
        var parameters = model.vision_model.parameters().Concat(model.visual_projection.parameters())
            .Concat(head.parameters());
        var optimizer = optim.AdamW(parameters, lr: learningRate, weight_decay: 0.01);
        int vocabulary = model.Config.Text.VocabSize;
        var curve = TrainingLoop.Run("bag of words", steps, optimizer, step =>
        {
            if (evaluate is not null && step % evaluateEvery == 0) evaluate(step);
            var index = DistinctIndices(rng, data.Count, batchSize);
            var logits = head.call(model.GetImageFeatures(data.Pixels.index_select(0, index)));
            var target = BagOfWords(data.Ids.index_select(0, index), vocabulary, model.Config.Text);
            return nn.functional.binary_cross_entropy_with_logits(logits, target);
        }, logEvery: logEvery);
        model.eval();
        evaluate?.Invoke(steps);
        return curve;
    }

    /// <summary>Zero-shot classification by a caption predictor: each label's score is Σ log σ(logit) over its words'
    /// tokens (the log-probability that the caption contains them all); accuracy on <paramref name="images"/>.
    /// </summary>
    public static double CaptionPredictionAccuracy(ClipModel model, nn.Module<Tensor, Tensor> head,
        ClipTokenizer tokenizer, IReadOnlyList<ImageCaption> images, IReadOnlyList<string> labels)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        var logProbabilities = nn.functional.logsigmoid(head.call(model.GetImageFeatures(Pixels(images))));
        var scores = torch.stack(labels.Select(label =>
            logProbabilities.index_select(1, torch.tensor(tokenizer.EncodeIds(label).Select(i => (long)i).ToArray()))
                .sum(1)).ToArray(), 1);
        var best = scores.argmax(1).data<long>().ToArray();
        return images.Select((image, i) => labels[(int)best[i]] == image.Scene.Label ? 1.0 : 0.0).Average();
    }

    /// <summary>Multi-hot targets [B, V] of the tokens in each caption, start, end and padding excluded.</summary>
    static Tensor BagOfWords(Tensor ids, int vocabulary, ClipTowerConfig text)
    {
        var target = torch.zeros(ids.shape[0], vocabulary).scatter_(1, ids, torch.ones(ids.shape, ScalarType.Float32));
        target[.., text.BosTokenId] = torch.tensor(0f);
        target[.., text.EosTokenId] = torch.tensor(0f);
        return target;
    }

    /// <summary><paramref name="count"/> distinct indices below <paramref name="size"/>: two copies of one pair in a
    /// batch would be each other's false negatives.</summary>
    internal static Tensor DistinctIndices(Random rng, int size, int count)
    {
        var indices = new long[count];
        for (int i = 0; i < count; i++)
        {
            long candidate;
            do candidate = rng.Next(size); while (Array.IndexOf(indices, candidate, 0, i) >= 0);
            indices[i] = candidate;
        }
        return torch.tensor(indices);
    }

    /// <summary>ln 100: CLIP clips logit_scale so that 1/τ stays ≤ 100.</summary>
    public const double MaxLogitScale = 4.605170185988092;
}
