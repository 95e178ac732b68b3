using CourseWorkbook.Models;
using CourseWorkbook.Tests.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace CourseWorkbook.Tests.Models;

public class ResNetTests : TorchTest
{
    /// <summary>A deterministic 224×224 RGB test image, 0–255: smooth gradients plus a checkerboard and a disc, so
    /// every channel and spatial frequency carries signal.</summary>
    static float[] TestImage()
    {
        var pixels = new float[3 * 224 * 224];
        for (int y = 0; y < 224; y++)
            for (int x = 0; x < 224; x++)
            {
                bool check = (x / 16 + y / 16) % 2 == 0;
                bool disc = (x - 140) * (x - 140) + (y - 90) * (y - 90) < 40 * 40;
                pixels[0 * 224 * 224 + y * 224 + x] = disc ? 230 : x * 255f / 223;
                pixels[1 * 224 * 224 + y * 224 + x] = check ? 200 : 40 + y * 0.5f;
                pixels[2 * 224 * 224 + y * 224 + x] = (x * 7 + y * 13) % 256;
            }
        return pixels;
    }

    static double MaxAbsDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    [PackagedFact(OnnxTestFiles.ResNetPreprocess)]
    public void Preprocessing_equals_the_packaged_preprocessing_graph_run_by_ONNX_Runtime()
    {
        var lookup = OnnxTestFiles.Locate(OnnxTestFiles.ResNetPreprocess);
        using var f = lookup.OpenOnnx();
        var prep = ResNetPreprocess.FromOnnx(f);
        var image = TestImage();
        using var ours = prep.Apply(torch.tensor(image, [1, 3, 224, 224]));
        using var reference = new OnnxReference(lookup);
        var (theirs, dims) = reference.Run("PreprocessedInput", ("OriginalInput", image, [1, 3, 224, 224]));
        Assert.Equal([1, 3, 224, 224], dims);
        Assert.Equal(0, MaxAbsDiff(ours.data<float>().ToArray(), theirs));
    }

    [PackagedFact(OnnxTestFiles.ResNet18)]
    public void Features_equal_ONNX_Runtime_on_a_deterministic_image()
    {
        using var prepFile = OnnxTestFiles.Locate(OnnxTestFiles.ResNetPreprocess).OpenOnnx();
        var prep = ResNetPreprocess.FromOnnx(prepFile);
        using var input = prep.Apply(torch.tensor(TestImage(), [1, 3, 224, 224]));
        var lookup = OnnxTestFiles.Locate(OnnxTestFiles.ResNet18);
        using var f = lookup.OpenOnnx();
        var (model, report) = ResNet.FromOnnx(f);
        report.ThrowIfIncomplete(strict: true);
        float[] ours;
        using (no_grad()) ours = model.call(input).data<float>().ToArray();
        using var reference = new OnnxReference(lookup);
        var (theirs, dims) = reference.Run("Pooling395_Output_0",
            ("Input247", input.data<float>().ToArray(), [1, 3, 224, 224]));
        Assert.Equal([1, 512, 1, 1], dims);
        Assert.Equal(512, ours.Length);
        double diff = MaxAbsDiff(ours, theirs);
        Assert.True(diff <= 1e-4, $"max |Δ| = {diff:E2} (features up to {theirs.Max():F2})");
        Assert.True(theirs.Count(v => v > 0) > 100);   // a real feature vector, not all zeros
        Console.WriteLine($"ResNet: max |Δ| features {diff:E2}");
        model.Dispose();
    }

    [Fact]
    public void Torchvision_resnet18_has_11_689_512_parameters_and_the_packaged_variant_its_extra_block()
    {
        using var tv = new ResNet(ResNetConfig.ResNet18, torch.META);
        Assert.Equal(11_689_512, tv.parameters().Sum(p => p.numel()));
        using var packaged = new ResNet(ResNetConfig.DnnImageFeaturizerResNet18, torch.META);
        Assert.Contains(packaged.named_parameters(), p => p.name == "layer4.2.conv1.weight");
        Assert.DoesNotContain(tv.named_parameters(), p => p.name == "layer4.2.conv1.weight");
        Assert.Equal(22, packaged.named_parameters().Count(p => p.parameter.dim() == 4));
    }

    [Fact]
    public void The_parameter_formula_matches_the_built_models_and_torchvisions_published_count()
    {
        Assert.Equal(11_689_512, ParameterCounts.ResNet(ResNetConfig.ResNet18));
        using var packaged = new ResNet(ResNetConfig.DnnImageFeaturizerResNet18, torch.META);
        long built = packaged.parameters().Sum(p => p.numel());
        Assert.Equal(built, ParameterCounts.ResNet(ResNetConfig.DnnImageFeaturizerResNet18));
        // torchvision's count without its classifier (512·1000 + 1000) plus a third stage-4 block (two 3×3 512→512
        // convolutions and two BatchNorms).
        Assert.Equal(11_689_512 - 513_000 + 2 * (512 * 512 * 9 + 2 * 512), built);
    }

    [Fact]
    public void Torchvision_resnet18_costs_the_published_1_81_giga_multiply_accumulates()
    {
        long macs = Costs.ResNetMacsPerImage(ResNetConfig.ResNet18);
        Assert.Equal(1_814_073_344, macs);
        long extra = 2L * 7 * 7 * 512 * 512 * 9;   // the extra block runs at 7×7
        Assert.Equal(macs - 512_000 + extra, Costs.ResNetMacsPerImage(ResNetConfig.DnnImageFeaturizerResNet18));
    }

    [Fact]
    public void Asymmetric_padding_keeps_the_spatial_size_of_symmetric_padding()
    {
        using var model = new ResNet(ResNetConfig.DnnImageFeaturizerResNet18);
        model.eval();
        using var _ = no_grad();
        using var x = torch.zeros(1, 3, 224, 224);
        using var y = model.call(x);
        Assert.Equal([1L, 512L], y.shape);
    }

    [PackagedFact(OnnxTestFiles.ResNet18)]
    public void The_featurizer_takes_interleaved_RGB_bytes_like_planar_tensors()
    {
        var lookup = ResNetFeaturizer.TryLoad();
        var featurizer = lookup.Featurizer ?? throw new InvalidOperationException(lookup.Message);
        var planar = TestImage();
        var interleaved = new byte[planar.Length];
        for (int i = 0; i < 224 * 224; i++)
            for (int c = 0; c < 3; c++) interleaved[3 * i + c] = (byte)planar[c * 224 * 224 + i];
        var asBytes = planar.Select(v => (float)(byte)v).ToArray();
        using var expected = featurizer.Features(torch.tensor(asBytes, [1, 3, 224, 224]));
        Assert.Equal(expected.data<float>().ToArray(), featurizer.Features(interleaved));
        Assert.Throws<ArgumentException>(() => featurizer.Features(new byte[10]));
    }
}
