using System.Text.Json;
using CourseWorkbook.Data;
using CourseWorkbook.Models;
using CourseWorkbook.Tokenization;
using CourseWorkbook.Weights;
using Microsoft.ML.Tokenizers;

namespace CourseWorkbook.Peft;

/// <summary>One recipe of the encoder grid as stored: its measured counts and bytes and its held-out
/// scores.</summary>
public sealed record EncoderSweepRun(string Method, string Recipe, int Rank, long Trainable, long TrainStateBytes,
    long WeightBytes, double Accuracy, double TestLoss, double LastTrainLoss)
{
    /// <summary>The stored form of a result (the last training loss: the mean of the last 10
    /// steps).</summary>
    public static EncoderSweepRun From(EncoderFineTuneResult r) => new(r.Method.Name, r.Method.Recipe.ToString(),
        r.Method.Rank, r.TrainableParameters, r.TrainStateBytes, r.Memory.WeightBytes, r.Accuracy, r.TestLoss,
        r.TrainLosses.TakeLast(10).Average());
}

/// <summary>The encoder grid: all-MiniLM-L6-v2 fine-tuned for the workbook's topics by every recipe on one
/// budget.</summary>
public sealed record EncoderSweep(string Model, long EncoderParameters, int TrainSentences, int TestSentences,
    int MaxLength, EncoderFineTuneSettings Settings, IReadOnlyList<EncoderSweepRun> Runs);

/// <summary>One point of the rank sweep: LoRA at rank <paramref name="Rank"/>, or full fine-tuning (rank 0), with
/// the held-out loss on the log before and after and the forgetting on the model's own stories.</summary>
public sealed record RankSweepRun(string Method, int Rank, long Trainable, long TrainStateBytes, double TargetBefore,
    double TargetLoss, double OriginalBefore, double Forgetting)
{
    /// <summary>The stored form of a fine-tuning result.</summary>
    public static RankSweepRun From(FineTuneResult r, int rank) => new(r.Method, rank, r.TrainableParameters,
        r.Memory.GradientBytes + r.Memory.OptimizerBytes, r.TargetBefore, r.TargetAfter, r.OriginalBefore,
        r.Forgetting);
}

/// <summary>The rank sweep: stories260K's LoRA of practical 08 (section 4) at several ranks, and full fine-tuning as
/// the reference, on the notebook's data and budget.</summary>
public sealed record RankSweep(string Model, IReadOnlyList<string> Targets, double LoraAlpha, int Steps,
    int BatchSize, double AdapterLearningRate, double FullLearningRate, int MaxLength, IReadOnlyList<RankSweepRun> Runs)
{
    /// <summary>The ranks of the practical's sweep.</summary>
    public static IReadOnlyList<int> Ranks { get; } = [1, 2, 4, 8, 16, 32, 64];

    /// <summary>The full fine-tuning run (rank 0).</summary>
    public RankSweepRun Full => Runs.Single(r => r.Rank == 0);

    /// <summary>The LoRA runs, by rank.</summary>
    public IReadOnlyList<RankSweepRun> Lora => Runs.Where(r => r.Rank > 0).OrderBy(r => r.Rank).ToList();

    /// <summary>The smallest rank whose held-out loss is within <paramref name="nats"/> of full fine-tuning's (or
    /// below it); null when none is.</summary>
    public RankSweepRun? SmallestRankWithin(double nats) =>
        Lora.FirstOrDefault(r => r.TargetLoss <= Full.TargetLoss + nats);
}

/// <summary>
/// Practical 08's precomputed sweeps (data/peft/sweep.json, written by tools/PeftSweep): the encoder grid on
/// all-MiniLM-L6-v2 and the rank sweep on stories260K. Read with <see cref="Read"/>, which checks every field and
/// names the file and the entry at fault.
/// </summary>
public sealed record PeftSweep(EncoderSweep Encoder, RankSweep Rank)
{
    /// <summary>The file's name in data/peft.</summary>
    public const string FileName = "sweep.json";

    /// <summary>The checkpoint shipped beside it: what <see cref="CheckpointMethod"/> trained
    /// (<see cref="EncoderFineTuning.SaveTrained"/>).</summary>
    public const string CheckpointFile = "minilm-topics-lora-r4.safetensors";

    /// <summary>The encoder run whose trained tensors are shipped: LoRA r = 4.</summary>
    public static EncoderMethod CheckpointMethod { get; } = new(EncoderRecipe.LoRA, 4);

    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true,
    };

    /// <summary>The data/peft folder holding sweep.json (walking up from the notebook, the library, the current
    /// directory), or null.</summary>
    public static string? DataFolder => Runtime.WorkbookPaths.DataFolder("peft", FileName);

    /// <summary>The file's text: indented JSON, snake_case names, numbers in their shortest round-trip form, one
    /// final newline (the same results give the same bytes).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options).ReplaceLineEndings("\n") + "\n";

    /// <summary>Parses <paramref name="json"/> (<paramref name="path"/> names it in errors) and checks it.</summary>
    public static PeftSweep Parse(string json, string path = FileName)
    {
        PeftSweep? sweep;
        try { sweep = JsonSerializer.Deserialize<PeftSweep>(json, Options); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a PEFT sweep file: {e.Message}", e);
        }
        if (sweep is null) throw new InvalidDataException($"{path}: empty (the JSON is null)");
        sweep.Validate(path);
        return sweep;
    }

    /// <summary>Reads and checks a sweep file (default: data/peft/sweep.json).</summary>
    public static PeftSweep Read(string? path = null)
    {
        path ??= Path.Combine(DataFolder ?? throw new DirectoryNotFoundException(
            $"data/peft/{FileName} not found above the notebook, the library or the current directory"), FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such sweep file", path);
        return Parse(File.ReadAllText(path), path);
    }

    void Validate(string path)
    {
        void Check(bool ok, string where, string what)
        {
            if (!ok) throw new InvalidDataException($"{path}: {where}: {what}");
        }
        static bool Finite(double x) => double.IsFinite(x);
        Check(Encoder.Runs.Count > 0, "encoder.runs", "no runs");
        Check(Encoder.EncoderParameters > 0 && Encoder.TrainSentences > 0 && Encoder.TestSentences > 0,
            "encoder", "encoder_parameters, train_sentences and test_sentences must be positive");
        for (int i = 0; i < Encoder.Runs.Count; i++)
        {
            var r = Encoder.Runs[i];
            string where = $"encoder.runs[{i}] ({r.Method})";
            Check(Enum.TryParse<EncoderRecipe>(r.Recipe, out var recipe), where, $"unknown recipe '{r.Recipe}'");
            Check(recipe == EncoderRecipe.LoRA ? r.Rank >= 1 : r.Rank == 0, where,
                $"rank {r.Rank} does not fit recipe {r.Recipe}");
            Check(r.Trainable > 0, where, $"trainable {r.Trainable} must be positive");
            Check(r.TrainStateBytes >= 0 && r.WeightBytes > 0, where, "byte counts must be positive");
            Check(r.Accuracy is >= 0 and <= 1, where, $"accuracy {r.Accuracy} is not in [0, 1]");
            Check(Finite(r.TestLoss) && r.TestLoss >= 0 && Finite(r.LastTrainLoss), where, "losses must be finite");
        }
        Check(Encoder.Runs.Select(r => r.Method).Distinct().Count() == Encoder.Runs.Count, "encoder.runs",
            "a method appears twice");
        Check(Rank.Runs.Count(r => r.Rank == 0) == 1, "rank.runs", "needs exactly one full fine-tuning run (rank 0)");
        Check(Rank.Runs.Any(r => r.Rank > 0), "rank.runs", "no LoRA run");
        Check(Rank.Runs.Select(r => r.Rank).Distinct().Count() == Rank.Runs.Count, "rank.runs", "a rank appears twice");
        for (int i = 0; i < Rank.Runs.Count; i++)
        {
            var r = Rank.Runs[i];
            string where = $"rank.runs[{i}] ({r.Method})";
            Check(r.Rank >= 0, where, $"rank {r.Rank} is negative");
            Check(r.Trainable > 0 && r.TrainStateBytes >= 0, where, "counts must be positive");
            Check(Finite(r.TargetBefore) && Finite(r.TargetLoss) && Finite(r.OriginalBefore) && Finite(r.Forgetting),
                where, "losses must be finite");
        }
    }
}

/// <summary>
/// The data and model of practical 08's LoRA (sections 2 and 4), as the notebook builds them: the captain's log
/// (every fifth entry held out), the original-domain text the pretrained stories260K samples itself (16 stories,
/// seed 1000), and a fresh model seeded with 42 before each load. tools/PeftSweep trains on these, so its runs are the
/// notebook's runs.
/// </summary>
public sealed class CaptainsLogTask : IDisposable
{
    readonly GgufFile gguf;

    CaptainsLogTask(GgufFile gguf, Tokenizer tokenizer, int maxLength)
    {
        this.gguf = gguf;
        Tokenizer = tokenizer;
        var log = PeftData.CaptainsLog();
        List<long[]> Encode(IEnumerable<string> texts) =>
            texts.Select(t => StoryCorpus.Encode(tokenizer, t, maxLength, bosId: 1, eosId: 2)).ToList();
        Train = Encode(log.Where((_, i) => i % 5 != 4));
        HeldOut = Encode(log.Where((_, i) => i % 5 == 4));
        using var pretrained = LoadModel();
        Original = FineTuning.OwnSamples(pretrained, count: 16, maxLength: maxLength, seed: 1000);
    }

    /// <summary>Opens stories260K.gguf (<paramref name="ggufPath"/>, or the model store's copy) and builds the
    /// task with entries of at most <paramref name="maxLength"/> tokens (the notebook's 48).</summary>
    public static CaptainsLogTask Load(string? ggufPath = null, int maxLength = 48)
    {
        if (ggufPath is null)
        {
            var lookup = new ModelStore().Resolve("stories260K", "stories260K.gguf");
            ggufPath = lookup.Found ? lookup.Path! : throw new FileNotFoundException(
                $"stories260K.gguf not found (set {ModelStore.LocalFolderVariable}).\n{lookup.Message}");
        }
        var gguf = GgufFile.Open(ggufPath);
        return new CaptainsLogTask(gguf, Tokenizers.FromGguf(gguf), maxLength);
    }

    /// <summary>stories260K's tokenizer.</summary>
    public Tokenizer Tokenizer { get; }
    /// <summary>Log entries to train on (four of every five).</summary>
    public IReadOnlyList<long[]> Train { get; }
    /// <summary>Held-out log entries (every fifth).</summary>
    public IReadOnlyList<long[]> HeldOut { get; }
    /// <summary>The pretrained model's own stories: the original domain.</summary>
    public IReadOnlyList<long[]> Original { get; }

    /// <summary>A fresh pretrained stories260K, loaded right after torch.manual_seed(42), as the notebook's
    /// LoadModel does.</summary>
    public LlamaForCausalLM LoadModel()
    {
        TorchSharp.torch.manual_seed(42);
        var (model, report) = LlamaForCausalLM.FromGguf(gguf);
        report.ThrowIfIncomplete();
        return model;
    }

    /// <summary>Closes the GGUF file.</summary>
    public void Dispose() => gguf.Dispose();
}
