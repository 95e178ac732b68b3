using CourseWorkbook.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseWorkbook.Models;

/// <summary>Shape of a ResNet built from basic blocks (torchvision's resnet18/34 layout), with the paddings of the
/// graph it was read from. Paddings are in ONNX order [top, left, bottom, right].</summary>
/// <param name="Layers">Basic blocks per stage (torchvision resnet18: 2, 2, 2, 2).</param>
/// <param name="Widths">Channels per stage (64, 128, 256, 512).</param>
/// <param name="StemPads">Padding of the 7×7 stride-2 stem convolution.</param>
/// <param name="PoolPads">Padding of the 3×3 stride-2 max pooling.</param>
/// <param name="StridePads">Padding of the 3×3 stride-2 convolution that opens stages 2–4.</param>
/// <param name="BatchNormEps">BatchNorm ε.</param>
/// <param name="NumClasses">Classes of the final fc layer, 0 for none (a feature extractor).</param>
public sealed record ResNetConfig(int[] Layers, int[] Widths, int[] StemPads, int[] PoolPads, int[] StridePads,
    double BatchNormEps = 1e-5, int NumClasses = 0)
{
    /// <summary>torchvision's resnet18 (symmetric paddings, 1000 ImageNet classes).</summary>
    public static ResNetConfig ResNet18 { get; } = new(Layers: [2, 2, 2, 2], Widths: [64, 128, 256, 512],
        StemPads: [3, 3, 3, 3], PoolPads: [1, 1, 1, 1], StridePads: [1, 1, 1, 1], NumClasses: 1000);

    /// <summary>The "ResNet18" of Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0 (a CNTK 2.6 export), as measured from
    /// its graph: NOT torchvision's resnet18. Stage 4 holds three basic blocks (22 convolutions in all), the stem pads
    /// [3, 3, 2, 2], max pooling and the stride-2 3×3 convolutions pad [1, 1, 0, 0] (top and left only), and there is
    /// no classifier: the output is the 512 features after global average pooling.</summary>
    public static ResNetConfig DnnImageFeaturizerResNet18 { get; } = new(Layers: [2, 2, 2, 3],
        Widths: [64, 128, 256, 512], StemPads: [3, 3, 2, 2], PoolPads: [1, 1, 0, 0], StridePads: [1, 1, 0, 0]);

    /// <summary>Channels of the feature vector (the last stage's width).</summary>
    public int FeatureSize => Widths[^1];
}

/// <summary>Padding helpers: ONNX pads [top, left, bottom, right] as a convolution padding when symmetric, else
/// explicitly.</summary>
static class Pads
{
    public static bool Symmetric(int[] p) => p[0] == p[2] && p[1] == p[3] && p[0] == p[1];

    /// <summary>Pads x [B, C, H, W] when <paramref name="p"/> is asymmetric (the layer then has padding 0).</summary>
    public static Tensor Apply(Tensor x, int[] p, double value = 0) =>
        Symmetric(p) ? x : nn.functional.pad(x, [p[1], p[3], p[0], p[2]], PaddingModes.Constant, value);

    public static Conv2d Conv(long cin, long cout, long k, long stride, int[] p, Device? device, ScalarType? dtype) =>
        nn.Conv2d(cin, cout, k, stride: stride, padding: Symmetric(p) ? p[0] : 0, bias: false, device: device,
            dtype: dtype);
}

/// <summary>torchvision's BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the shortcut a 1×1 stride-2
/// convolution with BatchNorm ("downsample") when the block changes width.</summary>
public sealed class BasicBlock : nn.Module<Tensor, Tensor>
{
    /// <summary>3×3, stride 1 or 2.</summary>
    public Conv2d conv1;
    /// <summary>BatchNorm after conv1.</summary>
    public BatchNorm2d bn1;
    /// <summary>3×3, stride 1.</summary>
    public Conv2d conv2;
    /// <summary>BatchNorm after conv2.</summary>
    public BatchNorm2d bn2;
    /// <summary>1×1 convolution + BatchNorm on the shortcut ("downsample.0", "downsample.1"), or null
    /// (identity).</summary>
    public Sequential? downsample;
    readonly int[] pads;

    /// <summary>A block from <paramref name="cin"/> to <paramref name="cout"/> channels; stride 2 pads by <paramref
    /// name="stridePads"/>.</summary>
    public BasicBlock(long cin, long cout, long stride, int[] stridePads, double eps, Device? device = null,
        ScalarType? dtype = null) : base(nameof(BasicBlock))
    {
        pads = stride == 1 ? [1, 1, 1, 1] : stridePads;
        conv1 = Pads.Conv(cin, cout, 3, stride, pads, device, dtype);
        bn1 = nn.BatchNorm2d(cout, eps, device: device, dtype: dtype);
        conv2 = Pads.Conv(cout, cout, 3, 1, [1, 1, 1, 1], device, dtype);
        bn2 = nn.BatchNorm2d(cout, eps, device: device, dtype: dtype);
        if (stride != 1 || cin != cout)
            downsample = nn.Sequential(
                ("0", nn.Conv2d(cin, cout, 1, stride: stride, bias: false, device: device, dtype: dtype)),
                ("1", nn.BatchNorm2d(cout, eps, device: device, dtype: dtype)));
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        var h = nn.functional.relu(bn1.call(conv1.call(Pads.Apply(x, pads))));
        h = bn2.call(conv2.call(h));
        return nn.functional.relu(h + (downsample is null ? x : downsample.call(x)));
    }
}

/// <summary> A ResNet of basic blocks in torchvision's layout and names (conv1, bn1, maxpool, layer1–layer4, avgpool,
/// fc), so torchvision checkpoints and the graphs named by <see cref="OnnxWeights.TorchvisionResNetNames"/> load by
/// name. With <see cref="ResNetConfig.DnnImageFeaturizerResNet18"/> it is the packaged "ResNet18" (three blocks in
/// stage 4: <c>layer4.2.*</c>, asymmetric paddings), which is not torchvision's resnet18.
/// </summary>
public sealed class ResNet : nn.Module<Tensor, Tensor>
{
    /// <summary>7×7 stride-2 stem convolution.</summary>
    public Conv2d conv1;
    /// <summary>Stem BatchNorm.</summary>
    public BatchNorm2d bn1;
    /// <summary>Stage 1 (stride 1).</summary>
    public ModuleList<BasicBlock> layer1;
    /// <summary>Stage 2 (stride 2).</summary>
    public ModuleList<BasicBlock> layer2;
    /// <summary>Stage 3 (stride 2).</summary>
    public ModuleList<BasicBlock> layer3;
    /// <summary>Stage 4 (stride 2).</summary>
    public ModuleList<BasicBlock> layer4;
    /// <summary>The classifier, or null for a feature extractor.</summary>
    public Linear? fc;

    /// <summary>A randomly initialised ResNet (pass torch.META as device to count parameters without memory).</summary>
    public ResNet(ResNetConfig config, Device? device = null, ScalarType? dtype = null) : base(nameof(ResNet))
    {
        Runtime.TorchRuntime.EnsureLoaded();
        if (config.Layers.Length != 4 || config.Widths.Length != 4)
            throw new ArgumentException("a ResNet has four stages", nameof(config));
        Config = config;
        conv1 = Pads.Conv(3, config.Widths[0], 7, 2, config.StemPads, device, dtype);
        bn1 = nn.BatchNorm2d(config.Widths[0], config.BatchNormEps, device: device, dtype: dtype);
        ModuleList<BasicBlock> Stage(int s)
        {
            long cin = s == 0 ? config.Widths[0] : config.Widths[s - 1];
            // Block 0 of stages 2–4 halves the resolution and widens; the others keep both.
            return nn.ModuleList(Enumerable.Range(0, config.Layers[s]).Select(b => new BasicBlock(
                b == 0 ? cin : config.Widths[s], config.Widths[s], b == 0 && s > 0 ? 2 : 1, config.StridePads,
                config.BatchNormEps, device, dtype)).ToArray());
        }
        layer1 = Stage(0); layer2 = Stage(1); layer3 = Stage(2); layer4 = Stage(3);
        fc = config.NumClasses > 0
            ? nn.Linear(config.FeatureSize, config.NumClasses, device: device, dtype: dtype)
            : null;
        RegisterComponents();
    }

    /// <summary>The shape and paddings.</summary>
    public ResNetConfig Config { get; }

    /// <summary>Images [B, 3, H, W] (already preprocessed) → the pooled features [B, 512].</summary>
    public Tensor Features(Tensor x)
    {
        x = nn.functional.relu(bn1.call(conv1.call(Pads.Apply(x, Config.StemPads))));
        x = nn.functional.max_pool2d(Pads.Apply(x, Config.PoolPads, double.NegativeInfinity), 3, 2,
            Pads.Symmetric(Config.PoolPads) ? Config.PoolPads[0] : 0);
        foreach (var stage in new[] { layer1, layer2, layer3, layer4 })
            foreach (var block in stage) x = block.call(x);
        return x.mean([2, 3]);
    }

    /// <summary>Features, then the classifier's logits when there is one.</summary>
    public override Tensor forward(Tensor x) => fc is null ? Features(x) : fc.call(Features(x));

    /// <summary>Builds the ResNet an ONNX graph describes (<see cref="OnnxWeights.TorchvisionResNetNames"/>) and loads
    /// its weights; the report lists every parameter and buffer (BatchNorm's num_batches_tracked is not in inference
    /// graphs and is left at 0).</summary>
    public static (ResNet Model, LoadReport Report) FromOnnx(OnnxFile file)
    {
        var graph = OnnxWeights.TorchvisionResNetNames(file);
        if (!graph.Map.IsComplete)
            throw new InvalidDataException(
                $"{file.Path}: initializers without a torchvision name: {string.Join(", ", graph.Map.Unmapped)}");
        var model = new ResNet(graph.Config);
        var report = StateDict.Load(model, graph.Map.ToTensorSource(file));
        var missing = report.Missing.Where(k => !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal));
        report = report with { Missing = missing.ToList() };
        model.eval();
        return (model, report);
    }
}

/// <summary>The preprocessing graph of Microsoft.ML.DnnImageFeaturizer.ResNet18 (ResNetPreprocess.onnx): split the RGB
/// input's channels, concatenate them as BGR, subtract a per-pixel ImageNet mean image [1, 3, 224, 224] (BGR,
/// 0–255).</summary>
public sealed class ResNetPreprocess
{
    /// <summary>A preprocessing with the given BGR mean image.</summary>
    public ResNetPreprocess(Tensor meanImage) => MeanImage = meanImage;

    /// <summary>The BGR mean image [1, 3, 224, 224] on the 0–255 scale.</summary>
    public Tensor MeanImage { get; }

    /// <summary>RGB pixels [B, 3, 224, 224], 0–255 → BGR minus the mean image (what the featurizer expects).</summary>
    public Tensor Apply(Tensor rgb) => rgb.flip(1) - MeanImage;

    /// <summary>Reads the mean image from ResNetPreprocess.onnx, checking that its graph is Split → Concat(B, G, R) →
    /// Sub.</summary>
    public static ResNetPreprocess FromOnnx(OnnxFile file)
    {
        var ops = string.Join(" ", file.Nodes.Select(n => n.OpType));
        if (ops != "Split Concat Sub")
            throw new InvalidDataException($"{file.Path}: expected Split, Concat, Sub; found {ops}");
        var split = file.Nodes[0]; var concat = file.Nodes[1]; var sub = file.Nodes[2];
        if (!concat.Inputs.SequenceEqual(split.Outputs.Reverse()))
            throw new InvalidDataException($"{file.Path}: the Concat does not reverse the channels");
        return new ResNetPreprocess(file.ReadTensor(sub.Inputs[1]));
    }
}

/// <summary>Whether the packaged image featurizer could be loaded, and why not when it could not.</summary>
/// <param name="Featurizer">The featurizer, or null when the package is absent.</param>
/// <param name="Message">What was loaded, or what was searched and the #r line to add.</param>
/// <param name="Downloaded">True when the package was downloaded for this call.</param>
public sealed record ResNetFeaturizerLookup(ResNetFeaturizer? Featurizer, string Message, bool Downloaded = false);

/// <summary> ImageNet features offline: the ResNet that the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18
/// 0.24.0 ships as ONNX (a CNTK export; see <see cref="ResNetConfig.DnnImageFeaturizerResNet18"/> for how it differs
/// from torchvision's resnet18), loaded into the workbook's TorchSharp <see cref="ResNet"/> with the package's own
/// preprocessing. The library does not depend on the package; a notebook adds <see cref="NuGetReference"/>.
/// </summary>
public sealed class ResNetFeaturizer(ResNet model, ResNetPreprocess preprocess)
{
    const string PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18", Version = "0.24.0";

    /// <summary>The packaged ResNet18.onnx.</summary>
    public static PackagedFile ModelFile { get; } =
        new(PackageId, Version, "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx");
    /// <summary>The packaged ResNetPreprocess.onnx.</summary>
    public static PackagedFile PreprocessFile { get; } =
        new(PackageId, Version, "tools/DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx");
    /// <summary>The #r line a notebook adds to get the package.</summary>
    public const string NuGetReference = $"#r \"nuget: {PackageId}, {Version}\"";
    /// <summary>The input side the graph was exported for.</summary>
    public const int ImageSize = 224;

    /// <summary>The network.</summary>
    public ResNet Model { get; } = model;
    /// <summary>Its preprocessing (RGB → BGR, minus the mean image).</summary>
    public ResNetPreprocess Preprocess { get; } = preprocess;

    /// <summary>Loads the featurizer if the package is found (NuGet global packages folder), else a lookup with the
    /// reason. With <paramref name="download"/>, a missing package is first downloaded (that one package, within the
    /// options' timeout: <see cref="NuGetPackages.Download"/>).</summary>
    public static ResNetFeaturizerLookup TryLoad(PackageDownloadOptions? download = null)
    {
        var (modelFile, downloadResult) = NuGetPackages.LocateOrDownload(ModelFile, download);
        var prepFile = NuGetPackages.Locate(PreprocessFile, download?.PackagesFolder);
        if (!modelFile.Found || !prepFile.Found)
            return new ResNetFeaturizerLookup(null, modelFile.Found ? prepFile.Message : modelFile.Message);
        using var prep = prepFile.OpenOnnx();
        using var file = modelFile.OpenOnnx();
        var (model, report) = ResNet.FromOnnx(file);
        report.ThrowIfIncomplete(strict: true);
        string how = downloadResult is { Succeeded: true } d ? $" ({d.Message})" : "";
        return new ResNetFeaturizerLookup(new ResNetFeaturizer(model, ResNetPreprocess.FromOnnx(prep)),
            $"{PackageId} {Version}: {report.Loaded.Count} tensors from {modelFile.Path}{how}",
            Downloaded: downloadResult is { Succeeded: true });
    }

    /// <summary>RGB images [B, 3, 224, 224] with values 0–255 → ImageNet features [B, 512].</summary>
    public Tensor Features(Tensor rgb)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return Model.call(Preprocess.Apply(rgb)).MoveToOuterDisposeScope();
    }

    /// <summary>One image as interleaved RGB bytes (row by row, 224 × 224 × 3, as image libraries decode it) → 512
    /// features.</summary>
    public float[] Features(ReadOnlySpan<byte> rgbInterleaved)
    {
        int n = ImageSize * ImageSize;
        if (rgbInterleaved.Length != 3 * n)
            throw new ArgumentException($"expected {3 * n} bytes (224 × 224 RGB), got {rgbInterleaved.Length}",
                nameof(rgbInterleaved));
        var planar = new float[3 * n];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < 3; c++) planar[c * n + i] = rgbInterleaved[3 * i + c];
        using var x = torch.tensor(planar, [1, 3, ImageSize, ImageSize]);
        using var features = Features(x);
        return features.data<float>().ToArray();
    }
}
